"""Draft the package of a new edition: carry the current fill map over to the fields the alignment found.

A draft is a package folder (`form.json`, the new edition's fill map, the package rules) plus
`draft.json`: every proposal with its confidence, evidence and status, and for each `review` proposal a
`decision` a person fills in (`accept`, `unfilled`, or `{"field": NAME}` to point elsewhere). The fill
map is marked `"status": "draft"` until `formfill map accept` applies the decisions: a draft never fills.

The pure functions here take and return JSON-shaped data; `write_draft` is the only one that writes.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from formfill.editions.acceptance import edition_date
from formfill.editions.align import MATCHED, NEW, REVIEW, Proposal, Widget, align
from formfill.editions.widgets import widgets
from formfill.errors import FormError, InputError
from formfill.files import write_atomic
from formfill.formpackage import SPEC_FILE, FormPackage
from formfill.pdf.blank import BlankForm

DRAFT_FILE = "draft.json"
DRAFT = "draft"
REVIEWED = "reviewed"


@dataclass(frozen=True)
class Draft:
    """A drafted package: the documents to write, and the proposals behind them."""

    form: str
    edition: str
    source_edition: str
    spec: dict[str, Any]
    fill_map: dict[str, Any]
    draft: dict[str, Any]
    proposals: list[Proposal]
    unplaced: list[dict[str, Any]]

    @property
    def map_file(self) -> str:
        return map_file_name(self.edition)


def map_file_name(edition: str) -> str:
    return edition.replace("/", "-") + ".json"


def profile_paths(entry: dict[str, Any]) -> list[str]:
    """The profile paths an entry of a fill map writes or tests."""
    paths: list[str] = []
    for key in ("text", "choice"):
        if isinstance(entry.get(key), str):
            paths.append(entry[key])
    for key in ("check", "when"):
        raw = entry.get(key)
        for cond in raw if isinstance(raw, list) else [raw] if isinstance(raw, dict) else []:
            paths.extend(str(p) for p in cond)
    return list(dict.fromkeys(paths))


def field_renames(proposals: Iterable[Proposal]) -> dict[str, str]:
    """old field -> new field, for every proposal that has a source (matched or review)."""
    return {p.source: p.field for p in proposals if p.source is not None and p.status in (MATCHED, REVIEW)}


def carry_entries(entries: list[dict[str, Any]], renames: dict[str, str], pages: dict[str, int],
                  review: set[str]) -> list[dict[str, Any]]:
    """Each old entry on its new field (with the new page); entries whose field has no home are dropped."""
    out: list[dict[str, Any]] = []
    for e in entries:
        new = renames.get(e["field"])
        if new is None:
            continue
        moved = {**e, "field": new, "page": pages.get(new, e.get("page"))}
        if new in review:
            moved["review"] = True
        out.append(moved)
    return out


def carry_skips(skips: list[dict[str, Any]], entries: list[dict[str, Any]], pages: dict[str, int],
                old_to_new_page: dict[int, int]) -> list[dict[str, Any]]:
    """Skip rules keep the items that still have fields; a rule left with none is dropped."""
    have = {(str(e["part"]), str(e["item"])) for e in entries}
    out: list[dict[str, Any]] = []
    for s in skips:
        part = str(s["part"])
        items = s["items"]
        if items != "all":
            items = [i for i in items if (part, str(i)) in have]
            if not items:
                continue
        elif not any(p == part for p, _ in have):
            continue
        page = old_to_new_page.get(int(s["instruction_page"]), int(s["instruction_page"]))
        out.append({**s, "items": items, "instruction_page": page})
    return out


def page_shift(entries: list[dict[str, Any]], renames: dict[str, str], pages: dict[str, int]) -> dict[int, int]:
    """old page -> new page, as most carried fields of that page moved."""
    votes: dict[int, dict[int, int]] = {}
    for e in entries:
        new = renames.get(e["field"])
        if new is not None and new in pages:
            tally = votes.setdefault(int(e["page"]), {})
            tally[pages[new]] = tally.get(pages[new], 0) + 1
    return {old: max(t, key=lambda p: t[p]) for old, t in votes.items()}


def rename_blocks(blocks: list[dict[str, str]], renames: dict[str, str]) -> list[dict[str, str]]:
    """Overflow blocks keep only those whose every box has a home."""
    return [{k: renames[v] for k, v in b.items()} for b in blocks if all(v in renames for v in b.values())]


def carry_signatures(signatures: list[dict[str, Any]], renames: dict[str, str], pages: dict[str, int],
                     old_to_new_page: dict[int, int]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for s in signatures:
        if s["field"] not in renames:
            continue
        moved = {**s, "field": renames[s["field"]], "page": pages.get(renames[s["field"]], s.get("page"))}
        if s.get("date_field"):
            if s["date_field"] in renames:
                moved["date_field"] = renames[s["date_field"]]
            else:
                moved.pop("date_field")
        out.append(moved)
    return out


def identification(form: str, edition: str) -> dict[str, str]:
    return {"barcode_value_prefix": f"{form}|{edition}|", "footer_text": f"Form {form} Edition {edition}"}


def new_fill_map(old: dict[str, Any], proposals: list[Proposal], blank: BlankForm) -> dict[str, Any]:
    """The new edition's fill map, marked draft: every field, skip, signature and block carried over."""
    renames = field_renames(proposals)
    review = {p.field for p in proposals if p.status == REVIEW}
    pages = {name: info.page for name, info in blank.fields.items()}
    shift = page_shift(old["fields"], renames, pages)
    entries = carry_entries(old["fields"], renames, pages, review)
    doc: dict[str, Any] = {
        "form": old["form"],
        "edition": blank.edition,
        "status": DRAFT,
        "drafted_from": old["edition"],
        "title": old.get("title", ""),
        "pages": blank.page_count,
        "identify": identification(old["form"], blank.edition),
        "blank_defaults": {n: str(v) for n, v in blank.values.items() if v is not None},
        "signature_fields": [renames[f] for f in old.get("signature_fields", []) if f in renames],
        "signatures": carry_signatures(old.get("signatures", []), renames, pages, shift),
        "unfilled_fields": [renames[f] for f in old.get("unfilled_fields", []) if f in renames],
        "unfilled_items": list(old.get("unfilled_items", [])),  # `map check` names those the new print lacks
        "new_fields": [p.field for p in proposals if p.status == NEW and blank.fields[p.field].kind != "other"
                       and not blank.values.get(p.field)],
    }
    if "additional_information" in old:
        info = dict(old["additional_information"])
        info["blocks"] = rename_blocks(info.get("blocks", []), renames)
        if "page" in info:
            info["page"] = shift.get(int(info["page"]), info["page"])
        doc["additional_information"] = info
    for key in ("overflow_rows", "ruled_line_pitch"):
        if key in old:
            doc[key] = old[key]
    if "overflow_rows" in doc:
        doc["overflow_rows"] = [{**r, "page": shift.get(int(r["page"]), r["page"])} for r in doc["overflow_rows"]]
    doc["skip"] = carry_skips(old.get("skip", []), entries, pages, shift)
    doc["fields"] = entries
    doc["not_on_this_edition"] = [e for e in old["fields"] if e["field"] not in renames]
    return doc


