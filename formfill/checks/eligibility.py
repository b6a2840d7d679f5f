"""Eligibility under the package rules: the rules' checks and a basis's allowed purposes, as pure functions.

The package check (formfill.checks.intake) reports what these find; a plain fill only says it (`notes`).
Building the package check's thirty-odd rule models cost a plain fill more than the fill's own rules, so for
formfill's own package rules (the built-in package, whose whole file the tests validate) it reads just the parts
eligibility uses (`answers`, `by_basis`' allowed purposes, `eligibility`), validated exactly as the whole file
validates them. A firm's package rules, and any file this reading cannot take, are read in full as before, so a
firm's file broken anywhere is still refused by the fill.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from formfill.checks.facts import (
    Answers,
    BasisName,
    OverrideName,
    PurposeName,
    RulesModel,
    TripFacts,
    answer,
    trip_of,
    vocabulary,
)
from formfill.checks.validated import was_valid
from formfill.errors import FormfillError, JsonValueError
from formfill.formpackage import FormPackage, package_for
from formfill.profile_base import ProfileBase
from formfill.rules import Condition, KnownPath, Severity, holds, model_paths, snapshot, snapshot_of
from formfill.strictjson import loads_strict


class AllowedPurposes(RulesModel):
    categories: Literal["any"] | list[PurposeName]
    message: str | None = None
    source: str = Field(min_length=3)
    uncertain: bool = False
    severity: Literal["error", "warning"] | None = Field(None, description="Default: warning if uncertain, else error.")


class Check(RulesModel):
    """A rule that yields one finding when its conditions hold on the filing date (eligibility, intake)."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    severity: Severity
    when: Condition | None = None
    override: OverrideName | None = None
    path: str | None = Field(None, description="Where the finding points (a profile path, or `fee`); default: the "
                                               "first path its condition reads outside `application`.")
    message: str = Field(min_length=3)
    source: str = Field(min_length=3)
    uncertain: bool = False
    effective_from: dt.date | None = Field(None, description="First filing date the rule applies to.")
    effective_until: dt.date | None = Field(None, description="Last filing date the rule applies to.")


class _Part(BaseModel):
    """A part of the rules file: the keys eligibility does not read are the whole file's to validate."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class BasisPurposes(_Part):
    allowed_purposes: AllowedPurposes | None = None


class EligibilityRules(_Part):
    """What eligibility reads of a (version 4) package rules file."""

    schema_version: Literal[4]
    answers: Answers
    by_basis: dict[BasisName, BasisPurposes] = {}
    eligibility: list[Check] = []


class Scoped(Protocol):
    """A basis's scope in the rules (the whole file's, or the part eligibility reads)."""

    @property
    def allowed_purposes(self) -> AllowedPurposes | None: ...


@dataclass(frozen=True)
class Found:
    """One finding, as the package check reports it (formfill.checks.report.Finding)."""

    code: str
    severity: Severity
    message: str
    where: str | None = None
    source: str | None = None
    uncertain: bool = False


def validation_context(pkg: FormPackage, doc: Any) -> dict[str, Any]:
    """The context a rules document validates in: the form's model paths, and the vocabularies its `answers`
    key tables by."""
    model = pkg.model()
    known: KnownPath = model_paths(model)
    context: dict[str, Any] = {"known_path": known}
    raw = doc.get("answers") if isinstance(doc, dict) else None
    try:
        answers = Answers.model_validate(raw, context=context)
    except ValidationError:
        return context  # the whole document's validation names what is wrong
    context["vocabulary"] = vocabulary(model, answers)
    return context


def checks_found(checks: Sequence[Check], data: dict[str, Any], day: dt.date, request: str) -> list[Found]:
    """Each check whose condition holds on the filing date `day` is a finding (a warning when counsel overrode
    it), pointing at its `path`, else at the first path its condition reads outside the request's own section
    (`request`: the profile path of the request)."""
    overrides = data.get("overrides") or {}
    request_section = request.split(".")[0] + "."
    out: list[Found] = []
    for check in checks:
        if check.effective_from is not None and day < check.effective_from:
            continue
        if check.effective_until is not None and day > check.effective_until:
            continue
        if not holds(check.when, data):
            continue
        reason = overrides.get(check.override) if check.override else None
        if reason is not None:
            out.append(Found(f"{check.id}_overridden", "warning",
                             f"{check.message}; counsel overrode this (overrides.{check.override}: {reason})",
                             where=f"overrides.{check.override}", source=check.source, uncertain=check.uncertain))
        else:
            paths = check.when.paths if check.when is not None else ()
            where = check.path or next((p for p in paths if not p.startswith(request_section)),
                                       paths[0] if paths else None)
            out.append(Found(check.id, check.severity, check.message, where=where, source=check.source,
                             uncertain=check.uncertain))
    return out


def purpose_found(basis: str | None, trip: TripFacts | None, allowed: AllowedPurposes | None) -> list[Found]:
    """The trip's purpose (when the form asks it) against what the basis allows."""
    purpose = trip.purpose_category if trip is not None and trip.purpose_asked else None
    if trip is None or purpose is None or allowed is None or allowed.categories == "any" \
            or purpose in allowed.categories:
        return []
    severity = allowed.severity or ("warning" if allowed.uncertain else "error")
    why = allowed.message or f"the basis '{basis}' does not allow this purpose"
    fits = ", ".join(allowed.categories)
    return [Found("purpose_not_allowed", severity, f"{why}: '{purpose}' does not fit basis '{basis}' (allowed: {fits})",
                  where=f"{trip.section}.purpose_category", source=allowed.source, uncertain=allowed.uncertain)]


