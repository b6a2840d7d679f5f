"""Hypothesis strategies for valid profiles of every application type (used by the round-trip proof).

Profiles are built the way the contract describes them, then validated with the real model: a
generated profile that the model refuses is a bug in this generator, not a skipped example.
"""

from __future__ import annotations

import string
from typing import Any

from hypothesis import strategies as st

from formfill.formrules import profile_rules
from tests.i131 import ApplicationType, Basis, Processing, Program

# Which basis asks for a receipt number and which programs each parole type offers: the package's rules.json.
_RULES = {r.id: r for r in profile_rules("I-131")}
RECEIPT_REQUIRED = {Basis(b) for b in _RULES["basis_asks_for_its_receipt_number"].when.raw["application.basis"]}
RECEIPT_ALLOWED = {Basis(b) for b in _RULES["receipt_number_has_a_box"].require.raw[0]["application.basis"]}
PROGRAMS = {ApplicationType(kind): {Program(p) for p in _RULES[f"program_of_{kind}"].require.raw["application.program"]}
            for kind in ("initial_parole", "parole_in_place", "re_parole")}

UPPER = string.ascii_uppercase
name_part = st.text(UPPER, min_size=1, max_size=10)
person_name = st.builds(lambda a, b: f"{a} {b}" if b else a, name_part, st.one_of(st.none(), name_part))
long_name = st.text(UPPER, min_size=30, max_size=45)  # wider than a name box: "[see Part 13]"
word = st.text(string.ascii_letters + string.digits + ".'-()?!&", min_size=1, max_size=14)


def words(min_words: int, max_words: int) -> st.SearchStrategy[str]:
    return st.lists(word, min_size=min_words, max_size=max_words).map(" ".join)


short_text = words(1, 4)
answer = st.one_of(words(1, 12), words(60, 260))  # the long ones overflow into Part 13 and onto sheets
city = st.one_of(words(1, 2), st.text(string.ascii_letters, min_size=26, max_size=40))
# A foreign country: random letters, but never a spelling the model reads as the United States ("us", "USA"):
# an address there needs a state and ZIP code, which a foreign address does not draw.
US_SPELLINGS = {"united states", "usa", "us", "u.s.", "united states of america"}
country = st.text(string.ascii_letters + " ", min_size=1, max_size=20).map(
    lambda s: "Peru" if s.strip().lower() in US_SPELLINGS else s.strip() or "Peru")
digits = lambda n: st.text("0123456789", min_size=n, max_size=n)  # noqa: E731
us_phone = st.builds(lambda a, b: f"{a}{b}", st.sampled_from(["213", "415", "718"]), digits(7))
receipt = st.builds(lambda a, b: a + b, st.text(UPPER, min_size=3, max_size=3), digits(10))
date = st.dates(min_value=__import__("datetime").date(1930, 1, 1),
                max_value=__import__("datetime").date(2035, 12, 31)).map(lambda d: d.isoformat())
email = st.builds(lambda a, b: f"{a}@{b}.com", st.text(string.ascii_lowercase, min_size=1, max_size=12),
                  st.text(string.ascii_lowercase, min_size=1, max_size=12))
STATES = ["CA", "NY", "TX", "FL", "IL", "WA"]


@st.composite
def address(draw: st.DrawFn) -> dict[str, Any]:
    out: dict[str, Any] = {"street": draw(st.one_of(words(1, 4), words(6, 9))), "city": draw(city)}
    if draw(st.booleans()):
        out["in_care_of"] = draw(short_text)
    if draw(st.booleans()):
        out["unit_type"] = draw(st.sampled_from(["apt", "ste", "flr"]))
        out["unit_number"] = draw(st.text(UPPER + string.digits, min_size=1, max_size=4))
    if draw(st.booleans()):
        out.update(state=draw(st.sampled_from(STATES)), zip_code=draw(digits(5)), country="United States")
    else:
        out.update(country=draw(country), province=draw(st.one_of(st.none(), short_text)),
                   postal_code=draw(st.one_of(st.none(), st.text(UPPER + string.digits, min_size=3, max_size=8))))
    return out


@st.composite
def name(draw: st.DrawFn) -> dict[str, Any]:
    return {"family": draw(st.one_of(person_name, person_name, long_name)),
            "given": draw(st.one_of(st.none(), person_name)), "middle": draw(st.one_of(st.none(), person_name))}


