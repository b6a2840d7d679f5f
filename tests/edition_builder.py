"""Synthetic next editions of the 01/20/25 I-131, built with pypdf as USCIS changes a form between editions.

Each change returns what it did (old name -> new name), so a test knows the right answer.
"""

from __future__ import annotations

import io
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

NEW_EDITION = "06/01/26"


@dataclass
class Edition:
    writer: PdfWriter
    renamed: dict[str, str] = field(default_factory=dict)  # old qualified name -> new qualified name
    removed: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    states: dict[str, dict[str, str]] = field(default_factory=dict)  # new field -> {old state: new state}
    labels_gone: list[tuple[int, tuple[float, float, float, float]]] = field(default_factory=list)

    def bytes(self) -> bytes:
        out = io.BytesIO()
        self.writer.write(out)
        return unprint_labels(out.getvalue(), self.labels_gone)


def unprint_labels(data: bytes, boxes: list[tuple[int, tuple[float, float, float, float]]]) -> bytes:
    """Remove the printed label over each removed box (pdfium edits the page's text objects)."""
    if not boxes:
        return data
    pdf = pdfium.PdfDocument(data)
    for page_no, (x0, _, x1, y1) in boxes:
        page = pdf[page_no - 1]
        for obj in list(page.get_objects()):
            if obj.type == pdfium_c.FPDF_PAGEOBJ_TEXT:
                left, bottom, right, top = obj.get_bounds()
                if left >= x0 - 3 and right <= x1 + 40 and bottom >= y1 - 1 and top <= y1 + 14:
                    page.remove_obj(obj)
        page.gen_content()
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def start(blank_data: bytes) -> Edition:
    return Edition(PdfWriter(clone_from=PdfReader(io.BytesIO(blank_data))))


def _terminals(writer: PdfWriter) -> list[tuple[str, DictionaryObject]]:
    out: list[tuple[str, DictionaryObject]] = []

    def walk(obj: DictionaryObject, prefix: str) -> None:
        name = f"{prefix}.{obj['/T']}" if "/T" in obj and prefix else str(obj.get("/T", prefix))
        kids = obj.get("/Kids")
        if kids:
            for k in kids:
                walk(k.get_object(), name)
        else:
            out.append((name, obj))

    acro = writer._root_object["/AcroForm"]
    for ref in acro["/Fields"]:
        walk(ref.get_object(), "")
    return out


def fields(ed: Edition) -> dict[str, DictionaryObject]:
    return dict(_terminals(ed.writer))


def change_edition(ed: Edition, edition: str = NEW_EDITION, old: str = "01/20/25") -> None:
    """The barcodes' values (and so the edition formfill reads) and every page's printed footer name the new one."""
    for _, obj in _terminals(ed.writer):
        v = obj.get("/V")
        if isinstance(v, str) and old in v:
            obj[NameObject("/V")] = TextStringObject(v.replace(old, edition))
    for page in ed.writer.pages:
        content = page.get_contents()
        data = content.get_data() if content is not None else b""
        footer = b"Edition   " + old.encode()
        if footer in data:
            stream = DecodedStreamObject()
            stream.set_data(data.replace(footer, b"Edition   " + edition.encode()))
            page[NameObject("/Contents")] = ed.writer._add_object(stream)


def rename(ed: Edition, how: Callable[[str], str | None]) -> None:
    """Rename terminal fields' own names (`how` returns the new /T, or None to keep it)."""
    for name, obj in _terminals(ed.writer):
        new_t = how(str(obj["/T"]))
        if new_t and new_t != obj["/T"]:
            obj[NameObject("/T")] = TextStringObject(new_t)
            origin = {new: old for old, new in ed.renamed.items()}
            ed.renamed[origin.get(name, name)] = name.rsplit(".", 1)[0] + "." + new_t


def renumber_subforms(ed: Edition, by: int = 1) -> None:
    """`#subform[7]` becomes `#subform[8]`: every field under it changes its qualified name."""
    before = {id(obj): name for name, obj in _terminals(ed.writer)}
    acro = ed.writer._root_object["/AcroForm"]
    for ref in acro["/Fields"][0].get_object()["/Kids"]:
        node = ref.get_object()
        m = re.fullmatch(r"#subform\[(\d+)\]", str(node.get("/T", "")))
        if m:
            node[NameObject("/T")] = TextStringObject(f"#subform[{int(m.group(1)) + by}]")
    origin = {new: old for old, new in ed.renamed.items()}
    for name, obj in _terminals(ed.writer):
        if before[id(obj)] != name:
            ed.renamed[origin.get(before[id(obj)], before[id(obj)])] = name


def reword_tooltips(ed: Edition, every: int = 3) -> None:
    """USCIS rewords tooltips: drop the word `Enter`, swap some phrasing, on every n-th field."""
    for i, (_, obj) in enumerate(_terminals(ed.writer)):
        tu = obj.get("/TU")
        if tu and i % every == 0:
            obj[NameObject("/TU")] = TextStringObject(str(tu).replace("Enter ", "Provide ").replace(".", ";"))


def rename_states(ed: Edition) -> None:
    """Every checkbox's on-state gets a new name (`/PNK` -> `/S1`, by order)."""
    for name, obj in _terminals(ed.writer):
        ap = obj.get("/AP")
        if obj.get("/FT") != "/Btn" or ap is None:
            continue
        ap = ap.get_object()
        mapping: dict[str, str] = {}
        for key in ("/N", "/D"):
            sub = ap.get(key)
            if sub is None:
                continue
            sub = sub.get_object()
            for state in [k for k in sub if k != "/Off"]:
                new = f"/S{len(mapping) + 1}" if state not in mapping else mapping[state]
                mapping.setdefault(state, new)
                sub[NameObject(mapping[state])] = sub[state]
                del sub[state]
        ed.states[ed.renamed.get(name, name)] = {k: v for k, v in mapping.items()}


