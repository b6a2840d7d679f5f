"""A review page for one filing: every answer shown on the form itself, and what still needs a human.

Reviewers would rather look than read. `review()` renders every page of the filled form with pdfium,
outlines and numbers every box the fill wrote (taken from the fill's own plan, so an outline is never a
guess), lists each box with its Part and item, the form's question, the answer as printed and the
profile path it came from, cross-references Part 13 and the continuation sheets, and lists what the
fill cannot do: signatures, sheets to sign, items left unanswered, items the form skips, name notes.

`Review.to_html()` is one self-contained file (images as data: URIs, no scripts, prints from a
browser); `Review.to_dict()` is the same review as data. `redact=True` masks every SSN and A-Number to
its last 4 digits in the text and paints over the digits on the page images before they are encoded: the
profile's own identifiers in any spelling, and any other found by content (formfill.masking).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import math
import os
import re
import typing
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
from PIL import Image, ImageDraw
from pydantic import BaseModel

from formfill import api, layout
from formfill import plan as fill_plan
from formfill.errors import Problem, VerificationError
from formfill.fieldmap import Entry, FieldMap, matches
from formfill.fieldmap import skipped_items as fieldmap_skipped_items
from formfill.files import read_bounded
from formfill.formpackage import package_for
from formfill.forms import find_blank, open_blank
from formfill.layout import Continued, Plan
from formfill.loading import LoadedProfile, ProfileSource, load_profile
from formfill.masking import hidden, known_identifiers, mask_text, mask_tree, masked_name
from formfill.pdf.blank import MAX_BLANK_BYTES, BlankForm
from formfill.pdf.printed import baked_pages
from formfill.pdf.writer import SHEET_FONT_SIZE, SHEET_MARGIN, SHEET_SIZE, sheet_row_y
from formfill.plan import FillPlan
from formfill.review_data import Box, CrossReference, Page, Photo, Rect, ReviewData, Todo
from formfill.review_html import html_page
from formfill.rules import lookup
from formfill.signing import SignatureBox, plan_boxes

DPI = 120  # reads well on screen and in print; a 14-page form stays under ~1.5 MB of PNG
MAX_PAGE_PIXELS = 6_000_000  # a letter page at 240 DPI; bounds the memory and time of one page image
PAINT = 40  # grey level of the bars painted over masked digits (uniform, so a test can prove nothing shows)


@dataclass
class Review(ReviewData):
    """Everything the review page shows. Strings are already masked when `redacted`."""

    def to_html(self) -> str:
        return html_page(self)


# --- building a review ---------------------------------------------------------------------------


def review(
    profile: ProfileSource,
    *,
    filled: str | os.PathLike[str] | bytes | None = None,
    form: str | os.PathLike[str] | BlankForm | None = None,
    check_package: bool = False,
    filing_date: dt.date | None = None,
    attachments_root: str | os.PathLike[str] | None = None,
    redact: bool = False,
    dpi: int = DPI,
) -> Review:
    """Review one filing: fill the profile (verified, in memory), or review `filled` after verifying it.

    A filled PDF that does not verify against the profile is refused (VerificationError): a review of a
    file that is not what the profile says would mislead the reviewer. The edition's acceptance dates apply on
    `filing_date` (default today) as they do for fill: a profile is not filled on an edition USCIS no longer
    accepts (PackageError), and any other date outside them is the review's `acceptance` warning.
    """
    loaded = load_profile(profile)
    if filled is not None:
        data, name = _read_filled(filled)
        verification, made = api.verify_planned(data, loaded, name=name)
        if not verification.ok:
            problems = verification.problems
            if len(problems) > 10:
                problems = [*problems[:10], Problem("", f"... and {len(problems) - 10} more")]
            raise VerificationError(f"{name} does not match the profile {loaded.source}; refusing to review it",
                                    problems)
        blank = made.blank  # the filled file, opened once and verified above
        filled_name: str | None = name
    else:
        blank = form if isinstance(form, BlankForm) else open_blank(
            find_blank(None if form is None else Path(form), form_number=str(loaded.profile.form)))
        filled_result = api.fill(loaded, form=blank, filing_date=filing_date)  # refuses an edition as fill does
        data = filled_result.data
        made = filled_result.plan or fill_plan.of(loaded.profile, blank)  # the plan the fill wrote, not a second
        filled_name = None
    fmap, plan, profile_data = made.fmap, made.layout, made.data
    known = known_identifiers(profile_data)
    with baked_pages(data, blank) as flat:  # what prints: the pages --flatten delivers, no viewer furniture
        pages, redactions = render_pages(flat, fmap.pages, dpi, known if redact else None)
    boxes, xrefs = _boxes(blank, plan, fmap)
    signatures = plan_boxes(made)
    todos = _todos(loaded, made, signatures, len(pages) - fmap.pages)
    person = ", ".join(str(lookup(profile_data, p) or "") for p in fmap.package.spec.person_name)
    title = f"Review: Form {blank.form} ({blank.edition}) for {person}"
    if loaded.profile.id:
        title += f" [{loaded.profile.id}]"
    result = Review(
        source=loaded.source, profile_id=loaded.profile.id, form=blank.form, edition=blank.edition,
        filled=filled_name, title=title, pages=pages, boxes=boxes, cross_references=xrefs, todos=todos,
        redacted=redact, redactions=redactions, blank=None if filled is not None else blank.source,
    )
    accepted = api.edition_acceptance(blank.form, blank.edition, filing_date)
    result.acceptance = None if accepted is None else accepted[1]
    if check_package:
        result.package, result.photos = _package(loaded, filing_date, attachments_root)
    return _redacted(result, known) if redact else result


def _read_filled(filled: str | os.PathLike[str] | bytes) -> tuple[bytes, str]:
    """The file's bytes: a regular file only (a FIFO is never waited on, /dev/zero never read), and never more
    than a PDF formfill reads can be (load_blank refuses anything larger)."""
    if isinstance(filled, bytes):
        return filled, "<bytes>"
    return read_bounded(filled, MAX_BLANK_BYTES), str(filled)


# --- PII -----------------------------------------------------------------------------------------


def _redacted(r: Review, known: tuple[str, ...]) -> Review:
    """The review with every string it shows masked: the profile's identifiers in any spelling, and any
    other SSN or A-Number by content (a purpose, Part 13 text, a file name). Image digests stay as they are."""

    def m(text: str) -> str:
        return mask_text(text, known)

    return dataclasses.replace(
        r, source=m(r.source), profile_id=None if r.profile_id is None else m(r.profile_id),
        filled=None if r.filled is None else m(r.filled), title=m(r.title),
        boxes=[dataclasses.replace(b, part=m(b.part), item=m(b.item), question=m(b.question), answer=m(b.answer),
                                   source=m(b.source)) for b in r.boxes],
        cross_references=[dataclasses.replace(x, source=m(x.source)) for x in r.cross_references],
        todos=[dataclasses.replace(t, message=m(t.message), source=None if t.source is None else m(t.source))
               for t in r.todos],
        package=None if r.package is None else mask_tree(r.package, known),
        photos=[dataclasses.replace(p, path=m(p.path), verdicts=mask_tree(p.verdicts, known)) for p in r.photos],
        blank=r.blank,
    )


# --- page images ---------------------------------------------------------------------------------


PNG_LEVEL = 1
"""zlib level of the page images: the same pixels in half the encoding time of Pillow's default (6), for 17 %
more bytes (14 pages: ~250 -> ~130 ms, 0.9 -> 1.1 MB); a review page is read once, on the firm's own disk."""


