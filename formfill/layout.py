"""The layout step: decide for every value whether it fits its box, and route what does not to Part 13.

The form's own instruction is: if you need extra space, use Part 13 (page, part and item number,
then the text), and attach more sheets with your name and A-Number at the top when Part 13 is full.
Our style, applied the same way everywhere:

- a multiline box keeps the words that fit and ends with `[continued in Part 13]`; Part 13 carries
  the rest, starting with `[continued]`;
- a single-line box shows `[see Part 13]` (or `[P13]` where that does not fit) and Part 13 carries
  the whole value;
- list rows the form has no room for (a fourth other name) go to Part 13 as `Other name 4: ...`;
- Part 13's five blocks fill in form order; a long entry continues in the next block under the same
  page, part and item, starting `[continued]`; what remains goes on continuation sheets appended to
  the PDF (`sheets`: name and A-Number on top, a heading per entry, signature and date lines);
- Part 13's own header (the name on page 14) never points to Part 13: a name too long for it is
  shortened there (`_shorten`) and printed in full for Part 2 and on the sheets.

Every word of every value is printed exactly once: in its box, in Part 13, or on a sheet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from formfill.errors import FitError, Problem
from formfill.fieldmap import Assignment, Entry, FieldMap
from formfill.formpackage import Overflow, OverflowMarkers
from formfill.pdf.appearance import Layout, layout_text, max_lines, wrap
from formfill.pdf.blank import BlankForm
from formfill.pdf.writer import SHEET_FOOTER, FieldValue, font_for, sheet_body_rows
from formfill.rules import lookup

SHEET_WIDTH = 85  # characters per line on a continuation sheet (Courier 10 pt, 0.5 in margins)


@dataclass(frozen=True)
class Placed:
    """A value of the map and the lines it is drawn as (what the verifier expects to read back)."""

    assignment: Assignment
    layout: Layout

    def field_value(self) -> FieldValue:
        """What formfill.pdf writes and reads back: the field, its kind, the value, the lines, the profile path."""
        a = self.assignment
        return FieldValue(a.field, a.kind, a.value, self.layout, a.entry.source)


@dataclass(frozen=True)
class Continued:
    """One answer, or the rest of one, printed in Part 13 or on a continuation sheet."""

    page: int
    part: str
    item: str
    text: str
    source: str


@dataclass
class Plan:
    """Everything one fill writes: field values (Part 13 blocks included) and continuation sheets."""

    placed: list[Placed]
    continued: list[Continued] = field(default_factory=list)
    sheet_entries: list[Continued] = field(default_factory=list)
    header: list[tuple[str, str]] = field(default_factory=list)  # (profile path, line) atop every sheet
    notes: list[str] = field(default_factory=list)
    markers: OverflowMarkers | None = None  # the form's overflow markers (its package's spec)
    sheet_title: str = ""  # `... continuation sheet {n} of {total}`
    footer: tuple[str, ...] = SHEET_FOOTER  # the signature and date lines ending every sheet (the package's spec)

    def field_values(self) -> list[FieldValue]:
        """Every value to write, as formfill.pdf takes them (plain field data, no map types)."""
        return [p.field_value() for p in self.placed]


def plan(blank: BlankForm, fmap: FieldMap, assignments: list[Assignment], data: dict[str, Any]) -> Plan:
    """Lay out every value; anything that would be cut off moves to the overflow part (Part 13) instead."""
    placed: list[Placed] = []
    continued: list[Continued] = []
    problems: list[Problem] = []
    notes: list[str] = []
    pitch = fmap.ruled_line_pitch
    overflow = fmap.package.spec.overflow
    marks = overflow.markers
    named = f"Part {overflow.part}"
    info13 = fmap.additional_information
    part13 = (int(info13.get("page", 0)), str(info13.get("part", "")))
    for a in assignments:
        info = blank.fields[a.field]
        if a.kind == "check":
            placed.append(Placed(a, Layout((), 0, True)))
            continue
        font = font_for(blank, info)
        if not info.multiline and "\n" in a.value:
            # The stored value must equal the one line drawn, or a viewer that redraws the field differs.
            a = Assignment(a.entry, " ".join(a.value.split()))
        layout = layout_text(a.value, info, font, pitch)
        if layout.fits:
            placed.append(Placed(a, layout))
            continue
        e = a.entry
        if (e.page, e.part) == part13:  # the overflow part's own header (name, A-Number) never points to itself
            short = _shorten(a.value, info, font, pitch)
            if short is None:
                problems.append(Problem(e.source, f"does not fit {named}'s header (Page {e.page}, Item {e.item})",
                                        "too_long"))
                continue
            placed.append(Placed(Assignment(e, short), layout_text(short, info, font, pitch)))
            first = next((f"Part {x.part}" for x in fmap.entries if x.source == e.source and x.part != e.part),
                         "its own box")
            notes.append(f"{e.source}: shortened to {short!r} in {named}'s header on page {e.page} (a smaller box than "
                         f"{first}'s); the full name prints for {first} and on any continuation sheet")
            continue
        if info.multiline:
            box_text, rest = _split(a.value, info, font, pitch, marks)
        else:
            box_text, rest = _pointer(info, font, pitch, marks), a.value
        if box_text is None:
            problems.append(
                Problem(
                    e.source,
                    f"does not fit its box (Page {e.page}, Part {e.part}, Item {e.item}) "
                    f"and the box is too small to point to {named}",
                    "too_long",
                )
            )
            continue
        box = Assignment(e, box_text)
        placed.append(Placed(box, layout_text(box_text, info, font, pitch)))
        if not info.multiline and e.label:
            rest = f"{e.label}: {rest}"
        continued.append(Continued(e.page, e.part, e.item, rest, e.source))
    continued.extend(_extra_rows(fmap, data))
    if problems:
        raise FitError("Some answers cannot be placed on the form", problems)
    continued.sort(key=_form_order)  # stable: keeps map order within an item
    header = _header(data, overflow)
    sheet_entries = _fill_blocks(blank, fmap, continued, placed, pitch) if continued else []
    title = overflow.sheet_title.replace("{form}", fmap.form).replace("{part}", overflow.part)
    return Plan(placed, continued, sheet_entries, header, notes, marks, title, overflow.sheet_footer)


def _natural(text: str) -> tuple[tuple[int, str], ...]:
    return tuple((int(t), "") if t.isdigit() else (0, t) for t in re.findall(r"\d+|[A-Za-z]+", text))


def _form_order(c: Continued) -> tuple[Any, ...]:
    return (c.page, _natural(c.part), _natural(c.item))


def _pointer(info: Any, font: Any, pitch: float | None, marks: OverflowMarkers) -> str | None:
    for pointer in marks.pointers:
        if layout_text(pointer, info, font, pitch).fits:
            return pointer
    return None


def _shorten(value: str, info: Any, font: Any, pitch: float | None) -> str | None:
    """A name shortened for Part 13's header: whole words while they fit, then initials of the rest.

    The form states no convention; ours keeps the leading words a reader files the name under and
    marks the rest by initial (GARCIA LOPEZ DE LA TORRE MONTES -> GARCIA LOPEZ DE LA TORRE M). The
    header only identifies the page, together with the A-Number; the name prints in full in Part 2
    and on every continuation sheet, and Part 13 never refers to itself.
    """
    words = value.split()
    kept: list[str] = []
    for n, word in enumerate(words):
        if not layout_text(" ".join([*kept, word]), info, font, pitch).fits:
            for rest in words[n:]:
                if not layout_text(" ".join([*kept, rest[0]]), info, font, pitch).fits:
                    break
                kept.append(rest[0])
            break
        kept.append(word)
    return " ".join(kept) or None


def _split(value: str, info: Any, font: Any, pitch: float | None,
           marks: OverflowMarkers) -> tuple[str | None, str]:
    """The longest run of whole words that fits with the continuation mark, and the rest."""
    continued_mark, continuation_prefix = marks.continued_in, marks.continuation
    words = value.split()
    best = 0
    lo, hi = 0, len(words)
    while lo <= hi:  # binary search: more words never fit better than fewer
        mid = (lo + hi) // 2
        candidate = " ".join([*words[:mid], continued_mark])
        if layout_text(candidate, info, font, pitch).fits:
            best, lo = mid, mid + 1
        else:
            hi = mid - 1
    if best == 0 and not layout_text(continued_mark, info, font, pitch).fits:
        return None, value
    box = " ".join([*words[:best], continued_mark])
    rest = " ".join(words[best:])
    return box, (f"{continuation_prefix} {rest}" if best else rest)


def _extra_rows(fmap: FieldMap, data: dict[str, Any]) -> list[Continued]:
    """List items beyond the rows the form prints (a fourth other name)."""
    out: list[Continued] = []
    for spec in fmap.overflow_rows:
        items = lookup(data, spec["source"]) or []
        for n, item in enumerate(items[spec["rows"] :], start=spec["rows"] + 1):
            parts = [f"{label}: {item[key]}" for key, label in spec["fields"].items() if item.get(key)]
            out.append(
                Continued(
                    spec["page"],
                    spec["part"],
                    spec["item"],
                    f"{spec['label']} {n}: " + ", ".join(parts),
                    f"{spec['source']}[{n - 1}]",
                )
            )
    return out


def _header(data: dict[str, Any], overflow: Overflow) -> list[tuple[str, str]]:
    """The lines atop every continuation sheet, as the form's package lists them (name and A-Number)."""
    out: list[tuple[str, str]] = []
    for line in overflow.sheet_header:
        value = lookup(data, line.path)
        shown = f"{line.prefix}{value}" if value not in (None, "") else line.absent
        out.append((line.path, f"{line.label}: {shown}"))
    return out


