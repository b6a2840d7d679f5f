"""Assemble the package from a checked report, the filled form and the checked evidence bytes (no file I/O).

`assemble` returns every file `formfill package` writes (cover-letter.docx, cover-letter.pdf, package.pdf,
package.json) as bytes; formfill.api.package runs the check and the fill before it and writes the folder
all at once after it. The evidence printed is the very bytes the package check read and judged (never the
path again), each cleaned (formfill.pdf.assemble.clean_pdf) or turned into pages (image_pdf).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from formfill.assembly.index import Entry, index_for, tab_title
from formfill.assembly.letter import (
    ADDRESS_PLACEHOLDER,
    DRAFT_MARK,
    LetterFacts,
    enclosure_lines,
    letter_blocks,
    request_words,
    to_docx,
    to_paras,
)
from formfill.checks.facts import Answers
from formfill.checks.package import PackageReport, Rules
from formfill.errors import EvidenceError
from formfill.pdf.assemble import Para, Part, clean_pdf, image_pdf, join, text_pdf
from formfill.rules import lookup

LETTER_DOCX, LETTER_PDF, PACKAGE_PDF, MANIFEST = "cover-letter.docx", "cover-letter.pdf", "package.pdf", "package.json"
FILES = (LETTER_DOCX, LETTER_PDF, PACKAGE_PDF, MANIFEST)


@dataclass
class FilledForm:
    """The filled, verified form as it goes into the package."""

    form: str
    edition: str | None
    pdf: bytes
    pages: int
    continuation_sheets: int


@dataclass
class Assembled:
    files: dict[str, bytes]
    manifest: dict[str, Any]
    index: list[Entry] = field(default_factory=list)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def full_name(name: dict[str, Any]) -> str:
    return " ".join(p for p in (name.get("given"), name.get("middle"), name.get("family")) if p)


def filing_address(rules: Rules, app_type: str) -> list[str]:
    """The firm's filing address for this request from the rules, else the marked placeholder."""
    by_type = {str(k): v for k, v in rules.assembly.filing_address_by_type.items()}
    lines = by_type.get(app_type) or rules.assembly.filing_address
    return list(lines) if lines else [ADDRESS_PLACEHOLDER]


def expedite_of(profile: Any, rules: Rules | None = None) -> tuple[str, str] | None:
    """The expedite request (ground, explanation) when the profile asks for one; the ground in the words of
    the rules' expedite criteria when they describe it.

    The section is the rules' `answers.expedite` (without rules: the built-in rules' section, the ground as
    given), read by attribute: a form whose
    rules name no expedite section, or whose profile has none, has no expedite request."""
    criteria = rules.expedite if rules is not None else None
    if rules is None:
        from formfill.checks.package import load_rules

        rules = load_rules()
    section = rules.answers.expedite
    expedite = getattr(profile, section, None) if section else None
    if expedite is None:
        return None
    ground = str(getattr(expedite, "ground", ""))
    if criteria is not None and ground in criteria.grounds:
        ground = criteria.grounds[ground].description
    return ground, str(getattr(expedite, "explanation", "") or "")


def _at(data: dict[str, Any], path: str | None) -> Any:
    return lookup(data, path) if path else None


def signer_lines(data: dict[str, Any], answers: Answers) -> list[str]:
    """Who signs the letter: the preparer (with the firm's contact lines) when the profile names one, else the
    applicant."""
    prep = _at(data, answers.preparer) or {}
    if prep.get("family"):
        lines = [full_name(prep)]
        lines += [prep["business"]] if prep.get("business") else []
        lines += [f"Telephone: {prep['daytime_phone']}"] if prep.get("daytime_phone") else []
        lines += [prep["email"]] if prep.get("email") else []
        return lines
    return [full_name(_at(data, answers.applicant_name) or {})]


def physical_lines(rules: Rules, index: Sequence[Entry]) -> list[str]:
    out = []
    for item in rules.assembly.physical:
        kinds = {str(k) for k in item.kinds}
        count = sum(1 for e in index if e.kind in kinds and e.included)
        if count:
            out.append(f"{item.description} ({count} enclosed)")
    return out


def letter_facts(profile: Any, report: PackageReport, rules: Rules, index: list[Entry], form: FilledForm,
                 day: dt.date, draft: bool) -> LetterFacts:
    data: dict[str, Any] = profile.model_dump(mode="json")
    answers = rules.answers
    app_type, basis = str(_at(data, answers.request) or ""), _at(data, answers.basis)
    trip = next((found for t in answers.trips if (found := _at(data, t.section))), None)
    waiver = any(e.kind in {str(k) for k in rules.fees.requirement.waiver_kinds} and e.included for e in index)
    sheets = f", with {form.continuation_sheets} continuation sheet(s)" if form.continuation_sheets else ""
    form_line = (f"Form {form.form}" + (f" (edition {form.edition})" if form.edition else "")
                 + f", {form.pages} pages{sheets}, signed by hand")
    return LetterFacts(
        date=day, applicant=full_name(_at(data, answers.applicant_name) or {}),
        a_number=_at(data, answers.a_number), form=form.form, edition=form.edition,
        request=request_words(app_type, basis, trip),
        address=filing_address(rules, app_type),
        enclosures=enclosure_lines(report.fee.get("payments", []), index, form_line, waiver),
        index=index, physical=physical_lines(rules, index), signer=signer_lines(data, answers),
        receipt_number=_at(data, answers.receipt_number), expedite=expedite_of(profile, rules), draft=draft,
    )


