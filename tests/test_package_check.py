"""Issue 20 on the package check: fee waivers, who signs, expedite requests, reentry permits, evidence that supports
what the profile states, and messages that say what to do.

The three cases are the issue's own, written as profiles in tests/cases/: a 13-year-old asylee's replacement refugee
travel document with an interpreter and a nonprofit preparer; a TPS holder whose past proceedings were terminated,
travelling with a fee waiver request; an LPR's reentry permit for 18 months of work abroad with delivery to a
consulate and a G-28. Each is checked on a fixed filing date with every attachment written as a real file.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from formfill.checks.package import PackageReport, check_package
from formfill.errors import ProfileError
from formfill.fieldmap import all_maps, conflict_rules
from formfill.formrules import profile_rules
from tests.helpers import invoke, write_pdf, write_photo
from tests.i131 import parse_profile

CASES = Path(__file__).resolve().parent / "cases"
FILING = dt.date(2026, 12, 10)


def case(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((CASES / f"{name}.json").read_text())
    return data


def build(root: Path, data: dict[str, Any]) -> Path:
    """The profile and every attachment it lists, as real files under `root`."""
    for att in data["attachments"]:
        target = root / att["path"]
        if not target.exists():
            (write_photo if att["kind"] == "passport_photo" else write_pdf)(target)
    path = root / "profile.json"
    path.write_text(json.dumps(data))
    return path


def check(root: Path, data: dict[str, Any], day: dt.date = FILING) -> PackageReport:
    return check_package(build(root, data), filing_date=day, today=day)


def cli_check(root: Path, data: dict[str, Any], *args: str) -> str:
    result = invoke("check", str(build(root, data)), "--filing-date", FILING.isoformat(), *args)
    assert "Traceback" not in result.output and result.exit_code in (0, 1), result.output
    return result.output


def finding(report: PackageReport, code: str) -> Any:
    found = [f for f in report.findings if f.code == code]
    assert len(found) == 1, [(f.code, f.message) for f in report.findings]
    return found[0]


def codes(report: PackageReport) -> list[str]:
    return [f.code for f in report.findings]


# --- the three cases are complete packages with nothing flagged that the profile explains --------


@pytest.mark.parametrize("name", ["asylee-child-replacement", "tps-fee-waiver", "reentry-work-abroad"])
def test_the_three_cases_are_complete_and_every_attachment_counts(tmp_path: Path, name: str) -> None:
    report = check(tmp_path, case(name))
    assert report.ok, [(f.code, f.message) for f in report.findings if f.severity == "error"]
    assert "unsupported_attachment" not in codes(report)
    assert all(a.relevant and a.usable for a in report.attachments)


# --- 1. fee waivers ------------------------------------------------------------------------------


def test_a_fee_waiver_request_means_nothing_to_enclose_and_no_online_price(tmp_path: Path) -> None:
    report = check(tmp_path, case("tps-fee-waiver"))
    fee = report.fee
    assert fee["waiver_requested"] is True and fee["due_now"] == 0 and fee["due_now_complete"] is True
    assert fee["paper_only"] is True
    assert fee["total"] == 630 and fee["payments"][0]["waived"] is True  # the fee itself is still $630
    assert "online" not in fee["payments"][0]["what"]
    waiver = finding(report, "fee_waiver_requested")
    assert "filed on paper" in waiver.message and "rejects the whole filing" in waiver.message
    assert "8 CFR 103.7(c)" in waiver.source and waiver.uncertain

    doc = json.loads(cli_check(tmp_path, case("tps-fee-waiver"), "--json"))
    assert doc["fee"]["waiver_requested"] is True and doc["fee"]["due_now"] == 0
    text = cli_check(tmp_path, case("tps-fee-waiver"))
    fee_block = text.split("\nFee (filing date", 1)[1].split("\nNotes", 1)[0]
    assert "Due now, to enclose with this I-131: $0" in fee_block
    assert "fee waiver requested (nothing to enclose)" in fee_block
    assert "$580" not in text and "Total due with this I-131" not in text and "online" not in fee_block.lower()
    assert "pay this I-131's fee as its own payment" not in text  # nothing is paid: no reminder about payments


def test_without_a_waiver_the_fee_is_due_now(tmp_path: Path) -> None:
    data = case("tps-fee-waiver")
    data["attachments"] = [a for a in data["attachments"] if a["kind"] != "fee_waiver_request"]
    data["attachments"].append({"kind": "fee_payment", "path": "docs/check.pdf"})
    report = check(tmp_path, data)
    assert report.fee["waiver_requested"] is False and report.fee["due_now"] == 630
    assert "fee_waiver_requested" not in codes(report)
    text = cli_check(tmp_path, data)
    assert "Total due with this I-131: $630" in text and "$580" in text


def test_a_waiver_never_covers_an_unwaivable_fee_nor_a_reentry_permit(tmp_path: Path, sample: Any) -> None:
    data = copy.deepcopy(sample("re-parole"))
    data["parole"]["request_ead"] = True  # the H.R. 1 EAD fee, $280 from 2026-01-01, is never waivable
    data["attachments"] = [a for a in data["attachments"] if a["kind"] != "fee_payment"]
    data["attachments"] += [{"kind": "fee_waiver_request", "path": "docs/i-912.pdf"},
                            {"kind": "fee_payment", "path": "docs/ead-fee.pdf"}]
    report = check(tmp_path / "re-parole", data, dt.date(2026, 1, 2))
    fee = report.fee
    assert fee["waiver_requested"] is True
    assert [(p["id"], p["waived"]) for p in fee["payments"]] == [("i131_filing_fee", True),
                                                                 ("hr1_re_parole_ead", False)]
    assert fee["due_now"] == 280 and fee["due_now_complete"] is True

    reentry = case("reentry-work-abroad")
    reentry["attachments"] = [a for a in reentry["attachments"] if a["kind"] != "fee_payment"]
    reentry["attachments"].append({"kind": "fee_waiver_request", "path": "docs/i-912.pdf"})
    report = check(tmp_path / "reentry", reentry)
    assert report.fee["waiver_requested"] is False and report.fee["due_now"] == 630
    assert "fee_waiver_not_accepted" in codes(report) and not report.ok


# --- 2. who signs --------------------------------------------------------------------------------


def test_a_parent_signs_for_a_13_year_old_and_the_birth_certificate_supports_it(tmp_path: Path) -> None:
    report = check(tmp_path, case("asylee-child-replacement"))
    applicant = report.signatures[0]
    assert applicant.role == "applicant" and applicant.signer == "FARIDA RAHIMI" and "by a parent" in applicant.label
    assert [(b.role, b.signer) for b in report.signatures[1:]] == [("interpreter", "AHMAD NOORI"),
                                                                   ("preparer", "ANNA KOWALSKI")]
    birth = next(a for a in report.attachments if a.kind == "relationship_evidence")
    assert birth.supports == ["signer_relationship"] and birth.relevant
    assert "signer_applicant_14_or_older" not in codes(report)
    text = cli_check(tmp_path, case("asylee-child-replacement"))
    assert ("[ ] page 11, Part 10 item 4: Applicant's signature, signed for the applicant (under 14) by a parent "
            "(FARIDA RAHIMI signs) and the date of signature") in text
    assert "the parent who signs for the applicant signs and dates each one" in text
    doc = json.loads(cli_check(tmp_path, case("asylee-child-replacement"), "--json"))
    assert doc["signatures"][0]["signer"] == "FARIDA RAHIMI"


def test_from_14_the_applicant_signs_personally(tmp_path: Path) -> None:
    birthday = dt.date(2027, 6, 2)  # the applicant's 14th birthday
    report = check(tmp_path, case("asylee-child-replacement"), birthday)
    error = finding(report, "signer_applicant_14_or_older")
    assert error.severity == "error" and error.where == "signer.role" and not report.ok
    assert error.source == "8 CFR 103.2(a)(2)" and error.uncertain
    assert "remove `signer`" in error.message
    day_before = check(tmp_path, case("asylee-child-replacement"), birthday - dt.timedelta(days=1))
    assert "signer_applicant_14_or_older" not in codes(day_before) and day_before.ok


def test_without_a_signer_the_applicant_signs_and_a_parent_may_for_a_child(tmp_path: Path) -> None:
    data = case("asylee-child-replacement")
    del data["signer"]
    report = check(tmp_path, data)
    assert report.signatures[0].signer == "MARYAM RAHIMI" and report.signatures[0].label == "Applicant's signature"
    note = finding(report, "parent_may_sign_under_14")
    assert note.severity == "info" and note.where == "signer"
    birth = next(a for a in report.attachments if a.kind == "relationship_evidence")
    assert not birth.relevant and "unsupported_attachment" in codes(report)  # nothing explains it any more


def test_a_parent_signer_is_named(sample: Any) -> None:
    data = case("asylee-child-replacement")
    data["signer"] = {"role": "legal_guardian"}
    with pytest.raises(ProfileError) as err:
        parse_profile(data)
    assert [(p.path, p.code) for p in err.value.problems] == [("signer", "rule")]
    assert "give signer.name" in err.value.problems[0].message


# --- 3. expedite requests ------------------------------------------------------------------------


def test_an_expedite_needs_evidence_of_its_ground(tmp_path: Path) -> None:
    report = check(tmp_path, case("tps-fee-waiver"))
    evidence = next(r for r in report.required if r.id == "expedite_evidence")
    assert not evidence.missing and evidence.satisfied_by == ["docs/hospital-letter.pdf"]
    assert "Policy Manual" in evidence.source and evidence.uncertain
    requested = finding(report, "expedite_requested")
    assert "urgent humanitarian" in requested.message and "heart attack" in requested.message
    assert "expedite_suggested" not in codes(report)

    data = case("tps-fee-waiver")
    data["expedite"] = {"ground": "severe_financial_loss", "explanation": "The business loses its only contract."}
    report = check(tmp_path, data)
    evidence = next(r for r in report.required if r.id == "expedite_evidence")
    assert evidence.missing and "expedite_evidence" in evidence.any_of and not report.ok
    data["attachments"].append({"kind": "expedite_evidence", "path": "docs/contract-letter.pdf"})
    assert check(tmp_path, data).ok


def test_a_departure_inside_the_usual_processing_time_warns(tmp_path: Path) -> None:
    data = case("tps-fee-waiver")
    del data["expedite"]
    report = check(tmp_path, data)
    warning = finding(report, "expedite_suggested")
    assert warning.severity == "warning" and warning.where == "trip.departure_date"
    assert "36 days away from the filing date 2026-12-10" in warning.message
    assert "give `expedite`" in warning.message and "a clear USCIS error" in warning.message
    later = check(tmp_path, data, dt.date(2026, 10, 1))  # 106 days before the departure
    assert "expedite_suggested" not in codes(later)


# --- 4. reentry permits --------------------------------------------------------------------------


def test_a_reentry_permit_is_filed_in_the_united_states_with_biometrics_before_leaving(tmp_path: Path) -> None:
    report = check(tmp_path, case("reentry-work-abroad"))
    reminder = finding(report, "reentry_present_at_filing_and_biometrics")
    assert "physically present in the United States" in reminder.message and "biometrics" in reminder.message
    assert reminder.source == "8 CFR 223.2(b)(1)" and reminder.uncertain
    assert reminder in report.before_mailing()
    text = cli_check(tmp_path, case("reentry-work-abroad"))
    before = text.split("Before mailing", 1)[1].split("\nFee (", 1)[0]
    assert "biometrics appointment" in before and "8 CFR 223.2(b)(1)" in before

    late = check(tmp_path, case("reentry-work-abroad"), dt.date(2027, 3, 2))  # the day after the departure
    error = finding(late, "reentry_departs_before_filing")
    assert error.severity == "error" and not late.ok


# --- 5. evidence that supports what the profile states -------------------------------------------


def test_the_employer_letter_supports_the_work_abroad(tmp_path: Path) -> None:
    report = check(tmp_path, case("reentry-work-abroad"))
    letter = next(a for a in report.attachments if a.kind == "employer_letter")
    assert letter.relevant and letter.supports == ["trip_purpose"]
    data = case("reentry-work-abroad")
    data["trip"]["purpose_category"] = "humanitarian_ill_relative"
    report = check(tmp_path, data)
    said = [f for f in report.findings if f.code == "unsupported_attachment"]
    assert [f.path for f in said] == ["docs/assignment-letter.pdf"]  # nothing in the profile explains it now


def test_the_trip_evidence_of_a_tps_traveller_supports_the_trip(tmp_path: Path) -> None:
    report = check(tmp_path, case("tps-fee-waiver"))
    supports = {a.path: a.supports for a in report.attachments}
    assert supports["docs/hospital-letter.pdf"] == ["expedite_evidence", "trip_purpose"]
    assert supports["docs/birth-certificate.pdf"] == ["trip_purpose"]


# --- 9. messages that say what to do -------------------------------------------------------------


def test_a_tps_trip_in_travel_is_told_where_it_goes(tmp_path: Path) -> None:
    data = case("tps-fee-waiver")
    trip = data.pop("trip")
    data["travel"] = {**trip, "trips": "one"}
    with pytest.raises(ProfileError) as err:
        parse_profile(data)
    [said] = [p for p in err.value.problems if p.path == "travel"]
    assert "give the trip in `trip` instead" in said.message and "Part 7" in said.message
    result = invoke("validate", str(build(tmp_path, data)))
    assert result.exit_code == 1 and "give the trip in `trip` instead" in result.output


def test_every_refusal_of_a_section_says_what_to_do() -> None:
    refusals = [r for fmap in all_maps().values() for r in conflict_rules(fmap)]
    refusals += [r for r in profile_rules("I-131") if r.id.endswith(("_only_for_advance_parole", "_has_a_box",
                 "_only_for_parole", "_only_for_basis_other", "_only_for_other", "_only_for_intergovernmental_referral",
                 "_only_for_immvi_and_military_pip", "_only_for_reentry_and_refugee_documents", "_has_no_consulate",
                 "_only_for_incorrect_information", "_gives_part5", "_gives_part6", "_gives_part7"))
                 or r.id.startswith(("beneficiary_has_no_", "trip_only", "none_or_"))]
    assert len(refusals) >= 40
    vague = [r.id for r in refusals if not any(w in r.message for w in ("remove", "give ", "set "))]
    assert vague == []
