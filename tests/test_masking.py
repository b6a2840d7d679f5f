"""formfill.masking: SSNs and A-Numbers are found by content, in every spelling, and masked everywhere formfill
writes text the user did not ask to see them in (issue 17, "identifiers outside their fields").

The first half tests the masker on small synthetic strings (what must be masked, what must never be touched);
the second builds hostile inputs (a filled PDF whose Part 13 quotes identifiers, a profile whose purpose spells
them with en dashes and slashes, a file named by an SSN) and reads every output for the digits.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from click.testing import Result
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject, TextStringObject

from formfill import api
from formfill.errors import InputError, Problem, ProfileError
from formfill.forms import open_blank
from formfill.masking import (
    SEPARATORS,
    hidden,
    is_sensitive,
    known_identifiers,
    mask_text,
    mask_tree,
    mask_value,
    masked_name,
    scrub_numbers,
    shown,
    spans,
)
from formfill.pdf.blank import BlankForm
from formfill.pdf.printed import flatten
from formfill.review import review
from tests.helpers import invoke, load_sample

# --- the masker on synthetic strings -------------------------------------------------------------

MUST_MASK = [
    # SSNs: 3-2-4 with every separator people use, mixed, or none
    ("531-72-9846", "***-**-9846"),
    ("531 72 9846", "*** ** 9846"),
    ("531.72.9846", "***.**.9846"),
    ("531/72/9846", "***/**/9846"),
    ("531\\72\\9846", "***\\**\\9846"),
    ("531_72_9846", "***_**_9846"),
    ("531–72–9846", "***–**–9846"),  # en dash
    ("531—72—9846", "***—**—9846"),  # em dash
    ("531‑72‐9846", "***‑**‐9846"),  # non-breaking hyphen, hyphen
    ("531−72−9846", "***−**−9846"),  # minus sign
    ("531－72－9846", "***－**－9846"),  # fullwidth hyphen-minus
    ("531\u00a072\u00a09846", "***\u00a0**\u00a09846"),  # no-break spaces
    ("531\u200b72\u200b9846", "***\u200b**\u200b9846"),  # zero-width spaces: invisible, still an SSN
    ("531 - 72 - 9846", "*** - ** - 9846"),
    ("531-72/9846", "***-**/9846"),
    ("531-72-\n9846", "***-**-\n9846"),  # wrapped across lines
    ("531729846", "*****9846"),
    ("SSN531729846", "SSN*****9846"),
    ("SSN: 531-72-9846.", "SSN: ***-**-9846."),
    ("born 1990 531-72-9846", "born 1990 ***-**-9846"),
    ("5 3 1 7 2 9 8 4 6", "* * * * * 9 8 4 6"),  # a comb box read back by pdfium
    # A-Numbers: 3-3-3 or nine digits without a prefix; 7 to 9 digits in any grouping after one
    ("208-417-593", "***-**7-593"),
    ("208 417 593", "*** **7 593"),
    ("A208417593", "A*****7593"),
    ("A-208-417-593", "A-***-**7-593"),
    ("A-208417593", "A-*****7593"),
    ("A#208417593", "A#*****7593"),
    ("A# 208-417-593", "A# ***-**7-593"),
    ("A 208 417 593", "A *** **7 593"),
    ("A–208–417–593", "A–***–**7–593"),
    ("A12345678", "A****5678"),
    ("A1234567", "A***4567"),
    ("A-12-345-678", "A-**-**5-678"),
    ("a#1234567", "a#***4567"),
    ("A-Number: 12345678", "A-Number: ****5678"),
    ("A-Number A-208-417-593", "A-Number A-***-**7-593"),
    ("A No. 1234567", "A No. ***4567"),
    ("Alien Registration Number 1234567", "Alien Registration Number ***4567"),
    ("alien no. 1234567", "alien no. ***4567"),
    ("client_531_72_9846.json", "client_***_**_9846.json"),
    ("I also used SSN 531-72-9846 and A-Number A-208-417-593 before.",
     "I also used SSN ***-**-9846 and A-Number A-***-**7-593 before."),
]

MUST_NOT_MASK = [
    "12/03/2026", "2026-12-03", "03.12.2026", "20261203", "12/03/2026 - 01/05/2027", "mm/dd/yyyy",
    "94110", "94110-1234", "CA 94110 2250 Mission St",
    "2135550148", "213-555-0148", "(213) 555-0148", "+1 213 555 0148", "213.555.0148", "1 2 1 3 5 5 5 0 1 4 8",
    "IOE0912345678", "IOE-091-234-5678", "EAC 09 123 45678",
    "12345678901", "123456789A1",  # I-94 numbers: 11 characters
    "123456789012", "1234-5678-9012", "0 0 0 1 2 3 4 5 6 7 8 9",  # USCIS online account: 12 digits
    "C03005988", "XA1234567",  # passport numbers that are not 9 digits nor A + 7-9 digits
    "0.123456789", "123456789.5", "208,417,593", "$1,234,567", "http://192.168.100.123:8080/i-131.pdf",
    "A 123456", "A12345", "A1234567890", "USA 1234567", "Form I-131A 1234567", "a 1234567 fee",
    "Page 14, Part 13, Item 3", "1234 Main St", "12:30", "version 1.2.3", "",
]


@pytest.mark.parametrize(("text", "masked"), MUST_MASK)
def test_every_spelling_of_an_identifier_is_masked_to_its_last_4_digits(text: str, masked: str) -> None:
    assert mask_text(text) == masked
    assert mask_text(masked) == masked  # masking twice changes nothing


@pytest.mark.parametrize("text", MUST_NOT_MASK)
def test_dates_zips_phones_receipts_and_other_numbers_are_never_touched(text: str) -> None:
    assert mask_text(text) == text
    assert spans(text) == []


def test_each_identifier_in_a_text_keeps_only_its_own_last_4() -> None:
    text = "SSN 531-72-9846, A-Number A-208-417-593, phone 213-555-0148, born 03/14/1990"
    assert mask_text(text) == "SSN ***-**-9846, A-Number A-***-**7-593, phone 213-555-0148, born 03/14/1990"
    assert [text[a:b] for a, b in spans(text)] == ["531-72-9846", "208-417-593"]
    assert [text[i] for i in hidden(text)] == list("5317220841")


def test_comb_boxes_read_back_line_by_line_mask_only_the_nine_digit_ones() -> None:
    page = "United States 0 0 0 1 2 3 4 5 6 7 8 9\r\n0 9 8 7 6 5 4 3 2\r\n07/04/2001 3 2 1 5 4 0 9 8 7\r\nMexico"
    assert mask_text(page) == (
        "United States 0 0 0 1 2 3 4 5 6 7 8 9\r\n* * * * * 5 4 3 2\r\n07/04/2001 * * * * * 0 9 8 7\r\nMexico")


def test_known_identifiers_are_masked_in_any_grouping() -> None:
    known = known_identifiers({"applicant": {"ssn": "531729846", "a_number": "012345678", "name": "X"}})
    assert known == ("012345678", "531729846", "12345678")
    assert mask_text("5317-29846 and 53172 9846", known) == "****-*9846 and ***** 9846"
    assert mask_text("5 3 1 7 2 9 8 4 6", known) == "* * * * * 9 8 4 6"
    assert mask_text("ref 1234-5678", known) == "ref ****-5678"  # the 8-digit A-Number as written
    assert mask_text("5317-29846") == "5317-29846"  # not an identifier's shape, and not known
    assert mask_text("95317298461", known) == "95317298461"  # inside a longer number: another number


def test_known_identifiers_follow_sensitive_keys_at_any_depth() -> None:
    data = {"applicant": {"ssn": {"number": "456-55-0199"}, "a_number": None},
            "beneficiary": {"a_number": "A-234-567-890"}, "contact": {"daytime_phone": "2135550148"},
            "history": [{"a_number": 98765432}]}
    assert set(known_identifiers(data)) == {"456550199", "234567890", "98765432"}


def test_mask_tree_masks_every_string_and_key_and_leaves_other_values() -> None:
    doc = {"input": "client_531-72-9846.json", "531729846": [1, 2.5, None, True, "A-208-417-593"], "n": 531729846}
    assert mask_tree(doc) == {"input": "client_***-**-9846.json", "*****9846": [1, 2.5, None, True, "A-***-**7-593"],
                              "n": 531729846}


def test_masked_names_never_carry_an_identifier() -> None:
    assert masked_name("client_531_72_9846") == "client_xxx_xx_9846"
    assert masked_name("client 531–72–9846") == "client_xxx_xx_9846"
    assert masked_name("A-208-417-593 renewal") == "A-xxx-xx7-593_renewal"
    assert masked_name("531,72,9846") == "xxx_xx_9846"  # a comma is no separator, but it becomes one here
    assert masked_name("client-5317-29846", ("531729846",)) == "client-xxxx-x9846"
    assert masked_name("matter-2026-0412") == "matter-2026-0412"
    assert masked_name("../../etc/passwd") == "etc_passwd"
    assert masked_name("") == "profile"


def test_text_formfill_did_not_compose_loses_every_long_number() -> None:
    bug = "KeyError: '2135550148' at 531–72–9846 and 12/03/2026, item 42"
    assert scrub_numbers(bug) == "KeyError: '[redacted]' at [redacted] and [redacted], item 42"


def test_paths_and_values_by_key_as_before() -> None:
    assert is_sensitive("applicant.ssn") and is_sensitive("beneficiary.a_number") and not is_sensitive("ssn_note")
    assert shown("applicant.ssn", "531729846") == "'[redacted]'"
    assert shown("travel.purpose", "old SSN 531/72/9846") == "'old SSN ***/**/9846'"
    assert shown("contact.daytime_phone", "2135550148") == "'2135550148'"
    assert mask_value("applicant.ssn", "123456789") == "*****6789"
    assert mask_value("applicant.ssn.number", "456-55-0199") == "*******0199"
    assert mask_value("travel.purpose", "see 531–72–9846") == "see ***–**–9846"
    assert mask_value("travel.countries", ["Mexico", "A-208-417-593"]) == ["Mexico", "A-***-**7-593"]
    assert mask_value("travel.purpose", "see 531–72–9846", show=True) == "see 531–72–9846"


def test_problems_and_errors_are_masked_when_made_and_when_changed() -> None:
    problem = Problem("applicant.531729846", "quotes 'A-208-417-593'")
    assert str(problem) == "applicant.*****9846: quotes 'A-***-**7-593'"
    err = ProfileError("client_531_72_9846.json: invalid", [problem])
    assert "531_72" not in str(err) and err.message == "client_***_**_9846.json: invalid"
    err.message = f"531/72/9846.json: {err.message}"  # as loading prefixes the file's name
    assert err.message.startswith("***/**/9846.json: ") and "531" not in str(err)
    assert "531" not in str(InputError("531–72–9846.json: no such file"))


DIGITS = st.text(alphabet="0123456789", min_size=9, max_size=9).filter(lambda d: d[:3] != "000")
SEPS = st.text(alphabet=SEPARATORS + " \t\u2009", min_size=1, max_size=3)
WORDS = st.text(alphabet="abcdefghij XYZ,;:()", max_size=12)


@settings(max_examples=300, deadline=None)
@given(DIGITS, SEPS, SEPS, WORDS, WORDS, st.booleans())
def test_an_ssn_or_a_number_never_survives_whatever_surrounds_it(digits: str, sep1: str, sep2: str, before: str,
                                                                  after: str, a_number: bool) -> None:
    if a_number:
        written = f"A{sep1}{digits[:3]}{sep2}{digits[3:6]}{sep1}{digits[6:]}"
    else:
        written = f"{digits[:3]}{sep1}{digits[3:5]}{sep2}{digits[5:]}"
    masked = mask_text(f"{before} {written} {after}")
    assert re.sub(r"\D", "", masked).count(digits[:5]) == re.sub(r"\D", "", f"{before}{after}").count(digits[:5])
    assert digits[-4:] in re.sub(r"\D", "", masked)


# --- hostile inputs, end to end ------------------------------------------------------------------

SSN, A_NUMBER = "531-72-9846", "A-208-417-593"
PART13_TEXT = f"I also used SSN {SSN} and A-Number {A_NUMBER} before that trip."
# Every way the digits could leak: whole, grouped, or the first five of either.
LEAKS = ("531729846", "531-72-9846", "531–72–9846", "531/72/9846", "531_72_9846", "53172", "531-72", "531–72",
         "531/72", "531_72", "208417593", "208-417-593", "20841", "208-417", "208–417")


def assert_no_identifier(*texts: str) -> None:
    for text in texts:
        for leak in LEAKS:
            assert leak not in text, (leak, text[max(0, text.find(leak) - 200):text.find(leak) + 100])


def run(*args: str) -> Result:
    return invoke(*args)


def with_values(pdf: bytes, values: dict[str, str]) -> bytes:
    """A filled form with some fields' /V changed, as a person typing into a viewer leaves it."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    done = set()
    for page in writer.pages:
        for annot in page.get("/Annots", []):
            obj = annot.get_object()
            field = obj if "/T" in obj else obj.get("/Parent", obj).get_object()
            name = str(field.get("/T", ""))
            if name in values:
                field[NameObject("/V")] = TextStringObject(values[name])
                done.add(name)
    assert done == set(values), set(values) - done
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