def shuffle(ed: Edition, seed: int = 7) -> None:
    """Widget order changes: every page's /Annots and every field's /Kids shuffled."""
    rng = random.Random(seed)
    for page in ed.writer.pages:
        annots = page.get("/Annots")
        if annots:
            items = list(annots.get_object())
            rng.shuffle(items)
            page[NameObject("/Annots")] = ArrayObject(items)

    def walk(obj: DictionaryObject) -> None:
        kids = obj.get("/Kids")
        if kids:
            items = list(kids)
            rng.shuffle(items)
            obj[NameObject("/Kids")] = ArrayObject(items)
            for k in items:
                walk(k.get_object())

    for ref in ed.writer._root_object["/AcroForm"]["/Fields"]:
        walk(ref.get_object())


def move_page(ed: Edition, page_no: int, dy: float = -24.0) -> None:
    """A page's print and widgets shift down (an item added above them pushed everything)."""
    page = ed.writer.pages[page_no - 1]
    content = page.get_contents()
    data = content.get_data() if content is not None else b""
    stream = DecodedStreamObject()
    stream.set_data(b"q 1 0 0 1 0 %.2f cm\n" % dy + data + b"\nQ\n")
    page[NameObject("/Contents")] = ed.writer._add_object(stream)
    for ref in page.get("/Annots", []):
        a = ref.get_object()
        if "/Rect" in a:
            r = [float(x) for x in a["/Rect"]]
            a[NameObject("/Rect")] = ArrayObject(FloatObject(v) for v in (r[0], r[1] + dy, r[2], r[3] + dy))


def remove(ed: Edition, qualified: str) -> None:
    """Remove an item: its widget from the page and from its parent's kids, and its printed label."""
    for name, obj in _terminals(ed.writer):
        if name != qualified:
            continue
        pages = [i for i, page in enumerate(ed.writer.pages) if any(a.get_object() is obj
                                                                    for a in page.get("/Annots", []))]
        ed.labels_gone.append((pages[0] + 1, tuple(float(v) for v in obj["/Rect"])))  # type: ignore[arg-type]
        parent = obj["/Parent"].get_object()
        parent[NameObject("/Kids")] = ArrayObject(k for k in parent["/Kids"] if k.get_object() is not obj)
        for page in ed.writer.pages:
            annots = page.get("/Annots")
            if annots:
                page[NameObject("/Annots")] = ArrayObject(a for a in annots if a.get_object() is not obj)
        ed.removed.append(qualified)
        return
    raise KeyError(qualified)


def add_text_item(ed: Edition, page_no: int, parent_name: str, t: str, rect: tuple[float, float, float, float],
                  label: str, tooltip: str) -> str:
    """Add a text box with its printed label above it (a new question)."""
    page = ed.writer.pages[page_no - 1]
    parent = next(obj for name, obj in _parents(ed.writer) if name == parent_name)
    fonts = page["/Resources"].get_object()["/Font"].get_object()
    font = next(iter(fonts))
    content = page.get_contents()
    data = content.get_data() if content is not None else b""
    stream = DecodedStreamObject()
    text = label.replace("(", "").replace(")", "").encode("latin-1")
    stream.set_data(data + b"\nBT %s 9 Tf %.2f %.2f Td (%s) Tj ET\n" % (font.encode(), rect[0], rect[3] + 3, text))
    page[NameObject("/Contents")] = ed.writer._add_object(stream)
    widget = DictionaryObject({
        NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Widget"),
        NameObject("/FT"): NameObject("/Tx"), NameObject("/T"): TextStringObject(t),
        NameObject("/TU"): TextStringObject(tooltip), NameObject("/F"): NumberObject(4),
        NameObject("/Rect"): ArrayObject(FloatObject(v) for v in rect),
        NameObject("/DA"): TextStringObject("/Helv 0 Tf 0 g"),
        NameObject("/Parent"): parent.indirect_reference, NameObject("/P"): page.indirect_reference,
    })
    ref = ed.writer._add_object(widget)
    parent["/Kids"].append(ref)
    page["/Annots"].append(ref)
    name = f"{parent_name}.{t}"
    ed.added.append(name)
    return name


def print_text(ed: Edition, page_no: int, x: float, y: float, text: str) -> None:
    """Print a run of text on a page (an item number beside a new question, say)."""
    page = ed.writer.pages[page_no - 1]
    fonts = page["/Resources"].get_object()["/Font"].get_object()
    font = "/FfHelv"  # a simple font of its own: the page's fonts may be CID fonts that take two bytes a glyph
    fonts[NameObject(font)] = DictionaryObject({
        NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica"), NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
    })
    content = page.get_contents()
    data = content.get_data() if content is not None else b""
    stream = DecodedStreamObject()
    stream.set_data(data + b"\nBT %s 9 Tf %.2f %.2f Td (%s) Tj ET\n" % (font.encode(), x, y, text.encode("latin-1")))
    page[NameObject("/Contents")] = ed.writer._add_object(stream)


def _parents(writer: PdfWriter) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []

    def walk(obj: DictionaryObject, prefix: str) -> None:
        name = f"{prefix}.{obj['/T']}" if prefix else str(obj.get("/T", ""))
        if obj.get("/Kids"):
            out.append((name, obj))
            for k in obj["/Kids"]:
                walk(k.get_object(), name)

    for ref in writer._root_object["/AcroForm"]["/Fields"]:
        walk(ref.get_object(), "")
    return out
