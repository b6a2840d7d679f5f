"""Field maps: per-edition data that says which profile value goes into which PDF field.

A field map is a JSON file in a form package (`field_maps/<form>/`, see formfill.formpackage). Each entry names a
fully qualified PDF field and one of:

- `"text": "applicant.name.family"`: a profile path printed into a text field (`format` may be
  `date` for mm/dd/yyyy, `list` for a comma-separated list, `digitNof3` for one digit of a 3-digit number);
- `"choice": "applicant.mailing_address.state"`: a profile value picked from a list field;
- `"check": {"applicant.sex": "F"}`: a checkbox that is on when every condition holds.

Conditions (`check` and the optional `when` of text entries) are written in the one rule language
(formfill.rules): an object holds when every entry holds, a list of objects when any one holds; an entry
compares a profile path with a value, any of a list of values, or operators such as `{"present": true}`;
a list-valued path matches when it contains the value. Checkboxes sharing a `group` answer one question:
at most one of them may be on.
`additional_information` names Part 13's blocks, and `overflow_rows` the lists with more items than
the form has rows for (the rest go to Part 13).

`skip` holds the form's own instructions to skip an item or to complete it only in some cases
("SKIP to Part 8", "Complete this section only if ..."): which items, when (a condition set), and
the printed instruction with its page. A skipped item stays blank whatever the profile holds; a value
the profile holds for it is a note, or a problem when the skip has a `conflict`: `{"path": ..., "message": ...}`
names the answer that contradicts the request when the skip applies. That conflict is a rule of the rule
language (`Skip.rule`): validating a profile reports it with its message at its path, once.
`questions` gives each item's question in the map's own clean words (by part and item; the review shows them, never
the PDF's tooltips with their typos), `option` what one checkbox of a question says ("Female", "Yes"), and a box of
several meanings may say what it certainly means when read back (`read`) and the one question it leaves open (`ask`).
Adding an edition means adding a file to the form's package and a line to its `form.json`, not code.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from formfill.errors import FormError, Problem, ProfileError
from formfill.formpackage import (
    SPEC_FILE,
    FormPackage,
    all_packages,
    builtin_root,
    explicit_packages,
    package_for,
    packages,
    roots_now,
    stamp,
)
from formfill.pdf.blank import BlankForm
from formfill.rules import Condition, KnownPath, Rule, holds, lookup, model_paths, passes, snapshot

Conditions = tuple[tuple[str, Any], ...]


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
    option: str | None = None  # what this checkbox says, among the boxes of its question (Female, Yes, ...)
    read: Conditions = ()  # a checked box of several meanings (`any_of`): what it certainly says when read back
    ask: tuple[str, str] | None = None  # (path, question) for what such a box leaves open when read back
    any_of: tuple[Conditions, ...] = ()  # a check given as a list of condition sets: on when any holds
    condition: Condition | None = dataclasses.field(default=None, compare=False, repr=False)  # `when`/`any_of`

    def applies(self, data: dict[str, Any]) -> bool:
        """Whether this entry's conditions hold for a profile (for checks: whether the box is on)."""
        return holds(self.condition, data)


@dataclass(frozen=True)
class Skip:
    """One of the form's instructions to skip items: which, when, and the printed words that say so."""

    id: str
    when: Condition
    items: tuple[tuple[str, str], ...]  # (part, item)
    instruction: str
    instruction_page: int
    conflict: str | None = None  # set when a value here contradicts the request: a problem, not a note
    xfa_script: str | None = None  # the blank's own XFA script that enforces it, where there is one
    rule: Rule | None = None  # the conflict as a rule: when this skip applies, a value at its path is a problem

    def applies(self, data: dict[str, Any]) -> bool:
        return holds(self.when, data)


