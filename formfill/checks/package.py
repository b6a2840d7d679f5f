"""Check a filing package: is every piece of evidence this request needs attached, usable and relevant?

What a request needs lives in the form package's `package-rules.json` (data a firm reviews and may replace
with its own stricter copy through `rules=`), never in branches here: this module only evaluates those rules against
one profile and checks each attached file as a file (exists, readable, what its bytes say it is, PDFs
open, passport photos pass the photo checks). Every finding carries the file path or the profile's JSON
path it is about, so a paralegal can act on it without reading code, and the primary source a lawyer can
look up.

The rules are read for one filing date (the postmark date): fees are dated rows, editions have acceptance
dates, and the intake preflight lists what USCIS rejects a paper filing for (unsigned boxes, the edition,
one payment per form, ...). Eligibility is law, so it lives here in the rules only, never in the profile
model, and a firm's rules file governs it.
"""

from __future__ import annotations

import datetime as dt
import errno
import functools
import io
import itertools
import json
import logging
import os
import re
import stat
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from formfill.checks.facts import ExpediteRules, FeeWaiver, Support, facts_stated, trip_of
from formfill.editions.acceptance import REFUSE, acceptance
from formfill.errors import (
    FormError,
    FormfillError,
    InputError,
    JsonValueError,
    OutsideRootError,
    Problem,
    TooLargeError,
)
from formfill.fieldmap import FieldMap, all_maps, for_form
from formfill.formpackage import edition_spec, package_for, package_roots
from formfill.forms import open_blank
from formfill.loading import ProfileSource, load_profile
from formfill.pdf.blank import BlankForm
from formfill.profile import (
    ApplicationType,
    AttachmentKind,
    Basis,
    Override,
    Profile,
    Program,
    PurposeCategory,
)
from formfill.profile_base import ProfileBase, problems_from_validation_error
from formfill.rules import Condition, holds, model_paths, snapshot, snapshot_of
from formfill.signing import SignatureBox, continuation_sheets, signature_boxes

Severity = Literal["error", "warning", "info"]
FileType = Literal["pdf", "jpeg", "png", "tiff"]

# --- the rules file's schema ---------------------------------------------------------------------


class _RulesModel(BaseModel):
    """Unknown keys are errors: a misspelt key in a firm's rules must not silently weaken a check."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


PROFILE_PATHS = model_paths(Profile)
"""Whether a dotted path names a key of the profile contract: every condition's path is checked with it."""


def profile_path_exists(path: str) -> bool:
    """True when `path` (dotted, e.g. "travel.countries") names a key of the profile contract."""
    return PROFILE_PATHS(path)


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


class AllowedPurposes(_RulesModel):
    categories: Literal["any"] | list[PurposeCategory]
    message: str | None = None
    source: str = Field(min_length=3)
    uncertain: bool = False
    severity: Literal["error", "warning"] | None = Field(None, description="Default: warning if uncertain, else error.")


class BasisScope(Scope):
    purpose_evidence: bool = Field(False, description="Whether the purpose's evidence (by_purpose) is required.")
    allowed_purposes: AllowedPurposes | None = None


class Check(_RulesModel):
    """A rule that yields one finding when its conditions hold on the filing date (eligibility, intake)."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    severity: Severity
    when: Condition | None = None
    override: Override | None = None
    path: str | None = Field(None, description="Where the finding points (a profile path, or `fee`); default: the "
                                               "first path its condition reads outside `application`.")
    message: str = Field(min_length=3)
    source: str = Field(min_length=3)
    uncertain: bool = False
    effective_from: dt.date | None = Field(None, description="First filing date the rule applies to.")
    effective_until: dt.date | None = Field(None, description="Last filing date the rule applies to.")


class Statement(_RulesModel):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    description: str = Field(min_length=3)
    any_of: list[AttachmentKind] = Field(min_length=1)


class ExplanationRule(_RulesModel):
    """Advance parole on a basis other than a pending I-485: a statement of the circumstances, plus the
    evidence the trip's purpose calls for (`by_purpose`). One rule, one source, so a firm relaxes it in one
    place: `severity` "warning", `purpose_evidence` false, or another `when`."""

    when: Condition
    statement: Statement | None = None
    purpose_evidence: bool = True
    source: str = Field(min_length=3)
    uncertain: bool = False
    severity: Literal["error", "warning"] = "error"


class Cited(_RulesModel):
    source: str = Field(min_length=3)
    uncertain: bool = False


class IntakeRules(_RulesModel):
    """What gets a paper I-131 rejected at the mailroom, checked before it is mailed."""

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
    validity: dict[ApplicationType, str] = {}
    source: str
    usual_days_source: str | None = None
    uncertain: bool = False


class FeeEntry(_RulesModel):
    amount: int | None = Field(ge=0)
    online_amount: int | None = Field(None, ge=0)
    under_16_amount: int | None = Field(None, ge=0)
    fee_waiver_allowed: bool = True
    by_program: dict[Program, int] = {}
    note: str | None = None


class FeeRequirement(_RulesModel):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    description: str
    payment_kinds: list[AttachmentKind] = Field(min_length=1)
    waiver_kinds: list[AttachmentKind] = []


class FeeNote(_RulesModel):
    when: Condition | None = None
    message: str


class _Dated(_RulesModel):
    """A row that applies to filings postmarked from `from` to `until` (inclusive). `expiring`: the amount is
    known to change after `until` (an annual adjustment) but the next row is not in the rules yet."""

    from_: dt.date = Field(alias="from")
    until: dt.date | None = None
    expiring: bool = False
    source: str = Field(min_length=3)
    source_date: dt.date
    uncertain: bool = False

    @model_validator(mode="after")
    def _ordered(self) -> _Dated:
        if self.until is not None and self.until < self.from_:
            raise ValueError("'until' is before 'from'")
        if self.expiring and self.until is None:
            raise ValueError("an expiring row says when it expires ('until')")
        return self


_D = TypeVar("_D", bound=_Dated)


class FeeSchedule(_Dated):
    """The I-131's own filing fee per application type, for one range of filing dates."""

    by_application_type: dict[ApplicationType, FeeEntry]


class FeeRow(_Dated):
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
        groups: list[tuple[str, list[_Dated]]] = [("schedules", list(self.schedules))]
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
    representation_kinds: list[AttachmentKind] = [AttachmentKind.g28]
    physical: list[PhysicalItem] = []
    filing_address: list[str] | None = None
    filing_address_by_type: dict[ApplicationType, list[str]] = {}


class Rules(_RulesModel):
    """The whole rules file (`package_rules.json`); see the README section "The rules file"."""

    schema_version: Literal[3]
    name: str
    reviewed: str | None = None
    about: str | None = None
    accepted_types: AcceptedTypes
    always_relevant: list[AttachmentKind] = []
    every_filing: Scope
    by_application_type: dict[ApplicationType, Scope] = {}
    by_basis: dict[Basis, BasisScope] = {}
    by_purpose: dict[PurposeCategory, Scope] = {}
    explanation: ExplanationRule | None = None
    eligibility: list[Check] = []
    intake: IntakeRules
    editions: list[Edition] = []
    processing: ProcessingRules
    expedite: ExpediteRules | None = None
    supports: list[Support] = []
    fees: Fees
    assembly: AssemblyRules = AssemblyRules()


