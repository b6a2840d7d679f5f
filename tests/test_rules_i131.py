"""The I-131 package's rules: each rule exists once, says its message at its path, and is evaluated once.

"No rule exists twice" is checked by meaning, not spelling: two rules that point at the same JSON path are
the same rule when they fire on exactly the same answers. Every profile path a rule reads gets a small set
of values (the path's vocabulary from the profile model, the values the rules name, absent, a stand-in),
and the rules are evaluated on every combination.
"""

from __future__ import annotations

import copy
import datetime as dt
import enum
import itertools
import json
import random
import shutil
import typing
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

import formfill
from formfill import fieldmap, formrules, rules
from formfill.checks.package import load_rules as load_package_rules
from formfill.errors import FormError, InputError, ProfileError
from formfill.fieldmap import all_maps
from formfill.rules import Condition, Rule
from tests.helpers import load_sample as sample
from tests.i131 import Profile, parse_profile

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
FORM = "I-131"


def fill_map() -> fieldmap.FieldMap:
    [fmap] = [m for (form, _), m in all_maps().items() if form == FORM]
    return fmap


# --- every rule of the package, as (kind, id, path, fires) ----------------------------------------

Fires = Callable[[dict[str, Any]], bool]


def _check_fires(when: Condition | None) -> Fires:
    return lambda data: rules.holds(when, data)


def problem_rules() -> list[tuple[str, str, str, Fires, tuple[str, ...]]]:
    """Every rule that yields a problem at a JSON path: the form's rules.json, the map's skip conflicts, and the
    package rules' eligibility and intake checks (whose path is the first non-`application.` path they read)."""
    out: list[tuple[str, str, str, Fires, tuple[str, ...]]] = []
    conflicts = {r.id for r in fieldmap.conflict_rules(fill_map())}
    for r in formrules.profile_rules(FORM):
        kind = "skip conflict" if r.id in conflicts else "rules.json"
        out.append((kind, r.id, r.path, lambda data, r=r: rules.broken(r, data), rules.reads(r)))
    pkg = load_package_rules()
    for check in [*pkg.eligibility, *pkg.intake.checks]:
        paths = check.when.paths if check.when is not None else ()
        where = next((p for p in paths if not p.startswith("application.")), paths[0] if paths else "")
        out.append(("package check", check.id, where, _check_fires(check.when), paths))
    return out


# --- the values each path takes in the truth table ------------------------------------------------


def _annotation(path: str) -> tuple[Any, bool]:
    """The field's type, and whether every profile has it (it and each section above it are required)."""
    model: Any = Profile
    annotation: Any = None
    always = True
    for part in rules.bare(path).split("."):
        info = model.model_fields[part]
        annotation, always = info.annotation, always and info.is_required()
        model = next((a for a in _flat(annotation) if isinstance(a, type) and issubclass(a, BaseModel)), None)
    return annotation, always


def _flat(annotation: Any) -> Iterator[Any]:
    yield annotation
    for arg in typing.get_args(annotation):
        yield from _flat(arg)


def _vocabulary(annotation: Any) -> list[Any]:
    values: list[Any] = []
    for a in _flat(annotation):
        if typing.get_origin(a) is typing.Literal:
            values.extend(typing.get_args(a))
        elif isinstance(a, type) and issubclass(a, enum.Enum):
            values.extend(m.value for m in a)
        elif a is bool:
            values.extend([True, False])
    return values


def _named_values(raw: Any, path: str) -> Iterator[Any]:
    """The values conditions name for `path` (tests compare with them, so the table must hold them)."""
    if isinstance(raw, list):
        for item in raw:
            yield from _named_values(item, path)
        return
    for key, spec in raw.items():
        if key in ("all", "any"):
            for item in spec:
                yield from _named_values(item, path)
        elif key == "not":
            yield from _named_values(spec, path)
        elif key == path:
            specs = spec.values() if isinstance(spec, dict) else [spec]
            for s in specs:
                yield from (s if isinstance(s, list) else [s] if not isinstance(s, dict | bool) else [])


