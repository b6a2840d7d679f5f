"""The engine names no form: every fact of Form I-131 lives in its package (`field_maps/i-131/`) and its model.

The string constants of every engine module (docstrings and comments aside: they may give an example) are
searched for what the built-in packages state: the form number, edition dates, the overflow part and its
markers, and the profile paths of the form's model. A hit is a fact the engine should take from the package.
"""

from __future__ import annotations

import ast
import importlib
import re
import types
import typing
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from formfill.formpackage import FormPackage, builtin_root, load_package

REPO = Path(__file__).resolve().parent.parent
ENGINE = REPO / "formfill"

# Top-level profile keys every form's profile has: the engine may name these.
GENERIC_KEYS = {"schema_version", "id", "form", "attachments", "overrides"}

# TODO(issue 18): what is left. The package check (`checks/`) names no form: the profile paths it reads, the
# filing fee's id and the photo kinds are in the package rules (`answers`, `fees.filing_fee_id`, `photo_kinds`).
#
# Left after merging issues 19-21 onto issue 18 (each an honest engine literal, to move into the package):
# - `review.py` and `review_html.py` (which draws them): `expedite` is the key of the review's package section in
#   the `--json` output (kept for compatibility; the section it shows is the spec's `expedite_section`); `none` is
#   its to-do kind (the list read is the spec's `none_list`).
# False positives: the I-131 model's top-level key `none` (issue 20) is also the English word / to-do kind "none"
# that `assembly/letter.py`, `cli/review_cmds.py`, `editions/workflow.py`, `forms.py` and `rules/rule.py` print;
# `assembly/build.py` writes `expedite` (whether the letter asks to expedite) as a key of package.json.
KNOWN: dict[str, set[str]] = {
    "formfill/assembly/build.py": {"'expedite'"},
    "formfill/review.py": {"'expedite'", "'none'"},
    "formfill/review_html.py": {"'expedite'", "'none'"},  # the same section key and to-do kind, drawn
    "formfill/assembly/letter.py": {"'none'"},
    "formfill/cli/review_cmds.py": {"'none'"},
    "formfill/editions/workflow.py": {"'none'"},
    "formfill/forms.py": {"'none'"},
    "formfill/rules/rule.py": {"'none'"},
}


def _builtin_packages() -> list[FormPackage]:
    root = builtin_root()
    assert root is not None, "no built-in packages root"
    found = [load_package(p) for p in sorted(root.iterdir()) if (p / "form.json").is_file()]
    assert found, f"no packages in {root}"
    return found


def _model_file(pkg: FormPackage) -> Path:
    target = pkg.spec.model.partition(":")[0]
    if target.endswith(".py"):
        return (pkg.root / target).resolve()
    module = importlib.import_module(target)
    assert module.__file__ is not None
    return Path(module.__file__).resolve()


def _unwrap(tp: Any) -> list[Any]:
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    if typing.get_origin(tp) in (typing.Union, types.UnionType, list, dict):
        return [t for arg in typing.get_args(tp) for t in _unwrap(arg)]
    return [tp]


def _model_paths(model: type[BaseModel]) -> tuple[set[str], set[str]]:
    """(every dotted path of the model, its top-level keys)."""
    paths: set[str] = set()

    def walk(cls: type[BaseModel], prefix: str, seen: frozenset[type[BaseModel]]) -> None:
        for name, info in cls.model_fields.items():
            path = f"{prefix}.{name}" if prefix else name
            paths.add(path)
            for tp in _unwrap(info.annotation):
                if isinstance(tp, type) and issubclass(tp, BaseModel) and tp not in seen:
                    walk(tp, path, seen | {tp})

    walk(model, "", frozenset({model}))
    return {p for p in paths if "." in p}, set(model.model_fields) - GENERIC_KEYS


def _patterns(pkg: FormPackage) -> list[re.Pattern[str]]:
    number = re.escape(pkg.form).replace(r"\-", "-?")  # I-131, I131, i131
    editions = [e.edition for e in pkg.spec.editions]
    part = re.escape(pkg.spec.overflow.part)
    marks = pkg.spec.overflow.markers
    out = [re.compile(rf"(?<![\w.]){number}(?!\d)", re.I), re.compile(rf"\bPart {part}\b", re.I),
           re.compile(rf"\bP{part}\b")]
    out += [re.compile(re.escape(e).replace("/", "[/-]")) for e in editions]
    out += [re.compile(re.escape(m)) for m in (marks.continued_in, *marks.pointers)]
    return out


def _docstrings(tree: ast.AST) -> set[int]:
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _hits(source: str, patterns: list[re.Pattern[str]], paths: set[str], keys: set[str]) -> set[str]:
    tree = ast.parse(source)
    skip = _docstrings(tree)
    found: set[str] = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)) or id(node) in skip:
            continue
        text = node.value
        named = [p.pattern for p in patterns if p.search(text)]
        named += [t for t in re.findall(r"[a-z_]+(?:\.[a-z_]+)+", text)
                  if t in paths or any(t.startswith(q + ".") for q in paths)]
        if text.strip() in keys:
            named.append(text.strip())
        if named:
            found.add(repr(text))
    return found


def _engine_files(excluded: set[Path]) -> list[Path]:
    return [p for p in sorted(ENGINE.rglob("*.py")) if p.resolve() not in excluded]


def test_the_search_finds_what_it_looks_for() -> None:
    """The search itself: each kind of fact is found in a string, and never in a docstring or comment."""
    pkg = next(p for p in _builtin_packages() if p.form == "I-131")
    paths, keys = _model_paths(pkg.model())
    source = '''"""Fills Form I-131 edition 01/20/25; see Part 13."""
# I-131 in a comment
A = "Form I-131"
B = f"continues in Part 13 at {x}"
C = "application.type"
D = "i-131_01-20-25.pdf"
E = "[P13]"
F = "signature_date"
G = "the blank form"
H = "I-1310"
'''
    found = _hits(source, _patterns(pkg), paths, keys)
    assert found == {"'Form I-131'", "'continues in Part 13 at '", "'application.type'", "'i-131_01-20-25.pdf'",
                     "'[P13]'", "'signature_date'"}


@pytest.mark.parametrize("pkg", _builtin_packages(), ids=lambda p: p.form)
def test_no_engine_module_names_a_fact_of_a_builtin_form(pkg: FormPackage) -> None:
    paths, keys = _model_paths(pkg.model())
    patterns = _patterns(pkg)
    model = _model_file(pkg)
    found: dict[str, set[str]] = {}
    for path in _engine_files({model}):
        rel = path.relative_to(REPO).as_posix()
        hits = _hits(path.read_text(encoding="utf-8"), patterns, paths, keys)
        if hits:
            found[rel] = hits
    unexpected = {rel: hits - KNOWN.get(rel, set()) for rel, hits in found.items()}
    unexpected = {rel: hits for rel, hits in unexpected.items() if hits}
    assert not unexpected, "engine modules name facts of Form " + pkg.form + ", which belong in its package:\n" + \
        "\n".join(f"  {rel}: {', '.join(sorted(hits))}" for rel, hits in sorted(unexpected.items()))
    stale = {rel: known - found.get(rel, set()) for rel, known in KNOWN.items()}
    stale = {rel: hits for rel, hits in stale.items() if hits}
    assert not stale, f"KNOWN lists literals that are gone (remove them from the list): {stale}"
