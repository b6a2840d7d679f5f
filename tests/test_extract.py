"""formfill extract and diff on real filled forms: pdftk's fills, viewer-typed values, encrypted copies, scans."""

from __future__ import annotations

import copy
import functools
import io
import json
import subprocess
import textwrap
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

from formfill import api, fieldmap
from formfill.blanks import load_blank
from formfill.diff import diff
from formfill.errors import FormError, InputError, NoFieldsError
from formfill.extract import NO_FIELDS, extract, model_type, read_maps, readable
from formfill.forms import open_blank
from formfill.masking import mask_value as mask
from formfill.pdf.blank import BlankForm
from tests.helpers import invoke, require_tool
from tests.helpers import load_sample as sample
from tests.test_roundtrip import carried_mismatches, completed, written


@pytest.fixture(scope="module")
def blank(blank_plain: Path) -> BlankForm:
    return open_blank(blank_plain)


@functools.cache
def prepared_bytes(blank_path: Path) -> bytes:
    """The blank as formfill prepares it (decrypted, cleaned), made once per process: every typed copy starts here."""
    return load_blank(blank_path.read_bytes(), str(blank_path), use_cache=False).data


def typed(blank_path: Path, values: dict[str, str], *, encrypt: bool = False) -> bytes:
    """What a person typing into a viewer leaves: /V on each field, appearances untouched."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(prepared_bytes(blank_path))))
    found: set[str] = set()

    def walk(ref: Any, prefix: str) -> None:
        obj = ref.get_object()
        name = f"{prefix}.{obj['/T']}" if "/T" in obj and prefix else str(obj.get("/T", prefix))
        if "/Kids" in obj:
            for kid in obj["/Kids"]:
                walk(kid, name)
            return
        if name in values:
            value = values[name]
            obj[NameObject("/V")] = NameObject(value) if value.startswith("/") else TextStringObject(value)
            found.add(name)

    acro = writer.root_object["/AcroForm"].get_object()
    assert isinstance(acro, DictionaryObject)
    for ref in acro["/Fields"]:
        walk(ref, "")
    assert found == set(values), set(values) - found
    if encrypt:
        writer.encrypt(user_password="", owner_password="firm", algorithm="AES-128")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def full(blank: BlankForm, short: str) -> str:
    matches = [n for n in blank.fields if n.endswith("." + short)]
    assert len(matches) == 1, (short, matches)
    return matches[0]


# --- the current edition ---------------------------------------------------------------------------


@pytest.mark.slow
def test_pdftk_fill_from_xfdf_extracts_to_the_expected_profile(blank_plain: Path, blank: BlankForm,
                                                               tmp_path: Path) -> None:
    """A writer formfill does not use: pdftk fill_form with exactly the values formfill would write."""
    pdftk = require_tool("pdftk")
    profile = sample("re-parole")
    profile["parole"]["reason"] = " ".join(["The family needs more time while the visa is pending."] * 12)
    profile["beneficiary"]["mailing_address"]["city"] = "Harker Heights Village Of The Long Name"
    fmap, plan = api.prepare(api.load_profile(profile).profile, blank)
    assert plan.continued and not plan.sheet_entries  # Part 13 in play, no sheets (pdftk cannot add pages)
    rows = "".join(
        f"<field name={quoteattr(p.assignment.field)}><value>"
        f"{xml_escape(p.assignment.value.lstrip('/') if p.assignment.kind == 'check' else p.assignment.value)}"
        "</value></field>"
        for p in plan.placed
    )
    xfdf = tmp_path / "data.xfdf"
    xfdf.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<xfdf xmlns="http://ns.adobe.com/xfdf/" '
                    f'xml:space="preserve"><fields>{rows}</fields></xfdf>', encoding="utf-8")
    out = tmp_path / "pdftk.pdf"
    subprocess.run([pdftk, str(blank_plain), "fill_form", str(xfdf), "output", str(out)], check=True,
                   capture_output=True, timeout=120)
    ex = extract(out)
    assert ex.edition == "01/20/25"
    p = api.load_profile(profile).profile.model_dump(mode="json")
    assert carried_mismatches(p, ex, fmap, blank) == []
    assert ex.profile["parole"]["reason"] == profile["parole"]["reason"]
    assert ex.profile["beneficiary"]["mailing_address"]["city"] == "Harker Heights Village Of The Long Name"
    assert ex.ok, ex.problems
    assert written(api.fill(completed(ex, p, fmap), form=blank).data, blank) == \
        written(api.fill(profile, form=blank).data, blank)


def box(blank: BlankForm, path: str, value: Any = None, page: int | None = None) -> str:
    """The field the map uses for a profile path (text) or for `path == value` (a checkbox)."""
    fmap = fieldmap.for_form(blank)
    found = [e.field for e in fmap.entries if (page is None or e.page == page) and (
        (value is None and e.kind != "check" and e.source == path) or (e.kind == "check" and (path, value) in e.when))]
    assert found, (path, value)
    return found[0]


def on(blank: BlankForm, field: str) -> str:
    return blank.fields[field].on_state


def test_viewer_typed_values_are_read_from_V_and_normalised(blank_plain: Path, blank: BlankForm) -> None:
    """Typed in a viewer: no appearances, people's own spellings of dates, phones and identifiers."""
    tps = box(blank, "application.type", "tps_travel_authorization")
    values = {tps: on(blank, tps), box(blank, "application.receipt_number"): "ioe0912345678"}
    for path, text in (("applicant.name.family", "DOE"), ("applicant.name.given", "JANE"),
                       ("applicant.mailing_address.street", "1 Main St"), ("applicant.mailing_address.city", "Austin"),
                       ("applicant.mailing_address.state", "TX"), ("applicant.mailing_address.zip_code", "78701"),
                       ("applicant.mailing_address.country", "United States"),
                       ("applicant.date_of_birth", "3/4/1990"), ("contact.daytime_phone", "(512) 555-0100"),
                       ("biographics.height_feet", "5"), ("biographics.height_inches", "7"),
                       ("signature_date", "01/02/2025")):
        values[box(blank, path, page=None if "name" not in path else 4)] = text
    for n, digit in enumerate("160"):
        values[next(e.field for e in fieldmap.for_form(blank).entries if e.format == f"digit{n + 1}of3")] = digit
    for path, value in (("applicant.sex", "F"), ("biographics.ethnicity", "not_hispanic_or_latino"),
                        ("biographics.race", "asian"), ("biographics.race", "white"),
                        ("biographics.eye_color", "blue"), ("biographics.hair_color", "blond")):
        field = box(blank, path, value)
        values[field] = on(blank, field)
    ex = extract(typed(blank_plain, values, encrypt=True))  # saved encrypted, as the shipped blank is
    assert ex.ok, ex.problems
    prof = ex.profile
    assert prof["application"] == {"type": "tps_travel_authorization", "receipt_number": "IOE0912345678"}
    assert prof["applicant"]["date_of_birth"] == "1990-03-04"
    assert prof["applicant"]["sex"] == "F"
    assert prof["contact"] == {"daytime_phone": "5125550100"}
    assert prof["biographics"] == {"ethnicity": "not_hispanic_or_latino", "race": ["white", "asian"],
                                   "height_feet": 5, "height_inches": 7, "weight_pounds": 160,
                                   "eye_color": "blue", "hair_color": "blond"}
    assert "signature_date" not in prof
    assert any(n.startswith("signature_date: dropped") for n in ex.notes)


