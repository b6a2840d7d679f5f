"""Prove a fill: re-open the written bytes with pdfplumber and compare every field with the plan.

pdfplumber (pdfminer underneath) is an independent reader from the pypdf code that wrote the file,
so a value that reads back here was really written. We check the value (/V), the checkbox state
(/AS agrees with /V and names an appearance the box has), the text the appearance stream draws,
that every box not meant to be checked is off, that no question has two boxes on, and that the
signature fields are empty. What the form expects where nothing was written (its pristine values,
its questions, its signature boxes) comes from the form layer as plain data (`Expectations`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pdfminer.pdftypes import PDFStream, resolve1

from formfill.errors import FormError, Problem
from formfill.masking import shown as show
from formfill.pdf import keys, readback
from formfill.pdf.blank import PREPARE_SECONDS, BlankForm, one_line, time_limit
from formfill.pdf.keys import bare
from formfill.pdf.readback import ReadField, baseline, overlay, read_written, undecodable_pages
from formfill.pdf.writer import FieldValue

if TYPE_CHECKING:  # pdfplumber is imported where a file is read in full: a fill on a known blank never is
    from pdfplumber.pdf import PDF

_OFF = bare(keys.OFF)


@dataclass(frozen=True)
class Expectations:
    """What a filled file must hold beyond the values written into it, as the form layer knows it.

    `defaults`: the pristine blank's value of every field that is not empty in it (every other field
    nothing was written to must be empty); `groups`: the question each checkbox answers (at most one
    box of a question may be on); `sources`: what a problem about a field points at (a profile path);
    `empty`: fields that must stay empty whatever was planned (signatures, fields formfill never fills).
    """

    defaults: Mapping[str, str] = field(default_factory=dict)
    groups: Mapping[str, str] = field(default_factory=dict)
    sources: Mapping[str, str] = field(default_factory=dict)
    empty: frozenset[str] = frozenset()


@dataclass
class Verification:
    ok: bool
    problems: list[Problem] = field(default_factory=list)
    fields_checked: int = 0
    boxes_checked: int = 0
    text_fields: int = 0
    continuation_sheets: int = 0
    printed_checked: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "fields_checked": self.fields_checked,
            "boxes_checked": self.boxes_checked,
            "text_fields": self.text_fields,
            "continuation_sheets": self.continuation_sheets,
            "printed_checked": self.printed_checked,
            "problems": [p.to_dict() for p in self.problems],
        }


MAX_SHEET_CONTENT = 2**20


def _content_size(pdf: PDF, n: int) -> int:
    """Decoded bytes of page n's content streams (each already within the decompression bounds)."""
    contents = resolve1(pdf.pages[n].page_obj.attrs.get(bare(keys.CONTENTS)))
    streams = contents if isinstance(contents, list) else [contents]
    return sum(len(stream.get_data()) for stream in map(resolve1, streams) if isinstance(stream, PDFStream))


def _squash(text: str) -> str:
    return " ".join(text.split())


def verify_bytes(
    data: bytes,
    values: Sequence[FieldValue],
    expected: Expectations,
    sheets: list[list[str]] | None = None,
    blank_pages: int = 0,
    blank: BlankForm | None = None,
    source: str = "the written PDF",
) -> Verification:
    """Compare a written file with what was planned for it (sheets: the continuation sheets' lines).

    Every field the plan did not write must read back as the pristine blank's default
    (`expected.defaults`, never the values of the blank it was written on), and every page's
    content stream must decode.
    With the `blank` it was written on, and when the file is that blank's bytes plus one update that
    touches only the planned objects, only the written fields are parsed again: every other field is
    byte-for-byte the blank's, whose fields were read once per process. Anything else gets a full read.
    """
    try:
        with time_limit(PREPARE_SECONDS, source):
            return _verify(data, values, expected, sheets, blank_pages, blank)
    except FormError:
        raise
    except RecursionError:
        raise FormError(f"{source} could not be read back: objects nested too deeply") from None
    except Exception as err:  # a damaged or hostile file can make pdfminer raise anything
        raise FormError(f"{source} could not be read back: it is damaged or malformed ({one_line(err)})") from None