def _builtin_rules_file() -> tuple[Path, str]:
    """The package rules of the form the profile model is for, and how reports name them (`built in: ...`)."""
    form = str(Profile.model_fields["form"].default)
    pkg = package_for(form)
    path = pkg.package_rules if pkg is not None else None
    if pkg is None or path is None:
        raise InputError(f"no form package for Form {form} with package rules was found (looked in "
                         f"{', '.join(str(r) for r in package_roots())})")
    return path, f"built in: {pkg.file_label(path)}"


def builtin_rules_name() -> str:
    return _builtin_rules_file()[1]


def default_rules_text() -> str:
    """The packaged rules file, for a firm to copy and tighten."""
    return _builtin_rules_file()[0].read_text(encoding="utf-8")


@functools.lru_cache(maxsize=1)
def _default_rules() -> Rules:
    return parse_rules(default_rules_text(), builtin_rules_name())


def parse_rules(text: str, name: str) -> Rules:
    """Validate a rules document; every error names the file and the key."""
    try:
        data = _strict_json(text, name)
    except json.JSONDecodeError as err:
        raise InputError(f"{name}: not valid JSON (line {err.lineno}, column {err.colno}: {err.msg})") from None
    if isinstance(data, dict) and data.get("schema_version") == 1:
        raise InputError(f"{name}: a version 1 rules file, from before dated fees, intake checks and the explanation "
                         "rule; copy the current default (see the README) and re-apply the firm's changes")
    if isinstance(data, dict) and data.get("schema_version") == 2:
        data = upgrade_v2(data)
    try:
        return Rules.model_validate(data, context={"known_path": PROFILE_PATHS})
    except ValidationError as err:
        raise InputError(f"{name}: not a valid package rules file", problems_from_validation_error(err)) from None


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


def load_rules(path: str | Path | None = None) -> Rules:
    """The built-in rules, or a firm's own file (same schema) when `path` is given."""
    if path is None:
        return _default_rules()
    from formfill.files import read_bounded
    from formfill.loading import MAX_PROFILE_BYTES

    # Bounded (a rules file is tens of kilobytes) and never waiting on a FIFO.
    raw = read_bounded(path, MAX_PROFILE_BYTES, name=f"the rules file {path}",
                       too_large=f"{path}: larger than {MAX_PROFILE_BYTES // 2**20} MB; not a package rules file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(f"{path}: the rules file cannot be read ({err})") from None
    return parse_rules(text, str(path))


def _strict_json(text: str, name: str) -> Any:
    """A rules document decoded strictly (formfill.loading.loads_strict): a duplicate key, NaN or a number
    too long to read is an error naming its JSON path, never silently one reading of the file."""
    from formfill.loading import loads_strict

    try:
        return loads_strict(text)
    except RecursionError:
        raise InputError(f"{name}: not valid JSON (nested too deeply)") from None
    except JsonValueError as err:
        raise InputError(f"{name}: not a valid package rules file", err.problems) from None


# --- the report ----------------------------------------------------------------------------------

INTAKE_CODES = frozenset({"sign_by_hand", "sign_continuation_sheets", "file_every_page", "edition_not_accepted",
                          "edition_unknown", "fill_not_planned", "signature_boxes_unknown", "no_field_map"})
"""Findings of the intake preflight besides the rules file's own intake checks (whose ids are added per report)."""


@dataclass
class Finding:
    """One thing to act on. `path` is the attachment's file path as written; `where` its place in the profile."""

    code: str
    severity: Severity
    message: str
    path: str | None = None
    where: str | None = None
    requirement: str | None = None
    source: str | None = None
    uncertain: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class RequirementResult:
    id: str
    description: str
    any_of: list[str]
    count: int
    satisfied_by: list[str]
    missing: bool
    source: str
    scope: str
    uncertain: bool = False
    severity: str = "error"
    unusable: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class AttachmentResult:
    index: int
    kind: str
    path: str
    resolved: str | None
    file_type: str | None = None
    pages: int | None = None
    detail: str | None = None
    usable: bool = False
    supports: list[str] = field(default_factory=list)
    relevant: bool = True

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class PackageReport:
    """The checklist for one profile: what is required, what satisfies it, and everything else found."""

    ok: bool
    source: str
    profile_id: str | None
    request: dict[str, Any]
    required: list[RequirementResult]
    attachments: list[AttachmentResult]
    findings: list[Finding]
    fee: dict[str, Any]
    rules: str
    filing_date: str = ""
    edition: str | None = None
    signatures: list[SignatureBox] = field(default_factory=list)
    photo_bytes: dict[int, bytes] = field(default_factory=dict, repr=False)  # attachment index -> bytes checked
    file_bytes: dict[int, bytes] = field(default_factory=dict, repr=False)  # with keep_files: every file read
    intake_codes: frozenset[str] = field(default=frozenset(), repr=False)  # findings listed under "Before mailing"

    def before_mailing(self) -> list[Finding]:
        """The intake preflight's findings: what USCIS rejects a paper filing for, and who signs."""
        return [f for f in self.findings if f.path is None and f.code in self.intake_codes]

    def counts(self) -> dict[str, int]:
        return {s: sum(1 for f in self.findings if f.severity == s) for s in ("error", "warning", "info")}

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok, "input": self.source, "id": self.profile_id, "request": self.request,
            "rules": self.rules, "counts": self.counts(),
            "required": [r.to_dict() for r in self.required],
            "attachments": [a.to_dict() for a in self.attachments],
            "findings": [f.to_dict() for f in self.findings],
            "fee": self.fee, "filing_date": self.filing_date, "edition": self.edition,
            "signatures": [b.to_dict() for b in self.signatures],
        }

    def problems(self) -> list[Problem]:
        """The errors, as the Problems every other formfill check reports."""
        out = []
        for f in self.findings:
            if f.severity == "error":
                message = f"{f.path}: {f.message}" if f.path else f.message
                out.append(Problem(f.where or "attachments", message, f.code))
        return out


# --- files ---------------------------------------------------------------------------------------

_EXTENSIONS: dict[str, FileType] = {
    ".pdf": "pdf", ".jpg": "jpeg", ".jpeg": "jpeg", ".jpe": "jpeg", ".png": "png", ".tif": "tiff", ".tiff": "tiff",
}
_TYPE_NAMES = {"pdf": "a PDF", "jpeg": "a JPEG image", "png": "a PNG image", "tiff": "a TIFF image"}