def test_two_boxes_for_one_question_are_a_conflict_never_a_guess(blank_plain: Path, blank: BlankForm) -> None:
    female, male = box(blank, "applicant.sex", "F"), box(blank, "applicant.sex", "M")
    values = {female: on(blank, female), male: on(blank, male)}
    ex = extract(typed(blank_plain, values))
    assert [p.code for p in ex.problems if p.path == "applicant.sex"] == ["conflict"]


def test_a_box_with_a_foreign_on_value_is_reported_not_read(blank_plain: Path, blank: BlankForm) -> None:
    name = box(blank, "applicant.sex", "F")
    assert on(blank, name) != "/Yes"
    ex = extract(typed(blank_plain, {name: "/Yes", box(blank, "applicant.country_of_birth"): "Peru"}))
    assert "sex" not in ex.profile.get("applicant", {})
    assert any(p.path == "applicant.sex" and p.code == "unread" for p in ex.problems)


def test_free_text_typed_into_part13_is_reported_by_its_item(blank_plain: Path, blank: BlankForm) -> None:
    values = {full(blank, "Part13_Line3_PageNumber[0]"): "10", full(blank, "Part13_Line3_PartNumber[0]"): "7",
              full(blank, "Part13_Line3_ItemNumber[0]"): "2",
              full(blank, "Part13_Line3_AdditionalInfo[0]"): "Also visiting\rmy aunt.",
              box(blank, "travel.purpose"): "Visit my mother."}
    ex = extract(typed(blank_plain, values))
    unread = [p for p in ex.problems if p.code == "unread"]
    assert [p.path for p in unread] == ["travel.purpose"]
    assert "Page 10, Part 7, Item 2" in unread[0].message and "'Also visiting my aunt.'" in unread[0].message


def test_a_flattened_copy_is_refused_as_a_scan(blank: BlankForm) -> None:
    flat = api.fill(sample("reentry-permit"), form=blank, flatten=True).data
    with pytest.raises(NoFieldsError) as err:
        extract(flat)
    assert NO_FIELDS in str(err.value) and err.value.exit_code == 2


def test_an_empty_blank_is_refused(blank_plain: Path) -> None:
    with pytest.raises(NoFieldsError) as err:
        extract(blank_plain)
    assert err.value.exit_code == 2


def test_read_maps_never_make_an_edition_fillable(blank_2019: Path) -> None:
    assert fieldmap.supported() == ["I-131 edition 01/20/25"]
    assert all(not Path(m.path).name.endswith(".read.json") for m in fieldmap.all_maps().values())
    assert "I-131 edition 04/24/19" in readable()
    assert read_maps()[("I-131", "04/24/19")].fill_map is None
    with pytest.raises(FormError, match="04/24/19, which has no field map"):
        api.fill(sample("reentry-permit"), form=blank_2019)