@dataclass(frozen=True)
class SkippedItem:
    """An item the form tells this applicant to skip: it stays blank on the page."""

    page: int
    part: str
    item: str
    fields: tuple[str, ...]
    instruction: str
    instruction_page: int


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
    skips: tuple[Skip, ...] = ()
    signatures: tuple[dict[str, Any], ...] = ()  # who signs where (formfill.signing reads it)
    blank_defaults: tuple[tuple[str, str], ...] = ()  # what the pristine blank holds; every other field is empty
    questions: dict[tuple[str, str], str] = field(default_factory=dict, compare=False)  # (part, item) -> words
    status: str = "reviewed"  # `draft` while `formfill map accept` has not run: a draft never fills
    lost: tuple[Entry, ...] = ()  # entries of the edition drafted from with no box on this one
    drafted_from: str | None = None
    by_item: dict[tuple[str, str], tuple[Entry, ...]] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        index: dict[tuple[str, str], list[Entry]] = {}
        for e in self.entries:
            index.setdefault((e.part, e.item), []).append(e)
        self.by_item.update({k: tuple(v) for k, v in index.items()})

    @property
    def key(self) -> str:
        return f"{self.form} {self.edition}"

    def question(self, e: Entry) -> str | None:
        """The item's question in the map's own clean words, with the box's label or option (`Sex: Female`);
        None when the map has no words for the item."""
        words = self.questions.get((e.part, e.item))
        if words is None:
            return None
        detail = e.option or e.label
        return f"{words}: {detail}" if detail else words

    @property
    def package(self) -> FormPackage:
        """The form package this map belongs to (its spec: overflow convention, names, model)."""
        pkg = package_for(self.form)
        if pkg is None:
            raise FormError(f"The field map {self.path} is for Form {self.form}, which has no form package")
        return pkg


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


def all_maps() -> dict[tuple[str, str], FieldMap]:
    """Every edition formfill fills: the fill maps of every form package (formfill.formpackage)."""
    return _all_maps(roots_now(), builtin_root(), explicit_packages(), stamp())


@cache
def _all_maps(roots: tuple[Path, ...], builtin: Path | None, explicit: tuple[Path, ...] = (),
              _stamp: tuple[tuple[str, int], ...] = ()) -> dict[tuple[str, str], FieldMap]:
    found: dict[tuple[str, str], FieldMap] = {}
    for pkg in all_packages():  # a later package's map of an edition replaces an earlier one's
        known = model_paths(pkg.model())
        for edition, path in pkg.fill_maps.items():
            fmap = load_map(path, known)
            if (fmap.form, fmap.edition) != (pkg.form, edition):
                raise FormError(f"The field map {path} is Form {fmap.form} edition {fmap.edition}, but "
                                f"{pkg.label}/{SPEC_FILE} lists it for Form {pkg.form} edition {edition}")
            _check_identify(fmap, pkg)
            found[fmap.form, fmap.edition] = fmap
    return found


def _check_identify(fmap: FieldMap, pkg: FormPackage) -> None:
    """A map's `identify` values must be what its package's identification says this edition's blank holds."""
    ident = pkg.spec.identification
    said = {"barcode_value_prefix": ident.barcode_value, "footer_text": ident.footer_text}
    for key, value in fmap.identify.items():
        template = said.get(key)
        expected = template.format(form=fmap.form, edition=fmap.edition, page="") if template else None
        if expected is not None and value != expected:
            raise FormError(f"The field map {fmap.path}: identify.{key} is {value!r}, but "
                            f"{pkg.label}/{SPEC_FILE} says the blank holds {expected!r}")


def supported() -> list[str]:
    return sorted(f"{form} edition {edition}" for (form, edition), m in all_maps().items() if m.status != "draft")


def the_forms() -> str:
    """`Form I-131`: the forms formfill has packages for, as refusals name them."""
    return " or ".join(f"Form {form}" for form in packages()) or "a form formfill has a package for"


def what_we_fill() -> str:
    """`formfill fills Form I-131 edition 01/20/25`: the sentence every refusal of a blank ends with."""
    return "formfill fills " + (" or ".join(f"Form {s}" for s in supported()) or "no form (no field maps found)")


