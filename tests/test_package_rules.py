"""The package rules a firm's counsel signs off: dated fees, the explanation rule, the intake preflight.

Every case runs the real rules file (or a firm's edited copy) through `check_package`, with real
attachment files written to tmp_path; the signature boxes are read from the real field map and blank.
"""

from __future__ import annotations

import ast
import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from formfill.checks.package import PackageReport, default_rules_text
from formfill.fieldmap import all_maps
from formfill.forms import open_blank
from formfill.loading import load_profile
from formfill.signing import signature_boxes
from tests.helpers import invoke
from tests.test_checks_package import EVERY, FAR, Package, codes, missing_ids, profile_for

D = dt.date.fromisoformat
REPO = Path(__file__).resolve().parent.parent


def day(text: str) -> dt.date:
    return D(text)


def re_parole(sample: Any, ead: bool) -> dict[str, Any]:
    data: dict[str, Any] = copy.deepcopy(sample("re-parole"))
    data["parole"]["request_ead"] = ead
    data["attorney"] = {"g28_attached": False}
    data["attachments"] = []
    return data


def payments(report: PackageReport) -> dict[str, dict[str, Any]]:
    return {p["id"]: p for p in report.fee["payments"]}


def later(report: PackageReport) -> dict[str, dict[str, Any]]:
    return {p["id"]: p for p in report.fee["later"]}


def finding(report: PackageReport, code: str) -> Any:
    return next(f for f in report.findings if f.code == code)


# --- fees by filing date -------------------------------------------------------------------------


@pytest.mark.parametrize(("filing", "amount", "warned"), [
    ("2024-03-31", None, True),  # before the earliest row: a warning, never a silent default
    ("2024-04-01", 630, False),
    ("2026-11-29", 630, False),
])
def test_filing_fee_by_date(tmp_path: Path, sample: Any, filing: str, amount: int | None, warned: bool) -> None:
    pkg = Package(tmp_path, profile_for(sample))
    pkg.attach_for([*EVERY, "i485_receipt"])
    report = pkg.check(filing_date=day(filing))
    filing_fee = payments(report)["i131_filing_fee"]
    assert filing_fee["amount"] == amount and report.fee["filing_date"] == filing
    assert ("fee_date_not_covered" in codes(report, "warning")) is warned
    if warned:
        assert "2024-04-01" in finding(report, "fee_date_not_covered").message
        assert report.fee["total_complete"] is False
    else:
        assert filing_fee["source"].startswith("USCIS fee rule, 89 FR 6194 (2024-01-31)")
        assert filing_fee["source_date"] == "2024-01-31" and report.fee["total"] == 630


# (filing date, the re-parole EAD fee due with the I-131 or None, what its reminder says about rejection)
HR1_DATES = [
    ("2025-07-21", None, None),
    ("2025-07-22", 275, "rejects filings without it from 2025-08-21"),
    ("2025-08-20", 275, "rejects filings without it from 2025-08-21"),
    ("2025-08-21", 275, "USCIS rejects a filing without it"),
    ("2025-12-31", 275, "USCIS rejects a filing without it"),
    ("2026-01-01", 280, "USCIS rejects a filing without it"),  # 90 FR 52693 inflation adjustment
    ("2026-12-31", 280, "USCIS rejects a filing without it"),
]


@pytest.mark.parametrize(("filing", "amount", "rejection"), HR1_DATES)
def test_re_parole_ead_fee_by_date(tmp_path: Path, sample: Any, filing: str, amount: int | None,
                                   rejection: str | None) -> None:
    pkg = Package(tmp_path, re_parole(sample, ead=True))
    pkg.attach_for(EVERY)
    report = pkg.check(filing_date=day(filing))
    fee = payments(report).get("hr1_re_parole_ead")
    assert (fee["amount"] if fee else None) == amount
    reminders = [f for f in report.findings if f.code == "fee_not_waivable"]
    assert [f.severity for f in reminders] == (["info"] if rejection else [])
    assert all(rejection in f.message and f"${amount}" in f.message for f in reminders)
    assert report.ok  # the fee payment is attached; the reminder does not fail the package
    if fee is not None:
        assert fee["waivable"] is False and set(fee) >= {"what", "amount", "waivable", "source", "source_date"}
        assert ("90 FR 52693" in fee["source"]) is (amount == 280) and "90 FR 34511" in fee["source"]
        assert report.fee["total"] == amount  # the re-parole filing fee itself is not in the rules
        assert report.fee["total_complete"] is False
    assert "fee_rules_expired" not in codes(report)


