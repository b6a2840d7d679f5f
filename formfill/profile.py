"""The Form I-131 profile model: the JSON contract a firm's pipeline hands to formfill for this form.

This is the I-131 package's model (`field_maps/i-131/form.json` names it); the machinery every form's
model shares (strict base, value types, problem paths, dispatch by `form`) is formfill.profile_base.
It stays importable here, inside formfill, because the I-131 package check (formfill.checks.package)
types its rules against these vocabularies.

The shape follows `profile-shape.md`: people and trips in plain words, never item numbers or PDF
field names, so one profile fills any edition that has a field map. Validation happens in two
layers so that every problem is reported at once, each with its JSON path:

1. the pydantic models below (types, vocabularies, identifiers normalised to their printed form);
2. `cross_checks`, the rules the form itself states between answers (a basis only with advance
   parole, a receipt number where the basis asks for one, ...).

Who is eligible (removal proceedings, INA 212(e), DACA travel purposes, ...) is law, not form structure:
it lives only in the package rules (`field_maps/i-131/package-rules.json`), which a firm may replace.
"""

from __future__ import annotations

import contextlib
import copy
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import Field, StrictBool, StrictInt, ValidationError

from formfill.errors import Problem, ProfileError
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
    problems_from_validation_error,
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
    attachments: list[Attachment] = []  # noqa: RUF012 - pydantic copies defaults
    overrides: dict[Override, Annotated[str, Field(min_length=3)]] = Field(
        default_factory=dict,
        description="Proceed despite an ineligibility the form states, with counsel's reason.",
    )


# --- the form's cross-field rules ----------------------------------------------------------------

RECEIPT_REQUIRED = {
    Basis.pending_i589,
    Basis.pending_i821,
    Basis.daca,
    Basis.t_status,
    Basis.u_status,
    Basis.family_unity,
    Basis.pending_i687,
    Basis.v_status,
}
RECEIPT_ALLOWED = RECEIPT_REQUIRED | {Basis.pending_i485, Basis.cnmi}
PROGRAMS = {
    ApplicationType.initial_parole: {
        Program.fwvp,
        Program.immvi,
        Program.intergovernmental_referral,
        Program.frtf,
        Program.other,
    },
    ApplicationType.parole_in_place: {Program.military_pip, Program.frtf, Program.other},
    ApplicationType.re_parole: {
        Program.family_reunification_parole,
        Program.afghan,
        Program.ukraine,
        Program.fwvp,
        Program.immvi,
        Program.cam,
        Program.frtf,
        Program.military_pip,
        Program.other,
    },
}
PAROLE_TYPES = set(PROGRAMS)
REFUGEE_TYPES = {ApplicationType.refugee_travel_document, ApplicationType.refugee_travel_document_lpr}
DELIVERY_TYPES = REFUGEE_TYPES | {ApplicationType.reentry_permit}