# --- the CLI ---------------------------------------------------------------------------------------


def test_cli_extract_writes_the_partial_profile_and_exits_1(blank: BlankForm, tmp_path: Path) -> None:
    pdf = tmp_path / "last-year.pdf"
    pdf.write_bytes(api.fill(sample("advance-parole-i485"), form=blank).data)
    out = tmp_path / "renewal.json"
    result = invoke("extract", str(pdf), "-o", str(out))
    assert result.exit_code == 1, result.output
    assert "travel.purpose_category" in result.output and "123456789" not in result.output
    written_profile = json.loads(out.read_text())
    assert written_profile["applicant"]["a_number"] == "123456789"
    assert "purpose_category" not in written_profile["travel"]
    again = invoke("extract", str(pdf), "-o", str(out))
    assert again.exit_code == 2 and "already exists" in again.output
    doc = json.loads(invoke("extract", str(pdf), "--json").output)
    assert doc["ok"] is False and doc["edition"] == "01/20/25"
    assert [p["code"] for p in doc["problems"]] == ["not_on_form"]


def test_cli_extract_of_a_scan_exits_2(blank: BlankForm, tmp_path: Path) -> None:
    pdf = tmp_path / "scan.pdf"
    pdf.write_bytes(api.fill(sample("reentry-permit"), form=blank, flatten=True).data)
    result = invoke("extract", str(pdf))
    assert result.exit_code == 2 and NO_FIELDS in result.output
    doc = json.loads(invoke("extract", str(pdf), "--json").output)
    assert doc["exit_code"] == 2 and NO_FIELDS in doc["error"]


def test_diff_names_each_changed_path_and_masks_identifiers(blank: BlankForm, tmp_path: Path) -> None:
    old = tmp_path / "last-year.pdf"
    old.write_bytes(api.fill(sample("reentry-permit"), form=blank).data)
    new_profile = sample("reentry-permit")
    new_profile["applicant"]["mailing_address"]["city"] = "Pasadena"
    new_profile["applicant"]["a_number"] = "A-987-654-321"
    new = tmp_path / "this-year.json"
    new.write_text(json.dumps(new_profile))
    result = diff(old, new)
    changed = {c.path: (c.old, c.new) for c in result.changes if c.change == "changed"}
    assert changed["applicant.mailing_address.city"][1] == "Pasadena"
    assert changed["applicant.a_number"][1] == "987654321"
    text = invoke("diff", str(old), str(new))
    assert text.exit_code == 1
    assert "*****4321" in text.output and "987654321" not in text.output
    shown = invoke("diff", str(old), str(new), "--show-pii", "--json")
    doc = json.loads(shown.output)
    assert doc["identical"] is False and shown.exit_code == 1
    assert {"path": "applicant.a_number", "change": "changed", "old": changed["applicant.a_number"][0],
            "new": "987654321"} in doc["changes"]
    same = invoke("diff", str(new), str(new))
    assert same.exit_code == 0 and "no differences" in same.output
    assert mask("applicant.ssn", "123456789") == "*****6789"


# --- the superseded 04/24/19 edition ---------------------------------------------------------------

OLD = "form1[0]."
BIOGRAPHICS = {"ethnicity": "not_hispanic_or_latino", "race": ["white"], "height_feet": 5, "height_inches": 9,
               "weight_pounds": 170, "eye_color": "brown", "hair_color": "black"}
