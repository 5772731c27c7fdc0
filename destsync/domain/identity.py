"""Whether the person who answered is the person a reference names.

A personal link can be forwarded: the reference then names one student while the name and
date of birth are someone else's. A reference is evidence, not proof: when the response's
name or date of birth *clearly* disagree with the row, nothing is written to that row and
a person decides. Normal variation still agrees: a nickname ("Alex" for "Alexandra"),
accents and case, a second surname, a typo in one of the fields, day and month swapped.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable, Sequence
from datetime import date

from rapidfuzz import fuzz

from destsync.domain.masking import mask_email
from destsync.domain.plan import ReviewItem

FORWARDED = "Link used by someone else?"
# Similarity (0-100) at which two spellings of one name are taken as a typo of each other.
TYPO_SCORE = 80.0

# Common English short forms: any two names in one group are the same person's name.
_NICKNAMES: tuple[frozenset[str], ...] = tuple(frozenset(g.split()) for g in (
    "alexander alexandra alex alexa sandy xander lexi",
    "samuel samantha sam sammy",
    "william will bill billy liam",
    "robert rob bob bobby robbie",
    "elizabeth liz lizzie beth eliza betty libby",
    "katherine catherine kathryn kate katie kat cath kathy",
    "thomas tom tommy",
    "james jim jimmy jamie",
    "jonathan john jon johnny jack",
    "michael mike mikey mick",
    "christopher chris kit",
    "daniel dan danny",
    "matthew matt",
    "benjamin ben benji",
    "joseph joe joey",
    "nicholas nick nicky",
    "rebecca becky becca",
    "jessica jess jessie",
    "victoria vicky tori",
    "margaret maggie meg peggy",
    "edward ed eddie ted teddy ned",
    "charlotte charlie lottie",
    "charles charlie chuck",
    "abigail abbie abby",
    "olivia liv livvy",
    "joshua josh",
    "zachary zach zac",
    "nathaniel nathan nat",
    "anthony tony",
    "stephen steven steve",
    "richard rich rick ricky",
    "amelia millie amy",
    "isabella isabel izzy bella",
    "eleanor ellie nell nora",
    "frederick fred freddie",
    "henry harry hal",
    "mohammed muhammad mohammad mohamed",
))


def _fold(text: str) -> str:
    """Lower case, no accents, letters and digits only."""
    text = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in text if ch.isalnum())


def _words(text: str) -> list[str]:
    return [w for w in (_fold(x) for x in text.replace("-", " ").split()) if w]


def _forenames_agree(a: str, b: str) -> bool:
    if a == b or fuzz.ratio(a, b) >= TYPO_SCORE:
        return True
    short, long_ = sorted((a, b), key=len)
    if len(short) >= 3 and long_.startswith(short):
        return True  # "Alex" / "Alexandra", "Sam" / "Samira"
    return any(a in g and b in g for g in _NICKNAMES)


def names_agree(forename_a: str, surname_a: str, forename_b: str, surname_b: str) -> bool:
    """The same person's name within normal variation (see the module docstring)."""
    fa, fb = _words(forename_a), _words(forename_b)
    sa, sb = _words(surname_a), _words(surname_b)
    whole_a, whole_b = "".join(sorted(fa + sa)), "".join(sorted(fb + sb))
    if whole_a == whole_b or fuzz.token_sort_ratio(" ".join(fa + sa), " ".join(fb + sb)) >= 90:
        return True
    # A surname shared in part counts: "Smith-Jones" and "Jones"; a typo counts too.
    surname_same = bool(set(sa) & set(sb)) or "".join(sa) == "".join(sb)
    surname_typo = fuzz.ratio("".join(sa), "".join(sb)) >= TYPO_SCORE
    first_a, first_b = (fa[:1] or [""])[0], (fb[:1] or [""])[0]
    if not first_a or not first_b:
        return surname_same or surname_typo
    if surname_same:
        return _forenames_agree(first_a, first_b)
    # A typo in the surname is one field's typo: the forename must then agree outright.
    return surname_typo and (first_a == first_b or any(
        first_a in g and first_b in g for g in _NICKNAMES))


