"""A local HTTP emulator of the Google Sheets v4, Forms v1 and Gmail v1 APIs.

The real client libraries talk to it: googleapiclient via `client_options={"api_endpoint":
emu.url}` and gspread via a session that rewrites Google's base URL (see `clients`).
Requests are routed and validated with Google's own discovery documents, so an adapter
that sends an unknown field or parameter fails here exactly as it would at Google.

    from tests.emulator import Emulator
    from tests.emulator.clients import google_service, gspread_client

    with Emulator() as emu:
        sheets = google_service("sheets", "v4", emu.url)
        ...
        emu.state.sheets.sort_rows(spreadsheet_id, "Tracker", by_col=2, descending=True)
        assert emu.calls()["sheets.spreadsheets.values.batchGet"] == 1

Run standalone with `python -m tests.emulator --port 8765 [--seed DIR]`.
"""

from .control import Fault, Faults, State
from .errors import ApiError
from .server import Emulator
from .sheets_model import Formula

__all__ = ["ApiError", "Emulator", "Fault", "Faults", "Formula", "State"]
