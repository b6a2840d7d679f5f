"""Rules of the rule language: one rule, the problem a profile that breaks it gets, and rule files.

A rule says when it applies (`when`), what must then hold (`require`) or must not (`forbid`), the JSON
path its problem points at, the message (`{a.profile.path}` prints that value), code, severity, primary
source and whether the source is uncertain. A rules file (a package's `rules.json`) is checked rule by rule;
a broken rule is refused with one message naming the file, the rule and the key.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from formfill.errors import InputError, JsonValueError, Problem
from formfill.masking import is_sensitive
from formfill.rules.conditions import PATH, Condition, KnownPath, bare, holds, lookup

Severity = Literal["error", "warning", "info"]
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class RuleProblem:
    """A profile that breaks a rule: the rule's message at its JSON path, with its source."""

    rule: str
    path: str
    message: str
    code: str = "rule"
    severity: Severity = "error"
    source: str = ""
    uncertain: bool = False

    def problem(self) -> Problem:
        """As the Problem every formfill check reports (path, message, code)."""
        return Problem(self.path, self.message, self.code)


class Rule(_Strict):
    """One rule about answers: when it applies, what must (or must not) then hold, and what to say."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    path: str = Field(description="The JSON path the problem points at.")
    when: Condition | None = Field(None, description="When the rule applies (default: always).")
    require: Condition | None = Field(None, description="What must hold when it applies.")
    forbid: Condition | None = Field(None, description="What must not hold when it applies.")
    message: str = Field(min_length=3, description="What is wrong; {a.profile.path} prints that value.")
    code: str = Field("rule", pattern=r"^[a-z_]+$")
    severity: Severity = "error"
    source: str = Field(min_length=3, description="The primary source: form instructions with edition, "
                                                  "a regulation, or the blank's own XFA script.")
    uncertain: bool = False

    @model_validator(mode="after")
    def _well_formed(self) -> Rule:
        if self.require is not None and self.forbid is not None:
            raise ValueError("give 'require' or 'forbid', not both (split it into two rules)")
        if self.when is None and self.require is None and self.forbid is None:
            raise ValueError("a rule needs 'when', 'require' or 'forbid'")
        if not PATH.fullmatch(self.path):
            raise ValueError(f"'path': '{self.path}' is not a profile path")
        for name in placeholders(self.message):
            if not PATH.fullmatch(name):
                raise ValueError(f"'message': {{{name}}} is not a profile path")
            if is_sensitive(bare(name)):
                raise ValueError(f"'message': {{{name}}} would print an identifier; messages never do")
        return self

    @property
    def reads(self) -> tuple[str, ...]:
        """Every profile path this rule reads: its conditions' and its message's, in order."""
        return reads(self)


def placeholders(message: str) -> list[str]:
    return [m.group(1) for m in _PLACEHOLDER.finditer(message)]


def reads(rule: Rule) -> tuple[str, ...]:
    """The profile paths a rule reads (conditions first, then the message's placeholders)."""
    found: dict[str, None] = {}
    for cond in (rule.when, rule.require, rule.forbid):
        if cond is not None:
            found.update(dict.fromkeys(cond.paths))
    found.update(dict.fromkeys(placeholders(rule.message)))
    return tuple(found)


def broken(rule: Rule, data: dict[str, Any], on: dt.date | None = None) -> bool:
    """Whether a profile breaks a rule: it applies and its requirement fails (or what it forbids holds)."""
    if not holds(rule.when, data, on):
        return False
    if rule.require is not None:
        return not holds(rule.require, data, on)
    if rule.forbid is not None:
        return holds(rule.forbid, data, on)
    return True


def _shown(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, list):
        return ", ".join(_shown(v) for v in value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def render(message: str, data: dict[str, Any]) -> str:
    """The message with each `{path}` replaced by the profile's value there."""
    return _PLACEHOLDER.sub(lambda m: _shown(lookup(data, m.group(1))), message)


def evaluate(rules: Iterable[Rule], data: dict[str, Any], on: dt.date | None = None) -> list[RuleProblem]:
    """The problems a profile dump has under these rules, in the rules' order."""
    return [RuleProblem(r.id, r.path, render(r.message, data), r.code, r.severity, r.source, r.uncertain)
            for r in rules if broken(r, data, on)]


# --- rule files ----------------------------------------------------------------------------------


class RuleFile(_Strict):
    """A package's `rules.json`: the form's rules between answers."""

    schema_version: Literal[1]
    about: str | None = None
    rules: list[dict[str, Any]]


def _where(loc: Sequence[int | str]) -> str:
    return ".".join(str(p) for p in loc if not str(p).startswith(("function-", "with-info")))


def _first_error(err: ValidationError) -> str:
    """The first error as `'key': what is wrong` (`'key' is required` for a missing one)."""
    e = err.errors(include_url=False)[0]
    key = _where(e["loc"])
    if e["type"] == "missing":
        return f"'{key}' is required"
    if e["type"] == "extra_forbidden":
        return f"'{key}' is not a key of a rule"
    message = e["msg"].removeprefix("Value error, ")
    return f"'{key}': {message}" if key else message


def parse_rules(doc: Any, name: str, known: KnownPath | None = None) -> tuple[Rule, ...]:
    """The rules of a decoded rules document; a broken one is refused with one message naming the file,
    the rule and the key (InputError, exit 2)."""
    try:
        head = RuleFile.model_validate(doc)
    except ValidationError as err:
        raise InputError(f"{name}: not a valid rules file: {_first_error(err)}") from None
    out: list[Rule] = []
    seen: set[str] = set()
    for index, raw in enumerate(head.rules):
        rid = raw.get("id") if isinstance(raw.get("id"), str) else f"#{index + 1}"
        try:
            rule = Rule.model_validate(raw, context={"known_path": known})
        except ValidationError as err:
            raise InputError(f"{name}: rule '{rid}': {_first_error(err)}") from None
        if rule.id in seen:
            raise InputError(f"{name}: rule '{rid}': 'id' is given to two rules; each rule exists once")
        seen.add(rule.id)
        out.append(rule)
    return tuple(out)


def load_rules(path: Path, known: KnownPath | None = None, name: str | None = None) -> tuple[Rule, ...]:
    """The rules in a rules file (strict JSON: a key given twice is an error, never one reading); messages
    call the file `name` (default: its path)."""
    shown = name or str(path)
    from formfill.strictjson import loads_strict

    try:
        doc = loads_strict(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise InputError(f"{shown}: the rules file cannot be read ({err.strerror or err})") from None
    except (UnicodeDecodeError, RecursionError):
        raise InputError(f"{shown}: not a UTF-8 JSON rules file") from None
    except json.JSONDecodeError as err:
        raise InputError(f"{shown}: not valid JSON (line {err.lineno}, column {err.colno}: {err.msg})") from None
    except JsonValueError as err:
        raise InputError(f"{shown}: not a valid rules file: {err}") from None
    return parse_rules(doc, shown, known)


def iter_conditions(rule: Rule) -> Iterator[Condition]:
    """The conditions of a rule (when, require, forbid) that are given."""
    yield from (c for c in (rule.when, rule.require, rule.forbid) if c is not None)
