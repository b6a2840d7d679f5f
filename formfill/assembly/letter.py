"""The cover letter: the same facts that filled the form, in the words a USCIS mailroom reads first.

`letter_facts` gathers what the letter says from the profile, the package check and the exhibit index;
`letter_blocks` turns them into the letter's blocks (pure, unit-tested); `to_paras` draws them as PDF text
(formfill.pdf.assemble) and `to_docx` writes the same blocks into a Word document, on the firm's letterhead
template when one is given, so the firm edits the letter in Word and prints the PDF without it.
"""

from __future__ import annotations

import datetime as dt
import io
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from formfill.assembly.index import Entry, exhibits
from formfill.errors import InputError
from formfill.pdf.assemble import Para

BlockKind = Literal["line", "heading", "para", "item", "table", "space"]
ADDRESS_PLACEHOLDER = ("[FILING ADDRESS NOT SET: look up on uscis.gov where this form is filed for this request and "
                       "the applicant's state, and type it here before mailing]")
DRAFT_MARK = "DRAFT - NOT FOR FILING"
EXHIBIT_HEADER = ("Exhibit", "What it is", "Requirement it meets")


@dataclass(frozen=True)
class Block:
    kind: BlockKind
    text: str = ""
    rows: tuple[tuple[str, ...], ...] = ()


@dataclass
class LetterFacts:
    """Everything the letter says, as plain data (no profile model, no file)."""

    date: dt.date
    applicant: str
    a_number: str | None
    form: str
    edition: str | None
    request: str
    address: list[str]
    enclosures: list[str]
    index: list[Entry]
    physical: list[str]
    signer: list[str]
    receipt_number: str | None = None
    expedite: tuple[str, str] | None = None  # (ground, explanation)
    draft: bool = False
    notes: list[str] = field(default_factory=list)


def long_date(day: dt.date) -> str:
    return f"{day.strftime('%B')} {day.day}, {day.year}"


def words(token: str) -> str:
    """An identifier from the profile vocabulary in words: pending_i485 -> pending I-485."""
    out = []
    for w in token.split("_"):
        if w[:1] in "gi" and w[1:].isdigit():
            out.append(f"{w[0].upper()}-{w[1:]}")
        elif w in {"tps", "lpr", "daca", "fwvp", "ead", "us"}:
            out.append(w.upper())
        else:
            out.append(w)
    return " ".join(out).replace("re parole", "re-parole")


def a_number_words(a_number: str | None) -> str:
    """An A-Number as USCIS writes it (A123456789); 'none' when the applicant has none."""
    if not a_number:
        return "none"
    digits = "".join(c for c in a_number if c.isdigit())
    return f"A{digits}" if digits else a_number


def money(amount: int | None) -> str:
    return "the amount in Form G-1055 for the filing date" if amount is None else f"${amount:,}"


def request_words(app_type: str, basis: str | None, trip: dict[str, Any] | None) -> str:
    """The request in plain words: type, basis and the trip."""
    text = f"a request for {words(app_type)}" + (f" on the basis of {words(basis)}" if basis else "")
    if trip:
        where = ", ".join(trip.get("countries") or []) or "abroad"
        text += f", for travel to {where}"
        if trip.get("departure_date"):
            text += f" departing on {trip['departure_date']}"
        if trip.get("length_days"):
            text += f" for about {trip['length_days']} days"
        if trip.get("purpose"):
            text += f" (purpose: {str(trip['purpose']).rstrip('.')})"
    return text


def enclosure_lines(payments: Sequence[dict[str, Any]], index: Sequence[Entry], form_line: str,
                    waiver: bool) -> list[str]:
    """The forms and payments enclosed, in stacking order: payment, G-28, the form."""
    out: list[str] = []
    paid = [p for p in payments if p.get("amount") != 0]
    for p in paid:
        if waiver and p.get("waivable"):
            continue
        out.append(f"Payment of {money(p.get('amount'))}: {p['what']}")
    for e in index:
        if e.role in ("payment", "representation"):
            label = f"Payment enclosed: {e.title}" if e.role == "payment" else e.title
            out.append(label + ("" if e.included else " [NOT INCLUDED: the file is unusable]"))
    out.append(form_line)
    return out


