"""JSON decoded strictly: what plain json.loads lets through (a duplicate key, NaN, a number too long to hold,
an unpaired surrogate escape) is refused with every problem's JSON path, never silently one reading of the file.

A leaf of the project: profiles, batch inputs, rules files and the form packages' JSON all decode through it.
"""

from __future__ import annotations

import collections
import json
import math
import re
from dataclasses import dataclass
from typing import Any

from formfill.errors import JsonValueError, Problem

_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class _Duplicated(dict[str, Any]):
    """A decoded object that repeated keys (kept so the walk can name their paths)."""

    repeated: list[str]


@dataclass(frozen=True)
class _BadNumber:
    code: str
    message: str


def json_path(parent: str, key: str | int) -> str:
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
            out.append(Problem(json_path(path, key), "duplicate key: the object gives it more than once, so which "
                               "value is meant is unclear; keep exactly one", "duplicate_key"))
        for key, item in value.items():
            if _has_surrogate(key):
                out.append(Problem(json_path(path, key), "the key holds an unpaired UTF-16 surrogate escape "
                                   "(\\ud800-\\udfff without its pair), which is not text", "invalid_text"))
            _json_problems(item, json_path(path, key), out)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _json_problems(item, json_path(path, i), out)
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


__all__ = ["json_path", "loads_strict"]
