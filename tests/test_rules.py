"""The rule language and its one evaluator, on small synthetic profiles (plain dicts)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from formfill import rules
from formfill.errors import InputError, Problem
from formfill.rules import Condition, Rule, Snapshot

PROFILE: dict[str, Any] = {
    "application": {"type": "advance_parole", "basis": "pending_i485", "filed_with": ["i485", "i765"]},
    "applicant": {
        "name": {"family": "Garcia"},
        "other_names": [{"family": "Lopez"}, {"family": "Ruiz", "given": "Ana"}],
        "class_of_admission": "H-1B",
        "date_of_birth": dt.date(2012, 3, 14),
    },
    "travel": {"departure_date": "2026-03-01", "length_days": 14, "countries": ["Canada", "Mexico"],
               "purpose": "Consular interview"},
    "refugee": None,
    "processing": {"in_removal_proceedings": False, "previous_advance_parole": None},
    "overrides": {},
    "attachments": [],
}


def holds(raw: Any, data: dict[str, Any] | None = None, on: dt.date | None = None) -> bool:
    return rules.holds(Condition(raw), PROFILE if data is None else data, on)


# --- paths ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "value"), [
    ("application.type", "advance_parole"),
    ("applicant.other_names[1].given", "Ana"),
    ("applicant.other_names[2].given", None),
    ("applicant.name.given", None),
    ("refugee.country", None),
    ("travel.countries[0]", "Canada"),
    ("application.type.more", None),
    ("nothing", None),
])
def test_lookup_follows_keys_and_indexes(path: str, value: Any) -> None:
    assert rules.lookup(PROFILE, path) == value


def test_model_paths_walk_nested_models() -> None:
    class Name(BaseModel):
        family: str

    class Person(BaseModel):
        name: Name
        other_names: list[Name] = []

    class Doc(BaseModel):
        applicant: Person
        beneficiary: Person | None = None

    known = rules.model_paths(Doc)
    assert known("applicant.name.family") and known("beneficiary.other_names.family")
    assert known("applicant.other_names[0].family")
    assert not known("applicant.name.surname") and not known("applicant.name.family.x") and not known("x")


# --- conditions ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "expected"), [
    ({"application.type": "advance_parole"}, True),
    ({"application.type": "reentry_permit"}, False),
    ({"application.type": "advance_parole", "application.basis": "daca"}, False),  # an object: every entry
    ([{"application.type": "reentry_permit"}, {"application.basis": "pending_i485"}], True),  # a list: any one
    ({"application.type": ["reentry_permit", "advance_parole"]}, True),  # a list of values: any of them
    ({"application.filed_with": "i765"}, True),  # a list-valued path contains the value
    ({"application.filed_with": "i821d_initial"}, False),
    ({"application.filed_with": ["i821d_initial", "i485"]}, True),  # ... or one of the values
    ({"refugee.country": None}, True),  # a missing key is null
    ({"processing.in_removal_proceedings": False}, True),
    ({"processing.in_removal_proceedings": 0}, False),  # a yes/no answer is not a number
    ({"travel.length_days": 14}, True),
    ({"travel.length_days": True}, False),
])
def test_compact_conditions(raw: Any, expected: bool) -> None:
    assert holds(raw) is expected


@pytest.mark.parametrize(("raw", "expected"), [
    ({"all": [{"application.type": "advance_parole"}, {"travel": {"present": True}}]}, True),
    ({"all": [{"application.type": "advance_parole"}, {"refugee": {"present": True}}]}, False),
    ({"any": [{"application.type": "reentry_permit"}, {"refugee": {"present": False}}]}, True),
    ({"not": {"application.type": "advance_parole"}}, False),
    ({"not": [{"application.type": "reentry_permit"}, {"application.basis": "daca"}]}, True),
    ({"application.type": "advance_parole", "not": {"application.basis": "daca"}}, True),
])
def test_all_any_and_not(raw: Any, expected: bool) -> None:
    assert holds(raw) is expected


@pytest.mark.parametrize(("path", "expected"), [
    ("travel", True),
    ("applicant.name.family", True),
    ("refugee", False),  # null
    ("overrides", True),  # {}: a section is given even before any answer in it is
    ("attachments", False),  # []
    ("processing.in_removal_proceedings", True),  # false is an answer
    ("nothing.here", False),
])
def test_present(path: str, expected: bool) -> None:
    assert holds({path: {"present": True}}) is expected
    assert holds({path: {"present": False}}) is (not expected)
    assert rules.passes("", {"present": False})


@pytest.mark.parametrize(("raw", "expected"), [
    ({"application.basis": {"not_in": ["daca", "other"]}}, True),
    ({"application.basis": {"not_in": ["pending_i485"]}}, False),
    ({"refugee.country": {"not_in": ["Cuba"]}}, True),  # nothing is not in the list
    ({"application.filed_with": {"not_in": ["i821d_initial"]}}, True),
    ({"application.filed_with": {"not_in": ["i765"]}}, False),  # a list: none of its items may be listed
    ({"travel.countries": {"mentions_any": ["canada"]}}, True),  # case-insensitive, in a list item
    ({"travel.purpose": {"mentions_any": ["visa interview", "consular"]}}, True),
    ({"travel.purpose": {"mentions_any": ["funeral"]}}, False),
    ({"refugee.country": {"mentions_any": ["x"]}}, False),
    ({"applicant.class_of_admission": {"starts_with_any": ["H1", "L1"]}}, True),  # H-1B -> H1B
    ({"applicant.class_of_admission": {"starts_with_any": ["h-4"]}}, False),
    ({"travel.length_days": {"starts_with_any": ["1"]}}, False),  # not text
    ({"application.basis": {"not_in": ["daca"], "present": True}}, True),  # several operators: all hold
    ({"application.basis": {"not_in": ["daca"], "present": False}}, False),
])
def test_operators(raw: Any, expected: bool) -> None:
    assert holds(raw) is expected


@pytest.mark.parametrize(("raw", "expected"), [
    ({"travel.length_days": {"lt": 15}}, True),
    ({"travel.length_days": {"lt": 14}}, False),
    ({"travel.length_days": {"le": 14, "ge": 14}}, True),
    ({"travel.length_days": {"gt": 14}}, False),
    ({"travel.departure_date": {"ge": "2026-03-01"}}, True),  # an ISO date in the dump
    ({"travel.departure_date": {"gt": "2026-03-01"}}, False),
    ({"applicant.date_of_birth": {"lt": "2012-03-15"}}, True),  # a date object in the dump
    ({"applicant.date_of_birth": {"lt": 20120315}}, False),  # a date is not a number
    ({"travel.purpose": {"lt": "2026-01-01"}}, False),  # text is not a date
    ({"refugee.country": {"gt": 1}}, False),  # nothing compares
    ({"processing.in_removal_proceedings": {"lt": 1}}, False),  # a yes/no answer is not a number
])
def test_comparisons(raw: Any, expected: bool) -> None:
    assert holds(raw) is expected


@pytest.mark.parametrize(("on", "age"), [
    (dt.date(2026, 3, 13), 13),  # the day before the 14th birthday
    (dt.date(2026, 3, 14), 14),
    (dt.date(2012, 3, 14), 0),
])
def test_age_on_the_reference_date(on: dt.date, age: int) -> None:
    assert rules.age_on(dt.date(2012, 3, 14), on) == age
    assert holds({"applicant.date_of_birth": {"age": {"lt": 14}}}, on=on) is (age < 14)
    assert holds({"applicant.date_of_birth": {"age": {"ge": 14}}}, on=on) is (age >= 14)


def test_age_of_a_leap_day_birthday() -> None:
    assert rules.age_on(dt.date(2012, 2, 29), dt.date(2026, 2, 28)) == 13
    assert rules.age_on(dt.date(2012, 2, 29), dt.date(2026, 3, 1)) == 14


@pytest.mark.parametrize(("on", "within_30"), [
    (dt.date(2026, 2, 1), True),  # 28 days before departure
    (dt.date(2026, 1, 30), False),  # 30 days before
    (dt.date(2026, 3, 2), False),  # departure has passed: -1
])
def test_days_from_the_reference_date(on: dt.date, within_30: bool) -> None:
    assert holds({"travel.departure_date": {"days_from": {"ge": 0, "lt": 30}}}, on=on) is within_30


def test_the_reference_date_defaults_to_today() -> None:
    today = dt.date.today()
    data = {"d": today.isoformat(), "born": today.replace(year=today.year - 20).isoformat()}
    assert holds({"d": {"days_from": {"le": 0, "ge": 0}}}, data)
    assert holds({"born": {"age": {"ge": 20}}}, data) or today == dt.date(today.year, 2, 29)


def test_a_key_after_a_list_reads_every_item() -> None:
    """`attachments.kind` is every attachment's kind: a condition asks whether any attachment is of a kind."""
    data = {"attachments": [{"kind": "passport_photo"}, {"kind": "fee_waiver_request"}, {"path": "x"}],
            "applicant": {"other_names": [{"family": "Lopez"}, {"family": "Ruiz", "given": "Ana"}]}}
    assert rules.lookup(data, "attachments.kind") == ["passport_photo", "fee_waiver_request"]
    assert rules.lookup(data, "applicant.other_names.given") == ["Ana"]
    assert rules.lookup({"attachments": []}, "attachments.kind") is None
    assert holds({"attachments.kind": "fee_waiver_request"}, data)
    assert not holds({"attachments.kind": "fee_payment"}, data)
    assert holds({"not": {"attachments.kind": "fee_payment"}}, data)
    assert holds({"attachments.kind": {"present": False}}, {"attachments": []})
    assert not holds({"attachments.kind": "fee_waiver_request"}, {"attachments": [{"kind": "fee_payment"}]})


