"""Answers mean what the form's printed questions mean, and the form's own skip instructions are obeyed.

- Part 4 item 1 asks whether the person has EVER been in proceedings: `ever_in_proceedings`.
- Every instruction of the 01/20/25 edition that says to skip an item (or to complete it only in some
  cases) is data in the field map; a skipped item reads back empty whatever the profile holds.
- Item labels are this edition's: each mapped field sits under the item number the map gives it.

Filled files are read back with pypdf (formfill verifies with pdfplumber, so it is not its own judge).
"""

from __future__ import annotations

import copy
import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject

import formfill
from formfill.errors import ProfileError
from formfill.fieldmap import FieldMap, all_maps, resolve, skip_notes, skipped_items
from formfill.forms import open_blank
from tests.helpers import invoke
from tests.helpers import load_sample as base
from tests.i131 import Profile, parse_profile

_P = "form1[0]."
ITEM1_YES, ITEM1_NO = f"{_P}P7[0].P4_Line1_YesNo[0]", f"{_P}P7[0].P4_Line1_YesNo[1]"
ITEM4_YES, ITEM4_NO = f"{_P}P7[0].P4_Line4_YesNo[0]", f"{_P}P7[0].P4_Line4_YesNo[1]"
COA = f"{_P}P5[0].Part2_Line12_ClassofAdmission[0]"
I94 = f"{_P}P5[0].Part2_Line13_I94RecordNo[0]"
I94_EXPIRES = f"{_P}P6[0].Part2_Line14_I94ExpDate[0]"
USPID = f"{_P}P6[0].Par2_Line15_eMedicalParoleeID[0]"
DELIVER_US = f"{_P}#subform[7].P4_Line7a[1]"
EXPLANATION_6A = f"{_P}#subform[7].P4_Line6a_Explanation[0]"
OUTSIDE_6A = [f"{_P}#subform[9].P6_Line6a_YesNo[{i}]" for i in (0, 1)]
LOCATION_6B = f"{_P}#subform[9].P6_Line6b_CityOrTown[0]"
ARRIVAL_3A = f"{_P}#subform[10].P8_Line3a_DateOfIntendedArrival[0]"
CONSULATE_3B = f"{_P}#subform[10].P8_Line3b_CityOrTown[0]"


def fmap() -> FieldMap:
    return all_maps()[("I-131", "01/20/25")]


def changed(name: str, *changes: Callable[[dict[str, Any]], Any]) -> dict[str, Any]:
    data = copy.deepcopy(base(name))
    for change in changes:
        change(data)
    return data