def cross_checks(p: Profile) -> list[Problem]:
    """The rules the form and its instructions state between answers."""
    out: list[Problem] = []
    app, kind = p.application, p.application.type

    def bad(path: str, message: str, code: str = "rule") -> None:
        out.append(Problem(path, message, code))

    # Part 1: basis, receipt numbers and programs belong to specific application types.
    if kind is ApplicationType.advance_parole:
        if app.basis is None:
            bad("application.basis", "advance parole needs a basis (Part 1, item 5.A-5.M)")
    elif app.basis is not None:
        bad("application.basis", "a basis is chosen only for advance parole (Part 1, item 5)")
    if app.basis in RECEIPT_REQUIRED and app.receipt_number is None:
        bad("application.receipt_number", f"the basis '{app.basis}' asks for the receipt number of that filing")
    if app.receipt_number is not None:
        allowed = (
            app.basis in RECEIPT_ALLOWED
            or kind is ApplicationType.tps_travel_authorization
            or (kind is ApplicationType.initial_parole and app.program is Program.fwvp)
        )
        if not allowed:
            bad("application.receipt_number", "this application type and basis have no receipt number box")
    if app.basis is Basis.pending_i485 and "i485" in app.filed_with and app.receipt_number is not None:
        bad("application.receipt_number",
            'Part 1 item 5.A asks for the I-485\'s receipt number "if you are filing this form separately from your '
            'Form I-485"; application.filed_with says the I-485 is mailed with it (it has no receipt yet)', "skipped")
    if kind is ApplicationType.tps_travel_authorization and app.receipt_number is None:
        bad("application.receipt_number", "TPS travel authorization asks for the receipt of the last approved I-821")
    if app.basis is Basis.parolee and not p.applicant.class_of_admission:
        bad("applicant.class_of_admission", "a current parolee (basis 'parolee') gives the class of admission")
    if (app.basis is Basis.other) != (app.explanation is not None):
        bad("application.explanation", "an explanation is given exactly when the basis is 'other' (item 5.M)")

    if kind in PAROLE_TYPES:
        if app.program is not None and app.program not in PROGRAMS[kind]:
            names = ", ".join(sorted(PROGRAMS[kind]))
            bad("application.program", f"'{app.program}' is not a program for {kind}; choose one of {names}")
    elif app.program is not None:
        bad("application.program", "a program is chosen only for initial parole, parole in place or re-parole")
    needs_relationship = app.program in (Program.immvi, Program.military_pip)
    if needs_relationship and app.relationship_to_service_member is None:
        bad(
            "application.relationship_to_service_member",
            f"the {app.program} program asks how you relate to the service member",
        )
    if not needs_relationship and app.relationship_to_service_member is not None:
        bad(
            "application.relationship_to_service_member",
            "asked only for the IMMVI and military parole in place programs",
        )
    if app.program is Program.military_pip and app.relationship_to_service_member == "guardian_or_surrogate":
        bad(
            "application.relationship_to_service_member", "military parole in place has no guardian or surrogate choice"
        )
    if (app.program is Program.other) != (app.program_details is not None):
        bad("application.program_details", "program details are given exactly when the program is 'other'")
    if app.program is Program.frtf and app.frtf_registration_number is None and kind is not ApplicationType.re_parole:
        bad("application.frtf_registration_number", "the FRTF process asks for the Task Force registration number")
    if app.frtf_registration_number is not None and not (
        app.program is Program.frtf and kind in (ApplicationType.initial_parole, ApplicationType.parole_in_place)
    ):
        bad("application.frtf_registration_number",
            "the form has a box for the FRTF registration number only in items 6.D and 8.B (initial parole or "
            "parole in place under FRTF); it would not print here")
    if (app.referring_agency is not None or app.referring_official_email is not None) and not (
        app.program is Program.intergovernmental_referral and kind is ApplicationType.initial_parole
    ):
        bad("application.referring_agency",
            "the referring agency and official's email are asked only for an intergovernmental referral (item 6.C)")
    if app.program is Program.intergovernmental_referral and (
        app.referring_agency is None or app.referring_official_email is None
    ):
        bad("application.referring_agency", "an intergovernmental referral names the agency and its official's email")
    if kind is ApplicationType.re_parole and app.admit_until is None:
        bad("application.admit_until", "re-parole asks for the admit-until date on the I-94 (Part 1, item 12)")
    if kind is not ApplicationType.re_parole and app.admit_until is not None:
        bad("application.admit_until", "the admit-until date is asked only for re-parole (item 12)")

    # Part 2: the beneficiary exists only when someone files for another person.
    if p.beneficiary is not None:
        if kind not in PAROLE_TYPES:
            bad("beneficiary", "only parole requests (initial, in place, re-parole) are filed for someone else")
        elif app.program is Program.military_pip and kind is ApplicationType.parole_in_place:
            bad("beneficiary", "military parole in place is requested only on your own behalf")
    for person_key in ("applicant", "beneficiary"):
        person = getattr(p, person_key)
        if person is None:
            continue
        for addr_key in ("mailing_address", "physical_address"):
            addr = getattr(person, addr_key)
            if addr is not None:
                out.extend(_address_problems(f"{person_key}.{addr_key}", addr))
    if p.applicant.mailing_address is None:
        bad("applicant.mailing_address", "the mailing (or safe) address is required (Part 2, item 3)")
    if p.applicant.daytime_phone is not None or p.applicant.email is not None:
        bad("applicant", "the applicant's phone and email go in 'contact' (Part 10), not in 'applicant'")
    if p.beneficiary is not None:
        for key in ("sex", "ssn", "uscis_online_account_number", "authorized_stay_expires", "emedical_uspid"):
            if getattr(p.beneficiary, key) is not None:
                bad(f"beneficiary.{key}", "the form has no box for this about the beneficiary (items 16-27)")

    # Part 4 item 1 asks whether the person has EVER been in proceedings: "now" alone cannot answer it.
    proc = p.processing
    if proc is not None and proc.ever_in_proceedings is None and not proc.in_removal_proceedings:
        bad("processing.ever_in_proceedings",
            "is required: Part 4 item 1 asks whether the person has ever been in exclusion, deportation, removal or "
            "rescission proceedings (ended, terminated or dismissed ones included); answer true or false",
            "missing")
    if proc is not None and proc.ever_in_proceedings is False and proc.in_removal_proceedings:
        bad("processing.ever_in_proceedings",
            "cannot be false while in_removal_proceedings is true: proceedings now are proceedings ever")

    # Parts 4-9: sections that apply to one application type only.
    if proc is not None and proc.delivery is not None:
        d = proc.delivery
        if d.to == "consulate" and kind not in DELIVERY_TYPES:
            bad("processing.delivery", "only reentry permits and refugee travel documents can be sent to a consulate")
        if d.to == "consulate" and (d.city is None or d.country is None):
            bad("processing.delivery", "delivery to a consulate names its city and country")
        if d.to == "us_address" and (d.city or d.country or d.notify):
            bad("processing.delivery", "city, country and notify apply only when delivering to a consulate")
        if isinstance(d.notify, NotifyAddress):
            out.extend(_address_problems("processing.delivery.notify.address", d.notify.address))
    if proc is not None and proc.replacement is not None and kind in PAROLE_TYPES:
        bad("processing.replacement",
            "a replacement is requested only for a reentry permit, refugee travel document, advance parole document "
            "or TPS travel authorization (Part 4 item 4); parole requests skip to Part 8")
    if proc is not None and proc.replacement is not None:
        r = proc.replacement
        if r.corrections and r.reason not in ("incorrect_my_error", "incorrect_uscis_error"):
            bad(
                "processing.replacement.corrections",
                "corrections are listed only when the document has incorrect information",
            )
    if (kind is ApplicationType.reentry_permit) != (p.reentry_permit is not None):
        bad("reentry_permit", "the reentry_permit section (Part 5) is given exactly for a reentry permit")
    if (kind in REFUGEE_TYPES) != (p.refugee is not None):
        bad("refugee", "the refugee section (Part 6) is given exactly for a refugee travel document")
    if p.refugee is not None and not p.refugee.filing_before_departure and p.refugee.currently_outside_us is None:
        bad("refugee.currently_outside_us",
            'is required: Part 6 says: If you answered "No" to Item Number 5., you must answer Item Numbers '
            '6.a. - 6.c.', "missing")
    if p.refugee is not None and p.refugee.currently_outside_us and p.refugee.current_location is None:
        bad("refugee.current_location", "say where you are now when you are outside the United States")
    if (kind is ApplicationType.advance_parole) != (p.travel is not None):
        bad("travel", "the travel section (Part 7) is given exactly for advance parole")
    if p.parole is not None and kind not in PAROLE_TYPES:
        bad("parole", "the parole section (Part 8) applies only to initial parole, parole in place or re-parole")
    if p.parole is not None and p.parole.request_ead is not None and kind is not ApplicationType.re_parole:
        bad("parole.request_ead", "an EAD with the new period of parole is requested only for re-parole (Part 9)")

    return out