def _fill_blocks(
    blank: BlankForm, fmap: FieldMap, continued: list[Continued], placed: list[Placed], pitch: float | None
) -> list[Continued]:
    """Put entries into the overflow part's blocks; return what did not fit, for continuation sheets."""
    blocks = list(fmap.additional_information.get("blocks", []))
    part13_page = int(fmap.additional_information.get("page", 0))
    part13 = str(fmap.additional_information.get("part", ""))
    prefix = fmap.package.spec.overflow.markers.continuation
    queue = list(continued)
    while queue and blocks:
        entry = queue.pop(0)
        text_field = blank.fields[blocks[0]["text"]]
        font = font_for(blank, text_field)
        lines = wrap(entry.text, text_field.width - 4, text_field.font_size or 10, font, break_words=True) or [""]
        per_block = max_lines(text_field, pitch)
        chunk, rest = lines[:per_block], lines[per_block:]
        block = blocks.pop(0)
        for key, value in (
            ("page", str(entry.page)),
            ("part", entry.part),
            ("item", entry.item),
            ("text", "\n".join(chunk)),
        ):
            e = Entry(field=block[key], kind="text", source=entry.source, page=part13_page, part=part13, item=key)
            info = blank.fields[block[key]]
            layout = layout_text(value, info, font_for(blank, info), pitch)
            if not layout.fits:
                raise FitError(f"Part {part13} cannot hold this entry",
                               [Problem(entry.source, f"its Part {part13} {key} does not fit its box")])
            placed.append(Placed(Assignment(e, value), layout))
        if rest:  # the next block (or a continuation sheet) goes on under the same page, part and item
            queue.insert(0, replace(entry, text=" ".join([prefix, *rest])))
    return queue


