"""The Form I-131 profile model: the JSON contract a firm's pipeline hands to formfill for this form.

This is the I-131 package's model: `form.json` names it (`"model": "model.py:Profile"`), and
formfill.formpackage loads it by path under the stable module name `formfill_packages.i_131.model`. It
uses only what every form's model shares (strict base, value types, problem paths, the validation that
runs the form's rules): formfill.profile_base. No engine module imports it; the tests reach it through the
package (tests/i131.py).

The shape follows `profile-shape.md`: people and trips in plain words, never item numbers or PDF
field names, so one profile fills any edition that has a field map. Validation happens in two
layers so that every problem is reported at once, each with its JSON path:

1. the pydantic models below (types, vocabularies, identifiers normalised to their printed form, and
   what one value or one address must be on its own, such as a U.S. address's state and ZIP code);
2. `cross_checks`, the rules the form itself states between answers (a basis only with advance
   parole, a receipt number where the basis asks for one, ...): data in the form package (its
   `rules.json` and its fill maps' skip conflicts), evaluated by the one rule evaluator (formfill.rules).

Who is eligible (removal proceedings, INA 212(e), DACA travel purposes, ...) is law, not form structure:
it lives only in the package rules (`field_maps/i-131/package-rules.json`), which a firm may replace.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import Field, StrictBool, StrictInt, model_validator
from pydantic_core import PydanticCustomError

from formfill.errors import Problem
from formfill.profile_base import (
    SSN,
    ANumber,
    AnyPhone,
    Email,
    I94Number,
    IsoDate,
    NameText,
    ProfileBase,
    ReceiptNumber,
    Strict,
    Text,
    USCISAccount,
    USPhone,
    ZipCode,
    form_rule_problems,
    validate_with_rules,
)

# --- vocabularies --------------------------------------------------------------------------------


class ApplicationType(StrEnum):
    reentry_permit = "reentry_permit"
    refugee_travel_document = "refugee_travel_document"
    refugee_travel_document_lpr = "refugee_travel_document_lpr"
    tps_travel_authorization = "tps_travel_authorization"
    advance_parole = "advance_parole"
    initial_parole = "initial_parole"
    parole_in_place = "parole_in_place"
    re_parole = "re_parole"


class Basis(StrEnum):
    pending_i485 = "pending_i485"
    pending_i589 = "pending_i589"
    pending_i821 = "pending_i821"
    ded = "ded"
    daca = "daca"
    t_status = "t_status"
    u_status = "u_status"
    parolee = "parolee"
    family_unity = "family_unity"
    pending_i687 = "pending_i687"
    v_status = "v_status"
    cnmi = "cnmi"
    other = "other"


class Program(StrEnum):
    fwvp = "fwvp"
    immvi = "immvi"
    intergovernmental_referral = "intergovernmental_referral"
    frtf = "frtf"
    military_pip = "military_pip"
    family_reunification_parole = "family_reunification_parole"
    afghan = "afghan"
    ukraine = "ukraine"
    cam = "cam"
    other = "other"


class PurposeCategory(StrEnum):
    humanitarian_medical_treatment = "humanitarian_medical_treatment"
    humanitarian_ill_relative = "humanitarian_ill_relative"
    humanitarian_death_or_funeral = "humanitarian_death_or_funeral"
    humanitarian_other = "humanitarian_other"
    educational = "educational"
    employment = "employment"
    public_benefit = "public_benefit"
    personal = "personal"


class AttachmentKind(StrEnum):
    passport_photo = "passport_photo"
    photo_id = "photo_id"
    i797_receipt = "i797_receipt"
    i797_approval = "i797_approval"
    i94 = "i94"
    green_card = "green_card"
    refugee_asylee_status_proof = "refugee_asylee_status_proof"
    explanation_letter = "explanation_letter"
    itinerary = "itinerary"
    death_certificate = "death_certificate"
    funeral_notice = "funeral_notice"
    relationship_evidence = "relationship_evidence"
    medical_letter = "medical_letter"
    relative_medical_evidence = "relative_medical_evidence"
    enrollment_proof = "enrollment_proof"
    school_letter = "school_letter"
    employer_letter = "employer_letter"
    sponsor_letter = "sponsor_letter"
    invitation_letter = "invitation_letter"
    consular_appointment_letter = "consular_appointment_letter"
    fee_payment = "fee_payment"
    fee_waiver_request = "fee_waiver_request"
    g28 = "g28"
    i134 = "i134"
    expedite_evidence = "expedite_evidence"
    passport_bio_page = "passport_bio_page"
    other = "other"


StateCode = Literal[
    "AA",
    "AE",
    "AK",
    "AL",
    "AP",
    "AR",
    "AS",
    "AZ",
    "CA",
    "CO",
    "CT",
    "DC",
    "DE",
    "FL",
    "FM",
    "GA",
    "GU",
    "HI",
    "IA",
    "ID",
    "IL",
    "IN",
    "KS",
    "KY",
    "LA",
    "MA",
    "MD",
    "ME",
    "MH",
    "MI",
    "MN",
    "MO",
    "MP",
    "MS",
    "MT",
    "NC",
    "ND",
    "NE",
    "NH",
    "NJ",
    "NM",
    "NV",
    "NY",
    "OH",
    "OK",
    "OR",
    "PA",
    "PR",
    "PW",
    "RI",
    "SC",
    "SD",
    "TN",
    "TX",
    "UT",
    "VA",
    "VI",
    "VT",
    "WA",
    "WI",
    "WV",
    "WY",
]

# --- models --------------------------------------------------------------------------------------


class Name(Strict):
    family: NameText
    given: NameText | None = None
    middle: NameText | None = None


class Address(Strict):
    in_care_of: Text | None = None
    street: Text
    unit_type: Literal["apt", "ste", "flr"] | None = None
    unit_number: Text | None = None
    city: Text
    state: StateCode | None = None
    zip_code: ZipCode | None = None
    province: Text | None = None
    postal_code: Annotated[str, Field(max_length=9, pattern=r"^[A-Za-z0-9 \-]+$")] | None = None
    country: Text = "United States"

    @model_validator(mode="after")
    def _whole(self) -> Address:
        """What one address must be on its own (one problem at the address's path, code `rule`)."""
        wrong: list[str] = []
        us = self.country.strip().lower() in ("united states", "usa", "us", "u.s.", "united states of america")
        if us and (self.state is None or self.zip_code is None):
            wrong.append("a U.S. address needs a state and a 5-digit ZIP code")
        if not us and (self.state is not None or self.zip_code is not None):
            wrong.append("state and ZIP code are for U.S. addresses; use province and postal_code")
        if (self.unit_type is None) != (self.unit_number is None):
            wrong.append("unit_type (apt, ste, flr) and unit_number go together")
        if wrong:
            raise PydanticCustomError("rule", "; ".join(wrong))
        return self


class Person(Strict):
    name: Name
    other_names: list[Name] = []  # noqa: RUF012 - pydantic copies defaults
    mailing_address: Address | None = None
    physical_address: Address | None = None
    a_number: ANumber | None = None
    country_of_birth: Text | None = None
    country_of_citizenship: Text | None = None
    sex: Literal["F", "M"] | None = None
    date_of_birth: IsoDate | None = None
    ssn: SSN | None = None
    uscis_online_account_number: USCISAccount | None = None
    class_of_admission: Text | None = None
    i94_number: I94Number | None = None
    authorized_stay_expires: IsoDate | None = None
    emedical_uspid: Text | None = None
    daytime_phone: AnyPhone | None = Field(None, description="Beneficiary only (Part 2 item 21).")
    email: Email | None = Field(None, description="Beneficiary only (Part 2 item 22).")


class Application(Strict):
    type: ApplicationType
    basis: Basis | None = None
    receipt_number: ReceiptNumber | None = None
    explanation: Text | None = None
    program: Program | None = None
    program_details: Text | None = None
    relationship_to_service_member: Literal["service_member", "family_member", "guardian_or_surrogate"] | None = None
    referring_agency: Text | None = None
    referring_official_email: Email | None = None
    frtf_registration_number: Annotated[str, Field(pattern=r"^[A-Za-z0-9\-]{1,11}$")] | None = None
    admit_until: IsoDate | None = None
    refugee_status: StrictBool | None = None
    filed_with: list[Literal["i485", "i765", "i821d_initial", "i821d_renewal"]] = Field(
        default=[],
        description="Other requests mailed in the same envelope (not printed; the package check uses it).",
    )


class Biographics(Strict):
    ethnicity: Literal["hispanic_or_latino", "not_hispanic_or_latino"]
    race: Annotated[
        list[Literal["white", "asian", "black", "american_indian_alaska_native", "native_hawaiian_pacific_islander"]],
        Field(min_length=1),
    ]
    height_feet: Annotated[StrictInt, Field(ge=2, le=8)]
    height_inches: Annotated[StrictInt, Field(ge=0, le=11)]
    weight_pounds: Annotated[StrictInt, Field(ge=1, le=999)]
    eye_color: Literal["black", "blue", "brown", "gray", "green", "hazel", "maroon", "pink", "unknown"]
    hair_color: Literal["bald", "black", "blond", "brown", "gray", "red", "sandy", "white", "unknown"]


class PreviousDocument(Strict):
    date_issued: IsoDate
    disposition: Text


class Replacement(Strict):
    reason: Literal["not_received", "lost_stolen_damaged", "incorrect_my_error", "incorrect_uscis_error"]
    corrections: list[
        Literal[
            "name",
            "a_number",
            "country_of_birth_or_citizenship",
            "terms_and_conditions",
            "date_of_birth",
            "sex",
            "validity_date",
            "photo",
        ]
    ] = []  # noqa: RUF012 - pydantic copies defaults
    explanation: Text | None = None
    receipt_number: ReceiptNumber | None = None


class NotifyAddress(Strict):
    address: Address
    daytime_phone: AnyPhone | None = None
    email: Email | None = None


class Delivery(Strict):
    to: Literal["us_address", "consulate"]
    city: Text | None = None
    country: Text | None = None
    notify: Literal["us_address"] | NotifyAddress | None = None


class Processing(Strict):
    in_removal_proceedings: StrictBool = Field(
        description="In exclusion, deportation, removal or rescission proceedings now (drives eligibility)."
    )
    ever_in_proceedings: StrictBool | None = Field(
        None,
        description="Ever in any of those proceedings, ended ones included: Part 4 item 1 asks \"been in\". "
        "Required unless in_removal_proceedings is true.",
    )
    j1_212e_without_waiver: StrictBool | None = Field(
        None, description="Subject to INA 212(e) two-year home residence without a waiver (blocks advance parole)."
    )
    previous_reentry_permit_or_refugee_travel_document: PreviousDocument | None = None
    previous_advance_parole: PreviousDocument | None = None
    replacement: Replacement | None = None
    delivery: Delivery | None = None


class ReentryPermit(Strict):
    time_outside_us: Literal[
        "less_than_6_months",
        "6_months_to_1_year",
        "1_to_2_years",
        "2_to_3_years",
        "3_to_4_years",
        "more_than_4_years",
    ]


class Refugee(Strict):
    country: Text
    plan_to_travel_there: StrictBool
    returned_there: StrictBool
    applied_for_passport: StrictBool
    received_benefits: StrictBool
    reacquired_nationality: StrictBool
    acquired_new_nationality: StrictBool
    granted_status_elsewhere: StrictBool
    filing_before_departure: StrictBool
    currently_outside_us: StrictBool | None = None
    current_location: Text | None = None
    countries_visited: Text | None = None


class Travel(Strict):
    departure_date: IsoDate
    purpose: Text
    purpose_category: PurposeCategory
    countries: Annotated[list[Text], Field(min_length=1)]
    trips: Literal["one", "multiple"]
    length_days: Annotated[StrictInt, Field(ge=1, le=9999)]


class Parole(Strict):
    reason: Text | None = None
    length_of_stay: Text | None = None
    arrival_date: IsoDate | None = None
    consulate_city: Text | None = None
    consulate_country: Text | None = None
    request_ead: StrictBool | None = None


class Contact(Strict):
    daytime_phone: USPhone | None = None
    mobile_phone: USPhone | None = None
    email: Email | None = None


class Interpreter(Strict):
    family: NameText
    given: NameText
    business: Text | None = None
    language: Text
    daytime_phone: USPhone | None = None
    mobile_phone: USPhone | None = None
    email: Email | None = None


class Preparer(Strict):
    family: NameText
    given: NameText
    business: Text | None = None
    daytime_phone: USPhone | None = None
    mobile_phone: USPhone | None = None
    email: Email | None = None


class Attorney(Strict):
    g28_attached: StrictBool = False


class Signer(Strict):
    """Who signs Part 10 by hand: the applicant, or for an applicant under 14 a parent or legal guardian."""

    role: Literal["applicant", "parent", "legal_guardian"] = Field(
        description="applicant (the default when `signer` is absent), parent or legal_guardian. A parent or "
        "legal guardian may sign for an applicant under 14 on the filing date; an applicant 14 or older signs "
        "personally (8 CFR 103.2(a)(2)); `formfill check` applies that rule on the filing date."
    )
    name: Name | None = Field(None, description="The parent's or legal guardian's name (not given for the applicant).")

    @model_validator(mode="after")
    def _named(self) -> Signer:
        if self.role != "applicant" and self.name is None:
            raise PydanticCustomError("rule", f"a {self.role.replace('_', ' ')} who signs is named: give signer.name")
        if self.role == "applicant" and self.name is not None:
            raise PydanticCustomError("rule", "the applicant signs under their own name (applicant.name): remove "
                                              "signer.name, or give the role parent or legal_guardian")
        return self


ExpediteGround = Literal[
    "severe_financial_loss", "urgent_humanitarian", "nonprofit_us_interest", "us_government_interest", "uscis_error"
]


class Expedite(Strict):
    """An expedite request the firm makes for this filing (the form itself has no box for it)."""

    ground: ExpediteGround = Field(description="USCIS's expedite criteria (USCIS Policy Manual, Volume 1, Part A, "
                                               "Chapter 5); the package rules list each with its evidence.")
    explanation: Text = Field(description="Why the ground applies, in the words the request will use.")


class Trip(Strict):
    """The trip abroad of a request whose form part does not ask about it (a reentry permit, a refugee travel
    document, TPS travel authorization). Never printed: the package check uses it (expedite timing, the trip's
    evidence, a reentry permit's presence at filing). Advance parole gives its trip in `travel` (Part 7)."""

    departure_date: IsoDate
    purpose: Text | None = None
    purpose_category: PurposeCategory | None = None
    countries: list[Text] = []  # noqa: RUF012 - pydantic copies defaults
    length_days: Annotated[StrictInt, Field(ge=1, le=9999)] | None = None


NoneItem = Literal[
    "applicant.a_number",
    "applicant.ssn",
    "applicant.uscis_online_account_number",
    "applicant.class_of_admission",
    "applicant.i94_number",
    "applicant.authorized_stay_expires",
    "applicant.emedical_uspid",
    "beneficiary.daytime_phone",
    "beneficiary.email",
    "beneficiary.class_of_admission",
    "beneficiary.i94_number",
    "contact.mobile_phone",
    "contact.email",
    "interpreter.business",
    "interpreter.mobile_phone",
    "interpreter.email",
    "preparer.mobile_phone",
    "preparer.email",
]
"""The form's "(if any)" items: a profile lists in `none` those the person does not have."""


class Attachment(Strict):
    kind: AttachmentKind
    path: Annotated[str, Field(min_length=1)]
    note: str | None = None


Override = Literal["removal_proceedings", "j1_212e"]


class Profile(ProfileBase):
    """One application for Form I-131."""

    form: Literal["I-131"] = "I-131"
    application: Application
    applicant: Person
    beneficiary: Person | None = None
    biographics: Biographics
    processing: Processing | None = None
    reentry_permit: ReentryPermit | None = None
    refugee: Refugee | None = None
    travel: Travel | None = None
    parole: Parole | None = None
    contact: Contact | None = None
    signature_date: IsoDate | None = None
    interpreter: Interpreter | None = None
    preparer: Preparer | None = None
    attorney: Attorney | None = None
    signer: Signer | None = Field(None, description="Who signs Part 10 (absent: the applicant).")
    expedite: Expedite | None = None
    trip: Trip | None = None
    none: list[NoneItem] = Field(
        default=[],
        description="The form's \"(if any)\" items the person does not have, by profile path: each is answered "
        "\"none\" (left blank on the page, as the form expects) instead of unanswered. A path listed here holds "
        "no value. `null` or a missing key still means \"not given\".",
    )
    attachments: list[Attachment] = []  # noqa: RUF012 - pydantic copies defaults
    overrides: dict[Override, Annotated[str, Field(min_length=3)]] = Field(
        default_factory=dict,
        description="Proceed despite an ineligibility the form states, with counsel's reason.",
    )


# --- the form's rules between answers -----------------------------------------------------------


def cross_checks(p: Profile) -> list[Problem]:
    """The rules the form and its instructions state between answers: the form package's rules
    (`rules.json` and its fill maps' skip conflicts), each evaluated once by formfill.rules."""
    return form_rule_problems(p)


# --- entry points --------------------------------------------------------------------------------


def parse_profile(data: Any) -> Profile:
    """Validate a decoded JSON profile; raise ProfileError listing every problem with its path (the engine's
    validation, formfill.profile_base.validate_with_rules, typed for this model)."""
    return validate_with_rules(Profile, data)
