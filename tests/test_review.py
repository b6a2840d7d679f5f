"""`formfill review`: the page images and outlines come from the real fill, and a real browser renders them."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import html
import io
import json
import re
import subprocess
from pathlib import Path

import pdfplumber
import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageChops
from pypdf import PdfReader

import formfill
from formfill import api
from formfill.forms import open_blank
from formfill.masking import known_identifiers
from formfill.pdf.blank import BlankForm
from formfill.pdf.printed import flatten
from formfill.review import DPI, PAINT, Review, default_output, review, skipped_items
from tests.helpers import SAMPLES, long_profile, require_tool, sample_names, write_photo
from tests.helpers import invoke as run
from tests.helpers import load_sample as sample_data

SAMPLE_NAMES = sample_names()
SSN_BOX = "form1[0].P5[0].#area[1].Part2_Line10_SSN[0]"
A_NUMBER_BOXES = ("form1[0].P5[0].#area[0].Part2_Line5_AlienNumber[0]",
                  "form1[0].#subform[13].Global_ANumber[0].Part2_Line5_AlienNumber[0]")


@pytest.fixture(scope="module")
def blank(blank_plain: Path) -> BlankForm:
    return open_blank(blank_plain)


def page_images(page_html: str) -> list[Image.Image]:
    """The page images embedded in the HTML, decoded (in page order)."""
    found = re.findall(r'alt="page (\d+) of the filled form"[^>]*src="data:image/png;base64,([^"]+)"', page_html)
    assert [int(n) for n, _ in found] == list(range(1, len(found) + 1))
    return [Image.open(io.BytesIO(base64.b64decode(data))).convert("L") for _, data in found]


def pixel_box(image: Image.Image, rect: tuple[float, float, float, float], inset: int = 2) -> tuple[int, ...]:
    scale = DPI / 72
    x0, y0, x1, y1 = rect
    h = image.height / scale
    return (int(x0 * scale) + inset, int((h - y1) * scale) + inset, int(x1 * scale) - inset,
            int((h - y0) * scale) - inset)


def ink(image: Image.Image, box: tuple[int, ...]) -> int:
    return sum(image.crop(box).histogram()[:128])


def differing(a: Image.Image, b: Image.Image, threshold: int = 64) -> int:
    """Pixels whose grey levels differ by more than `threshold`."""
    return sum(ImageChops.difference(a, b).histogram()[threshold + 1:])


def blank_pages(blank: BlankForm) -> list[Image.Image]:
    """The blank's pages drawn the way the review draws the filled ones (widgets flattened by pdfium)."""
    pdf = pdfium.PdfDocument(flatten(blank.data))
    try:
        return [pdf[i].render(scale=DPI / 72, grayscale=True).to_pil().convert("L") for i in range(len(pdf))]
    finally:
        pdf.close()


def overlays(page_html: str) -> dict[int, tuple[int, tuple[float, ...]]]:
    """Box number -> (page, left/top/width/height in %) from the outlines drawn over the page images."""
    out: dict[int, tuple[int, tuple[float, ...]]] = {}
    for section in re.finditer(r'<section class="page" id="p(\d+)">(.*?)</section>', page_html, re.S):
        for m in re.finditer(r'<a class="box[^"]*" id="b(\d+)" href="#r\1" style="left:([\d.]+)%;top:([\d.]+)%;'
                             r'width:([\d.]+)%;height:([\d.]+)%"', section.group(2)):
            out[int(m.group(1))] = (int(section.group(1)), tuple(float(v) for v in m.groups()[1:]))
    return out


