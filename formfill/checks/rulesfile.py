"""The package rules file: its schema, the built-in copy in the form package, and loading a firm's own.

Unknown keys are errors, every condition's path is checked against the form's profile model and every value a
table is keyed by against the model's vocabulary, so a misspelt key in a firm's rules never silently weakens a
check. The rules name the form's profile paths they read (`answers`); the engine names none. A version 2 or 3 file
is read through `upgrade_v2` / `upgrade_v3`.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import json
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from formfill.checks.eligibility import AllowedPurposes, Check, validation_context
from formfill.checks.facts import (
    Answers,
    AttachmentKind,
    BasisName,
    ExpediteRules,
    FeeWaiver,
    ProgramName,
    PurposeName,
    RequestType,
    Support,
)
from formfill.checks.validated import record_valid, was_valid
from formfill.errors import InputError, JsonValueError
from formfill.formpackage import FormPackage, all_packages, default_package, package_for, package_roots
from formfill.profile_base import problems_from_validation_error
from formfill.rules import Condition

Severity = Literal["error", "warning", "info"]
FileType = Literal["pdf", "jpeg", "png", "tiff"]


class _RulesModel(BaseModel):
    """Unknown keys are errors: a misspelt key in a firm's rules must not silently weaken a check."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Requirement(_RulesModel):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    description: str = Field(min_length=3)
    any_of: list[AttachmentKind] = Field(min_length=1)
    count: int = Field(1, ge=1)
    when: Condition | None = None
    source: str = Field(min_length=3)
    uncertain: bool = False
    severity: Literal["error", "warning"] = "error"


class Scope(_RulesModel):
    requirements: list[Requirement] = []
    also_supports: list[AttachmentKind] = []

    @model_validator(mode="after")
    def _unique_ids(self) -> Scope:
        ids = [r.id for r in self.requirements]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"requirement ids repeat in one list: {', '.join(dupes)}")
        return self


class BasisScope(Scope):
    purpose_evidence: bool = Field(False, description="Whether the purpose's evidence (by_purpose) is required.")
    allowed_purposes: AllowedPurposes | None = None


class Statement(_RulesModel):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    description: str = Field(min_length=3)
    any_of: list[AttachmentKind] = Field(min_length=1)


class ExplanationRule(_RulesModel):
    """Advance parole on a basis other than a pending I-485: a statement of the circumstances, plus the
    evidence the trip's purpose calls for (`by_purpose`). One rule, one source, so a firm relaxes it in one
    place: `severity` "warning", `purpose_evidence` false, or another `when`."""

    when: Condition
    label: str = Field("explanation", min_length=3, description="The scope its requirement is reported under.")
    statement: Statement | None = None
    purpose_evidence: bool = True
    source: str = Field(min_length=3)
    uncertain: bool = False
    severity: Literal["error", "warning"] = "error"


class Cited(_RulesModel):
    source: str = Field(min_length=3)
    uncertain: bool = False


class IntakeRules(_RulesModel):
    """What gets a paper filing rejected at the mailroom, checked before it is mailed."""

    signature: Cited
    continuation_sheets: Cited
    every_page: Cited
    checks: list[Check] = []


class Edition(_RulesModel):
    edition: str = Field(pattern=r"^\d{2}/\d{2}/\d{2}$")
    accepted_from: dt.date | None = None
    accepted_until: dt.date | None = None
    source: str = Field(min_length=3)
    uncertain: bool = False


class ProcessingRules(_RulesModel):
    usual_days: int = Field(ge=0)
    expedited_days: int | None = Field(None, ge=0)
    expedite_grounds: list[str] = Field([], description="Older rules files: the grounds' words (see `expedite`).")
    validity: dict[RequestType, str] = {}
    source: str
    usual_days_source: str | None = None
    uncertain: bool = False


