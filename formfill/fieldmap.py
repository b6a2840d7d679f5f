"""Field maps: per-edition data that says which profile value goes into which PDF field.

A field map is a JSON file under `field_maps/` (shipped inside the package). Each entry names a
fully qualified PDF field and one of:

- `"text": "applicant.name.family"`: a profile path printed into a text field (`format` may be
  `date` for mm/dd/yyyy, `list` for a comma-separated list, `digitNof3` for one digit of a 3-digit number);
- `"choice": "applicant.mailing_address.state"`: a profile value picked from a list field;
- `"check": {"applicant.sex": "F"}`: a checkbox that is on when every condition holds.

Conditions (`check` and the optional `when` of text entries) compare a profile path with a value,
any of a list of values, or `{"present": true|false}`; a list-valued path matches when it contains
the value. Checkboxes sharing a `group` answer one question: at most one of them may be on.
`additional_information` names Part 13's blocks, and `overflow_rows` the lists with more items than
the form has rows for (the rest go to Part 13).
Adding an edition means adding a file here, not code.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from formfill.errors import FormError, Problem, ProfileError
from formfill.pdf.blank import BlankForm

_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


@dataclass(frozen=True)
class Entry:
    field: str
    kind: str  # text | check | choice
    source: str  # the profile path (for checks: the first condition's path)
    page: int
    part: str
    item: str
    when: tuple[tuple[str, Any], ...] = ()
    format: str | None = None
    group: str | None = None
    row: int | None = None
    label: str | None = None  # names the box in Part 13 when an item has several (City or Town, ...)


@dataclass(frozen=True)
class FieldMap:
    form: str
    edition: str
    title: str
    pages: int
    identify: dict[str, str]
    entries: tuple[Entry, ...]
    signature_fields: tuple[str, ...]
    unfilled_fields: tuple[str, ...]
    additional_information: dict[str, Any]
    overflow_rows: tuple[dict[str, Any], ...]
    ruled_line_pitch: float | None
    path: str

    @property
    def key(self) -> str:
        return f"{self.form} {self.edition}"


@dataclass(frozen=True)
class Assignment:
    """One value to write: the field, what goes in it, and where it came from in the profile."""

    entry: Entry
    value: str  # text to print, option to choose, or the checkbox's on-state name

    @property
    def field(self) -> str:
        return self.entry.field

    @property
    def kind(self) -> str:
        return self.entry.kind


def map_dirs() -> list[Path]:
    """Where field maps live: FORMFILL_FIELD_MAPS (a firm's own), the package, a source checkout."""
    dirs: list[Path] = []
    extra = os.environ.get("FORMFILL_FIELD_MAPS")
    if extra:
        dirs.extend(Path(p) for p in extra.split(os.pathsep) if p)
    packaged = resources.files("formfill") / "field_maps"
    if packaged.is_dir():
        dirs.append(Path(str(packaged)))
    checkout = Path(__file__).resolve().parent.parent / "field_maps"
    if checkout.is_dir():
        dirs.append(checkout)
    return dirs


@cache
def _all_maps(dirs: tuple[Path, ...]) -> dict[tuple[str, str], FieldMap]:
    found: dict[tuple[str, str], FieldMap] = {}
    for d in dirs:
        for path in sorted(d.glob("*.json")):
            if path.name.endswith(".read.json"):
                continue  # read-only maps (formfill.extract) never make an edition fillable
            fmap = load_map(path)
            found.setdefault((fmap.form, fmap.edition), fmap)
    return found


def all_maps() -> dict[tuple[str, str], FieldMap]:
    return _all_maps(tuple(map_dirs()))


def supported() -> list[str]:
    return sorted(f"{form} edition {edition}" for form, edition in all_maps())


def load_map(path: Path) -> FieldMap:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        entries = tuple(_entry(raw) for raw in doc["fields"])
        return FieldMap(
            form=doc["form"],
            edition=doc["edition"],
            title=doc.get("title", ""),
            pages=int(doc.get("pages", 0)),
            identify=dict(doc.get("identify", {})),
            entries=entries,
            signature_fields=tuple(doc.get("signature_fields", [])),
            unfilled_fields=tuple(doc.get("unfilled_fields", [])),
            additional_information=dict(doc.get("additional_information", {})),
            overflow_rows=tuple(doc.get("overflow_rows", [])),
            ruled_line_pitch=float(doc["ruled_line_pitch"]) if doc.get("ruled_line_pitch") else None,
            path=str(path),
        )
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise FormError(f"The field map {path} is not valid: {err}") from None


def _entry(raw: dict[str, Any]) -> Entry:
    common = {
        "field": raw["field"],
        "page": int(raw["page"]),
        "part": str(raw["part"]),
        "item": str(raw["item"]),
        "format": raw.get("format"),
        "group": raw.get("group"),
        "row": raw.get("row"),
        "label": raw.get("label"),
    }
    if "check" in raw:
        conds = tuple(raw["check"].items())
        return Entry(kind="check", source=conds[0][0], when=conds, **common)
    kind = "text" if "text" in raw else "choice"
    return Entry(kind=kind, source=raw[kind], when=tuple(raw.get("when", {}).items()), **common)


def for_form(blank: BlankForm) -> FieldMap:
    """The field map for this blank's edition, or a message that says what is supported."""
    maps = all_maps()
    fmap = maps.get((blank.form, blank.edition))
    if fmap is not None:
        check_against(fmap, blank)
        return fmap
    have = "; ".join(supported()) or "none"
    if not blank.form:
        raise FormError(f"{blank.source} is not a USCIS form formfill recognises. Supported: {have}.")
    if blank.form != "I-131":
        raise FormError(f"{blank.source} is Form {blank.form}; formfill fills Form I-131 only. Supported: {have}.")
    raise FormError(
        f"{blank.source} is Form {blank.form} edition {blank.edition}, which has no field map. Supported: {have}. "
        "Download the current edition (`formfill forms fetch`) or add a field map for this edition."
    )


def check_against(fmap: FieldMap, blank: BlankForm) -> None:
    """A map that names fields the blank lacks would write nothing there: refuse it up front."""
    problems: list[str] = []
    for e in fmap.entries:
        info = blank.fields.get(e.field)
        if info is None:
            problems.append(f"{e.field} is not in the blank")
        elif info.kind != e.kind:
            problems.append(f"{e.field} is a {info.kind} field, the map treats it as {e.kind}")
    for name in fmap.signature_fields:
        if name not in blank.fields:
            problems.append(f"signature field {name} is not in the blank")
    if problems:
        raise FormError(f"The field map {fmap.path} does not match {blank.source}: " + "; ".join(problems[:5]))


# --- resolving a profile -------------------------------------------------------------------------


def lookup(data: Any, path: str) -> Any:
    """`applicant.other_names[1].family` in a nested dict/list; None where anything is missing."""
    cur = data
    for name, index in _PATH_PART.findall(path):
        if cur is None:
            return None
        if index:
            i = int(index)
            cur = cur[i] if isinstance(cur, list) and i < len(cur) else None
        else:
            cur = cur.get(name) if isinstance(cur, dict) else None
    return cur


def matches(data: dict[str, Any], conditions: tuple[tuple[str, Any], ...]) -> bool:
    for path, expected in conditions:
        actual = lookup(data, path)
        if isinstance(expected, dict) and "present" in expected:
            if (actual is not None and actual != []) != bool(expected["present"]):
                return False
        elif isinstance(expected, list):
            if actual not in expected:
                return False
        elif isinstance(actual, list):
            if expected not in actual:
                return False
        elif actual != expected:
            return False
    return True


def render(value: Any, fmt: str | None) -> str:
    if fmt == "date":
        if not isinstance(value, dt.date):
            value = dt.date.fromisoformat(str(value))
        return str(value.strftime("%m/%d/%Y"))
    if fmt == "list":
        return ", ".join(str(v) for v in value)
    m = re.fullmatch(r"digit(\d)of(\d)", fmt or "")
    if m:
        return str(int(value)).zfill(int(m.group(2)))[int(m.group(1)) - 1]
    return str(value)


def resolve(fmap: FieldMap, data: dict[str, Any], blank: BlankForm) -> list[Assignment]:
    """Everything to write for one profile (given as `Profile.model_dump()`), in map order."""
    out: list[Assignment] = []
    problems: list[Problem] = []
    for e in fmap.entries:
        if e.when and not matches(data, e.when):
            continue
        if e.kind == "check":
            out.append(Assignment(e, blank.fields[e.field].on_state))
            continue
        value = lookup(data, e.source)
        if value is None or value == "" or value == []:
            continue
        text = render(value, e.format)
        if e.kind == "choice":
            options = blank.fields[e.field].options
            if options and text not in options:
                problems.append(Problem(e.source, f"{text!r} is not one of the form's choices for this box"))
                continue
        out.append(Assignment(e, text))
    for group, members in _groups(out):
        if len(members) > 1:
            paths = ", ".join(sorted({m.entry.source for m in members}))
            problems.append(Problem(paths, f"would check {len(members)} boxes for one question ({group})", "conflict"))
    if problems:
        raise ProfileError("The profile cannot be placed on the form", problems)
    return out


def _groups(assignments: list[Assignment]) -> Iterator[tuple[str, list[Assignment]]]:
    groups: dict[str, list[Assignment]] = {}
    for a in assignments:
        if a.kind == "check" and a.entry.group:
            groups.setdefault(a.entry.group, []).append(a)
    yield from groups.items()
