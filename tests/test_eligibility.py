"""formfill.checks.eligibility: the notes a plain fill reads from the eligibility part of a package's rules are
exactly the whole rules file's, and that part is read alone only once the very file was validated whole."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from formfill.checks.eligibility import (
    AllowedPurposes,
    Check,
    checks_found,
    eligibility_part,
    notes,
    purpose_found,
)
from formfill.checks.facts import TripFacts
from formfill.checks.package import eligibility_notes
from formfill.checks.rulesfile import load_rules
from formfill.loading import load_profile
from tests.helpers import invoke
from tests.test_checks_package import profile_for

REPO = Path(__file__).resolve().parent.parent
DAY = dt.date(2026, 6, 1)


def _removal(data: dict[str, Any]) -> dict[str, Any]:
    data["processing"].update(in_removal_proceedings=True, ever_in_proceedings=True)
    return data


def _overridden(data: dict[str, Any]) -> dict[str, Any]:
    data = _removal(data)
    data["overrides"] = {"removal_proceedings": "counsel reviewed the termination order"}
    return data


@pytest.mark.parametrize(("make", "expected"), [
    (lambda s: profile_for(s), []),
    (lambda s: _removal(profile_for(s)), ["processing.in_removal_proceedings: advance parole is not available"]),
    (lambda s: _overridden(profile_for(s)), ["overrides.removal_proceedings: advance parole is not available"]),
    (lambda s: profile_for(s, "daca", "personal"), ["travel.purpose_category: DACA recipients may travel only"]),
])
def test_the_eligibility_part_finds_what_the_whole_rules_file_finds(sample: Any, make: Any,
                                                                     expected: list[str]) -> None:
    profile = load_profile(make(sample)).profile
    whole = eligibility_notes(profile, filing_date=DAY)  # reads the rules whole, so the part may be read next
    quick = notes(profile, DAY)
    assert quick == whole
    assert quick is not None and len(quick) == len(expected)
    for note, start in zip(quick, expected, strict=True):
        assert note.startswith(start) and "`formfill check` reports this as" in note and "source: " in note


def _firm_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edit: Any) -> Path:
    """A firm's copy of the I-131 package (it replaces the built-in one) with its package rules edited."""
    root = tmp_path / "packages"
    shutil.copytree(REPO / "field_maps" / "i-131", root / "i-131")
    rules = root / "i-131" / "package-rules.json"
    doc = json.loads(rules.read_text(encoding="utf-8"))
    edit(doc)
    rules.write_text(json.dumps(doc), encoding="utf-8")
    monkeypatch.setenv("FORMFILL_PACKAGES_DIR", str(root))
    return rules


