"""Consent: which values, wherever they are typed or chosen, mean "do not keep my contact
details". The one place the planner asks; every withdrawal path (Form A "No", the staff
dropdowns, a stop link that records a withdrawal) ends here and in ``erasure``."""

from __future__ import annotations

# Staff's Contact status option, and the Consent dropdown's own options that take consent
# away (``layout.dropdown_lists``): "No" is a refusal, "Withdrawn" a withdrawal.
WITHDRAWN_STATUSES = frozenset({"Consent withdrawn"})
WITHDRAWN_CONSENTS = frozenset({"No", "Withdrawn"})


def withdrawn(contact_status: str, consent: str) -> bool:
    """Whether a row's own cells say its contact details must go."""
    return (contact_status.strip() in WITHDRAWN_STATUSES
            or consent.strip() in WITHDRAWN_CONSENTS)
