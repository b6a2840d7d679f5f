"""The printed items of a blank (`Part 2.`, `1.`, `2.a.`, `A.`, `(1)`) and which of them a package fills.

A person checks a package item by item, not box by box: an item the map forgets is an unanswered question
on the filed form. The items are read from the print (the runs of text and where they sit), numbered the way
the maps number them (`5.A`, `6.B.1`, `2.a`), and each box of the blank is given to the item it is printed
under. An item is covered when a box under it (or under one of its sub-items) is mapped, when a map entry
names it, or when the package declares it unfilled on purpose (`unfilled_items`, with why).

Every step is a small pure function over plain data (runs of text, rectangles, the map as JSON).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from formfill.pdf.words import Rect, Run

PART = re.compile(r"^Part (\d+)\. \S")  # a part heading: `Part 4. Processing Information`
NUMBER = re.compile(r"^(\d{1,2})\.(?:([a-z])\.)?$")  # `1.`, `26.`, `2.a.`
LETTER = re.compile(r"^([A-Z])\.$")  # `A.` under a numbered item
SUB = re.compile(r"^\((\d{1,2})\)$")  # `(1)` under a lettered item
MARGIN = 8.0  # points from the page's left text edge within which a part heading starts
GAP = 12.0  # an item number stands apart: no run ends closer than this to its left on its line
ROW = 3.0  # points of height within which marks are on one row


@dataclass(frozen=True)
class Mark:
    """A printed part heading or item number, where it is printed."""

    page: int
    text: str
    rect: Rect
    part: bool = False  # a part heading, not an item number


@dataclass(frozen=True)
class Item:
    part: str
    item: str  # as the maps write it: `5.A`, `6.B.1`, `2.a`
    page: int
    rect: Rect

    @property
    def where(self) -> str:
        return f"Part {self.part}, Item {self.item}"


def left_edge(runs: Sequence[Run]) -> float:
    return min((r[0] for _, r in runs), default=0.0)


def same_line(a: Rect, b: Rect) -> bool:
    overlap = min(a[3], b[3]) - max(a[1], b[1])
    return overlap > 0.5 * min(a[3] - a[1], b[3] - b[1])


def stands_apart(rect: Rect, runs: Sequence[Run]) -> bool:
    """No run of its line ends just left of it (`Item Numbers 4. 5.` is a reference, not an item)."""
    return not any(same_line(rect, r) and r[2] <= rect[0] + 1 and rect[0] - r[2] < GAP for _, r in runs)


def marks_of_page(page: int, runs: Sequence[Run]) -> list[Mark]:
    """The part headings at the left edge and the item numbers that stand apart, in reading order."""
    edge = left_edge(runs)
    out: list[Mark] = []
    for text, rect in runs:
        if PART.match(text) and rect[0] <= edge + MARGIN:
            out.append(Mark(page, text, rect, part=True))
        elif (NUMBER.match(text) or LETTER.match(text) or SUB.match(text)) and stands_apart(rect, runs):
            out.append(Mark(page, text, rect))
    return reading_order(out)


def rows(marks: Iterable[Mark]) -> list[list[Mark]]:
    """Marks grouped into rows, top to bottom, each row left to right."""
    out: list[list[Mark]] = []
    for m in sorted(marks, key=lambda m: -m.rect[3]):
        if out and abs(out[-1][0].rect[3] - m.rect[3]) <= ROW:
            out[-1].append(m)
        else:
            out.append([m])
    return [sorted(row, key=lambda m: m.rect[0]) for row in out]


def reading_order(marks: Iterable[Mark]) -> list[Mark]:
    return [m for row in rows(marks) for m in row]


def number(marks: Iterable[Mark]) -> list[Item]:
    """Each item number as its full number under the part, the numbered item and the letter above it."""
    out: list[Item] = []
    part = top = letter = ""
    for m in marks:
        if m.part:
            found = PART.match(m.text)
            if found and found.group(1) != part:  # `Part 1. ... (continued)` keeps the numbering going
                part, top, letter = found.group(1), "", ""
            continue
        if not part:
            continue
        if n := NUMBER.match(m.text):
            top, letter = n.group(1), ""
            item = f"{top}.{n.group(2)}" if n.group(2) else top
        elif (a := LETTER.match(m.text)) and top:
            letter = a.group(1)
            item = f"{top}.{letter}"
        elif (s := SUB.match(m.text)) and top and letter:
            item = f"{top}.{letter}.{s.group(1)}"
        else:
            continue
        out.append(Item(part, item, m.page, m.rect))
    return out


def printed_items(pages: Sequence[Sequence[Run]]) -> list[Item]:
    """Every printed item of a blank, in reading order, from its pages' runs."""
    return number(m for i, runs in enumerate(pages, start=1) for m in marks_of_page(i, runs))


