"""formfill.checks.rulesfile: the package rules' schema and loading (version 4 names the profile paths it reads).

Small edits of the built-in file, parsed in memory: the tables keyed by an answer are checked against the form's
model, the paths in `answers` must be keys of the profile, and a version 3 file (before `answers`) reads the same
as the version 4 file it became.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from formfill.checks.rulesfile import default_rules_text, load_rules, parse_rules, upgrade_v3
from formfill.errors import InputError


def builtin() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(default_rules_text())
    return doc


def as_v3(doc: dict[str, Any]) -> dict[str, Any]:
    """The built-in file as it was in version 3: no answers, no photo kinds, no filing fee id."""
    old = {k: v for k, v in doc.items() if k not in ("answers", "photo_kinds")}
    old["schema_version"] = 3
    old["fees"] = {k: v for k, v in doc["fees"].items() if k != "filing_fee_id"}
    old["assembly"] = {k: v for k, v in doc["assembly"].items() if k != "representation_kinds"}
    old["explanation"] = {k: v for k, v in doc["explanation"].items() if k != "label"}
    return old


def test_the_builtin_rules_are_version_4_and_name_where_the_answers_are() -> None:
    rules = load_rules()
    assert rules.schema_version == 4
    assert rules.answers.request and rules.answers.attachment_kind and rules.answers.trips
    assert rules.fees.filing_fee_id and rules.photo_kinds


def test_a_version_3_file_reads_as_the_version_4_file_it_became() -> None:
    doc = builtin()
    old = as_v3(doc)
    upgraded = upgrade_v3(old, doc)
    assert upgraded["schema_version"] == 4
    assert upgraded["answers"] == doc["answers"] and upgraded["photo_kinds"] == doc["photo_kinds"]
    assert upgraded["fees"]["filing_fee_id"] == doc["fees"]["filing_fee_id"]
    assert upgraded["assembly"]["representation_kinds"] == doc["assembly"]["representation_kinds"]
    assert upgraded["explanation"]["label"] == doc["explanation"]["label"]
    read = parse_rules(json.dumps(old), "firm-v3.json").model_dump(mode="json")
    assert read == parse_rules(json.dumps(doc), "builtin.json").model_dump(mode="json")  # conditions compare by id


def test_the_upgrade_keeps_what_a_version_3_file_says() -> None:
    doc = builtin()
    old = as_v3(doc)
    old["assembly"]["representation_kinds"] = ["g28", "other"]
    assert upgrade_v3(old, doc)["assembly"]["representation_kinds"] == ["g28", "other"]
    del old["assembly"]
    assert upgrade_v3(old, doc)["assembly"] == {"representation_kinds": doc["assembly"]["representation_kinds"]}


@pytest.mark.parametrize(("edit", "where"), [
    (lambda d: d["by_application_type"].update(advance_parol={}), "by_application_type.advance_parol"),
    (lambda d: d["by_purpose"].update(vacation={}), "by_purpose.vacation"),
    (lambda d: d["fees"]["schedules"][0]["by_application_type"].update(reentry={"amount": 1}),
     "fees.schedules[0].by_application_type.reentry"),
    (lambda d: d["eligibility"][0].update(override="removal"), "eligibility[0].override"),
    (lambda d: d["expedite"]["grounds"].update(whim={"description": "a whim", "evidence": ["other"]}),
     "expedite.grounds.whim"),
    (lambda d: d["photo_kinds"].append("selfie"), "photo_kinds[1]"),
    (lambda d: d["answers"].update(request="application.kind"), "answers.request"),
    (lambda d: d["answers"]["trips"].append({"section": "journey"}), "answers.trips[2].section"),
    (lambda d: d["fees"].pop("filing_fee_id"), "fees.filing_fee_id"),
])
def test_a_misspelt_key_or_path_is_refused_by_name(edit: Any, where: str) -> None:
    doc = builtin()
    edit(doc)
    with pytest.raises(InputError) as err:
        parse_rules(json.dumps(doc), "firm.json")
    paths = [p.path for p in err.value.problems]
    assert any(p.startswith(where) for p in paths), paths
    assert "firm.json" in err.value.message and err.value.exit_code == 2


def test_keys_are_the_models_values_not_an_engine_list() -> None:
    """Every request type of the form's model may key a table: the vocabulary comes from the model."""
    doc = builtin()
    doc["by_application_type"]["re_parole"]["also_supports"] = ["itinerary"]
    assert "re_parole" in parse_rules(json.dumps(doc), "firm.json").by_application_type
