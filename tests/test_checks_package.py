"""The filing-package check: required evidence per basis and purpose, files checked as files, the CLI.

Profiles are built from the bundled sample by editing dicts; every attachment is a real file in tmp_path
(blank PDFs from pypdf, passport photos drawn with Pillow and run through the real photo checks).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from formfill.checks.package import PackageReport, check_package, default_rules_text, load_rules
from formfill.errors import InputError
from tests.helpers import deadline, draw_photo, invoke, write_pdf, write_photo
from tests.i131 import Basis, Profile, PurposeCategory

TODAY = dt.date.today()
FAR = (TODAY + dt.timedelta(days=200)).isoformat()

# Which attachment kinds satisfy each requirement id in these tests.
ATTACH = {
    "passport_photos": ["passport_photo", "passport_photo"],
    "photo_id": ["photo_id"],
    "fee": ["fee_payment"],
    "i485_receipt": ["i797_receipt"],
    "i589_receipt": ["i797_receipt"],
    "i821_receipt": ["i797_receipt"],
    "daca_approval": ["i797_approval"],
    "t_approval": ["i797_approval"],
    "u_approval": ["i797_approval"],
    "parole_document": ["i94"],
    "i817_notice": ["i797_approval"],
    "i687_notice": ["i797_receipt"],
    "v_notice": ["i797_approval"],
    "medical_evidence": ["medical_letter"],
    "relative_illness": ["relative_medical_evidence"],
    "relationship": ["relationship_evidence"],
    "death_evidence": ["death_certificate"],
    "humanitarian_reason": ["explanation_letter"],
    "education_evidence": ["enrollment_proof"],
    "employment_evidence": ["employer_letter"],
    "public_benefit_evidence": ["sponsor_letter"],
    "personal_reason": ["explanation_letter"],
    "explanation": ["explanation_letter"],
    "consular_appointment_letter": ["consular_appointment_letter"],
    "green_card": ["green_card"],
}
EVERY = ["passport_photos", "photo_id", "fee"]

# basis -> (the purpose used, the basis's own requirement ids). Every basis of the enum is listed.
BASIS_CASES: dict[str, tuple[str, list[str]]] = {
    "pending_i485": ("personal", ["i485_receipt"]),
    "pending_i589": ("humanitarian_death_or_funeral", ["i589_receipt"]),
    "pending_i821": ("personal", ["i821_receipt"]),
    "ded": ("educational", []),
    "daca": ("employment", ["daca_approval"]),
    "t_status": ("humanitarian_ill_relative", ["t_approval"]),
    "u_status": ("humanitarian_medical_treatment", ["u_approval"]),
    "parolee": ("employment", ["parole_document"]),
    "family_unity": ("public_benefit", ["i817_notice"]),
    "pending_i687": ("humanitarian_medical_treatment", ["i687_notice"]),
    "v_status": ("humanitarian_other", ["v_notice"]),
    "cnmi": ("personal", []),
    "other": ("humanitarian_death_or_funeral", []),
}
# purpose -> (a basis that allows it, the purpose's requirement ids).
PURPOSE_CASES: dict[str, tuple[str, list[str]]] = {
    "humanitarian_medical_treatment": ("daca", ["medical_evidence"]),
    "humanitarian_ill_relative": ("daca", ["relative_illness", "relationship"]),
    "humanitarian_death_or_funeral": ("daca", ["death_evidence", "relationship"]),
    "humanitarian_other": ("daca", ["humanitarian_reason"]),
    "educational": ("daca", ["education_evidence"]),
    "employment": ("daca", ["employment_evidence"]),
    "public_benefit": ("family_unity", ["public_benefit_evidence"]),
    "personal": ("pending_i589", ["personal_reason"]),
}


def needed(basis: str, purpose: str) -> list[str]:
    """Every requirement id of an advance-parole request: a pending I-485 needs no explanation of the trip;
    every other basis needs the explanation and the purpose's evidence (the explanation rule)."""
    ids = EVERY + BASIS_CASES[basis][1]
    return ids if basis == "pending_i485" else [*ids, "explanation", *PURPOSE_CASES[purpose][1]]


def test_cases_cover_every_basis_and_purpose() -> None:
    assert set(BASIS_CASES) == {b.value for b in Basis}
    assert set(PURPOSE_CASES) == {p.value for p in PurposeCategory}


# --- building packages ---------------------------------------------------------------------------


class Package:
    """A profile dict plus a folder to write its attachments into."""

    def __init__(self, root: Path, profile: dict[str, Any]) -> None:
        self.root, self.profile = root, profile
        self.n = 0

    def attach(self, kind: str, name: str | None = None, write: bool = True) -> str:
        self.n += 1
        if kind == "passport_photo":
            rel = name or f"photos/photo-{self.n}.jpg"
            if write:
                write_photo(self.root / rel)
        else:
            rel = name or f"docs/{kind}-{self.n}.pdf"
            if write:
                write_pdf(self.root / rel)
        self.profile["attachments"].append({"kind": kind, "path": rel})
        return rel

    def attach_for(self, requirement_ids: list[str]) -> None:
        for rid in requirement_ids:
            for kind in ATTACH[rid]:
                self.attach(kind)

    def write(self) -> Path:
        path = self.root / "profile.json"
        path.write_text(json.dumps(self.profile))
        return path

    def check(self, **kw: Any) -> PackageReport:
        return check_package(self.write(), **kw)