@dataclass(frozen=True)
class SheetBlock:
    """One entry (or the part of it) on one continuation sheet: where a reader, or a review page, finds it."""

    sheet: int  # 1-based
    row: int  # text row of its heading on the sheet: 0 is the title (writer.sheet_row_y gives the baseline)
    lines: tuple[str, ...]  # the heading (page, part, item), then the text
    entry: Continued


def sheets(plan: Plan) -> list[tuple[list[str], list[str]]]:
    """Continuation sheets as (header, body lines), laid out as Part 13's instruction asks.

    Each sheet carries the applicant's full name and A-Number at the top, the page, part and item
    above every entry (repeated, with `[continued]`, when an entry runs onto the next sheet), and a
    signature line and a date line at the bottom for the handwritten signature (the body's last
    lines are the plan's `footer`, from the form's package).
    """
    header_rows, pages = _paginate(plan)
    out = []
    for n, blocks in enumerate(pages, start=1):
        body: list[str] = []
        for block in blocks:
            body += [""] * (block.row - header_rows - 1 - len(body)) + list(block.lines)
        out.append((_sheet_header(plan, n, len(pages)), [*body, *plan.footer]))
    return out


def sheet_blocks(plan: Plan) -> list[SheetBlock]:
    """Every block of every continuation sheet, in order (the layout `sheets` prints)."""
    return [block for blocks in _paginate(plan)[1] for block in blocks]