def load_map(path: Path, known: KnownPath | None = None) -> FieldMap:
    """A field map file; with `known`, every path its conditions read must be a key of the profile model."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        entries = tuple(_entry(raw, known) for raw in doc["fields"])
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
            skips=tuple(_skip(raw, entries, doc, known) for raw in doc.get("skip", [])),
            signatures=tuple(doc.get("signatures", [])),
            blank_defaults=tuple((str(k), str(v)) for k, v in doc.get("blank_defaults", {}).items()),
            questions={(str(part), str(item)): str(words) for part, items in doc.get("questions", {}).items()
                       for item, words in items.items()},
            status=str(doc.get("status", "reviewed")),
            lost=tuple(_entry(raw, known) for raw in doc.get("not_on_this_edition", [])),
            drafted_from=doc.get("drafted_from"),
        )
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise FormError(f"The field map {path} is not valid: {err}") from None


def _condition(raw: Any, known: KnownPath | None, where: str) -> Condition:
    """A map condition, checked by the rule language (formfill.rules): an object, or a list of them."""
    try:
        return Condition(raw, known)
    except ValueError as err:
        raise ValueError(f"{where}: {err}") from None


def _condition_sets(cond: Condition) -> tuple[Conditions, ...]:
    """An entry's condition as (path, value) pairs per alternative, for readers that take it apart."""
    sets = cond.raw if isinstance(cond.raw, list) else [cond.raw]
    if any(key in ("all", "any", "not") for c in sets for key in c):
        raise ValueError(f"a checkbox's condition is an object or a list of objects, not {json.dumps(cond.raw)}")
    return tuple(tuple(c.items()) for c in sets)


def _skip(raw: dict[str, Any], entries: tuple[Entry, ...], doc: dict[str, Any], known: KnownPath | None) -> Skip:
    sid = str(raw["id"])
    part = str(raw["part"])
    in_part = [e.item for e in entries if e.part == part]
    wanted = raw["items"]
    items = list(dict.fromkeys(in_part)) if wanted == "all" else [str(i) for i in wanted]
    missing = [i for i in items if i not in in_part]
    if missing or not items:
        raise ValueError(f"skip {sid!r} names Part {part} items the map does not have: {missing}")
    when = _condition(raw["when"], known, f"skip {sid!r}: 'when'")
    instruction, page = str(raw["instruction"]), int(raw["instruction_page"])
    conflict = raw.get("conflict")
    rule = None
    if conflict is not None:
        if not isinstance(conflict, dict) or set(conflict) != {"path", "message"}:
            raise ValueError(f"skip {sid!r}: 'conflict' is {{\"path\": ..., \"message\": ...}}: the answer that "
                             "contradicts the request when the skip applies, and what to say")
        path = str(conflict["path"])
        source = f"Form {doc['form']} (edition {doc['edition']}), page {page}" + (
            f"; the blank's XFA script {raw['xfa_script']}" if raw.get("xfa_script") else "")
        try:
            rule = Rule.model_validate({
                "id": sid, "path": path, "when": when, "forbid": _condition({path: {"present": True}}, known, sid),
                "message": f'{conflict["message"]}; the form says "{instruction}" (page {page})',
                "code": "skipped", "source": source,
            })
        except ValueError as err:
            raise ValueError(f"skip {sid!r}: 'conflict': {err}") from None
    return Skip(
        id=sid,
        when=when,
        items=tuple((part, i) for i in items),
        instruction=instruction,
        instruction_page=page,
        conflict=str(conflict["message"]) if conflict is not None else None,
        xfa_script=raw.get("xfa_script"),
        rule=rule,
    )


