"""What a profile states that the package check relies on: the trip, who signs, an expedite request, a fee waiver.

The package rules say what each statement means for the package (which evidence supports it, what an expedite
ground needs, what a fee waiver request changes); this module holds those parts of the rules file's schema and
the small pure functions that read the statements from a profile. The package check (formfill.checks.package)
evaluates them; nothing here opens a file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from formfill.profile import AttachmentKind, ExpediteGround, Profile
from formfill.rules import Condition, holds


class _RulesModel(BaseModel):
    """Unknown keys are errors: a misspelt key in a firm's rules must not silently weaken a check."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Support(_RulesModel):
    """A fact the profile states that attached evidence may support (the attachment is then relevant, not
    required): the relationship of a parent who signs, for example."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    fact: str = Field(min_length=3, description="The fact, in words a paralegal reads.")
    any_of: list[AttachmentKind] = Field(min_length=1)
    when: Condition | None = None
    source: str = Field(min_length=3)
    uncertain: bool = False


class Ground(_RulesModel):
    description: str = Field(min_length=3)
    evidence: list[AttachmentKind] = Field(min_length=1, description="Attachment kinds that show the ground.")


class ExpediteRules(_RulesModel):
    """USCIS's expedite criteria: each ground with the evidence that shows it."""

    source: str = Field(min_length=3)
    uncertain: bool = False
    how: str | None = Field(None, description="How the request is made (the form has no box for it).")
    how_source: str | None = None
    grounds: dict[ExpediteGround, Ground]


class FeeWaiver(_RulesModel):
    """What attaching a fee waiver request changes: the filing goes on paper and nothing is enclosed for the
    fees it covers."""

    paper_only: bool = True
    message: str = Field(min_length=3)
    source: str = Field(min_length=3)
    uncertain: bool = False


@dataclass(frozen=True)
class TripFacts:
    """The trip a profile states, wherever it states it (`travel` for advance parole, `trip` otherwise)."""

    section: str  # travel | trip
    departure_date: dt.date
    purpose_category: str | None
    countries: tuple[str, ...]

    @property
    def departure_path(self) -> str:
        return f"{self.section}.departure_date"


def trip_of(profile: Profile) -> TripFacts | None:
    """The profile's trip abroad, or None when it states none."""
    if profile.travel is not None:
        t = profile.travel
        return TripFacts("travel", t.departure_date, str(t.purpose_category), tuple(t.countries))
    if profile.trip is not None:
        p = profile.trip
        category = str(p.purpose_category) if p.purpose_category is not None else None
        return TripFacts("trip", p.departure_date, category, tuple(p.countries))
    return None


def facts_stated(supports: list[Support], data: dict[str, Any]) -> list[Support]:
    """The facts whose conditions hold for this profile (its evidence is relevant)."""
    return [s for s in supports if holds(s.when, data)]


__all__ = ["ExpediteRules", "FeeWaiver", "Ground", "Support", "TripFacts", "facts_stated", "trip_of"]
