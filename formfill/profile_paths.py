"""A profile as a dict, by JSON path: the type the form's profile model declares at a path, and setting,
deleting and pruning values, as reading a filled form back builds a profile."""

from __future__ import annotations

import re
import types
import typing
from typing import Any

from pydantic import BaseModel

from formfill.formpackage import default_package
from formfill.rules import lookup

PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def strip_optional(tp: Any) -> list[Any]:
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        out: list[Any] = []
        for arg in typing.get_args(tp):
            if arg is not type(None):
                out.extend(strip_optional(arg))
        return out
    return [tp]


def model_type(path: str, root: type[BaseModel] | None = None) -> Any:
    """The type the profile model (`root`, default the default package's) declares at `path` (list item types
    for `[n]`), or None."""
    candidates: list[Any] = [root or default_package().model()]
    for name, index in PATH_PART.findall(path):
        nxt: list[Any] = []
        for tp in candidates:
            if index:
                if typing.get_origin(tp) is list:
                    nxt.extend(strip_optional(typing.get_args(tp)[0]))
            elif isinstance(tp, type) and issubclass(tp, BaseModel) and name in tp.model_fields:
                nxt.extend(strip_optional(tp.model_fields[name].annotation))
        if not nxt:
            return None
        candidates = nxt
    return candidates[0] if len(candidates) == 1 else tuple(candidates)


def is_list(path: str, root: type[BaseModel]) -> bool:
    return typing.get_origin(model_type(path, root)) is list


def is_model(path: str, root: type[BaseModel]) -> bool:
    tp = model_type(path, root)
    tps = tp if isinstance(tp, tuple) else (tp,)
    return any(isinstance(t, type) and issubclass(t, BaseModel) for t in tps)


def is_int(path: str, root: type[BaseModel]) -> bool:
    return model_type(path, root) is int


# --- building the profile -------------------------------------------------------------------------


def set_path(data: dict[str, Any], path: str, value: Any) -> None:
    parts = PATH_PART.findall(path)
    cur: Any = data
    for n, (name, index) in enumerate(parts):
        last = n == len(parts) - 1
        nxt_is_index = not last and bool(parts[n + 1][1])
        if index:
            i = int(index)
            while len(cur) <= i:
                cur.append({})
            if last:
                cur[i] = value
            else:
                cur = cur[i]
        elif last:
            cur[name] = value
        else:
            if not isinstance(cur.get(name), list | dict):
                cur[name] = [] if nxt_is_index else {}
            cur = cur[name]


def delete_path(data: dict[str, Any], path: str) -> None:
    parent, _, key = path.rpartition(".")
    holder = lookup(data, parent) if parent else data
    if isinstance(holder, dict) and "[" not in key:
        holder.pop(key, None)


def prune(value: Any) -> Any:
    """Drop empty sections and rows: what the form leaves blank is simply not in the profile."""
    if isinstance(value, dict):
        out = {k: prune(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v not in (None, {}, [])}
    if isinstance(value, list):
        items = [prune(v) for v in value]
        return [v for v in items if v not in ({}, None)]
    return value


__all__ = ["delete_path", "is_int", "is_list", "is_model", "model_type", "prune", "set_path", "strip_optional"]