@st.composite
def person(draw: st.DrawFn, beneficiary: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": draw(name()),
        "other_names": draw(st.lists(name(), max_size=5)),  # more than three rows: "Other name 4: ..."
        "mailing_address": draw(address()),
        "physical_address": draw(st.one_of(st.none(), address())),
        "a_number": draw(st.one_of(st.none(), digits(9).filter(lambda s: set(s) != {"0"}))),
        "country_of_birth": draw(country),
        "country_of_citizenship": draw(country),
        "date_of_birth": draw(date),
        "class_of_admission": draw(st.one_of(st.none(), st.sampled_from(["B2", "PAR", "F1"]))),
        "i94_number": draw(st.one_of(st.none(), digits(11))),
    }
    if beneficiary:
        out["daytime_phone"] = draw(st.one_of(st.none(), digits(10)))
        out["email"] = draw(st.one_of(st.none(), email))
    else:
        out["sex"] = draw(st.sampled_from(["F", "M"]))
        out["ssn"] = draw(st.one_of(st.none(), st.just("123456789"), st.just("212-45-6789")))
        out["uscis_online_account_number"] = draw(st.one_of(st.none(), digits(12)))
        out["authorized_stay_expires"] = draw(st.one_of(st.none(), date))
        out["emedical_uspid"] = draw(st.one_of(st.none(), st.text(UPPER + string.digits, min_size=5, max_size=10)))
    return out


@st.composite
def application(draw: st.DrawFn, kind: str) -> dict[str, Any]:
    app: dict[str, Any] = {"type": kind, "refugee_status": draw(st.one_of(st.none(), st.booleans()))}
    if kind == "advance_parole":
        basis = draw(st.sampled_from([b.value for b in Basis]))
        app["basis"] = basis
        if Basis(basis) in RECEIPT_REQUIRED or (Basis(basis) in RECEIPT_ALLOWED and draw(st.booleans())):
            app["receipt_number"] = draw(receipt)
        if basis == "other":
            app["explanation"] = draw(answer)
    elif kind == "tps_travel_authorization":
        app["receipt_number"] = draw(receipt)
    elif kind in {t.value for t in PROGRAMS}:
        program = draw(st.one_of(st.none(), st.sampled_from(sorted(p.value for p in PROGRAMS[ApplicationType(kind)]))))
        app["program"] = program
        if program == "immvi":
            app["relationship_to_service_member"] = draw(
                st.sampled_from(["service_member", "family_member", "guardian_or_surrogate"]))
        if program == "military_pip":
            app["relationship_to_service_member"] = draw(st.sampled_from(["service_member", "family_member"]))
        if program == "other":
            app["program_details"] = draw(answer)
        if program == "frtf" and kind != "re_parole":
            app["frtf_registration_number"] = draw(st.text(UPPER + string.digits, min_size=1, max_size=11))
        if program == "intergovernmental_referral":
            app["referring_agency"] = draw(short_text)
            app["referring_official_email"] = draw(email)
        if program == "fwvp" and kind == "initial_parole" and draw(st.booleans()):
            app["receipt_number"] = draw(receipt)
        if kind == "re_parole":
            app["admit_until"] = draw(date)
    return app


@st.composite
def processing(draw: st.DrawFn, kind: str) -> dict[str, Any] | None:
    if not draw(st.booleans()):
        return None
    now = kind != "advance_parole" and draw(st.booleans())  # advance parole in proceedings needs an override
    proc: dict[str, Any] = {"in_removal_proceedings": now}
    if "ever_in_proceedings" in Processing.model_fields:  # the contract's "ever" question (Part 4 item 1)
        proc["ever_in_proceedings"] = now or draw(st.booleans())
    for key in ("previous_reentry_permit_or_refugee_travel_document", "previous_advance_parole"):
        if draw(st.booleans()):
            proc[key] = {"date_issued": draw(date), "disposition": draw(st.one_of(short_text, words(30, 60)))}
    if kind not in {t.value for t in PROGRAMS} and draw(st.booleans()):  # parole requests skip Part 4 items 4-6
        reason = draw(st.sampled_from(["not_received", "lost_stolen_damaged", "incorrect_my_error",
                                       "incorrect_uscis_error"]))
        corrections = (draw(st.lists(st.sampled_from(["name", "a_number", "date_of_birth", "sex", "photo",
                                                      "validity_date"]), unique=True, max_size=3))
                       if reason.startswith("incorrect") else [])
        proc["replacement"] = {"reason": reason, "corrections": corrections,
                               "explanation": draw(st.one_of(st.none(), answer)),
                               "receipt_number": draw(st.one_of(st.none(), receipt))}
    if kind in ("reentry_permit", "refugee_travel_document", "refugee_travel_document_lpr"):
        if draw(st.booleans()):
            proc["delivery"] = {"to": "us_address"}
        else:
            notify: Any = draw(st.one_of(st.none(), st.just("us_address"), st.builds(
                lambda a, p, e: {"address": a, "daytime_phone": p, "email": e},
                address(), st.one_of(st.none(), digits(10)), st.one_of(st.none(), email))))
            proc["delivery"] = {"to": "consulate", "city": draw(city), "country": draw(country), "notify": notify}
    return proc


