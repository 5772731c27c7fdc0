"""The pure parts of erasure: the erase plan, the tombstone screen and the scrubbing of
free text (issue 14)."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from destsync.domain.erase_plan import ERASED, plan_erase
from destsync.domain.model import COLUMN_BY_KEY, RawResponse, RosterEntry, TrackerSnapshot
from destsync.domain.scrub import mentions, scrub
from destsync.domain.tombstone import SALT_KEY, TOMBSTONE_PREFIX, hashed, screen
from destsync.domain.withdrawal import review_masks

HEADERS = {k: c.header for k, c in COLUMN_BY_KEY.items()}
TRACKER_HEAD = [HEADERS[k] for k in ("ref", "forename", "surname", "email", "phone")]
REFS = st.sampled_from(["OAK-1001", "OAK-1002", "OAK-1003", "OAK-1004"])


def grids(tracker_refs: list[str], base_refs: list[str]) -> dict[str, list[list[str]]]:
    return {
        "Tracker": [TRACKER_HEAD, *([r, "Ann", f"Smith{r[-1]}", f"ann{r[-1]}@example.org",
                                     f"07700 90000{r[-1]}"] for r in tracker_refs)],
        "Review": [["Key", "Raised", "Kind", "Ref", "Response ID", "Submitted", "Field",
                    "Value in tracker", "Value from form", "What to do", "Resolved"]],
        "Change log": [["When", "Run", "Ref", "Field", "Old", "New", "Source", "Note"],
                       *([
                           "2026-05-01", "r1", r, "Personal email", "a***@e***.org", "", "x", "n"]
                         for r in base_refs)],
        "_destsync_base": [["Ref", "Column", "Value"], *([r, "email", "x"] for r in base_refs)],
        "_destsync_responses": [["Response ID", "Submitted", "Outcome", "Ref"],
                                *([f"rid-{r}", "2026", "tracker", r] for r in base_refs)],
        "_destsync_meta": [["Key", "Value"]],
    }


@given(st.lists(REFS, unique=True, min_size=1), REFS)
def test_the_plan_removes_only_the_subjects_rows(refs: list[str], ref: str) -> None:
    g = grids(refs, refs)
    plan = plan_erase(ref, g, HEADERS, [], "salt", True, "2026-06-01T00:00:00", "run")
    tracker = plan.edits.get("Tracker")
    deleted = [g["Tracker"][r][0] for r in (tracker.delete if tracker else [])]
    assert deleted == ([ref] if ref in refs else [])
    base = plan.edits.get("_destsync_base")
    assert [g["_destsync_base"][r][0] for r in (base.delete if base else [])] == deleted
    log = plan.edits["Change log"]
    assert all(row[2] == ERASED and row[4] == "" for row in log.replace.values())
    assert len(log.replace) == (1 if ref in refs else 0)
    meta = plan.edits["_destsync_meta"].append
    assert [SALT_KEY, "salt"] in meta
    tomb = [row for row in meta if row[0].startswith(TOMBSTONE_PREFIX)]
    assert tomb == [[TOMBSTONE_PREFIX + hashed("salt", ref), tomb[0][1]]]
    assert ref not in str(plan.edits["_destsync_meta"]) and ref not in str(log.append)


def raw(rid: str, ref: str, when: int = 1) -> RawResponse:
    return RawResponse(rid, datetime(2026, 5, when, tzinfo=UTC), {"reference": ref}, "test")


def test_the_screen_keeps_an_erased_student_out_until_a_new_answer() -> None:
    snap = TrackerSnapshot(meta={SALT_KEY: "s", TOMBSTONE_PREFIX + hashed("s", "OAK-1"):
                                 f"2026-06-01|{hashed('s', 'old')}"})
    roster = [RosterEntry("OAK-1", "Ann", "Smith", "", 2026),
              RosterEntry("OAK-2", "Bob", "Jones", "", 2026)]
    out = screen(snap, roster, [raw("old", "OAK-1")])
    assert [e.ref for e in out.roster] == ["OAK-2"] and out.responses == []
    out = screen(snap, roster, [raw("old", "OAK-1"), raw("new", "oak-1 ", 9)])
    assert [e.ref for e in out.roster] == ["OAK-1", "OAK-2"]
    assert [r.response_id for r in out.responses] == ["new"]


def test_a_deleted_row_is_asked_about_once() -> None:
    snap = TrackerSnapshot(rows={"OAK-2": {}}, base={("OAK-1", "email"): "x"})
    out = screen(snap, [RosterEntry("OAK-1", "A", "B", "", 2026)], [])
    assert out.roster == [] and [i.ref for i in out.review] == ["OAK-1"]
    snap.review_keys.add(out.review[0].key)
    assert screen(snap, [], []).review == []


@given(st.sampled_from(["07700 900123", "+447700900123", "07700-900-123", "7700900123"]))
def test_a_phone_is_scrubbed_whatever_its_spelling(spelling: str) -> None:
    text = f"Call {spelling} or write to Ann.Smith@Example.org, says Ann Smith."
    out = scrub(text, ["7700900123", "ann.smith@example.org", "ann smith"])
    assert out == "Call (erased) or write to (erased), says (erased)."
    assert not mentions(out, ["7700900123"])


def test_review_masks_take_the_quoted_value_out_of_the_advice_too() -> None:
    review = [["Key", "Ref", "Field", "Value in tracker", "Value from form", "What to do"],
              ["k", "OAK-1", "Phone", "", "07700 900123 mum", "'07700 900123 mum' has letters"],
              ["k2", "OAK-2", "Phone", "", "07700 900999 x", "'07700 900999 x' has letters"]]
    edit = review_masks(review, {"OAK-1"}, HEADERS)
    assert list(edit.replace) == [1]
    assert "900123" not in str(edit.replace[1]) and ERASED in edit.replace[1]


def test_a_possible_match_row_naming_them_keeps_the_other_students_answer() -> None:
    g = grids(["OAK-1001", "OAK-1002"], ["OAK-1001", "OAK-1002"])
    g["Review"].append(["k", "2026-05-01", "Possible match", "", "rid-x", "2026", "identity",
                        "OAK-1001: Ann Smith1, born 2008-01-01", "Anne Smyth, born 2008-01-01",
                        "Looks like OAK-1001", ""])
    g["Review"].append(["k2", "2026-05-01", "No match", "", "rid-y", "2026", "identity",
                        "", "Ann Smith1, born 2008-01-01", "add to roster", ""])
    g["Tracker"][1].append("")
    plan = plan_erase("OAK-1001", g, HEADERS, [], "s", False, "2026-06-01T00:00:00", "run")
    review = plan.edits["Review"]
    assert review.delete == [2]  # their own unmatched answer
    kept = review.replace[1]
    assert kept[8] == "Anne Smyth, born 2008-01-01"  # the other student's answer
    assert "Ann Smith1" not in kept[7] and "OAK-1001" not in " ".join(kept)