def render_pages(flat: bytes | pdfium.PdfDocument, form_pages: int, dpi: int,
            known: tuple[str, ...] | None) -> tuple[list[Page], list[tuple[int, Rect]]]:
    """Every page as a greyscale PNG; unless `known` is None (no redaction), the identifiers' digits are
    painted over before encoding.

    pdfium draws one page at a time (it is not thread-safe); Pillow encodes each PNG on a thread of its own while
    the next page is drawn (zlib releases the GIL), at most ENCODERS images waiting, so memory stays bounded."""
    pages: list[Page] = []
    redactions: list[tuple[int, Rect]] = []
    waiting: deque[tuple[int, float, float, tuple[int, int], Future[bytes]]] = deque()

    def collect() -> None:
        i, width, height, size, png = waiting.popleft()
        kind = "form" if i < form_pages else "continuation_sheet"
        pages.append(Page(i + 1, kind, width, height, png.result(), size,
                          None if kind == "form" else i + 1 - form_pages))

    pdf = pdfium.PdfDocument(flat) if isinstance(flat, bytes) else flat
    try:
        with ThreadPoolExecutor(max_workers=ENCODERS) as encoders:
            for i in range(len(pdf)):
                page = pdf[i]
                try:
                    width, height = page.get_size()
                    # A page far larger than the form's (a hostile file that still verifies) is drawn smaller,
                    # so one image never needs more than MAX_PAGE_PIXELS (a 14400-pt page took 1.8 GB and 30 s).
                    scale = min(dpi / 72, math.sqrt(MAX_PAGE_PIXELS / max(width * height, 1.0)))
                    image = page.render(scale=scale, grayscale=True, may_draw_forms=False).to_pil().convert("L")
                    if known is not None:
                        for rect in _digit_rects(page, known):
                            redactions.append((i + 1, rect))
                            x0, y0, x1, y1 = rect
                            ImageDraw.Draw(image).rectangle(
                                (int(x0 * scale), int((height - y1) * scale), int(x1 * scale + 1),
                                 int((height - y0) * scale + 1)), fill=PAINT)
                finally:
                    page.close()
                waiting.append((i, width, height, image.size, encoders.submit(_png, image)))
                while len(waiting) > ENCODERS:
                    collect()
            while waiting:
                collect()
    finally:
        if pdf is not flat:  # opened here; a document given stays its owner's
            pdf.close()
    return pages, redactions


