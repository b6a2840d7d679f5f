"""Read maps: what each field of a filled form means, as one shape for the fill map read backwards and for an
older edition's read map (a package's `*.read.json`: old field name -> profile path or values)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from formfill.errors import FormError
from formfill.fieldmap import FieldMap, all_maps
from formfill.formpackage import all_packages


@dataclass(frozen=True)
class Rule:
    """What one field means when read: a text value for `path`, or conditions a checked box makes true."""

    field: str
    kind: str  # text | check | choice
    path: str | None = None
    sets: tuple[tuple[str, Any], ...] = ()
    when: tuple[tuple[str, Any], ...] = ()
    format: str | None = None
    where: str = ""
    any_of: tuple[tuple[tuple[str, Any], ...], ...] = ()  # a box that means one of several condition sets
    page: int = 0
    part: str = ""
    item: str = ""
    label: str | None = None
    echo: bool = False  # Part 13's own header (the name again): read only when the answer is nowhere else
    read: tuple[tuple[str, Any], ...] = ()  # what a box of several meanings certainly says when read back
    ask: tuple[str, str] | None = None  # (path, question): the one thing such a box leaves open
    copy_from: str | None = None  # kind "copy": a checked box that means "the answer at copy_from" (path: where to)
    move_when: Any = None  # ... taken away from copy_from when this condition holds (it was not an answer there)
    missing: str | None = None  # ... what to ask when copy_from is empty


@dataclass(frozen=True)
class ReadMap:
    form: str
    edition: str
    rules: tuple[Rule, ...]
    ignored: tuple[str, ...] = ()  # signatures, barcodes: never read
    not_carried: tuple[dict[str, Any], ...] = ()  # fields with no place in the profile: a note (or problem) when filled
    not_asked: tuple[dict[str, Any], ...] = ()  # profile paths this edition does not ask (when it applies): notes
    questions: tuple[dict[str, Any], ...] = ()  # answers this edition leaves open (when it holds): asked, or moved
    fill_map: FieldMap | None = None
    path: str = ""


def location(page: Any, part: str, item: str) -> str:
    return f"Page {page}, Part {part}, Item {item}"


def from_fill_map(fmap: FieldMap) -> ReadMap:
    """The fill map read backwards: every entry says what its field means."""
    rules = []
    info13 = fmap.additional_information
    header13 = (int(info13.get("page", 0)), str(info13.get("part", "")))
    for e in fmap.entries:
        where = location(e.page, e.part, e.item)
        if e.kind == "check":
            rules.append(Rule(e.field, "check", sets=e.when, any_of=getattr(e, "any_of", ()), where=where,
                              page=e.page, part=e.part, item=e.item, read=e.read, ask=e.ask))
        else:
            rules.append(Rule(e.field, e.kind, path=e.source, when=e.when, format=e.format, where=where,
                              page=e.page, part=e.part, item=e.item, label=e.label,
                              echo=(e.page, e.part) == header13))
    ignored = tuple(fmap.signature_fields) + tuple(fmap.unfilled_fields)
    return ReadMap(fmap.form, fmap.edition, tuple(rules), ignored, fill_map=fmap, path=fmap.path)


def load_read_map(path: Path) -> ReadMap:
    """A read map (`*.read.json`): an edition formfill reads but does not fill."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        rules = []
        for raw in doc["fields"]:
            where = raw.get("where", "")
            if "set" in raw:
                rules.append(Rule(raw["field"], "check", sets=tuple(raw["set"].items()), where=where,
                                  when=tuple(raw.get("when", {}).items())))
            elif "copy" in raw:
                copy = raw["copy"]
                rules.append(Rule(raw["field"], "copy", path=copy["to"], copy_from=copy["from"], where=where,
                                  when=tuple(raw.get("when", {}).items()), move_when=copy.get("move_when"),
                                  missing=copy["missing"]))
            else:
                rules.append(Rule(raw["field"], raw.get("kind", "text"), path=raw["path"],
                                  when=tuple(raw.get("when", {}).items()), format=raw.get("format"), where=where,
                                  label=raw.get("label")))
        return ReadMap(
            form=doc["form"],
            edition=doc["edition"],
            rules=tuple(rules),
            ignored=tuple(doc.get("ignored_fields", [])),
            not_carried=tuple(doc.get("not_carried", [])),
            not_asked=tuple(doc.get("not_asked", [])),
            questions=tuple(doc.get("questions", [])),
            path=str(path),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
        raise FormError(f"The read map {path} is not valid: {err}") from None


def read_maps() -> dict[tuple[str, str], ReadMap]:
    """Every edition formfill can read: the fill maps backwards, then the read-only maps."""
    found = {key: from_fill_map(fmap) for key, fmap in all_maps().items()}
    for pkg in all_packages():
        for path in pkg.read_maps.values():
            rmap = load_read_map(path)
            found.setdefault((rmap.form, rmap.edition), rmap)
    return found


def readable() -> list[str]:
    return sorted(f"{form} edition {edition}" for form, edition in read_maps())


__all__ = ["ReadMap", "Rule", "from_fill_map", "load_read_map", "location", "read_maps", "readable"]