def _entry(raw: dict[str, Any], known: KnownPath | None = None) -> Entry:
    common = {
        "field": raw["field"],
        "page": int(raw["page"]),
        "part": str(raw["part"]),
        "item": str(raw["item"]),
        "format": raw.get("format"),
        "group": raw.get("group"),
        "row": raw.get("row"),
        "label": raw.get("label"),
        "option": raw.get("option"),
    }
    if "read" in raw or "ask" in raw:
        ask = raw.get("ask")
        if ask is not None and (not isinstance(ask, dict) or set(ask) != {"path", "message"}):
            raise ValueError(f"{raw['field']}: 'ask' is {{\"path\": ..., \"message\": ...}}")
        common["read"] = tuple(dict(raw.get("read", {})).items())
        common["ask"] = (str(ask["path"]), str(ask["message"])) if ask is not None else None
    if "check" in raw:
        cond = _condition(raw["check"], known, f"{raw['field']}: 'check'")
        sets = _condition_sets(cond)
        if len(sets) == 1:
            return Entry(kind="check", source=sets[0][0][0], when=sets[0], condition=cond, **common)
        return Entry(kind="check", source=sets[0][0][0], any_of=sets, condition=cond, **common)
    kind = "text" if "text" in raw else "choice"
    if "when" not in raw:
        return Entry(kind=kind, source=raw[kind], **common)
    cond = _condition(raw["when"], known, f"{raw['field']}: 'when'")
    [when] = _condition_sets(cond) if isinstance(cond.raw, dict) else (None,)
    if when is None:
        raise ValueError(f"{raw['field']}: 'when' is one object (every entry holds)")
    return Entry(kind=kind, source=raw[kind], when=when, condition=cond, **common)


