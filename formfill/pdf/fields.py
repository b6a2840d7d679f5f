"""The blank's field index: each terminal field's name, kind, page, box, font and states, and the form's fonts.

Indexing walks the whole field tree, parsing about 370 objects of the I-131 with pypdf (0.2-0.4 s). For a
prepared blank (formfill.pdf.blank) the index is therefore kept in formfill's cache, keyed by the prepared
bytes' sha256 and checked like every cache entry (formfill.pdf.cache_entry); a field's dictionary is then
parsed only when a fill writes it (`FieldInfo.obj`).
"""

from __future__ import annotations

import contextlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, TextStringObject

from formfill.pdf import keys
from formfill.pdf.cache_entry import read_entry, write_entry

INDEX_VERSION = 2  # bump when _index, formfill.pdf.blank.check_pristine or the index's cached form change
FLAG_MULTILINE = 1 << 12
FLAG_COMB = 1 << 24
FLAG_FIXED_PITCH = 1  # font descriptor /Flags bit 1 (PDF 1.7, 9.8.2)
_DA = re.compile(r"/(\S+)\s+([\d.]+)\s+Tf")


@dataclass(frozen=True)
class FontInfo:
    """Enough of a simple font to measure text: widths in 1/1000 em per WinAnsi code."""

    resource_name: str
    ref: IndirectObject
    widths: tuple[float, ...]
    first_char: int
    missing_width: float

    def width(self, text: str, size: float) -> float:
        total = 0.0
        for byte in text.encode("cp1252", errors="replace"):
            idx = byte - self.first_char
            total += self.widths[idx] if 0 <= idx < len(self.widths) else self.missing_width
        return total * size / 1000.0


@dataclass
class FieldInfo:
    """One terminal field of the blank (in these forms each field is its own widget)."""

    name: str
    kind: str  # "text", "check", "choice", "other"
    page: int  # 1-based
    rect: tuple[float, float, float, float]
    ref: IndirectObject
    tooltip: str = ""
    max_len: int | None = None
    flags: int = 0
    font: str | None = None
    font_size: float = 0.0
    align: int = 0
    on_states: tuple[str, ...] = ()
    options: tuple[str, ...] = ()
    value: Any = None
    appearance: bool = False  # the widget has its own /AP (an empty field without one prints nothing)

    @property
    def obj(self) -> DictionaryObject:
        """The field's dictionary, parsed when first asked for (the reader keeps it): a fill reads only its own."""
        return cast(DictionaryObject, self.ref.get_object())

    @property
    def width(self) -> float:
        return self.rect[2] - self.rect[0]

    @property
    def height(self) -> float:
        return self.rect[3] - self.rect[1]

    @property
    def multiline(self) -> bool:
        return bool(self.flags & FLAG_MULTILINE)

    @property
    def comb(self) -> bool:
        return bool(self.flags & FLAG_COMB) and self.max_len is not None

    @property
    def on_state(self) -> str:
        return self.on_states[0] if self.on_states else "/Yes"



_log = logging.getLogger("formfill")


def index(reader: PdfReader) -> tuple[dict[str, FieldInfo], dict[str, FontInfo]]:
    page_of = {
        page.indirect_reference.idnum: i + 1
        for i, page in enumerate(reader.pages)
        if page.indirect_reference is not None
    }
    acro = cast(DictionaryObject, cast(DictionaryObject, reader.trailer[keys.ROOT])[keys.ACRO_FORM].get_object())
    fonts = _fonts(acro)
    fields: dict[str, FieldInfo] = {}

    seen: set[int] = set()

    def walk(ref: Any, prefix: str, inherited: dict[str, Any]) -> None:
        if isinstance(ref, IndirectObject):
            if ref.idnum in seen:
                raise ValueError("the form's field tree refers back to itself")
            seen.add(ref.idnum)
        obj = ref.get_object()
        name = prefix
        if keys.T in obj:
            name = f"{prefix}.{obj[keys.T]}" if prefix else str(obj[keys.T])
        inh = dict(inherited)
        for key in (keys.FT, keys.DA, keys.FF, keys.Q, keys.MAX_LEN, keys.V):
            if key in obj:
                inh[key] = obj[key]
        kids = obj.get(keys.KIDS)
        if kids:
            for kid in kids:
                walk(kid, name, inh)
            return
        fields[name] = _field_info(name, ref, obj, inh, page_of)

    for ref in acro.get(keys.FIELDS, ArrayObject()):
        walk(ref, "", {})
    return fields, fonts


def _field_info(name: str, ref: Any, obj: DictionaryObject, inh: dict[str, Any], page_of: dict[int, int]) -> FieldInfo:
    ft = inh.get(keys.FT)
    kind = {keys.TEXT: "text", keys.BUTTON: "check", keys.CHOICE: "choice"}.get(str(ft), "other")
    on_states: tuple[str, ...] = ()
    if kind == "check":
        ap = obj.get(keys.AP)
        normal = ap.get_object().get(keys.N) if ap is not None else None
        if normal is not None:
            on_states = tuple(str(k) for k in cast(DictionaryObject, normal.get_object()) if k != keys.OFF)
    options: tuple[str, ...] = ()
    if kind == "choice" and keys.OPT in obj:
        for raw in cast(ArrayObject, obj[keys.OPT]):
            opt = raw.get_object()
            options += (str(opt[0]) if isinstance(opt, list | ArrayObject) else str(opt),)
    font, size = None, 0.0
    m = _DA.search(str(inh.get(keys.DA, "")))
    if m:
        font, size = m.group(1), float(m.group(2))
    page_ref = obj.get(keys.P)
    page = page_of.get(page_ref.idnum, 0) if isinstance(page_ref, IndirectObject) else 0
    rect = tuple(float(x) for x in obj.get(keys.RECT, [0, 0, 0, 0]))
    max_len = inh.get(keys.MAX_LEN)
    return FieldInfo(
        name=name,
        kind=kind,
        page=page,
        rect=(rect[0], rect[1], rect[2], rect[3]),
        ref=ref,
        tooltip=str(obj.get(keys.TU, "")),
        max_len=int(max_len) if max_len is not None else None,
        flags=int(inh.get(keys.FF, 0)),
        font=font,
        font_size=size,
        align=int(inh.get(keys.Q, 0)),
        on_states=on_states,
        options=options,
        value=inh.get(keys.V),
        appearance=keys.AP in obj,
    )