PART1 = {  # Part 1, the attorney box and Part 8/9 are on every filing
    "#subform[0].G28_Attached[0]": "/Y",
    "#subform[0].AttorneyStateLicenseNumber[0]": "CA12345",
    "#subform[0].Line1a_FamilyName[0]": "OKAFOR", "#subform[0].Line1b_GivenName[0]": "CHIDI",
    "#subform[0].Line1c_MiddleName[0]": "EMEKA", "#subform[0].Line2a_InCareofName[0]": "Ada Okafor",
    "#subform[0].Line2b_StreetNumberName[0]": "77 Lake Shore Dr", "#subform[0].Line2c_Unit[2]": "/ APT ",
    "#subform[0].Line2c_AptSteFlrNumber[0]": "12", "#subform[0].Line2d_CityOrTown[0]": "Chicago",
    "#subform[0].Line2e_State[0]": "IL", "#subform[0].Line2f_ZipCode[0]": "60611",
    "#subform[0].Line2i_Country[0]": "United States", "#subform[0].#area[1].Line3_AlienNumber[0]": "012345678",
    "#subform[0].Line4_CountryOfBirth[0]": "Nigeria", "#subform[0].Line5_CountryOfCitizenship[0]": "Nigeria",
    "#subform[0].Line6_ClassofAdmission[0]": "AS1", "#subform[0].Line7_Male[0]": "/Y",
    "#subform[0].Line8_DateOfBirth[0]": "07/19/1985", "#subform[0].#area[2].Line9_SSN[0]": "212456789",
    "#subform[1].Line3a_No[0]": "/Y", "#subform[1].Line3b_NameDHSOffice[0]": "Chicago",
    "#subform[1].Line4a_Yes[0]": "/Y", "#subform[1].Line4b_DateIssued[0]": "05/01/2023",
    "#subform[1].Line4c_Disposition[0]": "Returned to USCIS",
    "#subform[4].#area[7].Line2_DaytimePhoneNumber1[0]": "312",
    "#subform[4].#area[7].Line2_DaytimePhoneNumber2[0]": "555",
    "#subform[4].#area[7].Line2_DaytimePhoneNumber3[0]": "0199", "#subform[4].Line1b_DateOfSignature[0]": "06/01/2024",
    "#subform[4].Line1a_SignatureofApplicant[0]": "Chidi Okafor",
    "#subform[4].Line1a_PreparerFamilyName[0]": "NGUYEN", "#subform[4].Line1b_PreparerGivenName[0]": "THAO",
    "#subform[4].Line2_BusinessName[0]": "Example Law LLP", "#subform[4].Line3a_StreetNumberName[0]": "1 Main St",
    "#subform[4].#area[8].Line4_DaytimePhoneNumber1[0]": "213",
    "#subform[4].#area[8].Line4_DaytimePhoneNumber2[0]": "555",
    "#subform[4].#area[8].Line4_DaytimePhoneNumber3[0]": "0100", "#subform[4].Line4_Extension[0]": "12",
    "#subform[4].Line5_Email[0]": "tnguyen@example.com",
}
OLD_FILINGS: dict[str, tuple[dict[str, str], dict[str, Any]]] = {
    "reentry_permit": ({
        "#subform[1].Line1a_checkbox[0]": "/Y", "#subform[2].Line1c_1to2[0]": "/Y", "#subform[2].Line2_No[0]": "/Y",
        "#subform[2].Line6_USEmbassy[0]": "/Y", "#subform[2].Line6a_CityOrTown[0]": "Lagos",
        "#subform[2].Line6b_Country[0]": "Nigeria", "#subform[2].Line9_AddressBelow[0]": "/Y",
        "#subform[2].Line10b_StreetNumberName[0]": "5 Marina Rd", "#subform[2].Line10d_CityOrTown[0]": "Lagos",
        "#subform[2].Line10h_Province[0]": "Lagos", "#subform[2].Line10g_PostalCode[0]": "101001",
        "#subform[2].Line10i_Country[0]": "Nigeria", "#subform[2].#area[5].Line10j_DaytimePhoneNumber1[0]": "234",
        "#subform[2].#area[5].Line10j_DaytimePhoneNumber2[0]": "555",
        "#subform[2].#area[5].Line10j_DaytimePhoneNumber3[0]": "0101",
        "#subform[2].Line1a_Purpose[0]": "Care for my father",
        "#subform[1].Line1_DateIntendedDeparture[0]": "09/01/2024",
    }, {}),
    "refugee_travel_document": ({
        "#subform[1].Line1b_checkbox[0]": "/Y", "#subform[3].Line1_CountryRefugee[0]": "Nigeria",
        **{f"#subform[3].{n}": "/Y" for n in ("Line2_No1[0]", "Line3a_No1[0]", "Line3b_No[0]", "Line3c_No[0]",
                                               "Line4a_No[1]", "Line4b_No[0]", "Line4c_No[0]")},
        "#subform[2].Line5_USAddress[0]": "/Y",
    }, {"refugee": {"filing_before_departure": True}}),
    "advance_parole": ({
        "#subform[1].Line1d_checkbox[0]": "/Y", "#subform[1].Line1_DateIntendedDeparture[0]": "12/20/2026",
        "#subform[1].Line2_ExpectedLengthTrip[0]": "21", "#subform[2].Line1a_Purpose[0]": "Attend my brother's wedding",
        "#subform[2].Line1b_ListCountries[0]": "Nigeria, Ghana", "#subform[3].Line1_MoreThanOne[0]": "/Y",
    }, {"application": {"basis": "pending_i485"}, "travel": {"purpose_category": "personal"}}),
    "initial_parole": ({
        "#subform[1].Line1f_checkbox[0]": "/Y", "#subform[1].Line2a_FamilyName[0]": "OKAFOR",
        "#subform[1].Line2b_GivenName[0]": "NGOZI", "#subform[1].Line2d_DateOfBirth[0]": "02/02/2010",
        "#subform[1].Line2e_CountryOfBirth[0]": "Nigeria", "#subform[1].Line2f_CountryOfCitizenship[0]": "Nigeria",
        "#subform[1].#area[4].Line2g_DaytimePhoneNumber1[0]": "234",
        "#subform[1].#area[4].Line2g_DaytimePhoneNumber2[0]": "555",
        "#subform[1].#area[4].Line2g_DaytimePhoneNumber3[0]": "0102",
        "#subform[1].Line2i_StreetNumberName[0]": "9 Ring Rd",
        "#subform[1].Line2k_CityOrTown[0]": "Ibadan", "#subform[1].Line2p_Country[0]": "Nigeria",
        "#subform[2].Line1a_Purpose[0]": "Urgent surgery for my daughter at Lurie Children's Hospital",
        "#subform[3].Line2a_CityOrTown[0]": "Lagos", "#subform[3].Line2b_Country[0]": "Nigeria",
        "#subform[3].Line4_AddressBelow[0]": "/Y", "#subform[3].Line4b_StreetNumberName[0]": "9 Ring Rd",
    }, {}),
}


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        out[key] = _merge(out.get(key) or {}, value) if isinstance(value, dict) else value
    return out


