"""Edition acceptance by filing date, as package data: USCIS accepts an edition from one day until another.

A filing before an edition's first accepted day is warned about (the date may be an estimate); one after its
last accepted day is refused, since USCIS rejects it at intake.
"""

from __future__ import annotations

import datetime as dt

WARN = "warning"
REFUSE = "error"


def acceptance(form: str, edition: str, accepted_from: dt.date | None, accepted_until: dt.date | None,
               day: dt.date, source: str | None = None) -> tuple[str, str] | None:
    """(severity, message) when `day` is outside the edition's acceptance, else None."""
    cited = f" ({source})" if source else ""
    if accepted_until is not None and day > accepted_until:
        return REFUSE, (f"Form {form} edition {edition} is accepted until {accepted_until}, not on the filing date "
                        f"{day}: USCIS rejects a filing on an edition it no longer accepts; use the newer edition"
                        f"{cited}")
    if accepted_from is not None and day < accepted_from:
        return WARN, (f"Form {form} edition {edition} is accepted from {accepted_from}; the filing date {day} is "
                      f"before it: mail it on or after that day, or use the edition accepted now{cited}")
    return None