def profile_for(sample: Any, basis: str = "pending_i485", purpose: str = "personal") -> dict[str, Any]:
    data: dict[str, Any] = copy.deepcopy(sample("advance-parole-i485"))
    app = data["application"]
    app["basis"] = basis
    if basis in ("ded", "parolee", "other"):
        app["receipt_number"] = None  # the form has no receipt box for these bases
    if basis == "other":
        app["explanation"] = "Approved I-601A, awaiting the consular interview."
    data["travel"].update(purpose_category=purpose, departure_date=FAR, purpose="Trip abroad", countries=["Mexico"])
    data["attorney"] = {"g28_attached": False}
    data["attachments"] = []
    return data


def minimal(sample: Any) -> dict[str, Any]:
    """A pending-I-485 advance parole filed together with the I-485: photos, photo ID and fee are all it needs."""
    data = profile_for(sample, "pending_i485")
    data["application"]["receipt_number"] = None
    return data


def complete(tmp_path: Path, sample: Any, basis: str, purpose: str, ids: list[str]) -> Package:
    pkg = Package(tmp_path, profile_for(sample, basis, purpose))
    pkg.attach_for(EVERY + ids + ([] if basis == "pending_i485" else ["explanation"]))
    return pkg


def codes(report: PackageReport, severity: str | None = None) -> list[str]:
    return [f.code for f in report.findings if severity is None or f.severity == severity]


def missing_ids(report: PackageReport) -> list[str]:
    return [r.id for r in report.required if r.missing]


# --- required evidence by basis and by purpose ---------------------------------------------------


def lacking(ids: list[str], item: str) -> tuple[list[str], list[str]]:
    """The ids to attach without `item`, and the ids then missing (those satisfied by the same kinds)."""
    gone = [i for i in ids if ATTACH[i] == ATTACH[item]]
    return [i for i in ids if i not in gone], sorted(gone)


@pytest.mark.parametrize("basis", sorted(BASIS_CASES))
def test_complete_package_passes_for_each_basis(tmp_path: Path, sample: Any, basis: str) -> None:
    purpose = BASIS_CASES[basis][0]
    pkg = Package(tmp_path, profile_for(sample, basis, purpose))
    pkg.attach_for(needed(basis, purpose))
    report = pkg.check()
    assert [r.id for r in report.required] and {r.id for r in report.required} == set(needed(basis, purpose))
    assert report.ok, [f.message for f in report.findings if f.severity != "info"]
    assert codes(report, "error") == [] and "unsupported_attachment" not in codes(report)
    assert all(r.satisfied_by for r in report.required)


BASIS_ITEMS = [(b, i) for b, (p, _) in sorted(BASIS_CASES.items()) for i in needed(b, p)]


@pytest.mark.parametrize(("basis", "item"), BASIS_ITEMS)
def test_missing_item_fails_for_each_basis(tmp_path: Path, sample: Any, basis: str, item: str) -> None:
    purpose = BASIS_CASES[basis][0]
    pkg = Package(tmp_path, profile_for(sample, basis, purpose))
    attach, gone = lacking(needed(basis, purpose), item)
    pkg.attach_for(attach)
    report = pkg.check()
    assert not report.ok
    assert sorted(missing_ids(report)) == gone
    named = [f for f in report.findings if f.code == "missing_evidence"]
    assert sorted(f.requirement or "" for f in named) == gone and named[0].severity == "error"
    assert any(kind in named[0].message for kind in ATTACH[item])


@pytest.mark.parametrize("purpose", sorted(PURPOSE_CASES))
def test_complete_package_passes_for_each_purpose(tmp_path: Path, sample: Any, purpose: str) -> None:
    basis = PURPOSE_CASES[purpose][0]
    pkg = Package(tmp_path, profile_for(sample, basis, purpose))
    pkg.attach_for(needed(basis, purpose))
    report = pkg.check()
    assert report.ok, [f.message for f in report.findings if f.severity != "info"]
    assert {r.id for r in report.required} == set(needed(basis, purpose))
    assert report.request["purpose_category"] == purpose


@pytest.mark.parametrize(("purpose", "item"), [(p, i) for p, (_, ids) in sorted(PURPOSE_CASES.items()) for i in ids])
def test_missing_purpose_item_fails(tmp_path: Path, sample: Any, purpose: str, item: str) -> None:
    basis = PURPOSE_CASES[purpose][0]
    pkg = Package(tmp_path, profile_for(sample, basis, purpose))
    attach, gone = lacking(needed(basis, purpose), item)
    pkg.attach_for(attach)
    report = pkg.check()
    assert not report.ok and sorted(missing_ids(report)) == gone
    assert sorted(f.requirement or "" for f in report.findings if f.code == "missing_evidence") == gone