@pytest.mark.parametrize("kind", sorted(OLD_FILINGS))
def test_a_2019_filing_extracts_into_a_profile_that_fills_the_current_edition(
        kind: str, blank_2019: Path, blank: BlankForm) -> None:
    values, extra = OLD_FILINGS[kind]
    ex = extract(typed(blank_2019, {OLD + k: v for k, v in {**PART1, **values}.items()}))
    assert ex.edition == "04/24/19"
    prof = ex.profile
    assert prof["application"]["type"] == kind
    assert prof["applicant"]["name"] == {"family": "OKAFOR", "given": "CHIDI", "middle": "EMEKA"}
    assert prof["applicant"]["mailing_address"]["unit_type"] == "apt"
    assert prof["applicant"]["date_of_birth"] == "1985-07-19" and prof["applicant"]["sex"] == "M"
    assert prof["contact"] == {"daytime_phone": "3125550199"}
    assert prof["preparer"]["daytime_phone"] == "2135550100"
    assert "signature_date" not in prof and "Chidi Okafor" not in json.dumps(prof)
    assert prof["processing"]["previous_reentry_permit_or_refugee_travel_document"]["date_issued"] == "2023-05-01"
    # Questions the current edition asks and the old one did not: said by path, never guessed.
    extra = _merge({"biographics": BIOGRAPHICS, "processing": {"ever_in_proceedings": False}}, extra)
    asked = {p.path for p in ex.problems}
    wanted = {f"{k}.{kk}" if isinstance(v, dict) and k != "biographics" else k
              for k, v in extra.items() for kk in (v if isinstance(v, dict) and k != "biographics" else [None])}
    assert "biographics" in asked and asked <= wanted, ex.problems  # rules on a section show once it is complete
    assert all(p.code in ("not_on_form", "rule", "missing") for p in ex.problems)
    notes = "\n".join(ex.notes)
    assert all(f"{path}:" in notes for path in wanted if path != "processing.ever_in_proceedings")
    assert "license number" in notes  # an old question with no place on the current edition
    result = api.fill(_merge(prof, extra), form=blank)
    assert result.verification.ok


def wrapped(text: str, width: int) -> list[str]:
    """Text broken into lines of at most `width` characters at spaces, as a hand-made sheet would be."""
    return [line for paragraph in text.split("\n")
            for line in textwrap.wrap(paragraph, width, break_on_hyphens=False) or [""]]


def test_continuation_sheets_in_another_layout_are_read_by_their_labels(blank: BlankForm) -> None:
    """Sheets are found by their page/part/item labels: another header, labels or a signature line still read."""
    from formfill.layout import SHEET_WIDTH
    from formfill.pdf.writer import fill_bytes, sheet_content

    profile = sample("advance-parole-i485")
    tricky = "Name: as in my passport. A-Number: none yet. Date: next spring. Signature: on the letter."
    profile["travel"]["purpose"] = " ".join(f"reason{n} for the trip," for n in range(140)) + " " + tricky
    _, plan = api.prepare(api.load_profile(profile).profile, blank)
    assert plan.sheet_entries
    body: list[str] = []
    for entry in plan.sheet_entries:
        body.append(f"Page {entry.page}, Part {entry.part}, Item {entry.item}")
        if tricky in entry.text:  # lines of the answer that start like a sheet's own labels are still the answer
            head = entry.text[: entry.text.index(tricky)].rstrip()
            body.extend([*wrapped(head, SHEET_WIDTH), "Name: as in my passport.", "A-Number: none yet.",
                         "Date: next spring.", "Signature: on the letter."])
        else:
            body.extend(wrapped(entry.text, SHEET_WIDTH))
    header = ["Form I-131 Additional Information", "Name: GARCIA LOPEZ, MARIA ELENA   A-Number: A-123456789"]
    footer = ["", "Signature of Applicant: ______________________   Date (mm/dd/yyyy): __________"]
    pages = [sheet_content([*body[i : i + 20], *footer], header) for i in range(0, len(body), 20)]
    assert len(pages) > 1  # an entry continues on the next sheet, under the next sheet's header
    ex = extract(fill_bytes(blank, plan.field_values(), pages))
    assert ex.continuation_sheets == len(pages)
    assert ex.profile["travel"]["purpose"] == profile["travel"]["purpose"]
    assert [p.code for p in ex.problems] == ["not_on_form"]