def letter_blocks(f: LetterFacts) -> list[Block]:
    """The letter, top to bottom."""
    blocks: list[Block] = []
    if f.draft:
        blocks.append(Block("heading", DRAFT_MARK))
    blocks += [Block("line", long_date(f.date)), Block("space")]
    blocks += [Block("line", line) for line in f.address] + [Block("space")]
    ident = [f"Applicant: {f.applicant}", f"A-Number: {a_number_words(f.a_number)}"]
    if f.receipt_number:
        ident.append(f"Related receipt number: {f.receipt_number}")
    blocks.append(Block("heading", f"Re: Form {f.form}" + (f" (edition {f.edition})" if f.edition else "")))
    blocks += [Block("line", line) for line in ident] + [Block("space")]
    blocks.append(Block("para", "Dear Sir or Madam:"))
    blocks.append(Block("para", f"Please find enclosed Form {f.form} for {f.applicant}: {f.request}."))
    if f.expedite is not None:
        ground, why = f.expedite
        blocks.append(Block("heading", "Request to expedite"))
        blocks.append(Block("para", f"We respectfully request that this application be expedited on the ground of "
                                    f"{words(ground)}. {why}"))
    blocks.append(Block("heading", "Enclosed forms and payment"))
    blocks += [Block("item", line) for line in f.enclosures]
    shown = exhibits(f.index)
    blocks.append(Block("heading", "Exhibit index"))
    if shown:
        rows = [EXHIBIT_HEADER] + [(f"{e.letter}", e.title + ("" if e.included else " [NOT INCLUDED]"),
                                    e.requirement or "supporting evidence") for e in shown]
        blocks.append(Block("table", rows=tuple(rows)))
    else:
        blocks.append(Block("para", "No exhibits."))
    if f.physical:
        blocks.append(Block("heading", "Enclosed, not printed"))
        blocks += [Block("item", line) for line in f.physical]
    blocks.append(Block("para", "Thank you for your attention to this application."))
    blocks += [Block("para", "Sincerely,"), Block("space"), Block("space")]
    blocks += [Block("line", line) for line in f.signer]
    return blocks


def to_paras(blocks: Sequence[Block]) -> list[Para]:
    """The letter's blocks as PDF paragraphs (a table as one indented paragraph per row)."""
    paras: list[Para] = []
    for b in blocks:
        if b.kind == "line":
            paras.append(Para(b.text))
        elif b.kind == "space":
            paras.append(Para("", space_before=2))
        elif b.kind == "heading":
            paras.append(Para(b.text, 11, bold=True, space_before=8))
        elif b.kind == "para":
            paras.append(Para(b.text, space_before=6))
        elif b.kind == "item":
            paras.append(Para(f"-  {b.text}", indent=12, space_before=2))
        else:
            head, *rows = b.rows
            paras.append(Para(f"{head[0]}  |  {head[1]}  |  {head[2]}", 10, bold=True, space_before=4))
            paras += [Para(f"Exhibit {r[0]}:  {r[1]}  (meets: {r[2]})", 10, indent=12, space_before=2) for r in rows]
    return paras


def to_docx(blocks: Sequence[Block], template: bytes | None = None) -> bytes:
    """The letter as a Word document, written after the template's own content (its letterhead)."""
    from docx import Document

    try:
        doc = Document(io.BytesIO(template)) if template is not None else Document()
    except Exception as err:  # python-docx raises several types for a file that is not a DOCX
        raise InputError(f"the letterhead template cannot be read as a Word .docx file ({type(err).__name__})") \
            from None
    for b in blocks:
        if b.kind == "line":
            doc.add_paragraph(b.text)
        elif b.kind == "space":
            doc.add_paragraph("")
        elif b.kind == "heading":
            doc.add_paragraph().add_run(b.text).bold = True
        elif b.kind == "para":
            doc.add_paragraph(b.text)
        elif b.kind == "item":
            doc.add_paragraph(f"\u2022 {b.text}")
        else:
            table = doc.add_table(rows=0, cols=len(b.rows[0]))
            for n, row in enumerate(b.rows):
                cells = table.add_row().cells
                for cell, text in zip(cells, row, strict=True):
                    cell.text = text
                    if n == 0:
                        for run in cell.paragraphs[0].runs:
                            run.bold = True
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


MAX_TEMPLATE_BYTES = 16 * 2**20


def read_template(path: str | os.PathLike[str]) -> bytes:
    """The letterhead template's bytes, through the one bounded reader."""
    from formfill.files import read_bounded

    return read_bounded(path, MAX_TEMPLATE_BYTES, name=f"the letterhead template {os.fspath(path)}",
                        too_large=f"{os.fspath(path)}: larger than {MAX_TEMPLATE_BYTES // 2**20} MB; not a letterhead")


__all__ = ["ADDRESS_PLACEHOLDER", "Block", "LetterFacts", "enclosure_lines", "letter_blocks", "read_template",
           "request_words", "to_docx", "to_paras"]