ENCODERS = 2  # PNG encodings in flight while pages are drawn


def _png(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "PNG", compress_level=PNG_LEVEL)
    return buf.getvalue()


def _digit_rects(page: pdfium.PdfPage, known: tuple[str, ...]) -> list[Rect]:
    """Where an identifier prints on a page: the boxes of all its digits but the last 4, one rect per run.

    The page's text (one character per index, as pdfium reads it) goes through the project's masker, so the
    page hides exactly what the text of the review hides, in every spelling."""
    textpage = page.get_textpage()
    try:
        count = textpage.count_chars()
        chars = [textpage.get_text_range(i, 1) or " " for i in range(count)]
        text = "".join(c[:1] for c in chars)
        rects: list[Rect] = []
        for start, end in _spans_of(hidden(text, known)):
            rects.extend(_runs([textpage.get_charbox(i) for i in range(start, end)
                                if text[i].isdecimal()]))
        return rects
    finally:
        textpage.close()


def _spans_of(positions: list[int]) -> list[tuple[int, int]]:
    """Consecutive runs of hidden digit positions, allowing separators between them (one bar per run)."""
    out: list[tuple[int, int]] = []
    for i in positions:
        if out and i - out[-1][1] <= 3:
            out[-1] = (out[-1][0], i + 1)
        else:
            out.append((i, i + 1))
    return out


def _runs(boxes: list[Rect]) -> list[Rect]:
    """Merge character boxes on one line into one bar (comb cells included), padded by a point."""
    out: list[Rect] = []
    for b in boxes:
        if out and abs(out[-1][1] - b[1]) < 2 and b[0] >= out[-1][0]:
            last = out[-1]
            out[-1] = (last[0], min(last[1], b[1] - 1), max(last[2], b[2] + 1), max(last[3], b[3] + 1))
        else:
            out.append((b[0] - 1, b[1] - 1, b[2] + 1, b[3] + 1))
    return out


# --- boxes and cross references ------------------------------------------------------------------


def _question(fmap: FieldMap, blank: BlankForm, e: Entry) -> str:
    """The item's question in the map's own words; the blank's tooltip only for an item the map has no words for
    (tooltips carry typos and spelled-out acronyms: "U S C I S", "Firstst Name")."""
    clean = fmap.question(e)
    if clean is not None:
        return clean
    tooltip = " ".join(blank.fields[e.field].tooltip.split())
    if e.label and e.label.split(" (")[0].lower() not in tooltip.lower():
        return f"{e.label}: {tooltip}" if tooltip else e.label
    return tooltip or e.label or e.field


def _boxes(blank: BlankForm, plan: Plan, fmap: FieldMap) -> tuple[list[Box], list[CrossReference]]:
    """Number every written field (and every continuation-sheet block) in reading order, page by page."""
    raw: list[Box] = []
    overflow = fmap.package.spec.overflow
    for placed in plan.placed:
        a, e = placed.assignment, placed.assignment.entry
        info = blank.fields[a.field]
        answer = "[X] checked" if a.kind == "check" else "\n".join(placed.layout.lines) or a.value
        if e.part == overflow.part and e.item in ("page", "part", "item", "text"):
            question = (f"Part {overflow.part} block, "
                        f"{overflow.title.capitalize() if e.item == 'text' else e.item + ' number'}")
        else:
            question = _question(fmap, blank, e)
        raw.append(Box(0, info.page, info.rect, a.kind, e.part, e.item, question, answer, e.source, a.field))
    raw.extend(_sheet_boxes(plan, fmap.pages))
    raw.sort(key=lambda b: (b.page, -round(b.rect[3] / 4), b.rect[0]))
    for n, b in enumerate(raw, start=1):
        b.number = n
    return raw, _link(raw, plan, overflow.part)


