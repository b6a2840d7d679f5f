"""What prints: flatten a copy with pdfium and read the text inside each box's rectangle.

A field's value can be right while the page is wrong (text running past the box edge, an
appearance that draws nothing). pdfium is the renderer Chrome uses; flattening bakes every widget
appearance into the page, and reading text only inside each box's rectangle means characters
clipped at an edge do not count.
"""

from __future__ import annotations

import io
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, cast

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PdfReadError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

from formfill.errors import FitError, FormError, Problem
from formfill.masking import shown
from formfill.pdf import keys
from formfill.pdf.appearance import PADDING
from formfill.pdf.blank import BlankForm, one_line
from formfill.pdf.verify import Verification
from formfill.pdf.writer import FieldValue, IncrementalUpdate, form_xobject

EPSILON = 0.05  # points of rounding allowed in glyph boxes


def flatten(data: bytes) -> bytes:
    """A non-editable copy whose pages look the same: every widget's appearance baked into the page (`baked`),
    and the form dictionary pdfium leaves behind removed, so no viewer offers fields that are no longer there."""
    # pdfium bakes the widgets into the pages but leaves the (now empty) form dictionary behind.
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(baked(data))))
    root = writer.root_object
    if keys.ACRO_FORM in root:
        del root[keys.ACRO_FORM]
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def baked(data: bytes, blank: BlankForm | None = None) -> bytes:
    """The pages as they print, every widget's appearance baked in by pdfium: what the printed check reads. Its
    pages are `flatten`'s; only the now empty form dictionary is still there (removing it means copying the
    whole document with pypdf, which is most of the time a flatten takes), so this is for pdfium's eyes, never
    a file handed to anyone."""
    with baked_pages(data, blank) as pdf:
        buf = io.BytesIO()
        pdf.save(buf)
        return buf.getvalue()


@contextmanager
def baked_pages(data: bytes, blank: BlankForm | None = None) -> Iterator[pdfium.PdfDocument]:
    """`baked`'s pages, open in pdfium without saving them first (the review draws them straight away; saving
    and re-reading the document cost more than flattening it). Draw them with `may_draw_forms=False`: the form
    environment pdfium needed to bake the widgets would otherwise draw form furniture.

    It prints only what the fillable form prints: an empty field without an appearance (the form's
    State lists) first gets an empty one, or pdfium would generate and bake its on-screen look
    (a combo box's dropdown arrow) into the page. Given the prepared `blank` that `data` is a fill of, those
    fields are known from its field index without parsing each one (`_unshown`).
    """
    quick = _unshown(data, blank) if blank is not None else None
    pdf = pdfium.PdfDocument(quick if quick is not None else _empty_appearances(data))
    try:
        pdf.init_forms()
        for i in range(len(pdf)):
            page = pdf[i]
            page.flatten(flag=pdfium_c.FLAT_PRINT)
            page.close()
        yield pdf
    finally:
        pdf.close()


def _empty_appearances(data: bytes) -> bytes:
    """`data` plus an update giving every empty text or choice widget without /AP an empty one."""
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            return data
        upd = IncrementalUpdate(data, reader.trailer)
        acro = cast(DictionaryObject, reader.trailer[keys.ROOT]).get(keys.ACRO_FORM)
        fields = cast(DictionaryObject, acro.get_object()).get(keys.FIELDS, []) if acro is not None else []
        for ref in fields:
            _give_empty_appearance(upd, ref, {})
        return upd.to_bytes() if upd.updates else data
    except (PdfReadError, FitError, ValueError, KeyError, TypeError, AttributeError):
        return data  # pdfium opens what it can; the printed check then judges the result