def _fonts(acro: DictionaryObject) -> dict[str, FontInfo]:
    out: dict[str, FontInfo] = {}
    dr = acro.get(keys.DR)
    font_dict = dr.get_object().get(keys.FONT) if dr is not None else None
    if font_dict is None:
        return out
    font_dict = font_dict.get_object()
    for key, ref in font_dict.items():
        font = ref.get_object()
        widths = tuple(float(w) for w in font.get(keys.WIDTHS, []))
        desc = font.get(keys.FONT_DESCRIPTOR)
        missing = float(desc.get_object().get(keys.MISSING_WIDTH, 0)) if desc is not None else 0.0
        if not widths:
            missing = missing or 600.0  # standard 14 fonts: a conservative Courier-like width
        name = str(key)[1:]
        if isinstance(ref, IndirectObject):
            out[name] = FontInfo(name, ref, widths, int(font.get(keys.FIRST_CHAR, 0)), missing)
    return out


Index = tuple[dict[str, FieldInfo], dict[str, FontInfo]]
"""A blank's fields by fully qualified name and its form fonts by resource name."""


def cached_index(path: Path, prepared: str, reader: PdfReader) -> Index | None:
    """The field index of a prepared blank kept by an earlier run at `path`, when the entry is intact and names
    these bytes (`prepared`, their sha256): opening the blank then parses no field object until a fill needs it."""
    body = read_entry(path, {"blank": prepared, "version": INDEX_VERSION}, "field index")
    if body is None:
        return None
    try:
        size = int(cast(int, reader.trailer[keys.SIZE]))
        fields = {row[0]: _field_from_row(row, reader, size) for row in body["fields"]}
        fonts = {row[0]: FontInfo(row[0], _ref(row[1], row[2], reader, size), tuple(float(w) for w in row[3]),
                                  int(row[4]), float(row[5])) for row in body["fonts"]}
        return fields, fonts
    except (ValueError, KeyError, TypeError, IndexError) as err:
        _log.warning("formfill: discarding the cached field index %s (%s); reading the blank again", path, err)
        with contextlib.suppress(OSError):
            path.unlink()
        return None


def keep_index(path: Path, prepared: str, fields: dict[str, FieldInfo], fonts: dict[str, FontInfo]) -> None:
    """Keep the index of the prepared blank whose bytes' sha256 is `prepared` at `path`."""
    rows = [_field_row(info) for info in fields.values()]
    if any(row is None for row in rows):
        return  # a value the index cannot keep as it is: this blank is indexed on every call
    font_rows = [[f.resource_name, f.ref.idnum, f.ref.generation, list(f.widths), f.first_char, f.missing_width]
                 for f in fonts.values()]
    write_entry(path, {"blank": prepared, "version": INDEX_VERSION, "fields": rows,
                                        "fonts": font_rows})


def _field_row(info: FieldInfo) -> list[Any] | None:
    if not isinstance(info.ref, IndirectObject):
        return None
    value = info.value
    if value is None:
        typed = None
    elif isinstance(value, NameObject):
        typed = ["name", str(value)]
    elif isinstance(value, TextStringObject) and not value.autodetect_utf16:
        typed = ["text", str(value)]
    else:
        return None
    return [info.name, info.kind, info.page, list(info.rect), info.ref.idnum, info.ref.generation, info.tooltip,
            info.max_len, info.flags, info.font, info.font_size, info.align, list(info.on_states),
            list(info.options), typed, info.appearance]


def _field_from_row(row: list[Any], reader: PdfReader, size: int) -> FieldInfo:
    (name, kind, page, rect, idnum, gen, tooltip, max_len, flags, font, font_size, align, on_states, options,
     typed, appearance) = row
    value: Any = None
    if typed is not None:
        value = NameObject(typed[1]) if typed[0] == "name" else TextStringObject(typed[1])
    return FieldInfo(
        name=str(name), kind=str(kind), page=int(page), rect=(float(rect[0]), float(rect[1]), float(rect[2]),
                                                              float(rect[3])),
        ref=_ref(idnum, gen, reader, size), tooltip=str(tooltip), max_len=None if max_len is None else int(max_len),
        flags=int(flags), font=None if font is None else str(font), font_size=float(font_size), align=int(align),
        on_states=tuple(str(s) for s in on_states), options=tuple(str(o) for o in options), value=value,
        appearance=bool(appearance),
    )


def _ref(idnum: Any, gen: Any, reader: PdfReader, size: int) -> IndirectObject:
    if not isinstance(idnum, int) or not isinstance(gen, int) or not 0 < idnum < size:
        raise ValueError(f"object number {idnum!r} is not in the blank")
    return IndirectObject(idnum, gen, reader)
