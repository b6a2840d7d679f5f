"""formfill.checks.facts: what the package check reads from a profile, found where the rules say it is.

A small synthetic model and snapshots (no I-131): the paths come from `Answers`, the vocabularies from the model.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Literal

from pydantic import BaseModel

from formfill.checks.facts import Answers, TripSection, answer, expedite_of, trip_of, vocabulary


class Kind(enum.StrEnum):
    visa = "visa"
    permit = "permit"


class Journey(BaseModel):
    departure_date: dt.date
    purpose_category: Literal["work", "study"] | None = None
    countries: list[str] = []


class Hurry(BaseModel):
    ground: Literal["illness", "deadline"]
    explanation: str


class Request(BaseModel):
    kind: Kind


class Toy(BaseModel):
    request: Request
    journey: Journey | None = None
    outing: Journey | None = None
    hurry: Hurry | None = None
    overrides: dict[Literal["waived"], str] = {}


ANSWERS = Answers(request="request.kind", attachment_kind="attachments.kind", expedite="hurry",
                  trips=[TripSection(section="journey", purpose_asked=True), TripSection(section="outing")])
DAY = dt.date(2027, 5, 1)


def test_the_first_trip_section_stated_is_the_trip() -> None:
    data = {"request": {"kind": "visa"}, "outing": {"departure_date": DAY, "countries": ["Peru"]}}
    trip = trip_of(data, ANSWERS)
    assert trip is not None and (trip.section, trip.countries, trip.purpose_asked) == ("outing", ("Peru",), False)
    assert trip.departure_path == "outing.departure_date"
    data["journey"] = {"departure_date": DAY, "purpose_category": "work", "countries": []}
    trip = trip_of(data, ANSWERS)
    assert trip is not None and (trip.section, trip.purpose_category, trip.purpose_asked) == ("journey", "work", True)


def test_no_trip_and_no_expedite_when_the_profile_states_none() -> None:
    data = {"request": {"kind": "visa"}, "journey": None}
    assert trip_of(data, ANSWERS) is None and expedite_of(data, ANSWERS) is None
    assert expedite_of(data, Answers(request="request.kind", attachment_kind="attachments.kind")) is None


def test_the_expedite_request_and_answers_as_text() -> None:
    data = {"request": {"kind": Kind.permit}, "hurry": {"ground": "illness", "explanation": "Mother is ill."}}
    assert expedite_of(data, ANSWERS) == ("illness", "Mother is ill.")
    assert answer(data, "request.kind") == "permit" and answer(data, "request.other") is None
    assert answer(data, None) is None


def test_the_vocabularies_come_from_the_model() -> None:
    vocab = vocabulary(Toy, ANSWERS)
    assert vocab["request"] == {"visa", "permit"}
    assert vocab["purpose"] == {"work", "study"}
    assert vocab["expedite_ground"] == {"illness", "deadline"}
    assert vocab["override"] == {"waived"}
    assert vocab["basis"] is None and vocab["attachment_kind"] is None  # not stated / not in the model: unchecked