def dobs_agree(a: str, b: str) -> bool:
    """The same date of birth, or one typed with a slip: one digit wrong, a day out, or
    day and month swapped."""
    if a == b:
        return True
    try:
        da, db = date.fromisoformat(a), date.fromisoformat(b)
    except ValueError:
        return False
    if abs((da - db).days) <= 1 or (da.year, da.month, da.day) == (db.year, db.day, db.month):
        return True
    return sum(x != y for x, y in zip(a, b, strict=True)) <= 1


def disagreement(row: dict[str, str], forename: str, surname: str, dob: str) -> str:
    """Why the answering person is clearly not the row's student ("" when nothing clearly
    disagrees: a side that gave no name or no date of birth cannot disagree)."""
    reasons = []
    row_name = (row.get("forename", ""), row.get("surname", ""))
    # A "name" with no word of two letters ("x", "?") is a placeholder, not someone else's.
    named = any(len(w) > 1 for w in _words(f"{forename} {surname}"))
    if any(row_name) and named and not names_agree(*row_name, forename, surname):
        reasons.append("the name")
    if row.get("dob") and dob and not dobs_agree(row["dob"], dob):
        reasons.append("the date of birth")
    return " and ".join(reasons)


def forwarded_item(rid: str, submitted: str, ref: str, who_in_tracker: str,
                   who_answered: str, differs: str) -> ReviewItem:
    """The Review item for a response whose reference names a student who did not send
    it. The Ref column names that student, so ``accept`` (it was them after all) has a
    row to go to; the answer waits on Review until a person decides."""
    return ReviewItem(
        f"{FORWARDED}|{rid}|{ref}", FORWARDED, ref, rid, submitted, "identity",
        who_in_tracker, who_answered,
        (f"The link for {ref} was used, but {differs} on the response "
         f"{'do' if ' and ' in differs else 'does'} not match that student, so nothing was "
         "written to their row. The link may have been forwarded. Type accept in Resolve as "
         "if it was them after all, the Ref of the student who answered, new to start a row, "
         "or ignore."),
    )


def who_answered(forename: str, surname: str, dob: str, email: str) -> str:
    """The answering person as a forwarded-link item shows them: name and date of birth to
    compare, the email masked (it may be a stranger's)."""
    name = " ".join(x for x in (forename, surname) if x) or "(no name)"
    parts = [name, f"born {dob}" if dob else "no date of birth"]
    if email:
        parts.append(mask_email(email))
    return ", ".join(parts)


def compared(current: Callable[[str], str], email: str, dob: str,
             year: int | None) -> tuple[list[str], list[str]]:
    """What agrees and what differs between a response and a row (``current`` gives the
    row's value for a column); a side without a value neither agrees nor differs."""
    agree: list[str] = []
    differ: list[str] = []
    for label, theirs, ours in (("email", current("email").casefold(), email.casefold()),
                                ("date of birth", current("dob"), dob),
                                ("leaving year", current("leaving_year"), str(year or ""))):
        if theirs and ours:
            (agree if theirs == ours else differ).append(label)
    return agree, differ


def near_match(near: Sequence[str], who: Callable[[str], str],
               current: Callable[[str, str], str], email: str, dob: str,
               year: int | None) -> tuple[str, str]:
    """The Possible match row's "Value in tracker" (each suggested student, with what
    agrees and differs) and its advice, which never suggests merging when the emails
    differ: two students with similar names and one birthday are not rare."""
    shown, emails_differ = [], False
    for ref in near:
        agree, differ = compared(functools.partial(current, ref), email, dob, year)
        emails_differ = emails_differ or "email" in differ
        shown.append(f"{who(ref)} (agrees: {', '.join(agree) or '-'}; "
                     f"differs: {', '.join(differ) or '-'})")
    names = ", ".join(near)
    if emails_differ:
        action = (f"Similar to {names} by name and date of birth, but the email differs, so "
                  "this is probably a different student: do not merge them. Add the student "
                  "to the roster, or type new in Resolve as; type a Ref only once you have "
                  "checked with the student.")
    else:
        action = (f"Looks like {names} (same date of birth, similar name). If it is the same "
                  "student, type accept (or their Ref) in Resolve as; if not, type new, or add "
                  "the student to the roster and sync again.")
    return "; ".join(shown), action
