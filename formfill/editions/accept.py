"""Accept a reviewed draft: apply the decisions a person wrote into draft.json, mark the package reviewed.

Only `review` proposals are decisions. `accept` keeps the proposal; `unfilled` leaves the new field
empty (its old field's profile paths lose their box, and say so); `{"field": NAME}` points the old
field's entries at another field of the new blank. While any decision is missing, nothing is written.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from formfill.editions.align import REVIEW
from formfill.editions.draft import DRAFT_FILE, REVIEWED, map_file_name
from formfill.errors import DraftError, FormError, InputError, Problem
from formfill.files import write_atomic
from formfill.formpackage import SPEC_FILE

ACCEPT = "accept"
UNFILLED = "unfilled"


@dataclass(frozen=True)
class Accepted:
    form: str
    edition: str
    fill_map: dict[str, Any]
    draft: dict[str, Any]
    unfilled: list[str]  # new fields left empty by decision
    unplaced: list[dict[str, Any]]
    confirmed_from: str | None = None  # the first accepted day, an estimate until this acceptance


def pending(draft: dict[str, Any]) -> list[str]:
    """The review proposals still without a decision."""
    return [p["field"] for p in draft["proposals"] if p["status"] == REVIEW and p.get("decision") is None]


def decision_problems(draft: dict[str, Any]) -> list[Problem]:
    """Decisions that are not one of the three forms, or point at a field the new blank lacks."""
    fields = draft.get("blank_fields", {})
    out: list[Problem] = []
    for i, p in enumerate(draft["proposals"]):
        d = p.get("decision")
        where = f"proposals[{i}].decision"
        if p["status"] != REVIEW or d is None or d in (ACCEPT, UNFILLED):
            continue
        target = d.get("field") if isinstance(d, dict) else None
        if not isinstance(target, str):
            out.append(Problem(where, 'is "accept", "unfilled" or {"field": "<field of the new blank>"}'))
        elif fields and target not in fields:
            out.append(Problem(where, f"points at {target}, which is not a field of the new blank"))
    return out


def apply_decisions(fill_map: dict[str, Any], draft: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The reviewed fill map: review marks gone, unfilled fields dropped, pointed fields moved."""
    moves: dict[str, str | None] = {}
    for p in draft["proposals"]:
        if p["status"] != REVIEW:
            continue
        d = p["decision"]
        if d == UNFILLED:
            moves[p["field"]] = None
        elif isinstance(d, dict):
            moves[p["field"]] = str(d["field"])
    fields: list[dict[str, Any]] = []
    lost = list(fill_map.get("not_on_this_edition", []))
    for e in fill_map["fields"]:
        e = {k: v for k, v in e.items() if k != "review"}
        if e["field"] in moves:
            target = moves[e["field"]]
            if target is None:
                lost.append(e)  # left unfilled by decision: a profile value for it is named in the fill's notes
                continue
            e["field"] = target
        fields.append(e)
    unfilled = [f for f, t in moves.items() if t is None]
    doc = {**fill_map, "status": REVIEWED, "fields": fields, "not_on_this_edition": lost}
    kept = {e["field"] for e in fields}
    doc["signatures"] = [s for s in fill_map.get("signatures", []) if s["field"] in kept or s["field"] not in moves]
    return doc, unfilled


def accept(draft: dict[str, Any], fill_map: dict[str, Any], label: str) -> Accepted:
    """Refuse while decisions remain or are malformed; else the reviewed documents."""
    left = pending(draft)
    if left:
        shown = ", ".join(left[:5]) + (f" and {len(left) - 5} more" if len(left) > 5 else "")
        raise DraftError(f"{label}: {len(left)} proposal(s) await a decision (set \"decision\" to \"accept\", "
                        f"\"unfilled\" or {{\"field\": ...}}): {shown}",
                        [Problem(f"proposals[{i}].decision", "a person decides")
                         for i, p in enumerate(draft["proposals"]) if p["field"] in set(left)][:50])
    bad = decision_problems(draft)
    if bad:
        raise DraftError(f"{label}: {len(bad)} decision(s) are not valid; {bad[0].path}: {bad[0].message}", bad)
    reviewed, unfilled = apply_decisions(fill_map, draft)
    done = {**draft, "status": REVIEWED}
    return Accepted(draft["form"], draft["edition"], reviewed, done, unfilled, list(draft.get("unplaced", [])))


def read_json(path: Path, what: str) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no {what} here (is this a folder `formfill map draft` wrote?)") from None
    except json.JSONDecodeError as err:
        raise FormError(f"{path}: not valid JSON (line {err.lineno}, column {err.colno}: {err.msg})") from None
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"{path}: cannot be read ({err})") from None
    if not isinstance(doc, dict):
        raise FormError(f"{path}: not a JSON object")
    return doc


def confirm_dates(spec: dict[str, Any], edition: str) -> tuple[dict[str, Any], str | None]:
    """The spec with the edition's estimated first day confirmed (accepting the package is the person's word on
    it), and that day when it was an estimate."""
    editions: list[dict[str, Any]] = []
    confirmed = None
    for e in spec.get("editions", []):
        if isinstance(e, dict) and e.get("edition") == edition and e.get("acceptance_estimated"):
            e = {k: v for k, v in e.items() if k != "acceptance_estimated"}
            confirmed = str(e.get("accepted_from")) if e.get("accepted_from") else None
        editions.append(e)
    return {**spec, "editions": editions}, confirmed


def accept_folder(folder: Path) -> Accepted:
    """Accept the draft in `folder` and write the reviewed map and draft.json in place."""
    draft = read_json(folder / DRAFT_FILE, "draft.json")
    for key in ("form", "edition", "proposals"):
        if key not in draft:
            raise FormError(f"{folder / DRAFT_FILE}: {key}: required")
    map_path = folder / map_file_name(str(draft["edition"]))
    fill_map = read_json(map_path, "fill map")
    done = accept(draft, fill_map, str(folder / DRAFT_FILE))
    old_spec = read_json(folder / SPEC_FILE, "form.json") if (folder / SPEC_FILE).exists() else {}
    spec, confirmed = confirm_dates(old_spec, done.edition)
    done = dataclasses.replace(done, confirmed_from=confirmed)
    changed = [(folder / SPEC_FILE, spec)] if spec != old_spec else []
    for path, doc in ((map_path, done.fill_map), *changed, (folder / DRAFT_FILE, done.draft)):
        write_atomic(path, (json.dumps(doc, indent=1, ensure_ascii=False) + "\n").encode(), overwrite=True,
                     what=path.name)
    return done