@pytest.mark.parametrize(("on", "under_14"), [
    (dt.date(2026, 3, 13), True),  # the day before the 14th birthday: a parent may sign
    (dt.date(2026, 3, 14), False),  # the birthday itself: the applicant signs personally
])
def test_age_on_the_filing_date_decides_who_signs(on: dt.date, under_14: bool) -> None:
    parent = {"signer": {"role": "parent"}, "applicant": {"date_of_birth": "2012-03-14"}}
    assert holds({"signer.role": ["parent", "legal_guardian"], "applicant.date_of_birth": {"age": {"ge": 14}}},
                 parent, on) is not under_14


def test_a_snapshot_carries_its_reference_date() -> None:
    snap = rules.snapshot(PROFILE, on=dt.date(2026, 3, 13))
    assert rules.holds(Condition({"applicant.date_of_birth": {"age": {"lt": 14}}}), snap)
    assert rules.snapshot(snap, on=dt.date(2026, 3, 13)) is snap
    assert rules.snapshot(snap, on=dt.date(2026, 3, 14)) is not snap


# --- checking conditions when they are loaded ----------------------------------------------------


@pytest.mark.parametrize(("raw", "says"), [
    ({}, "non-empty object"),
    ([], "empty list"),
    ("application.type", "non-empty object"),
    ({"application.type": {"in": ["a"]}}, "'application.type': 'in' is not an operator"),
    ({"application.type": {"equals": "a"}}, "'equals' is not an operator"),
    ({"application.type": {}}, "'application.type': an empty object tests nothing"),
    ({"application.type": []}, "needs at least one plain value"),
    ({"application.type": [["a"]]}, "needs at least one plain value"),
    ({"application.type": {"present": "yes"}}, "'present' takes true or false"),
    ({"application.type": {"not_in": []}}, "'not_in' takes a non-empty list"),
    ({"travel.purpose": {"mentions_any": [""]}}, "'mentions_any' takes a non-empty list of texts"),
    ({"travel.departure_date": {"lt": "2026-02-30"}}, "'2026-02-30' is not a YYYY-MM-DD date"),
    ({"travel.departure_date": {"lt": True}}, "'lt' takes a number or a YYYY-MM-DD date"),
    ({"applicant.date_of_birth": {"age": 14}}, "'age' takes comparisons"),
    ({"applicant.date_of_birth": {"age": {"under": 14}}}, "'age' takes comparisons"),
    ({"applicant.date_of_birth": {"days_from": {"lt": 1.5}}}, "compares with whole numbers"),
    ({"all": {"a": 1}}, "'all' takes a non-empty list"),
    ({"application type": "x"}, "'application type' is not a profile path"),
    ({"not": {}}, "non-empty object"),
])
def test_a_broken_condition_is_refused_naming_its_key(raw: Any, says: str) -> None:
    with pytest.raises(ValueError) as err:
        Condition(raw)
    assert says in str(err.value)