def test_past_an_expiring_row_the_amount_is_shown_with_a_warning(tmp_path: Path, sample: Any) -> None:
    pkg = Package(tmp_path, re_parole(sample, ead=True))
    pkg.attach_for(EVERY)
    report = pkg.check(filing_date=day("2027-01-01"))
    fee = payments(report)["hr1_re_parole_ead"]
    assert fee["amount"] == 280
    expired = [f for f in report.findings if f.code == "fee_rules_expired"]
    assert expired and all(f.severity == "warning" and "2026-12-31" in f.message for f in expired)


@pytest.mark.parametrize("filing", ["2025-07-22", "2025-08-21", "2026-01-01"])
def test_re_parole_without_the_ead_request_owes_no_hr1_fee(tmp_path: Path, sample: Any, filing: str) -> None:
    pkg = Package(tmp_path, re_parole(sample, ead=False))
    pkg.attach_for(EVERY)
    report = pkg.check(filing_date=day(filing))
    assert list(payments(report)) == ["i131_filing_fee"] and "fee_not_waivable" not in codes(report)


@pytest.mark.parametrize(("filing", "parole_fee"), [("2025-07-21", None), ("2025-07-22", 1000), ("2026-01-01", 1000)])
def test_the_parole_fee_is_information_billed_later(tmp_path: Path, sample: Any, filing: str,
                                                    parole_fee: int | None) -> None:
    pkg = Package(tmp_path, re_parole(sample, ead=False))
    pkg.attach_for(EVERY)
    report = pkg.check(filing_date=day(filing))
    fee = later(report).get("parole_fee")
    assert (fee["amount"] if fee else None) == parole_fee
    assert "parole_fee" not in payments(report)  # never paid with the I-131
    if fee is not None:
        assert "90 FR 48317" in fee["source"] and "when parole is granted" in fee["note"]
        assert fee["uncertain"] is True  # the notes: verify each against Form G-1055 and the cited notice


def test_a_fee_waiver_never_covers_an_hr1_fee(tmp_path: Path, sample: Any) -> None:
    pkg = Package(tmp_path, re_parole(sample, ead=True))
    pkg.attach_for(["passport_photos", "photo_id"])
    waiver = pkg.attach("fee_waiver_request")
    before = pkg.check(filing_date=day("2025-07-21"))
    assert before.ok  # no H.R. 1 fee yet: the waiver covers the filing fee
    report = pkg.check(filing_date=day("2025-08-21"))
    assert not report.ok and missing_ids(report) == ["fee"]
    fee_req = next(r for r in report.required if r.id == "fee")
    assert fee_req.any_of == ["fee_payment"] and "never" in fee_req.description and "90 FR 34511" in fee_req.source
    partial = [f for f in report.findings if f.code == "fee_waiver_partial"]
    assert [f.path for f in partial] == [waiver] and "$275" in partial[0].message
    pkg.attach("fee_payment")
    assert pkg.check(filing_date=day("2025-08-21")).ok


def test_one_payment_per_form_is_reminded_from_the_2024_rule(tmp_path: Path, sample: Any) -> None:
    pkg = Package(tmp_path, profile_for(sample))
    pkg.attach_for([*EVERY, "i485_receipt"])
    assert "separate_payment" not in codes(pkg.check(filing_date=day("2024-03-31")))
    report = pkg.check(filing_date=day("2024-04-01"))
    reminder = finding(report, "separate_payment")
    assert "I-485" in reminder.message and "I-765" in reminder.message and "89 FR 6194" in reminder.source


