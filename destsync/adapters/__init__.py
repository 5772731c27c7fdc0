"""Talking to the outside: Google's APIs (``google/``) and files and SMTP (``local/``).

Each adapter implements a port from ``service.ports`` structurally (no import needed).
May import: the domain, ``destsync.errors``; never the service or an entry point.
"""