def proposal_doc(p: Proposal) -> dict[str, Any]:
    """A proposal as `--json` and draft.json show it."""
    return {"field": p.field, "from": p.source, "confidence": p.confidence, "status": p.status,
            "evidence": list(p.evidence), "states": dict(p.states)}


def unplaced_of(names: list[str], old: dict[str, Any]) -> list[dict[str, Any]]:
    """Old fields with no home that carried profile values, with the paths that lose their box."""
    by_field: dict[str, list[str]] = {}
    for e in old["fields"]:
        by_field.setdefault(e["field"], []).extend(profile_paths(e))
    return [{"field": n, "profile": list(dict.fromkeys(by_field[n]))} for n in names if n in by_field]


def draft_spec(spec: dict[str, Any], edition: str, source_edition: str | None = None) -> dict[str, Any]:
    """The package spec of the draft: the same form, with the new edition the one it fills. Its first accepted
    day is the edition date, marked an estimate until a person accepts the package; it supersedes the edition it
    was drafted from, whose last accepted day stays null until USCIS announces it (a person sets it)."""
    entry: dict[str, Any] = {"edition": edition, "fill_map": map_file_name(edition)}
    first = edition_date(edition)
    if first is not None:
        entry.update(accepted_from=first.isoformat(), acceptance_estimated=True,
                     acceptance_source=f"the edition date printed on the blank: confirm the first day USCIS accepts "
                                       f"it at {spec.get('publisher_page') or 'the publisher page'}")
    if source_edition is not None:
        entry["supersedes"] = [{"edition": source_edition, "accepted_until": None}]
    return {**spec, "editions": [entry]}


