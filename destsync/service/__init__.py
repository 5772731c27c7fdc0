"""The thin shell: one run, sending exactly once, rendering, the report's files.

Reads through the ports (``service.ports``), asks the domain for a Plan and applies it.
May import: the domain, the config, and adapter *types*; never an entry point. Which
adapter serves a port is decided in one place, ``entrypoints.bootstrap``.
"""