def sniff(head: bytes) -> FileType | None:
    """What the bytes say the file is; the name's extension is never trusted."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "tiff"
    if b"%PDF-" in head[:1024]:  # the PDF spec tolerates junk before the header
        return "pdf"
    return None


def _describe_unknown(data: bytes) -> str:
    """What an unrecognised file is, by type and size only: its content is never echoed (it may be anything)."""
    sample = data[:512]
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError as err:
        text = sample[: err.start].decode("utf-8") if err.start >= len(sample) - 3 else ""  # a cut character
    is_text = bool(text) and all(c.isprintable() or c in "\r\n\t" for c in text)
    return f"{'plain text' if is_text else 'unrecognised content'}, {len(data):,} bytes"


# Every way a filesystem call on a path taken from a profile can fail: OSError (missing, permission,
# ELOOP, ...), ValueError (a NUL byte in the path), RuntimeError (Path.resolve on a symlink loop, Python < 3.13).
_FS_ERRORS = (OSError, ValueError, RuntimeError)


def _fs_reason(err: BaseException) -> str:
    """Why a filesystem call failed, in words a paralegal can act on."""
    if isinstance(err, RuntimeError) or (isinstance(err, OSError) and err.errno == errno.ELOOP):
        return "symlink loop"
    if isinstance(err, ValueError):
        return "the path contains a NUL byte" if "null" in str(err).lower() else f"invalid path ({err})"
    if isinstance(err, OSError):
        return err.strerror or str(err)
    return str(err)  # pragma: no cover - only the _FS_ERRORS types reach here


_NOT_REGULAR = "is not a regular file (a folder, a device or a pipe)"
_OPEN_FLAGS = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
               | getattr(os, "O_NOFOLLOW", 0))
MAX_ATTACHMENT_BYTES = 256 * 1024 * 1024
"""Larger than any evidence scan; a bigger file is refused unread (bounded memory)."""


def _opened_path(fd: int, real: Path) -> Path:
    """Where the open descriptor's file really is: the kernel's own answer on Linux (/proc/self/fd).

    Elsewhere, the resolved path is trusted only when it still names the very file that was opened.
    """
    try:
        return Path(os.readlink(f"/proc/self/fd/{fd}"))
    except OSError:
        st, now = os.fstat(fd), os.stat(real)
        if (st.st_dev, st.st_ino) != (now.st_dev, now.st_ino):
            raise OutsideRootError(f"{real} (changed while it was being opened)") from None
        return real


def _read_regular(real: Path, root: Path | None = None) -> bytes | None:
    """The bytes of the regular file at the resolved path `real`, or None when it is not a regular file.

    Raises the _FS_ERRORS, OutsideRootError and TooLargeError. The file is opened once and everything is checked
    on that descriptor, so it cannot be swapped between check and read: O_NOFOLLOW refuses a last
    component turned into a symlink, fstat says it is a regular file, and with a `root` the path of
    the opened file itself (not of the name) must lie inside the root. A FIFO or a device is never
    opened at all (stat first: opening some devices has effects); the open is non-blocking anyway.
    """
    if not stat.S_ISREG(os.stat(real).st_mode):
        return None
    fd = os.open(real, _OPEN_FLAGS)
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return None
        if root is not None:
            opened = _opened_path(fd, real)
            if not opened.is_relative_to(root):
                raise OutsideRootError(str(opened))
        if st.st_size > MAX_ATTACHMENT_BYTES:
            raise TooLargeError(st.st_size)
        data = fh.read(MAX_ATTACHMENT_BYTES + 1)
        if len(data) > MAX_ATTACHMENT_BYTES:
            raise TooLargeError(len(data))
        return data


@contextmanager
def _quiet_pypdf() -> Iterator[None]:
    """pypdf logs every repair it makes; the report already says what matters."""
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _check_pdf(data: bytes) -> tuple[int | None, list[tuple[str, Severity, str]]]:
    from pypdf import PdfReader

    problems: list[tuple[str, Severity, str]] = []
    try:
        with _quiet_pypdf():
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted:
                if not reader.decrypt(""):
                    return None, [("pdf_encrypted", "error",
                                   "password-protected PDF: USCIS cannot open it; attach an unprotected copy")]
                problems.append(("pdf_encrypted", "warning",
                                 "encrypted PDF (opens without a password, but online filing may reject it)"))
            pages = len(reader.pages)
            for page in reader.pages:
                _ = page.mediabox
    except Exception as err:  # pypdf raises many types on damaged files; all mean "cannot be opened"
        # The exception's type only: its text can quote bytes of the file, which is never echoed.
        return None, [("pdf_corrupt", "error", f"cannot be opened as a PDF (damaged: {type(err).__name__})")]
    if pages == 0:
        problems.append(("pdf_empty", "error", "the PDF has no pages"))
    return pages, problems


def _check_image(data: bytes) -> tuple[str | None, list[tuple[str, Severity, str]]]:
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as img:
            img.verify()
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            return f"{img.width}x{img.height} px", []
    except Exception as err:  # Pillow raises many types on damaged files
        return None, [("image_corrupt", "error", f"cannot be opened as an image (damaged: {type(err).__name__})")]


# --- the check -----------------------------------------------------------------------------------


class _Checker:
    def __init__(self, profile: Profile, source: str, base_dir: Path, rules: Rules, rules_name: str,
                 attachments_root: Path | None, today: dt.date, filing_date: dt.date, blank: BlankForm | None) -> None:
        self.p, self.source, self.base_dir, self.rules, self.rules_name = profile, source, base_dir, rules, rules_name
        self.root = attachments_root
        self.today, self.filing_date, self.blank = today, filing_date, blank
        self.form = str(profile.form)
        self.package = package_for(self.form)
        self.fmap = _blank_map(blank, self.form) if blank is not None else _filing_map(rules, filing_date, self.form)
        self.edition = blank.edition if blank is not None else self.fmap.edition if self.fmap is not None else None
        self.signatures: list[SignatureBox] = []
        self.fee_doc: dict[str, Any] = {}
        # One dump of the profile for every condition, each evaluated once, on the filing date.
        self.data: dict[str, Any] = snapshot(snapshot_of(profile), on=filing_date)
        rule = rules.explanation
        self.explanation = rule if rule is not None and holds(rule.when, self.data) else None
        self.findings: list[Finding] = []
        self.attachments: list[AttachmentResult] = []
        self.photo_bytes: dict[int, bytes] = {}  # attachment index -> the bytes checked (photos only)
        self.keep_files = False
        self.file_bytes: dict[int, bytes] = {}  # with keep_files: every file read, for the package assembly

    def add(self, code: str, severity: Severity, message: str, **kw: Any) -> None:
        self.findings.append(Finding(code, severity, message, **kw))

    # files

    def check_files(self) -> None:
        seen: dict[tuple[str, str], str] = {}
        root: Path | None = None
        if self.root is not None:
            try:
                root = self.root.resolve()
            except _FS_ERRORS as err:
                # Without a root to compare with, no attachment can be shown to be inside it: open none.
                self.add("attachments_root_unreadable", "error",
                         f"the attachments root {self.root} cannot be resolved ({_fs_reason(err)}); "
                         "no attachment was opened", where="attachments")
                self.attachments.extend(AttachmentResult(index=i, kind=str(att.kind), path=att.path, resolved=None)
                                        for i, att in enumerate(self.p.attachments))
                return
        for i, att in enumerate(self.p.attachments):
            res = AttachmentResult(index=i, kind=str(att.kind), path=att.path, resolved=None)
            self.attachments.append(res)
            where = f"attachments[{i}]"
            raw = Path(att.path)
            full = raw if raw.is_absolute() else self.base_dir / raw
            try:
                real = full.resolve()
            except _FS_ERRORS as err:
                self.add("file_unreadable", "error", f"cannot be read ({_fs_reason(err)})", path=att.path, where=where)
                continue
            res.resolved = str(real)
            if root is not None and not real.is_relative_to(root):
                self.add("outside_attachments_root", "error",
                         f"resolves to {real}, outside the attachments root {self.root}; it was not opened",
                         path=att.path, where=where)
                continue
            key = (str(att.kind), str(real))
            if key in seen:
                self.add("duplicate_attachment", "warning",
                         f"the same file is already attached as {att.kind} ({seen[key]}); it counts once",
                         path=att.path, where=where)
                continue
            seen[key] = att.path
            self._check_file(res, full, where, real, root)

    def _check_file(self, res: AttachmentResult, full: Path, where: str, real: Path, root: Path | None) -> None:
        def bad(code: str, message: str, severity: Severity = "error") -> None:
            self.add(code, severity, message, path=res.path, where=where)

        try:
            data = _read_regular(real, root)
        except OutsideRootError as err:
            bad("outside_attachments_root", f"the file opened is {err.where}, outside the attachments root "
                f"{self.root} (the path changed after it was checked); it was not read")
            return
        except TooLargeError as err:
            bad("file_too_large", f"{err.size:,} bytes, more than the {MAX_ATTACHMENT_BYTES // 2**20} MB formfill "
                "checks; split or compress it")
            return
        except FileNotFoundError:
            bad("file_missing", f"no such file ({full})")
            return
        except OSError as err:
            if err.errno != errno.ELOOP:
                bad("file_unreadable", f"cannot be read ({_fs_reason(err)})")
                return
            bad("file_unreadable", "cannot be read: it is now a symlink (it changed after it was checked); "
                "it was not read")
            return
        except _FS_ERRORS as err:
            bad("file_unreadable", f"cannot be read ({_fs_reason(err)})")
            return
        if data is None:
            bad("file_unreadable", _NOT_REGULAR)
            return
        if not data:
            bad("file_empty", "the file is empty")
            return
        if self.keep_files:
            self.file_bytes[res.index] = data  # the assembly prints the very bytes checked, never the path again
        kind = sniff(data[:1024])
        if kind is None:
            bad("file_type_unknown", f"is not a PDF, JPEG, PNG or TIFF file ({_describe_unknown(data)})")
            return
        res.file_type = kind
        named = _EXTENSIONS.get(full.suffix.lower())
        usable = True
        if named is not None and named != kind:
            bad("file_type_mismatch", f"is named {full.suffix} but its content is {_TYPE_NAMES[kind]}; rename it "
                f"or convert it")
            usable = False
        accepted = self.rules.accepted_types.by_kind.get(AttachmentKind(res.kind), self.rules.accepted_types.default)
        if kind not in accepted:
            names = ", ".join(t.upper() for t in accepted)
            bad("file_type_not_accepted", f"a {res.kind} must be {names}; this file is {_TYPE_NAMES[kind]}")
            usable = False
        checks: list[tuple[str, Severity, str]]
        if kind == "pdf":
            res.pages, checks = _check_pdf(data)
            if res.pages is not None:
                res.detail = f"PDF, {res.pages} page{'s' if res.pages != 1 else ''}"
        else:
            size, checks = _check_image(data)
            res.detail = f"{kind.upper()} image" + (f", {size}" if size else "")
        for code, severity, message in checks:
            bad(code, message, severity)
            usable = usable and severity != "error"
        res.usable = usable
        if res.kind == AttachmentKind.passport_photo and (usable or kind != "pdf"):
            self.photo_bytes[res.index] = data  # the photo checks and a review's thumbnail read these, never the path

    def check_photos(self) -> None:
        photos = [a for a in self.attachments if a.kind == AttachmentKind.passport_photo and a.usable]
        if not photos:
            return
        try:
            from formfill.checks import photo
        except ImportError:
            self.add("photos_not_checked", "warning",
                     "the passport photo checks are not available in this installation: the photos were checked "
                     "as image files only (size, background and head position not checked)",
                     where="attachments")
            return
        import tempfile

        # The photo checks read the very bytes checked above (a private copy), never the path again.
        with tempfile.TemporaryDirectory(prefix="formfill-photos-") as tmp:
            copies: list[str] = []
            for att in photos:
                copy = Path(tmp) / str(att.index) / Path(att.path).name
                copy.parent.mkdir(mode=0o700)
                copy.write_bytes(self.photo_bytes[att.index])
                copies.append(str(copy))
            reports = photo.check_photos(copies)
        by_file = dict(zip(copies, photos, strict=True))
        for att, report in zip(photos, reports, strict=False):
            if not report.readable:
                att.usable = False
            for f in report.findings:
                target = by_file.get(str(f.file)) if f.file else None
                target = target or att
                measured = f" (measured {f.measured}, required {f.required})" if f.measured is not None else ""
                severity: Severity = "error" if f.severity == "error" else "info" if f.severity == "info" else "warning"
                self.add(f"photo_{f.code}", severity, f"{f.message}{measured}",
                         path=target.path, where=f"attachments[{target.index}]", source=self._photo_source())
                if severity == "error":
                    target.usable = False

    def _photo_source(self) -> str | None:
        """The photo rules' source is the passport-photo requirement's, wherever the rules file puts it."""
        scopes = [self.rules.every_filing, *self.rules.by_application_type.values()]
        return next((r.source for sc in scopes for r in sc.requirements if AttachmentKind.passport_photo in r.any_of),
                    None)

    # requirements

    def _scopes(self) -> list[tuple[str, Scope, bool, ExplanationRule | None]]:
        """(label, scope, required?, the explanation rule that requires it) for every part of the rules this
        request touches."""
        app = self.p.application
        out: list[tuple[str, Scope, bool, ExplanationRule | None]] = [("every filing", self.rules.every_filing, True,
                                                                        None)]
        type_scope = self.rules.by_application_type.get(app.type)
        if type_scope is not None:
            out.append((f"application type {app.type}", type_scope, True, None))
        else:
            self.add("no_rules", "info", f"the rules file has no entry for application type '{app.type}'",
                     where="application.type")
        basis_scope: BasisScope | None = None
        if app.basis is not None:
            basis_scope = self.rules.by_basis.get(app.basis)
            if basis_scope is not None:
                out.append((f"basis {app.basis}", basis_scope, True, None))
            else:
                self.add("no_rules", "info", f"the rules file has no entry for basis '{app.basis}'",
                         where="application.basis")
        trip = trip_of(self.p)
        if trip is not None and trip.purpose_category is not None:
            purpose = trip.purpose_category
            purpose_scope = self.rules.by_purpose.get(PurposeCategory(purpose))
            if purpose_scope is not None and trip.section == "travel":
                by_basis = basis_scope is not None and basis_scope.purpose_evidence
                via = self.explanation if self.explanation is not None and self.explanation.purpose_evidence else None
                out.append((f"purpose {purpose}", purpose_scope, by_basis or via is not None,
                            None if by_basis else via))
            elif purpose_scope is not None:  # a trip the form does not ask about: its evidence supports it
                out.append((f"purpose {purpose}", purpose_scope, False, None))
        return out

    def requirements(self) -> list[RequirementResult]:
        results: list[RequirementResult] = []
        relevant: set[str] = {str(k) for k in self.rules.always_relevant}
        facts: dict[str, list[str]] = {}  # attachment kind -> the facts of the profile it supports
        for label, scope, needed, via in self._scopes():
            relevant.update(str(k) for k in scope.also_supports)
            for req in scope.requirements:
                if not holds(req.when, self.data):
                    continue
                relevant.update(str(k) for k in req.any_of)
                if not needed:
                    if label.startswith("purpose "):  # evidence of the trip's purpose, not required here
                        for kind in req.any_of:
                            facts.setdefault(str(kind), []).append("trip_purpose")
                    continue
                source, uncertain, severity = req.source, req.uncertain, req.severity
                if via is not None:  # the purpose's evidence, required by the explanation rule
                    source = f"{req.source}; {via.source}" if via.source != req.source else req.source
                    uncertain = uncertain or via.uncertain
                    severity = "warning" if "warning" in (severity, via.severity) else "error"
                results.append(self._evaluate(req.id, req.description, [str(k) for k in req.any_of], req.count,
                                              source, label, uncertain, severity))
        rule = self.explanation
        if rule is not None and rule.statement is not None:
            kinds = [str(k) for k in rule.statement.any_of]
            relevant.update(kinds)
            results.append(self._evaluate(rule.statement.id, rule.statement.description, kinds, 1, rule.source,
                                          "advance parole explanation", rule.uncertain, rule.severity))
        expedite = self._expedite_requirement()
        if expedite is not None:
            relevant.update(expedite.any_of)
            results.append(expedite)
        for fact in facts_stated(self.rules.supports, self.data):
            for kind in fact.any_of:
                relevant.add(str(kind))
                facts.setdefault(str(kind), []).append(fact.id)
        fee_req = self._fee_requirement(relevant)
        if fee_req is not None:
            results.append(fee_req)
        for att in self.attachments:
            met = [r.id for r in results if att.kind in r.any_of and att.path in r.satisfied_by]
            att.supports = list(dict.fromkeys([*met, *facts.get(att.kind, [])]))
            att.relevant = att.kind in relevant
            if not att.relevant:
                self.add("unsupported_attachment", "warning",
                         f"this {att.kind} supports nothing this request needs ({self._describe_request()}); "
                         f"check it belongs in this package", path=att.path, where=f"attachments[{att.index}]")
        return results

    def _expedite_requirement(self) -> RequirementResult | None:
        """With an expedite request, evidence of its ground (an expedite_evidence attachment, or evidence already
        attached that shows the ground) is required."""
        request, rules = self.p.expedite, self.rules.expedite
        if request is None:
            return None
        ground = rules.grounds.get(request.ground) if rules is not None else None
        if rules is None or ground is None:
            self.add("expedite_ground_unknown", "warning", f"the rules file says nothing about the expedite ground "
                     f"'{request.ground}': its evidence is not checked", where="expedite.ground", uncertain=True)
            return None
        kinds = [str(k) for k in ground.evidence]
        return self._evaluate("expedite_evidence", f"Evidence of the expedite ground: {ground.description}", kinds, 1,
                              rules.source, "expedite request", rules.uncertain, "error")

    def _evaluate(self, rid: str, description: str, kinds: list[str], count: int, source: str, scope: str,
                  uncertain: bool, severity: Literal["error", "warning"]) -> RequirementResult:
        matching = [a for a in self.attachments if a.kind in kinds]
        good = list(dict.fromkeys(a.path for a in matching if a.usable))
        unusable = [a.path for a in matching if not a.usable and a.path not in good]
        result = RequirementResult(rid, description, kinds, count, good, len(good) < count, source, scope,
                                   uncertain, severity, unusable)
        if result.missing:
            have = f" ({len(good)} of {count} usable)" if count > 1 else ""
            extra = f"; attached but unusable: {', '.join(unusable)}" if unusable else ""
            self.add("missing_evidence", severity,
                     f"missing: {description}{have}; attach {' or '.join(kinds)}{extra}",
                     where="attachments", requirement=rid, source=source, uncertain=uncertain)
        return result

    # fees

    def fees(self) -> dict[str, Any]:
        """Every payment due with this I-131 on the filing date, and the fees billed later, from dated rows."""
        fees, day, kind = self.rules.fees, self.filing_date, self.p.application.type
        doc: dict[str, Any] = {"filing_date": day.isoformat(), "application_type": str(kind),
                               "currency": fees.currency, "payments": [], "later": []}
        notes = [n.message for n in fees.notes if holds(n.when, self.data)]
        schedule = self._dated(fees.schedules, f"the {self.form} filing fee", strict=True)
        entry = schedule.by_application_type.get(kind) if schedule is not None else None
        filing: dict[str, Any] = {"id": "i131_filing_fee", "what": f"Form {self.form} filing fee ({_words(kind)})",
                                  "amount": None, "waivable": True, "source": fees.source, "source_date": None,
                                  "uncertain": True}
        if schedule is not None:
            filing.update(source=schedule.source, source_date=schedule.source_date.isoformat(),
                          uncertain=schedule.uncertain or self._expired(schedule),
                          effective_from=schedule.from_.isoformat())
        waiver_kinds = {str(k) for k in fees.requirement.waiver_kinds}
        waiver_attached = any(str(a.kind) in waiver_kinds for a in self.p.attachments)
        if entry is not None:
            filing.update(amount=self._fee_amount(entry), waivable=entry.fee_waiver_allowed)
            if entry.online_amount is not None and not (waiver_attached and entry.fee_waiver_allowed):
                filing["what"] += f", on paper ({_money_words(entry.online_amount)} if filed online)"
            if entry.note:
                notes.insert(0, entry.note)
            if entry.under_16_amount is not None and self.p.applicant.date_of_birth is None:
                notes.append(f"{_money_words(entry.under_16_amount)} for applicants under 16 (no date of birth in "
                             f"the profile)")
        elif schedule is not None:
            notes.insert(0, "the rules file has no fee for this application type")
        doc["payments"].append(filing)
        for row in self._additional():
            item = {"id": row.id, "what": row.what, "amount": row.amount, "waivable": row.waivable,
                    "source": row.source, "source_date": row.source_date.isoformat(),
                    "uncertain": row.uncertain or self._expired(row), "effective_from": row.from_.isoformat()}
            if row.note:
                item["note"] = row.note
            if row.due == "with_filing":
                doc["payments"].append(item)
                rejected = row.rejected_without_from is not None and day >= row.rejected_without_from
                when = ("USCIS rejects a filing without it" if rejected else
                        f"USCIS rejects filings without it from {row.rejected_without_from}"
                        if row.rejected_without_from else "it is due with the filing")
                self.add("fee_not_waivable", "info",
                         f"{row.what}: {_money_words(row.amount)} is due with this {self.form} and no fee waiver "
                         f"covers it; {when}", where="fee", source=row.source, uncertain=item["uncertain"])
            else:
                doc["later"].append(item)
        known = [p["amount"] for p in doc["payments"] if p["amount"] is not None]
        self._waiver(doc, waiver_attached and bool(filing["waivable"]))
        doc.update(total=sum(known), total_complete=len(known) == len(doc["payments"]), notes=notes,
                   # the I-131's own fee, as the document gave it before dated rows
                   amount=filing["amount"], online_amount=entry.online_amount if entry else None,
                   fee_waiver_allowed=filing["waivable"], source=filing["source"],
                   source_date=filing["source_date"], uncertain=filing["uncertain"])
        self.fee_doc = doc
        return doc

    def _waiver(self, doc: dict[str, Any], requested: bool) -> None:
        """A fee waiver request attached for a request that allows one: the fees it covers are requested to be
        waived (nothing to enclose for them), the others stay due now, and the filing goes on paper."""
        rule = self.rules.fees.waiver
        for p in doc["payments"]:
            p["waived"] = requested and bool(p["waivable"])
        due = [p for p in doc["payments"] if not p["waived"]]
        doc.update(waiver_requested=requested,
                   due_now=sum(p["amount"] for p in due if p["amount"] is not None),
                   due_now_complete=all(p["amount"] is not None for p in due),
                   paper_only=requested and (rule is None or rule.paper_only))
        if requested and rule is not None:
            self.add("fee_waiver_requested", "info", rule.message, where="fee", source=rule.source,
                     uncertain=rule.uncertain)

    def _expired(self, row: _Dated) -> bool:
        return row.expiring and row.until is not None and self.filing_date > row.until

    def _dated(self, rows: Sequence[_D], what: str, strict: bool) -> _D | None:
        """The row for the filing date. Past an expiring row with no successor the row still applies, with a
        warning; with `strict` (the filing fee itself) a date no row covers is a warning too, never a default."""
        day = self.filing_date
        for row in rows:
            if row.from_ <= day and (row.until is None or day <= row.until):
                return row
        earlier = sorted((r for r in rows if r.from_ <= day), key=lambda r: r.from_)
        if earlier and earlier[-1].expiring:
            row = earlier[-1]
            self.add("fee_rules_expired", "warning",
                     f"the rules' row for {what} is marked as expiring after {row.until}; its amount "
                     f"is shown for the filing date {day} but may have changed: verify it against Form G-1055",
                     where="fee", source=row.source, uncertain=True)
            return row
        if strict:
            first = min((r.from_ for r in rows), default=None)
            why = (f"before the earliest row ({first})" if first is not None and day < first
                   else "in no row of the rules")
            self.add("fee_date_not_covered", "warning",
                     f"the filing date {day} is {why} for {what}: the rules give no amount for it; check Form G-1055 "
                     f"for that date", where="fee", source=self.rules.fees.source, uncertain=True)
        return None

    def _additional(self) -> list[FeeRow]:
        applies = [r for r in self.rules.fees.additional if holds(r.when, self.data)]
        out: list[FeeRow] = []
        for rid in dict.fromkeys(r.id for r in applies):
            same = [r for r in applies if r.id == rid]
            row = self._dated(same, same[0].what, strict=False)
            if row is not None:
                out.append(row)
        return out

    def _fee_requirement(self, relevant: set[str]) -> RequirementResult | None:
        fees = self.rules.fees
        req = fees.requirement
        payment = [str(k) for k in req.payment_kinds]
        waiver = [str(k) for k in req.waiver_kinds]
        relevant.update(payment + waiver)
        due = [p for p in self.fee_doc["payments"] if p["amount"] != 0]
        if not due:
            return None
        filing = self.fee_doc["payments"][0]
        unwaivable = [p for p in due if not p["waivable"]]
        kinds = payment + ([] if unwaivable else waiver)
        waivers = [att for att in self.attachments if att.kind in waiver]
        for att in waivers if unwaivable else []:
            if filing in unwaivable:
                self.add("fee_waiver_not_accepted", "error",
                         f"a fee waiver is not available for a {self.p.application.type}; pay the fee",
                         path=att.path, where=f"attachments[{att.index}]", source=filing["source"])
            for p in unwaivable:
                if p is not filing:
                    self.add("fee_waiver_partial", "warning",
                             f"a fee waiver request never covers {p['what']} ({_money_words(p['amount'])}): pay it "
                             f"(attach the fee_payment)", path=att.path, where=f"attachments[{att.index}]",
                             source=p["source"])
        if not unwaivable:
            description = req.description
        elif filing in unwaivable:
            description = "The filing fee (Form G-1450 or a check); no fee waiver for this request"
        else:
            names = "; ".join(f"{p['what']} ({_money_words(p['amount'])})" for p in unwaivable)
            description = (f"The fee payment (Form G-1450 or a check); an I-912 fee waiver request may cover the "
                           f"filing fee but never {names}")
        source = "; ".join(dict.fromkeys([fees.source, *(p["source"] for p in unwaivable)]))
        return self._evaluate(req.id, description, kinds, 1, source, "fees",
                              any(p["uncertain"] for p in due), "error")

    def _fee_amount(self, entry: FeeEntry) -> int | None:
        program = self.p.application.program
        if program is not None and program in entry.by_program:
            return entry.by_program[program]
        dob = self.p.applicant.date_of_birth
        if entry.under_16_amount is not None and dob is not None and _age(dob, self.filing_date) < 16:
            return entry.under_16_amount
        return entry.amount

    # eligibility, purpose, intake, informational notes

    def _run(self, checks: list[Check]) -> None:
        day = self.filing_date
        for check in checks:
            if check.effective_from is not None and day < check.effective_from:
                continue
            if check.effective_until is not None and day > check.effective_until:
                continue
            if not holds(check.when, self.data):
                continue
            reason = self.p.overrides.get(check.override) if check.override else None
            if reason is not None:
                self.add(f"{check.id}_overridden", "warning",
                         f"{check.message}; counsel overrode this (overrides.{check.override}: {reason})",
                         where=f"overrides.{check.override}", source=check.source, uncertain=check.uncertain)
            else:
                paths = check.when.paths if check.when is not None else ()
                where = check.path or next((p for p in paths if not p.startswith("application.")),
                                           paths[0] if paths else None)
                self.add(check.id, check.severity, check.message, where=where, source=check.source,
                         uncertain=check.uncertain)

    def eligibility(self) -> None:
        app, travel = self.p.application, self.p.travel
        basis_scope = self.rules.by_basis.get(app.basis) if app.basis is not None else None
        if travel is not None and basis_scope is not None and basis_scope.allowed_purposes is not None:
            allowed = basis_scope.allowed_purposes
            if allowed.categories != "any" and travel.purpose_category not in allowed.categories:
                severity = allowed.severity or ("warning" if allowed.uncertain else "error")
                why = allowed.message or f"the basis '{app.basis}' does not allow this purpose"
                fits = ", ".join(str(c) for c in allowed.categories)
                self.add("purpose_not_allowed", severity,
                         f"{why}: '{travel.purpose_category}' does not fit basis '{app.basis}' (allowed: {fits})",
                         where="travel.purpose_category", source=allowed.source, uncertain=allowed.uncertain)
        self._run(self.rules.eligibility)

    def intake(self) -> None:
        """The intake preflight: what USCIS rejects a paper filing for, in the order a paralegal works."""
        rules = self.rules.intake
        self._run(rules.checks)
        if self.edition is not None:
            self.edition_check(self.edition)
        fmap = self.fmap
        if fmap is None:
            self.add("no_field_map", "warning", f"formfill has no field map for Form {self.form} edition "
                     f"{self.edition}: the signature boxes and pages cannot be listed", source=rules.signature.source)
            return
        try:
            self.signatures = signature_boxes(self.p, fmap, self.blank)
        except FormfillError as err:
            self.add("signature_boxes_unknown", "warning", f"the signature boxes cannot be listed: {err.message}",
                     source=rules.signature.source)
        if self.signatures:
            boxes = "; ".join(f"{b.described} (page {b.page}, Part {b.part} item {b.item})" for b in self.signatures)
            self.add("sign_by_hand", "info",
                     f"sign by hand in ink before mailing (a typed name or pasted image is not a signature, and USCIS "
                     f"rejects the filing without it; the fee is not refunded): {boxes}",
                     source=rules.signature.source, uncertain=rules.signature.uncertain)
        sheets = rules.continuation_sheets
        signer = self.p.signer
        who = "the applicant" if signer is None or signer.role == "applicant" else \
            f"the {signer.role.replace('_', ' ')} who signs for the applicant"
        if self.blank is None:
            self.add("sign_continuation_sheets", "info",
                     f"if the filled form has continuation sheets after {self._overflow()}, {who} signs and dates each "
                     "one (give the blank form to count them)", source=sheets.source, uncertain=sheets.uncertain)
        else:
            try:
                count = continuation_sheets(self.p, self.blank)
            except FormfillError as err:
                self.add("fill_not_planned", "warning", f"the form cannot be laid out to count its continuation "
                         f"sheets: {err.message}", source=sheets.source)
            else:
                if count:
                    self.add("sign_continuation_sheets", "info",
                             f"the fill adds {count} continuation sheet{'s' if count != 1 else ''} after "
                             f"{self._overflow()}: {who} signs and dates each one", source=sheets.source,
                             uncertain=sheets.uncertain)
        self.add("file_every_page", "info",
                 f"file every page of the form: all {fmap.pages} pages of edition {fmap.edition}, including pages "
                 f"without answers", source=rules.every_page.source, uncertain=rules.every_page.uncertain)

    def edition_check(self, edition: str) -> None:
        day = self.filing_date
        form = self.blank.form if self.blank is not None else self.fmap.form if self.fmap is not None else ""
        spec = edition_spec(form, edition)
        if spec is not None and (spec.accepted_from or spec.accepted_until):  # the form package's own dates
            found = acceptance(form, edition, spec.accepted_from, spec.accepted_until, day, spec.acceptance_source)
            if found is not None:
                self.add("edition_not_accepted", "error" if found[0] == REFUSE else "warning", found[1],
                         where="edition", source=spec.acceptance_source)
            return
        row = next((e for e in self.rules.editions if e.edition == edition), None)
        if row is None:
            self.add("edition_unknown", "warning",
                     f"the rules do not say when edition {edition} of Form {self.form} is accepted: check "
                     f"{self._publisher_page()} before mailing", where="edition", uncertain=True)
            return
        early = row.accepted_from is not None and day < row.accepted_from
        late = row.accepted_until is not None and day > row.accepted_until
        if early or late:
            span = (f"from {row.accepted_from}" if row.accepted_from else "") + (
                f"{' ' if row.accepted_from else ''}until {row.accepted_until}" if row.accepted_until else "")
            self.add("edition_not_accepted", "warning" if row.uncertain else "error",
                     f"edition {edition} of Form {self.form} is accepted {span}, not on the filing date {day}: USCIS "
                     f"rejects a filing on an edition it does not accept", where="edition", source=row.source,
                     uncertain=row.uncertain)

    def _overflow(self) -> str:
        """`Part 13`: where the form continues long answers (its package's overflow part)."""
        return f"Part {self.package.spec.overflow.part}" if self.package is not None else "the form's last part"

    def _publisher_page(self) -> str:
        """`uscis.gov/i-131`: where the publisher lists the form's editions (its package's spec)."""
        page = self.package.spec.publisher_page if self.package is not None else "uscis.gov"
        return re.sub(r"^https?://(www\.)?", "", page)

    def notes(self) -> None:
        proc = self.rules.processing
        validity = proc.validity.get(self.p.application.type)
        if validity:
            self.add("validity", "info", f"the document is {validity}", source=proc.source,
                     uncertain=proc.uncertain)
        self.expedite_notes()

    def expedite_notes(self) -> None:
        """A departure inside the usual processing time from the filing date, with no expedite requested, is a
        warning naming the grounds; a requested expedite is repeated with how it is made."""
        proc, rules, request = self.rules.processing, self.rules.expedite, self.p.expedite
        if request is not None and rules is not None and request.ground in rules.grounds:
            how = f"; {rules.how}" if rules.how else ""
            source = "; ".join(s for s in (rules.source, rules.how_source) if s)
            self.add("expedite_requested", "info",
                     f"expedite requested on the ground: {rules.grounds[request.ground].description} "
                     f"({request.explanation}){how}", where="expedite", source=source, uncertain=rules.uncertain)
        trip = trip_of(self.p)
        if trip is None:
            return
        if (trip.departure_date - self.today).days < 0:
            self.add("departure_passed", "warning", f"the departure date {trip.departure_date} has passed",
                     where=trip.departure_path)
            return
        days = (trip.departure_date - self.filing_date).days
        if request is not None or not 0 <= days < proc.usual_days:
            return
        quick = (f" (an expedite usually takes about {proc.expedited_days} days; sooner than that, ask for an "
                 f"emergency appointment at a USCIS field office)" if proc.expedited_days else "")
        words = [g.description for g in rules.grounds.values()] if rules is not None else proc.expedite_grounds
        grounds = "; ".join(words) or "see the USCIS expedite criteria"
        self.add("expedite_suggested", "warning",
                 f"departure {trip.departure_date} is {days} days away from the filing date {self.filing_date}, "
                 f"sooner than the usual processing time of about {proc.usual_days} days, and no expedite is "
                 f"requested: consider an expedite request (give `expedite` with its ground and explanation) or an "
                 f"emergency appointment{quick}. Expedite grounds: {grounds}",
                 where=trip.departure_path, source=proc.usual_days_source or proc.source, uncertain=proc.uncertain)

    def _describe_request(self) -> str:
        app = self.p.application
        parts = [str(app.type).replace("_", " ").replace("re parole", "re-parole")]
        if app.basis is not None:
            parts.append(f"basis {app.basis}")
        trip = trip_of(self.p)
        if trip is not None and trip.purpose_category is not None:
            parts.append(f"purpose {trip.purpose_category}")
        return ", ".join(parts)

    def request(self) -> dict[str, Any]:
        app, trip = self.p.application, trip_of(self.p)
        return {
            "application_type": str(app.type), "basis": str(app.basis) if app.basis else None,
            "purpose_category": trip.purpose_category if trip else None,
            "departure_date": trip.departure_date.isoformat() if trip else None,
            "countries": list(trip.countries) if trip else [],
            "summary": self._describe_request(),
        }


def _age(dob: dt.date, on: dt.date) -> int:
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


def _words(kind: ApplicationType) -> str:
    return str(kind).replace("_", " ").replace("re parole", "re-parole").replace("tps", "TPS").replace("lpr", "LPR")


def _money_words(amount: int | None) -> str:
    return "an amount not in the rules" if amount is None else f"${amount:,}"


def _edition_date(edition: str) -> dt.date:
    month, day, year = (int(x) for x in edition.split("/"))
    return dt.date(2000 + year, month, day)


def _blank_map(blank: BlankForm, form: str) -> FieldMap | None:
    """The blank's field map; None for an edition of `form` formfill cannot fill (its edition is still checked)."""
    try:
        return for_form(blank)
    except FormError:
        if blank.form == form and blank.edition:
            return None
        raise


def _filing_map(rules: Rules, day: dt.date, form: str) -> FieldMap | None:
    """The edition of `form` formfill would fill for a filing on `day`: the one the rules accept that day, else
    the newest it has a field map for (the edition check then says it is not accepted)."""
    maps = sorted((m for (number, _), m in all_maps().items() if number == form),
                  key=lambda m: _edition_date(m.edition) if re.fullmatch(r"\d\d/\d\d/\d\d", m.edition)
                  else dt.date.min)
    accepted = {e.edition for e in rules.editions if (e.accepted_from is None or e.accepted_from <= day)
                and (e.accepted_until is None or day <= e.accepted_until)}
    return next((m for m in reversed(maps) if m.edition in accepted), maps[-1] if maps else None)


_ORDER = {"error": 0, "warning": 1, "info": 2}


def check_package(
    profile: ProfileSource,
    *,
    attachments_root: Path | None = None,
    rules: Path | None = None,
    base_dir: Path | None = None,
    today: dt.date | None = None,
    filing_date: dt.date | None = None,
    form: str | os.PathLike[str] | BlankForm | None = None,
    keep_files: bool = False,
) -> PackageReport:
    """Check the filing package a profile describes against the package rules.

    Relative attachment paths are read from the profile file's folder (`base_dir` overrides it, which
    matters for dict profiles, whose folder is the working directory). Fees, the edition and the intake
    rules are those of `filing_date` (the postmark date; default today). With `form` (a blank I-131),
    the edition is that blank's and the continuation sheets the fill would add are counted. With
    `keep_files` the report keeps the bytes of every file it read (`file_bytes`). An invalid
    profile raises ProfileError; an unreadable profile, rules file or blank raises InputError.
    """
    loaded = load_profile(profile)
    rule_set = load_rules(rules)
    blank = None
    if form is not None:
        blank = form if isinstance(form, BlankForm) else open_blank(Path(form))
    day = today or dt.date.today()
    checker = _Checker(_this_form(loaded.profile), loaded.source, base_dir or loaded.base_dir, rule_set,
                       str(rules) if rules is not None else builtin_rules_name(), attachments_root, day,
                       filing_date or day, blank)
    checker.keep_files = keep_files
    checker.check_files()
    checker.check_photos()
    fee = checker.fees()
    required = checker.requirements()
    checker.eligibility()
    checker.intake()
    checker.notes()
    findings = sorted(checker.findings, key=lambda f: _ORDER[f.severity])
    return PackageReport(
        ok=not any(f.severity == "error" for f in findings),
        source=loaded.source, profile_id=loaded.profile.id, request=checker.request(),
        required=required, attachments=checker.attachments, findings=findings, fee=fee,
        rules=f"{rule_set.name} [{checker.rules_name}]", filing_date=checker.filing_date.isoformat(),
        edition=checker.edition, signatures=checker.signatures, photo_bytes=checker.photo_bytes,
        file_bytes=checker.file_bytes,
        intake_codes=INTAKE_CODES | {c.id for c in rule_set.intake.checks}
        | {f"{c.id}_overridden" for c in rule_set.intake.checks},
    )


def _this_form(profile: ProfileBase) -> Profile:
    """The package check reads the I-131 model's answers: a profile of another form is refused by name."""
    if not isinstance(profile, Profile):
        raise InputError(f"the package check knows Form {Profile.model_fields['form'].default} profiles only, "
                         f"not Form {profile.form}")
    return profile


def eligibility_notes(profile: ProfileBase, *, rules: Path | None = None,
                      filing_date: dt.date | None = None) -> list[str]:
    """The eligibility problems the package rules find, without opening any file, as notes for a plain fill.

    A plain fill fills regardless (eligibility is counsel's call under the rules file); it says so out loud,
    and `formfill check` / `fill --check-package` refuse.
    """
    day = filing_date or dt.date.today()
    if not isinstance(profile, Profile):
        return []  # another form's profile: these rules are not its rules
    checker = _Checker(profile, "<profile>", Path.cwd(), load_rules(rules), "", None, day, day, None)
    checker.eligibility()
    kind = {"error": "an error", "warning": "a warning"}
    return [f"{f.where + ': ' if f.where else ''}{f.message} (`formfill check` reports this as {kind[f.severity]}; "
            f"source: {f.source})" for f in checker.findings if f.severity in kind]


__all__ = ["INTAKE_CODES", "AssemblyRules", "AttachmentResult", "Finding", "PackageReport", "RequirementResult",
           "Rules", "check_package", "default_rules_text", "eligibility_notes", "load_rules"]
