"""Read a filled form back into a profile: renewals from last year's filing, and a proof of the field map.

The field map says where each profile value goes; read in reverse it says what each field means.
Everything is driven by map data, never by field names in code:

- text boxes give their profile path (`text`), with `format` undone (mm/dd/yyyy dates, comma lists,
  the weight's three digit boxes joined) and `when` checked against what the boxes say;
- a checked box (its /V equal to its own on-state) makes its conditions true: `{"applicant.sex": "F"}`
  sets the sex, `{"present": false}` says the answer is "none";
- Part 13 entries and continuation sheets are merged back into the answers they continue, exactly
  undoing `formfill.layout` (`[continued in Part 13]` / `[continued]`, `[see Part 13]` / `[P13]`, labels
  such as `City or Town: ...`, extra rows such as `Other name 4: ...`).

An older edition is read through a read map (a package's `*.read.json`: old field name -> profile path
or values), so an old filing's profile fills the current edition. Only values in form fields are read
(never appearances, never a scan); signatures are never read and the signature date is dropped, since a
renewal is signed anew. What cannot be read or does not validate is reported by its JSON path, never
guessed.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
import os
import re
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from formfill import fieldmap as fieldmap_module
from formfill.blanks import load_blank
from formfill.errors import FormError, InputError, NoFieldsError, NotFillableError, Problem, ProfileError
from formfill.fieldmap import FieldMap, matches
from formfill.files import read_bounded, write_atomic
from formfill.formpackage import default_package, package_for
from formfill.masking import is_sensitive, mask_text
from formfill.masking import shown as show
from formfill.overflow_text import Chunk, entry_label, part13_joiner, sheet_furniture, sheet_joiner
from formfill.pdf.appearance import max_lines
from formfill.pdf.blank import PREPARE_SECONDS, BlankForm, time_limit
from formfill.pdf.fields import FieldInfo
from formfill.pdf.streams import decoded_size
from formfill.profile_base import parse_profile
from formfill.profile_paths import (
    delete_path,
    is_int,
    is_list,
    is_model,
    model_type,
    prune,
    set_path,
    strip_optional,
)
from formfill.readmap import ReadMap, Rule, location, read_maps, readable
from formfill.rules import holds_raw, lookup

NO_FIELDS = "this file has no form fields; formfill reads filled forms, not scans"
_DIGIT = re.compile(r"digit(\d)of(\d)")
@dataclass
class Extraction:
    """What was read from a filled form: the profile (complete or partial), problems by JSON path, notes."""

    source: str
    form: str
    edition: str
    profile: dict[str, Any]
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    output: Path | None = None
    part13_entries: int = 0
    continuation_sheets: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "input": mask_text(self.source),  # everything but the profile read is masked (formfill.masking)
            "output": mask_text(str(self.output)) if self.output else None,
            "form": self.form,
            "edition": self.edition,
            "part13_entries": self.part13_entries,
            "continuation_sheets": self.continuation_sheets,
            "problems": [p.to_dict() for p in self.problems],
            "notes": self.notes,
            "profile": self.profile,
        }




class _Reader:
    def __init__(self, rmap: ReadMap, form: BlankForm, raw: bytes) -> None:
        self.rmap = rmap
        self.form = form
        self.raw = raw
        self.data: dict[str, Any] = {}
        self.problems: list[Problem] = []
        self.notes: list[str] = []
        self.origin: dict[str, str] = {}  # path -> where on the form it was read (for conflicts)
        self.origin_field: dict[str, str] = {}  # path -> the field it was read from (for skip instructions)
        self.absent: dict[str, str] = {}
        self.present: dict[str, str] = {}
        self.asked: dict[str, str] = {}  # path -> the question a box left open (validation says it once)
        self.part13_entries = 0
        self.sheets = 0
        self.digit_boxes: dict[str, int] = {}
        spec = rmap.fill_map.package.spec if rmap.fill_map is not None else None
        self.marks = spec.overflow.markers if spec is not None else None  # None: an edition read without overflow
        self.overflow = f"Part {spec.overflow.part}" if spec is not None else ""
        self.furniture = sheet_furniture(rmap.form, tuple(spec.overflow.sheet_footer), spec.overflow.sheet_title,
                                          spec.overflow.part) if spec is not None else sheet_furniture(rmap.form)
        pkg = package_for(rmap.form) or default_package()
        self.dropped = dict(pkg.spec.extract_drops)
        self.model = pkg.model()

    # field values ------------------------------------------------------------------------------

    def text(self, name: str) -> str | None:
        info = self.form.fields.get(name)
        if info is None:
            return None
        value = info.value
        if value is None:
            return None
        if isinstance(value, bytes):
            value = value.decode("latin-1")
        if isinstance(value, list):  # a multi-select list: not a shape this form uses
            return None
        text = str(value).replace("\r\n", "\n").replace("\r", "\n")  # viewers end lines with CR
        return text if text.strip() else None

    def is_on(self, rule: Rule) -> bool:
        info = self.form.fields.get(rule.field)
        if info is None or info.value is None:
            return False
        value = str(info.value)
        if value in ("/Off", "Off", ""):
            return False
        states = set(info.on_states) or {"/Yes"}
        if value in states or "/" + value.lstrip("/") in states:
            return True
        self.problems.append(Problem(_rule_path(rule), f"the box at {rule.where or rule.field} holds {value!r}, "
                                     f"which is not its on-state {sorted(states)}; not read", "unread"))
        return False

    # assembling ----------------------------------------------------------------------------------

    def assign(self, path: str, value: Any, where: str, field_name: str = "") -> None:
        if path in self.dropped:
            self.notes.append(f"{path}: {self.dropped[path]}")
            return
        if is_list(path, self.model) and not isinstance(value, list):
            current = lookup(self.data, path)
            items = list(current) if isinstance(current, list) else []
            if value not in items:
                items.append(value)
            set_path(self.data, path, items)
            return
        current = lookup(self.data, path)
        if current is not None and current != value:
            self.problems.append(Problem(path, f"the form gives two answers: {show(path, current)} "
                                         f"({self.origin.get(path, '?')}) and {show(path, value)} ({where})",
                                         "conflict"))
            return
        set_path(self.data, path, value)
        self.origin[path] = where
        if field_name:
            self.origin_field[path] = field_name

    def not_asked_here(self, r: Rule, what: str) -> str:
        """The note for an answer whose rule does not apply to these answers."""
        if self.rmap.fill_map is not None:
            return f"{what}, which does not apply to these answers (the form skips it); not read"
        return (f"{what}, which the current edition does not ask for this request "
                f"({self.rmap.edition} asked it); not read")

    def run(self) -> None:
        rules = [r for r in self.rmap.rules if r.field not in self.rmap.ignored]
        checks = [r for r in rules if r.kind == "check"]
        texts = [r for r in rules if r.kind not in ("check", "copy")]
        constraints: list[tuple[Rule, tuple[str, Any]]] = []
        gated = [r for r in checks if r.when]  # read once the answers they depend on (the type) are known
        for r in [*(r for r in checks if not r.when), *gated]:
            if not self.is_on(r):
                continue
            if r.when and not matches(self.data, r.when):
                self.notes.append(f"{_rule_path(r)}: " + self.not_asked_here(r, f"{r.where} is checked"))
                continue
            for path, expected in (*r.sets, *self.either(r)):
                if isinstance(expected, dict) and "present" in expected:
                    (self.present if expected["present"] else self.absent)[path] = r.where
                elif isinstance(expected, list):
                    constraints.append((r, (path, expected)))
                else:
                    self.assign(path, expected, r.where or r.field, r.field)
        pending: list[tuple[Rule, str]] = []
        joined: dict[str, dict[int, tuple[str, str]]] = {}
        part13 = self.part13() if self.rmap.fill_map is not None else []
        for r in texts:
            value = self.text(r.field)
            if value is None or r.path is None:
                continue
            if r.path in self.dropped:
                self.notes.append(f"{r.path}: {self.dropped[r.path]}")
                continue
            value = self.resolve_pointer(r, value, part13)
            if value is None:
                continue
            if r.when:
                pending.append((r, value))
                continue
            self.take(r, value, joined)
        taken: set[str] = set()
        unread: dict[str, tuple[Rule, str]] = {}
        for r, value in pending:  # a field may mean one path for some answers and another for others
            if matches(self.data, r.when):
                self.take(r, value, joined)
                taken.add(r.field)
            else:
                unread.setdefault(r.field, (r, value))
        for field_name, (r, value) in unread.items():
            if field_name not in taken:
                self.notes.append(f"{r.path}: " + self.not_asked_here(r, f"{r.where} holds "
                                                                         f"{show(r.path or '', value)}"))
        for path, parts in joined.items():
            slots = [parts.get(k, ("", ""))[0] for k in range(min(parts), max(parts) + 1)]
            if "" in slots or (path in self.digit_boxes and max(parts) != self.digit_boxes[path]):
                self.problems.append(Problem(path, "its digit boxes are only partly filled; not read", "unread"))
                continue
            self.assign(path, self.coerce(path, "".join(slots), None), "digit boxes", parts[min(parts)][1])
        if self.rmap.fill_map is not None:
            self.overflow_rows(part13)
            for entry in part13:
                if not entry.used:
                    paths = [r.path for r in texts if r.path and _key(r.page, r.part, r.item) == entry.key]
                    self.problems.append(Problem(
                        paths[0] if paths else "",
                        f"{self.overflow} ({location(*entry.key)}) holds text that continues no answer formfill reads: "
                        f"{_clip(mask_text(entry.text)) if not (paths and is_sensitive(paths[0])) else '[redacted]'}",
                        "unread",
                    ))
        self.copies([r for r in rules if r.kind == "copy"])
        self.questions()
        self.obey_skips()
        for path, where in self.absent.items():
            if lookup(self.data, path) not in (None, {}, []):
                self.problems.append(Problem(path, f"{where} says there is none, yet the form holds an answer "
                                             "for it", "conflict"))
        for r, (path, allowed) in constraints:
            actual = lookup(self.data, path)
            if actual is not None and actual not in allowed:
                self.notes.append(f"{path}: {r.where} is checked, but it applies only to {', '.join(allowed)}")

    def copies(self, rules: list[Rule]) -> None:
        """A checked box that means "the address given elsewhere on this form": that answer is copied (and taken
        away from where it was read when it was not an answer there); when it is empty the box is asked about."""
        for r in rules:
            if not self.is_on(r) or r.path is None or r.copy_from is None:
                continue
            if r.when and not matches(self.data, r.when):
                self.notes.append(f"{r.path}: " + self.not_asked_here(r, f"{r.where} is checked"))
                continue
            value = lookup(self.data, r.copy_from)
            if value in (None, {}, []):
                self.problems.append(Problem(r.path, r.missing or f"{r.where} points to {r.copy_from}, which is "
                                             "blank; say what it means", "ambiguous"))
                continue
            self.assign(r.path, copy.deepcopy(value), r.where or r.field, r.field)
            if r.move_when is not None and holds_raw(r.move_when, self.data):
                delete_path(self.data, r.copy_from)

    def questions(self) -> None:
        """The read map's questions: an answer this edition leaves open is asked (and, where the map says so,
        moved to the path the current edition asks it at) instead of being read silently."""
        for q in self.rmap.questions:
            if not holds_raw(q["when"], self.data):
                continue
            path = str(q["path"])
            if q.get("move_to"):
                value = lookup(self.data, path)
                delete_path(self.data, path)
                self.present.pop(path, None)  # its "Yes" box belongs to the path it moves to
                set_path(self.data, str(q["move_to"]), value)
                self.present[str(q["move_to"])] = self.origin.get(path, "")
            self.problems.append(Problem(path, str(q["message"]), "ambiguous"))

    def either(self, r: Rule) -> tuple[tuple[str, Any], ...]:
        """A box that means one of several things: what all of them say is read (or what the map says it
        certainly means, `read`), the rest is asked: once with the map's own question (`ask`), else per path."""
        if not r.any_of:
            return ()
        common = [c for c in r.any_of[0] if all(c in alt for alt in r.any_of[1:])] + list(r.read)
        settled = {p for p, _ in common}
        open_paths = dict.fromkeys(p for alt in r.any_of for p, _ in alt if p not in settled)
        if r.ask is not None:
            path, question = r.ask
            self.asked[path] = question
            self.problems.append(Problem(path, question, "ambiguous"))
            return tuple(common)
        choices = " or ".join(", ".join(f"{p} = {json.dumps(v)}" for p, v in alt) for alt in r.any_of)
        for path in open_paths:
            self.problems.append(Problem(path, f"{r.where} is checked, which means {choices}; the form does not say "
                                         "which, so answer it", "ambiguous"))
        return tuple(common)

    def obey_skips(self) -> None:
        """Values in items the form tells this applicant to skip are not answers (fieldmap.skipped_items)."""
        fmap = self.rmap.fill_map
        skipped_items = getattr(fieldmap_module, "skipped_items", None)
        if fmap is None or skipped_items is None:
            return
        skipped = {f: item for item in skipped_items(fmap, self.data) for f in item.fields}
        for path, field_name in list(self.origin_field.items()):
            item = skipped.get(field_name)
            if item is None or lookup(self.data, path) is None:
                continue
            delete_path(self.data, path)
            self.notes.append(f"{path}: {location(item.page, item.part, item.item)} holds an answer the form tells "
                              f"this applicant to skip (\"{_clip(item.instruction, 80)[1:-1]}\"); not read")

    def take(self, r: Rule, value: str, joined: dict[str, dict[int, tuple[str, str]]]) -> None:
        assert r.path is not None
        if r.echo and lookup(self.data, r.path) is not None:
            return  # the header may shorten a long name; the answer itself was read where the form asks it
        m = _DIGIT.fullmatch(r.format or "")
        if m or r.format == "join":
            if m:
                self.digit_boxes[r.path] = int(m.group(2))  # the last box is the units: it must be there
            slot = int(m.group(1)) if m else len(joined.get(r.path, {}))
            joined.setdefault(r.path, {})[slot] = (value.strip(), r.field)
            return
        self.assign(r.path, self.coerce(r.path, value, r.format), r.where or r.field, r.field)

    def coerce(self, path: str, text: str, fmt: str | None) -> Any:
        if fmt == "date":
            m = re.fullmatch(r"\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*", text)
            try:
                if m is None:
                    raise ValueError
                return dt.date(int(m.group(3)), int(m.group(1)), int(m.group(2))).isoformat()
            except ValueError:
                self.problems.append(Problem(path, f"{show(path, text)} is not a date written mm/dd/yyyy", "unread"))
                return text
        if fmt == "list":  # one per line (as a ruled box invites) or comma-separated (as formfill prints)
            return [part.strip() for part in re.split(r"[,\n]", text) if part.strip()]
        if is_int(path, self.model):
            stripped = text.strip()
            if stripped.isascii() and stripped.isdigit():
                return int(stripped)
            self.problems.append(Problem(path, f"{show(path, text)} is not a whole number", "unread"))
        return text

    # Part 13 -------------------------------------------------------------------------------------

    def part13(self) -> list[Chunk]:
        """Part 13's blocks and the continuation sheets as entries, long ones joined back together."""
        fmap = self.rmap.fill_map
        assert fmap is not None
        chunks: list[Chunk] = []
        for block in fmap.additional_information.get("blocks", []):
            text = self.text(block["text"])
            if text is None:
                continue
            page = (self.text(block["page"]) or "").strip()
            key = _key(page, self.text(block["part"]) or "", self.text(block["item"]) or "")
            info = self.form.fields[block["text"]]
            lines = text.split("\n")
            full = len(lines) >= _block_lines(info, fmap)
            chunks.append(Chunk(key, lines, full, part13_joiner(self.form, info)))
        self.part13_entries = len(chunks)
        chunks.extend(self.sheet_chunks(fmap))
        entries: list[Chunk] = []
        markers = self.markers()
        prefix = self.continuation
        for c in chunks:
            prev = entries[-1] if entries else None
            continues = prev is not None and prev.key == c.key and prev.full
            if continues and c.lines and c.lines[0].startswith(prefix):
                # The rest of the entry before it, marked `[continued]` (a block or sheet after a full one).
                first = c.lines[0][len(prefix) :].strip()
                c.lines, c.joiners = ([first, *c.lines[1:]], c.joiners) if first else (c.lines[1:], c.joiners[1:])
            elif any(c.lines and c.lines[0].startswith(m) for m in markers.get(c.key, ())):
                continues = False
            if continues and prev is not None:
                prev.lines = [*prev.lines, *c.lines]
                prev.joiners = [*prev.joiners[: len(prev.lines) - len(c.lines)], *c.joiners]
                prev.full = c.full
            else:
                entries.append(c)
        return entries

    @property
    def continuation(self) -> str:
        """`[continued]`: how the rest of an entry starts (only editions with a fill map have overflow)."""
        assert self.marks is not None
        return self.marks.continuation

    def markers(self) -> dict[tuple[str, str, str], tuple[str, ...]]:
        """How a new Part 13 entry starts, per page/part/item: `[continued]`, a box's label, an extra row."""
        out: dict[tuple[str, str, str], list[str]] = {}
        fmap = self.rmap.fill_map
        assert fmap is not None
        for e in fmap.entries:
            key = _key(e.page, e.part, e.item)
            out.setdefault(key, [self.continuation])
            if e.label:
                out[key].append(f"{e.label}: ")
        for spec in fmap.overflow_rows:
            out.setdefault(_key(spec["page"], spec["part"], spec["item"]), [self.continuation]).append(
                f"{spec['label']} "
            )
        return {k: tuple(v) for k, v in out.items()}

    def sheet_chunks(self, fmap: FieldMap) -> list[Chunk]:
        """Continuation sheets: pages after the form's own, read as text (they carry no fields)."""
        if self.form.page_count <= fmap.pages:
            return []
        try:
            import pdfplumber

            large = self._oversized_pages(fmap.pages)
            pages: list[list[tuple[str, float]]] = []
            # pdfminer needs seconds and ~100 MB per MB of page content: bounded like every PDF read.
            with time_limit(PREPARE_SECONDS, self.form.source), pdfplumber.open(io.BytesIO(self.raw)) as pdf:
                for n, p in enumerate(pdf.pages[fmap.pages :], start=fmap.pages):
                    if n in large:
                        self.problems.append(Problem("", f"page {n + 1} is not read as a continuation sheet: its "
                                                     f"content is over {MAX_SHEET_CONTENT // 2**20} MB, far more "
                                                     "than a page of text", "unread"))
                        pages.append([])
                        continue
                    pages.append([(line["text"], float(line["top"])) for line in p.extract_text_lines()])
                    p.close()
        except FormError:
            raise  # gave up after PREPARE_SECONDS: exit 2, like any PDF that takes too long
        except Exception:  # pdfminer raises many kinds (pdfplumber wraps the time limit's too): reported, no traceback
            self.problems.append(Problem("", "the continuation sheets could not be read as text", "unread"))
            return []
        self.sheets = len(pages)
        # The header (name, A-Number) is what sits above the first entry on the first sheet; every sheet has it.
        header_top = next((top for lines in pages for text, top in lines if entry_label(text)), 0.0)
        furniture = self.furniture
        out: list[Chunk] = []
        current: Chunk | None = None
        for lines in pages:
            for text, top in lines:
                line = text.strip()
                m = entry_label(line)
                if m is not None:
                    current = Chunk(_key(m["page"], m["part"], m["item"]), [], True, sheet_joiner)
                    out.append(current)
                    continue
                if top < header_top - 1 or not line or current is None or furniture.match(line):
                    continue
                current.lines.append(line)
        for c in out:
            c.joiners = [c.joiner] * len(c.lines)
        return [c for c in out if c.lines]

    def _oversized_pages(self, first: int) -> set[int]:
        """0-based pages from `first` on whose decoded content is larger than any page of text."""
        large: set[int] = set()
        for n in range(first, self.form.page_count):
            contents = self.form.reader.pages[n].get("/Contents")
            contents = contents.get_object() if contents is not None else None
            streams = contents if isinstance(contents, list) else [contents] if contents is not None else []
            size = sum(decoded_size(s.get_object()) for s in streams)
            if size > MAX_SHEET_CONTENT:
                large.add(n)
        return large

    def resolve_pointer(self, r: Rule, value: str, part13: list[Chunk]) -> str | None:
        if self.rmap.fill_map is None:
            return value
        key = _key(r.page, r.part, r.item)
        stripped = value.strip()
        assert self.marks is not None
        prefix13, continued_mark = self.continuation, self.marks.continued_in
        if stripped in self.marks.pointers:
            prefix = f"{r.label}: " if r.label else None
            for entry in part13:
                if entry.used or entry.key != key:
                    continue
                text = entry.text
                if prefix is not None and text.startswith(prefix):
                    entry.used = True
                    return text[len(prefix) :]
                if prefix is None and not text.startswith(prefix13):
                    entry.used = True
                    return text
            self.problems.append(Problem(r.path or "", f"{r.where} points to {self.overflow}, but {self.overflow} "
                                         "has no entry for it", "unread"))
            return None
        if stripped.endswith(continued_mark):
            head = stripped[: -len(continued_mark)].rstrip()
            for entry in part13:
                if entry.used or entry.key != key:
                    continue
                text = entry.text
                if head and text.startswith(prefix13):
                    entry.used = True
                    return f"{head} {text[len(prefix13):].strip()}"
                if not head and not text.startswith(prefix13):
                    entry.used = True
                    return text
            self.problems.append(Problem(r.path or "", f"{r.where} continues in {self.overflow}, but "
                                         f"{self.overflow} has no continuation for it", "unread"))
            return None
        return value

    def overflow_rows(self, part13: list[Chunk]) -> None:
        fmap = self.rmap.fill_map
        assert fmap is not None
        for spec in fmap.overflow_rows:
            key = _key(spec["page"], spec["part"], spec["item"])
            labels = {label: name for name, label in spec["fields"].items()}
            pattern = re.compile(rf"{re.escape(spec['label'])} (\d+): (.*)", re.S)
            for entry in part13:
                m = pattern.fullmatch(entry.text)
                if entry.used or entry.key != key or m is None:
                    continue
                entry.used = True
                row = int(m.group(1)) - 1
                for piece in m.group(2).split(", "):
                    label, _, value = piece.partition(": ")
                    if label in labels and value:
                        self.assign(f"{spec['source']}[{row}].{labels[label]}", value, location(*key))
                    else:
                        self.problems.append(Problem(f"{spec['source']}[{row}]", f"cannot read {piece!r}", "unread"))