# --- the explanation every advance parole except one based on a pending I-485 needs -----------------

NON_I485 = ["pending_i589", "pending_i821", "ded", "daca", "t_status", "u_status", "parolee", "family_unity",
            "pending_i687", "v_status", "cnmi", "other"]


def test_the_issue_case_a_funeral_on_a_pending_i589_is_not_complete(tmp_path: Path, sample: Any) -> None:
    pkg = Package(tmp_path, profile_for(sample, "pending_i589", "humanitarian_death_or_funeral"))
    pkg.attach_for([*EVERY, "i589_receipt"])
    report = pkg.check()
    assert not report.ok
    assert sorted(missing_ids(report)) == ["death_evidence", "explanation", "relationship"]
    for r in report.required:
        if r.id in ("death_evidence", "explanation", "relationship"):
            assert r.uncertain and "01/20/25 wording is unconfirmed" in r.source
    result = invoke("check", str(pkg.write()))
    assert "INCOMPLETE" in result.output and "(uncertain: verify)" in result.output


@pytest.mark.parametrize("basis", NON_I485)
def test_every_non_i485_basis_needs_the_explanation(tmp_path: Path, sample: Any, basis: str) -> None:
    purpose = "humanitarian_death_or_funeral"
    pkg = Package(tmp_path, profile_for(sample, basis, purpose))
    pkg.attach_for(EVERY)
    report = pkg.check()
    missing = set(missing_ids(report))
    assert {"explanation", "death_evidence", "relationship"} <= missing
    explanation = next(r for r in report.required if r.id == "explanation")
    assert explanation.uncertain and explanation.any_of == ["explanation_letter"]
    death = next(r for r in report.required if r.id == "death_evidence")
    assert death.uncertain is (basis != "daca")  # DACA's purpose evidence is in the instructions for 5.E


@pytest.mark.parametrize("purpose", ["humanitarian_medical_treatment", "humanitarian_ill_relative",
                                     "humanitarian_death_or_funeral", "humanitarian_other", "educational",
                                     "employment", "public_benefit", "personal"])
def test_every_purpose_category_brings_its_evidence(tmp_path: Path, sample: Any, purpose: str) -> None:
    pkg = Package(tmp_path, profile_for(sample, "pending_i589", purpose))
    pkg.attach_for([*EVERY, "i589_receipt", "explanation"])
    report = pkg.check()
    purpose_reqs = [r for r in report.required if r.scope == f"purpose {purpose}"]
    assert purpose_reqs and all(r.uncertain and r.severity == "error" for r in purpose_reqs)
    unexplained = {"humanitarian_other", "personal"}  # their evidence is the explanation letter itself
    assert report.ok is (purpose in unexplained)


def test_a_pending_i485_needs_no_explanation(tmp_path: Path, sample: Any) -> None:
    pkg = Package(tmp_path, profile_for(sample, "pending_i485", "humanitarian_death_or_funeral"))
    pkg.attach_for([*EVERY, "i485_receipt"])
    report = pkg.check()
    assert report.ok and "explanation" not in {r.id for r in report.required}


def relaxed_rules(tmp_path: Path, **changes: Any) -> Path:
    data = json.loads(default_rules_text())
    data["name"] = "Example LLP rules (explanation relaxed)"
    data["explanation"].update(changes)
    path = tmp_path / "firm-rules.json"
    path.write_text(json.dumps(data))
    return path


def test_a_firm_relaxes_the_explanation_rule_to_a_warning(tmp_path: Path, sample: Any) -> None:
    pkg = Package(tmp_path / "m", profile_for(sample, "pending_i589", "humanitarian_death_or_funeral"))
    pkg.attach_for([*EVERY, "i589_receipt"])
    assert not pkg.check().ok
    report = pkg.check(rules=relaxed_rules(tmp_path, severity="warning"))
    assert report.ok and "Example LLP" in report.rules
    assert sorted(f.requirement or "" for f in report.findings if f.code == "missing_evidence") == [
        "death_evidence", "explanation", "relationship"]
    assert all(f.severity == "warning" for f in report.findings if f.code == "missing_evidence")


