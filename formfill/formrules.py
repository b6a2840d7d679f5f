"""The rules a form package states between answers, gathered once: its `rules.json` and its maps' skip conflicts.

Validating a profile evaluates these with the one evaluator (formfill.rules), each rule once, so a profile
that breaks a rule gets that rule's message at its JSON path. A skip whose answer contradicts the request
(a `travel` section without advance parole: "Part 7. ... Complete only if ...") is said by the fill map's
skip rule, never by a second copy here.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from formfill.fieldmap import all_maps, conflict_rules
from formfill.formpackage import package_for, package_roots
from formfill.rules import Rule, RuleProblem, evaluate, load_rules, model_paths, snapshot_of


@cache
def _rules_file(path: Path, model: type[BaseModel], name: str) -> tuple[Rule, ...]:
    return load_rules(path, model_paths(model), name)


def profile_rules(form: str) -> tuple[Rule, ...]:
    """Every rule about a profile for `form`: the package's `rules.json`, then its fill maps' skip conflicts
    (a skip kept by several editions' maps counts once). Gathered once per set of package roots."""
    key = (form, tuple(package_roots()))
    found = _GATHERED.get(key)
    if found is None:
        found = _GATHERED[key] = _gather(form)
    return found


_GATHERED: dict[tuple[str, tuple[Path, ...]], tuple[Rule, ...]] = {}


def _gather(form: str) -> tuple[Rule, ...]:
    pkg = package_for(form)
    own: tuple[Rule, ...] = ()
    if pkg is not None and pkg.rules is not None:
        own = _rules_file(pkg.rules, pkg.model(), pkg.file_label(pkg.rules))
    conflicts: dict[str, Rule] = {}
    for (map_form, _), fmap in sorted(all_maps().items()):
        if map_form == form:
            for rule in conflict_rules(fmap):
                conflicts.setdefault(rule.id, rule)
    return own + tuple(conflicts.values())


def check(profile: BaseModel, form: str) -> list[RuleProblem]:
    """The problems a validated profile has under its form's rules, in the rules' order."""
    return evaluate(profile_rules(form), snapshot_of(profile))


def check_data(data: dict[str, Any], form: str) -> list[RuleProblem]:
    """The same rules on a profile that does not validate yet (a partial profile read from an old filing), as
    plain JSON data: what it breaks so far."""
    return evaluate(profile_rules(form), data)


__all__ = ["check", "check_data", "profile_rules"]