def _block_lines(info: FieldInfo, fmap: FieldMap) -> int:
    return max_lines(info, fmap.ruled_line_pitch)


def _key(page: Any, part: Any, item: Any) -> tuple[str, str, str]:
    def norm(v: Any) -> str:  # "Item 3.b." and "3.B" are the same item
        return re.sub(r"^(page|part|item)(number|no\.?)?:?", "", re.sub(r"\s+", "", str(v)).lower()).strip(".")

    return norm(page), norm(part), norm(item)


def _rule_path(rule: Rule) -> str:
    return rule.path or (rule.sets[0][0] if rule.sets else "")


def _clip(text: str, n: int = 60) -> str:
    """The start of a text for a message; mask it first (formfill.masking): a cut identifier is not found."""
    return repr(text if len(text) <= n else text[: n - 3] + "...")


# --- entry points ---------------------------------------------------------------------------------


def open_filled(pdf: str | os.PathLike[str] | bytes, name: str | None = None) -> tuple[bytes, BlankForm, str]:
    """Read and parse a filled form: never cached (it holds a client's data), scans refused clearly."""
    if isinstance(pdf, bytes):
        raw, source = pdf, name or "<bytes>"
    else:
        source = name or str(pdf)
        raw = read_regular(Path(pdf), source)
    if not raw.lstrip()[:5].startswith(b"%PDF"):
        raise InputError(f"{source} is not a PDF file")
    try:
        form = load_blank(raw, source, use_cache=False, pristine=False)  # a client's file, never a blank
    except NotFillableError:
        raise NoFieldsError(f"{source}: {NO_FIELDS}") from None
    except FormError:
        raise
    except Exception as err:  # an untrusted file: whatever the parser trips on (a cycle, a bad number) is input
        raise InputError(f"{source} could not be read as a PDF form ({type(err).__name__})") from None
    named = [i for i in form.fields.values() if i.kind in ("text", "check", "choice")]
    if not named:
        raise NoFieldsError(f"{source}: {NO_FIELDS}")
    return raw, form, source


