"""What a review holds, as data: the page images, the numbered boxes, cross references, to-dos and photos.

Kept apart from how a review is built (formfill.review) and how it is drawn as HTML (formfill.review_html),
so each can be read on its own.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from typing import Any

Rect = tuple[float, float, float, float]  # PDF points, origin bottom-left: x0, y0, x1, y1


@dataclass
class Box:
    """One numbered outline on a page image: a field the fill wrote, or a block of a continuation sheet."""

    number: int
    page: int
    rect: Rect
    kind: str  # text | check | choice | sheet
    part: str
    item: str
    question: str
    answer: str
    source: str
    field: str | None = None
    continues_in: list[int] = dataclasses.field(default_factory=list)
    continued_from: list[int] = dataclasses.field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number, "page": self.page, "rect": [round(v, 2) for v in self.rect], "kind": self.kind,
            "field": self.field, "part": self.part, "item": self.item, "question": self.question,
            "answer": self.answer, "source": self.source, "continues_in": self.continues_in,
            "continued_from": self.continued_from,
        }


@dataclass
class Page:
    number: int  # 1-based page of the filled PDF
    kind: str  # form | continuation_sheet
    width: float  # points
    height: float
    png: bytes
    pixels: tuple[int, int]
    sheet: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"page": self.number, "kind": self.kind, "sheet": self.sheet, "width_pt": self.width,
                "height_pt": self.height, "image": {"type": "image/png", "width_px": self.pixels[0],
                                                    "height_px": self.pixels[1],
                                                    "sha256": hashlib.sha256(self.png).hexdigest()}}


@dataclass
class Todo:
    """Something a person must still do or decide; `kind` groups them on the page."""

    kind: str  # sign | sign_sheet | unanswered | none | skipped | note
    message: str
    page: int | None = None
    part: str | None = None
    item: str | None = None
    source: str | None = None
    rect: Rect | None = None
    optional: bool = False  # an "(if any)" item: the person may simply have none
    question: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "message": self.message, "page": self.page, "part": self.part,
                "item": self.item, "source": self.source,
                "rect": [round(v, 2) for v in self.rect] if self.rect else None, "optional": self.optional}


@dataclass
class CrossReference:
    """One answer that continues elsewhere: the boxes it starts in and the Part 13 blocks or sheets with the rest."""

    page: int
    part: str
    item: str
    source: str
    boxes: list[int]
    continued_in: list[int]

    def to_dict(self) -> dict[str, Any]:
        return {"page": self.page, "part": self.part, "item": self.item, "source": self.source,
                "from": self.boxes, "to": self.continued_in}


@dataclass
class Photo:
    path: str
    thumbnail: bytes | None
    verdicts: list[dict[str, Any]]
    usable: bool

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "usable": self.usable, "verdicts": self.verdicts,
                "thumbnail": bool(self.thumbnail)}


@dataclass
class ReviewData:
    """Everything the review page shows. Strings are already masked when `redacted`."""

    source: str
    profile_id: str | None
    form: str
    edition: str
    filled: str | None  # the filled PDF reviewed (None: filled in memory from the profile)
    title: str
    pages: list[Page]
    boxes: list[Box]
    cross_references: list[CrossReference]
    todos: list[Todo]
    redacted: bool
    redactions: list[tuple[int, Rect]] = dataclasses.field(default_factory=list)
    package: dict[str, Any] | None = None
    photos: list[Photo] = dataclasses.field(default_factory=list)
    blank: str | None = None  # the blank filled (also one found in the forms folders): never an output
    acceptance: str | None = None  # the edition is not accepted on the filing date (the packages' dates): why

    def to_dict(self) -> dict[str, Any]:
        doc = {
            "ok": True, "input": self.source, "id": self.profile_id, "form": self.form, "edition": self.edition,
            "filled": self.filled, "title": self.title, "contains_personal_data": True, "redacted": self.redacted,
            "pages": [p.to_dict() for p in self.pages], "boxes": [b.to_dict() for b in self.boxes],
            "cross_references": [x.to_dict() for x in self.cross_references],
            "todo": [t.to_dict() for t in self.todos],
            "redactions": [{"page": p, "rect": [round(v, 2) for v in r]} for p, r in self.redactions],
            "package": self.package, "photos": [p.to_dict() for p in self.photos],
            "acceptance": self.acceptance,
        }
        return doc


__all__ = ["Box", "CrossReference", "Page", "Photo", "Rect", "ReviewData", "Todo"]
