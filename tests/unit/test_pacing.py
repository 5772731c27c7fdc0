"""The pacer keeps every minute (a sliding window, as Google counts) within the quota."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from destsync.adapters.google.pacing import MARGIN, WINDOW, Pacer, bucket


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def now(self) -> float:
        return self.t

    def sleep(self, s: float) -> None:
        assert s > 0
        self.t += s


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 8), st.lists(st.floats(0, 40), max_size=40))
def test_no_window_of_a_minute_holds_more_than_the_quota(limit: int, gaps: list[float]) -> None:
    clock = Clock()
    pacer = Pacer({"sheets_read": limit}, clock.now, clock.sleep)
    sent = []
    for gap in gaps:
        clock.t += gap
        pacer.take("sheets_read")
        sent.append(clock.t)
    for i, t in enumerate(sent):
        assert sum(1 for u in sent[i:] if u < t + WINDOW + MARGIN) <= limit


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 6), st.lists(st.tuples(st.floats(0, 30), st.floats(0, 5),
                                             st.floats(0, 1)), max_size=30))
def test_however_slow_the_way_to_google_no_server_minute_holds_more_than_the_quota(
    limit: int, calls: list[tuple[float, float, float]],
) -> None:
    """Each request takes ``trip`` seconds to answer, and the server stamps it somewhere
    in that trip (``at`` of the way): a request's place is held until a minute after its
    answer, so the server's own sliding minute never sees one too many."""
    clock = Clock()
    pacer = Pacer({"sheets_write": limit}, clock.now, clock.sleep)
    stamped = []
    for gap, trip, at in calls:
        clock.t += gap
        stamp = pacer.take("sheets_write")
        stamped.append(clock.t + trip * at)
        clock.t += trip
        pacer.done(stamp)
    for i, t in enumerate(stamped):
        assert sum(1 for u in stamped if t - WINDOW < u <= t) <= limit


def test_the_request_over_the_quota_waits_for_the_oldest_to_leave_the_minute() -> None:
    clock = Clock()
    pacer = Pacer({"gmail_write": 2}, clock.now, clock.sleep)
    pacer.take("gmail_write")
    clock.t += 10
    pacer.take("gmail_write")
    pacer.take("gmail_write")  # waits until the first is a minute (and the margin) old
    assert clock.t == 1000.0 + WINDOW + MARGIN
    pacer.take("forms_read")  # no quota configured for it: never waits
    assert clock.t == 1000.0 + WINDOW + MARGIN


def test_reads_and_writes_are_named_as_google_counts_them() -> None:
    assert bucket("sheets.values.batchGetByDataFilter", "POST") == "sheets_read"
    assert bucket("sheets.values.batchUpdateByDataFilter", "POST") == "sheets_write"
    assert bucket("forms.responses.list", "GET") == "forms_read"
    assert bucket("gmail.drafts.send", "POST") == "gmail_write"