MAX_SHEET_CONTENT = 2**20  # a continuation sheet is a page of text: a few KB of content
MAX_BYTES = 100 * 1024 * 1024  # a filled I-131 is about 1-2 MB; anything far larger is not one


def read_regular(path: Path, source: str) -> bytes:
    """A regular file's bytes: a device, pipe or folder is refused up front (it could block or never end)."""
    too_large = f"{source} is larger than {MAX_BYTES // (1024 * 1024)} MB; a filled form is a few MB at most"
    return read_bounded(path, MAX_BYTES, name=source, too_large=too_large)


def extract(
    pdf: str | os.PathLike[str] | bytes,
    output: str | os.PathLike[str] | None = None,
    overwrite: bool = False,
    *,
    name: str | None = None,
) -> Extraction:
    """Read a filled form into a profile; with `output`, write it (also when incomplete, for a paralegal
    to finish). Problems name JSON paths; an unreadable file raises InputError (a scan: NoFieldsError)."""
    protected: dict[tuple[int, int], str] = {}
    if output is not None:
        from formfill.api import guard_output

        read = [] if isinstance(pdf, bytes) else [(pdf, f"the filled form {name or os.fspath(pdf)}")]
        protected = guard_output(output, read, overwrite=overwrite, what="the profile")
    raw, form, source = open_filled(pdf, name)
    maps = read_maps()
    rmap = maps.get((form.form, form.edition))
    if rmap is None:
        have = "; ".join(readable())
        what = f"Form {form.form} edition {form.edition}" if form.form else "not a form formfill recognises"
        raise FormError(f"{source} is {what}; formfill reads: {have}.")
    barcodes = {n for n in form.fields if "BarCode" in n or "Barcode" in n}
    if not any(str(form.fields[n].value or "").strip() not in ("", "/Off", "Off") for n in form.fields
               if n not in barcodes and n not in rmap.ignored):
        raise NoFieldsError(f"{source}: its form fields are empty; formfill reads filled forms, not blanks or scans")
    reader = _Reader(rmap, form, raw)
    reader.run()
    for name in rmap.ignored:
        info = form.fields.get(name)
        if info is not None and info.value not in (None, "", "/Off") and "Sig" in name and "Date" not in name:
            reader.notes.append(f"a signature field ({name.rsplit('.', 1)[-1]}) holds a value; signatures are "
                                    "never read")
    for item in rmap.not_carried:
        value = reader.text(item["field"])
        if value is not None and value not in ("/Off", "Off"):
            if item.get("problem"):  # an answer counsel must see, though the current edition does not ask it
                reader.problems.append(Problem(str(item.get("path", "")), str(item["note"]), "attention"))
            else:
                reader.notes.append(f"{item.get('path', '')}: {item['note']}".lstrip(": "))
    data = {"schema_version": 1, "form": rmap.form, **prune(reader.data)}
    for path in reader.present:  # a checked "Yes" says the section exists, even when nothing else is in it
        parent = path.rpartition(".")[0]
        parent_there = not parent or lookup(data, parent) is not None
        if lookup(data, path) is None and is_model(path, reader.model) and parent_there:
            set_path(data, path, {})
    problems = list(reader.problems)
    profile: dict[str, Any]
    try:
        model = parse_profile(data)
        profile = prune(model.model_dump(mode="json", exclude_none=True))
    except ProfileError as err:
        profile = _ordered(_normalised(data, reader.model), "", reader.model)
        found = [*err.problems, *_rules_on(data, err.problems)]
        problems.extend(p for p in _explain(found, rmap, data) if p.path not in reader.asked)
    for item in rmap.not_asked:
        if "when" not in item or holds_raw(item["when"], data):
            reader.notes.append(f"{item['path']}: {item['note']}")
    notes = list(dict.fromkeys(mask_text(n) for n in reader.notes))  # notes quote the form: masked like problems
    result = Extraction(source, form.form, form.edition, profile, _dedupe(problems), notes,
                        part13_entries=reader.part13_entries, continuation_sheets=reader.sheets)
    if output is not None:
        out = Path(output)
        write_atomic(out, (json.dumps(profile, indent=2, ensure_ascii=False) + "\n").encode(), overwrite, protected,
                     what="the profile")
        result.output = out
    return result