def for_form(blank: BlankForm) -> FieldMap:
    """The field map for this blank's edition, or a message that says what is supported."""
    maps = all_maps()
    fmap = maps.get((blank.form, blank.edition))
    if fmap is not None and fmap.status == "draft":
        folder = Path(fmap.path).parent
        raise FormError(f"{blank.source} is Form {blank.form} edition {blank.edition}, whose package {folder} is a "
                        f"draft: a draft never fills. Review it and run `formfill map accept {folder}`; "
                        f"{what_we_fill()}.")
    if fmap is not None:
        check_against(fmap, blank)
        return fmap
    if not blank.form:
        raise FormError(f"{blank.source}: this is not {the_forms()} (no USCIS form number found in it); "
                        f"{what_we_fill()}.")
    if blank.form not in packages():
        raise FormError(f"{blank.source}: this is not {the_forms()} but Form {blank.form}; {what_we_fill()}.")
    if any(pkg.form == blank.form and blank.edition in pkg.read_maps for pkg in all_packages()):
        raise FormError(
            f"{blank.source} is Form {blank.form} edition {blank.edition}, which has no field map: it is an older "
            f"edition formfill reads (`formfill extract` takes a filed copy) but does not fill; {what_we_fill()}. "
            "To fill, use the current edition: `formfill forms fetch`, or download it and `formfill forms add PATH`."
        )
    raise FormError(
        f"{blank.source} is Form {blank.form} edition {blank.edition}, which has no field map; {what_we_fill()}. "
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


def matches(data: dict[str, Any], conditions: Conditions) -> bool:
    """Whether every (path, value) pair of a condition holds (the rule language's test for each)."""
    return all(passes(lookup(data, path), expected) for path, expected in conditions)


def conflict_rules(fmap: FieldMap) -> tuple[Rule, ...]:
    """The map's skips that make an answer a contradiction, as rules (validating a profile reports them)."""
    return tuple(s.rule for s in fmap.skips if s.rule is not None)


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


def skipped_items(fmap: FieldMap, data: dict[str, Any]) -> list[SkippedItem]:
    """The items the form tells this applicant to skip, in form order, with their fields and instruction."""
    data = snapshot(data)
    found: dict[tuple[str, str], SkippedItem] = {}
    for rule in fmap.skips:
        if not rule.applies(data):
            continue
        for part, item in rule.items:
            if (part, item) in found:
                continue
            entries = fmap.by_item[part, item]
            found[part, item] = SkippedItem(
                page=entries[0].page,
                part=part,
                item=item,
                fields=tuple(dict.fromkeys(e.field for e in entries)),
                instruction=rule.instruction,
                instruction_page=rule.instruction_page,
            )
    return sorted(found.values(), key=lambda s: (s.page, _natural(s.part), _natural(s.item)))


def skipped_fields(fmap: FieldMap, data: dict[str, Any]) -> frozenset[str]:
    return frozenset(f for s in skipped_items(fmap, data) for f in s.fields)


def skip_findings(fmap: FieldMap, data: dict[str, Any]) -> tuple[list[Problem], list[Problem]]:
    """(notes, problems): values the profile holds for items the form tells this applicant to skip.

    A box checked because something is absent (item 4 "No" when no replacement is asked for) is not a
    value the profile holds; a box checked or a text printed from a value is.
    """
    data = snapshot(data)
    notes: list[Problem] = []
    problems: list[Problem] = []
    said: set[tuple[str, str]] = set()
    for rule in fmap.skips:
        if not rule.applies(data):
            continue
        for e in (e for key in rule.items for e in fmap.by_item[key]):
            for path in _held_paths(e, data):
                where = f"Page {e.page}, Part {e.part}, Item {e.item}"
                key = (rule.id, "" if rule.conflict else path)  # a contradiction is said once per rule
                if key in said:
                    continue
                said.add(key)
                said_by_form = f'the form says "{rule.instruction}" (page {rule.instruction_page})'
                if rule.conflict:
                    problems.append(Problem(path, f"{rule.conflict}: {where} is skipped; {said_by_form}", "skipped"))
                else:
                    notes.append(Problem(path, f"not printed: {where} is skipped for this request; {said_by_form}",
                                         "skipped"))
    return notes, problems


def lost_notes(fmap: FieldMap, data: dict[str, Any]) -> list[Problem]:
    """Profile values this edition has no box for (the edition drafted from had one): named, never dropped."""
    out: list[Problem] = []
    seen: set[str] = set()
    before = f" (edition {fmap.drafted_from} asked it in Part {{part}}, Item {{item}})" if fmap.drafted_from else ""
    for e in fmap.lost:
        for path in _held_paths(e, data):
            if path not in seen:
                seen.add(path)
                out.append(Problem(path, f"not printed: edition {fmap.edition} of Form {fmap.form} has no box for "
                                         f"it{before.format(part=e.part, item=e.item)}", "not_on_this_edition"))
    return out


def skip_notes(fmap: FieldMap, data: dict[str, Any]) -> list[Problem]:
    """Values left off the page because the form says to skip their item (each with its profile path)."""
    return skip_findings(fmap, data)[0]


def _held_paths(e: Entry, data: dict[str, Any]) -> list[str]:
    """The profile paths whose values this entry would print, were its item not skipped."""
    if e.kind != "check":
        value = lookup(data, e.source) if e.applies(data) else None
        return [] if value is None or value == "" or value == [] else [e.source]
    if not e.applies(data):
        return []
    conds = e.when + next((c for c in e.any_of if matches(data, c)), ())
    paths = [p for p, _ in conds]
    held: list[str] = []
    for path, expected in conds:
        if isinstance(expected, dict) and "present" in expected:
            guard = any(q.startswith(path + ".") for q in paths)  # `processing` present: a guard, not a value
            if not expected["present"] or guard:
                continue
        held.append(path)
    return held


def _natural(text: str) -> tuple[tuple[int, str], ...]:
    return tuple((int(t), "") if t.isdigit() else (0, t) for t in re.findall(r"\d+|[A-Za-z]+", text))


def resolve(fmap: FieldMap, data: dict[str, Any], blank: BlankForm) -> list[Assignment]:
    """Everything to write for one profile (given as `Profile.model_dump()`), in map order.

    Items the form tells this applicant to skip stay blank whatever the profile holds; a value there
    that contradicts the request (a rule with a `conflict` message) is a problem. Each condition is
    evaluated once (a Snapshot of `data`; pass `rules.snapshot_of(profile)` to share it with other steps).
    """
    data = snapshot(data)
    out: list[Assignment] = []
    problems: list[Problem] = list(skip_findings(fmap, data)[1])
    skipped = skipped_fields(fmap, data)
    for e in fmap.entries:
        if e.field in skipped or not e.applies(data):
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