def problems_of(data: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(ProfileError) as err:
        parse_profile(data)
    return {p.path: p.message for p in err.value.problems}


def read_values(pdf: bytes | Path) -> dict[str, str | None]:
    """Every terminal field's /V as pypdf reads it ('' and absent both read as None)."""
    reader = PdfReader(io.BytesIO(pdf) if isinstance(pdf, bytes) else pdf)
    out: dict[str, str | None] = {}
    for name, fld in (reader.get_fields() or {}).items():
        if fld.get("/FT") is None or fld.get("/Kids"):
            continue
        value = fld.get("/V")
        out[name] = None if value is None or str(value) in ("", "/Off") else str(value)
    return out


@pytest.fixture(scope="module")
def blank_values(blank_plain: Path) -> dict[str, str | None]:
    return read_values(blank_plain)


@pytest.fixture(scope="module")
def blank(blank_plain: Path) -> Any:
    return open_blank(blank_plain)


# --- Part 4 item 1: "been in", not "is in" -----------------------------------------------------------


def test_past_proceedings_answer_yes_and_the_profile_stays_eligible(blank: Any) -> None:
    data = changed("advance-parole-i485", lambda d: d["processing"].update(ever_in_proceedings=True))
    profile = parse_profile(data)  # ended proceedings do not block advance parole: no override needed
    assert profile.processing is not None and profile.processing.in_removal_proceedings is False
    assert profile.overrides == {}
    values = read_values(formfill.fill(data, form=blank).data)
    assert values[ITEM1_YES] == "/Y"
    assert values[ITEM1_NO] is None


def test_no_is_printed_only_when_never_in_proceedings(blank: Any) -> None:
    values = read_values(formfill.fill(base("advance-parole-i485"), form=blank).data)
    assert values[ITEM1_NO] == "/N"
    assert values[ITEM1_YES] is None


def test_current_proceedings_answer_yes_without_the_ever_key(blank: Any) -> None:
    data = changed("daca-educational", lambda d: d["processing"].pop("ever_in_proceedings"))
    assert parse_profile(data).processing.in_removal_proceedings is True  # type: ignore[union-attr]
    values = read_values(formfill.fill(data, form=blank).data)
    assert values[ITEM1_YES] == "/Y"
    assert values[ITEM1_NO] is None


@pytest.mark.parametrize("sample", ["advance-parole-i485", "reentry-permit", "re-parole", "initial-parole-fwvp"])
def test_a_processing_section_without_ever_in_proceedings_is_a_problem_naming_it(sample: str) -> None:
    data = changed(sample, lambda d: d["processing"].pop("ever_in_proceedings"))
    found = problems_of(data)
    assert "processing.ever_in_proceedings" in found
    assert "ever been in" in found["processing.ever_in_proceedings"]
    result = invoke("validate", "--json", "-", input=json.dumps(data))
    assert result.exit_code == 1
    assert "processing.ever_in_proceedings" in [p["path"] for p in json.loads(result.output)["problems"]]


def test_fields_json_names_both_proceedings_keys_for_item_1(blank_plain: Path) -> None:
    """`fields --json` says which profile paths decide each box: item 1 reads "now" and "ever"."""
    result = invoke("fields", "--form", str(blank_plain), "--json")
    assert result.exit_code == 0, result.output
    rows = {r["name"]: r["profile"] for r in json.loads(result.output)["fields"]}
    for box in (ITEM1_YES, ITEM1_NO):
        assert rows[box] == ["processing.in_removal_proceedings", "processing.ever_in_proceedings"], rows[box]


def test_never_in_proceedings_while_in_them_now_is_a_contradiction() -> None:
    data = changed("daca-educational", lambda d: d["processing"].update(ever_in_proceedings=False))
    assert "processing.ever_in_proceedings" in problems_of(data)


def test_item_1_is_never_guessed_from_an_unvalidated_profile(blank: Any) -> None:
    """Even bypassing validation, the resolver checks neither box when "ever" is unknown."""
    data = changed("advance-parole-i485", lambda d: d["processing"].pop("ever_in_proceedings"))
    written = {a.field for a in resolve(fmap(), Profile.model_validate(data).model_dump(), blank)}
    assert ITEM1_YES not in written and ITEM1_NO not in written


# --- skip instructions: every skipped item reads back empty -------------------------------------------


def _tps(d: dict[str, Any]) -> None:
    d["application"] = {"type": "tps_travel_authorization", "receipt_number": "IOE0912345670"}
    d["travel"] = None


def _lpr(d: dict[str, Any]) -> None:
    d["application"]["type"] = "refugee_travel_document_lpr"


def _i94(d: dict[str, Any]) -> None:
    d["applicant"].update(class_of_admission="IR5", i94_number="12345678901", authorized_stay_expires="2027-01-01",
                          emedical_uspid="USPID1234")


def _deliver_here(d: dict[str, Any]) -> None:
    d["processing"]["delivery"] = {"to": "us_address"}


def _arrival(d: dict[str, Any]) -> None:
    d["parole"].update(arrival_date="2027-03-01", consulate_city="Manila", consulate_country="Philippines")


def _refugee_extras(d: dict[str, Any]) -> None:
    d["refugee"].update(currently_outside_us=False, current_location="Nairobi, Kenya")


def _lost_document(d: dict[str, Any]) -> None:
    d["processing"]["replacement"] = {"reason": "lost_stolen_damaged", "explanation": "Stolen in Chicago in May."}


# Per application type: a profile holding values for items the form tells that applicant to skip,
# the fields those values would fill, and the profile paths the notes must name.
SKIP_CASES: dict[str, tuple[str, list[Callable[[dict[str, Any]], Any]], list[str], list[str]]] = {
    "advance_parole": (
        "advance-parole-i485", [_deliver_here, _lost_document], [DELIVER_US, EXPLANATION_6A],
        ["processing.delivery.to", "processing.replacement.explanation"],
    ),
    "tps_travel_authorization": (
        "advance-parole-i485", [_tps, _deliver_here], [DELIVER_US], ["processing.delivery.to"],
    ),
    "reentry_permit": (
        "reentry-permit", [_i94], [COA, I94, I94_EXPIRES, USPID],
        ["applicant.class_of_admission", "applicant.i94_number", "applicant.authorized_stay_expires",
         "applicant.emedical_uspid"],
    ),
    "refugee_travel_document": (
        "refugee-travel-document", [_i94, _refugee_extras], [COA, I94, OUTSIDE_6A[1], LOCATION_6B],
        ["applicant.class_of_admission", "refugee.currently_outside_us", "refugee.current_location"],
    ),
    "refugee_travel_document_lpr": (
        "refugee-travel-document", [_lpr, _i94, _refugee_extras], [COA, I94, OUTSIDE_6A[1], LOCATION_6B],
        ["applicant.i94_number", "refugee.current_location"],
    ),
    "initial_parole": (
        "initial-parole-fwvp", [_i94, _deliver_here], [COA, I94, DELIVER_US, ITEM4_NO],
        ["applicant.class_of_admission", "processing.delivery.to"],
    ),
    "parole_in_place": (
        "parole-in-place-military", [_arrival, _deliver_here], [ARRIVAL_3A, CONSULATE_3B, DELIVER_US, ITEM4_NO],
        ["parole.arrival_date", "parole.consulate_city", "processing.delivery.to"],
    ),
    "re_parole": (
        "re-parole", [_arrival, _deliver_here], [ARRIVAL_3A, CONSULATE_3B, DELIVER_US, ITEM4_NO],
        ["parole.arrival_date", "parole.consulate_country", "processing.delivery.to"],
    ),
}


def test_every_application_type_has_a_skip_case() -> None:
    from tests.i131 import ApplicationType

    assert set(SKIP_CASES) == {t.value for t in ApplicationType}


@pytest.mark.parametrize("app_type", sorted(SKIP_CASES))
def test_skipped_items_read_back_empty(app_type: str, blank: Any, blank_values: dict[str, str | None]) -> None:
    sample, changes, held_fields, noted_paths = SKIP_CASES[app_type]
    data = changed(sample, *changes)
    profile = parse_profile(data)  # values for skipped items are not errors: the form just does not ask
    assert profile.application.type == app_type
    skipped = skipped_items(fmap(), profile.model_dump())
    skipped_fields = {f for s in skipped for f in s.fields}
    for name in held_fields:
        assert name in skipped_fields, f"{app_type}: {name} is not among the skipped items"

    result = formfill.fill(data, form=blank)
    assert result.verification.ok
    values = read_values(result.data)
    for item in skipped:
        for name in item.fields:
            assert values[name] == blank_values[name], (
                f"{app_type}: Page {item.page}, Part {item.part}, Item {item.item} is skipped by "
                f"{item.instruction!r} but {name} reads {values[name]!r}"
            )
    # The profile's values for skipped items are reported as notes, each starting with its JSON path.
    for path in noted_paths:
        assert any(n.startswith(f"{path}: not printed") for n in result.notes), (path, result.notes)


def test_re_parole_fwvp_and_military_pip_no_longer_answer_part_4_item_4(blank: Any) -> None:
    fwvp = changed("re-parole", lambda d: d["application"].update(program="fwvp", relationship_to_service_member=None))
    military = changed("re-parole", lambda d: d["application"].update(program="military_pip"))
    for data in (fwvp, military, base("parole-in-place-military")):
        values = read_values(formfill.fill(data, form=blank).data)
        assert values[ITEM4_YES] is None and values[ITEM4_NO] is None
    # ... while the types the question is for still answer it.
    for name in ("advance-parole-i485", "reentry-permit", "refugee-travel-document"):
        assert read_values(formfill.fill(base(name), form=blank).data)[ITEM4_NO] == "/N"


def test_skipped_items_api_names_page_part_item_fields_and_instruction() -> None:
    items = skipped_items(fmap(), parse_profile(base("re-parole")).model_dump())
    by_item = {(s.part, s.item): s for s in items}
    item4 = by_item["4", "4"]
    assert item4.page == 7
    assert set(item4.fields) == {ITEM4_YES, ITEM4_NO}
    assert item4.instruction.endswith("SKIP to Part 8.")
    assert item4.instruction_page == 7
    assert ("8", "3.a") in by_item and ("5", "1") in by_item and ("7", "2") in by_item
    assert ("8", "1") not in by_item and ("9", "1") not in by_item  # re-parole answers Parts 8 and 9
    assert ("2", "16") not in by_item  # filed on behalf of someone else: items 16-27 are asked
    pages = [s.page for s in items]
    assert pages == sorted(pages)


def test_a_value_that_contradicts_the_request_is_a_problem(blank: Any) -> None:
    replacement = {"reason": "not_received", "receipt_number": "IOE0912345678"}
    data = changed("re-parole", lambda d: d["processing"].__setitem__("replacement", replacement))
    assert "processing.replacement" in problems_of(data)
    # The resolver says so too, from the map's data alone (a profile that skipped validation).
    with pytest.raises(ProfileError) as err:
        resolve(fmap(), Profile.model_validate(data).model_dump(), blank)
    [problem] = err.value.problems
    assert problem.code == "skipped" and problem.path.startswith("processing.replacement")
    assert "SKIP to Part 8" in problem.message

    reentry_on_ap = changed("advance-parole-i485",
                            lambda d: d.__setitem__("reentry_permit", {"time_outside_us": "1_to_2_years"}))
    with pytest.raises(ProfileError) as err:
        resolve(fmap(), Profile.model_validate(reentry_on_ap).model_dump(), blank)
    assert [p.path for p in err.value.problems] == ["reentry_permit.time_outside_us"]


def test_the_i485_receipt_is_asked_only_when_filed_separately() -> None:
    """Item 5.A: "receipt number if you are filing this form separately from your Form I-485"."""
    together = changed("advance-parole-i485", lambda d: d["application"].update(filed_with=["i485", "i765"]))
    found = problems_of(together)
    assert "filing this form separately" in found["application.receipt_number"]
    # Filed together without a receipt, or separately with one: both are what the form asks.
    parse_profile(changed("advance-parole-i485",
                          lambda d: d["application"].update(filed_with=["i485"], receipt_number=None)))
    parse_profile(base("advance-parole-i485"))


def test_skip_notes_in_the_cli_json(tmp_path: Path, blank_plain: Path) -> None:
    data = changed("reentry-permit", _i94)
    src = tmp_path / "client.json"
    src.write_text(json.dumps(data))
    result = invoke("fill", str(src), "--form", str(blank_plain), "-o", str(tmp_path / "o.pdf"),
                                       "--json")
    assert result.exit_code == 0, result.output
    notes = json.loads(result.output)["notes"]
    assert any(n.startswith("applicant.class_of_admission: not printed: Page 5, Part 2, Item 12") for n in notes)
    assert skip_notes(fmap(), parse_profile(base("reentry-permit")).model_dump()) == []  # the sample is clean
    # Writing the PDF to stdout, the notes go to stderr: a pipeline's user still hears of the skipped value.
    piped = invoke("fill", "-", "--form", str(blank_plain), "-o", "-", input=json.dumps(data))
    assert piped.exit_code == 0, piped.stderr
    assert piped.stdout_bytes.startswith(b"%PDF")
    assert "note: applicant.class_of_admission: not printed: Page 5, Part 2, Item 12" in piped.stderr


def test_batch_report_lines_carry_the_skip_notes(tmp_path: Path, blank_plain: Path) -> None:
    src = tmp_path / "client.json"
    src.write_text(json.dumps(changed("reentry-permit", _i94)))
    summary = formfill.batch([src], tmp_path / "out", form=blank_plain, jobs=1)
    assert summary.exit_code == 0
    [line] = [json.loads(x) for x in (tmp_path / "out" / "report.jsonl").read_text().splitlines()]
    assert line["ok"] is True
    assert any(n.startswith("applicant.i94_number: not printed: Page 5, Part 2, Item 13") for n in line["notes"])


def test_verification_fails_when_a_skipped_item_holds_a_value(tmp_path: Path, blank: Any) -> None:
    """A file that answers an item the form says to skip does not verify against the profile."""
    data = base("re-parole")
    filled = formfill.fill(data, form=blank).data
    writer = PdfWriter(clone_from=io.BytesIO(filled))
    for page in writer.pages:
        for annot in page.get("/Annots") or []:
            widget = annot.get_object()
            if widget.get("/T") == "P4_Line4_YesNo[1]" or (
                "/Parent" in widget and widget["/Parent"].get_object().get("/T") == "P4_Line4_YesNo[1]"
            ):
                target = widget if "/T" in widget else widget["/Parent"].get_object()
                target[NameObject("/V")] = NameObject("/N")
                widget[NameObject("/AS")] = NameObject("/N")
    out = io.BytesIO()
    writer.write(out)
    assert read_values(out.getvalue())[ITEM4_NO] == "/N"
    verification = formfill.verify(out.getvalue(), data)
    assert not verification.ok
    assert any("P4_Line4_YesNo[1]" in p.message for p in verification.problems)


# --- the skip rules are the form's own words ----------------------------------------------------------


def _squash(text: str) -> str:
    text = text.replace("\u201c", '"').replace("\u201d", '"').replace("\u2019", "'")
    return re.sub(r"\s+", " ", text).strip()


def test_every_skip_instruction_is_printed_on_its_page(blank_plain: Path) -> None:
    with pdfplumber.open(blank_plain) as pdf:
        # The Yes/No column headings sit beside a question's first line: read the question without them.
        pages = {n + 1: _squash(re.sub(r" Yes No\n", " ", p.extract_text() or "")) for n, p in enumerate(pdf.pages)}
    rules = fmap().skips
    assert len(rules) >= 20
    missing = [(r.id, piece) for r in rules for piece in r.instruction.split(" ... ")
               if _squash(piece) not in pages[r.instruction_page]]
    assert not missing


def test_skip_rules_cite_the_blanks_own_xfa_scripts(blank_encrypted: Path) -> None:
    reader = PdfReader(blank_encrypted)
    reader.decrypt("")
    xfa = reader.trailer["/Root"]["/AcroForm"]["/XFA"]
    template = next(xfa[i + 1].get_object().get_data() for i in range(0, len(xfa), 2) if xfa[i] == "template")
    cited = {r.xfa_script for r in fmap().skips if r.xfa_script}
    assert cited == {"P1011Control", "P2L16Scripts"}
    for script in cited:
        assert f'name="{script}"'.encode() in template
    # P1011Control protects item 12 unless a box of items 10/11 is chosen; P2L16Scripts items 17-27.
    assert b"P1_Line12_DateOfAdmission.access = \"protected\"" in template
    assert b"P7.P2_Line27_I94RecordNo" in template


# --- item labels are this edition's ------------------------------------------------------------------

_LABEL = re.compile(r"^(\d{1,2}\.(?:[a-z]\.)?|[A-M]\.|\(\d\))$")
_REFERENCE_WORDS = {"Part", "Number", "Numbers", "or", "and", "-"}
# Fields with no item number of their own on the page, and the item the map names instead.
_NO_PRINTED_NUMBER = {
    f"{_P}P1[0].G28_Attached[0]": "the attorney's G-28 box in the page header",
    # The language blank sits in the certification that item 6 (the interpreter's signature) signs;
    # the nearest number above it is item 5 (the email address), which it is not part of.
    f"{_P}#subform[11].P11_Language[0]": "6",
}


def _item_labels(page: Any) -> list[dict[str, Any]]:
    """Words that number an item ("12.", "2.a.", "A.", "(1)"), not references to one ("Item Number 5.")."""
    words = page.extract_words()
    out = []
    for w in words:
        if not _LABEL.match(w["text"]):
            continue
        before = [v for v in words if v is not w and abs(v["top"] - w["top"]) < 3 and 0 <= w["x0"] - v["x1"] < 12]
        if any(v["text"] in _REFERENCE_WORDS or _LABEL.match(v["text"]) for v in before):
            continue
        out.append(w)
    return out


def _part_headings(page: Any) -> list[tuple[float, str]]:
    lines = page.extract_text_lines()
    return [(ln["top"], m.group(1)) for ln in lines if (m := re.match(r"^Part (\d+)\. ", ln["text"]))]


def test_every_mapped_field_sits_under_the_item_number_the_map_gives(blank_plain: Path) -> None:
    """The audit's method: the printed item number nearest left/above each widget is the map's item."""
    reader = PdfReader(blank_plain)
    rects: dict[str, tuple[int, float, float, float]] = {}
    for number, page in enumerate(reader.pages, start=1):
        height = float(page.mediabox.height)
        for annot in page.get("/Annots") or []:
            widget = annot.get_object()
            names, node = [], widget
            while node is not None:
                if "/T" in node:
                    names.append(str(node["/T"]))
                node = node["/Parent"].get_object() if "/Parent" in node else None
            x0, y0, _, y1 = (float(v) for v in widget["/Rect"])
            rects[".".join(reversed(names))] = (number, x0, height - y1, height - y0)
    wrong: list[str] = []
    with pdfplumber.open(blank_plain) as pdf:
        labels = {n + 1: _item_labels(p) for n, p in enumerate(pdf.pages)}
        parts = {n + 1: _part_headings(p) for n, p in enumerate(pdf.pages)}
    checked = 0
    for e in fmap().entries:
        page, x0, top, bottom = rects[e.field]
        if page != e.page:
            wrong.append(f"{e.field}: on page {page}, the map says {e.page}")
            continue
        heading = [p for t, p in parts[page] if t <= top]
        if heading and heading[-1] != e.part:
            wrong.append(f"{e.field}: under Part {heading[-1]}, the map says Part {e.part}")
        if e.field in _NO_PRINTED_NUMBER:
            continue
        above = [w for w in labels[page] if w["top"] <= bottom - 2 and w["x0"] <= x0 + 2]
        if not above:
            wrong.append(f"{e.field}: no item number left of or above it; the map says {e.item}")
            continue
        lowest = max(w["top"] for w in above)
        label = max((w for w in above if w["top"] >= lowest - 2), key=lambda w: w["x0"])["text"]
        printed = label.strip("().").rstrip(".")
        # A full item number ("12.", "2.a.") is the map's item; a sub-item ("A." of item 5, "(1)" of 6.B) ends it.
        full = re.match(r"^\d+\.", label) is not None
        if (e.item if full else e.item.split(".")[-1]) != printed:
            wrong.append(f"{e.field}: printed under {label!r}, the map says item {e.item}")
        checked += 1
    assert not wrong, "\n".join(wrong)
    assert checked >= 290
    language = next(e for e in fmap().entries if e.field.endswith("P11_Language[0]"))
    assert language.item == _NO_PRINTED_NUMBER[language.field]


def test_filing_after_departure_must_answer_part_6_item_6a() -> None:
    """Part 6: "If you answered "No" to Item Number 5., you must answer Item Numbers 6.a. - 6.c."."""
    after = changed("refugee-travel-document", lambda d: d["refugee"].update(filing_before_departure=False))
    assert after["refugee"].get("currently_outside_us") is None
    assert "you must answer Item Numbers 6.a. - 6.c." in problems_of(after)["refugee.currently_outside_us"]
    answered = copy.deepcopy(after)
    answered["refugee"].update(currently_outside_us=False)
    parse_profile(answered)
    parse_profile(base("refugee-travel-document"))  # filing before departure: 6.a-6.c are skipped
