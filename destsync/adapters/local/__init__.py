"""The laptop backend: a Forms CSV export, the MIS roster CSV, an .xlsx tracker, an
outbox folder of .eml files, and SMTP."""