@pytest.mark.parametrize("alternative", ["funeral_notice", "death_certificate"])
def test_either_alternative_satisfies_a_requirement(tmp_path: Path, sample: Any, alternative: str) -> None:
    pkg = Package(tmp_path, profile_for(sample, "daca", "humanitarian_death_or_funeral"))
    pkg.attach_for([*EVERY, "daca_approval", "explanation", "relationship"])
    path = pkg.attach(alternative)
    report = pkg.check()
    assert report.ok
    death = next(r for r in report.required if r.id == "death_evidence")
    assert death.satisfied_by == [path] and death.any_of == ["death_certificate", "funeral_notice"]


def test_sample_purpose_evidence_is_optional_but_relevant_for_pending_i485(tmp_path: Path, sample: Any) -> None:
    pkg = complete(tmp_path, sample, "pending_i485", "humanitarian_ill_relative", ["i485_receipt"])
    pkg.attach("relative_medical_evidence")
    pkg.attach("relationship_evidence")
    report = pkg.check()
    assert report.ok and "unsupported_attachment" not in codes(report)
    assert {r.id for r in report.required} == {*EVERY, "i485_receipt"}


def test_one_photo_is_not_two(tmp_path: Path, sample: Any) -> None:
    pkg = Package(tmp_path, minimal(sample))
    pkg.attach_for(["photo_id", "fee"])
    pkg.attach("passport_photo")
    report = pkg.check()
    assert missing_ids(report) == ["passport_photos"]
    assert "(1 of 2 usable)" in next(f.message for f in report.findings if f.code == "missing_evidence")


def test_the_same_photo_listed_twice_counts_once(tmp_path: Path, sample: Any) -> None:
    pkg = Package(tmp_path, minimal(sample))
    pkg.attach_for(["photo_id", "fee"])
    rel = pkg.attach("passport_photo")
    pkg.attach("passport_photo", name=rel, write=False)
    report = pkg.check()
    assert missing_ids(report) == ["passport_photos"] and "duplicate_attachment" in codes(report, "warning")


def test_an_i94_alone_is_not_a_photo_id(tmp_path: Path, sample: Any) -> None:
    pkg = Package(tmp_path, minimal(sample))
    pkg.attach_for(["passport_photos", "fee"])
    pkg.attach("i94")
    report = pkg.check()
    assert missing_ids(report) == ["photo_id"] and not report.ok


def test_passport_bio_page_is_a_photo_id(tmp_path: Path, sample: Any) -> None:
    pkg = Package(tmp_path, minimal(sample))
    pkg.attach_for(["passport_photos", "fee"])
    path = pkg.attach("passport_bio_page")
    report = pkg.check()
    assert report.ok and next(r for r in report.required if r.id == "photo_id").satisfied_by == [path]


def test_fee_waiver_request_instead_of_fee(tmp_path: Path, sample: Any) -> None:
    pkg = Package(tmp_path, minimal(sample))
    pkg.attach_for(["passport_photos", "photo_id"])
    pkg.attach("fee_waiver_request")
    report = pkg.check()
    assert report.ok and report.fee["amount"] == 630 and report.fee["online_amount"] == 580
    assert report.fee["source_date"] == "2024-01-31" and "89 FR 6194" in report.fee["source"]
    assert report.fee["payments"][0]["waivable"] is True and report.fee["total"] == 630


# --- conditional requirements --------------------------------------------------------------------


def test_i485_receipt_only_when_filed_separately(tmp_path: Path, sample: Any) -> None:
    data = profile_for(sample, "pending_i485")
    data["application"]["receipt_number"] = None  # filed together with the I-485: no receipt yet
    pkg = Package(tmp_path, data)
    pkg.attach_for(EVERY)
    report = pkg.check()
    assert report.ok and "i485_receipt" not in {r.id for r in report.required}
    assert any("free only when that I-485" in n for n in report.fee["notes"])


def canada_trip(sample: Any) -> dict[str, Any]:
    data = profile_for(sample, "pending_i485")
    data["travel"].update(countries=["Canada"], purpose="Immigrant visa interview at the U.S. Consulate in Montreal")
    return data


def test_canada_visa_interview_needs_the_appointment_letter(tmp_path: Path, sample: Any) -> None:
    pkg = Package(tmp_path, canada_trip(sample))
    pkg.attach_for([*EVERY, "i485_receipt"])
    assert missing_ids(pkg.check()) == ["consular_appointment_letter"]
    pkg.attach("consular_appointment_letter")
    report = pkg.check()
    assert report.ok and "consular_appointment_letter" in {r.id for r in report.required}


def test_appointment_letter_for_a_trip_elsewhere_supports_nothing(tmp_path: Path, sample: Any) -> None:
    pkg = complete(tmp_path, sample, "pending_i485", "personal", ["i485_receipt"])
    path = pkg.attach("consular_appointment_letter")
    report = pkg.check()
    assert "consular_appointment_letter" not in {r.id for r in report.required}
    assert [f.path for f in report.findings if f.code == "unsupported_attachment"] == [path]


def test_g28_required_when_the_profile_says_it_is_attached(tmp_path: Path, sample: Any) -> None:
    data = minimal(sample)
    data["attorney"] = {"g28_attached": True}
    pkg = Package(tmp_path, data)
    pkg.attach_for(EVERY)
    assert missing_ids(pkg.check()) == ["g28"]


# --- mismatches, eligibility, informational notes ------------------------------------------------