def _normalised(data: dict[str, Any], model: type[BaseModel]) -> dict[str, Any]:
    """A partial profile with every value that validates on its own normalised (phones, A-Numbers, ...)."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        info = model.model_fields.get(key)
        if info is None:
            out[key] = value
            continue
        nested = [t for t in strip_optional(info.annotation) if isinstance(t, type) and issubclass(t, BaseModel)]
        items = [t for t in strip_optional(info.annotation) if typing.get_origin(t) is list]
        if isinstance(value, dict) and nested:
            out[key] = _normalised(value, nested[0])
        elif isinstance(value, list) and items and value and all(isinstance(v, dict) for v in value):
            inner = [t for t in strip_optional(typing.get_args(items[0])[0]) if isinstance(t, type)
                     and issubclass(t, BaseModel)]
            out[key] = [_normalised(v, inner[0]) for v in value] if inner else value
        else:
            try:
                adapter: TypeAdapter[Any] = TypeAdapter(info.rebuild_annotation())
                out[key] = adapter.dump_python(adapter.validate_python(value), mode="json")
            except (ValidationError, TypeError, ValueError):
                out[key] = value
    return out


def _ordered(value: Any, path: str, root: type[BaseModel]) -> Any:
    """A partial profile in the model's key order, so it reads like any other profile."""
    if isinstance(value, list):
        return [_ordered(v, f"{path}[{i}]", root) for i, v in enumerate(value)]
    if not isinstance(value, dict):
        return value
    tp = root if not path else model_type(path, root)
    tps = tp if isinstance(tp, tuple) else (tp,)
    order: list[str] = []
    for t in tps:
        if isinstance(t, type) and issubclass(t, BaseModel):
            order.extend(t.model_fields)
    rank = {k: i for i, k in enumerate(order)}
    keys = sorted(value, key=lambda k: rank.get(k, len(rank)))
    return {k: _ordered(value[k], f"{path}.{k}" if path else k, root) for k in keys}