def _paginate(plan: Plan) -> tuple[int, list[list[SheetBlock]]]:
    """The header's height in rows, and each sheet's blocks; a blank row separates two entries."""
    header_rows = len(_sheet_header(plan, 1, 1))
    rows = sheet_body_rows(header_rows)
    if plan.sheet_entries and rows < 3:  # a heading and a line of text must fit below the header, or no sheet ends
        raise FitError("The continuation sheet header (name and A-Number) leaves no room for text",
                       [Problem(_longest_header_path(plan), "too long for the continuation sheet header", "too_long")])
    first_row = header_rows + 1  # the header, then a blank row
    pages: list[list[SheetBlock]] = []
    page: list[SheetBlock] = []
    used = 0
    for entry in plan.sheet_entries:
        heading = f"Page Number: {entry.page}   Part Number: {entry.part}   Item Number: {entry.item}"
        lines = _wrap_plain(entry.text, SHEET_WIDTH)
        while lines:
            if page and rows - used < 3:  # a blank line, the heading and one line of text
                pages.append(page)
                page, used = [], 0
            if page:
                used += 1
            room = rows - used - 1
            block = SheetBlock(len(pages) + 1, first_row + used, (heading, *lines[:room]), entry)
            page.append(block)
            used += len(block.lines)
            lines = _mark_continued(lines[room:], plan.markers.continuation if plan.markers else "")
            if lines:
                pages.append(page)
                page, used = [], 0
    if page:
        pages.append(page)
    return header_rows, pages


def _mark_continued(lines: list[str], prefix: str) -> list[str]:
    """The rest of an entry that runs onto the next sheet, starting with the `[continued]` marker."""
    if not lines or not prefix:
        return lines
    first = f"{prefix} {lines[0]}"
    return [first, *lines[1:]] if len(first) <= SHEET_WIDTH else [prefix, *lines]


def _sheet_header(plan: Plan, n: int, total: int) -> list[str]:
    """The title, then the applicant's name (in full: it may be shortened in the overflow part's own header)
    and A-Number, as the form's package lists them."""
    title = plan.sheet_title.replace("{n}", str(n)).replace("{total}", str(total))
    lines = [title, *(line for _, line in plan.header)]
    return [wrapped for line in lines for wrapped in _wrap_plain(line, SHEET_WIDTH)]


def _longest_header_path(plan: Plan) -> str:
    """The profile path of the header line taking the most rows (the one to shorten)."""
    if not plan.header:
        return ""
    path, _ = max(plan.header, key=lambda h: len(_wrap_plain(h[1], SHEET_WIDTH)))
    return path


def _wrap_plain(text: str, width: int) -> list[str]:
    out: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split():
            while len(word) > width:
                if line:
                    out.append(line)
                    line = ""
                out.append(word[:width])
                word = word[width:]
            candidate = f"{line} {word}" if line else word
            if len(candidate) <= width:
                line = candidate
            else:
                out.append(line)
                line = word
        out.append(line)
    return out