def rows(page_html: str) -> dict[int, list[str]]:
    """Box number -> the cells of its table row, as text."""
    out: dict[int, list[str]] = {}
    for m in re.finditer(r'<tr id="r(\d+)">(.*?)</tr>', page_html, re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", m.group(2), re.S)
        out[int(m.group(1))] = [html.unescape(re.sub(r"<[^>]+>", "", c.split("<br>")[0])) for c in cells]
    return out


# --- the outlines are the fill's own boxes -------------------------------------------------------


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_every_outline_is_a_field_the_fill_wrote_and_matches_its_row(name: str, blank: BlankForm) -> None:
    profile = api.load_profile(SAMPLES / f"{name}.json")
    fmap, plan = api.prepare(profile.profile, blank)
    placed = {p.assignment.field: p for p in plan.placed}
    r = review(profile, form=blank)
    # "Not answered" never lists an item the form tells this applicant to skip, nor one the fill answered.
    unanswered = {(t.page, t.part, t.item) for t in r.todos if t.kind == "unanswered"}
    skipped = {(page, part, item) for page, part, item, _ in skipped_items(fmap, profile.profile.model_dump())}
    answered = {(p.assignment.entry.page, p.assignment.entry.part, p.assignment.entry.item) for p in plan.placed}
    assert not unanswered & skipped and not unanswered & answered
    page_html = r.to_html()
    drawn, table = overlays(page_html), rows(page_html)

    fields = [b for b in r.boxes if b.kind != "sheet"]
    assert sorted(b.field for b in fields if b.field) == sorted(placed), "every written field, and only those"
    assert [b.number for b in r.boxes] == list(range(1, len(r.boxes) + 1))
    assert sorted(drawn) == sorted(table) == [b.number for b in r.boxes]
    for b in fields:
        assert b.field is not None
        info, p = blank.fields[b.field], placed[b.field]
        page, (left, top, width, height) = drawn[b.number]
        x0, y0, x1, y1 = info.rect
        assert page == info.page == b.page
        assert (left, top) == pytest.approx((x0 / 612 * 100, (792 - y1) / 792 * 100), abs=0.002)
        assert (width, height) == pytest.approx(((x1 - x0) / 612 * 100, (y1 - y0) / 792 * 100), abs=0.002)
        number, part, item, _question, answer, source = table[b.number]
        assert (number, part, item, source) == (str(b.number), p.assignment.entry.part, p.assignment.entry.item,
                                                p.assignment.entry.source)
        expected = "[X] checked" if p.assignment.kind == "check" else "\n".join(p.layout.lines)
        assert answer == expected
    # The question is the form's own tooltip for the box.
    first_name = next(b for b in fields if b.source == "applicant.name.family" and b.page == 4)
    assert "Family Name" in table[first_name.number][3]


def test_page_images_are_the_filled_pages(blank: BlankForm) -> None:
    """Ink inside every outlined box that the blank's own page does not have: the image is the fill's output."""
    r = review(SAMPLES / "advance-parole-i485.json", form=blank)
    images = page_images(r.to_html())
    assert len(images) == 14 == len(r.pages)
    empty = blank_pages(blank)
    for b in r.boxes:
        box = pixel_box(images[b.page - 1], b.rect, inset=1)
        shown = differing(images[b.page - 1].crop(box), empty[b.page - 1].crop(box))
        assert shown > 8, f"box {b.number} ({b.source}) shows nothing the blank does not"
    # And nothing but the fill: outside the written boxes, page 1 is the blank's page 1.
    page1 = images[0].copy()
    for b in r.boxes:
        if b.page == 1:
            box = pixel_box(page1, b.rect, inset=-3)
            page1.paste(empty[0].crop(box), box[:2])
    assert differing(page1, empty[0], 40) < 0.001 * page1.width * page1.height


# --- Part 13 and continuation sheets -------------------------------------------------------------


@pytest.mark.slow
def test_overflow_links_boxes_to_part13_and_the_sheet_and_back(blank: BlankForm) -> None:
    data = long_profile(sample_data("advance-parole-i485"))
    r = review(data, form=blank)
    assert [p.kind for p in r.pages] == ["form"] * 14 + ["continuation_sheet"]
    by_source = {b.source: b for b in r.boxes if b.page < 14}
    purpose = by_source["travel.purpose"]
    rest = [b for b in r.boxes if b.number in purpose.continues_in]
    assert rest and all(b.kind == "sheet" and b.page == 15 for b in rest)
    assert all(purpose.number in b.continued_from for b in rest)
    disposition = by_source["processing.previous_advance_parole.disposition"]
    block = [b for b in r.boxes if b.number in disposition.continues_in]
    assert [(b.page, b.part, b.item) for b in block] == [(14, "13", "text")]
    labels = [b for b in r.boxes if b.page == 14 and b.continued_from == [disposition.number]]
    assert sorted(b.answer for b in labels if b.item != "text") == ["3.c", "4", "7"]  # item, part, page of Part 13

    page_html = r.to_html()
    row = re.search(rf'<tr id="r{purpose.number}">(.*?)</tr>', page_html, re.S)
    assert row and f'continues in <a href="#b{rest[0].number}">' in row.group(1)
    back = re.search(rf'<tr id="r{rest[0].number}">(.*?)</tr>', page_html, re.S)
    assert back and f'continued from <a href="#b{purpose.number}">' in back.group(1)
    assert {x.source for x in r.cross_references} >= {"travel.purpose", "travel.countries",
                                                       "applicant.other_names[3]", "applicant.other_names[4]"}

    # The sheet outline is where the writer printed that entry: its first line is the entry's header.
    filled = formfill.fill(data, form=blank).data
    with pdfplumber.open(io.BytesIO(filled)) as pdf:
        sheet = pdf.pages[14]
        for b in rest:
            x0, y0, x1, y1 = b.rect
            text = sheet.crop((x0, 792 - y1, x1, 792 - y0)).extract_text() or ""
            assert text.splitlines()[0].split() == b.answer.splitlines()[0].split()
            assert text.split() == b.answer.split()
    todo = [t for t in r.todos if t.kind == "sign_sheet"]
    assert [t.page for t in todo] == [15]
    # The sheet's header carries the A-Number: --redact paints it there too.
    assert 15 in {page for page, _ in review(data, form=blank, redact=True).redactions}


# --- what still needs a human --------------------------------------------------------------------


def test_interpreter_and_preparer_add_their_signature_boxes(blank: BlankForm) -> None:
    both = review(SAMPLES / "re-parole.json", form=blank)
    sign = [(t.source, t.page, t.part, t.item) for t in both.todos if t.kind == "sign"]
    assert sign == [("applicant", 11, "10", "4"), ("interpreter", 12, "11", "6"), ("preparer", 13, "12", "6")]
    assert both.to_html().count('<div class="sig"') == 3
    data = sample_data("re-parole")
    data["interpreter"] = data["preparer"] = None
    alone = review(data, form=blank)
    assert [t.source for t in alone.todos if t.kind == "sign"] == ["applicant"]
    # Nothing is written in a signature box: its outline is a to-do, not a numbered answer.
    sig_fields = {f for f in blank.fields if "Sig" in f and "Date" not in f}
    assert not sig_fields & {b.field for b in both.boxes}


def test_unanswered_items_and_notes(blank: BlankForm) -> None:
    data = sample_data("advance-parole-i485")
    data["applicant"]["ssn"] = None
    data["applicant"]["name"]["given"] = "José"
    r = review(data, form=blank)
    unanswered = {(t.page, t.part, t.item) for t in r.todos if t.kind == "unanswered"}
    assert (5, "2", "10") in unanswered  # the SSN box, asked of everyone, left empty
    assert (5, "2", "9") not in unanswered  # date of birth answered
    assert not {k for k in unanswered if k[1] == "11"}  # no interpreter: Part 11 is not asked
    notes = [t.message for t in r.todos if t.kind == "note"]
    assert any("JOSE" in n or "Jose" in n for n in notes)
    skipped = [t.message for t in r.todos if t.kind == "skipped"]
    assert any(m.startswith("Pages 6-7, Part 2, Items 16-27: skipped") for m in skipped)  # not for someone else
    assert any(m.startswith("Page 9, Part 5, Item 1: skipped") for m in skipped)  # reentry permits only
    assert not {k for k in unanswered if k[1] in ("5", "6", "8", "9")}  # skipped parts are not "unanswered"


# --- PII -----------------------------------------------------------------------------------------


def test_redact_masks_identifiers_in_text_and_on_the_page_images(blank: BlankForm) -> None:
    data = sample_data("advance-parole-i485")
    ssn, a_number = "123456780", "987654321"
    data["applicant"]["ssn"], data["applicant"]["a_number"] = ssn, a_number
    data["id"] = f"matter-{a_number}"
    plain = review(data, form=blank)
    masked = review(data, form=blank, redact=True)
    plain_html, masked_html = plain.to_html(), masked.to_html()
    assert ssn in plain_html and a_number in plain_html  # the reviewer checks them as printed
    text = re.sub(r"data:image/[a-z]+;base64,[^\"]+", "", masked_html)
    as_json = json.dumps(masked.to_dict())
    for value in (ssn, a_number):
        assert value not in text and value not in as_json
        assert f"*****{value[-4:]}" in text
    assert "Contains personal data" in masked_html and "Contains personal data" in plain_html
    assert a_number not in re.search(r"<title>(.*?)</title>", masked_html, re.S).group(1)  # type: ignore[union-attr]

    # The images: every digit but the last 4 is painted over with one flat bar, where the unmasked image has ink.
    painted, original = page_images(masked_html), page_images(plain_html)
    hit: set[str] = set()
    for page, rect in masked.redactions:
        box = pixel_box(painted[page - 1], rect, inset=1)
        levels = painted[page - 1].crop(box).histogram()
        assert levels[PAINT] == sum(levels) > 0
        assert ink(original[page - 1], box) > 0
        for name in (SSN_BOX, *A_NUMBER_BOXES):
            info = blank.fields[name]
            if info.page == page and rect[0] >= info.rect[0] - 2 and rect[2] <= info.rect[2] + 2 \
                    and rect[1] >= info.rect[1] - 2 and rect[3] <= info.rect[3] + 2:
                hit.add(name)
    assert hit == {SSN_BOX, *A_NUMBER_BOXES}
    # The last 4 digits stay readable: the right end of the SSN box still differs from the bar.
    ssn_bars = [r for p, r in masked.redactions if p == 5 and r[0] >= blank.fields[SSN_BOX].rect[0] - 2
                and r[2] <= blank.fields[SSN_BOX].rect[2] + 2]
    assert max(r[2] for r in ssn_bars) < blank.fields[SSN_BOX].rect[2] - 20
    # Outside the bars, the images are the same.
    outside = painted[4].copy()
    for page, rect in masked.redactions:
        if page == 5:
            outside.paste(original[4].crop(pixel_box(original[4], rect, inset=-2)),
                          pixel_box(original[4], rect, inset=-2)[:2])
    assert outside.tobytes() == original[4].tobytes()


def test_default_output_name_never_carries_an_identifier() -> None:
    patterns = known_identifiers({"applicant": {"ssn": "123456780", "a_number": "987654321"}})
    name = default_output("clients/A987654321-123-45-6780.json", None, patterns).name
    assert name.endswith(".review.html")
    assert not re.search(r"\d{5}", name.replace("-", "")), name
    assert default_output("client.json", "x", patterns).name == "client.review.html"


# --- the CLI -------------------------------------------------------------------------------------


def test_cli_writes_once_then_refuses_to_overwrite(tmp_path: Path, blank_plain: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("review", str(SAMPLES / "re-parole.json"), "--form", str(blank_plain))
    assert result.exit_code == 0, result.output
    out = tmp_path / "re-parole.review.html"
    assert out.is_file() and "3 signature(s)" in result.output
    before = out.read_bytes()
    again = run("review", str(SAMPLES / "re-parole.json"), "--form", str(blank_plain))
    assert again.exit_code == 2 and "--overwrite" in again.output
    assert out.read_bytes() == before
    assert run("review", str(SAMPLES / "re-parole.json"), "--form", str(blank_plain), "--overwrite").exit_code == 0
    assert not list(tmp_path.glob(".*.part"))


@pytest.mark.slow
def test_cli_reviews_a_filled_pdf_only_if_it_verifies(tmp_path: Path, blank_plain: Path) -> None:
    pdf = tmp_path / "filled.pdf"
    formfill.fill(SAMPLES / "re-parole.json", form=blank_plain, output=pdf)
    out = tmp_path / "ok.html"
    ok = run("review", str(pdf), "--profile", str(SAMPLES / "re-parole.json"), "-o", str(out), "--json")
    assert ok.exit_code == 0, ok.output
    doc = json.loads(ok.output)
    assert doc["filled"] == str(pdf) and doc["output"] == str(out) and out.is_file()
    assert {"pages", "boxes", "cross_references", "todo"} <= set(doc)
    assert doc["boxes"][0]["rect"] and doc["boxes"][0]["source"]

    other = tmp_path / "other.html"
    bad = run("review", str(pdf), "--profile", str(SAMPLES / "advance-parole-i485.json"), "-o", str(other))
    assert bad.exit_code == 1 and "does not match" in bad.output
    assert not other.exists()
    for value in ("123456789", "123-45-6789"):  # the other profile's identifiers never reach a message
        assert value not in bad.output
    usage = run("review", str(pdf))
    assert usage.exit_code == 2 and "--profile" in usage.output


def test_cli_json_without_output_writes_nothing(tmp_path: Path, blank_plain: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("review", str(SAMPLES / "daca-educational.json"), "--form", str(blank_plain), "--json",
                 "--redact")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["redacted"] is True and doc["output"] is None and list(tmp_path.iterdir()) == []
    assert "098765432" not in result.output and "321540987" not in result.output


def test_check_package_shows_the_checklist_the_fee_and_each_photo(tmp_path: Path, blank: BlankForm) -> None:
    data = copy.deepcopy(sample_data("advance-parole-i485"))
    data["attachments"] = [{"kind": "passport_photo", "path": "photos/p1.jpg"},
                           {"kind": "passport_photo", "path": "photos/p2.jpg"}]
    write_photo(tmp_path / "photos" / "p1.jpg")
    write_photo(tmp_path / "photos" / "p2.jpg")
    (tmp_path / "client.json").write_text(json.dumps(data))
    r: Review = review(tmp_path / "client.json", form=blank, check_package=True, filing_date=dt.date(2026, 12, 1))
    assert r.package is not None and r.package["ok"] is False  # photo ID and the I-797 receipt are missing
    page_html = r.to_html()
    assert 'id="package"' in page_html and "MISSING" in page_html and "satisfied" in page_html
    assert re.search(r"<h3>Fee \(filing date 2026-12-01\)</h3>.*?<td>\$[\d,]+</td>", page_html, re.S)
    assert [p.path for p in r.photos] == ["photos/p1.jpg", "photos/p2.jpg"]
    assert all(p.thumbnail for p in r.photos)
    thumbs = re.findall(r'<img alt="photos/p\d\.jpg" src="data:image/jpeg;base64,([^"]+)"', page_html)
    assert len(thumbs) == 2 and Image.open(io.BytesIO(base64.b64decode(thumbs[0]))).width <= 160


def test_filing_date_sets_the_fee_shown(blank: BlankForm) -> None:
    data = copy.deepcopy(sample_data("re-parole"))
    data["parole"]["request_ead"] = True  # the H.R. 1 fee: $275 from 2025-07-22, $280 from 2026-01-01
    before = review(data, form=blank, check_package=True, filing_date=dt.date(2025, 12, 31))
    after = review(data, form=blank, check_package=True, filing_date=dt.date(2026, 1, 2))
    assert before.package is not None and after.package is not None
    assert before.package["filing_date"] == "2025-12-31" and after.package["filing_date"] == "2026-01-02"
    amounts = [re.findall(r"<td>(\$[\d,]+)</td>", r.to_html().split("<h3>Fee", 1)[1].split("<h3>", 1)[0])
               for r in (before, after)]
    assert "$275" in amounts[0] and "$280" not in amounts[0]
    assert "$280" in amounts[1] and "$275" not in amounts[1]
    # The fee block itself lists each payment with its source, the total and the fee billed later.
    fee = after.to_html().split("<h3>Fee", 1)[1].split("<h3>", 1)[0]
    assert "H.R. 1 fee" in fee and "$280" in fee and "90 FR 52693" in fee and "(uncertain: verify)" in fee
    assert "Total due with this I-131: at least $280" in fee
    assert "Billed later" in fee and "$1,000" in fee
    # Each requirement names its primary source, flagged where the rules mark it uncertain.
    package = after.to_html().split('id="package"', 1)[1].split("<h3>", 1)[0]
    assert "source: 8 CFR 103.2(b)(1)" in package and "(uncertain: verify)" in package


# --- a real browser ------------------------------------------------------------------------------


def chromium(tmp_path: Path, *args: str) -> None:
    exe = require_tool("chromium")
    subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
                    f"--user-data-dir={tmp_path / 'chromium-profile'}", *args],
                   check=True, capture_output=True, timeout=120)


def dark_share(image: Image.Image) -> float:
    gray = image.convert("L")
    return sum(gray.histogram()[:160]) / (gray.width * gray.height)


def has_colour(image: Image.Image, rgb: tuple[int, int, int], tolerance: int = 40) -> bool:
    """Some pixel within `tolerance` of `rgb` in every channel."""
    bands = [band.point(lambda v, w=w: 255 if abs(v - w) <= tolerance else 0)
             for band, w in zip(image.convert("RGB").split(), rgb, strict=True)]
    both = ImageChops.multiply(ImageChops.multiply(bands[0], bands[1]), bands[2])
    return both.getbbox() is not None


@pytest.mark.slow
def test_chromium_renders_the_page_and_prints_it(tmp_path: Path, blank: BlankForm) -> None:
    data = long_profile(sample_data("advance-parole-i485"))
    page_html = review(data, form=blank).to_html()
    good = tmp_path / "review.html"
    good.write_text(page_html, encoding="utf-8")
    # The same page with its images broken: what an empty or broken render would look like.
    broken = tmp_path / "broken.html"
    broken.write_text(re.sub(r"data:image/png;base64,[^\"]+", "data:image/png;base64,AAAA", page_html),
                      encoding="utf-8")
    shots = {}
    for name, page in (("good", good), ("broken", broken)):
        shot = tmp_path / f"{name}.png"
        chromium(tmp_path, f"--screenshot={shot}", "--window-size=1200,6000", page.as_uri())
        shots[name] = Image.open(shot).convert("RGB")
    shot = shots["good"]
    assert shot.size == (1200, 6000)
    assert dark_share(shot) > 0.02, "the screenshot is (nearly) blank"
    assert dark_share(shot) > 2 * dark_share(shots["broken"]), "the page image does not render"
    assert has_colour(shot, (0xD4, 0, 0)) and has_colour(shot, (0, 0x7A, 0x1F))  # outlines over the image
    assert has_colour(shot, (0xEE, 0xEE, 0xEE), tolerance=2)  # the table's header row
    assert has_colour(shot, (0xFF, 0xF1, 0xF1), tolerance=3)  # the personal-data banner

    printed = tmp_path / "review.pdf"
    chromium(tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={printed}", good.as_uri())
    pages = len(PdfReader(printed).pages)
    assert 15 <= pages <= 80, pages
    with pdfplumber.open(printed) as pdf:
        text = "\n".join(p.extract_text() or "" for p in pdf.pages)
    for n in range(1, 15):
        assert f"Page {n} (form page)" in text
    assert "Page 15 (continuation sheet 1)" in text and "What still needs a human" in text


def test_no_thumbnail_of_a_photo_outside_the_attachments_root(tmp_path: Path, blank: BlankForm) -> None:
    data = copy.deepcopy(sample_data("advance-parole-i485"))
    data["attachments"] = [{"kind": "passport_photo", "path": "../outside/p1.jpg"},
                           {"kind": "passport_photo", "path": "photos/p2.jpg"}]
    inside = tmp_path / "inside"
    write_photo(tmp_path / "outside" / "p1.jpg")
    write_photo(inside / "photos" / "p2.jpg")
    (inside / "client.json").write_text(json.dumps(data))
    r = review(inside / "client.json", form=blank, check_package=True, attachments_root=inside)
    assert [(p.path, bool(p.thumbnail)) for p in r.photos] == [("../outside/p1.jpg", False), ("photos/p2.jpg", True)]
    assert "outside the attachments root" in r.to_html()


def test_sheet_outlines_hold_their_text_across_two_sheets(blank: BlankForm) -> None:
    data = long_profile(sample_data("advance-parole-i485"))
    data["travel"]["purpose"] = " ".join(f"Reason{i:03d} for the trip." for i in range(170))[:3990]
    data["travel"]["countries"] = [f"Country{i:02d}" for i in range(99)]
    r = review(data, form=blank)
    sheets = [b for b in r.boxes if b.kind == "sheet"]
    assert {b.page for b in sheets} == {15, 16}
    filled = formfill.fill(data, form=blank).data
    with pdfplumber.open(io.BytesIO(filled)) as pdf:
        for b in sheets:
            x0, y0, x1, y1 = b.rect
            text = pdf.pages[b.page - 1].crop((x0, 792 - y1, x1, 792 - y0)).extract_text() or ""
            assert text.split() == b.answer.split(), f"box {b.number} on page {b.page}"
    split = [b.source for b in sheets if b.page == 16]
    assert split and split[0] in {b.source for b in sheets if b.page == 15}  # one entry continues on sheet 2
    assert [t.page for t in r.todos if t.kind == "sign_sheet"] == [15, 16]


def test_cli_never_writes_the_review_over_an_input(tmp_path: Path, blank_plain: Path) -> None:
    profile = tmp_path / "client.json"
    profile.write_text((SAMPLES / "re-parole.json").read_text())
    before = profile.read_bytes()
    for target in (profile, blank_plain, Path("/dev/null")):
        result = run("review", str(profile), "--form", str(blank_plain), "-o", str(target), "--overwrite")
        assert result.exit_code == 2, result.output
        assert str(target) in result.output
    assert profile.read_bytes() == before and Path("/dev/null").is_char_device()
    pdf = tmp_path / "filled.pdf"
    formfill.fill(profile, form=blank_plain, output=pdf)
    filled = pdf.read_bytes()
    result = run("review", str(pdf), "--profile", str(profile), "-o", str(pdf), "--overwrite")
    assert result.exit_code == 2 and pdf.read_bytes() == filled


def test_review_and_verify_refuse_a_fifo_up_front(tmp_path: Path) -> None:
    """Issue 17: `review FILLED.pdf` on a FIFO waited forever for a writer (`verify` too); now both refuse
    anything but a regular file before reading, as extract and diff do (exit 2, naming it)."""
    import os
    import sys

    fifo = tmp_path / "filled.pdf"
    os.mkfifo(fifo)
    profile = str(SAMPLES / "re-parole.json")
    for args in (["review", str(fifo), "--profile", profile, "-o", str(tmp_path / "r.html")],
                 ["verify", str(fifo), "--profile", profile]):
        try:
            done = subprocess.run([sys.executable, "-m", "formfill", *args], capture_output=True, text=True,
                                  timeout=60, check=False)
        except subprocess.TimeoutExpired:
            pytest.fail(f"{args[0]} waited on a FIFO")
        assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
        assert done.stderr.strip() == f"error: {fifo} is not a regular file (a folder, a device or a pipe)"
    assert not (tmp_path / "r.html").exists()


# --- issue 20: the three cases as a paralegal reviews them -----------------------------------------

FILING = dt.date(2026, 12, 10)


@pytest.fixture(scope="module")
def reviewed(blank: BlankForm, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Review]:
    """The issue's three cases, each reviewed once with its package checked on the filing date."""
    from tests.test_package_check import build, case

    out = {}
    for name in ("asylee-child-replacement", "tps-fee-waiver", "reentry-work-abroad"):
        path = build(tmp_path_factory.mktemp(name), case(name))
        out[name] = review(path, form=blank, check_package=True, filing_date=FILING)
    return out


def section(page_html: str, head: str) -> str:
    """The HTML from the heading `head` to the next heading of the same or a higher level."""
    start = page_html.index(head)
    ends = [i for i in (page_html.find("<h3>", start + len(head)), page_html.find("<h2>", start + len(head)))
            if i != -1]
    return page_html[start:min(ends) if ends else len(page_html)]


def test_review_shows_the_fee_waiver_and_what_to_enclose(reviewed: dict[str, Review]) -> None:
    page_html = reviewed["tps-fee-waiver"].to_html()
    fee = section(page_html, "<h3>Fee")
    assert "Due now, to enclose with this I-131: $0" in html.unescape(fee)
    assert "waiver requested" in fee and "filed on paper" in fee and "8 CFR 103.7(c)" in fee
    assert "$580" not in page_html and "Total due with this I-131" not in fee and "online" not in fee


def test_review_names_who_signs(reviewed: dict[str, Review]) -> None:
    r = reviewed["asylee-child-replacement"]
    signs = [t.message for t in r.todos if t.kind == "sign"]
    assert signs[0].startswith("Applicant's signature, signed for the applicant (under 14) by a parent "
                               "(FARIDA RAHIMI signs): sign by hand in ink")
    assert any(m.startswith("Interpreter's signature (AHMAD NOORI signs)") for m in signs)
    assert "FARIDA RAHIMI signs" in html.unescape(section(r.to_html(), "<h3>Sign by hand"))


def test_review_shows_the_expedite_request(reviewed: dict[str, Review]) -> None:
    page_html = html.unescape(reviewed["tps-fee-waiver"].to_html())
    block = section(page_html, "<h3>Expedite request")
    assert "Ground: urgent humanitarian." in block and "hospitalised on 12/01/2026" in block
    assert "USCIS Contact Center" in block and "Policy Manual" in block
    package = page_html.split('<section id="package">', 1)[1].split("</section>", 1)[0]
    assert "Evidence of the expedite ground: an emergency or urgent humanitarian reason" in package


def test_review_reminds_a_reentry_permit_of_presence_and_biometrics(reviewed: dict[str, Review]) -> None:
    page_html = html.unescape(reviewed["reentry-work-abroad"].to_html())
    before = section(page_html, "<h3>Before mailing")
    assert "physically present in the United States" in before and "biometrics appointment" in before
    assert "8 CFR 223.2(b)(1)" in before and "(uncertain: verify)" in before


def test_none_is_an_answer_and_optional_blanks_are_one_line(reviewed: dict[str, Review]) -> None:
    r = reviewed["asylee-child-replacement"]
    said_none = {(t.part, t.item) for t in r.todos if t.kind == "none"}
    assert said_none == {("2", "11"), ("10", "2"), ("10", "3")}  # the profile's `none` list
    unanswered = {(t.part, t.item): t for t in r.todos if t.kind == "unanswered"}
    assert not said_none & set(unanswered)
    assert unanswered[("2", "10")].optional  # the SSN "(if any)": blank, not declared none
    assert not unanswered[("4", "6.b")].optional  # a replacement's receipt number is asked outright
    page_html = r.to_html()
    todo = page_html.split('<section id="todo">', 1)[1].split("</section>", 1)[0]
    grouped = re.findall(r'<li class="grouped">(.*?)</li>', todo, re.S)
    assert len(grouped) == 2  # one line of optional blanks, one line of "none"
    assert "Part 2, Item 10" in grouped[0] and "Part 2, Item 11" in grouped[1] and "Part 10, Item 3" in grouped[1]
    assert todo.count("<li>Page") == 1  # only the item that needs an answer has a line of its own
    assert r.to_dict()["todo"][0]["optional"] is False


def test_questions_come_from_the_map_not_the_tooltips(reviewed: dict[str, Review]) -> None:
    typos = re.compile(r"U S C I S|Firstst|Type 1\.|Part Part|PaPart|\b(?:[A-Z] ){2,}[A-Z]\b")
    for name, r in reviewed.items():
        questions = [b.question for b in r.boxes] + [t.message for t in r.todos if t.kind in ("unanswered", "none")]
        assert [q for q in questions if typos.search(q)] == [], name
    r = reviewed["tps-fee-waiver"]
    asked = {(b.part, b.item, b.answer): b.question for b in r.boxes}
    assert asked[("2", "8", "[X] checked")] == "Sex: Male"
    assert asked[("4", "1", "[X] checked")] == ("Has the person who will receive the document ever been in "
                                                "exclusion, deportation, removal, or rescission proceedings?: Yes")
    assert "USCIS Online Account Number (if any)" in {t.question for t in r.todos if t.kind == "none"}


def test_every_item_of_the_map_has_clean_words(blank: BlankForm) -> None:
    from formfill.fieldmap import for_form

    fmap = for_form(blank)
    missing = [(e.part, e.item) for e in fmap.entries if fmap.question(e) is None]
    assert missing == []
    boxes_of_a_question = [e for e in fmap.entries if e.kind == "check" and e.part != "1"
                           and sum(1 for o in fmap.by_item[e.part, e.item] if o.kind == "check") > 1]
    assert all(e.option for e in boxes_of_a_question), [e.field for e in boxes_of_a_question if not e.option]


def test_badges_sit_beside_boxes_and_the_package_above_the_skipped_list(reviewed: dict[str, Review]) -> None:
    page_html = reviewed["reentry-work-abroad"].to_html()
    badge = re.search(r"\.box span \{([^}]*)\}", page_html)
    assert badge is not None and "right: 100%" in badge.group(1) and "top: -" not in badge.group(1)
    assert page_html.index('<section id="package">') < page_html.index("Skipped as the form&#x27;s instructions say")
    assert page_html.index("Not answered by the profile") < page_html.index('<section id="package">')
