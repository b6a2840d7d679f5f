"""Conditions of the rule language: checking them once when loaded, evaluating them once per profile.

The language itself is described in `formfill.rules`. A condition is plain JSON (an object: all hold; a
list: any holds); `Condition` checks it and lists the paths it reads, `holds` evaluates it, and a
`Snapshot` (one read-only dump of one profile) remembers every result so nothing is evaluated twice.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import json
import re
import typing
import weakref
from collections.abc import Callable
from typing import Any

from pydantic import (
    BaseModel,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    ValidationInfo,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

KnownPath = Callable[[str], bool]
"""Says whether a dotted path (indexes removed) names a key of the profile model."""

COMBINATORS = ("all", "any", "not")
COMPARISONS = ("lt", "le", "gt", "ge")
OPERATORS = ("present", "not_in", "mentions_any", "starts_with_any", *COMPARISONS, "age", "days_from")
PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\[\d+\])?(\.[A-Za-z_][A-Za-z0-9_]*(\[\d+\])?)*")
_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")

# --- paths ---------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def _steps(path: str) -> tuple[str | int, ...]:
    return tuple(int(index) if index else name for name, index in _PART.findall(path))


def lookup(data: Any, path: str) -> Any:
    """`applicant.other_names[1].family` in a nested dict/list; None where anything is missing.

    A key after a list without an index reads that key of every item (`attachments.kind` is the list of every
    attachment's kind), so a condition can ask whether any item has a value; None when no item has one.
    """
    cur = data
    for step in _steps(path):
        if isinstance(step, int):
            cur = cur[step] if isinstance(cur, list) and step < len(cur) else None
        elif isinstance(cur, list):
            found = [item.get(step) for item in cur if isinstance(item, dict)]
            cur = [v for v in found if v is not None] or None
        else:
            cur = cur.get(step) if isinstance(cur, dict) else None
        if cur is None:
            return None
    return cur


def bare(path: str) -> str:
    """The path without list indexes (`applicant.other_names[1].family` -> `applicant.other_names.family`)."""
    return re.sub(r"\[\d+\]", "", path)


def model_paths(model: type[BaseModel]) -> KnownPath:
    """A KnownPath for a pydantic model: every dotted chain of field names through nested models."""

    def submodel(annotation: Any) -> type[BaseModel] | None:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return annotation
        for arg in getattr(annotation, "__args__", ()) or ():
            found = submodel(arg)
            if found is not None:
                return found
        return None

    @functools.lru_cache(maxsize=1024)
    def known(path: str) -> bool:
        current: type[BaseModel] | None = model
        for part in bare(path).split("."):
            if current is None or part not in current.model_fields:
                return False
            current = submodel(current.model_fields[part].annotation)
        return True

    return known


def model_values(model: type[BaseModel], path: str) -> frozenset[str] | None:
    """The values a path of a pydantic model may hold, when its type lists them (an Enum or a Literal; for a
    dict, its keys'); None for a free value or a path the model does not have. Rules data keyed by a profile
    answer (a table per request type, say) is checked with it, so a misspelt key is refused."""

    def members(annotation: Any) -> frozenset[str] | None:
        if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
            return frozenset(str(m.value) for m in annotation)
        if typing.get_origin(annotation) is typing.Literal:
            return frozenset(str(a) for a in typing.get_args(annotation))
        if typing.get_origin(annotation) is dict:
            return members(typing.get_args(annotation)[0])
        found: set[str] = set()
        for arg in typing.get_args(annotation) if typing.get_origin(annotation) is not None else ():
            inner = members(arg)
            if inner is not None:
                found |= inner
        return frozenset(found) if found else None

    def submodel(annotation: Any) -> type[BaseModel] | None:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return annotation
        for arg in typing.get_args(annotation):
            found = submodel(arg)
            if found is not None:
                return found
        return None

    current: type[BaseModel] | None = model
    annotation: Any = None
    for part in bare(path).split("."):
        if current is None or part not in current.model_fields:
            return None
        annotation = current.model_fields[part].annotation
        current = submodel(annotation)
    return members(annotation)


# --- conditions: checking ------------------------------------------------------------------------


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _check_operator(op: str, arg: Any) -> None:
    if op == "present":
        if not isinstance(arg, bool):
            raise ValueError("'present' takes true or false")
    elif op == "not_in":
        if not isinstance(arg, list) or not arg or not all(_is_scalar(a) for a in arg):
            raise ValueError("'not_in' takes a non-empty list of values")
    elif op in ("mentions_any", "starts_with_any"):
        if not isinstance(arg, list) or not arg or not all(isinstance(a, str) and a for a in arg):
            raise ValueError(f"'{op}' takes a non-empty list of texts")
    elif op in COMPARISONS:
        if isinstance(arg, bool) or not isinstance(arg, int | float | str):
            raise ValueError(f"'{op}' takes a number or a YYYY-MM-DD date")
        if isinstance(arg, str):
            _iso(arg, strict=True)
    elif op in ("age", "days_from"):
        if not isinstance(arg, dict) or not arg or not set(arg) <= set(COMPARISONS):
            raise ValueError(f"'{op}' takes comparisons, e.g. {{\"lt\": 14}} ({', '.join(COMPARISONS)})")
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in arg.values()):
            raise ValueError(f"'{op}' compares with whole numbers")
    else:
        raise ValueError(f"'{op}' is not an operator (operators: {', '.join(OPERATORS)}; a list means any of, "
                         "a plain value means equals)")


def _check_test(path: str, spec: Any, known: KnownPath | None, paths: dict[str, None]) -> None:
    if not PATH.fullmatch(path):
        raise ValueError(f"'{path}' is not a profile path (dotted keys, e.g. section.answer) nor one of "
                         f"{', '.join(COMBINATORS)}")
    if known is not None and not known(bare(path)):
        hint = ' (the path is the key: {"section.answer": "value"})' if path == "path" else ""
        raise ValueError(f"'{path}' is not a key of the profile{hint}")
    paths[path] = None
    if isinstance(spec, dict):
        if not spec:
            raise ValueError(f"'{path}': an empty object tests nothing")
        for op, arg in spec.items():
            try:
                _check_operator(op, arg)
            except ValueError as err:
                raise ValueError(f"'{path}': {err}") from None
    elif isinstance(spec, list):
        if not spec or not all(_is_scalar(v) for v in spec):
            raise ValueError(f"'{path}': a list means any of these values and needs at least one plain value")
    elif not _is_scalar(spec):
        raise ValueError(f"'{path}': {spec!r} is not a value to compare with")


def _check(raw: Any, known: KnownPath | None, paths: dict[str, None]) -> None:
    if isinstance(raw, list):
        if not raw:
            raise ValueError("an empty list of conditions never holds")
        for item in raw:
            _check(item, known, paths)
        return
    if not isinstance(raw, dict) or not raw:
        raise ValueError(f"a condition is a non-empty object or a list of them, not {json.dumps(raw)}")
    for key, spec in raw.items():
        if key in ("all", "any"):
            if not isinstance(spec, list) or not spec:
                raise ValueError(f"'{key}' takes a non-empty list of conditions")
            for item in spec:
                _check(item, known, paths)
        elif key == "not":
            _check(spec, known, paths)
        else:
            _check_test(key, spec, known, paths)


class Condition:
    """A checked condition in the compact form, and the profile paths it reads (in order of appearance).

    Compared and hashed by identity: a loaded condition is the key its results are remembered under.
    """

    __slots__ = ("__weakref__", "compiled", "paths", "raw")

    def __init__(self, raw: Any, known: KnownPath | None = None) -> None:
        """Check `raw` (ValueError naming the offending key) and, with `known`, every path it reads; compile
        it once into a function of the profile dump."""
        paths: dict[str, None] = {}
        _check(raw, known, paths)
        self.raw = raw
        self.paths: tuple[str, ...] = tuple(paths)
        self.compiled: Compiled = _compile(raw)

    def __repr__(self) -> str:
        return f"Condition({json.dumps(self.raw, default=str)})"

    @classmethod
    def _validate(cls, value: Any, info: ValidationInfo) -> Condition:
        if isinstance(value, Condition):
            return value
        context = info.context if isinstance(info.context, dict) else {}
        return cls(value, context.get("known_path"))

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.with_info_plain_validator_function(
            cls._validate, serialization=core_schema.plain_serializer_function_ser_schema(lambda c: c.raw)
        )

    @classmethod
    def __get_pydantic_json_schema__(cls, schema: core_schema.CoreSchema,
                                     handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        return {"description": "a condition in formfill's rule language (see formfill.rules)"}


# --- conditions: evaluating ----------------------------------------------------------------------


class Snapshot(dict[str, Any]):
    """One dump of one profile, read-only, that remembers every condition's result for it.

    `on` is the reference date (the filing date) for `age` and `days_from`; None means today.
    """

    __slots__ = ("memo", "on")

    def __init__(self, data: dict[str, Any], on: dt.date | None = None) -> None:
        super().__init__(data)
        self.memo: dict[object, bool] = {}
        self.on = on


def snapshot(data: dict[str, Any], on: dt.date | None = None) -> Snapshot:
    """`data` as a Snapshot (itself when it already is one for the same reference date)."""
    if isinstance(data, Snapshot) and data.on == on:
        return data
    return Snapshot(data, on)


_SNAPSHOTS: dict[int, Snapshot] = {}


def snapshot_of(model: BaseModel) -> Snapshot:
    """The one Snapshot of a validated profile (`model.model_dump()`), kept as long as the model lives."""
    key = id(model)
    found = _SNAPSHOTS.get(key)
    if found is None:
        found = Snapshot(model.model_dump())
        _SNAPSHOTS[key] = found
        weakref.finalize(model, _SNAPSHOTS.pop, key, None)
    return found


Test = Callable[[Any, "dt.date | None"], bool]
"""One compiled entry test: (the value at its path, the reference date) -> whether it passes."""
Compiled = Callable[[dict[str, Any], "dt.date | None"], bool]
"""A compiled condition: (a profile dump, the reference date) -> whether it holds."""


def _empty(value: Any) -> bool:
    """Absent: nothing, no text, no items. A section is given even when none of its answers are read yet."""
    return value is None or (isinstance(value, str | list) and not value)


def _iso(text: str, strict: bool = False) -> dt.date | None:
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    if strict:
        raise ValueError(f"'{text}' is not a YYYY-MM-DD date")
    return None


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return _iso(value) if isinstance(value, str) else None


def _compare(op: str, left: Any, right: Any) -> bool:
    if op == "lt":
        return bool(left < right)
    if op == "le":
        return bool(left <= right)
    if op == "gt":
        return bool(left > right)
    return bool(left >= right)


def age_on(born: dt.date, on: dt.date) -> int:
    """Whole years from `born` to `on` (a birthday on 29 February counts from 1 March in other years)."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _norm_class(text: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", text.upper())


def _member(values: list[Any]) -> Callable[[Any], bool]:
    """Whether a single value is one of `values` (true is not 1: a yes/no answer is not a number)."""
    bools = tuple(v for v in values if isinstance(v, bool))
    others = frozenset(v for v in values if not isinstance(v, bool))

    def member(a: Any) -> bool:
        if isinstance(a, bool):
            return a in bools
        try:
            return a in others
        except TypeError:  # a section or a list: equal to no plain value
            return False

    return member


def _any_of(values: list[Any]) -> Test:
    """A plain value or a list of them: the value is one of them; a list-valued path contains one."""
    member = _member(values)

    def test(actual: Any, on: dt.date | None) -> bool:
        if isinstance(actual, list):
            return any(member(a) for a in actual)
        return member(actual)

    return test


def _operator(op: str, arg: Any) -> Test:
    if op == "present":
        return lambda actual, on: (not _empty(actual)) is arg
    if op == "not_in":
        member = _member(arg)
        return lambda actual, on: not any(member(a) for a in (actual if isinstance(actual, list) else [actual]))
    if op == "mentions_any":
        needles = [n.lower() for n in arg]

        def mentions(actual: Any, on: dt.date | None) -> bool:
            items = actual if isinstance(actual, list) else [actual]
            texts = [str(v).lower() for v in items if v is not None]
            return any(n in t for n in needles for t in texts)

        return mentions
    if op == "starts_with_any":
        prefixes = tuple(_norm_class(p) for p in arg)
        return lambda actual, on: isinstance(actual, str) and _norm_class(actual).startswith(prefixes)
    if op in COMPARISONS:
        if isinstance(arg, str):
            bound = _as_date(arg)

            def dated(actual: Any, on: dt.date | None) -> bool:
                day = _as_date(actual)
                return day is not None and _compare(op, day, bound)

            return dated
        return lambda actual, on: (isinstance(actual, int | float) and not isinstance(actual, bool)
                                   and _compare(op, actual, arg))
    bounds = list(arg.items())
    years = op == "age"

    def measured(actual: Any, on: dt.date | None) -> bool:
        day = _as_date(actual)
        if day is None:
            return False
        ref = on or dt.date.today()
        value = age_on(day, ref) if years else (day - ref).days
        return all(_compare(cmp, value, bound) for cmp, bound in bounds)

    return measured


def _test(spec: Any) -> Test:
    """One entry's test: a plain value, a list of values, or an object of operators (all must hold)."""
    if isinstance(spec, list):
        return _any_of(spec)
    if not isinstance(spec, dict):
        return _any_of([spec])
    tests = [_operator(op, arg) for op, arg in spec.items()]
    if len(tests) == 1:
        return tests[0]
    return lambda actual, on: all(t(actual, on) for t in tests)


def _getter(path: str) -> Callable[[dict[str, Any]], Any]:
    """The value at a path, as a function of the dump (keys only: no index parsing per profile)."""
    steps = _steps(path)
    if any(isinstance(step, int) for step in steps):
        return lambda data: lookup(data, path)
    keys = tuple(str(step) for step in steps)
    if len(keys) == 1:
        only = keys[0]
        return lambda data: data.get(only)

    def get(data: dict[str, Any]) -> Any:
        cur: Any = data
        for key in keys:
            if isinstance(cur, list):  # a key after a list: every item's value (lookup)
                return lookup(data, path)
            if not isinstance(cur, dict):
                return None
            cur = cur.get(key)
        return cur

    return get


def _all(parts: list[Compiled]) -> Compiled:
    return parts[0] if len(parts) == 1 else lambda data, on: all(p(data, on) for p in parts)


def _any(parts: list[Compiled]) -> Compiled:
    return lambda data, on: any(p(data, on) for p in parts)


def _not(part: Compiled) -> Compiled:
    return lambda data, on: not part(data, on)


def _entry(path: str, spec: Any) -> Compiled:
    get, test = _getter(path), _test(spec)
    return lambda data, on: test(get(data), on)


def _compile(raw: Any) -> Compiled:
    """A checked condition as one function of the profile dump (dispatch decided once, not per profile)."""
    if isinstance(raw, list):
        return _any([_compile(item) for item in raw])
    parts: list[Compiled] = []
    for key, spec in raw.items():
        if key == "all":
            parts.append(_all([_compile(item) for item in spec]))
        elif key == "any":
            parts.append(_any([_compile(item) for item in spec]))
        elif key == "not":
            parts.append(_not(_compile(spec)))
        else:
            parts.append(_entry(key, spec))
    return _all(parts)


def passes(actual: Any, spec: Any, on: dt.date | None = None) -> bool:
    """Whether one value passes one entry's test (a plain value, a list of values or an object of operators)."""
    return _test(spec)(actual, on)


def holds(condition: Condition | None, data: dict[str, Any], on: dt.date | None = None) -> bool:
    """Whether a condition holds for a profile dump (None: no condition, it holds).

    On a Snapshot the result is remembered, so a condition is evaluated once per profile.
    """
    if condition is None:
        return True
    if isinstance(data, Snapshot) and (on is None or on == data.on):
        found = data.memo.get(condition)
        if found is None:
            found = condition.compiled(data, on or data.on)
            data.memo[condition] = found
        return found
    return condition.compiled(data, on)


def holds_raw(raw: Any, data: dict[str, Any], on: dt.date | None = None) -> bool:
    """A condition given as plain JSON, not checked and not remembered (for one-off tests)."""
    return _compile(raw)(data, on)