def owner(page: int, rect: Rect, items: Sequence[Item]) -> Item | None:
    """The item a box is printed under: the nearest row of items above it (or level with it), the one of that
    row left of the box; a box above every item of its page belongs to the last item of an earlier page."""
    centre = (rect[1] + rect[3]) / 2
    above = [it for it in items if it.page == page and it.rect[3] + 4 >= centre]
    if not above:
        earlier = [it for it in items if it.page < page]
        return earlier[-1] if earlier else None
    nearest = min(it.rect[3] for it in above)
    row = [it for it in above if abs(it.rect[3] - nearest) <= ROW]
    left = [it for it in row if it.rect[0] <= rect[0] + 10]
    return max(left, key=lambda it: it.rect[0]) if left else min(row, key=lambda it: it.rect[0])


def key(part: str, item: str) -> tuple[str, str]:
    """An item compared the way a person reads it: `5.a` is `5.A`, `6.B.(1)` is `6.B.1`."""
    return str(part).strip().upper(), re.sub(r"[()\s]", "", str(item)).strip(".").upper()


def under(item: tuple[str, str], other: tuple[str, str]) -> bool:
    """`other` is `item` or one of its sub-items."""
    return item[0] == other[0] and (other[1] == item[1] or other[1].startswith(item[1] + "."))


def mapped_fields(fmap: dict[str, Any]) -> set[str]:
    """The boxes a package fills: its entries, signatures and overflow blocks."""
    out = {str(e["field"]) for e in fmap.get("fields", [])}
    for s in fmap.get("signatures", []):
        out |= {str(s[k]) for k in ("field", "date_field") if s.get(k)}
    for b in fmap.get("additional_information", {}).get("blocks", []):
        out |= {str(v) for v in b.values()}
    return out


def named_items(fmap: dict[str, Any]) -> set[tuple[str, str]]:
    """The (part, item) every entry and signature of the map says it fills."""
    named = [*fmap.get("fields", []), *fmap.get("signatures", [])]
    return {key(e["part"], e["item"]) for e in named if "part" in e and "item" in e}


def declared(fmap: dict[str, Any]) -> set[tuple[str, str]]:
    """The items the package leaves unfilled on purpose (`unfilled_items`)."""
    return {key(d["part"], d["item"]) for d in fmap.get("unfilled_items", [])
            if isinstance(d, dict) and "part" in d and "item" in d}


def uncovered(items: Sequence[Item], boxes: Iterable[tuple[str, int, Rect]], fmap: dict[str, Any]) -> list[Item]:
    """The printed items with no mapped box under them, named by no entry and not declared unfilled."""
    filled = mapped_fields(fmap)
    covered = set(named_items(fmap))
    for name, page, rect in boxes:
        it = owner(page, rect, items) if name in filled else None
        if it is not None:
            covered.add(key(it.part, it.item))
    skipped = declared(fmap)
    out: list[Item] = []
    for it in items:
        k = key(it.part, it.item)
        if any(under(k, c) for c in covered) or any(under(d, k) for d in skipped):
            continue
        out.append(it)
    return out


def stale_declarations(items: Sequence[Item], fmap: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    """(index, declaration) of each `unfilled_items` entry naming an item the blank does not print (renumbered
    or removed since)."""
    printed = {key(it.part, it.item) for it in items}
    return [(i, d) for i, d in enumerate(fmap.get("unfilled_items", []))
            if key(d.get("part", ""), d.get("item", "")) not in printed]
