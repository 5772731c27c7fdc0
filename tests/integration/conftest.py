"""Fixtures shared by the Gmail exactly-once and retry tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.emulator import Emulator
from tests.fakes import unpaced


@pytest.fixture(scope="module")
def gmail_emulator() -> Iterator[Emulator]:
    with Emulator() as emu:
        yield emu


@pytest.fixture
def gmail_emu(gmail_emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Emulator:
    """The emulator, emptied, with Gmail as it is reported to behave: Message-IDs
    replaced on send and a search index 30 s behind."""
    gmail_emulator.reset()
    gmail_emulator.gmail_config(search_lag_seconds=30, replace_message_id=True)
    monkeypatch.setenv("WORKSPACE_EMULATOR_HOST", gmail_emulator.host)
    return gmail_emulator


@pytest.fixture(autouse=True)
def _no_real_quota_waits() -> Iterator[None]:
    # The run's pacer would otherwise wait real minutes once tests, many syncs a second,
    # went over 60 Sheets reads in a minute.
    with unpaced():
        yield