@st.composite
def profiles(draw: st.DrawFn) -> dict[str, Any]:
    """A valid profile of any application type, often with answers too long for their boxes."""
    kind = draw(st.sampled_from([t.value for t in ApplicationType]))
    app = draw(application(kind))
    p: dict[str, Any] = {
        "schema_version": 1,
        "form": "I-131",
        "application": app,
        "applicant": draw(person()),
        "biographics": {
            "ethnicity": draw(st.sampled_from(["hispanic_or_latino", "not_hispanic_or_latino"])),
            "race": draw(st.lists(st.sampled_from(["white", "asian", "black", "american_indian_alaska_native",
                                                   "native_hawaiian_pacific_islander"]), min_size=1, unique=True)),
            "height_feet": draw(st.integers(2, 8)), "height_inches": draw(st.integers(0, 11)),
            "weight_pounds": draw(st.integers(1, 999)),
            "eye_color": draw(st.sampled_from(["black", "blue", "brown", "gray", "green", "hazel", "maroon", "pink",
                                               "unknown"])),
            "hair_color": draw(st.sampled_from(["bald", "black", "blond", "brown", "gray", "red", "sandy", "white",
                                                "unknown"])),
        },
        "processing": draw(processing(kind)),
        "contact": {"daytime_phone": draw(st.one_of(st.none(), us_phone)),
                    "mobile_phone": draw(st.one_of(st.none(), us_phone)),
                    "email": draw(st.one_of(st.none(), email))},
        "attorney": {"g28_attached": draw(st.booleans())},
    }
    if app.get("basis") == "parolee":
        p["applicant"]["class_of_admission"] = "PAR"
    if kind == "reentry_permit":
        p["reentry_permit"] = {"time_outside_us": draw(st.sampled_from(
            ["less_than_6_months", "6_months_to_1_year", "1_to_2_years", "2_to_3_years", "3_to_4_years",
             "more_than_4_years"]))}
    if kind.startswith("refugee"):
        outside = draw(st.booleans())
        p["refugee"] = {
            "country": draw(country),
            **{k: draw(st.booleans()) for k in ("plan_to_travel_there", "returned_there", "applied_for_passport",
                                                 "received_benefits", "reacquired_nationality",
                                                 "acquired_new_nationality", "granted_status_elsewhere",
                                                 "filing_before_departure")},
            "currently_outside_us": outside,
            "current_location": draw(city) if outside else None,
            "countries_visited": draw(st.one_of(st.none(), short_text)),
        }
    if kind == "advance_parole":
        purposes = ["humanitarian_medical_treatment", "humanitarian_ill_relative", "educational", "employment"]
        p["travel"] = {"departure_date": draw(date), "purpose": draw(answer),
                       "purpose_category": draw(st.sampled_from(purposes)),
                       "countries": draw(st.lists(country.filter(lambda c: "," not in c), min_size=1, max_size=4)),
                       "trips": draw(st.sampled_from(["one", "multiple"])), "length_days": draw(st.integers(1, 9999))}
    if kind in {t.value for t in PROGRAMS}:
        if draw(st.booleans()):
            p["parole"] = {"reason": draw(answer), "length_of_stay": draw(short_text),
                           "arrival_date": draw(st.one_of(st.none(), date)),
                           "consulate_city": draw(st.one_of(st.none(), city)),
                           "consulate_country": draw(st.one_of(st.none(), country)),
                           "request_ead": draw(st.one_of(st.none(), st.booleans())) if kind == "re_parole" else None}
        military_pip = kind == "parole_in_place" and app.get("program") == "military_pip"
        if not military_pip and draw(st.booleans()):
            p["beneficiary"] = draw(person(beneficiary=True))
    if draw(st.booleans()):
        p["interpreter"] = {"family": draw(person_name), "given": draw(person_name), "language": draw(short_text),
                            "business": draw(st.one_of(st.none(), short_text)),
                            "daytime_phone": draw(st.one_of(st.none(), us_phone)),
                            "email": draw(st.one_of(st.none(), email))}
    if draw(st.booleans()):
        p["preparer"] = {"family": draw(person_name), "given": draw(person_name),
                         "business": draw(st.one_of(st.none(), words(1, 8))),
                         "mobile_phone": draw(st.one_of(st.none(), us_phone))}
    return p