def _verify(
    data: bytes,
    values: Sequence[FieldValue],
    expectations: Expectations,
    sheets: list[list[str]] | None,
    blank_pages: int,
    blank: BlankForm | None,
) -> Verification:
    problems: list[Problem] = []
    fields, damaged, sheet_problems = _read(data, [p.field for p in values], sheets, blank_pages, blank)
    for n in damaged:
        problems.append(Problem("", f"page {n + 1}: its content stream does not decode, so the page would not "
                                    "print as written", "verify"))
    problems.extend(sheet_problems)
    expected = {p.field: p for p in values}

    def bad(p: FieldValue | None, field_name: str, message: str) -> None:
        where = p.source if p else field_name
        problems.append(Problem(where, f"{message} [{field_name}]", "verify"))

    for name, p in expected.items():
        got = fields.get(name)
        if got is None:
            bad(p, name, "field is missing from the written file")
            continue
        if p.kind == "check":
            on = p.value.lstrip("/")
            if got.value != on or got.state != on:
                bad(p, name, f"box should be on ({on}) but reads value={got.value!r} state={got.state!r}")
            elif on not in got.states:
                bad(p, name, f"box has no appearance for its state {on!r}")
            continue
        if got.value != p.value:
            src = p.source
            bad(p, name, f"reads back {show(src, got.value)} instead of {show(src, p.value)}")
        drawn = got.drawn
        if drawn is None:
            bad(p, name, "has no appearance stream, so it would print empty")
            continue
        pieces = drawn.split("\x00")
        comb = len(p.layout.lines) == 1 and len(pieces) > 1  # comb fields draw one character per cell
        drawn_text = "".join(pieces) if comb else " ".join(pieces)
        if _squash(drawn_text) != _squash(p.value):
            bad(p, name, f"prints {show(p.source, drawn_text)} instead of {show(p.source, p.value)}")

    checked = 0
    groups: dict[str, list[str]] = {}
    # What a field the plan did not write must hold: the pristine blank's value from the form's data,
    # never the value in the blank that was filled (which may itself be someone's filled form).
    defaults = expectations.defaults
    group_of = expectations.groups
    source_of = expectations.sources
    signature = expectations.empty
    for name, got in fields.items():
        is_on = got.kind == "check" and got.state not in (None, _OFF)
        if is_on:
            checked += 1
            if group_of.get(name):
                groups.setdefault(group_of[name], []).append(name)
            if name not in expected:
                bad(None, name, "box is checked although the profile does not say so")
        if got.kind == "check" and got.value not in (None, _OFF, "") and got.value != got.state:
            bad(None, name, f"box value {got.value!r} differs from its appearance state {got.state!r}")
        if got.kind in ("text", "choice") and name not in expected:
            default = defaults.get(name, "")
            if (got.value or "") != default:
                bad(None, name, f"holds {show(source_of.get(name, ''), got.value)} although nothing was meant to be "
                                "written there")
            elif got.drawn and _squash(got.drawn.replace("\x00", " ")) not in ("", _squash(default)):
                bad(None, name, f"prints {show(source_of.get(name, ''), got.drawn)} although nothing was meant to be "
                                "written there")
        if name in signature and got.value:
            bad(None, name, "signature field must stay empty (USCIS requires a handwritten signature)")
    for group, members in groups.items():
        if len(members) > 1:
            bad(None, ", ".join(members), f"{len(members)} boxes checked for one question ({group})")
    boxes = sum(1 for p in values if p.kind == "check")
    if checked != boxes:
        problems.append(Problem("", f"{checked} boxes are checked, {boxes} were meant to be", "verify"))
    return Verification(
        ok=not problems,
        problems=problems,
        fields_checked=len(expected),
        boxes_checked=checked,
        text_fields=len(expected) - boxes,
        continuation_sheets=len(sheets or []),
    )


def _read(
    data: bytes, names: list[str], sheets: list[list[str]] | None, blank_pages: int, blank: BlankForm | None
) -> tuple[dict[str, ReadField], list[int], list[Problem]]:
    """The written file's fields, the pages whose content does not decode, and what the sheets' read-back found.

    A fill without continuation sheets on a known blank reads only its update (readback.read_written); one
    with sheets opens the file with pdfplumber to read the sheets' text, and still reads only the written
    fields when the update touched nothing else. Anything else is read in full.
    """
    if blank is not None and not sheets:
        fields = read_written(data, blank, names)
        if fields is not None:  # the blank's pages are byte for byte the blank's, read once per blank
            count = _page_count_problems(blank.page_count, blank_pages, sheets)
            return fields, list(baseline(blank).bad_pages), count
    with readback.open_full(data) as pdf:
        found = None
        if blank is not None and data.startswith(blank.data):
            base = baseline(blank)
            updates = pdf.doc.xrefs[: len(pdf.doc.xrefs) - base.sections]
            found = overlay(pdf.doc, updates, blank, base, names, len(sheets or []))
        if found is None:
            fields, damaged = readback.read_fields(pdf), undecodable_pages(pdf, range(len(pdf.pages)))
        else:
            assert blank is not None
            fields = found
            damaged = list(baseline(blank).bad_pages) + undecodable_pages(pdf, range(blank.page_count,
                                                                                    len(pdf.pages)))
        return fields, damaged, _check_sheets(pdf, sheets, blank_pages) if sheets is not None else []


def _page_count_problems(count: int, blank_pages: int, sheets: list[list[str]] | None) -> list[Problem]:
    if sheets is None or count == blank_pages + len(sheets):
        return []
    return [Problem("", f"the file has {count} pages, expected {blank_pages} + {len(sheets)} continuation sheets",
                    "verify")]


def _check_sheets(pdf: PDF, sheets: list[list[str]], blank_pages: int) -> list[Problem]:
    """Continuation sheets are real pages: their text must read back line for line."""
    found = _page_count_problems(len(pdf.pages), blank_pages, sheets)
    if found:
        return found
    for n, lines in enumerate(sheets):
        # formfill's sheets are a few KB of text; pdfminer would need seconds and ~100 MB per MB of content.
        if _content_size(pdf, blank_pages + n) > MAX_SHEET_CONTENT:
            found.append(Problem("", f"continuation sheet {n + 1} does not read back as written (its page content "
                                 "is over 1 MB)", "verify"))
            continue
        text = pdf.pages[blank_pages + n].extract_text() or ""
        if _squash(text) != _squash(" ".join(lines)):
            found.append(Problem("", f"continuation sheet {n + 1} does not read back as written", "verify"))
    return found


__all__ = ["MAX_SHEET_CONTENT", "Expectations", "Verification", "verify_bytes"]