def test_a_firm_drops_the_purpose_evidence_but_keeps_the_statement(tmp_path: Path, sample: Any) -> None:
    pkg = Package(tmp_path / "m", profile_for(sample, "pending_i589", "humanitarian_death_or_funeral"))
    pkg.attach_for([*EVERY, "i589_receipt"])
    report = pkg.check(rules=relaxed_rules(tmp_path, purpose_evidence=False))
    assert missing_ids(report) == ["explanation"]
    pkg.attach("explanation_letter")
    assert pkg.check(rules=relaxed_rules(tmp_path, purpose_evidence=False)).ok


# --- intake preflight ------------------------------------------------------------------------------


def roles(profile: dict[str, Any], blank: Any = None) -> list[tuple[str, int, str, str]]:
    loaded = load_profile(profile)
    fmap = all_maps()[("I-131", "01/20/25")]
    return [(b.role, b.page, b.part, b.item) for b in signature_boxes(loaded.profile, fmap, blank)]


@pytest.mark.parametrize(("interpreter", "preparer"), [(False, False), (True, False), (False, True), (True, True)])
def test_signature_boxes_with_and_without_interpreter_and_preparer(sample: Any, blank_plain: Path,
                                                                   interpreter: bool, preparer: bool) -> None:
    data = sample("re-parole")  # fills both sections
    if not interpreter:
        data["interpreter"] = None
    if not preparer:
        data["preparer"] = None
    expected = [("applicant", 11, "10", "4")]
    expected += [("interpreter", 12, "11", "6")] if interpreter else []
    expected += [("preparer", 13, "12", "6")] if preparer else []
    assert roles(data) == expected
    assert roles(data, open_blank(blank_plain)) == expected  # the blank agrees with the map's pages


def test_the_check_lists_the_boxes_to_sign(tmp_path: Path, sample: Any) -> None:
    pkg = Package(tmp_path, profile_for(sample))
    pkg.attach_for([*EVERY, "i485_receipt"])
    pkg.profile["preparer"] = {"family": "PATEL", "given": "ANJALI"}
    report = pkg.check()
    assert [b.role for b in report.signatures] == ["applicant", "preparer"]
    sign = finding(report, "sign_by_hand")
    assert "page 11, Part 10 item 4" in sign.message and "page 13" in sign.message and "page 12" not in sign.message
    assert "8 CFR 103.2(a)(2)" in (sign.source or "")
    doc = report.to_dict()
    assert [b["page"] for b in doc["signatures"]] == [11, 13]
    every = finding(report, "file_every_page")
    assert "14 pages" in every.message and "including pages without answers" in every.message


def test_continuation_sheets_are_counted_with_a_blank(tmp_path: Path, sample: Any, blank_plain: Path) -> None:
    pkg = Package(tmp_path, profile_for(sample))
    pkg.attach_for([*EVERY, "i485_receipt"])
    without = finding(pkg.check(), "sign_continuation_sheets")
    assert "give the blank form" in without.message
    assert "sign_continuation_sheets" not in codes(pkg.check(form=blank_plain))  # short answers: no sheets
    pkg.profile["travel"]["countries"] = [f"Country{i:02d}" for i in range(60)]
    pkg.profile["travel"]["purpose"] = " ".join(f"My mother needs surgery{i}; I will care for her." for i in range(30))
    sheets = finding(pkg.check(form=blank_plain), "sign_continuation_sheets")
    assert "continuation sheet" in sheets.message and "signs and dates each" in sheets.message
    assert "Part 13" in (sheets.source or "")