def _sheet_boxes(plan: Plan, form_pages: int) -> list[Box]:
    """Each entry on a continuation sheet, outlined where the writer printed it (layout.sheet_blocks)."""
    width = SHEET_SIZE[0]
    out: list[Box] = []
    for b in layout.sheet_blocks(plan):
        e = b.entry
        top = sheet_row_y(b.row) + SHEET_FONT_SIZE
        bottom = sheet_row_y(b.row + len(b.lines) - 1) - 3
        out.append(Box(0, form_pages + b.sheet, (SHEET_MARGIN - 3, bottom, width - SHEET_MARGIN + 3, top), "sheet",
                       e.part, e.item, f"Continuation sheet {b.sheet}: Page {e.page}, Part {e.part}, Item {e.item}",
                       "\n".join(b.lines), e.source))
    return out


def _carries_rest(b: Box, plan: Plan) -> bool:
    marks = plan.markers
    return marks is not None and (b.answer in marks.pointers or marks.continued_in in b.answer)


def _link(boxes: list[Box], plan: Plan, part13: str) -> list[CrossReference]:
    """Each Part 13 entry back to the boxes it continues, and those boxes forward to it."""
    xrefs: list[CrossReference] = []
    seen: set[tuple[str, int, str, str]] = set()
    for c in plan.continued:
        key = (c.source, c.page, c.part, c.item)
        if key in seen:
            continue
        seen.add(key)
        origin = [b.number for b in boxes if b.source == c.source and b.page == c.page and b.part == c.part
                  and b.item == c.item and _carries_rest(b, plan)]
        if not origin:  # rows beyond the form's (a fourth other name): point at the item's printed rows
            parent = _list_parent(c)
            origin = [b.number for b in boxes if b.page == c.page and b.part == c.part and b.item == c.item
                      and parent is not None and b.source.startswith(parent)][:1]
        rest = [b.number for b in boxes if b.source == c.source and (
            (b.part == part13 and b.item == "text") or b.kind == "sheet")]
        block_labels = [b.number for b in boxes if b.source == c.source and b.part == part13
                        and b.item in ("page", "part", "item")]
        for b in boxes:
            if b.number in origin:
                b.continues_in = sorted(set(b.continues_in) | set(rest))
            elif b.number in rest or b.number in block_labels:
                b.continued_from = sorted(set(b.continued_from) | set(origin))
        xrefs.append(CrossReference(c.page, c.part, c.item, c.source, origin, rest))
    return xrefs


def _list_parent(c: Continued) -> str | None:
    m = re.match(r"(.+)\[\d+\]$", c.source)
    return m.group(1) if m else None


# --- what still needs a human --------------------------------------------------------------------

def sheet_signer(fmap: FieldMap, signatures: list[SignatureBox]) -> str:
    """Who signs and dates each continuation sheet: the signer of the role the package's spec names
    (`overflow.sheet_signer`; by default the map's first signature), else `the <role>`."""
    role = fmap.package.spec.overflow.sheet_signer or next((str(s.get("role")) for s in fmap.signatures), "")
    signer = next((s.signer for s in signatures if s.role == role), None)
    return signer or (f"the {role}" if role else "the signer")


def skipped_items(fmap: FieldMap, data: dict[str, Any]) -> list[tuple[int, str, str, str]]:
    """Items the form's own instructions tell this applicant to skip: (page, part, item, why)."""
    return [(s.page, s.part, s.item, s.instruction) for s in fieldmap_skipped_items(fmap, data)]