class FeeEntry(_RulesModel):
    amount: int | None = Field(ge=0)
    online_amount: int | None = Field(None, ge=0)
    under_16_amount: int | None = Field(None, ge=0)
    fee_waiver_allowed: bool = True
    by_program: dict[ProgramName, int] = {}
    note: str | None = None


class FeeRequirement(_RulesModel):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    description: str
    payment_kinds: list[AttachmentKind] = Field(min_length=1)
    waiver_kinds: list[AttachmentKind] = []


class FeeNote(_RulesModel):
    when: Condition | None = None
    message: str


class DatedRow(_RulesModel):
    """A row that applies to filings postmarked from `from` to `until` (inclusive). `expiring`: the amount is
    known to change after `until` (an annual adjustment) but the next row is not in the rules yet."""

    from_: dt.date = Field(alias="from")
    until: dt.date | None = None
    expiring: bool = False
    source: str = Field(min_length=3)
    source_date: dt.date
    uncertain: bool = False

    @model_validator(mode="after")
    def _ordered(self) -> DatedRow:
        if self.until is not None and self.until < self.from_:
            raise ValueError("'until' is before 'from'")
        if self.expiring and self.until is None:
            raise ValueError("an expiring row says when it expires ('until')")
        return self


RowT = TypeVar("RowT", bound=DatedRow)


class FeeSchedule(DatedRow):
    """The form's own filing fee per application type, for one range of filing dates."""

    by_application_type: dict[RequestType, FeeEntry]


class FeeRow(DatedRow):
    """A fee added by law to some requests (Public Law 119-21), due with the filing or billed later."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    what: str = Field(min_length=3)
    amount: int | None = Field(ge=0)
    waivable: bool
    due: Literal["with_filing", "when_granted"]
    when: Condition | None = None
    rejected_without_from: dt.date | None = Field(None, description="From this filing date USCIS rejects a filing "
                                                                     "without the fee.")
    note: str | None = None


class Fees(_RulesModel):
    filing_fee_id: str = Field(pattern=r"^[a-z0-9_]+$", description="The id of the form's own filing fee "
                                                                    "among the payments.")
    currency: str = "USD"
    waiver: FeeWaiver | None = None
    source: str = Field(min_length=3)
    requirement: FeeRequirement
    schedules: list[FeeSchedule] = Field(min_length=1)
    additional: list[FeeRow] = []
    notes: list[FeeNote] = []

    @model_validator(mode="after")
    def _no_overlap(self) -> Fees:
        """Two rows for one fee on one date would make the amount depend on the order of the file."""
        groups: list[tuple[str, list[DatedRow]]] = [("schedules", list(self.schedules))]
        for rid in dict.fromkeys(r.id for r in self.additional):
            groups.append((f"additional '{rid}'", [r for r in self.additional if r.id == rid]))
        for name, rows in groups:
            rows.sort(key=lambda r: r.from_)
            for before, after in itertools.pairwise(rows):
                if before.until is None or before.until >= after.from_:
                    raise ValueError(f"fees {name}: the row from {before.from_} overlaps the row from {after.from_} "
                                     f"(give the earlier row an 'until' before {after.from_})")
        return self


class AcceptedTypes(_RulesModel):
    default: list[FileType] = Field(min_length=1)
    by_kind: dict[AttachmentKind, list[FileType]] = {}


class PhysicalItem(_RulesModel):
    """What is enclosed but not printed (the photos), as the cover letter lists it."""

    kinds: list[AttachmentKind] = Field(min_length=1)
    description: str = Field(min_length=3)
    source: str = Field(min_length=3)


class AssemblyRules(_RulesModel):
    """How `formfill package` names and stacks what a filing encloses (see the README "Assembling the package").

    `filing_address` is the firm's to give (the lockbox changes with the request and the applicant's state):
    without it the cover letter carries a clearly marked placeholder."""

    about: str | None = None
    labels: dict[AttachmentKind, str] = {}
    representation_kinds: list[AttachmentKind] = []
    physical: list[PhysicalItem] = []
    filing_address: list[str] | None = None
    filing_address_by_type: dict[RequestType, list[str]] = {}


class Rules(_RulesModel):
    """The whole rules file (`package_rules.json`); see the README section "The rules file"."""

    schema_version: Literal[4]
    name: str
    reviewed: str | None = None
    about: str | None = None
    answers: Answers
    accepted_types: AcceptedTypes
    photo_kinds: list[AttachmentKind] = Field([], description="Attachment kinds the passport photo checks run on.")
    always_relevant: list[AttachmentKind] = []
    every_filing: Scope
    by_application_type: dict[RequestType, Scope] = {}
    by_basis: dict[BasisName, BasisScope] = {}
    by_purpose: dict[PurposeName, Scope] = {}
    explanation: ExplanationRule | None = None
    eligibility: list[Check] = []
    intake: IntakeRules
    editions: list[Edition] = []
    processing: ProcessingRules
    expedite: ExpediteRules | None = None
    supports: list[Support] = []
    fees: Fees
    assembly: AssemblyRules = AssemblyRules()


def rules_package(form: str | None = None) -> FormPackage:
    """The form package whose package rules apply: `form`'s, else the default form's (else the first package
    that has package rules)."""
    if form is not None:
        pkg = package_for(form)
    else:
        first = default_package()
        pkg = first if first.package_rules is not None else next(
            (p for p in all_packages() if p.package_rules is not None), None)
    if pkg is None or pkg.package_rules is None:
        raise InputError(f"no form package for Form {form or 'any form'} with package rules was found (looked in "
                         f"{', '.join(str(r) for r in package_roots())})")
    return pkg


def _builtin_rules_file(form: str | None = None) -> tuple[Path, str]:
    """The package rules of a form's package, and how reports name them (`built in: ...`)."""
    pkg = rules_package(form)
    assert pkg.package_rules is not None  # rules_package refuses a package without them
    return pkg.package_rules, f"built in: {pkg.file_label(pkg.package_rules)}"