@pytest.mark.parametrize(("filing", "flagged"), [("2025-01-19", True), ("2025-01-20", False), ("2026-11-29", False)])
def test_the_edition_must_be_accepted_on_the_filing_date(tmp_path: Path, sample: Any, filing: str,
                                                         flagged: bool) -> None:
    pkg = Package(tmp_path, profile_for(sample))
    pkg.attach_for([*EVERY, "i485_receipt"])
    report = pkg.check(filing_date=day(filing))
    assert report.edition == "01/20/25"
    found = [f for f in report.findings if f.code == "edition_not_accepted"]
    assert bool(found) is flagged
    if found:  # the acceptance date is marked uncertain in the rules: a warning to verify
        assert found[0].severity == "warning" and found[0].uncertain and "2025-01-20" in found[0].message


def test_a_firm_that_confirmed_the_edition_dates_gets_an_error(tmp_path: Path, sample: Any) -> None:
    data = json.loads(default_rules_text())
    data["editions"][0]["uncertain"] = False
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps(data))
    pkg = Package(tmp_path / "m", profile_for(sample))
    pkg.attach_for([*EVERY, "i485_receipt"])
    report = pkg.check(filing_date=day("2025-01-19"), rules=rules)
    assert "edition_not_accepted" in codes(report, "error") and not report.ok
    data["editions"] = []
    rules.write_text(json.dumps(data))
    assert "edition_unknown" in codes(pkg.check(rules=rules), "warning")


def test_an_old_edition_blank_is_refused_on_the_filing_date(tmp_path: Path, sample: Any, blank_2019: Path) -> None:
    pkg = Package(tmp_path, profile_for(sample))
    pkg.attach_for([*EVERY, "i485_receipt"])
    assert "edition_not_accepted" not in codes(pkg.check(form=blank_2019, filing_date=day("2024-10-10")))
    report = pkg.check(form=blank_2019, filing_date=day("2024-10-11"))
    assert report.edition == "04/24/19" and not report.ok
    refused = finding(report, "edition_not_accepted")
    assert refused.severity == "error" and "until 2024-10-10" in refused.message
    assert "06/17/24" in (refused.source or "")
    assert "no_field_map" in codes(report, "warning")  # formfill cannot fill it, so no boxes to list


@pytest.mark.parametrize(("filed_with", "rejected"), [
    (["i821d_initial"], True), (["i821d_initial", "i765"], True), (["i821d_renewal"], False), ([], False),
])
def test_daca_with_an_initial_i821d_in_the_same_envelope_is_rejected(tmp_path: Path, sample: Any,
                                                                      filed_with: list[str], rejected: bool) -> None:
    pkg = Package(tmp_path, profile_for(sample, "daca", "educational"))
    pkg.profile["application"]["filed_with"] = filed_with
    pkg.attach_for([*EVERY, "daca_approval", "explanation", "education_evidence"])
    report = pkg.check()
    assert ("daca_initial_request_filed_together" in codes(report, "error")) is rejected
    assert report.ok is not rejected
    if rejected:
        assert finding(report, "daca_initial_request_filed_together").where == "application.filed_with"


# --- eligibility lives in the rules only; fill and fill --check-package ------------------------------


