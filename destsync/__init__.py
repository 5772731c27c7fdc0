"""destsync: reconcile Form A responses into a school's destinations tracker, safely."""

__version__ = "0.1.0"
