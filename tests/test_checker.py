"""formfill.checks.checker and the concerns that run on it, on a toy form: the package check names no form.

A synthetic profile model (a request kind, a journey, attachments) and rules written for it in the tests: the
requirements, fees and eligibility come out of the same engine the I-131 uses, reading only the paths the rules'
`answers` name.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any, Literal

from pydantic import Field
from pypdf import PdfWriter

from formfill.checks.checker import Checker
from formfill.checks.evidence import check_files
from formfill.checks.fees import fees
from formfill.checks.intake import eligibility
from formfill.checks.requirements import requirements
from formfill.checks.rulesfile import Rules
from formfill.profile_base import ProfileBase, Strict

DAY = dt.date(2027, 3, 1)


def one_page_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(612, 792)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


class Ask(Strict):
    kind: Literal["visa", "permit"]
    basis: Literal["student", "worker"] | None = None


class Journey(Strict):
    departure_date: dt.date
    purpose_category: Literal["study", "tourism"] | None = None
    countries: list[str] = Field(default_factory=list)


class Attached(Strict):
    kind: Literal["passport", "payment", "letter"]
    path: str


class ToyProfile(ProfileBase):
    form: Literal["T-1"] = "T-1"
    ask: Ask
    journey: Journey | None = None
    attachments: list[Attached] = Field(default_factory=list)


def toy_rules(**extra: Any) -> Rules:
    source = "Toy regulation 1.1"
    doc: dict[str, Any] = {
        "schema_version": 4, "name": "toy rules",
        "answers": {"request": "ask.kind", "basis": "ask.basis", "attachment_kind": "attachments.kind",
                    "trips": [{"section": "journey", "purpose_asked": True}]},
        "accepted_types": {"default": ["pdf"]},
        "every_filing": {"requirements": [{"id": "passport", "description": "A passport copy",
                                           "any_of": ["passport"], "source": source}]},
        "by_application_type": {"visa": {"requirements": [{"id": "letter", "description": "A letter",
                                                           "any_of": ["letter"], "when": {"journey": {"present": True}},
                                                           "source": source}]}},
        "by_basis": {"student": {"allowed_purposes": {"categories": ["study"], "source": source}}},
        "intake": {"signature": {"source": source}, "continuation_sheets": {"source": source},
                   "every_page": {"source": source}},
        "processing": {"usual_days": 30, "source": source},
        "fees": {"filing_fee_id": "toy_filing_fee", "source": source,
                 "requirement": {"id": "fee", "description": "The fee", "payment_kinds": ["payment"]},
                 "schedules": [{"from": "2020-01-01", "source": source, "source_date": "2020-01-01",
                                "by_application_type": {"visa": {"amount": 10}, "permit": {"amount": 0}}}]},
        **extra,
    }
    return Rules.model_validate(doc)


def checker(tmp_path: Path, profile: ToyProfile, rules: Rules | None = None) -> Checker:
    return Checker(profile, "toy.json", tmp_path, rules or toy_rules(), "toy", None, DAY, DAY, None)


def test_a_toy_forms_requirements_and_fee_come_from_its_rules(tmp_path: Path) -> None:
    (tmp_path / "p.pdf").write_bytes(one_page_pdf())
    profile = ToyProfile(ask=Ask(kind="visa"), journey=Journey(departure_date=DAY + dt.timedelta(days=90)),
                         attachments=[Attached(kind="passport", path="p.pdf")])
    c = checker(tmp_path, profile)
    check_files(c)
    fee = fees(c)
    assert [(p["id"], p["amount"]) for p in fee["payments"]] == [("toy_filing_fee", 10)]
    assert fee["application_type"] == "visa"
    results = {r.id: r for r in requirements(c)}
    assert set(results) == {"passport", "letter", "fee"}
    assert not results["passport"].missing and results["letter"].missing and results["fee"].missing
    assert results["letter"].scope == "application type visa"
    assert c.request()["summary"] == "visa" and c.request()["departure_date"] == "2027-05-30"


def test_a_request_type_without_rules_is_said_at_the_rules_request_path(tmp_path: Path) -> None:
    profile = ToyProfile(ask=Ask(kind="permit"))
    c = checker(tmp_path, profile)
    fees(c)
    ids = {r.id for r in requirements(c)}
    assert ids == {"passport"}  # no fee due ($0), no table for permit
    assert [(f.code, f.where) for f in c.findings if f.code == "no_rules"] == [("no_rules", "ask.kind")]


def test_the_basis_restricts_the_purpose_of_the_trip_the_form_asks_about(tmp_path: Path) -> None:
    journey = Journey(departure_date=DAY, purpose_category="tourism")
    c = checker(tmp_path, ToyProfile(ask=Ask(kind="visa", basis="student"), journey=journey))
    eligibility(c)
    found = [(f.code, f.severity, f.where) for f in c.findings]
    assert found == [("purpose_not_allowed", "error", "journey.purpose_category")]
    c = checker(tmp_path, ToyProfile(ask=Ask(kind="visa", basis="student"),
                                     journey=Journey(departure_date=DAY, purpose_category="study")))
    eligibility(c)
    assert not c.findings
