"""The profile model: strict keys, ISO dates, normalised identifiers and the form's own cross-field rules."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from formfill.errors import ProfileError
from tests.helpers import invoke, sample_names
from tests.helpers import load_sample as base
from tests.i131 import Profile, parse_profile

Mutation = Callable[[dict[str, Any]], None]


def problems_of(data: dict[str, Any]) -> dict[str, str]:
    """path -> message for every problem; fails the test if the profile is accepted."""
    with pytest.raises(ProfileError) as err:
        parse_profile(data)
    found: dict[str, str] = {}
    for p in err.value.problems:
        found[p.path] = (found[p.path] + " | " if p.path in found else "") + p.message
    return found


def with_changes(name: str, *changes: Mutation) -> dict[str, Any]:
    data = copy.deepcopy(base(name))
    for change in changes:
        change(data)
    return data


@pytest.mark.parametrize("name", sample_names())
def test_every_sample_is_valid(name: str) -> None:
    profile = parse_profile(base(name))
    assert isinstance(profile, Profile)
    assert profile.form == "I-131"


# --- keys, dates, ZIP codes ----------------------------------------------------------------------


def test_unknown_key_is_rejected_naming_its_json_path() -> None:
    data = with_changes("advance-parole-i485", lambda d: d["applicant"].__setitem__("contry_of_birth", "Mexico"))
    found = problems_of(data)
    assert list(found) == ["applicant.contry_of_birth"]
    assert "not a key" in found["applicant.contry_of_birth"]


def test_unknown_key_deep_in_a_list_names_the_index() -> None:
    data = with_changes("advance-parole-i485",
                        lambda d: d["applicant"]["other_names"][0].__setitem__("surname", "X"))
    assert "applicant.other_names[0].surname" in problems_of(data)


def test_unknown_top_level_key_is_rejected() -> None:
    data = with_changes("advance-parole-i485", lambda d: d.__setitem__("aplicant", {}))
    assert "aplicant" in problems_of(data)


@pytest.mark.parametrize("value,expect", [
    ("1990-02-30", "not a calendar date"),
    ("03/14/1990", "YYYY-MM-DD"),
    ("1990-3-14", "YYYY-MM-DD"),
    ("", "YYYY-MM-DD"),
])
def test_bad_dates_are_refused(value: str, expect: str) -> None:
    data = with_changes("advance-parole-i485", lambda d: d["applicant"].__setitem__("date_of_birth", value))
    found = problems_of(data)
    assert expect in found["applicant.date_of_birth"]


def test_dates_are_parsed() -> None:
    profile = parse_profile(base("daca-educational"))
    assert str(profile.travel.departure_date) == "2027-01-08"  # type: ignore[union-attr]


@pytest.mark.parametrize("zip_code", ["9001", "900171", "90017-1234", "ABCDE"])
def test_zip_codes_have_five_digits(zip_code: str) -> None:
    data = with_changes("advance-parole-i485",
                        lambda d: d["applicant"]["mailing_address"].__setitem__("zip_code", zip_code))
    assert "5 digits" in problems_of(data)["applicant.mailing_address.zip_code"]


def test_a_us_address_needs_state_and_zip() -> None:
    data = with_changes("advance-parole-i485", lambda d: d["applicant"]["mailing_address"].pop("zip_code"))
    assert "applicant.mailing_address" in problems_of(data)


# --- identifiers ---------------------------------------------------------------------------------


@pytest.mark.parametrize("raw,printed", [
    ("A-123-456-789", "123456789"),
    ("A123456789", "123456789"),
    ("123456789", "123456789"),
    ("a 123 456 789", "123456789"),
    ("A12345678", "012345678"),
    ("12345678", "012345678"),
])
def test_a_numbers_are_normalised(raw: str, printed: str) -> None:
    data = with_changes("advance-parole-i485", lambda d: d["applicant"].__setitem__("a_number", raw))
    assert parse_profile(data).applicant.a_number == printed


@pytest.mark.parametrize("raw", ["A1234567", "A1234567890", "B123456789", "000000000", "12345678X"])
def test_bad_a_numbers_are_refused(raw: str) -> None:
    data = with_changes("advance-parole-i485", lambda d: d["applicant"].__setitem__("a_number", raw))
    assert "applicant.a_number" in problems_of(data)


@pytest.mark.parametrize("raw,printed", [("123-45-6789", "123456789"), ("123 45 6789", "123456789"),
                                         ("123456789", "123456789")])
def test_ssns_are_normalised(raw: str, printed: str) -> None:
    data = with_changes("advance-parole-i485", lambda d: d["applicant"].__setitem__("ssn", raw))
    assert parse_profile(data).applicant.ssn == printed


@pytest.mark.parametrize("raw", ["12345678", "000-12-3456", "666-12-3456", "912-34-5678", "123-00-4567"])
def test_impossible_ssns_are_refused(raw: str) -> None:
    data = with_changes("advance-parole-i485", lambda d: d["applicant"].__setitem__("ssn", raw))
    assert "applicant.ssn" in problems_of(data)


@pytest.mark.parametrize("raw", ["(213) 555-0148", "213-555-0148", "+1 213 555 0148", "213.555.0148", "2135550148"])
def test_us_phone_numbers_print_as_ten_digits(raw: str) -> None:
    data = with_changes("advance-parole-i485", lambda d: d["contact"].__setitem__("daytime_phone", raw))
    assert parse_profile(data).contact.daytime_phone == "2135550148"  # type: ignore[union-attr]


def test_a_short_phone_number_is_refused() -> None:
    data = with_changes("advance-parole-i485", lambda d: d["contact"].__setitem__("daytime_phone", "555-0148"))
    assert "10 digits" in problems_of(data)["contact.daytime_phone"]


def test_receipt_numbers_are_normalised_and_checked() -> None:
    data = with_changes("daca-educational",
                        lambda d: d["application"].__setitem__("receipt_number", "ioe-091-234-5001"))
    assert parse_profile(data).application.receipt_number == "IOE0912345001"
    data = with_changes("daca-educational", lambda d: d["application"].__setitem__("receipt_number", "IOE12345"))
    assert "application.receipt_number" in problems_of(data)


# --- the form's own rules ------------------------------------------------------------------------


def test_eligibility_is_left_to_the_package_rules() -> None:
    # DACA travel purposes, removal proceedings and INA 212(e) are law, governed by the rules file a firm may
    # replace (formfill check); the profile only holds the form's structure, so these profiles are valid.
    vacation = with_changes("daca-educational", lambda d: d["travel"].__setitem__("purpose_category", "personal"))
    assert parse_profile(vacation).travel.purpose_category == "personal"  # type: ignore[union-attr]
    for flag in ("in_removal_proceedings", "j1_212e_without_waiver"):
        data = with_changes("advance-parole-i485", lambda d, f=flag: d["processing"].__setitem__(f, True))
        if flag == "in_removal_proceedings":  # in proceedings now is also "ever" (Part 4 item 1)
            data["processing"]["ever_in_proceedings"] = True
        assert getattr(parse_profile(data).processing, flag) is True


@pytest.mark.parametrize("category", ["educational", "employment", "humanitarian_medical_treatment",
                                      "humanitarian_ill_relative", "humanitarian_death_or_funeral",
                                      "humanitarian_other"])
def test_daca_may_travel_for_the_allowed_purposes(category: str) -> None:
    data = with_changes("daca-educational", lambda d: d["travel"].__setitem__("purpose_category", category))
    assert parse_profile(data).travel.purpose_category == category  # type: ignore[union-attr]


def test_a_pending_i485_may_travel_for_personal_reasons() -> None:
    data = with_changes("advance-parole-i485", lambda d: d["travel"].__setitem__("purpose_category", "personal"))
    assert parse_profile(data).travel.purpose_category == "personal"  # type: ignore[union-attr]


def test_a_basis_with_another_application_type_is_refused() -> None:
    data = with_changes("reentry-permit", lambda d: d["application"].__setitem__("basis", "pending_i485"))
    assert "advance parole" in problems_of(data)["application.basis"]


def test_advance_parole_needs_a_basis() -> None:
    data = with_changes("advance-parole-i485", lambda d: d["application"].__setitem__("basis", None))
    assert "application.basis" in problems_of(data)


def test_daca_needs_its_receipt_number() -> None:
    data = with_changes("daca-educational", lambda d: d["application"].__setitem__("receipt_number", None))
    found = problems_of(data)
    assert list(found) == ["application.receipt_number"]
    assert "daca" in found["application.receipt_number"]


def test_a_beneficiary_only_for_parole_types() -> None:
    beneficiary = base("re-parole")["beneficiary"]
    data = with_changes("advance-parole-i485", lambda d: d.__setitem__("beneficiary", beneficiary))
    assert "beneficiary" in problems_of(data)
    assert parse_profile(base("re-parole")).beneficiary is not None
    assert parse_profile(base("initial-parole-fwvp")).beneficiary is not None


def test_military_parole_in_place_is_only_on_your_own_behalf() -> None:
    beneficiary = base("re-parole")["beneficiary"]
    data = with_changes("parole-in-place-military", lambda d: d.__setitem__("beneficiary", beneficiary))
    assert "beneficiary" in problems_of(data)


def test_removal_proceedings_are_allowed_for_daca() -> None:
    profile = parse_profile(base("daca-educational"))
    assert profile.processing.in_removal_proceedings is True  # type: ignore[union-attr]
    assert profile.overrides == {}


def test_an_override_needs_a_reason() -> None:
    data = with_changes("advance-parole-i485",
                        lambda d: d["processing"].update(in_removal_proceedings=True, ever_in_proceedings=True),
                        lambda d: d.__setitem__("overrides", {"removal_proceedings": ""}))
    assert any(path.startswith("overrides") for path in problems_of(data))


def test_unknown_override_is_rejected() -> None:
    data = with_changes("advance-parole-i485", lambda d: d.__setitem__("overrides", {"everything": "because"}))
    assert any(path.startswith("overrides") for path in problems_of(data))


def test_sections_belong_to_their_application_type() -> None:
    travel = base("advance-parole-i485")["travel"]
    data = with_changes("reentry-permit", lambda d: d.__setitem__("travel", travel))
    assert "travel" in problems_of(data)
    data = with_changes("reentry-permit", lambda d: d.pop("reentry_permit"))
    assert "reentry_permit" in problems_of(data)
    data = with_changes("refugee-travel-document", lambda d: d.pop("refugee"))
    assert "refugee" in problems_of(data)


def test_ead_request_only_with_re_parole() -> None:
    data = with_changes("initial-parole-fwvp", lambda d: d["parole"].__setitem__("request_ead", True))
    assert "parole.request_ead" in problems_of(data)


def test_re_parole_needs_the_admit_until_date() -> None:
    data = with_changes("re-parole", lambda d: d["application"].pop("admit_until"))
    assert "application.admit_until" in problems_of(data)


def test_immvi_needs_the_relationship() -> None:
    data = with_changes("re-parole", lambda d: d["application"].pop("relationship_to_service_member"))
    assert "application.relationship_to_service_member" in problems_of(data)


def test_consulate_delivery_only_for_reentry_and_refugee_documents() -> None:
    delivery = base("reentry-permit")["processing"]["delivery"]
    data = with_changes("advance-parole-i485", lambda d: d["processing"].__setitem__("delivery", delivery))
    assert "processing.delivery" in problems_of(data)


# --- names and text the form's font can print ----------------------------------------------------


def test_names_with_diacritics_are_folded() -> None:
    data = with_changes("advance-parole-i485",
                        lambda d: d["applicant"]["name"].update({"family": "Muñoz", "given": "José", "middle": "Zoë"}))
    name = parse_profile(data).applicant.name
    assert (name.family, name.given, name.middle) == ("Munoz", "Jose", "Zoe")


def test_a_vietnamese_name_is_folded() -> None:
    data = with_changes("advance-parole-i485", lambda d: d["preparer"].__setitem__("family", "Nguyễn"))
    assert parse_profile(data).preparer.family == "Nguyen"  # type: ignore[union-attr]


def test_an_apostrophe_in_a_name_is_refused_with_a_helpful_message() -> None:
    data = with_changes("advance-parole-i485", lambda d: d["applicant"]["name"].__setitem__("family", "O'Brien"))
    message = problems_of(data)["applicant.name.family"]
    assert "letters, spaces and hyphens" in message
    assert "OBRIEN" in message  # says what to write instead


def test_non_winansi_text_is_refused() -> None:
    data = with_changes("advance-parole-i485", lambda d: d["travel"].__setitem__("purpose", "探亲 visit family"))
    message = problems_of(data)["travel.purpose"]
    assert "font cannot print" in message
    assert "Latin" in message


def test_winansi_accents_in_free_text_are_kept() -> None:
    data = with_changes("advance-parole-i485",
                        lambda d: d["travel"].__setitem__("purpose", "Visit my mother in Querétaro."))
    assert parse_profile(data).travel.purpose == "Visit my mother in Querétaro."  # type: ignore[union-attr]


# --- every problem at once -----------------------------------------------------------------------


def test_all_model_problems_are_reported_at_once() -> None:
    data = with_changes(
        "advance-parole-i485",
        lambda d: d["applicant"].__setitem__("contry_of_birth", "Mexico"),
        lambda d: d["applicant"].__setitem__("date_of_birth", "14/03/1990"),
        lambda d: d["applicant"]["mailing_address"].__setitem__("zip_code", "9001"),
        lambda d: d["applicant"].__setitem__("ssn", "12-345"),
        lambda d: d["biographics"].__setitem__("eye_color", "purple"),
    )
    found = problems_of(data)
    assert {"applicant.contry_of_birth", "applicant.date_of_birth", "applicant.mailing_address.zip_code",
            "applicant.ssn", "biographics.eye_color"} <= set(found)


def test_all_rule_problems_are_reported_at_once() -> None:
    data = with_changes(
        "daca-educational",
        lambda d: d["application"].__setitem__("admit_until", "2027-01-01"),
        lambda d: d["application"].__setitem__("receipt_number", None),
        lambda d: d.__setitem__("reentry_permit", {"time_outside_us": "less_than_6_months"}),
    )
    assert {"application.admit_until", "application.receipt_number", "reentry_permit"} <= set(problems_of(data))


def test_model_and_rule_problems_are_reported_together() -> None:
    data = with_changes(
        "daca-educational",
        lambda d: d["applicant"].__setitem__("contry_of_birth", "Mexico"),
        lambda d: d["application"].__setitem__("receipt_number", None),
    )
    assert {"applicant.contry_of_birth", "application.receipt_number"} <= set(problems_of(data))


def test_a_profile_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(ProfileError):
        parse_profile(["not", "an", "object"])


# --- the schema ----------------------------------------------------------------------------------


def test_schema_command_prints_the_json_schema() -> None:
    result = invoke("schema")
    assert result.exit_code == 0
    schema = json.loads(result.output)
    assert "application" in schema["properties"]
    assert "applicant" in schema["required"]
    assert schema.get("additionalProperties") is False


def test_folded_names_are_reported_as_notes() -> None:
    import formfill.api as api_mod

    data = base("advance-parole-i485")
    data["applicant"]["name"]["family"] = "Muñoz"
    data["applicant"]["other_names"][0]["given"] = "José"
    loaded = api_mod.load_profile(data)
    assert loaded.profile.applicant.name.family == "Munoz"
    assert any(n.startswith("applicant.name.family: prints as 'Munoz' (from 'Muñoz')") for n in loaded.notes)
    assert any(n.startswith("applicant.other_names[0].given: prints as 'Jose'") for n in loaded.notes)
    spelling = [n for n in loaded.notes if "prints as" in n]
    assert len(spelling) == 2, "identifiers normalised to digits are not spelling notes"


def test_answers_without_a_box_on_the_form_are_refused() -> None:
    re_parole_frtf = with_changes(
        "re-parole",
        lambda d: d["application"].update(program="frtf", relationship_to_service_member=None,
                                          frtf_registration_number="FRTF-000123"),
    )
    assert "application.frtf_registration_number" in problems_of(re_parole_frtf)
    fwvp_with_agency = with_changes(
        "initial-parole-fwvp", lambda d: d["application"].update(referring_agency="Example Agency"),
    )
    assert "application.referring_agency" in problems_of(fwvp_with_agency)


def test_a_processing_section_answers_removal_proceedings() -> None:
    """Part 4 item 1 is asked of everyone: a processing section cannot leave it blank while answering 2-4."""
    data = with_changes("reentry-permit", lambda d: d["processing"].pop("in_removal_proceedings"))
    assert problems_of(data)["processing.in_removal_proceedings"] == "is required"


# --- issue 20: none, signer, expedite, trip ------------------------------------------------------


def test_none_answers_an_if_any_item_and_contradicts_a_value() -> None:
    data = with_changes("advance-parole-i485", lambda d: d.__setitem__("none", ["applicant.uscis_online_account_number",
                                                                                 "contact.mobile_phone"]))
    found = problems_of(data)
    assert list(found) == ["contact.mobile_phone"]  # the sample gives a mobile phone
    assert "remove 'contact.mobile_phone' from `none` or remove the value" in found["contact.mobile_phone"]
    data["contact"]["mobile_phone"] = None
    assert parse_profile(data).none == ["applicant.uscis_online_account_number", "contact.mobile_phone"]
    wrong = with_changes("advance-parole-i485", lambda d: d.__setitem__("none", ["applicant.date_of_birth"]))
    assert "none[0]" in problems_of(wrong)  # only the form's "(if any)" items may be answered none


def test_the_schema_documents_the_new_sections() -> None:
    result = invoke("schema")
    schema = json.loads(result.output)
    props = schema["properties"]
    assert {"signer", "expedite", "trip", "none"} <= set(props)
    assert "(if any)" in props["none"]["description"] and "null" in props["none"]["description"]
    assert "applicant.ssn" in json.dumps(props["none"]) and "contact.mobile_phone" in json.dumps(props["none"])
    grounds = json.dumps(schema["$defs"]["Expedite"])
    assert "urgent_humanitarian" in grounds and "uscis_error" in grounds
    assert "8 CFR 103.2(a)(2)" in json.dumps(schema["$defs"]["Signer"])


def test_a_trip_belongs_to_the_types_whose_form_does_not_ask_it() -> None:
    trip = {"departure_date": "2027-03-01", "purpose_category": "employment"}
    assert parse_profile(with_changes("reentry-permit", lambda d: d.__setitem__("trip", trip))).trip is not None
    found = problems_of(with_changes("advance-parole-i485", lambda d: d.__setitem__("trip", trip)))
    assert "give the trip in `travel`" in found["trip"]
