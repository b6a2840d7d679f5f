"""The package check's report: findings, requirement and attachment results, and the checklist they make.

Plain dataclasses with the `--json` shape (`to_dict`); the checks fill them, the CLI, the review page and the
package assembly read them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from formfill.checks.rulesfile import Severity
from formfill.errors import Problem
from formfill.signing import SignatureBox

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
    form: str = ""  # the form number whose package rules checked it (how the text report names the form)

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
