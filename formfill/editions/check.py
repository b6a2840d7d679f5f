"""Lint a package's fill map against a blank: everything a person would otherwise find by filling and looking.

Each rule is a small pure function over plain data (the map as JSON, the blank's fields as `Widget`s, the
pages' text, the profile model's paths) returning findings; `lint` runs them all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from formfill.editions.align import Widget
from formfill.editions.draft import profile_paths
from formfill.editions.items import Item, stale_declarations, uncovered

ERROR = "error"
WARNING = "warning"
FORMAT_WIDTH = {"date": 10}  # characters a format always prints (mm/dd/yyyy)


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    where: str  # a field name, `skip[3]`, `identify`
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "severity": self.severity, "where": self.where, "message": self.message}


def kinds(fmap: dict[str, Any], blank: dict[str, Widget]) -> list[Finding]:
    """Every mapped field exists in the blank, with the kind the map treats it as, and checkboxes have an on-state."""
    out: list[Finding] = []
    for e in fmap.get("fields", []):
        kind = "check" if "check" in e else "text" if "text" in e else "choice"
        w = blank.get(e["field"])
        if w is None:
            out.append(Finding("missing_field", ERROR, e["field"], "not a field of the blank"))
        elif w.kind != kind:
            out.append(Finding("wrong_kind", ERROR, e["field"], f"a {w.kind} field, the map treats it as {kind}"))
        elif kind == "check" and not w.on_states:
            out.append(Finding("no_on_state", ERROR, e["field"], "a checkbox without an on-state: never checked"))
    for name in [*fmap.get("signature_fields", []), *fmap.get("unfilled_fields", [])]:
        if name not in blank:
            out.append(Finding("missing_field", ERROR, name, "named by the map but not a field of the blank"))
    return out


def widths(fmap: dict[str, Any], blank: dict[str, Widget]) -> list[Finding]:
    """MaxLen and comb fit what the format prints (a date needs 10 characters; a digit box one)."""
    out: list[Finding] = []
    for e in fmap.get("fields", []):
        w = blank.get(e["field"])
        fmt = e.get("format")
        if w is None or w.max_len is None or fmt is None:
            continue
        need = FORMAT_WIDTH.get(fmt, 1 if re.fullmatch(r"digit\d+of\d+", fmt) else 0)
        if need > w.max_len:
            out.append(Finding("too_narrow", ERROR, e["field"], f"MaxLen {w.max_len} cannot hold a {fmt} ({need})"))
        if w.comb and re.fullmatch(r"digit\d+of\d+", fmt) and w.max_len != 1:
            out.append(Finding("comb_mismatch", WARNING, e["field"], f"a comb of {w.max_len} for one digit"))
    return out


def normalized(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def skip_instructions(fmap: dict[str, Any], pages: list[str]) -> list[Finding]:
    """Every skip rule's printed instruction is on the page it names (the first 60 characters, normalized)."""
    out: list[Finding] = []
    texts = [normalized(t) for t in pages]
    for i, s in enumerate(fmap.get("skip", [])):
        page = int(s.get("instruction_page", 0))
        said = re.sub(r"^\s*\d+\.(?:[a-z]\.)?\s*", "", str(s.get("instruction", "")))  # its item number prints apart
        wanted = normalized(said)[:60]
        if not 1 <= page <= len(texts) or wanted not in texts[page - 1]:
            where = next((n + 1 for n, t in enumerate(texts) if wanted and wanted in t), None)
            hint = f" (it is on page {where})" if where else ""
            out.append(Finding("instruction_not_found", ERROR, f"skip[{i}]",
                               f"{s.get('id')}: the instruction is not printed on page {page}{hint}"))
    return out


def bare(path: str) -> str:
    return re.sub(r"\[\d+\]", "", path)


def model_paths(schema: dict[str, Any]) -> set[str]:
    """Every dotted path a JSON Schema (pydantic's, with $defs) allows; list items share their list's path."""
    defs = schema.get("$defs", {})
    out: set[str] = set()

    def walk(node: dict[str, Any], prefix: str, depth: int) -> None:
        if depth > 12:
            return
        if "$ref" in node:
            walk(defs.get(node["$ref"].rsplit("/", 1)[-1], {}), prefix, depth + 1)
        for key in ("anyOf", "oneOf", "allOf"):
            for sub in node.get(key, []):
                walk(sub, prefix, depth + 1)
        if "items" in node and isinstance(node["items"], dict):
            walk(node["items"], prefix, depth + 1)
        for name, sub in node.get("properties", {}).items():
            path = f"{prefix}.{name}" if prefix else name
            out.add(path)
            walk(sub, path, depth + 1)

    walk(schema, "", 0)
    return out