def _rules_on(data: dict[str, Any], found: list[Problem]) -> list[Problem]:
    """The form's rules between answers, on the read profile as it is: a profile missing a whole section (the
    old edition never asked the biographics) still hears which required answers it lacks (a basis, Part 4
    item 1), among the problems to resolve rather than only among the notes."""
    from formfill import formrules

    said = {p.path for p in found}
    try:
        out = [f.problem() for f in formrules.check_data(data, str(data.get("form", "")))]
    except (ValueError, TypeError):  # a value of the wrong shape: validation reports it already
        return []
    return [p for p in out if p.path not in said and not any(p.path.startswith(s + ".") for s in said)]


def _explain(problems: list[Problem], rmap: ReadMap, data: dict[str, Any] | None = None) -> list[Problem]:
    """Say which required answers this edition never asks, so nobody hunts for them on the page."""
    asked = {r.path for r in rmap.rules if r.path} | {p for r in rmap.rules for p, _ in r.sets}
    not_asked = {item["path"]: item["note"] for item in rmap.not_asked
                 if data is None or "when" not in item or holds_raw(item["when"], data)}
    out = []
    for p in problems:
        never = not any(a == p.path or a.startswith(p.path + ".") for a in asked)
        if (p.code == "missing" and never) or (p.path in not_asked and p.code in ("missing", "rule")):
            note = not_asked.get(p.path, f"Form {rmap.form} edition {rmap.edition} does not ask this; add it")
            out.append(Problem(p.path, f"is required and not on the form: {note}", "not_on_form"))
        else:
            out.append(p)
    return out


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen: set[tuple[str, str]] = set()
    out = []
    for p in problems:
        if (p.path, p.message) not in seen:
            seen.add((p.path, p.message))
            out.append(p)
    return out


__all__ = ["NO_FIELDS", "Extraction", "NoFieldsError", "ReadMap", "extract", "read_maps", "readable"]