def test_employer_letter_for_a_funeral_trip_is_reported(tmp_path: Path, sample: Any) -> None:
    pkg = complete(tmp_path, sample, "daca", "humanitarian_death_or_funeral",
                   ["daca_approval", "death_evidence", "relationship"])
    letter = pkg.attach("employer_letter")
    report = pkg.check()
    found = [f for f in report.findings if f.code == "unsupported_attachment"]
    assert [f.path for f in found] == [letter] and found[0].severity == "warning"
    assert "humanitarian_death_or_funeral" in found[0].message
    assert report.ok  # nothing required is missing: the stray letter is a warning to look at


def test_daca_vacation_is_refused_by_the_rules_not_the_profile(tmp_path: Path, sample: Any) -> None:
    pkg = complete(tmp_path, sample, "daca", "personal", ["daca_approval", "personal_reason"])
    report = pkg.check()  # eligibility is law, in the rules file: the profile itself is valid
    refused = [f for f in report.findings if f.code == "purpose_not_allowed"]
    assert not report.ok and refused[0].severity == "error" and "DACA" in refused[0].message
    assert "5.E" in (refused[0].source or "")
    result = invoke("check", str(pkg.write()))
    assert result.exit_code == 1 and "DACA" in result.output


def test_daca_vacation_refused_even_for_an_unchecked_profile_object(tmp_path: Path, sample: Any) -> None:
    # A Profile built without the cross-checks must still be refused by the package rules.
    pkg = complete(tmp_path, sample, "daca", "personal", ["daca_approval"])
    profile = Profile.model_validate(pkg.profile)
    report = check_package(profile, base_dir=tmp_path)
    assert not report.ok
    refused = [f for f in report.findings if f.code == "purpose_not_allowed"]
    assert refused[0].severity == "error" and "vacation" in refused[0].message
    assert refused[0].where == "travel.purpose_category"
    assert any(p.path == "travel.purpose_category" for p in report.problems())


def test_purpose_that_does_not_fit_an_uncertain_basis_is_a_warning(tmp_path: Path, sample: Any) -> None:
    pkg = complete(tmp_path, sample, "family_unity", "educational", ["i817_notice", "education_evidence"])
    report = pkg.check()
    assert [f.severity for f in report.findings if f.code == "purpose_not_allowed"] == ["warning"]
    assert report.ok


@pytest.mark.parametrize(("flag", "override", "code"), [
    ("in_removal_proceedings", "removal_proceedings", "removal_proceedings"),
    ("j1_212e_without_waiver", "j1_212e", "j1_212e"),
])
def test_blockers(tmp_path: Path, sample: Any, flag: str, override: str, code: str) -> None:
    pkg = complete(tmp_path, sample, "pending_i485", "personal", ["i485_receipt"])
    pkg.profile["processing"][flag] = True
    if flag == "in_removal_proceedings":  # in proceedings now: also ever (Part 4 item 1)
        pkg.profile["processing"]["ever_in_proceedings"] = True
    blocked = pkg.check()  # the profile is valid: the rules file, which a firm may replace, blocks it
    assert not blocked.ok and code in codes(blocked, "error")
    pkg.profile["overrides"] = {override: "Counsel reviewed: proceedings terminated 2026-10-01"}
    report = pkg.check()
    overridden = [f for f in report.findings if f.code == f"{code}_overridden"]
    assert report.ok and overridden[0].severity == "warning" and "terminated" in overridden[0].message


def test_daca_is_not_blocked_by_removal_proceedings(tmp_path: Path, sample: Any) -> None:
    pkg = complete(tmp_path, sample, "daca", "educational", ["daca_approval", "education_evidence"])
    pkg.profile["processing"].update(in_removal_proceedings=True, ever_in_proceedings=True)
    report = pkg.check()
    assert report.ok and "removal_proceedings" not in codes(report)


@pytest.mark.parametrize(("klass", "expected"), [("H-1B", True), ("h4", True), ("L-2", True), ("K3", True),
                                                 ("V-1", True), ("B2", False), ("F1", False)])
def test_status_holders_may_travel_without_advance_parole(tmp_path: Path, sample: Any, klass: str,
                                                          expected: bool) -> None:
    pkg = complete(tmp_path, sample, "pending_i485", "personal", ["i485_receipt"])
    pkg.profile["applicant"]["class_of_admission"] = klass
    report = pkg.check()
    found = [f for f in report.findings if f.code == "may_travel_without_advance_parole"]
    assert bool(found) is expected and report.ok
    assert all(f.severity == "info" for f in found)


def test_near_departure_suggests_an_expedite(tmp_path: Path, sample: Any) -> None:
    pkg = complete(tmp_path, sample, "pending_i485", "personal", ["i485_receipt"])
    assert "expedite_suggested" not in codes(pkg.check())
    pkg.profile["travel"]["departure_date"] = (TODAY + dt.timedelta(days=10)).isoformat()
    report = pkg.check()
    expedite = next(f for f in report.findings if f.code == "expedite_suggested")
    assert expedite.severity == "warning" and "10 days away" in expedite.message  # issue 20: check warns
    assert "severe financial loss" in expedite.message and "clear USCIS error" in expedite.message
    assert report.ok
    validity = next(f for f in report.findings if f.code == "validity")
    assert "1 year" in validity.message