def eligibility_found(data: dict[str, Any], answers: Answers, by_basis: Mapping[str, Scoped],
                      checks: Sequence[Check], day: dt.date) -> list[Found]:
    """The basis's allowed purposes for the trip the form asks about, then the rules' eligibility checks, for a
    profile's snapshot on the filing date `day`."""
    basis = answer(data, answers.basis)
    scope = by_basis.get(basis) if basis is not None else None
    allowed = scope.allowed_purposes if scope is not None else None
    return purpose_found(basis, trip_of(data, answers), allowed) + checks_found(checks, data, day, answers.request)


def as_notes(found: Sequence[Found]) -> list[str]:
    """The errors and warnings, as the notes of a plain fill."""
    kind = {"error": "an error", "warning": "a warning"}
    return [f"{f.where + ': ' if f.where else ''}{f.message} (`formfill check` reports this as {kind[f.severity]}; "
            f"source: {f.source})" for f in found if f.severity in kind]


def rules_form(profile: ProfileBase, own_rules: bool = False) -> str | None:
    """The profile's form when its package has package rules, or a firm gives its own (`own_rules`), and the
    profile is that package's model."""
    pkg = package_for(str(profile.form))
    if pkg is None or (pkg.package_rules is None and not own_rules) or not isinstance(profile, pkg.model()):
        return None
    return pkg.form


@functools.lru_cache(maxsize=8)
def _part_of(text: str, form: str) -> EligibilityRules | None:
    pkg = package_for(form)
    if pkg is None:
        return None
    try:
        doc = loads_strict(text)
        return EligibilityRules.model_validate(doc, context=validation_context(pkg, doc))
    except (ValueError, RecursionError, JsonValueError, ValidationError, FormfillError):
        return None  # the whole file's reading says what is wrong, exactly as `formfill check` does


def eligibility_part(form: str) -> EligibilityRules | None:
    """What eligibility reads of `form`'s package rules once that very file has been validated whole (recorded in
    the cache, formfill.checks.validated), or None when only the whole file's reading can say: not yet validated
    (or changed since, or the model or formfill changed), no package rules, an unreadable or invalid file, an
    older version that is upgraded first. The same for formfill's own package and a firm's."""
    pkg = package_for(form)
    if pkg is None or pkg.package_rules is None:
        return None
    try:
        text = pkg.package_rules.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    if not was_valid(text, pkg):
        return None
    return _part_of(text, form)


def notes(profile: ProfileBase, filing_date: dt.date | None = None) -> list[str] | None:
    """The eligibility problems the form package's rules find (formfill.checks.package.eligibility_notes), from
    the part of the rules eligibility reads; None when that part cannot be read on its own."""
    form = rules_form(profile)
    if form is None:
        return []  # a form without package rules: these rules are not its rules
    rules = eligibility_part(form)
    if rules is None:
        return None
    day = filing_date or dt.date.today()
    data = snapshot(snapshot_of(profile), on=day)
    return as_notes(eligibility_found(data, rules.answers, rules.by_basis, rules.eligibility, day))


__all__ = ["AllowedPurposes", "BasisPurposes", "Check", "EligibilityRules", "Found", "Scoped", "as_notes",
           "checks_found", "eligibility_found", "eligibility_part", "notes", "purpose_found", "rules_form",
           "validation_context"]