def _todos(loaded: LoadedProfile, made: FillPlan, signatures: list[SignatureBox], sheets: int) -> list[Todo]:
    fmap, blank, data, form_pages = made.fmap, made.blank, made.data, made.fmap.pages
    todos: list[Todo] = []
    written = made.written_fields
    for sig in signatures:
        info = blank.fields[sig.field]
        how = "sign by hand in ink"
        how += "; the date is printed" if sig.date_field in written else " and write the date of signature"
        todos.append(Todo("sign", f"{sig.described}: {how} (page {sig.page}, Part {sig.part}, Item {sig.item})",
                          sig.page, sig.part, sig.item, sig.role, info.rect))
    signs_sheets = sheet_signer(fmap, signatures)
    for n in range(1, sheets + 1):
        todos.append(Todo("sign_sheet", f"Continuation sheet {n} (page {form_pages + n}): {signs_sheets} signs and "
                                        "dates it", form_pages + n))
    skipped = [(s.page, s.part, s.item, s.instruction) for s in made.skipped]
    skip_keys = {(page, part, item) for page, part, item, _ in skipped}
    groups: list[list[tuple[int, str, str, str]]] = []
    for entry in skipped:  # one line per instruction and part: "Part 6, Items 1-6.c" rather than 12 lines
        if groups and (groups[-1][-1][1], groups[-1][-1][3]) == (entry[1], entry[3]):
            groups[-1].append(entry)
        else:
            groups.append([entry])
    for group in groups:
        page, part, item, why = group[0]
        pages = f"Page {page}" if group[-1][0] == page else f"Pages {page}-{group[-1][0]}"
        items = f"Item {item}" if len(group) == 1 else f"Items {item}-{group[-1][2]}"
        todos.append(Todo("skipped", f"{pages}, Part {part}, {items}: skipped as the form instructs ({why})",
                          page, part, item))
    none_key = fmap.package.spec.none_list
    may_be_none = none_items(type(loaded.profile), none_key)
    said_none = set(data.get(none_key) or []) if none_key else set()
    for page, part, item, entries in _unanswered(fmap, data, written):
        if (page, part, item) in skip_keys:
            continue
        question = fmap.questions.get((part, item)) or _question(fmap, blank, entries[0])
        sources = {e.source for e in entries}
        if sources <= said_none:
            todos.append(Todo("none", f"Page {page}, Part {part}, Item {item}: none ({question})", page, part, item,
                              entries[0].source, question=question))
            continue
        todos.append(Todo("unanswered", f"Page {page}, Part {part}, Item {item}: not answered by the profile: "
                                        f"{question}", page, part, item, entries[0].source,
                          blank.fields[entries[0].field].rect, optional=sources <= may_be_none, question=question))
    for note in [*loaded.notes, *(str(n) for n in made.notes if n.code == "skipped")]:
        todos.append(Todo("note", note))
    return todos


def none_items(model: type[BaseModel], key: str | None) -> frozenset[str]:
    """The profile paths a profile model lets a profile answer "none": the vocabulary of its list `key` (the
    package spec's `none_list`; None: the form has no such list)."""
    info = model.model_fields.get(key) if key else None
    found: set[str] = set()

    def walk(tp: Any) -> None:
        for arg in typing.get_args(tp):
            if isinstance(arg, str):
                found.add(arg)
            else:
                walk(arg)

    if info is not None:
        walk(info.annotation)
    return frozenset(found)


def _unanswered(fmap: FieldMap, data: dict[str, Any],
                written: frozenset[str] | set[str]) -> list[tuple[int, str, str, list[Entry]]]:
    """Items the form asks this applicant that nothing was written for.

    Asked means: the profile has the section the item's answer lives in and a text box's own conditions
    hold; a multiple-choice question (a group of boxes) is asked when none of its boxes is checked and
    the conditions all its boxes share hold (which program, which type). A lone opt-in checkbox (G-28
    attached, request an EAD) left unchecked is an answer, not a gap; the date of signature is on the
    signing list.
    """
    members: dict[str, list[Entry]] = {}
    for e in fmap.entries:
        if e.group:
            members.setdefault(e.group, []).append(e)
    on_groups = {e.group for e in fmap.entries if e.field in written and e.group}
    common = {g: set.intersection(*({_hashable(c) for c in m.when} for m in ms)) for g, ms in members.items()}
    part13 = str(fmap.additional_information.get("part", ""))
    dates = {str(s.get("date_field")) for s in fmap.signatures}  # on the signing list, not a question
    items: dict[tuple[int, str, str], list[Entry]] = {}
    for e in fmap.entries:
        if e.part != part13 and e.field not in dates:
            items.setdefault((e.page, e.part, e.item), []).append(e)
    out: list[tuple[int, str, str, list[Entry]]] = []
    for (page, part, item), entries in items.items():
        if any(e.field in written or (e.group in on_groups and e.group) for e in entries):
            continue  # answered, or another box of its question is checked (its follow-ups do not apply)
        asked = []
        for e in entries:
            if e.kind == "check":
                if not e.group:
                    continue
                shared = tuple(c for c in e.when if _hashable(c) in common[e.group])
                own = [path for path, _ in e.when if (path, _) not in shared]
                if matches(data, shared) and all(_section_present(data, path) for path in own):
                    asked.append(e)
            elif _section_present(data, e.source) and (not e.when or matches(data, e.when)):
                asked.append(e)
        if asked:
            out.append((page, part, item, asked))
    return out


