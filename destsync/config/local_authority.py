"""The ``[local_authority]`` table: the local authority's own column headers, for the
file ``la-export`` writes and the extract ``la-import`` reads (``domain.la_export``)."""

from __future__ import annotations

from destsync.config.reader import TableReader
from destsync.domain.la_export import LA_FIELDS


def parse_local_authority(root: TableReader) -> dict[str, str]:
    """Field -> header, for the fields the config renames (``columns = { ref = "UPN" }``)."""
    t = root.table("local_authority")
    out = {k: v.strip() for k, v in t.renames("columns", LA_FIELDS, "a local-authority column",
                                                 f"use one of {', '.join(LA_FIELDS)}").items()}
    t.done()
    if len(set(out.values())) != len(out):
        raise root.error("local_authority.columns", "gives two columns the same header",
                         "make each header unique")
    return out
