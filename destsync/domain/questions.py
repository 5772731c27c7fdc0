"""Form A's questions by id, once their titles have been resolved.

The first sync that finds the form's questions by title stores their ids in the tracker's
``_destsync_meta``; later runs find them by id, so a question reworded on the form keeps
working (the new title is logged once, and ``check`` shows it). Only a deleted question
is an error. The CSV export has no ids and keeps matching by title.
"""

from __future__ import annotations

from collections.abc import Mapping

from destsync.domain.plan import LogEntry, Plan

ID_KEY = "question|"  # _destsync_meta: question|<field key> -> questionId
TITLE_KEY = "question_title|"  # _destsync_meta: the reworded title already logged


def stored_ids(meta: Mapping[str, str]) -> dict[str, str]:
    return {k.removeprefix(ID_KEY): v for k, v in meta.items() if k.startswith(ID_KEY) and v}


def remember(plan: Plan, meta: Mapping[str, str], resolved: Mapping[str, str],
             renamed: Mapping[str, str]) -> None:
    """Store newly resolved ids, and log each reworded title once."""
    for key, qid in resolved.items():
        if meta.get(ID_KEY + key) != qid:
            plan.meta[ID_KEY + key] = qid
    for key, title in renamed.items():
        if meta.get(TITLE_KEY + key) != title:
            plan.meta[TITLE_KEY + key] = title
            plan.log.append(LogEntry("", "Form A question", "", title, "Form A",
                                     f"the question for {key} was reworded; found by its id"))
