"""Write values into the prepared blank as one incremental update.

Only the changed field dictionaries, their new appearance streams and any continuation sheets are
appended to the prepared blank's bytes, with an xref section that points back to the original
(PDF 1.7, 7.5.6). The blank is never re-serialised per profile, which is what makes a fill take
milliseconds instead of a second.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

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

from formfill.errors import FitError
from formfill.pdf import keys
from formfill.pdf.appearance import Layout, escape, text_stream
from formfill.pdf.blank import BlankForm
from formfill.pdf.fields import FieldInfo, FontInfo

_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")
_NOT_PRINTABLE = re.compile(rb"[^\x20-\x7e]")

SHEET_SIZE = (612.0, 792.0)  # US Letter, like the form
SHEET_MARGIN = 36.0
SHEET_FONT_SIZE = 10.0
SHEET_LEADING = 12.0
SHEET_CHAR_WIDTH = 6.0  # the form's Courier New Bold: every glyph 600/1000 em
SHEET_ROWS = 60  # text rows between the top and bottom margins
SHEET_FOOTER = ("Signature of Applicant:", "Date of Signature (mm/dd/yyyy):")
SIGNATURE_GAP = 3  # rows from the signature line down to the date line
SHEET_FOOTER_ROWS = 1 + SIGNATURE_GAP * (len(SHEET_FOOTER) - 1) + 1  # a blank row, then the footer
SHEET_FONT_RESOURCE = "F1"


@dataclass(frozen=True)
class FieldValue:
    """One value to write, as pdf/ takes it: the field, its kind, what goes in and the lines it is drawn as.

    Plain data, so pdf/ needs no form's map to write or check a value. The verifier expects to read back
    exactly this; `source` is what a problem about the field points at (the form layer passes the
    profile path, which also decides whether the value is masked in messages).
    """

    field: str
    kind: str  # text | check | choice
    value: str  # text to print, option to choose, or the checkbox's on-state name
    layout: Layout
    source: str = ""


def font_for(blank: BlankForm, info: FieldInfo) -> FontInfo:
    font = blank.fonts.get(info.font or "")
    if font is None:
        font = next(iter(blank.fonts.values()), None)
    if font is None:
        raise FitError(f"The blank has no font to draw {info.name} with")
    return font


class IncrementalUpdate:
    """Objects to append to a PDF: replacements of existing ones and new ones."""

    def __init__(self, base: bytes, trailer: DictionaryObject) -> None:
        self.base = base
        self.trailer = trailer
        self.size = int(cast(NumberObject, trailer[keys.SIZE]))
        self.updates: list[tuple[int, int, PdfObject]] = []
        self.new: list[PdfObject] = []

    def add(self, obj: PdfObject) -> IndirectObject:
        self.new.append(obj)
        return IndirectObject(self.size + len(self.new) - 1, 0, cast(Any, None))  # serialised only, never resolved

    def replace(self, ref: IndirectObject, obj: PdfObject) -> None:
        self.updates.append((ref.idnum, ref.generation, obj))

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        out.write(self.base)
        if not self.base.endswith(b"\n"):
            out.write(b"\n")
        offsets: list[tuple[int, int, int]] = []
        for idnum, gen, obj in self.updates:
            offsets.append((idnum, gen, out.tell()))
            _write_object(out, idnum, gen, obj)
        for i, obj in enumerate(self.new):
            offsets.append((self.size + i, 0, out.tell()))
            _write_object(out, self.size + i, 0, obj)
        xref_at = out.tell()
        out.write(b"xref\n")
        for start, rows in _subsections(sorted(offsets)):
            out.write(f"{start} {len(rows)}\n".encode())
            for _, gen, offset in rows:
                out.write(f"{offset:010d} {gen:05d} n\r\n".encode())
        trailer = DictionaryObject(
            {
                NameObject(keys.SIZE): NumberObject(self.size + len(self.new)),
                NameObject(keys.ROOT): self.trailer.raw_get(keys.ROOT),
                NameObject(keys.PREV): NumberObject(_startxref(self.base)),
            }
        )
        for key in (keys.INFO, keys.ID):
            if key in self.trailer:
                trailer[NameObject(key)] = self.trailer.raw_get(key)
        out.write(b"trailer\n")
        trailer.write_to_stream(out)
        out.write(f"\nstartxref\n{xref_at}\n%%EOF\n".encode())
        return out.getvalue()


def fill_bytes(blank: BlankForm, values: Sequence[FieldValue], sheets: list[bytes] | None = None) -> bytes:
    """The filled PDF: the prepared blank plus one incremental update (sheets: page content streams)."""
    upd = IncrementalUpdate(blank.data, blank.reader.trailer)
    for p in values:
        info = blank.fields[p.field]
        d = DictionaryObject(info.obj)
        if p.kind == "check":
            state = NameObject(p.value)
            d[NameObject(keys.V)] = state
            d[NameObject(keys.AS)] = state
        else:
            d[NameObject(keys.V)] = TextStringObject(p.value)
            font = font_for(blank, info)
            stream = form_xobject(
                text_stream(p.layout, info, font),
                info.width,
                info.height,
                DictionaryObject({NameObject("/" + font.resource_name): font.ref}),
            )
            d[NameObject(keys.AP)] = DictionaryObject({NameObject(keys.N): upd.add(stream)})
        upd.replace(info.ref, d)
    if sheets:
        _append_sheets(blank, upd, sheets)
    return upd.to_bytes()


def form_xobject(content: bytes, width: float, height: float, fonts: DictionaryObject) -> StreamObject:
    stream = StreamObject()
    stream.set_data(content)
    stream.update(
        {
            NameObject(keys.TYPE): NameObject("/XObject"),
            NameObject(keys.SUBTYPE): NameObject("/Form"),
            NameObject(keys.BBOX): ArrayObject([FloatObject(0), FloatObject(0), FloatObject(width),
                                                FloatObject(height)]),
            NameObject(keys.RESOURCES): DictionaryObject({NameObject(keys.FONT): fonts}),
        }
    )
    return stream


def sheet_body_rows(header_rows: int) -> int:
    """Body lines a continuation sheet holds below a header of `header_rows` lines and above the signature."""
    return SHEET_ROWS - header_rows - 1 - SHEET_FOOTER_ROWS


def sheet_row_y(row: int) -> float:
    """The baseline of text row `row` on a continuation sheet (row 0 is the title)."""
    return SHEET_SIZE[1] - SHEET_MARGIN - SHEET_FONT_SIZE - SHEET_LEADING * row


def sheet_content(lines: list[str], header: list[str], footer_lines: tuple[str, ...] = SHEET_FOOTER) -> bytes:
    """One continuation sheet in the form's bold Courier 10 pt: the header, a rule, the body, and at the
    bottom the signature and date lines (`lines` ends with `footer_lines`, the form's own: its package's
    spec) with a ruled space to write on."""
    width = SHEET_SIZE[0]
    footer = list(footer_lines) if footer_lines and tuple(lines[-len(footer_lines) :]) == footer_lines else []
    body = lines[: len(lines) - len(footer)]
    ops = [b"BT", f"/{SHEET_FONT_RESOURCE} {SHEET_FONT_SIZE:g} Tf 0 g".encode()]
    rows = [(sheet_row_y(n), line) for n, line in enumerate([*header, "", *body])]
    # The date sits on the bottom row; the signature SIGNATURE_GAP rows above it leaves room to sign.
    footer_y = [SHEET_MARGIN + SHEET_LEADING * (SIGNATURE_GAP * (len(footer) - 1 - n)) for n in range(len(footer))]
    rows += list(zip(footer_y, footer, strict=True))
    for y, line in rows:
        if line:
            ops.append(f"1 0 0 1 {SHEET_MARGIN:g} {y:.2f} Tm".encode() + b" (" + escape(line) + b") Tj")
    ops.append(b"ET")
    rule_y = sheet_row_y(len(header)) + 4
    ops.append(f"0.5 w {SHEET_MARGIN:g} {rule_y:.2f} m {width - SHEET_MARGIN:g} {rule_y:.2f} l S".encode())
    for y, label in zip(footer_y, footer, strict=True):
        x = SHEET_MARGIN + SHEET_CHAR_WIDTH * (len(label) + 1)
        ops.append(f"0.75 w {x:.2f} {y - 2:.2f} m {width - SHEET_MARGIN:g} {y - 2:.2f} l S".encode())
    return b"\n".join(ops)


def _sheet_font(blank: BlankForm) -> DictionaryObject | IndirectObject:
    """The font the form's own fields are set in (Courier New Bold), else the standard-14 Courier-Bold.

    Sheets are laid out by character count, so the form's font is used only when every glyph is as
    wide as Courier's.
    """
    used = [info.font for info in blank.fields.values() if info.kind == "text" and info.font in blank.fonts]
    if used:
        font = blank.fonts[max(set(used), key=used.count)]
        if set(font.widths) == {SHEET_CHAR_WIDTH / SHEET_FONT_SIZE * 1000}:
            return font.ref
    return DictionaryObject(
        {
            NameObject(keys.TYPE): NameObject("/Font"),
            NameObject(keys.SUBTYPE): NameObject("/Type1"),
            NameObject(keys.BASE_FONT): NameObject("/Courier-Bold"),
            NameObject(keys.ENCODING): NameObject("/WinAnsiEncoding"),
        }
    )


def _append_sheets(blank: BlankForm, upd: IncrementalUpdate, sheets: list[bytes]) -> None:
    root = cast(DictionaryObject, blank.reader.trailer[keys.ROOT])
    pages_ref = cast(IndirectObject, root.raw_get(keys.PAGES))
    pages = DictionaryObject(cast(DictionaryObject, root[keys.PAGES]))
    kids = ArrayObject(cast(ArrayObject, pages[keys.KIDS]))
    font = _sheet_font(blank)
    if isinstance(font, DictionaryObject):
        font = upd.add(font)
    for content in sheets:
        stream = StreamObject()
        stream.set_data(content)
        page = DictionaryObject(
            {
                NameObject(keys.TYPE): NameObject("/Page"),
                NameObject(keys.PARENT): pages_ref,
                NameObject(keys.MEDIA_BOX): ArrayObject(
                    [FloatObject(0), FloatObject(0), FloatObject(SHEET_SIZE[0]), FloatObject(SHEET_SIZE[1])]
                ),
                NameObject(keys.RESOURCES): DictionaryObject(
                    {
                        NameObject(keys.FONT): DictionaryObject({NameObject("/" + SHEET_FONT_RESOURCE): font}),
                    }
                ),
                NameObject(keys.CONTENTS): upd.add(stream),
            }
        )
        kids.append(upd.add(page))
    pages[NameObject(keys.KIDS)] = kids
    pages[NameObject(keys.COUNT)] = NumberObject(int(cast(NumberObject, pages[keys.COUNT])) + len(sheets))
    upd.replace(pages_ref, pages)


def _write_object(out: io.BytesIO, idnum: int, gen: int, obj: PdfObject) -> None:
    out.write(f"{idnum} {gen} obj\n".encode())
    _write_value(out, obj)
    out.write(b"\nendobj\n")


def _write_value(out: io.BytesIO, obj: PdfObject) -> None:
    """pypdf's serialisation, except text strings, written by `pdf_string`: pypdf escapes every byte that is not
    a letter or digit (a tooltip's "/" becomes "\\057"), which made the update a third larger and its strings
    the costliest part of writing it and of reading it back."""
    if isinstance(obj, StreamObject):
        obj.write_to_stream(out)
    elif isinstance(obj, DictionaryObject):
        out.write(b"<<\n")
        for key, value in obj.items():
            key.write_to_stream(out)
            out.write(b" ")
            _write_value(out, value)
            out.write(b"\n")
        out.write(b">>")
    elif isinstance(obj, ArrayObject):
        out.write(b"[")
        for item in obj:
            out.write(b" ")
            _write_value(out, item)
        out.write(b" ]")
    elif isinstance(obj, TextStringObject):
        out.write(pdf_string(obj.get_encoded_bytes()))
    else:
        obj.write_to_stream(out)


def pdf_string(raw: bytes) -> bytes:
    """A PDF string object holding `raw` (PDF 1.7, 7.3.4): literal when it is printable ASCII, escaping only
    the backslash and parentheses; hexadecimal otherwise (UTF-16 text, PDFDocEncoding beyond ASCII)."""
    if not _NOT_PRINTABLE.search(raw):
        return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"
    return b"<" + raw.hex().upper().encode("ascii") + b">"


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
