"""A blank's fields as `Widget`s: name, kind, place, attributes, and the printed text a person reads by each box."""

from __future__ import annotations

from formfill.editions.align import Widget
from formfill.pdf.blank import BlankForm
from formfill.pdf.fields import FieldInfo
from formfill.pdf.words import Rect, text_in

LABEL_REACH = 170.0  # points right of a checkbox, or left of a text box, read as its label
LINE_ABOVE = 12.0  # points above a text box read as its label (USCIS forms print labels over the boxes)
CONTEXT_ABOVE = 26.0  # points above the box read as context (item number, the question's first line)


def label_regions(f: FieldInfo) -> list[Rect]:
    x0, y0, x1, y1 = f.rect
    if f.kind == "check":
        return [(x1 + 1, y0 - 2, x1 + LABEL_REACH, y1 + 2)]
    return [(x0 - 2, y1, x1 + 2, y1 + LINE_ABOVE), (x0 - LABEL_REACH, y0 - 1, x0 - 1, y1 + 1)]


def context_region(f: FieldInfo) -> Rect:
    x0, y0, x1, y1 = f.rect
    return (max(0.0, x0 - 260), y0 - 4, x1, y1 + CONTEXT_ABOVE)


def widgets(blank: BlankForm) -> list[Widget]:
    """Every fillable field of the blank with its printed label and context."""
    regions: dict[str, tuple[int, Rect]] = {}
    chosen = [f for f in blank.fields.values() if f.kind in ("text", "check", "choice")]
    for f in chosen:
        for k, rect in enumerate(label_regions(f)):
            regions[f"{f.name}\0L{k}"] = (f.page, rect)
        regions[f"{f.name}\0C"] = (f.page, context_region(f))
    text = text_in(blank.data, regions, blank.source)
    out: list[Widget] = []
    for f in chosen:
        label = " ".join(text[f"{f.name}\0L{k}"] for k in range(len(label_regions(f)))).strip()
        out.append(Widget(
            name=f.name, kind=f.kind, page=f.page, rect=f.rect, tooltip=f.tooltip, label=label,
            context=text[f"{f.name}\0C"], max_len=f.max_len, comb=f.comb, options=f.options, on_states=f.on_states,
        ))
    return out
