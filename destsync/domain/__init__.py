"""The pure core: what a sync decides.

Plain data and a clock go in (a tracker snapshot, the roster, Form A's responses, the
ledger); a Plan comes out. Nothing here reads a file, opens a socket, prints, or imports a
Google or Jinja SDK. May import: the standard library, ``destsync.errors``, and small pure
libraries (phonenumbers, email-validator, rapidfuzz). ``python3 dev.py check`` enforces it.
"""