def test_fill_no_longer_refuses_for_eligibility_but_the_package_check_does(tmp_path: Path, sample: Any,
                                                                          blank_plain: Path) -> None:
    pkg = Package(tmp_path, profile_for(sample))
    pkg.attach_for([*EVERY, "i485_receipt"])
    pkg.profile["processing"].update(in_removal_proceedings=True, ever_in_proceedings=True)
    profile = pkg.write()
    out = tmp_path / "out.pdf"
    result = invoke("fill", str(profile), "--form", str(blank_plain), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "note: processing.in_removal_proceedings: advance parole is not available" in result.output
    assert "reports this as an error" in result.output
    out.unlink()
    result = invoke("fill", str(profile), "--form", str(blank_plain), "-o", str(out),
                                  "--check-package")
    assert result.exit_code == 1 and "removal proceedings" in result.output and not out.exists()


def test_fill_and_batch_check_the_package_for_the_filing_date(tmp_path: Path, sample: Any,
                                                               blank_plain: Path) -> None:
    """A fee waiver covers the fee before H.R. 1, never after: fill and batch judge the date they are given."""
    pkg = Package(tmp_path, re_parole(sample, ead=True))
    pkg.attach_for(["passport_photos", "photo_id"])
    pkg.attach("fee_waiver_request")
    profile = str(pkg.write())
    for when, code in (("2025-08-21", 1), ("2025-07-21", 0)):
        out = tmp_path / f"fill-{when}.pdf"
        result = invoke("fill", profile, "--form", str(blank_plain), "-o", str(out),
                                      "--check-package", "--filing-date", when)
        assert result.exit_code == code, result.output
        assert out.exists() is (code == 0)
        if code:
            assert "fee" in result.output
        folder = tmp_path / f"batch-{when}"
        result = invoke("batch", profile, "-o", str(folder), "--form", str(blank_plain), "--jobs", "1",
                                      "--check-package", "--filing-date", when)
        assert result.exit_code == code, result.output
        line = json.loads((folder / "report.jsonl").read_text())
        assert line["ok"] is (code == 0)


def test_checks_never_import_the_fill_api() -> None:
    for path in [*(REPO / "formfill" / "checks").glob("*.py"), REPO / "formfill" / "signing.py",
                 REPO / "formfill" / "loading.py"]:
        tree = ast.parse(path.read_text())
        imported = {f"{n.module}.{a.name}" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names}
        imported |= {f"{n.module}." for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        assert not any(m == "formfill.api" or m.startswith("formfill.api.") for m in imported), path


# --- the CLI -------------------------------------------------------------------------------------


def test_cli_filing_date_text_and_json(tmp_path: Path, sample: Any) -> None:
    pkg = Package(tmp_path, re_parole(sample, ead=True))
    pkg.attach_for([*EVERY])
    profile = str(pkg.write())
    text = invoke("check", profile, "--filing-date", "2026-01-01").output
    assert "Fee (filing date 2026-01-01)" in text and "$280" in text and "not waivable" in text
    assert "Billed later, not paid with the I-131" in text and "$1,000" in text
    assert "[ ] page 11, Part 10 item 4" in text and "source: 8 CFR 103.2(a)(2)" in text
    doc = json.loads(invoke("check", profile, "--filing-date", "2025-07-21", "--json").output)
    assert doc["filing_date"] == "2025-07-21" and doc["edition"] == "01/20/25"
    assert [p["id"] for p in doc["fee"]["payments"]] == ["i131_filing_fee"] and doc["fee"]["later"] == []
    assert {"what", "amount", "waivable", "source", "source_date"} <= set(doc["fee"]["payments"][0])
    assert all("uncertain" in f for f in doc["findings"])
    bad = invoke("check", profile, "--filing-date", "2026-02-30")
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.output


def test_processing_notes_carry_their_source_and_uncertainty(tmp_path: Path, sample: Any) -> None:
    """The rules mark processing times and validity uncertain: the notes say so, with their source, in both outputs."""
    pkg = Package(tmp_path, profile_for(sample))
    pkg.attach_for([*EVERY, "i485_receipt"])
    profile = str(pkg.write())
    doc = json.loads(invoke("check", profile, "--json").output)
    validity = next(f for f in doc["findings"] if f["code"] == "validity")
    assert validity["uncertain"] is True and "Form I-131 instructions" in validity["source"]
    text = invoke("check", profile).output
    notes = text.split("\nNotes\n", 1)[1]
    assert "valid for 1 year from issuance (uncertain: verify)" in notes
    assert f"source: {validity['source']}" in notes


def test_cli_default_filing_date_is_today(tmp_path: Path, sample: Any) -> None:
    pkg = Package(tmp_path, profile_for(sample))
    pkg.attach_for([*EVERY, "i485_receipt"])
    doc = json.loads(invoke("check", str(pkg.write()), "--json").output)
    assert doc["filing_date"] == dt.date.today().isoformat() and doc["filing_date"] < FAR