def tab_page(entry: Entry) -> bytes:
    """The tab page in front of an exhibit: its letter and title large, the requirement it meets below."""
    paras = [Para(tab_title(entry), 24, bold=True, space_before=220)]
    if entry.requirement:
        paras.append(Para(f"Meets: {entry.requirement}", 12, space_before=18))
    return text_pdf(paras)


def evidence_pdf(entry: Entry, data: bytes) -> bytes:
    if entry.file_type == "pdf":
        return clean_pdf(data, entry.path)
    if entry.file_type in ("jpeg", "png", "tiff"):
        return image_pdf(data, entry.path)
    raise EvidenceError(f"{entry.path}: not a PDF or an image; it cannot go into the package")


def assemble(profile: Any, report: PackageReport, rules: Rules, form: FilledForm, *, day: dt.date,
             draft: bool = False, template: bytes | None = None) -> Assembled:
    """Every file of the package, as bytes, and the manifest. EvidenceError names a file that cannot go in."""
    index = index_for(report, [a.note for a in profile.attachments], rules)
    facts = letter_facts(profile, report, rules, index, form, day, draft)
    blocks = letter_blocks(facts)
    letter_pdf = text_pdf(to_paras(blocks))
    letter_docx = to_docx(blocks, template)
    parts: list[Part] = [Part(letter_pdf, "Cover letter")]
    rows: list[dict[str, Any]] = [{"part": "cover_letter", "title": "Cover letter", "source": LETTER_PDF,
                                   "sha256": sha256(letter_pdf), "requirement": None}]

    def add_file(entry: Entry, role: str, bookmark: str | None) -> None:
        data = report.file_bytes[entry.index]
        parts.append(Part(evidence_pdf(entry, data), bookmark))
        rows.append({"part": role, "title": entry.title, "exhibit": entry.letter, "source": entry.path,
                     "sha256": sha256(data), "requirement": entry.requirement_id,
                     "requirement_description": entry.requirement})

    for entry in index:
        if entry.role in ("payment", "representation") and entry.included:
            add_file(entry, entry.role, entry.title)
    parts.append(Part(form.pdf, f"Form {form.form}" + (f" (edition {form.edition})" if form.edition else "")))
    rows.append({"part": "form", "title": f"Form {form.form}", "source": None, "sha256": sha256(form.pdf),
                 "requirement": None, "edition": form.edition, "continuation_sheets": form.continuation_sheets})
    for entry in index:
        if entry.role != "exhibit" or not entry.included:
            continue
        tab = tab_page(entry)
        parts.append(Part(tab, tab_title(entry)))
        rows.append({"part": "tab", "title": tab_title(entry), "exhibit": entry.letter, "source": None,
                     "sha256": None, "requirement": entry.requirement_id})
        add_file(entry, "exhibit", None)
    package_pdf, ranges = join(parts, stamp=DRAFT_MARK if draft else None)
    for row, (first, last) in zip(rows, ranges, strict=True):
        row["pages"] = [first, last]
    if draft:
        letter_pdf, _ = join([Part(letter_pdf)], stamp=DRAFT_MARK)
    manifest: dict[str, Any] = {
        "ok": report.ok, "draft": draft, "id": report.profile_id, "input": report.source,
        "filing_date": report.filing_date, "form": form.form, "edition": form.edition,
        "pages": ranges[-1][1] if ranges else 0, "parts": rows,
        "exhibits": [e.to_dict() for e in index if e.role == "exhibit"],
        "not_printed": [e.to_dict() for e in index if e.role == "physical"],
        "not_included": [e.to_dict() for e in index if not e.included],
        "expedite": facts.expedite is not None, "filing_address_set": facts.address != [ADDRESS_PLACEHOLDER],
        "check": {"ok": report.ok, "counts": report.counts(),
                  "errors": [f.to_dict() for f in report.findings if f.severity == "error"]},
    }
    files = {LETTER_DOCX: letter_docx, LETTER_PDF: letter_pdf, PACKAGE_PDF: package_pdf}
    manifest["files"] = {name: sha256(data) for name, data in files.items()}
    files[MANIFEST] = json.dumps(manifest, indent=2).encode("utf-8")
    return Assembled(files, manifest, index)


__all__ = ["FILES", "MANIFEST", "PACKAGE_PDF", "Assembled", "FilledForm", "assemble", "expedite_of",
           "filing_address"]
