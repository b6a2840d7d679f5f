"""What prints: flatten a copy with pdfium and read the text inside each box's rectangle.

A field's value can be right while the page is wrong (text running past the box edge, an
appearance that draws nothing). pdfium is the renderer Chrome uses; flattening bakes every widget
appearance into the page, and reading text only inside each box's rectangle means characters
clipped at an edge do not count.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pypdf import PdfReader, PdfWriter

from formfill.errors import Problem, shown
from formfill.pdf.blank import BlankForm
from formfill.pdf.verify import Verification

if TYPE_CHECKING:
    from formfill.layout import Plan

INSET = 0.5  # points: read slightly inside the box so a neighbour's touching edge never counts


def flatten(data: bytes) -> bytes:
    """A non-editable copy whose pages look the same: every widget's appearance baked into the page."""
    pdf = pdfium.PdfDocument(data)
    try:
        pdf.init_forms()
        for i in range(len(pdf)):
            page = pdf[i]
            page.flatten(flag=pdfium_c.FLAT_PRINT)
            page.close()
        buf = io.BytesIO()
        pdf.save(buf)
    finally:
        pdf.close()
    # pdfium bakes the widgets into the pages but leaves the (now empty) form dictionary behind.
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(buf.getvalue())))
    root = writer._root_object
    if "/AcroForm" in root:
        del root["/AcroForm"]
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def printed_problems(flat: bytes, blank: BlankForm, plan: Plan) -> list[Problem]:
    """Every text value must be fully visible inside its own box on the flattened page."""
    problems: list[Problem] = []
    pdf = pdfium.PdfDocument(flat)
    try:
        textpages: dict[int, pdfium.PdfTextPage] = {}
        for p in plan.placed:
            a = p.assignment
            if a.kind == "check":
                continue
            info = blank.fields[a.field]
            if info.page not in textpages:
                textpages[info.page] = pdf[info.page - 1].get_textpage()
            x0, y0, x1, y1 = info.rect
            got = textpages[info.page].get_text_bounded(x0 + INSET, y0 + INSET, x1 - INSET, y1 - INSET)
            if info.comb:
                ok = "".join(got.split()) == "".join(a.value.split())
            else:
                ok = " ".join(got.split()) == " ".join(" ".join(p.layout.lines).split())
            if not ok:
                problems.append(
                    Problem(
                        a.entry.source,
                        f"prints {shown(a.entry.source, ' '.join(got.split()))} inside its box on page "
                        f"{info.page}, not {shown(a.entry.source, a.value)} [{a.field}]",
                        "printed",
                    )
                )
        for tp in textpages.values():
            tp.close()
    finally:
        pdf.close()
    return problems


def verify_printed(
    data: bytes, blank: BlankForm, plan: Plan, result: Verification, *, flat: bytes | None = None
) -> Verification:
    """Add the printed-page check to a field-level verification."""
    problems = printed_problems(flat if flat is not None else flatten(data), blank, plan)
    result.problems.extend(problems)
    result.ok = result.ok and not problems
    result.printed_checked = True
    return result