def paths(fmap: dict[str, Any], known: set[str]) -> list[Finding]:
    """Every profile path the map reads exists in the package's profile model."""
    out: list[Finding] = []
    seen: set[str] = set()
    for e in fmap.get("fields", []):
        for p in profile_paths(e):
            if bare(p) not in known and p not in seen:
                seen.add(p)
                out.append(Finding("unknown_path", ERROR, e["field"], f"{p} is not a path of the profile model"))
    return out


def conditions_of(e: dict[str, Any]) -> Any:
    return e.get("check", e.get("when"))


def written_twice(fmap: dict[str, Any]) -> list[Finding]:
    """A field two entries write is a problem unless their conditions differ (so one applies at a time)."""
    by_field: dict[str, list[dict[str, Any]]] = {}
    for e in fmap.get("fields", []):
        by_field.setdefault(e["field"], []).append(e)
    out: list[Finding] = []
    for name, entries in by_field.items():
        if len(entries) < 2:
            continue
        conds = [repr(conditions_of(e)) for e in entries]
        if any(conditions_of(e) is None for e in entries) or len(set(conds)) < len(conds):
            out.append(Finding("written_twice", ERROR, name,
                               f"written by {len(entries)} entries whose conditions do not separate them"))
    return out


def unmapped(fmap: dict[str, Any], blank: Iterable[Widget]) -> list[Finding]:
    """Every fillable box of the form is mapped, or declared unfilled (signatures, new questions, defaults)."""
    declared = {e["field"] for e in fmap.get("fields", [])}
    declared |= set(fmap.get("signature_fields", [])) | set(fmap.get("unfilled_fields", []))
    declared |= set(fmap.get("new_fields", [])) | set(fmap.get("blank_defaults", {}))
    for s in fmap.get("signatures", []):
        declared |= {s.get("field"), s.get("date_field")}
    for b in fmap.get("additional_information", {}).get("blocks", []):
        declared |= set(b.values())
    return [Finding("unmapped", WARNING, w.name, "a box of the form neither mapped nor declared unfilled")
            for w in blank if w.kind in ("text", "check", "choice") and w.name not in declared]


def items_filled(fmap: dict[str, Any], items: list[Item], blank: Iterable[Widget]) -> list[Finding]:
    """Every printed item of the form is filled (a mapped box under it, or an entry naming it) or declared
    unfilled on purpose in `unfilled_items`; a declaration names an item the blank prints."""
    boxes = [(w.name, w.page, w.rect) for w in blank]
    out = [Finding("unmapped_item", ERROR, it.where,
                   f"printed on page {it.page}, with no mapped field under it and not declared unfilled (map it, "
                   f'or add {{"part": "{it.part}", "item": "{it.item}", "why": "..."}} to unfilled_items)')
           for it in uncovered(items, boxes, fmap)]
    for i, d in stale_declarations(items, fmap):
        out.append(Finding("unfilled_item_not_printed", WARNING, f"unfilled_items[{i}]",
                           f"Part {d.get('part')}, Item {d.get('item')} is not printed on this blank"))
    return out


def identification(fmap: dict[str, Any], form: str, edition: str, barcodes: list[str],
                   first_page: str) -> list[Finding]:
    """The blank is the form and edition the map is for, in its barcodes and its footer."""
    out: list[Finding] = []
    if (form, edition) != (fmap.get("form"), fmap.get("edition")):
        out.append(Finding("wrong_edition", ERROR, "identify",
                           f"the blank is Form {form or '?'} edition {edition or '?'}, the map is for Form "
                           f"{fmap.get('form')} edition {fmap.get('edition')}"))
    ident = fmap.get("identify", {})
    prefix = ident.get("barcode_value_prefix")
    if prefix and barcodes and not all(b.startswith(prefix) for b in barcodes):
        out.append(Finding("barcode_mismatch", ERROR, "identify.barcode_value_prefix",
                           f"the blank's barcodes do not start with {prefix!r}"))
    footer = ident.get("footer_text")
    if footer and normalized(footer) not in normalized(first_page):
        out.append(Finding("footer_mismatch", WARNING, "identify.footer_text",
                           f"{footer!r} is not printed on the first page"))
    return out


def lint(fmap: dict[str, Any], blank: list[Widget], pages: list[str], known_paths: set[str], form: str,
         edition: str, barcodes: list[str], items: list[Item] | None = None) -> list[Finding]:
    """Every rule; `items` (the blank's printed items) when the print was read."""
    by_name = {w.name: w for w in blank}
    return [
        *identification(fmap, form, edition, barcodes, pages[0] if pages else ""),
        *kinds(fmap, by_name),
        *widths(fmap, by_name),
        *skip_instructions(fmap, pages),
        *paths(fmap, known_paths),
        *written_twice(fmap),
        *unmapped(fmap, blank),
        *(items_filled(fmap, items, blank) if items is not None else []),
    ]
