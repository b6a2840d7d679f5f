"""Reading a profile: from a file, standard input, a dict or an already validated model.

This sits below both the fill API (`formfill.api`) and the checks (`formfill.checks`), so either can load
a profile without importing the other.
"""

from __future__ import annotations

import collections
import json
import math
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from formfill.errors import InputError, JsonValueError, Problem, ProfileError
from formfill.identifiers import fold_diacritics
from formfill.profile import Profile, parse_profile


@dataclass
class LoadedProfile:
    profile: Profile
    source: str
    base_dir: Path
    notes: list[str] = field(default_factory=list)


ProfileSource = str | os.PathLike[str] | dict[str, Any] | Profile | LoadedProfile


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


def _read_capped(path: Path) -> bytes:
    """A profile file's bytes, never more than MAX_PROFILE_BYTES + 1 (so /dev/zero cannot fill memory)."""
    with path.open("rb") as fh:
        return fh.read(MAX_PROFILE_BYTES + 1)


def read_json(source: str | os.PathLike[str]) -> tuple[Any, str, Path]:
    """Decode a profile file ("-" is standard input); errors name the file and the position or JSON path."""
    if str(source) == "-":
        stream = sys.stdin.buffer if hasattr(sys.stdin, "buffer") else None
        raw_in = stream.read(MAX_PROFILE_BYTES + 1) if stream is not None else sys.stdin.read().encode()
        name, base = "<stdin>", Path.cwd()
    else:
        path = Path(source)
        try:
            raw_in = _read_capped(path)
        except FileNotFoundError:
            raise InputError(f"{path}: no such file") from None
        except (OSError, ValueError) as err:
            raise InputError(f"{path}: cannot be read ({getattr(err, 'strerror', None) or err})") from None
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


def load_profile(source: ProfileSource) -> LoadedProfile:
    """Validate a profile given as a path, "-", a decoded dict, or an already validated Profile."""
    if isinstance(source, LoadedProfile):
        return source
    if isinstance(source, Profile):
        return LoadedProfile(source, "<profile>", Path.cwd())
    if isinstance(source, dict):
        profile = parse_profile(source)
        return LoadedProfile(profile, "<dict>", Path.cwd(), spelling_notes(source, profile))
    data, name, base = read_json(source)
    try:
        profile = parse_profile(data)
        return LoadedProfile(profile, name, base, spelling_notes(data, profile))
    except ProfileError as err:
        err.message = f"{name}: {err.message}"
        raise


def spelling_notes(raw: Any, profile: Profile) -> list[str]:
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
