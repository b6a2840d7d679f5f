"""The review page of an edition draft, drawn by the same renderer as `formfill review`.

Every page of the new blank, each box outlined and listed with its proposed profile path and status
(matched, review, new); the decisions to make, the new questions and the unplaced old boxes listed first.
"""

from __future__ import annotations

from typing import Any

from formfill.editions.draft import profile_paths
from formfill.pdf.blank import BlankForm
from formfill.review import DPI, Box, Review, Todo, render_pages


def boxes(blank: BlankForm, proposals: list[dict[str, Any]], fill_map: dict[str, Any]) -> list[Box]:
    """One box per fillable field of the new blank, in page order, labelled with its paths and status."""
    entries: dict[str, list[dict[str, Any]]] = {}
    for e in fill_map.get("fields", []):
        entries.setdefault(e["field"], []).append(e)
    out: list[Box] = []
    ordered = sorted((p for p in proposals if p["field"] in blank.fields),
                     key=lambda p: (blank.fields[p["field"]].page, -blank.fields[p["field"]].rect[3],
                                    blank.fields[p["field"]].rect[0]))
    for p in ordered:
        info = blank.fields[p["field"]]
        if info.kind not in ("text", "check", "choice"):
            continue
        mine = entries.get(p["field"], [])
        paths = list(dict.fromkeys(path for e in mine for path in profile_paths(e)))
        status = p["status"] + (f" {p['confidence']:.2f} from {p['from']}" if p.get("from") else "")
        if p.get("decision") is not None:
            status += f" (decided: {p['decision']})"
        out.append(Box(
            number=len(out) + 1, page=info.page, rect=info.rect, kind=info.kind,
            part=str(mine[0]["part"]) if mine else "", item=str(mine[0]["item"]) if mine else "",
            question=f"{p['field']}: {info.tooltip}", answer=status, source=", ".join(paths) or "(no profile path)",
            field=p["field"],
        ))
    return out


def todos(blank: BlankForm, proposals: list[dict[str, Any]], unplaced: list[dict[str, Any]]) -> list[Todo]:
    out: list[Todo] = []
    for p in proposals:
        info = blank.fields.get(p["field"])
        page = info.page if info else None
        if p["status"] == "review" and p.get("decision") is None:
            why = "; ".join(p.get("evidence", [])[:3])
            out.append(Todo("decide", f"{p['field']} <- {p['from']} ({p['confidence']:.2f}): {why}", page=page))
        elif p["status"] == "new" and info is not None and info.kind in ("text", "check", "choice") \
                and not blank.values.get(p["field"]):
            out.append(Todo("unanswered", f"new on this edition, no profile path: {p['field']} ({info.tooltip})",
                            page=page))
    for u in unplaced:
        out.append(Todo("unplaced", f"{u['field']}: loses {', '.join(u['profile'])}"))
    return out


def draft_review(blank: BlankForm, draft: dict[str, Any], fill_map: dict[str, Any], dpi: int = DPI) -> Review:
    """The review of a draft package against its new blank."""
    pages, _ = render_pages(blank.data, blank.page_count, dpi, None)
    proposals = list(draft.get("proposals", []))
    return Review(
        source=str(draft.get("from", "")), profile_id=None, form=str(draft.get("form", blank.form)),
        edition=blank.edition, filled=None,
        title=f"Draft review: Form {blank.form} edition {blank.edition} (from edition {draft.get('from')})",
        pages=pages, boxes=boxes(blank, proposals, fill_map), cross_references=[],
        todos=todos(blank, proposals, list(draft.get("unplaced", []))), redacted=False, blank=blank.source,
    )
