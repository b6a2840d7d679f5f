"""Write values into the prepared blank as one incremental update.

Only the changed field dictionaries and their new appearance streams are appended to the prepared
blank's bytes, with an xref section that points back to the original (PDF 1.7, 7.5.6). The blank is
never re-serialised per profile, which is what makes a fill take milliseconds instead of a second.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    NumberObject,
    PdfObject,
    StreamObject,
    TextStringObject,
)

from formfill.errors import FitError, Problem
from formfill.fieldmap import Assignment
from formfill.pdf.appearance import Layout, layout_text, text_stream
from formfill.pdf.blank import BlankForm, FieldInfo, FontInfo

_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")


@dataclass(frozen=True)
class Placed:
    """A text value and the lines it was drawn as (what the verifier expects to read back)."""

    assignment: Assignment
    layout: Layout


def font_for(blank: BlankForm, info: FieldInfo) -> FontInfo:
    font = blank.fonts.get(info.font or "")
    if font is None:
        font = next(iter(blank.fonts.values()), None)
    if font is None:
        raise FitError(f"The blank has no font to draw {info.name} with")
    return font


def plan(blank: BlankForm, assignments: list[Assignment]) -> list[Placed]:
    """Lay out every text value; refuse (naming the profile key) any value that would be cut off."""
    placed: list[Placed] = []
    problems: list[Problem] = []
    for a in assignments:
        info = blank.fields[a.field]
        if a.kind == "check":
            placed.append(Placed(a, Layout((), 0, True)))
            continue
        layout = layout_text(a.value, info, font_for(blank, info))
        if not layout.fits:
            where = f"Page {a.entry.page}, Part {a.entry.part}, Item {a.entry.item}"
            problems.append(Problem(a.entry.source, f"does not fit its box ({where}): {layout.reason}", "too_long"))
        placed.append(Placed(a, layout))
    if problems:
        raise FitError("Some answers do not fit their boxes and would be cut off on the printed form", problems)
    return placed


def fill_bytes(blank: BlankForm, placed: list[Placed]) -> bytes:
    """The filled PDF: the prepared blank plus one incremental update."""
    base = blank.data
    trailer = blank.reader.trailer
    size = int(trailer["/Size"])
    updates: list[tuple[int, int, PdfObject]] = []
    new_objects: list[PdfObject] = []

    def add(obj: PdfObject) -> int:
        new_objects.append(obj)
        return size + len(new_objects) - 1

    for p in placed:
        info = blank.fields[p.assignment.field]
        d = DictionaryObject(info.obj)
        if p.assignment.kind == "check":
            state = NameObject(p.assignment.value)
            d[NameObject("/V")] = state
            d[NameObject("/AS")] = state
        else:
            value = TextStringObject(p.assignment.value)
            d[NameObject("/V")] = value
            font = font_for(blank, info)
            stream = StreamObject()
            stream.set_data(text_stream(p.layout, info, font))
            stream.update({
                NameObject("/Type"): NameObject("/XObject"),
                NameObject("/Subtype"): NameObject("/Form"),
                NameObject("/BBox"): ArrayObject([FloatObject(0), FloatObject(0),
                                                  FloatObject(info.width), FloatObject(info.height)]),
                NameObject("/Resources"): DictionaryObject({
                    NameObject("/Font"): DictionaryObject({NameObject("/" + font.resource_name): font.ref}),
                }),
            })
            num = add(stream)
            ap = DictionaryObject({NameObject("/N"): _ref(num)})
            d[NameObject("/AP")] = ap
        updates.append((info.ref.idnum, info.ref.generation, d))

    out = io.BytesIO()
    out.write(base)
    if not base.endswith(b"\n"):
        out.write(b"\n")
    offsets: list[tuple[int, int, int]] = []
    for idnum, gen, obj in updates:
        offsets.append((idnum, gen, out.tell()))
        _write_object(out, idnum, gen, obj)
    for i, obj in enumerate(new_objects):
        offsets.append((size + i, 0, out.tell()))
        _write_object(out, size + i, 0, obj)
    xref_at = out.tell()
    out.write(b"xref\n")
    for start, rows in _subsections(sorted(offsets)):
        out.write(f"{start} {len(rows)}\n".encode())
        for _, gen, offset in rows:
            out.write(f"{offset:010d} {gen:05d} n\r\n".encode())
    new_trailer = DictionaryObject({
        NameObject("/Size"): NumberObject(size + len(new_objects)),
        NameObject("/Root"): trailer.raw_get("/Root"),
        NameObject("/Prev"): NumberObject(_startxref(base)),
    })
    for key in ("/Info", "/ID"):
        if key in trailer:
            new_trailer[NameObject(key)] = trailer.raw_get(key)
    out.write(b"trailer\n")
    new_trailer.write_to_stream(out)
    out.write(f"\nstartxref\n{xref_at}\n%%EOF\n".encode())
    return out.getvalue()


def _ref(num: int) -> PdfObject:
    return IndirectObject(num, 0, None)  # type: ignore[arg-type]  # only ever serialised, never resolved


def _write_object(out: io.BytesIO, idnum: int, gen: int, obj: PdfObject) -> None:
    out.write(f"{idnum} {gen} obj\n".encode())
    obj.write_to_stream(out)
    out.write(b"\nendobj\n")


def _subsections(rows: list[tuple[int, int, int]]) -> list[tuple[int, list[tuple[int, int, int]]]]:
    out: list[tuple[int, list[tuple[int, int, int]]]] = []
    for row in rows:
        if out and out[-1][0] + len(out[-1][1]) == row[0]:
            out[-1][1].append(row)
        else:
            out.append((row[0], [row]))
    return out


def _startxref(data: bytes) -> int:
    m = _STARTXREF.search(data[-1024:])
    if not m:
        raise FitError("The prepared blank has no startxref; it cannot take an incremental update")
    return int(m.group(1))
