"""The TOML config file → frozen, validated settings.

May import: ``destsync.domain`` (the settings are expressed in its types) and
``destsync.errors``. Never the service, an adapter or an entry point.
"""