def test_departure_in_the_past_is_a_warning(tmp_path: Path, sample: Any) -> None:
    pkg = complete(tmp_path, sample, "pending_i485", "personal", ["i485_receipt"])
    report = pkg.check(today=dt.date.fromisoformat(FAR) + dt.timedelta(days=1))
    assert "departure_passed" in codes(report, "warning")


def reentry_profile(sample: Any) -> dict[str, Any]:
    data = profile_for(sample)
    data["application"] = {"type": "reentry_permit"}
    data["reentry_permit"] = {"time_outside_us": "6_months_to_1_year"}
    del data["travel"]
    data["processing"]["previous_advance_parole"] = None
    return data


def test_reentry_permit_no_fee_waiver_and_two_years(tmp_path: Path, sample: Any) -> None:
    pkg = Package(tmp_path, reentry_profile(sample))
    pkg.attach_for(["passport_photos", "photo_id", "green_card"])
    waiver = pkg.attach("fee_waiver_request")
    report = pkg.check()
    assert not report.ok and missing_ids(report) == ["fee"]
    assert [f.path for f in report.findings if f.code == "fee_waiver_not_accepted"] == [waiver]
    assert report.fee["fee_waiver_allowed"] is False and report.fee["amount"] == 630
    assert "2 years" in next(f.message for f in report.findings if f.code == "validity")
    pkg.profile["attachments"].pop()
    pkg.attach("fee_payment")
    assert pkg.check().ok


# --- files checked as files ----------------------------------------------------------------------


def package_with(tmp_path: Path, sample: Any, kind: str, name: str) -> tuple[Package, str]:
    """A complete 'ded' package except that `kind` is the file `name` (written by the test)."""
    pkg = Package(tmp_path, minimal(sample))
    pkg.attach_for([i for i in EVERY if kind not in ATTACH[i]])
    return pkg, pkg.attach(kind, name=name, write=False)


def file_finding(report: PackageReport, path: str) -> list[str]:
    return [f.code for f in report.findings if f.path == path and f.severity == "error"]


def test_missing_file_reported_by_path(tmp_path: Path, sample: Any) -> None:
    pkg, path = package_with(tmp_path, sample, "photo_id", "docs/nowhere.pdf")
    report = pkg.check()
    assert file_finding(report, path) == ["file_missing"] and missing_ids(report) == ["photo_id"]
    assert next(r for r in report.required if r.id == "photo_id").unusable == [path]


def test_unreadable_file_reported_by_path(tmp_path: Path, sample: Any) -> None:
    pkg, path = package_with(tmp_path, sample, "photo_id", "docs/folder.pdf")
    (tmp_path / path).mkdir(parents=True)
    report = pkg.check()
    assert file_finding(report, path) == ["file_unreadable"] and not report.ok
    if os.geteuid() != 0:  # root reads anything, so a permission test only means something as a user
        locked = tmp_path / "docs" / "locked.pdf"
        write_pdf(locked)
        locked.chmod(0)
        pkg.profile["attachments"][-1]["path"] = "docs/locked.pdf"
        assert file_finding(pkg.check(), "docs/locked.pdf") == ["file_unreadable"]


def bad_path(tmp_path: Path, kind: str) -> str:
    """An attachment path (relative to tmp_path) that no check may open or crash on."""
    docs = tmp_path / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    if kind == "nul_byte":
        return "docs/a\u0000b.pdf"
    if kind == "symlink_loop":
        (docs / "loop1.pdf").symlink_to("loop2.pdf")
        (docs / "loop2.pdf").symlink_to("loop1.pdf")
        return "docs/loop1.pdf"
    if kind == "fifo":
        os.mkfifo(docs / "pipe.pdf")  # opening it for reading would block until a writer appears
        return "docs/pipe.pdf"
    if kind == "directory":
        (docs / "folder.pdf").mkdir()
        return "docs/folder.pdf"
    raise AssertionError(kind)


BAD_PATHS = {
    "nul_byte": "NUL byte",
    "symlink_loop": "symlink loop",
    "fifo": "not a regular file",
    "directory": "not a regular file",
}
needs_posix = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs symlinks and FIFOs (POSIX)")


@needs_posix
@pytest.mark.parametrize("kind", sorted(BAD_PATHS))
def test_bad_attachment_path_is_an_error_finding_not_a_crash(tmp_path: Path, sample: Any, kind: str) -> None:
    pkg, _ = package_with(tmp_path, sample, "photo_id", "docs/placeholder.pdf")
    path = bad_path(tmp_path, kind)
    pkg.profile["attachments"][-1]["path"] = path
    with deadline(20):
        report = pkg.check()
    assert file_finding(report, path) == ["file_unreadable"] and not report.ok
    finding = next(f for f in report.findings if f.path == path)
    assert finding.where == f"attachments[{len(pkg.profile['attachments']) - 1}]"
    assert BAD_PATHS[kind].lower() in finding.message.lower()
    assert missing_ids(report) == ["photo_id"]
    attachment = report.attachments[-1]
    assert attachment.usable is False and attachment.file_type is None


