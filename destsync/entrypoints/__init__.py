"""What a person runs: the CLI, its commands, and the composition root (``bootstrap``).

Parses arguments, builds the adapters, calls the service, prints. May import anything
below it; nothing imports it except ``destsync.__main__``.
"""