def test_the_rules_are_read_in_part_only_once_the_whole_file_was_validated(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORMFILL_CACHE_DIR", str(tmp_path / "cache"))
    assert eligibility_part("I-131") is None, "nothing recorded yet: only the whole reading can say"
    whole = load_rules(None, "I-131")
    part = eligibility_part("I-131")
    assert part is not None and part.answers == whole.answers
    assert [c.model_dump() for c in part.eligibility] == [c.model_dump() for c in whole.eligibility]
    assert [p.name.split("-")[:2] for p in (tmp_path / "cache").iterdir()] == [["package", "rules"]]


def test_a_firms_valid_rules_are_read_in_part_too_and_an_edit_means_a_whole_reading(
        tmp_path: Path, sample: Any, monkeypatch: pytest.MonkeyPatch, blank_plain: Path) -> None:
    monkeypatch.setenv("FORMFILL_CACHE_DIR", str(tmp_path / "cache"))
    rules = _firm_package(tmp_path, monkeypatch, lambda doc: None)
    profile = tmp_path / "p.json"
    profile.write_text(json.dumps(profile_for(sample)), encoding="utf-8")
    assert eligibility_part("I-131") is None
    first = invoke("fill", str(profile), "--form", str(blank_plain), "-o", str(tmp_path / "1.pdf"))
    assert first.exit_code == 0, first.output
    assert eligibility_part("I-131") is not None, "the first fill read the firm's file whole and recorded it"
    doc = json.loads(rules.read_text(encoding="utf-8"))
    doc["fees"]["schedules"][0]["from"] = "someday"  # broken outside the eligibility part
    rules.write_text(json.dumps(doc), encoding="utf-8")
    assert eligibility_part("I-131") is None
    again = invoke("fill", str(profile), "--form", str(blank_plain), "-o", str(tmp_path / "2.pdf"))
    assert again.exit_code == 2 and "fees.schedules" in again.output


@pytest.mark.parametrize("where", ["eligibility", "fees"])
def test_a_firms_broken_rules_file_is_refused_by_a_plain_fill_as_before(tmp_path: Path, sample: Any,
                                                                        monkeypatch: pytest.MonkeyPatch,
                                                                        blank_plain: Path, where: str) -> None:
    def misspell(doc: dict[str, Any]) -> None:
        if where == "eligibility":
            doc["eligibility"][0]["when"] = {"processing.in_removal_procedings": True}
        else:  # a part eligibility does not read: the whole file is still validated for a firm's package
            doc["fees"]["schedules"][0]["from"] = "someday"

    _firm_package(tmp_path, monkeypatch, misspell)
    assert eligibility_part("I-131") is None
    profile = tmp_path / "p.json"
    profile.write_text(json.dumps(profile_for(sample)), encoding="utf-8")
    out = tmp_path / "out.pdf"
    result = invoke("fill", str(profile), "--form", str(blank_plain), "-o", str(out))
    assert result.exit_code == 2 and not out.exists()
    assert "package-rules.json: not a valid package rules file" in result.output
    assert ("in_removal_procedings" if where == "eligibility" else "fees.schedules") in result.output


def test_a_firms_eligibility_rules_are_the_ones_said(tmp_path: Path, sample: Any, monkeypatch: pytest.MonkeyPatch,
                                                     blank_plain: Path) -> None:
    def firm(doc: dict[str, Any]) -> None:
        doc["eligibility"][0]["message"] = "the firm does not file advance parole in removal proceedings"

    _firm_package(tmp_path, monkeypatch, firm)
    profile = tmp_path / "p.json"
    profile.write_text(json.dumps(_removal(profile_for(sample))), encoding="utf-8")
    result = invoke("fill", str(profile), "--form", str(blank_plain), "-o", str(tmp_path / "out.pdf"))
    assert result.exit_code == 0, result.output
    assert "note: processing.in_removal_proceedings: the firm does not file advance parole" in result.output


# --- the pure functions, on synthetic rules ------------------------------------------------------------


def _check(**kw: Any) -> Check:
    return Check.model_validate({"id": "bar", "severity": "error", "message": "barred", "source": "8 CFR 1",
                                 "when": {"application.x": True, "case.y": True}, **kw})


def test_checks_count_on_the_filing_date_only() -> None:
    data = {"application": {"x": True}, "case": {"y": True}}
    dated = _check(effective_from="2026-01-01", effective_until="2026-12-31")
    assert [f.code for f in checks_found([dated], data, dt.date(2026, 6, 1), "application.type")] == ["bar"]
    assert checks_found([dated], data, dt.date(2025, 12, 31), "application.type") == []
    assert checks_found([dated], data, dt.date(2027, 1, 1), "application.type") == []
    assert checks_found([_check()], {"application": {"x": True}, "case": {"y": False}}, DAY, "application.type") == []


def test_a_check_points_outside_the_request_and_an_override_makes_it_a_warning() -> None:
    data: dict[str, Any] = {"application": {"x": True}, "case": {"y": True}}
    [found] = checks_found([_check()], data, DAY, "application.type")
    assert (found.severity, found.where, found.source) == ("error", "case.y", "8 CFR 1")
    [pointed] = checks_found([_check(path="fee")], data, DAY, "application.type")
    assert pointed.where == "fee"
    data["overrides"] = {"bar_ok": "counsel's reason"}
    [overridden] = checks_found([_check(override="bar_ok")], data, DAY, "application.type")
    assert overridden.code == "bar_overridden" and overridden.severity == "warning"
    assert overridden.where == "overrides.bar_ok" and "counsel's reason" in overridden.message


def test_a_purpose_the_basis_does_not_allow() -> None:
    trip = TripFacts("travel", DAY, "personal", ("Mexico",), purpose_asked=True)
    only = AllowedPurposes(categories=["educational"], source="the instructions", uncertain=True)
    [found] = purpose_found("daca", trip, only)
    assert found.severity == "warning" and found.where == "travel.purpose_category"  # uncertain: a warning
    assert "'personal' does not fit basis 'daca' (allowed: educational)" in found.message
    assert purpose_found("daca", trip, AllowedPurposes(categories="any", source="the instructions")) == []
    assert purpose_found("daca", trip, None) == []
    unasked = TripFacts("trip", DAY, "personal", (), purpose_asked=False)
    assert purpose_found("daca", unasked, only) == []