@needs_posix
@pytest.mark.parametrize("kind", sorted(BAD_PATHS))
def test_cli_bad_attachment_path_exits_1_without_traceback(tmp_path: Path, sample: Any, kind: str) -> None:
    pkg, _ = package_with(tmp_path, sample, "photo_id", "docs/placeholder.pdf")
    path = bad_path(tmp_path, kind)
    pkg.profile["attachments"][-1]["path"] = path
    profile = pkg.write()
    for args in (["check", str(profile)], ["check", str(profile), "--json"],
                 ["fill", str(profile), "-o", str(tmp_path / "out.pdf"), "--check-package"]):
        with deadline(60):
            result = invoke(*args)
        assert result.exit_code == 1, (args, result.output)
        assert isinstance(result.exception, SystemExit), (args, result.exception)  # a clean exit, not a crash
        assert "Traceback" not in result.output and BAD_PATHS[kind].lower() in result.output.lower(), result.output
    assert not (tmp_path / "out.pdf").exists()


@needs_posix
def test_a_symlink_loop_as_the_attachments_root_opens_nothing(tmp_path: Path, sample: Any) -> None:
    pkg = complete(tmp_path / "m", sample, "pending_i485", "personal", ["i485_receipt"])
    (tmp_path / "root1").symlink_to("root2")
    (tmp_path / "root2").symlink_to("root1")
    report = pkg.check(attachments_root=tmp_path / "root1")
    assert "attachments_root_unreadable" in codes(report, "error") and not report.ok
    assert all(a.resolved is None and not a.usable for a in report.attachments)


def test_text_named_pdf_reported(tmp_path: Path, sample: Any) -> None:
    pkg, path = package_with(tmp_path, sample, "photo_id", "docs/id.pdf")
    (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / path).write_text("Scan of the passport goes here\n")
    report = pkg.check()
    assert file_finding(report, path) == ["file_type_unknown"]
    assert "plain text" in next(f.message for f in report.findings if f.path == path)


def test_jpeg_named_pdf_reported(tmp_path: Path, sample: Any) -> None:
    pkg, path = package_with(tmp_path, sample, "photo_id", "docs/id.pdf")
    write_photo(tmp_path / path)
    report = pkg.check()
    assert file_finding(report, path) == ["file_type_mismatch"] and missing_ids(report) == ["photo_id"]
    assert "JPEG" in next(f.message for f in report.findings if f.path == path)


def test_corrupt_and_encrypted_pdfs_reported(tmp_path: Path, sample: Any) -> None:
    pkg, path = package_with(tmp_path, sample, "photo_id", "docs/broken.pdf")
    (tmp_path / "docs").mkdir(exist_ok=True)
    (tmp_path / path).write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 50)
    assert file_finding(pkg.check(), path) == ["pdf_corrupt"]
    write_pdf(tmp_path / path, password="secret")
    assert file_finding(pkg.check(), path) == ["pdf_encrypted"]


def test_pdf_page_count_reported(tmp_path: Path, sample: Any) -> None:
    pkg, path = package_with(tmp_path, sample, "photo_id", "docs/three.pdf")
    write_pdf(tmp_path / path, pages=3)
    report = pkg.check()
    att = next(a for a in report.attachments if a.path == path)
    assert report.ok and att.pages == 3 and att.file_type == "pdf" and att.supports == ["photo_id"]


def test_a_pdf_is_not_a_passport_photo(tmp_path: Path, sample: Any) -> None:
    pkg, path = package_with(tmp_path, sample, "passport_photo", "photos/photo.pdf")
    write_pdf(tmp_path / path)
    pkg.attach("passport_photo")
    report = pkg.check()
    assert file_finding(report, path) == ["file_type_not_accepted"] and missing_ids(report) == ["passport_photos"]


# --- passport photos, through the real photo checks ----------------------------------------------


def test_good_photos_pass_the_photo_checks(tmp_path: Path, sample: Any) -> None:
    report = complete(tmp_path, sample, "pending_i485", "personal", ["i485_receipt"]).check()
    photos = [a for a in report.attachments if a.kind == "passport_photo"]
    assert report.ok and all(a.usable and a.file_type == "jpeg" for a in photos)
    assert "photos_not_checked" not in codes(report)


def test_bad_photo_fails_with_the_photo_finding(tmp_path: Path, sample: Any) -> None:
    pkg, path = package_with(tmp_path, sample, "passport_photo", "photos/small.jpg")
    write_photo(tmp_path / path, draw_photo(size=200))
    pkg.attach("passport_photo")
    report = pkg.check()
    photo_errors = [f for f in report.findings if f.path == path and f.code.startswith("photo_")]
    assert photo_errors and any(f.severity == "error" for f in photo_errors)
    assert missing_ids(report) == ["passport_photos"] and not report.ok


def test_two_different_photos_are_reported(tmp_path: Path, sample: Any) -> None:
    pkg = Package(tmp_path, minimal(sample))
    pkg.attach_for(["photo_id", "fee"])
    pkg.attach("passport_photo")
    other = "photos/other.jpg"
    write_photo(tmp_path / other, draw_photo(background=(235, 235, 245)).transpose(Image.Transpose.FLIP_TOP_BOTTOM))
    pkg.attach("passport_photo", name=other, write=False)
    report = pkg.check()
    assert "photo_pair_differs" in [f.code for f in report.findings if f.path == other]
    assert not report.ok