def test_paths_are_checked_against_the_profile_model() -> None:
    known = {"application.type", "application.basis", "travel"}.__contains__
    cond = Condition([{"application.type": "x"}, {"not": {"travel": {"present": True}}}], known)
    assert cond.paths == ("application.type", "travel")
    with pytest.raises(ValueError, match=r"'application\.bassis' is not a key of the profile"):
        Condition({"any": [{"application.type": "x"}, {"application.bassis": "y"}]}, known)


# --- each condition once per profile -------------------------------------------------------------


def test_a_snapshot_evaluates_each_condition_once() -> None:
    calls: list[dict[str, Any]] = []
    cond = Condition({"application.type": "advance_parole"})
    compiled = cond.compiled

    def counting(data: dict[str, Any], on: dt.date | None) -> bool:
        calls.append(data)
        return compiled(data, on)

    cond.compiled = counting
    snap = rules.snapshot(PROFILE)
    assert all(rules.holds(cond, snap) for _ in range(3))
    assert len(calls) == 1
    assert all(rules.holds(cond, PROFILE) for _ in range(3))  # a plain dict remembers nothing
    assert len(calls) == 4
    assert rules.holds(cond, snap, on=dt.date(2026, 1, 1))  # another reference date: evaluated again
    assert len(calls) == 5


