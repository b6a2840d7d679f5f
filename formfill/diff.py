"""What changed between two profiles, or between last year's filed PDF and this year's profile.

Each side is a profile JSON file or a filled form (read with `formfill.extract`). Both are normalised
the same way (validated when valid, so `A-123-456-789` and `123456789` are the same A-Number) and
compared key by key: the result names each changed JSON path with its old and new value.

SSNs and A-Numbers are masked to their last four digits unless `show_pii` is set: a diff is read on the
firm's own screen, but its output also ends up in logs and tickets. The values of the keys `ssn` and
`a_number` are masked whole; every other value (a purpose, an explanation, Part 13 text) has each
identifier it holds masked by content (formfill.masking).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from formfill.errors import InputError, Problem, ProfileError
from formfill.loading import read_json
from formfill.masking import mask_tree, mask_value
from formfill.profile_base import parse_profile


@dataclass(frozen=True)
class Change:
    path: str
    change: str  # changed | added | removed
    old: Any
    new: Any

    def to_dict(self, show_pii: bool = False) -> dict[str, Any]:
        return {"path": self.path, "change": self.change, "old": mask_value(self.path, self.old, show_pii),
                "new": mask_value(self.path, self.new, show_pii)}

    def line(self, show_pii: bool = False) -> str:
        old, new = mask_value(self.path, self.old, show_pii), mask_value(self.path, self.new, show_pii)
        if self.change == "added":
            return f"+ {self.path}: {new!r}"
        if self.change == "removed":
            return f"- {self.path}: {old!r}"
        return f"~ {self.path}: {old!r} -> {new!r}"


@dataclass
class Side:
    source: str
    kind: str  # profile | pdf
    profile: dict[str, Any]
    problems: list[Problem] = field(default_factory=list)


@dataclass
class Diff:
    a: Side
    b: Side
    changes: list[Change]

    @property
    def identical(self) -> bool:
        return not self.changes

    def to_dict(self, show_pii: bool = False) -> dict[str, Any]:
        doc = {
            "identical": self.identical,
            "a": {"input": self.a.source, "kind": self.a.kind, "problems": [p.to_dict() for p in self.a.problems]},
            "b": {"input": self.b.source, "kind": self.b.kind, "problems": [p.to_dict() for p in self.b.problems]},
            "changes": [c.to_dict(show_pii) for c in self.changes],
        }
        return doc if show_pii else mask_tree(doc)  # the file names too


def load_side(source: str | os.PathLike[str]) -> Side:
    """A profile JSON file or a filled PDF, as a normalised profile dict."""
    from formfill.extract import extract, read_regular

    path = Path(source)
    raw = read_regular(path, str(path))
    if raw.lstrip()[:5].startswith(b"%PDF"):
        ex = extract(raw, name=str(path))
        return Side(str(path), "pdf", ex.profile, ex.problems)
    try:
        data, name, _ = read_json(path)
    except ProfileError as err:  # a key given twice, a number too long: no one reading to compare (exit 2, not 1)
        raise InputError(f"{path}: cannot be compared: its JSON cannot be read as meant", err.problems) from None
    if not isinstance(data, dict):
        raise InputError(f"{name}: a profile is a JSON object")
    try:
        return Side(name, "profile", *normalised(data))
    except RecursionError:  # what the JSON reader takes (900 levels) is still far deeper than any profile
        raise InputError(f"{name}: not valid JSON for a profile (nested too deeply)") from None


def normalised(data: dict[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    """The profile as validation prints it; an invalid one is compared as written (its problems kept)."""
    from formfill.profile_paths import prune

    try:
        return prune(parse_profile(data).model_dump(mode="json", exclude_none=True)), []
    except ProfileError as err:
        return prune(data), err.problems


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Leaves by JSON path; a list of plain values (race, countries) is one value."""
    out: dict[str, Any] = {}
    if isinstance(value, dict):
        for key, item in value.items():
            out.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(value, list) and any(isinstance(v, dict | list) for v in value):
        for i, item in enumerate(value):
            out.update(flatten(item, f"{prefix}[{i}]"))
    else:
        out[prefix] = value
    return out


def compare(a: dict[str, Any], b: dict[str, Any]) -> list[Change]:
    fa, fb = flatten(a), flatten(b)
    changes = []
    for path in list(fa) + [p for p in fb if p not in fa]:
        if path not in fb:
            changes.append(Change(path, "removed", fa[path], None))
        elif path not in fa:
            changes.append(Change(path, "added", None, fb[path]))
        elif fa[path] != fb[path]:
            changes.append(Change(path, "changed", fa[path], fb[path]))
    return changes


def diff(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> Diff:
    """What changed from A to B (each a profile JSON file or a filled form PDF)."""
    side_a, side_b = load_side(a), load_side(b)
    try:
        changes = compare(side_a.profile, side_b.profile)
    except RecursionError:
        raise InputError(f"{a} and {b} are nested too deeply to compare as profiles") from None
    return Diff(side_a, side_b, changes)


__all__ = ["Change", "Diff", "compare", "diff", "flatten"]
