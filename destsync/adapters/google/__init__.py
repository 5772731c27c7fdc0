"""Sheets, Forms and Gmail through Google's client libraries, with one retry policy."""