@pytest.fixture(scope="module")
def blank(blank_plain: Path) -> BlankForm:
    return open_blank(blank_plain)


@pytest.fixture(scope="module")
def hostile_pdf(blank: BlankForm, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A filled I-131 whose Part 13 holds text (an SSN and an A-Number) that continues no answer."""
    filled = api.fill(load_sample(), form=blank).data
    pdf = tmp_path_factory.mktemp("hostile") / "last-year.pdf"
    pdf.write_bytes(with_values(filled, {"Part13_Line7_PageNumber[0]": "1", "Part13_Line7_PartNumber[0]": "1",
                                         "Part13_Line7_ItemNumber[0]": "9",
                                         "Part13_Line7_AdditionalInfo[0]": PART13_TEXT}))
    return pdf


@pytest.mark.slow
def test_extract_never_quotes_an_identifier_from_part13_text(hostile_pdf: Path, tmp_path: Path) -> None:
    from formfill.extract import extract

    unread = [p for p in extract(hostile_pdf).problems if "continues no answer" in p.message]
    assert len(unread) == 1 and "SSN ***-**-9846 and A-Number A-***-**7-593" in unread[0].message
    text = run("extract", str(hostile_pdf), "-o", str(tmp_path / "renewal.json"))
    as_json = run("extract", str(hostile_pdf), "--json")
    assert text.exit_code == as_json.exit_code == 1
    assert "continues no answer formfill reads: 'I also used SSN ***-**-9846" in text.output
    assert_no_identifier(text.output, json.dumps([p for p in json.loads(as_json.stdout)["problems"]]))
    assert any("continues no answer" in p["message"] for p in json.loads(as_json.stdout)["problems"])


def test_diff_masks_part13_text_and_free_text_answers_unless_show_pii(hostile_pdf: Path, tmp_path: Path) -> None:
    data = load_sample()
    data["travel"]["purpose"] = "Visit my mother; my old SSN 531–72–9846, written 531/72/9846 too."
    profile = tmp_path / "client_531_72_9846.json"
    profile.write_text(json.dumps(data))
    text = run("diff", str(hostile_pdf), str(profile))
    as_json = run("diff", str(hostile_pdf), str(profile), "--json")
    assert text.exit_code == as_json.exit_code == 1
    assert "~ travel.purpose: " in text.output and "my old SSN ***–**–9846, written ***/**/9846 too." in text.output
    assert "client_***_**_9846.json" in text.output
    doc = json.loads(as_json.stdout)
    assert any("continues no answer" in p["message"] for p in doc["a"]["problems"])
    assert_no_identifier(text.output, as_json.output)

    shown_text = run("diff", str(hostile_pdf), str(profile), "--show-pii")
    shown_json = json.loads(run("diff", str(hostile_pdf), str(profile), "--show-pii", "--json").stdout)
    assert "531–72–9846, written 531/72/9846" in shown_text.output and str(profile) in shown_text.output
    purpose = next(c for c in shown_json["changes"] if c["path"] == "travel.purpose")
    assert purpose["new"] == data["travel"]["purpose"]


def page_text(page: pdfium.PdfPage) -> tuple[str, pdfium.PdfTextPage]:
    textpage = page.get_textpage()
    return "".join((textpage.get_text_range(i, 1) or " ")[:1] for i in range(textpage.count_chars())), textpage


@pytest.mark.slow
def test_review_redact_masks_every_spelling_in_text_json_images_and_names(blank: BlankForm, tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    data = load_sample()
    data["applicant"]["ssn"] = SSN
    data["travel"]["purpose"] = "Visit my mother. SSN 531–72–9846 or 531/72/9846; her A-Number A#208/417/593."
    profile = tmp_path / "client_531_72_9846.json"
    profile.write_text(json.dumps(data))
    monkeypatch.chdir(tmp_path)
    redacted = run("review", str(profile), "--form", blank.source, "--redact")
    plain = run("review", str(profile), "--form", blank.source)
    assert redacted.exit_code == 0, redacted.output
    assert plain.exit_code == 2 and "already exists" in plain.output  # same masked default name, not replaced
    [page_file] = list(tmp_path.glob("*.review.html"))
    assert page_file.name == "client_xxx_xx_9846.review.html"
    html = page_file.read_text()
    assert "Profile: " + str(tmp_path / "client_***_**_9846.json") in html
    assert "SSN ***–**–9846 or ***/**/9846; her A-Number A#***/**7/593." in html
    text_only = re.sub(r"data:image/[a-z]+;base64,[^\"]+", "", html)
    as_json = run("review", str(profile), "--form", blank.source, "--redact", "--json")
    doc = json.loads(as_json.stdout)
    assert doc["redacted"] is True
    assert_no_identifier(redacted.output, plain.output, text_only, as_json.output, page_file.name)

    # The page images: every spelling's digits but the last 4 are under a bar (bars padded by a point).
    bars = [(bar["page"], bar["rect"]) for bar in doc["redactions"]]
    pdf = pdfium.PdfDocument(flatten(api.fill(str(profile), form=blank).data))
    covered: set[str] = set()
    for number in range(len(pdf)):
        text, textpage = page_text(pdf[number])
        for spelling in ("531–72–9846", "531/72/9846", "208/417/593", "5 3 1 7 2 9 8 4 6"):
            for m in re.finditer(re.escape(spelling), text):
                for i in [i for i in range(m.start(), m.end()) if text[i].isdigit()][:-4]:
                    x0, y0, x1, y1 = textpage.get_charbox(i)
                    assert any(p == number + 1 and r[0] <= x0 and r[1] <= y0 and x1 <= r[2] and y1 <= r[3]
                               for p, r in bars), (spelling, number + 1, i)
                covered.add(spelling)
    assert len(covered) == 4  # the comb box, and each spelling in the purpose

    # A plain review shows them as printed, as asked; only its default name is masked.
    plain_result = review(str(profile), form=blank)
    assert "531–72–9846" in plain_result.to_html() and "Profile: " + str(profile) in plain_result.to_html()


def test_file_names_formfill_derives_never_carry_an_identifier(blank: BlankForm, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    clients = tmp_path / "clients"
    clients.mkdir()
    data = load_sample()
    data.pop("id")
    (clients / "client_531_72_9846.json").write_text(json.dumps(data))
    (clients / "A-208-417-593.json").write_text(json.dumps({**data, "applicant": {**data["applicant"],
                                                                                  "ssn": "531-72-9847"}}))
    (clients / "bad_531–72–9846.json").write_text("{not json")
    monkeypatch.chdir(tmp_path)
    filled = run("fill", str(clients / "client_531_72_9846.json"), "--form", blank.source)
    assert filled.exit_code == 0, filled.output
    assert (tmp_path / "client_xxx_xx_9846.i-131.pdf").is_file()
    batch = run("batch", str(clients), "-o", str(tmp_path / "out"), "--form", blank.source, "--jobs", "1")
    batch_json = run("batch", str(clients), "-o", str(tmp_path / "out2"), "--form", blank.source, "--jobs", "1",
                     "--json")
    assert batch.exit_code == batch_json.exit_code == 1  # the broken one fails, named and masked
    assert sorted(p.name for p in (tmp_path / "out").glob("*.pdf")) == [
        "A-xxx-xx7-593.i-131.pdf", "client_xxx_xx_9846.i-131.pdf"]
    report = (tmp_path / "out" / "report.jsonl").read_text()
    assert "bad_***–**–9846.json" in report and "client_***_**_9846.json" in report
    validate = run("validate", str(clients / "bad_531–72–9846.json"), str(clients / "missing_531729846.json"))
    check = run("check", str(clients / "bad_531–72–9846.json"), "--json")
    usage = run("check", str(clients / "client_531_72_9846.json"), "--attachments-root", str(tmp_path / "531729846"))
    assert validate.exit_code == check.exit_code == usage.exit_code == 2
    assert "missing_*****9846.json" in validate.output and "*****9846" in usage.output
    written = [p.name for p in tmp_path.rglob("*") if clients not in p.parents]
    everything = [filled.output, batch.output, batch_json.output, report, validate.output, check.output, usage.output,
                  *written]
    assert_no_identifier(*everything)