def test_without_the_photo_module_photos_are_reported_not_checked(tmp_path: Path, sample: Any,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import formfill.checks

    monkeypatch.setitem(sys.modules, "formfill.checks.photo", None)  # makes the import fail
    monkeypatch.delattr(formfill.checks, "photo", raising=False)
    report = complete(tmp_path, sample, "pending_i485", "personal", ["i485_receipt"]).check()
    assert [f.severity for f in report.findings if f.code == "photos_not_checked"] == ["warning"]
    assert report.ok  # the photos were still checked as JPEG files


# --- attachments root ----------------------------------------------------------------------------


def test_paths_cannot_escape_the_attachments_root(tmp_path: Path, sample: Any) -> None:
    root = tmp_path / "matter"
    pkg = complete(root, sample, "pending_i485", "personal", ["i485_receipt"])
    assert pkg.check(attachments_root=root).ok
    write_pdf(tmp_path / "secret.pdf")
    pkg.profile["attachments"].append({"kind": "other", "path": "../secret.pdf"})
    (root / "docs" / "link.pdf").symlink_to(tmp_path / "secret.pdf")
    pkg.profile["attachments"].append({"kind": "other", "path": "docs/link.pdf"})
    report = pkg.check(attachments_root=root)
    escaped = [f.path for f in report.findings if f.code == "outside_attachments_root"]
    assert escaped == ["../secret.pdf", "docs/link.pdf"] and not report.ok
    assert pkg.check().ok  # without a root, the same files are fine


# --- the rules file ------------------------------------------------------------------------------


PRIMARY = re.compile(r"8 CFR \d|\d+ FR \d+|Form I-131 instructions|Public Law \d|INA \d|uscis\.gov|Policy Manual")


def test_builtin_rules_name_their_primary_sources() -> None:
    rules = load_rules()
    scopes = [rules.every_filing, *rules.by_application_type.values(), *rules.by_basis.values(),
              *rules.by_purpose.values()]
    reqs = [r for s in scopes for r in s.requirements]
    sources = [r.source for r in reqs] + [c.source for c in [*rules.eligibility, *rules.intake.checks]]
    sources += [b.allowed_purposes.source for b in rules.by_basis.values() if b.allowed_purposes]
    sources += [row.source for row in [*rules.fees.schedules, *rules.fees.additional]] + [rules.fees.source]
    sources += [e.source for e in rules.editions] + [rules.explanation.source if rules.explanation else ""]
    sources += [rules.intake.signature.source, rules.intake.continuation_sheets.source, rules.intake.every_page.source]
    assert reqs and all(PRIMARY.search(s) for s in sources), [s for s in sources if not PRIMARY.search(s)]
    assert not [s for s in sources if ".md" in s or "article" in s]  # nothing a firm does not have
    assert any(r.uncertain for r in reqs) and rules.explanation is not None and rules.explanation.uncertain


def stricter_rules(tmp_path: Path) -> Path:
    data = json.loads(default_rules_text())
    data["name"] = "Example LLP rules"
    data["every_filing"]["requirements"].append({
        "id": "itinerary", "description": "Travel itinerary (firm policy)", "any_of": ["itinerary"],
        "when": {"application.type": "advance_parole"}, "source": "firm policy 2026-03",
    })
    data["by_basis"]["pending_i485"]["purpose_evidence"] = True
    data["fees"]["schedules"][0]["by_application_type"]["advance_parole"]["amount"] = 700
    path = tmp_path / "firm-rules.json"
    path.write_text(json.dumps(data))
    return path


def test_a_firms_stricter_rules_file(tmp_path: Path, sample: Any) -> None:
    rules = stricter_rules(tmp_path)
    pkg = complete(tmp_path / "m", sample, "pending_i485", "personal", ["i485_receipt"])
    assert pkg.check().ok
    report = pkg.check(rules=rules)
    assert sorted(missing_ids(report)) == ["itinerary", "personal_reason"] and not report.ok
    assert report.fee["amount"] == 700 and "Example LLP rules" in report.rules
    pkg.attach("itinerary")
    pkg.attach("explanation_letter")
    assert pkg.check(rules=rules).ok


def test_a_version_2_rules_file_is_still_read(tmp_path: Path, sample: Any) -> None:
    """Version 2 wrote each `when` as a list of {"path", test} objects: they are read as the rule language."""
    data = json.loads(stricter_rules(tmp_path).read_text())
    data["schema_version"] = 2
    data["every_filing"]["requirements"][-1]["when"] = [{"path": "application.type", "equals": "advance_parole"}]
    data["explanation"]["when"] = [{"path": "application.type", "in": ["advance_parole"]},
                                   {"path": "application.basis", "not_in": ["pending_i485"]}]
    data["fees"]["notes"][0]["when"] = []
    path = tmp_path / "firm-rules-v2.json"
    path.write_text(json.dumps(data))
    read = load_rules(path)
    assert read.explanation is not None and read.explanation.when.raw == {
        "all": [{"application.type": ["advance_parole"]}, {"application.basis": {"not_in": ["pending_i485"]}}]}
    assert read.fees.notes[0].when is None  # an empty list: no condition, as before
    pkg = complete(tmp_path / "m", sample, "pending_i485", "personal", ["i485_receipt"])
    report = pkg.check(rules=path)
    assert sorted(missing_ids(report)) == ["itinerary", "personal_reason"] and not report.ok


@pytest.mark.parametrize(("content", "expect"), [
    ("{not json", "not valid JSON"),
    ('{"schema_version": 2}', "not a valid package rules file"),
    ('{"schema_version": 1}', "a version 1 rules file"),
])
def test_bad_rules_file_is_an_input_error(tmp_path: Path, sample: Any, content: str, expect: str) -> None:
    rules = tmp_path / "bad-rules.json"
    rules.write_text(content)
    pkg = complete(tmp_path / "m", sample, "pending_i485", "personal", ["i485_receipt"])
    with pytest.raises(InputError) as err:
        pkg.check(rules=rules)
    assert str(rules) in err.value.message and expect in err.value.message and err.value.exit_code == 2


@pytest.mark.parametrize(("edit", "where"), [
    (lambda d: d["every_filing"]["requirements"][0].update(any_of=["passport_fotos"]),
     "every_filing.requirements.0.any_of.0"),
    (lambda d: d["by_application_type"]["advance_parole"]["requirements"][0].update(
        when={"travel.country": {"mentions_any": ["Canada"]}}),
     "by_application_type.advance_parole.requirements.0.when"),
    (lambda d: d["by_basis"].update(daca2={}), "by_basis.daca2"),
    (lambda d: d["fees"].update(sorce="x"), "fees.sorce"),
    (lambda d: d["fees"]["additional"][0].update(until=None), "fees"),  # two rows for one date
    (lambda d: d["fees"]["schedules"][0].update(expiring=True), "fees.schedules.0"),  # expiring needs 'until'
    (lambda d: d["editions"][0].update(edition="1/20/2025"), "editions.0.edition"),
])
def test_rules_schema_errors_name_the_key(tmp_path: Path, edit: Any, where: str) -> None:
    data = json.loads(default_rules_text())
    edit(data)
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps(data))
    with pytest.raises(InputError) as err:
        load_rules(rules)
    assert any(p.path.replace("[", ".").replace("]", "").startswith(where) for p in err.value.problems), \
        err.value.problems