def test_one_snapshot_per_validated_model() -> None:
    class Doc(BaseModel):
        kind: str

    doc = Doc(kind="a")
    snap = rules.snapshot_of(doc)
    assert isinstance(snap, Snapshot) and snap == {"kind": "a"}
    assert rules.snapshot_of(doc) is snap
    assert rules.snapshot_of(Doc(kind="a")) is not snap


# --- rules ---------------------------------------------------------------------------------------


def rule(**kw: Any) -> Rule:
    base: dict[str, Any] = {"id": "r", "path": "application.basis", "message": "bad basis",
                            "source": "Form X instructions (edition 01/01/25), page 2"}
    return Rule.model_validate({**base, **kw})


def test_require_forbid_and_when_alone() -> None:
    needs_basis = rule(when={"application.type": "advance_parole"}, require={"application.basis": {"present": True}})
    assert not rules.broken(needs_basis, PROFILE)
    assert rules.broken(needs_basis, {"application": {"type": "advance_parole"}})
    assert not rules.broken(needs_basis, {"application": {"type": "reentry_permit"}})  # does not apply
    no_daca = rule(forbid={"application.basis": "daca"})
    assert not rules.broken(no_daca, PROFILE)
    assert rules.broken(no_daca, {"application": {"basis": "daca"}})
    blocker = rule(when={"application.filed_with": "i485", "application.basis": "pending_i485"})
    assert rules.broken(blocker, PROFILE)


def test_a_broken_rule_gives_its_message_at_its_path_with_its_source() -> None:
    r = rule(id="canada_interview", path="travel.countries", severity="warning", code="consular", uncertain=True,
             when={"travel.countries": {"mentions_any": ["Canada"]}},
             message="'{application.basis}' travel to {travel.countries} on {travel.departure_date} "
                     "({applicant.date_of_birth}; {refugee.country})")
    [found] = rules.evaluate([r, rule(forbid={"application.basis": "daca"})], rules.snapshot(PROFILE))
    assert found == rules.RuleProblem(
        "canada_interview", "travel.countries",
        "'pending_i485' travel to Canada, Mexico on 2026-03-01 (2012-03-14; none)",
        "consular", "warning", "Form X instructions (edition 01/01/25), page 2", True)
    assert found.problem() == Problem("travel.countries", found.message, "consular")


def test_reads_lists_every_path_a_rule_reads() -> None:
    r = rule(when={"application.type": "advance_parole", "not": [{"travel": {"present": True}}]},
             require={"application.basis": {"present": True}}, message="{application.type} needs {applicant.id}")
    assert rules.reads(r) == r.reads == ("application.type", "travel", "application.basis", "applicant.id")