def _address_problems(path: str, a: Address) -> list[Problem]:
    out: list[Problem] = []
    us = a.country.strip().lower() in ("united states", "usa", "us", "u.s.", "united states of america")
    if us and (a.state is None or a.zip_code is None):
        out.append(Problem(path, "a U.S. address needs a state and a 5-digit ZIP code", "rule"))
    if not us and (a.state is not None or a.zip_code is not None):
        out.append(Problem(path, "state and ZIP code are for U.S. addresses; use province and postal_code", "rule"))
    if (a.unit_type is None) != (a.unit_number is None):
        out.append(Problem(path, "unit_type (apt, ste, flr) and unit_number go together", "rule"))
    return out


# --- entry points --------------------------------------------------------------------------------

def parse_profile(data: Any) -> Profile:
    """Validate a decoded JSON profile; raise ProfileError listing every problem with its path."""
    if not isinstance(data, dict):
        raise ProfileError("A profile is a JSON object", [Problem("", "expected a JSON object at the top level")])
    try:
        profile = Profile.model_validate(data)
    except ValidationError as err:
        found = problems_from_validation_error(err)
        with contextlib.suppress(RecursionError):  # a pathologically nested value: its problem is reported already
            found += _rules_despite(data, err, found)
        raise ProfileError("The profile has problems", found) from None
    except RecursionError:
        problem = Problem("", "nested too deeply to be a profile")
        raise ProfileError("The profile is nested too deeply", [problem]) from None
    found = cross_checks(profile)
    if found:
        raise ProfileError("The profile has problems", found)
    return profile


def _rules_despite(data: dict[str, Any], err: ValidationError, found: list[Problem]) -> list[Problem]:
    """The form's rules, checked on the profile without its broken keys, so all problems show at once."""
    trimmed = copy.deepcopy(data)
    for e in err.errors(include_url=False):
        parent: Any = trimmed
        loc = [p for p in e["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
        for part in loc[:-1]:
            try:
                parent = parent[part]
            except (KeyError, IndexError, TypeError):
                parent = None
                break
        if isinstance(parent, dict) and loc:
            parent.pop(loc[-1], None)
    try:
        profile = Profile.model_validate(trimmed)
    except ValidationError:
        return []  # a required answer is broken: the structural problems must be fixed first
    seen = [p.path for p in found]

    def already_said(path: str) -> bool:  # a rule about a section whose key was already reported
        return any(s == path or s.startswith((path + ".", path + "[")) for s in seen)

    return [p for p in cross_checks(profile) if not already_said(p.path)]