# --- the CLI -------------------------------------------------------------------------------------


def test_cli_complete_package_exits_0(tmp_path: Path, sample: Any) -> None:
    profile = complete(tmp_path, sample, "pending_i485", "personal", ["i485_receipt"]).write()
    result = invoke("check", str(profile))
    assert result.exit_code == 0, result.output
    assert "Result: COMPLETE" in result.output and "[ok]" in result.output and "89 FR 6194" in result.output


def test_cli_incomplete_package_exits_1_and_names_the_missing_item(tmp_path: Path, sample: Any) -> None:
    pkg = Package(tmp_path, profile_for(sample, "daca", "humanitarian_death_or_funeral"))
    pkg.attach_for([*EVERY, "daca_approval", "relationship"])
    letter = pkg.attach("employer_letter")
    result = invoke("check", str(pkg.write()))
    assert result.exit_code == 1
    assert "[MISSING] Death certificate or funeral notice" in result.output
    assert f"[not needed] {letter} (employer_letter)" in result.output and "INCOMPLETE" in result.output


def test_cli_json_document(tmp_path: Path, sample: Any) -> None:
    pkg, path = package_with(tmp_path, sample, "photo_id", "docs/nowhere.pdf")
    result = invoke("check", str(pkg.write()), "--json")
    assert result.exit_code == 1
    doc = json.loads(result.output)
    assert doc["ok"] is False and doc["fee"]["amount"] == 630
    assert {f["path"] for f in doc["findings"] if f["code"] == "file_missing"} == {path}
    assert [r["id"] for r in doc["required"] if r["missing"]] == ["photo_id"]


def test_cli_unreadable_inputs_exit_2(tmp_path: Path, sample: Any) -> None:
    assert invoke("check", str(tmp_path / "none.json")).exit_code == 2
    (tmp_path / "bad.json").write_text("{")
    result = invoke("check", str(tmp_path / "bad.json"), "--json")
    assert result.exit_code == 2 and json.loads(result.output)["exit_code"] == 2
    profile = complete(tmp_path / "m", sample, "pending_i485", "personal", ["i485_receipt"]).write()
    (tmp_path / "rules.json").write_text("[]")
    result = invoke("check", str(profile), "--rules", str(tmp_path / "rules.json"))
    assert result.exit_code == 2 and "rules.json" in result.output


def test_cli_attachments_root(tmp_path: Path, sample: Any) -> None:
    root = tmp_path / "matter"
    pkg = complete(root, sample, "pending_i485", "personal", ["i485_receipt"])
    write_pdf(tmp_path / "elsewhere.pdf")
    pkg.profile["attachments"].append({"kind": "other", "path": str(tmp_path / "elsewhere.pdf")})
    profile = pkg.write()
    assert invoke("check", str(profile)).exit_code == 0
    result = invoke("check", str(profile), "--attachments-root", str(root))
    assert result.exit_code == 1 and "outside the attachments root" in result.output
