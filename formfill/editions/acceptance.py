"""Edition acceptance by filing date, as package data: USCIS accepts an edition from one day until another.

A filing before an edition's first accepted day is warned about (the date may be an estimate); one after its
last accepted day is refused, since USCIS rejects it at intake. The last day may come from the edition's own
package or from a newer edition's package that states it supersedes it (`supersedes`): a firm that installs
the next edition ends the previous one without editing the package that holds it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from formfill.fieldmap import all_maps
from formfill.formpackage import EditionSpec, all_packages

WARN = "warning"
REFUSE = "error"


@dataclass(frozen=True)
class Dates:
    """An edition's acceptance, every installed package's statements combined."""

    accepted_from: dt.date | None
    accepted_until: dt.date | None
    source: str | None
    estimated: bool = False  # the first day is a draft's guess from the edition date


def acceptance(form: str, edition: str, accepted_from: dt.date | None, accepted_until: dt.date | None,
               day: dt.date, source: str | None = None, *, estimated: bool = False,
               today: bool = False) -> tuple[str, str] | None:
    """(severity, message) when `day` is outside the edition's acceptance, else None. `today`: no filing date
    was given, so the day is today's (the message says so)."""
    cited = f" ({source})" if source else ""
    filing = f"the filing date {day}" + (" (today: no filing date was given)" if today else "")
    if accepted_until is not None and day > accepted_until:
        return REFUSE, (f"Form {form} edition {edition} is accepted until {accepted_until}, not on {filing}: USCIS "
                        f"rejects a filing on an edition it no longer accepts; use the newer edition{cited}")
    if accepted_from is not None and day < accepted_from:
        guess = " (an estimate from the edition date, not yet confirmed)" if estimated else ""
        return WARN, (f"Form {form} edition {edition} is accepted from {accepted_from}{guess}; {filing} is "
                      f"before it: mail it on or after that day, or use the edition accepted now{cited}")
    return None


def combine(edition: str, specs: Iterable[tuple[str, EditionSpec]], drafts: set[str]) -> Dates | None:
    """The acceptance of `edition` from (package label, edition spec) pairs of one form in discovery order:
    its own spec (the last listing it wins) and the earliest last day any reviewed edition that supersedes it
    states. Editions in `drafts` state nothing yet."""
    listed = list(specs)
    own = next((s for _, s in reversed(listed) if s.edition == edition), None)
    until = own.accepted_until if own is not None else None
    source = own.acceptance_source if own is not None else None
    for label, s in listed:
        if s.edition in drafts:
            continue
        for sup in s.supersedes:
            if sup.edition == edition and sup.accepted_until is not None and (until is None
                                                                               or sup.accepted_until < until):
                until = sup.accepted_until
                source = f"{label}: edition {s.edition} supersedes it"
    if own is None and until is None:
        return None
    return Dates(own.accepted_from if own is not None else None, until, source,
                 own.acceptance_estimated if own is not None else False)


def edition_date(edition: str) -> dt.date | None:
    """`06/01/26` as 2026-06-01 (the day an edition is dated), None for anything else."""
    if not re.fullmatch(r"\d{2}/\d{2}/\d{2}", edition):
        return None
    try:
        return dt.datetime.strptime(edition, "%m/%d/%y").date()
    except ValueError:  # 02/30/26
        return None


def dates_for(form: str, edition: str) -> Dates | None:
    """The acceptance of an edition as every installed package states it (drafts state nothing)."""
    drafts = {e for (f, e), m in all_maps().items() if f == form and m.status == "draft"}
    specs = [(pkg.label, s) for pkg in all_packages() if pkg.form == form for s in pkg.spec.editions]
    return combine(edition, specs, drafts)
