"""Form A's questions, found by title in whatever the form gives: the columns of a CSV
export, or the items of the form itself. One rule for both, so a title that matches in
one source matches in the other."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from destsync.errors import InputError

T = TypeVar("T")
FORM_NAMES = {"form_a": "Form A", "checkin": "check-in"}


def norm_title(title: str) -> str:
    """Titles compare without case or spacing differences (Forms adds no-break spaces)."""
    return " ".join(title.replace("\u00a0", " ").split()).casefold()


def resolve(available: Mapping[str, T], questions: Mapping[str, str], what: str, noun: str,
            hint: str = "", table: str = "form_a") -> dict[str, T]:
    """Field key -> what ``available`` (keyed by normalised title) holds for its question.
    A missing title is an InputError naming the question and the config key to change."""
    out: dict[str, T] = {}
    for key, title in questions.items():
        if not title:
            continue  # the school's form does not ask this question
        found = available.get(norm_title(title))
        if found is None:
            raise InputError(
                f"{what} has no {noun} {title!r} (the {FORM_NAMES.get(table, table)} "
                f"question for {key})",
                f"if the question was renamed, set {table}.questions.{key} to its new title"
                + hint,
            )
        out[key] = found
    return out
