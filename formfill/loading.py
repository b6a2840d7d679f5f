"""Reading a profile: from a file, standard input, a dict or an already validated model.

This sits below both the fill API (`formfill.api`) and the checks (`formfill.checks`), so either can load
a profile without importing the other.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from formfill.errors import InputError, JsonValueError, Problem, ProfileError
from formfill.files import read_bounded
from formfill.identifiers import fold_diacritics
from formfill.profile_base import ProfileBase, parse_profile
from formfill.strictjson import json_path, loads_strict


@dataclass
class LoadedProfile:
    profile: ProfileBase
    source: str
    base_dir: Path
    notes: list[str] = field(default_factory=list)


ProfileSource = str | os.PathLike[str] | dict[str, Any] | ProfileBase | LoadedProfile


MAX_PROFILE_BYTES = 4 * 1024 * 1024
"""A profile is a few kilobytes; anything this large is refused before it is decoded (bounded time and memory)."""

def read_json(source: str | os.PathLike[str]) -> tuple[Any, str, Path]:
    """Decode a profile file ("-" is standard input); errors name the file and the position or JSON path."""
    if str(source) == "-":
        stream = sys.stdin.buffer if hasattr(sys.stdin, "buffer") else None
        raw_in = stream.read(MAX_PROFILE_BYTES + 1) if stream is not None else sys.stdin.read().encode()
        name, base = "<stdin>", Path.cwd()
    else:
        path = Path(source)
        # Never more than MAX_PROFILE_BYTES + 1 bytes (so /dev/zero cannot fill memory); a pipe (`<(...)`) is
        # read like a file.
        raw_in = read_bounded(path, MAX_PROFILE_BYTES, regular_only=False)
        name, base = str(path), path.resolve().parent
    if len(raw_in) > MAX_PROFILE_BYTES:
        raise InputError(f"{name}: larger than {MAX_PROFILE_BYTES // 2**20} MB; a profile is a few kilobytes")
    try:
        text = raw_in.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(f"{name}: not UTF-8 text ({err.reason} at byte {err.start})") from None
    return decode_profile_json(text, name), name, base


def decode_profile_json(text: str, name: str) -> Any:
    """A profile document decoded strictly: malformed JSON is an InputError (exit 2); well-formed JSON that
    cannot be taken as meant (duplicate keys, huge numbers) is a ProfileError naming each JSON path (exit 1)."""
    try:
        return loads_strict(text)
    except json.JSONDecodeError as err:
        raise InputError(f"{name}: not valid JSON (line {err.lineno}, column {err.colno}: {err.msg})") from None
    except RecursionError:
        raise InputError(f"{name}: not valid JSON for a profile (nested too deeply)") from None
    except JsonValueError as err:
        raise ProfileError(f"{name}: The profile has problems", err.problems) from None


_NOT_JSON: tuple[tuple[type | tuple[type, ...], str], ...] = (
    ((set, frozenset), "a Python set is not JSON and has no order (the form would list its items in an order "
     "that changes from run to run); give a list"),
    ((bytes, bytearray, memoryview), "bytes are not JSON text; give a string"),
    ((dt.datetime, dt.date, dt.time), "a Python date or time object is not JSON; give the date as text, YYYY-MM-DD"),
)


def plain_json(value: Any) -> Any:
    """A profile given as a Python dict, as the JSON document it stands for, so it means exactly what the
    same profile read from a file means.

    A tuple is taken as a list, in its order. Anything JSON has no value for is a ProfileError problem
    (code `not_json`) at its path, never quietly converted: a set (its order changes with PYTHONHASHSEED),
    bytes, a date object, a Decimal or any other object, a key that is not a string, NaN or Infinity, and a
    value that contains itself. Messages name the path and the type, never the value.
    """
    problems: list[Problem] = []
    active: set[int] = set()

    def walk(item: Any, path: str) -> Any:
        if item is None or isinstance(item, bool | int | str):
            return item
        if isinstance(item, float):
            if not math.isfinite(item):
                problems.append(Problem(path, "NaN and Infinity are not JSON numbers; give a value", "not_json"))
            return item
        if isinstance(item, dict | list | tuple):
            if id(item) in active:
                problems.append(Problem(path, "contains itself (a value that refers back to its parent)", "not_json"))
                return None
            active.add(id(item))
            try:
                if isinstance(item, dict):
                    out: dict[str, Any] = {}
                    for key, inner in item.items():
                        if not isinstance(key, str):
                            shown = json_path(path, repr(key)[:40])
                            problems.append(Problem(shown, f"a key must be a string (this one is a Python "
                                                    f"{type(key).__name__})", "not_json"))
                            continue
                        out[key] = walk(inner, json_path(path, key))
                    return out
                return [walk(inner, json_path(path, i)) for i, inner in enumerate(item)]
            finally:
                active.discard(id(item))
        why = next((text for types, text in _NOT_JSON if isinstance(item, types)), None)
        problems.append(Problem(path, why or f"a Python {type(item).__name__} is not a JSON value; give a string, "
                                "a number, true/false, null, a list or an object", "not_json"))
        return None

    try:
        data = walk(value, "")
    except RecursionError:
        raise ProfileError("The profile is nested too deeply",
                           [Problem("", "nested too deeply to be a profile", "not_json")]) from None
    if problems:
        raise ProfileError("The profile has problems", problems)
    return data


def load_profile(source: ProfileSource) -> LoadedProfile:
    """Validate a profile given as a path, "-", a decoded dict, or an already validated profile (a form model)."""
    if isinstance(source, LoadedProfile):
        return source
    if isinstance(source, ProfileBase):
        return LoadedProfile(source, "<profile>", Path.cwd())
    if isinstance(source, dict):
        data = plain_json(source)
        profile = parse_profile(data)
        return LoadedProfile(profile, "<dict>", Path.cwd(), spelling_notes(data, profile))
    data, name, base = read_json(source)
    try:
        profile = parse_profile(data)
        return LoadedProfile(profile, name, base, spelling_notes(data, profile))
    except ProfileError as err:
        err.message = f"{name}: {err.message}"
        raise


def spelling_notes(raw: Any, profile: ProfileBase) -> list[str]:
    """Say where a name prints without its diacritics (Muñoz -> Munoz), so nobody is surprised."""
    notes: list[str] = []

    def walk(before: Any, after: Any, path: str) -> None:
        if isinstance(before, dict) and isinstance(after, dict):
            for key, value in before.items():
                walk(value, after.get(key), f"{path}.{key}" if path else key)
        elif isinstance(before, list) and isinstance(after, list):
            for i, (b, a) in enumerate(zip(before, after, strict=False)):
                walk(b, a, f"{path}[{i}]")
        elif isinstance(before, str) and isinstance(after, str):
            folded = " ".join(fold_diacritics(before).split())
            if folded == after and " ".join(before.split()) != after:
                notes.append(f"{path}: prints as {after!r} (from {before!r}): the form takes A-Z letters only")

    walk(raw, profile.model_dump(mode="json"), "")
    return notes