def builtin_rules_name(form: str | None = None) -> str:
    return _builtin_rules_file(form)[1]


def default_rules_text(form: str | None = None) -> str:
    """The packaged rules file, for a firm to copy and tighten."""
    return _builtin_rules_file(form)[0].read_text(encoding="utf-8")


@functools.lru_cache(maxsize=8)
def _builtin_rules(text: str, name: str, form: str) -> Rules:
    return parse_rules(text, name, form)


def _default_rules(form: str | None = None) -> Rules:
    pkg = rules_package(form)
    path, name = _builtin_rules_file(pkg.form)
    text = path.read_text(encoding="utf-8")
    rules = _builtin_rules(text, name, pkg.form)
    if not was_valid(text, pkg):
        record_valid(text, pkg)  # a plain fill may now read just the eligibility part (formfill.checks.eligibility)
    return rules


def parse_rules(text: str, name: str, form: str | None = None) -> Rules:
    """Validate a rules document for `form` (default: the default form); every error names the file and the key."""
    try:
        data = _strict_json(text, name)
    except json.JSONDecodeError as err:
        raise InputError(f"{name}: not valid JSON (line {err.lineno}, column {err.colno}: {err.msg})") from None
    if isinstance(data, dict) and data.get("schema_version") == 1:
        raise InputError(f"{name}: a version 1 rules file, from before dated fees, intake checks and the explanation "
                         "rule; copy the current default (see the README) and re-apply the firm's changes")
    # A firm's file for a form whose package ships no rules is read against that form's model all the same.
    pkg = (package_for(form) if form is not None else None) or rules_package(form)
    if isinstance(data, dict) and data.get("schema_version") == 2:
        data = upgrade_v2(data)
    if isinstance(data, dict) and data.get("schema_version") == 3:
        builtin = _strict_json(default_rules_text(pkg.form), builtin_rules_name(pkg.form))
        data = upgrade_v3(data, builtin)
    try:
        return Rules.model_validate(data, context=validation_context(pkg, data))
    except ValidationError as err:
        raise InputError(f"{name}: not a valid package rules file", problems_from_validation_error(err)) from None