@pytest.mark.parametrize(("kw", "says"), [
    ({"require": {"a": 1}, "forbid": {"b": 1}}, "not both"),
    ({}, "a rule needs 'when', 'require' or 'forbid'"),
    ({"when": {"a": 1}, "message": "your SSN {applicant.ssn} is wrong"}, "would print an identifier"),
    ({"when": {"a": 1}, "message": "{not a path}"}, "is not a profile path"),
    ({"when": {"a": 1}, "path": "a..b"}, "'path': 'a..b' is not a profile path"),
])
def test_a_malformed_rule_is_refused(kw: dict[str, Any], says: str) -> None:
    with pytest.raises(ValueError) as err:
        rule(**kw)
    assert says in str(err.value)


# --- rule files ----------------------------------------------------------------------------------


def rules_doc(*items: dict[str, Any]) -> dict[str, Any]:
    return {"schema_version": 1, "rules": list(items)}


GOOD = {"id": "needs_basis", "path": "application.basis", "when": {"application.type": "advance_parole"},
        "require": {"application.basis": {"present": True}}, "message": "advance parole needs a basis",
        "source": "Form X instructions (edition 01/01/25), page 2, Part 1 item 5"}


def test_a_rules_file_loads_its_rules(tmp_path: Path) -> None:
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(rules_doc(GOOD, {**GOOD, "id": "second"})))
    loaded = rules.load_rules(path, {"application.type", "application.basis"}.__contains__)
    assert [r.id for r in loaded] == ["needs_basis", "second"]
    assert rules.evaluate(loaded, {"application": {"type": "advance_parole"}})[0].message == \
        "advance parole needs a basis"


@pytest.mark.parametrize(("items", "says"), [
    ([{**GOOD, "when": {"application.bassis": "x"}}],
     "rules.json: rule 'needs_basis': 'when': 'application.bassis' is not a key of the profile"),
    ([{**GOOD, "whenn": {}}], "rules.json: rule 'needs_basis': 'whenn' is not a key of a rule"),
    ([{k: v for k, v in GOOD.items() if k != "source"}], "rules.json: rule 'needs_basis': 'source' is required"),
    ([GOOD, {**GOOD, "when": {"application.type": "x"}}], "rules.json: rule 'needs_basis': 'id' is given to two"),
    ([{**GOOD, "id": "Bad Id"}], "rules.json: rule 'Bad Id': 'id': String should match pattern"),
    ([GOOD, {"path": "x"}], "rules.json: rule '#2': 'id' is required"),
    ([{**GOOD, "require": {"application.type": {"in": ["x"]}}}],
     "rules.json: rule 'needs_basis': 'require': 'application.type': 'in' is not an operator"),
])
def test_a_broken_rule_is_refused_with_one_message_naming_file_rule_and_key(
        tmp_path: Path, items: list[dict[str, Any]], says: str) -> None:
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(rules_doc(*items)))
    with pytest.raises(InputError) as err:
        rules.load_rules(path, {"application.type", "application.basis"}.__contains__)
    assert err.value.message.startswith(str(tmp_path)) and says in err.value.message, err.value.message
    assert err.value.exit_code == 2 and "\n" not in str(err.value)


@pytest.mark.parametrize(("text", "says"), [
    ("{not json", "not valid JSON (line 1"),
    ('{"schema_version": 1, "rules": [], "rules": []}', "rules"),
    ('{"schema_version": 2, "rules": []}', "'schema_version'"),
    ('{"schema_version": 1}', "'rules' is required"),
    ('{"schema_version": 1, "rules": [3]}', "'rules.0'"),
])
def test_a_broken_rules_file_is_refused_naming_the_file(tmp_path: Path, text: str, says: str) -> None:
    path = tmp_path / "rules.json"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        rules.load_rules(path)
    assert str(path) in err.value.message and says in err.value.message, err.value.message


def test_a_missing_rules_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot be read"):
        rules.load_rules(tmp_path / "none.json")


def test_conditions_serialise_back_to_their_json() -> None:
    r = rule(when={"application.type": ["a", "b"]})
    assert r.model_dump(mode="json")["when"] == {"application.type": ["a", "b"]}
    assert "when" in Rule.model_json_schema()["properties"]