def domain(path: str, conditions: list[Condition]) -> list[Any]:
    annotation, always = _annotation(path)
    is_list = any(typing.get_origin(a) is list for a in _flat(annotation))
    is_section = any(isinstance(a, type) and issubclass(a, BaseModel) for a in _flat(annotation))
    vocabulary = _vocabulary(annotation)
    values: list[Any] = ([] if always else [None]) + vocabulary
    for cond in conditions:
        values.extend(_named_values(cond.raw, path))
    if is_section:
        values.append({"given": True})
    elif not vocabulary:
        values.append("a stand-in value")
    out: dict[str, Any] = {}
    for v in values:
        v = [v] if is_list and v is not None else v
        out.setdefault(json.dumps(v, sort_keys=True, default=str), v)
    return list(out.values())


def _profile(assignment: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for path in sorted(assignment, key=lambda p: p.count(".")):  # a section first, then its keys
        node = data
        *parents, last = path.split(".")
        for key in parents:
            if not isinstance(node.get(key), dict):
                node[key] = {}
            node = node[key]
        node[last] = copy.deepcopy(assignment[path])
    return data


def same_meaning(a: Fires, b: Fires, paths: list[str], conditions: list[Condition], limit: int = 40_000) -> bool:
    """Whether two rules fire on exactly the same answers (and on some), over every combination of values."""
    domains = [domain(p, conditions) for p in paths]
    combos: Iterator[tuple[Any, ...]] | list[tuple[Any, ...]] = itertools.product(*domains)
    total = 1
    for d in domains:
        total *= len(d)
    if total > limit:  # too many to enumerate: a fixed random sample of them
        rng = random.Random(18)
        combos = [tuple(rng.choice(d) for d in domains) for _ in range(limit)]
    fired = False
    for values in combos:
        data = _profile(dict(zip(paths, values, strict=True)))
        fa, fb = a(data), b(data)
        if fa != fb:
            return False
        fired = fired or fa
    return fired


def _conditions_of(rid: str) -> list[Condition]:
    for r in formrules.profile_rules(FORM):
        if r.id == rid:
            return list(rules.iter_conditions(r))
    pkg = load_package_rules()
    return [c.when for c in [*pkg.eligibility, *pkg.intake.checks] if c.id == rid and c.when is not None]


def duplicates(found: list[tuple[str, str, str, Fires, tuple[str, ...]]]) -> list[str]:
    out = []
    for (ka, ia, pa, fa, ra), (kb, ib, pb, fb, rb) in itertools.combinations(found, 2):
        if pa != pb:
            continue
        paths = list(dict.fromkeys([*ra, *rb]))
        conditions = _conditions_of(ia) + _conditions_of(ib)
        if same_meaning(fa, fb, paths, conditions):
            out.append(f"{ka} {ia} and {kb} {ib} say the same at {pa}")
    return out


# --- no rule exists twice -------------------------------------------------------------------------


def test_no_rule_exists_twice() -> None:
    found = problem_rules()
    kinds = {k for k, *_ in found}
    assert kinds == {"rules.json", "skip conflict", "package check"}, kinds
    assert len(found) >= 50
    assert duplicates(found) == []
    ids = [i for _, i, *_ in found]
    assert len(ids) == len(set(ids)), "two rules share an id"


def test_no_skip_or_requirement_exists_twice() -> None:
    fmap = fill_map()
    seen: dict[tuple[str, str, str], str] = {}
    for skip in fmap.skips:
        for part, item in skip.items:
            key = (json.dumps(skip.when.raw, sort_keys=True), part, item)
            assert key not in seen, f"skips {seen[key]} and {skip.id} skip Part {part} item {item} alike"
            seen[key] = skip.id
    pkg = load_package_rules()
    scopes = {"every filing": pkg.every_filing, **{f"type {k}": v for k, v in pkg.by_application_type.items()},
              **{f"basis {k}": v for k, v in pkg.by_basis.items()},
              **{f"purpose {k}": v for k, v in pkg.by_purpose.items()}}
    for label, scope in scopes.items():
        keys = [(json.dumps(r.when.raw if r.when else None, sort_keys=True), tuple(sorted(r.any_of)))
                for r in scope.requirements]
        assert len(keys) == len(set(keys)), f"{label}: two requirements ask for the same files in the same case"


def test_the_check_finds_a_rule_written_twice() -> None:
    """The nine Python rules that repeated the map's skips, written back as data, are found (the test can fail)."""
    travel = Rule.model_validate({
        "id": "travel_only_for_advance_parole", "path": "travel", "when": {"travel": {"present": True}},
        "require": {"application.type": "advance_parole"}, "message": "the travel section is for advance parole",
        "source": "Form I-131 (edition 01/20/25), page 10, Part 7"})
    ead = Rule.model_validate({
        "id": "ead_only_for_re_parole", "path": "parole.request_ead",
        "when": {"application.type": {"not_in": ["re_parole"]}}, "forbid": {"parole.request_ead": {"present": True}},
        "message": "an EAD is requested only for re-parole", "source": "Form I-131 (edition 01/20/25), page 11"})
    found = problem_rules()
    for extra in (travel, ead):
        found.append(("rules.json", extra.id, extra.path, lambda d, r=extra: rules.broken(r, d), rules.reads(extra)))
    said = duplicates(found)
    assert any("part7_advance_parole_only" in s and "travel_only_for_advance_parole" in s for s in said), said
    assert any("part9_re_parole_only" in s and "ead_only_for_re_parole" in s for s in said), said


# --- a profile that breaks a rule gets that rule's message at its path ----------------------------


CONFLICTS = [  # (skip id, sample, change, path the problem points at)
    ("part1_item12_re_parole_only", "advance-parole-i485",
     lambda d: d["application"].__setitem__("admit_until", "2027-01-01"), "application.admit_until"),
    ("part2_items16_27_parole_only", "advance-parole-i485",
     lambda d: d.__setitem__("beneficiary", sample("re-parole")["beneficiary"]), "beneficiary"),
    ("part2_items16_27_military_pip_own_behalf", "parole-in-place-military",
     lambda d: d.__setitem__("beneficiary", sample("re-parole")["beneficiary"]), "beneficiary"),
    ("part4_items4_6_parole_skips_to_part8", "re-parole",
     lambda d: d["processing"].__setitem__("replacement", {"reason": "not_received"}), "processing.replacement"),
    ("part5_reentry_permit_only", "advance-parole-i485",
     lambda d: d.__setitem__("reentry_permit", {"time_outside_us": "1_to_2_years"}), "reentry_permit"),
    ("part6_refugee_travel_document_only", "reentry-permit",
     lambda d: d.__setitem__("refugee", sample("refugee-travel-document")["refugee"]), "refugee"),
    ("part7_advance_parole_only", "reentry-permit",
     lambda d: d.__setitem__("travel", sample("advance-parole-i485")["travel"]), "travel"),
    ("part8_parole_only", "advance-parole-i485", lambda d: d.__setitem__("parole", {"reason": "x"}), "parole"),
    ("part9_re_parole_only", "initial-parole-fwvp",
     lambda d: d["parole"].__setitem__("request_ead", True), "parole.request_ead"),
]


@pytest.mark.parametrize(("skip_id", "name", "change", "path"), CONFLICTS, ids=[c[0] for c in CONFLICTS])
def test_a_contradicting_answer_gets_the_maps_message_at_its_path(
        skip_id: str, name: str, change: Callable[[dict[str, Any]], Any], path: str) -> None:
    data = sample(name)
    change(data)
    with pytest.raises(ProfileError) as err:
        parse_profile(data)
    [skip] = [s for s in fill_map().skips if s.id == skip_id]
    said = [p for p in err.value.problems if p.path == path]
    assert [p.code for p in said] == ["skipped"], err.value.problems
    assert skip.conflict is not None and said[0].message.startswith(skip.conflict + "; the form says")
    assert skip.instruction in said[0].message


def test_every_rule_of_rules_json_fires_at_its_path_with_its_source() -> None:
    """Each rule's own message at its own path, once, on the sample that breaks it least."""
    by_id = {r.id: r for r in formrules.profile_rules(FORM)}
    conflicts = {r.id for r in fieldmap.conflict_rules(fill_map())}
    own = [r for r in by_id.values() if r.id not in conflicts]
    assert len(own) == 60  # 41, the trip rule and the 18 "(if any)" items a profile may answer with `none`
    assert all(r.source.startswith("Form I-131 (edition 01/20/25), page") for r in own)
    names = [p.stem for p in sorted(SAMPLES.glob("*.json"))]
    for name in names:
        assert formrules.check(parse_profile(sample(name)), FORM) == [], name
    data = sample("daca-educational")
    data["application"]["receipt_number"] = None
    data["application"]["admit_until"] = "2027-01-01"
    found = formrules.check(Profile.model_validate(data), FORM)
    assert [(f.rule, f.path) for f in found] == [
        ("basis_asks_for_its_receipt_number", "application.receipt_number"),
        ("part1_item12_re_parole_only", "application.admit_until")]
    assert found[0].message == "the basis 'daca' asks for the receipt number of that filing"
    assert found[0].source == "Form I-131 (edition 01/20/25), page 2, Part 1 items 5.B-5.K (Receipt Number of the " \
                              "pending or approved filing)"
    assert found[1].source == "Form I-131 (edition 01/20/25), page 4; the blank's XFA script P1011Control"


def test_every_condition_of_the_map_reads_a_key_of_the_profile(tmp_path: Path) -> None:
    fmap = fill_map()
    doc = json.loads(Path(fmap.path).read_text(encoding="utf-8"))
    doc["skip"][0]["when"] = {"application.typo": "re_parole"}
    broken = tmp_path / "map.json"
    broken.write_text(json.dumps(doc))
    with pytest.raises(FormError, match=r"skip 'part1_item12_re_parole_only': 'when': "
                                                        r"'application\.typo' is not a key of the profile"):
        fieldmap.load_map(broken, rules.model_paths(Profile))
    doc["skip"][0]["when"] = {"application.type": "re_parole"}
    doc["skip"][0]["conflict"] = "the old form: a message without its path"
    broken.write_text(json.dumps(doc))
    with pytest.raises(FormError, match=r"'conflict' is \{\"path\""):
        fieldmap.load_map(broken)


def test_a_firms_package_with_a_broken_rule_is_refused_naming_file_rule_and_key(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "packages" / "i-131"
    shutil.copytree(Path(fill_map().path).parent, folder)
    doc = json.loads((folder / "rules.json").read_text())
    doc["rules"][0]["require"] = {"application.bassis": {"present": True}}
    (folder / "rules.json").write_text(json.dumps(doc))
    monkeypatch.setenv("FORMFILL_PACKAGES_DIR", str(tmp_path / "packages"))
    with pytest.raises(InputError) as err:
        parse_profile(sample("advance-parole-i485"))
    assert err.value.message == (f"{folder / 'rules.json'}: rule 'advance_parole_needs_a_basis': 'require': "
                                 "'application.bassis' is not a key of the profile")
    assert err.value.exit_code == 2


def test_a_firms_package_governs_the_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "packages" / "i-131"
    shutil.copytree(Path(fill_map().path).parent, folder)
    doc = json.loads((folder / "rules.json").read_text())
    doc["rules"].append({"id": "firm_wants_a_phone", "path": "contact.daytime_phone",
                         "require": {"contact.daytime_phone": {"present": True}}, "severity": "error",
                         "message": "the firm calls every client", "source": "firm policy 2026-12"})
    (folder / "rules.json").write_text(json.dumps(doc))
    monkeypatch.setenv("FORMFILL_PACKAGES_DIR", str(tmp_path / "packages"))
    data = sample("advance-parole-i485")
    data["contact"].pop("daytime_phone", None)
    with pytest.raises(ProfileError) as err:
        parse_profile(data)
    assert [(p.path, p.message) for p in err.value.problems] == [("contact.daytime_phone",
                                                                 "the firm calls every client")]


# --- each rule once per profile -------------------------------------------------------------------


def test_a_fill_evaluates_each_skip_once(blank_plain: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A plain fill used to evaluate the map's 24 skips 72 times (validation, resolve, the skip notes)."""
    fmap = fill_map()
    whens = {id(s.when): s.id for s in fmap.skips}
    assert len(whens) == len(fmap.skips) == 24
    computed: list[str] = []
    real = rules.holds

    def counting(cond: Condition | None, data: dict[str, Any], on: dt.date | None = None) -> bool:
        if cond is not None and id(cond) in whens and not (isinstance(data, rules.Snapshot) and cond in data.memo):
            computed.append(whens[id(cond)])
        return real(cond, data, on)

    monkeypatch.setattr(fieldmap, "holds", counting)
    monkeypatch.setattr(rules.rule, "holds", counting)
    result = formfill.fill(sample("re-parole"), form=blank_plain)
    assert result.verification.ok
    assert sorted(computed) == sorted(set(computed)), "a skip was evaluated twice for one profile"
    assert len(computed) == 24