def test_a_partial_profile_still_has_its_identifiers_normalised(blank_plain: Path, blank: BlankForm,
                                                                 tmp_path: Path) -> None:
    values = {box(blank, "contact.daytime_phone"): "(512) 555-0100", box(blank, "applicant.a_number"): "12345678",
              box(blank, "applicant.name.family", page=4): "DOE"}
    weight = [e.field for e in fieldmap.for_form(blank).entries if e.source == "biographics.weight_pounds"]
    values.update({weight[0]: "1", weight[1]: "6"})  # the units box left empty: 16 or 160? not guessed
    out = tmp_path / "partial.json"
    ex = extract(typed(blank_plain, values), output=out)
    assert not ex.ok and any(p.path == "biographics" for p in ex.problems)
    assert any(p.path == "biographics.weight_pounds" and p.code == "unread" for p in ex.problems)
    written_profile = json.loads(out.read_text())
    assert written_profile["contact"] == {"daytime_phone": "5125550100"}
    assert written_profile["applicant"]["a_number"] == "012345678"
    assert list(written_profile)[:3] == ["schema_version", "form", "applicant"]  # the model's key order


def test_devices_pipes_and_folders_are_refused_never_read_or_replaced(blank: BlankForm, tmp_path: Path) -> None:
    import os

    pdf = tmp_path / "filled.pdf"
    pdf.write_bytes(api.fill(sample("reentry-permit"), form=blank).data)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for bad in (fifo, tmp_path, Path("/dev/zero")):
        with pytest.raises(InputError, match="not a regular file"):
            extract(bad)
        with pytest.raises(InputError, match="not a regular file"):
            diff(bad, pdf)
    link = tmp_path / "link.json"
    link.symlink_to("/dev/null")
    for out in (fifo, link, Path("/dev/null")):
        with pytest.raises(InputError, match="not a regular file"):
            extract(pdf, output=out, overwrite=True)
    with pytest.raises(InputError, match="not a regular file"):
        api.fill(sample("reentry-permit"), form=blank, output=fifo, overwrite=True)  # the shared write_atomic
    assert Path("/dev/null").is_char_device() and fifo.is_fifo() and link.is_symlink()


def test_a_hostile_pdf_is_an_input_error_never_a_traceback(tmp_path: Path) -> None:
    """A field tree that contains itself (a /Kids cycle) and a PDF that is only a header."""
    from pypdf.generic import ArrayObject

    writer = PdfWriter()
    writer.add_blank_page(612, 792)
    field = DictionaryObject({NameObject("/T"): TextStringObject("loop"), NameObject("/FT"): NameObject("/Tx")})
    ref = writer._add_object(field)
    field[NameObject("/Kids")] = ArrayObject([ref])
    writer.root_object[NameObject("/AcroForm")] = DictionaryObject({NameObject("/Fields"): ArrayObject([ref])})
    cyclic = tmp_path / "cyclic.pdf"
    with cyclic.open("wb") as fh:
        writer.write(fh)
    truncated = tmp_path / "truncated.pdf"
    truncated.write_bytes(b"%PDF-1.7\n1 0 obj <<")
    for bad in (cyclic, truncated):
        with pytest.raises(InputError) as err:
            extract(bad)
        assert err.value.exit_code == 2
        result = invoke("extract", str(bad))
        assert result.exit_code == 2 and "Traceback" not in result.output


def test_the_2019_read_map_accounts_for_every_field_of_that_edition(blank_2019: Path) -> None:
    """Each old field is read, never read on purpose (signatures), or named as a question with no place now."""
    old = load_blank(blank_2019.read_bytes(), str(blank_2019), use_cache=False)
    rmap = read_maps()[("I-131", "04/24/19")]
    named = [r.field for r in rmap.rules] + list(rmap.ignored) + [item["field"] for item in rmap.not_carried]
    assert sorted(set(named) - set(old.fields)) == []
    barcodes = {n for n in old.fields if "arcode" in n or "BarCode" in n}
    assert sorted(set(old.fields) - set(named) - barcodes) == []
    for path in {r.path for r in rmap.rules if r.path} | {p for r in rmap.rules for p, _ in r.sets}:
        assert model_type(path) is not None, f"{path} is not a key of the profile"


def test_extract_never_writes_the_profile_over_the_pdf_it_reads(tmp_path: Path, blank: BlankForm) -> None:
    pdf = tmp_path / "filled.pdf"
    api.fill(sample("re-parole"), form=blank, output=pdf)
    link = tmp_path / "link.pdf"
    link.symlink_to(pdf)
    before = pdf.read_bytes()
    for target in (pdf, link):
        result = invoke("extract", str(pdf), "-o", str(target), "--overwrite")
        assert result.exit_code == 2 and str(target) in result.output, result.output
    assert pdf.read_bytes() == before


# --- issue 20: Part 4 item 1, and two realistic 2019 filings read back ------------------------------


def test_part4_item1_yes_reads_ever_in_proceedings_and_asks_once(blank: BlankForm) -> None:
    """A TPS holder whose past proceedings were terminated: "Yes" certainly means "been in proceedings"."""
    from tests.test_package_check import case

    data = case("tps-fee-waiver")
    filled = api.fill(data, form=blank).data
    ex = extract(filled)
    assert ex.profile["processing"]["ever_in_proceedings"] is True
    assert "in_removal_proceedings" not in ex.profile["processing"]
    about = [p for p in ex.problems if p.path.startswith("processing")]
    assert [(p.path, p.code) for p in about] == [("processing.in_removal_proceedings", "ambiguous")]
    assert "whether they are in proceedings now" in about[0].message
    no = copy.deepcopy(data)
    no["processing"]["ever_in_proceedings"] = False
    back = extract(api.fill(no, form=blank).data).profile["processing"]
    assert back["ever_in_proceedings"] is False and back["in_removal_proceedings"] is False