def _hashable(condition: tuple[str, Any]) -> tuple[str, str]:
    return condition[0], repr(condition[1])


def _section_present(data: dict[str, Any], path: str) -> bool:
    """The object an answer lives in is in the profile (`applicant.ssn` -> `applicant`)."""
    parent = re.sub(r"(\.[^.\[\]]+|\[\d+\])$", "", path)
    return parent == path or lookup(data, parent) is not None


# --- the package ---------------------------------------------------------------------------------


def _package(loaded: LoadedProfile, filing_date: dt.date | None,
             attachments_root: str | os.PathLike[str] | None) -> tuple[dict[str, Any], list[Photo]]:
    from formfill.checks.package import check_package

    kwargs: dict[str, Any] = {"base_dir": loaded.base_dir,
                              "attachments_root": Path(attachments_root) if attachments_root else None}
    if filing_date is not None:
        kwargs["filing_date"] = filing_date
    report = check_package(loaded, **kwargs)
    photos: list[Photo] = []
    for att in report.attachments:
        if att.kind != "passport_photo":
            continue
        where = f"attachments[{att.index}]"
        verdicts = [f.to_dict() for f in report.findings if f.where == where]
        # Only the very bytes the package check read and checked (never the path again: it may have changed).
        checked = report.photo_bytes.get(att.index)
        photos.append(Photo(att.path, _thumbnail(checked) if checked else None, verdicts, att.usable))
    doc = report.to_dict()
    doc["before_mailing"] = [f.to_dict() for f in report.before_mailing() if f.code != "sign_by_hand"]
    doc["expedite"] = _expedite_request(loaded)
    doc["exhibit_index"] = _exhibit_index(loaded, report)
    return doc, photos


def _expedite_request(loaded: LoadedProfile) -> Any:
    """The profile's request for expedited processing, where its form's package says a profile makes one."""
    pkg = package_for(str(loaded.profile.form))
    path = pkg.spec.expedite_section if pkg is not None else None
    return lookup(loaded.profile.model_dump(mode="json"), path) if path else None


def _exhibit_index(loaded: LoadedProfile, report: Any) -> list[dict[str, Any]]:
    """The exhibit index `formfill package` would use (formfill.assembly.index), in stacking order."""
    from formfill.assembly.index import index_for
    from formfill.checks.package import load_rules

    notes = [a.note for a in getattr(loaded.profile, "attachments", None) or ()]
    return [e.to_dict() for e in index_for(report, notes, load_rules())]


def _thumbnail(raw: bytes, size: int = 160, max_pixels: int = 60_000_000) -> bytes | None:
    """A small JPEG of a photo; None when it cannot be shown (the verdicts already say why)."""
    try:
        with Image.open(io.BytesIO(raw)) as image:
            if image.width * image.height > max_pixels:
                return None
            image.draft("RGB", (size * 2, size * 2))
            thumb = image.convert("RGB")
            thumb.thumbnail((size, size))
            buf = io.BytesIO()
            thumb.save(buf, "JPEG", quality=80)
            return buf.getvalue()
    except Exception:  # a hostile or broken file: no preview, never a traceback
        return None


def default_output(profile_arg: str, profile_id: str | None, known: tuple[str, ...] = ()) -> Path:
    """`<profile stem>.review.html` here; identifiers in the name are masked (`client_xxx_xx_9846`), redacted or
    not, like every name formfill derives (formfill.masking.masked_name)."""
    stem = Path(profile_arg).stem if profile_arg != "-" else (profile_id or "profile")
    return Path(f"{masked_name(stem, known)}.review.html")


__all__ = ["Box", "CrossReference", "Page", "Review", "SignatureBox", "Todo", "default_output", "review"]
