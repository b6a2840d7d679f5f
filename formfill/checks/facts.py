"""What a profile states that the package check relies on: the request, the trip, who signs, an expedite
request, a fee waiver; and where the form's profile states each (the rules file's `answers`).

The package rules say where each answer is (profile paths of the form's model: the engine names none) and what
each statement means for the package (which evidence supports it, what an expedite ground needs, what a fee
waiver request changes); this module holds those parts of the rules file's schema and the small pure functions
that read the statements from a profile's snapshot. Values the rules key tables by (request types, attachment
kinds, ...) are checked against the model's own vocabularies (`vocabulary`). The package check
(formfill.checks.package) evaluates them; nothing here opens a file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo

from formfill.rules import Condition, holds, lookup, model_values


def _context(info: ValidationInfo) -> dict[str, Any]:
    return info.context if isinstance(info.context, dict) else {}


def _known_path(value: str, info: ValidationInfo) -> str:
    known = _context(info).get("known_path")
    if known is not None and not known(value):
        raise ValueError(f"'{value}' is not a key of the profile")
    return value


def _in(name: str) -> Callable[[str, ValidationInfo], str]:
    """A value the form's model lists (`vocabulary`), when the rules are read for a model."""

    def check(value: str, info: ValidationInfo) -> str:
        vocab = _context(info).get("vocabulary", {}).get(name)
        if vocab is not None and value not in vocab:
            raise ValueError(f"'{value}' is not one of the profile's values here ({', '.join(sorted(vocab))})")
        return value

    return check


ProfilePath = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_.]*$"), AfterValidator(_known_path)]
AttachmentKind = Annotated[str, AfterValidator(_in("attachment_kind"))]
RequestType = Annotated[str, AfterValidator(_in("request"))]
BasisName = Annotated[str, AfterValidator(_in("basis"))]
PurposeName = Annotated[str, AfterValidator(_in("purpose"))]
ProgramName = Annotated[str, AfterValidator(_in("program"))]
OverrideName = Annotated[str, AfterValidator(_in("override"))]
GroundName = Annotated[str, AfterValidator(_in("expedite_ground"))]


class RulesModel(BaseModel):
    """Unknown keys are errors: a misspelt key in a firm's rules must not silently weaken a check."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class TripSection(RulesModel):
    section: ProfilePath = Field(description="A profile section stating a trip (departure_date, purpose_category, "
                                             "countries).")
    purpose_asked: bool = Field(False, description="Whether the form asks this trip's purpose: its evidence may be "
                                                   "required and the basis may restrict it; else it only supports.")


class Answers(RulesModel):
    """Where the form's profile states what the package check reads: profile paths, so the engine names none."""

    request: ProfilePath = Field(description="The kind of request (fees and scopes by request type).")
    attachment_kind: ProfilePath | None = Field(None, description="The kind of each attachment (none: the form's "
                                                                 "profiles list no attachments).")
    basis: ProfilePath | None = None
    program: ProfilePath | None = None
    receipt_number: ProfilePath | None = None
    date_of_birth: ProfilePath | None = None
    applicant_name: ProfilePath | None = None
    a_number: ProfilePath | None = None
    preparer: ProfilePath | None = None
    signer_role: ProfilePath | None = None
    self_signer: str | None = Field(None, description="The signer role that means the applicant signs.")
    expedite: ProfilePath | None = Field(None, description="A section with an expedite request (ground, "
                                                           "explanation).")
    trips: list[TripSection] = []


def vocabulary(model: type[BaseModel], answers: Answers) -> dict[str, frozenset[str] | None]:
    """The values the rules may key by, from the form's model (None: free text, not checked)."""

    def of(path: str | None) -> frozenset[str] | None:
        return model_values(model, path) if path else None

    purposes = [of(f"{t.section}.purpose_category") for t in answers.trips]
    return {"attachment_kind": of(answers.attachment_kind), "request": of(answers.request),
            "basis": of(answers.basis), "program": of(answers.program),
            "purpose": frozenset().union(*(v for v in purposes if v)) or None,
            "override": model_values(model, "overrides"),
            "expedite_ground": of(f"{answers.expedite}.ground" if answers.expedite else None)}


def answer(data: dict[str, Any], path: str | None) -> str | None:
    """The answer at a path as text (an enum's value), None when the profile gives none."""
    found = lookup(data, path) if path else None
    return None if found is None else str(found)


class Support(RulesModel):
    """A fact the profile states that attached evidence may support (the attachment is then relevant, not
    required): the relationship of a parent who signs, for example."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    fact: str = Field(min_length=3, description="The fact, in words a paralegal reads.")
    any_of: list[AttachmentKind] = Field(min_length=1)
    when: Condition | None = None
    source: str = Field(min_length=3)
    uncertain: bool = False


class Ground(RulesModel):
    description: str = Field(min_length=3)
    evidence: list[AttachmentKind] = Field(min_length=1, description="Attachment kinds that show the ground.")


class ExpediteRules(RulesModel):
    """USCIS's expedite criteria: each ground with the evidence that shows it."""

    source: str = Field(min_length=3)
    uncertain: bool = False
    how: str | None = Field(None, description="How the request is made (the form has no box for it).")
    how_source: str | None = None
    grounds: dict[GroundName, Ground]


class FeeWaiver(RulesModel):
    """What attaching a fee waiver request changes: the filing goes on paper and nothing is enclosed for the
    fees it covers."""

    paper_only: bool = True
    message: str = Field(min_length=3)
    source: str = Field(min_length=3)
    uncertain: bool = False


@dataclass(frozen=True)
class TripFacts:
    """The trip a profile states, wherever it states it (the rules' `answers.trips`, first stated wins)."""

    section: str
    departure_date: dt.date
    purpose_category: str | None
    countries: tuple[str, ...]
    purpose_asked: bool = False

    @property
    def departure_path(self) -> str:
        return f"{self.section}.departure_date"


def trip_of(data: dict[str, Any], answers: Answers) -> TripFacts | None:
    """The profile's trip abroad (from its snapshot), or None when it states none."""
    for trip in answers.trips:
        section = lookup(data, trip.section)
        if not isinstance(section, dict) or not isinstance(section.get("departure_date"), dt.date):
            continue
        category = section.get("purpose_category")
        return TripFacts(trip.section, section["departure_date"], str(category) if category is not None else None,
                         tuple(str(c) for c in section.get("countries") or ()), trip.purpose_asked)
    return None


def expedite_of(data: dict[str, Any], answers: Answers) -> tuple[str, str] | None:
    """The expedite request (ground, explanation) when the profile makes one."""
    section = lookup(data, answers.expedite) if answers.expedite else None
    if not isinstance(section, dict):
        return None
    return str(section.get("ground") or ""), str(section.get("explanation") or "")


def facts_stated(supports: list[Support], data: dict[str, Any]) -> list[Support]:
    """The facts whose conditions hold for this profile (its evidence is relevant)."""
    return [s for s in supports if holds(s.when, data)]


__all__ = [
    "Answers",
    "AttachmentKind",
    "BasisName",
    "ExpediteRules",
    "FeeWaiver",
    "Ground",
    "GroundName",
    "OverrideName",
    "ProfilePath",
    "ProgramName",
    "PurposeName",
    "RequestType",
    "RulesModel",
    "Support",
    "TripFacts",
    "TripSection",
    "answer",
    "expedite_of",
    "facts_stated",
    "trip_of",
    "vocabulary",
]