# A reentry permit filed on the 04/24/19 edition by an LPR living in Houston who works in Lagos: the permit goes to
# the consulate in Lagos and the pick-up notice to "the address in Part 2 (2.h-2.p)", where the Lagos address is.
OLD_REENTRY = {
    "#subform[0].Line1a_FamilyName[0]": "ADEYEMI", "#subform[0].Line1b_GivenName[0]": "TUNDE",
    "#subform[0].Line2b_StreetNumberName[0]": "8100 Kirby Dr", "#subform[0].Line2d_CityOrTown[0]": "Houston",
    "#subform[0].Line2e_State[0]": "TX", "#subform[0].Line2f_ZipCode[0]": "77054",
    "#subform[0].Line2i_Country[0]": "United States", "#subform[0].#area[1].Line3_AlienNumber[0]": "204118664",
    "#subform[0].Line4_CountryOfBirth[0]": "Nigeria", "#subform[0].Line5_CountryOfCitizenship[0]": "Nigeria",
    "#subform[0].Line6_ClassofAdmission[0]": "IR1", "#subform[0].Line7_Male[0]": "/Y",
    "#subform[0].Line8_DateOfBirth[0]": "02/11/1979",
    "#subform[1].Line1a_checkbox[0]": "/Y",
    "#subform[1].Line2i_StreetNumberName[0]": "14 Adeola Odeku St", "#subform[1].Line2k_CityOrTown[0]": "Lagos",
    "#subform[1].Line2o_Province[0]": "Lagos", "#subform[1].Line2p_Country[0]": "Nigeria",
    "#subform[1].Line1_DateIntendedDeparture[0]": "09/15/2024", "#subform[1].Line2_ExpectedLengthTrip[0]": "540",
    "#subform[1].Line3a_No[0]": "/Y", "#subform[1].Line4a_No[0]": "/Y",
    "#subform[2].Line6_USEmbassy[0]": "/Y", "#subform[2].Line6a_CityOrTown[0]": "Lagos",
    "#subform[2].Line6b_Country[0]": "Nigeria", "#subform[2].Line8_AddressPart2[0]": "/Y",
    "#subform[2].Line1a_Purpose[0]": "An 18-month assignment at my employer's Lagos office",
    "#subform[2].Line1b_ListCountries[0]": "Nigeria\nGhana",
    "#subform[2].Line1c_1to2[0]": "/Y", "#subform[2].Line2_Yes[0]": "/Y",
    "#subform[4].#area[7].Line2_DaytimePhoneNumber1[0]": "713",
    "#subform[4].#area[7].Line2_DaytimePhoneNumber2[0]": "555",
    "#subform[4].#area[7].Line2_DaytimePhoneNumber3[0]": "0142",
}


def test_a_2019_reentry_permit_reads_back_as_it_was_filed(blank_2019: Path, blank: BlankForm) -> None:
    ex = extract(typed(blank_2019, {OLD + k: v for k, v in OLD_REENTRY.items()}))
    prof = ex.profile
    assert prof["application"]["type"] == "reentry_permit"
    # Item 8 is the address in 2.h-2.p (Lagos), never the applicant's own U.S. address (Houston).
    assert prof["processing"]["delivery"] == {
        "to": "consulate", "city": "Lagos", "country": "Nigeria",
        "notify": {"address": {"street": "14 Adeola Odeku St", "city": "Lagos", "province": "Lagos",
                               "country": "Nigeria"}}}
    assert "beneficiary" not in prof  # 2.h-2.p were not a person filed for under 1.f
    # The 2019 form asked every filer about the trip: it is read into `trip`, not called "skipped".
    assert prof["trip"] == {"departure_date": "2024-09-15", "purpose": "An 18-month assignment at my employer's "
                            "Lagos office", "countries": ["Nigeria", "Ghana"], "length_days": 540}
    assert not any("the form skips it" in n for n in ex.notes)
    assert not any(n.startswith(("application.basis:", "travel.purpose_category:", "refugee.")) for n in ex.notes)
    problems = {p.path: p for p in ex.problems}
    assert problems["reentry_permit"].code == "attention" and "nonresident" in problems["reentry_permit"].message
    # Required answers the old edition never asked are problems to resolve, not only notes.
    assert problems["processing.ever_in_proceedings"].code == "not_on_form"
    assert problems["biographics"].code == "not_on_form"
    assert "travel" not in prof


def test_item_8_with_2h_2p_blank_is_asked_never_guessed(blank_2019: Path) -> None:
    values = {k: v for k, v in OLD_REENTRY.items() if not k.startswith("#subform[1].Line2")}
    ex = extract(typed(blank_2019, {OLD + k: v for k, v in values.items()}))
    assert "notify" not in ex.profile["processing"]["delivery"]
    [asked] = [p for p in ex.problems if p.path == "processing.delivery.notify.address"]
    assert asked.code == "ambiguous" and "2.h. through 2.p." in asked.message