def _unshown(data: bytes, blank: BlankForm) -> bytes | None:
    """`data` plus an update leaving off the pages the widgets `_empty_appearances` would give an empty appearance,
    found in `blank`'s field index; None when `data` is not simply a fill of `blank` (then every field is walked).

    Applies only to a prepared blank (its index is formfill's own) that `data` extends with updates changing
    nothing of the blank but terminal fields: only those are read from `data`, and they are walked as
    `_empty_appearances` walks them. A widget on no page prints nothing, as one with an empty appearance.
    """
    try:
        if blank.prepared_sha256 is None or not data.startswith(blank.data):
            return None
        reader = PdfReader(io.BytesIO(data), strict=True)  # the prepared blank and an update: anything odd falls back
        if reader.is_encrypted or reader.xref_objStm:
            return None
        size = int(cast(int, blank.reader.trailer[keys.SIZE]))
        by_id = {info.ref.idnum: info for info in blank.fields.values()}
        changed = {idnum for table in reader.xref.values() for idnum, offset in table.items()
                   if offset >= len(blank.data) and idnum < size}
        if not changed <= set(by_id) or len(reader.pages) != blank.page_count:
            return None
        upd = IncrementalUpdate(data, reader.trailer)
        for idnum in sorted(changed):
            info = by_id[idnum]
            kind = {"text": keys.TEXT, "choice": keys.CHOICE}.get(info.kind)
            _give_empty_appearance(upd, IndirectObject(idnum, info.ref.generation, reader),
                                   {keys.FT: NameObject(kind)} if kind else {})
        hidden = {info.ref.idnum for info in blank.fields.values()
                  if info.kind in ("text", "choice") and not info.appearance and info.ref.idnum not in changed
                  and (info.value is None or not info.value)}
        for page in reader.pages:
            raw = page.raw_get(keys.ANNOTS) if keys.ANNOTS in page else None
            annots = raw.get_object() if raw is not None else None
            if not isinstance(annots, ArrayObject) or page.indirect_reference is None:
                continue
            kept = ArrayObject(a for a in annots if not (isinstance(a, IndirectObject) and a.idnum in hidden))
            if len(kept) == len(annots):
                continue
            if isinstance(raw, IndirectObject):
                upd.replace(raw, kept)
            else:
                page_dict = DictionaryObject(page)
                page_dict[NameObject(keys.ANNOTS)] = kept
                upd.replace(page.indirect_reference, page_dict)
        return upd.to_bytes() if upd.updates else data
    except (PdfReadError, FitError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _give_empty_appearance(upd: IncrementalUpdate, ref: Any, inherited: dict[str, Any]) -> None:
    obj = ref.get_object()
    if not isinstance(obj, DictionaryObject):
        return
    inh = {**inherited, **{k: obj[k] for k in (keys.FT, keys.V) if k in obj}}
    kids = obj.get(keys.KIDS)
    if kids:
        for kid in cast(ArrayObject, kids):
            _give_empty_appearance(upd, kid, inh)
        return
    value = inh.get(keys.V)
    empty = value is None or (isinstance(value, str | bytes | ArrayObject) and not value)
    if (keys.AP in obj or inh.get(keys.FT) not in (keys.TEXT, keys.CHOICE) or not empty
            or not isinstance(ref, IndirectObject)):
        return
    x0, y0, x1, y1 = (float(v) for v in cast(ArrayObject, obj.get(keys.RECT, [0, 0, 0, 0])))
    stream = form_xobject(b"/Tx BMC\nEMC", abs(x1 - x0), abs(y1 - y0), DictionaryObject())
    widget = DictionaryObject(obj)
    widget[NameObject(keys.AP)] = DictionaryObject({NameObject(keys.N): upd.add(stream)})
    upd.replace(ref, widget)


@dataclass(frozen=True)
class _Char:
    text: str
    box: tuple[float, float, float, float]

    @property
    def center(self) -> tuple[float, float]:
        return (self.box[0] + self.box[2]) / 2, (self.box[1] + self.box[3]) / 2


def _page_chars(pdf: pdfium.PdfDocument, page_no: int) -> list[_Char]:
    page = pdf[page_no - 1]
    textpage = page.get_textpage()
    try:
        return [_Char(textpage.get_text_range(i, 1), textpage.get_charbox(i)) for i in range(textpage.count_chars())]
    finally:
        textpage.close()
        page.close()


def _inside(point: tuple[float, float], rect: tuple[float, float, float, float]) -> bool:
    return rect[0] <= point[0] <= rect[2] and rect[1] <= point[1] <= rect[3]


def printed_problems(flat: bytes, blank: BlankForm, values: Sequence[FieldValue],
                     skip: Collection[str] = frozenset()) -> list[Problem]:
    """Every value is drawn whole inside its own box; boxes with nothing planned (signatures) stay empty.
    `skip`: fields not checked (the form's identification fields, which print the publisher's code).

    A character counts for a box when its centre is in the box; it must then lie entirely within the
    appearance's clip (the box inset by half the padding), so a glyph cut at an edge is a problem.
    """
    problems: list[Problem] = []
    try:
        pdf = pdfium.PdfDocument(flat)
    except pdfium.PdfiumError as err:
        return [Problem("", f"the flattened copy cannot be opened by pdfium ({err})", "printed")]
    planned = {p.field: p for p in values if p.kind != "check"}
    try:
        chars: dict[int, list[_Char]] = {}
        for name, info in blank.fields.items():
            if info.kind not in ("text", "choice") or name in skip or info.page < 1:
                continue
            if info.page not in chars:
                chars[info.page] = _page_chars(pdf, info.page)
            x0, y0, x1, y1 = info.rect
            clip = (x0 + PADDING / 2 - EPSILON, y0 + PADDING / 2 - EPSILON,
                    x1 - PADDING / 2 + EPSILON, y1 - PADDING / 2 + EPSILON)
            mine = [c for c in chars[info.page] if c.text.strip() and _inside(c.center, info.rect)]
            got = "".join(c.text for c in mine)
            p = planned.get(name)
            if p is None:
                if got:
                    problems.append(Problem(name, f"text is printed in a box nothing was planned for on page "
                                                  f"{info.page} [{name}]", "printed"))
                continue
            source = p.source
            want = "".join("".join(p.layout.lines).split())
            if got != want:
                problems.append(Problem(source, f"prints {shown(source, got)} inside its box on page {info.page}, "
                                                f"not {shown(source, want)} [{name}]", "printed"))
            elif any(not (_inside(c.box[:2], clip) and _inside(c.box[2:], clip)) for c in mine):
                problems.append(Problem(source, f"is cut off at the edge of its box on page {info.page} [{name}]",
                                        "printed"))
    finally:
        pdf.close()
    return problems


def _baked_guarded(data: bytes, blank: BlankForm | None = None) -> bytes:
    """baked() for a file formfill may not have written (`verify --printed`): pdfium failing is an unreadable input.

    By the time pdfium sees a file, load_blank has parsed it with pypdf within the size and nesting
    bounds and decoded every stream of it within the decompression bounds, filter by filter, so what
    remains here is pdfium refusing the file: one line, exit 2.
    """
    try:
        return baked(data, blank)
    except MemoryError:
        raise FormError("the PDF could not be flattened by pdfium: it needs too much memory") from None
    except Exception as err:  # pdfium and pypdf raise their own types for a damaged file
        raise FormError(f"the PDF could not be flattened by pdfium ({one_line(err)})") from None


def verify_printed(
    data: bytes, blank: BlankForm, values: Sequence[FieldValue], result: Verification, *, flat: bytes | None = None,
    skip: Collection[str] = frozenset(),
) -> Verification:
    """Add the printed-page check to a field-level verification."""
    problems = printed_problems(flat if flat is not None else _baked_guarded(data, blank), blank, values, skip)
    result.problems.extend(problems)
    result.ok = result.ok and not problems
    result.printed_checked = True
    return result