def upgrade_v3(doc: dict[str, Any], builtin: dict[str, Any]) -> dict[str, Any]:
    """A version 3 rules file read as version 4. Version 4 names the profile paths the check reads (`answers`),
    the photo kinds, the filing fee's id and the explanation's label, which version 3 left to the engine: they are
    taken from the form package's own (version 4) rules, `builtin`, as are the representation kinds version 3
    defaulted to."""
    out = dict(doc)
    for key in ("answers", "photo_kinds"):
        if key not in out and key in builtin:
            out[key] = builtin[key]
    fees, own_fees = out.get("fees"), builtin.get("fees")
    if isinstance(fees, dict) and isinstance(own_fees, dict) and "filing_fee_id" not in fees:
        out["fees"] = {"filing_fee_id": own_fees.get("filing_fee_id"), **fees}
    explanation, own = out.get("explanation"), builtin.get("explanation")
    if isinstance(explanation, dict) and isinstance(own, dict) and "label" in own and "label" not in explanation:
        out["explanation"] = {"label": own["label"], **explanation}
    kinds = (builtin.get("assembly") or {}).get("representation_kinds")
    assembly = out.get("assembly", {})
    if kinds is not None and isinstance(assembly, dict) and "representation_kinds" not in assembly:
        out["assembly"] = {**assembly, "representation_kinds": kinds}
    out["schema_version"] = 4
    return out


def upgrade_v2(doc: dict[str, Any]) -> dict[str, Any]:
    """A version 2 rules file read as version 3: its `when` lists of `{"path": ..., "<test>": ...}` objects
    become the rule language's compact conditions (`equals` a plain value, `in` a list, other tests as
    operators); nothing else changed between the versions."""

    def one(cond: Any) -> Any:
        if not isinstance(cond, dict) or not isinstance(cond.get("path"), str) or len(cond) != 2:
            return cond  # not a version 2 condition: validation names it
        rest = {k: v for k, v in cond.items() if k != "path"}
        [(op, arg)] = rest.items()
        return {cond["path"]: arg if op in ("equals", "in") else {op: arg}}

    def walk(node: Any) -> Any:
        if isinstance(node, list):
            return [walk(n) for n in node]
        if not isinstance(node, dict):
            return node
        out = {}
        for key, value in node.items():
            if key == "when" and isinstance(value, list):
                if value:
                    out[key] = {"all": [one(c) for c in value]} if len(value) > 1 else one(value[0])
                continue
            out[key] = walk(value)
        return out

    upgraded: dict[str, Any] = walk(doc)
    upgraded["schema_version"] = 3
    return upgraded


def load_rules(path: str | Path | None = None, form: str | None = None) -> Rules:
    """The built-in rules of `form` (default: the default form), or a firm's own file (same schema) when `path`
    is given."""
    if path is None:
        return _default_rules(form)
    from formfill.files import read_bounded
    from formfill.loading import MAX_PROFILE_BYTES

    # Bounded (a rules file is tens of kilobytes) and never waiting on a FIFO.
    raw = read_bounded(path, MAX_PROFILE_BYTES, name=f"the rules file {path}",
                       too_large=f"{path}: larger than {MAX_PROFILE_BYTES // 2**20} MB; not a package rules file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(f"{path}: the rules file cannot be read ({err})") from None
    return parse_rules(text, str(path), form)


def _strict_json(text: str, name: str) -> Any:
    """A rules document decoded strictly (formfill.loading.loads_strict): a duplicate key, NaN or a number
    too long to read is an error naming its JSON path, never silently one reading of the file."""
    from formfill.strictjson import loads_strict

    try:
        return loads_strict(text)
    except RecursionError:
        raise InputError(f"{name}: not valid JSON (nested too deeply)") from None
    except JsonValueError as err:
        raise InputError(f"{name}: not a valid package rules file", err.problems) from None