# An advance parole filed on the 04/24/19 edition for a daughter in Lagos (1.f, today's initial parole), and one
# for the applicant's own trip (1.d) whose earlier advance parole was typed into Part 3 items 4.a-4.c.
OLD_FOR_A_DAUGHTER = {
    "#subform[0].Line1a_FamilyName[0]": "ADEYEMI", "#subform[0].Line1b_GivenName[0]": "TUNDE",
    "#subform[0].Line2b_StreetNumberName[0]": "8100 Kirby Dr", "#subform[0].Line2d_CityOrTown[0]": "Houston",
    "#subform[0].Line2e_State[0]": "TX", "#subform[0].Line2f_ZipCode[0]": "77054",
    "#subform[0].Line2i_Country[0]": "United States", "#subform[0].Line8_DateOfBirth[0]": "02/11/1979",
    "#subform[1].Line1f_checkbox[0]": "/Y", "#subform[1].Line2a_FamilyName[0]": "ADEYEMI",
    "#subform[1].Line2b_GivenName[0]": "KEMI", "#subform[1].Line2d_DateOfBirth[0]": "05/05/2012",
    "#subform[1].Line2i_StreetNumberName[0]": "14 Adeola Odeku St", "#subform[1].Line2k_CityOrTown[0]": "Lagos",
    "#subform[1].Line2p_Country[0]": "Nigeria", "#subform[1].Line3a_No[0]": "/Y",
    "#subform[2].Line1a_Purpose[0]": "Surgery at Texas Children's Hospital",
    "#subform[3].Line1_OneTrip[0]": "/Y", "#subform[3].Line2a_CityOrTown[0]": "Lagos",
    "#subform[3].Line2b_Country[0]": "Nigeria",
}


def test_a_2019_parole_for_a_person_abroad_reads_her_physical_address(blank_2019: Path) -> None:
    ex = extract(typed(blank_2019, {OLD + k: v for k, v in OLD_FOR_A_DAUGHTER.items()}))
    prof = ex.profile
    assert prof["application"]["type"] == "initial_parole"
    assert prof["beneficiary"]["physical_address"] == {"street": "14 Adeola Odeku St", "city": "Lagos",
                                                       "country": "Nigeria"}
    assert "mailing_address" not in prof["beneficiary"]
    assert "travel" not in prof  # Part 7 item 1 (trips) is asked only of advance parole today
    assert any(n.startswith("travel.trips: Part 7, Item 1 is checked, which the current edition does not ask")
               for n in ex.notes)
    assert prof["parole"] == {"reason": "Surgery at Texas Children's Hospital", "consulate_city": "Lagos",
                              "consulate_country": "Nigeria"}
    assert not any(n.startswith(("application.basis:", "applicant.i94_number:")) for n in ex.notes)


def test_a_2019_advance_parole_typed_as_an_earlier_document_is_asked(blank_2019: Path, blank: BlankForm) -> None:
    values = {**{k: v for k, v in OLD_REENTRY.items() if not k.startswith((
                 "#subform[1].Line1a_", "#subform[2].", "#subform[1].Line4a_", "#subform[1].Line2i",
                 "#subform[1].Line2k", "#subform[1].Line2o", "#subform[1].Line2p"))},
              "#subform[1].Line1d_checkbox[0]": "/Y", "#subform[1].Line4a_Yes[0]": "/Y",
              "#subform[3].Line1_OneTrip[0]": "/Y",
              "#subform[1].Line4b_DateIssued[0]": "03/02/2023",
              "#subform[1].Line4c_Disposition[0]": "Advance parole (I-512L), used and returned",
              "#subform[2].Line1a_Purpose[0]": "My brother's wedding",
              "#subform[2].Line1b_ListCountries[0]": "Nigeria\nGhana"}
    ex = extract(typed(blank_2019, {OLD + k: v for k, v in values.items()}))
    processing = ex.profile["processing"]
    assert processing["previous_advance_parole"] == {"date_issued": "2023-03-02",
                                                     "disposition": "Advance parole (I-512L), used and returned"}
    assert "previous_reentry_permit_or_refugee_travel_document" not in processing
    [asked] = [p for p in ex.problems if p.path == "processing.previous_reentry_permit_or_refugee_travel_document"]
    assert asked.code == "ambiguous" and "advance parole" in asked.message
    assert ex.profile["travel"]["countries"] == ["Nigeria", "Ghana"]  # one per line on the old form
    basis = [p for p in ex.problems if p.path == "application.basis"]
    assert [p.code for p in basis] == ["not_on_form"]  # a required answer: a problem, not only a note
    # Completed, it fills the current edition with the countries as a list, not a line break.
    done = _merge(ex.profile, {"application": {"basis": "pending_i485"}, "biographics": BIOGRAPHICS,
                               "processing": {"ever_in_proceedings": False,
                                              "previous_reentry_permit_or_refugee_travel_document": None},
                               "travel": {"purpose_category": "personal"}})
    _, plan = api.prepare(api.load_profile(done).profile, blank)
    countries = next(p.assignment.value for p in plan.placed if p.assignment.entry.source == "travel.countries")
    assert countries == "Nigeria, Ghana"