def make_draft(pkg: FormPackage, source_map: dict[str, Any], old_blank: BlankForm, new_blank: BlankForm,
               old_widgets: list[Widget] | None = None) -> Draft:
    """Align the new blank with the current edition's and carry the package over."""
    if not new_blank.edition:
        raise FormError(f"{new_blank.source}: no edition found in its barcodes or footer; a draft needs one")
    if new_blank.form and new_blank.form != pkg.form:
        raise FormError(f"{new_blank.source} is Form {new_blank.form}, not Form {pkg.form}")
    if new_blank.edition == source_map["edition"]:
        raise FormError(f"{new_blank.source} is edition {new_blank.edition}, the edition the draft starts from")
    proposals, unplaced = align(old_widgets if old_widgets is not None else widgets(old_blank), widgets(new_blank))
    fill_map = new_fill_map(source_map, proposals, new_blank)
    lost = unplaced_of(unplaced, source_map)
    draft = {
        "form": pkg.form,
        "edition": new_blank.edition,
        "from": source_map["edition"],
        "status": DRAFT,
        "about": "Decide every proposal whose status is review: set its decision to \"accept\", \"unfilled\", "
                 "or {\"field\": \"<another field of the new blank>\"}; then run `formfill map accept` on this folder.",
        "proposals": [{**proposal_doc(p), **({"decision": None} if p.status == REVIEW else {})} for p in proposals],
        "unplaced": lost,
        "blank_fields": {n: i.kind for n, i in new_blank.fields.items()},
    }
    spec = draft_spec(pkg.spec.model_dump(mode="json", exclude_none=True), new_blank.edition, source_map["edition"])
    return Draft(pkg.form, new_blank.edition, source_map["edition"], spec, fill_map, draft, proposals, lost)


def write_draft(d: Draft, out_dir: Path, pkg: FormPackage) -> None:
    """Write the draft's package folder; an existing draft folder of another form is never overwritten."""
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"{out_dir} exists and is not a folder")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not (out_dir / DRAFT_FILE).is_file():
        raise InputError(f"{out_dir} is not empty and holds no draft: choose a new folder")
    out_dir.mkdir(parents=True, exist_ok=True)
    for rel in (pkg.spec.package_rules, pkg.spec.rules):
        if rel:
            shutil.copyfile(pkg.root / rel, out_dir / rel)
    model_file = pkg.spec.model.partition(":")[0]
    if model_file.endswith(".py"):
        shutil.copyfile(pkg.root / model_file, out_dir / model_file)
    for name, doc in ((SPEC_FILE, d.spec), (d.map_file, d.fill_map), (DRAFT_FILE, d.draft)):
        write_atomic(out_dir / name, (json.dumps(doc, indent=1, ensure_ascii=False) + "\n").encode(),
                     overwrite=True, what=name)
