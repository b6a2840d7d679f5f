"""Reading a profile: from a file, standard input, a dict or an already validated model.

This sits below both the fill API (`formfill.api`) and the checks (`formfill.checks`), so either can load
a profile without importing the other.
"""

from __future__ import annotations

import collections
import datetime as dt
import json
import math
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from formfill.errors import InputError, JsonValueError, Problem, ProfileError
from formfill.files import read_bounded
from formfill.identifiers import fold_diacritics
from formfill.profile_base import ProfileBase, parse_profile


@dataclass
class LoadedProfile:
    profile: ProfileBase
    source: str
    base_dir: Path
    notes: list[str] = field(default_factory=list)


ProfileSource = str | os.PathLike[str] | dict[str, Any] | ProfileBase | LoadedProfile


MAX_PROFILE_BYTES = 4 * 1024 * 1024
"""A profile is a few kilobytes; anything this large is refused before it is decoded (bounded time and memory)."""

_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class _Duplicated(dict[str, Any]):
    """A decoded object that repeated keys (kept so the walk can name their paths)."""

    repeated: list[str]


@dataclass(frozen=True)
class _BadNumber:
    code: str
    message: str


def _path(parent: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{parent}[{key}]"
    shown = key.encode("utf-8", "backslashreplace").decode("utf-8")  # a surrogate in a key stays printable
    return f"{parent}.{shown}" if parent else shown


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _json_problems(value: Any, path: str, out: list[Problem]) -> None:
    if isinstance(value, dict):
        for key in getattr(value, "repeated", ()):
            out.append(Problem(_path(path, key), "duplicate key: the object gives it more than once, so which value "
                               "is meant is unclear; keep exactly one", "duplicate_key"))
        for key, item in value.items():
            if _has_surrogate(key):
                out.append(Problem(_path(path, key), "the key holds an unpaired UTF-16 surrogate escape "
                                   "(\\ud800-\\udfff without its pair), which is not text", "invalid_text"))
            _json_problems(item, _path(path, key), out)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _json_problems(item, _path(path, i), out)
    elif isinstance(value, _BadNumber):
        out.append(Problem(path, value.message, value.code))
    elif isinstance(value, str) and _has_surrogate(value):
        out.append(Problem(path, "holds an unpaired UTF-16 surrogate escape (\\ud800-\\udfff without its pair), "
                           "which is not text", "invalid_text"))


def loads_strict(text: str) -> Any:
    """json.loads, refusing what plain json.loads lets through: see JsonValueError.

    Raises json.JSONDecodeError for malformed JSON, RecursionError for nesting too deep to decode and
    JsonValueError (with every problem's JSON path) for well-formed JSON that cannot be taken as meant.
    The values of the offending keys never appear in a message (they may be an SSN or A-Number).
    """
    flagged = False

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal flagged
        obj = dict(items)
        if len(obj) == len(items):
            return obj
        flagged = True
        counts = collections.Counter(k for k, _ in items)
        marked = _Duplicated(obj)
        marked.repeated = [k for k, n in counts.items() if n > 1]
        return marked

    def integer(digits: str) -> Any:
        nonlocal flagged
        try:
            return int(digits)
        except ValueError:  # longer than sys.get_int_max_str_digits()
            flagged = True
            return _BadNumber("number_too_long", f"a number of {len(digits.lstrip('-'))} digits is too long to be "
                              "read; no profile value is a number this long")

    def real(literal: str) -> Any:
        nonlocal flagged
        number = float(literal)
        if math.isfinite(number):
            return number
        flagged = True
        return _BadNumber("number_too_long", "a number too large to be read (its exponent is out of range)")

    def constant(name: str) -> Any:
        nonlocal flagged
        flagged = True
        return _BadNumber("not_a_number", f"{name} is not a JSON number; give a value")

    data = json.loads(text, object_pairs_hook=pairs, parse_int=integer, parse_float=real, parse_constant=constant)
    if flagged or _SURROGATE_ESCAPE.search(text):
        problems: list[Problem] = []
        _json_problems(data, "", problems)
        if problems:
            raise JsonValueError(problems)
    return data


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
                            shown = _path(path, repr(key)[:40])
                            problems.append(Problem(shown, f"a key must be a string (this one is a Python "
                                                    f"{type(key).__name__})", "not_json"))
                            continue
                        out[key] = walk(inner, _path(path, key))
                    return out
                return [walk(inner, _path(path, i)) for i, inner in enumerate(item)]
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
