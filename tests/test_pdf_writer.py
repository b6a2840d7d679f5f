"""What reaches paper: the flattened copy, the continuation sheets, the Part 13 header and the form's font.

Rendered checks compare pixels: a page is drawn by pdfium (what Chrome uses) or poppler (pdftoppm)
and the ink inside a field's rectangle is summed (inverted grey levels).
"""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path
from typing import Any

import pdfplumber
import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageOps, ImageStat
from pypdf import PdfReader

import formfill
from formfill.api import prepare
from formfill.forms import open_blank
from formfill.loading import load_profile
from formfill.pdf.appearance import Layout
from formfill.pdf.blank import BlankForm
from formfill.pdf.writer import FieldValue, fill_bytes, pdf_string
from tests.helpers import SAMPLES, load_sample, require_tool

SCALE = 2  # 144 dpi
INK_TOLERANCE = 3 * 255  # three fully inked pixels: anti-aliasing noise, far below any glyph or arrow
STATE_BOXES = (  # empty on the sample below; pdfium used to bake a dropdown arrow into each
    "form1[0].P5[0].Part2_Line4_State[0]",
    "form1[0].P6[0].P2_Line24_State[0]",
    "form1[0].P6[0].P2_Line25_State[0]",
)


def _ink(image: Image.Image, rect: tuple[float, float, float, float], page_height: float) -> float:
    x0, y0, x1, y1 = rect
    box = (int(x0 * SCALE), int((page_height - y1) * SCALE), int(x1 * SCALE) + 1, int((page_height - y0) * SCALE) + 1)
    return float(ImageStat.Stat(ImageOps.invert(image.convert("L")).crop(box)).sum[0])


def _pdfium_pages(data: bytes) -> list[tuple[Image.Image, float]]:
    pdf = pdfium.PdfDocument(data)
    try:
        pages = []
        for i in range(len(pdf)):
            page = pdf[i]
            pages.append((page.render(scale=SCALE).to_pil(), page.get_height()))
            page.close()
        return pages
    finally:
        pdf.close()


def _poppler_pages(data: bytes, first: int, last: int, tmp_path: Path, name: str) -> dict[int, Image.Image]:
    src = tmp_path / f"{name}.pdf"
    src.write_bytes(data)
    subprocess.run([require_tool("pdftoppm"), "-r", str(72 * SCALE), "-gray", "-f", str(first), "-l", str(last),
                    str(src), str(tmp_path / name)], check=True, capture_output=True)
    out = {}
    for n in range(first, last + 1):
        path = next(tmp_path.glob(f"{name}-*{n}.pgm"))
        out[n] = Image.open(path).copy()
    return out


def _empty_fields(blank: BlankForm, planned: set[str]) -> dict[str, Any]:
    """Fields the fill leaves as the blank has them, and the blank prints nothing into."""
    return {name: info for name, info in blank.fields.items()
            if info.kind in ("text", "choice") and info.page >= 1 and name not in planned and not info.value}


@pytest.fixture(scope="module")
def flat_fill(blank_plain: Path) -> tuple[BlankForm, bytes, set[str]]:
    profile = load_profile(SAMPLES / "advance-parole-i485.json").profile
    blank = open_blank(blank_plain)
    _, plan = prepare(profile, blank)
    result = formfill.fill(profile, form=blank, flatten=True)
    return blank, result.data, {p.assignment.field for p in plan.placed}


def test_flattened_copy_prints_nothing_in_empty_fields_pdfium(flat_fill: tuple[BlankForm, bytes, set[str]]) -> None:
    blank, flat, planned = flat_fill
    empty = _empty_fields(blank, planned)
    assert set(STATE_BOXES) <= set(empty), "the sample must leave the pages 5-6 State boxes empty"
    assert any(info.kind == "choice" for info in empty.values())
    blank_pages, flat_pages = _pdfium_pages(blank.data), _pdfium_pages(flat)
    extra = {}
    for name, info in empty.items():
        (before, height), (after, _) = blank_pages[info.page - 1], flat_pages[info.page - 1]
        ink_blank, ink_flat = _ink(before, info.rect, height), _ink(after, info.rect, height)
        if ink_flat > ink_blank + INK_TOLERANCE:
            extra[name] = (ink_blank, ink_flat)
    assert not extra, f"the flattened copy draws into empty fields: {extra}"


def test_flattened_copy_prints_nothing_in_empty_state_boxes_poppler(
    flat_fill: tuple[BlankForm, bytes, set[str]], tmp_path: Path
) -> None:
    blank, flat, _ = flat_fill
    before = _poppler_pages(blank.data, 5, 6, tmp_path, "blank")
    after = _poppler_pages(flat, 5, 6, tmp_path, "flat")
    height = float(blank.reader.pages[4].mediabox.height)
    for name in STATE_BOXES:
        info = blank.fields[name]
        ink_blank, ink_flat = _ink(before[info.page], info.rect, height), _ink(after[info.page], info.rect, height)
        assert ink_flat <= ink_blank + INK_TOLERANCE, f"{name}: {ink_flat} ink, the blank page has {ink_blank}"


def test_the_old_flattening_is_caught(flat_fill: tuple[BlankForm, bytes, set[str]]) -> None:
    """The measurement sees a dropdown arrow: pdfium's own flattening of the fill, without our empty appearances."""
    import pypdfium2.raw as pdfium_c

    blank, _, _ = flat_fill
    filled = formfill.fill(SAMPLES / "advance-parole-i485.json", form=blank).data
    pdf = pdfium.PdfDocument(filled)
    pdf.init_forms()
    for i in range(len(pdf)):
        page = pdf[i]
        page.flatten(flag=pdfium_c.FLAT_PRINT)
        page.close()
    buf = io.BytesIO()
    pdf.save(buf)
    pdf.close()
    blank_pages, raw_pages = _pdfium_pages(blank.data), _pdfium_pages(buf.getvalue())
    info = blank.fields[STATE_BOXES[0]]
    (before, height), (after, _) = blank_pages[info.page - 1], raw_pages[info.page - 1]
    assert _ink(after, info.rect, height) > _ink(before, info.rect, height) + INK_TOLERANCE


def test_flattened_copy_keeps_no_form_and_the_values(flat_fill: tuple[BlankForm, bytes, set[str]]) -> None:
    _, flat, _ = flat_fill
    assert not PdfReader(io.BytesIO(flat)).get_fields()
    with pdfplumber.open(io.BytesIO(flat)) as pdf:
        assert "GARCIA LOPEZ" in (pdf.pages[3].extract_text() or "")


# Continuation sheets -------------------------------------------------------------------------------------------

LONG_FAMILY = "GARCIA LOPEZ DE LA TORRE MONTES"  # 31 letters: fits Part 2 (34), not Part 13's header (28)
LONG_GIVEN = "MARIA DE LOS ANGELES GUADALUPE"
HEADER = "form1[0].#subform[13]."


def _many_sheets_profile() -> dict[str, Any]:
    """Enough overflow for two continuation sheets, the list of countries running from the first onto the second."""
    from tests.helpers import long_profile

    profile = long_profile(load_sample("advance-parole-i485"))
    profile["travel"]["purpose"] = profile["travel"]["purpose"] * 5
    profile["travel"]["countries"] = [f"Country{i:03d}" for i in range(400)]
    return profile


@pytest.fixture(scope="module")
def sheets_fill(blank_plain: Path) -> tuple[formfill.FillResult, Any]:
    profile = _many_sheets_profile()
    blank = open_blank(blank_plain)
    _, plan = prepare(load_profile(profile).profile, blank)
    return formfill.fill(profile, form=blank, printed=True), plan


FOOTER = ["Signature of Applicant:", "Date of Signature (mm/dd/yyyy):"]
HEADING = re.compile(r"Page Number: (\d+) +Part Number: (\S+) +Item Number: (\S+)$")


def _sheet_pages(data: bytes) -> list[Any]:
    """Per continuation sheet: its text, characters, ruled lines, and where each footer label sits."""
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return [(page.extract_text() or "", page.chars, page.lines,
                 {label: page.search(label, regex=False) for label in FOOTER}) for page in pdf.pages[14:]]


def test_every_sheet_carries_name_a_number_and_signature_and_date_lines(
    sheets_fill: tuple[formfill.FillResult, Any],
) -> None:
    result, _ = sheets_fill
    assert result.verification.ok and result.continuation_sheets >= 2
    pages = _sheet_pages(result.data)
    assert len(pages) == result.continuation_sheets
    for n, (text, chars, lines, labels) in enumerate(pages, start=1):
        rows = text.splitlines()
        assert rows[0] == f"Form I-131, Part 13. Additional Information - continuation sheet {n} of {len(pages)}"
        assert rows[1:5] == ["Family Name (Last Name): GARCIA LOPEZ", "Given Name (First Name): MARIA",
                             "Middle Name: ELENA", "A-Number (if any): A-123456789"]
        assert HEADING.match(rows[5]), rows[5]
        assert rows[-2:] == FOOTER
        for label in FOOTER:  # a ruled line to write on, right of the label, on its baseline
            [found] = labels[label]
            rules = [ln for ln in lines if found["top"] <= ln["top"] <= found["bottom"] and ln["x0"] >= found["x1"]
                     and ln["x1"] - ln["x0"] > 150]
            assert rules, f"sheet {n}: no line to write on after {label!r}"
        assert {c["fontname"].split("+")[-1] for c in chars} == {"CourierNewPS-BoldMT"}


def test_every_sheet_entry_names_page_part_and_item(sheets_fill: tuple[formfill.FillResult, Any]) -> None:
    result, plan = sheets_fill
    headings: list[tuple[str, ...]] = []
    for n, (text, *_) in enumerate(_sheet_pages(result.data)):
        rows = text.splitlines()[5:-2]
        for row, after in zip(rows, [*rows[1:], ""], strict=True):
            m = HEADING.match(row)
            if not m:
                continue
            if n and row is rows[0] and headings and headings[-1] == m.groups():
                assert after.startswith("[continued]"), "an entry running onto the next sheet says so"
                continue  # the same entry, headed again on the next sheet
            headings.append(m.groups())
    assert headings == [(str(e.page), e.part, e.item) for e in plan.sheet_entries]


def test_sheet_blocks_say_where_each_entry_is_printed(sheets_fill: tuple[formfill.FillResult, Any]) -> None:
    """layout.sheet_blocks (what a review page outlines) matches the text on the sheets, block by block."""
    from formfill.layout import sheet_blocks
    from formfill.pdf.writer import SHEET_FONT_SIZE, SHEET_SIZE, sheet_row_y

    result, plan = sheets_fill
    blocks = sheet_blocks(plan)
    assert {b.sheet for b in blocks} == set(range(1, result.continuation_sheets + 1))
    with pdfplumber.open(io.BytesIO(result.data)) as pdf:
        for b in blocks:
            page = pdf.pages[13 + b.sheet]
            top = SHEET_SIZE[1] - sheet_row_y(b.row) - SHEET_FONT_SIZE
            bottom = SHEET_SIZE[1] - sheet_row_y(b.row + len(b.lines) - 1) + 3
            text = page.crop((0, top, SHEET_SIZE[0], bottom)).extract_text() or ""
            assert text.splitlines() == [" ".join(line.split()) for line in b.lines]


def test_entries_that_continue_start_with_the_continued_marker(sheets_fill: tuple[formfill.FillResult, Any]) -> None:
    result, _ = sheets_fill
    pages = _sheet_pages(result.data)
    for text, *_ in pages:
        first_entry_text = text.splitlines()[6]
        assert first_entry_text.startswith("[continued]"), first_entry_text
    first_sheet = pages[0][0].splitlines()
    assert first_sheet[5].startswith("Page Number: 10") and first_sheet[5].endswith("Item Number: 2")
    assert first_sheet[6].startswith("[continued]"), "the travel purpose continues from its box on page 10"


def test_an_entry_continuing_in_the_next_part13_block_starts_with_the_marker(sample: Any, blank_plain: Path) -> None:
    from tests.helpers import LONG_PURPOSE

    profile = sample("advance-parole-i485")
    profile["travel"]["purpose"] = LONG_PURPOSE * 2
    result = formfill.fill(profile, form=blank_plain)
    fields = {k: str(v.get("/V", "")) for k, v in (PdfReader(io.BytesIO(result.data)).get_fields() or {}).items()}
    blocks = [(fields[f"{HEADER}Part13_Line{n}_ItemNumber[0]"], fields[f"{HEADER}Part13_Line{n}_AdditionalInfo[0]"])
              for n in range(3, 8)]
    assert blocks[0][0] == blocks[1][0] == "2", blocks
    assert blocks[0][1].startswith("[continued]") and blocks[1][1].startswith("[continued]")


def test_sheets_use_the_forms_bold_courier(sheets_fill: tuple[formfill.FillResult, Any], tmp_path: Path) -> None:
    result, _ = sheets_fill
    reader = PdfReader(io.BytesIO(result.data))
    sheet = reader.pages[14]
    fonts = sheet["/Resources"]["/Font"]
    assert [str(f.get_object()["/BaseFont"]) for f in fonts.values()] == ["/CourierNewPS-BoldMT"]
    form_font = reader.trailer["/Root"]["/AcroForm"]["/DR"]["/Font"].raw_get("/CourierNewPS-BoldMT")
    assert next(iter(fonts.values())).idnum == form_font.idnum, "the form's own font object, with its widths"
    out = tmp_path / "sheets.pdf"
    out.write_bytes(result.data)
    subst = subprocess.run([require_tool("pdffonts"), "-subst", "-f", "15", "-l", "15", str(out)],
                           capture_output=True, text=True, check=True).stdout
    assert "Mono" in subst, f"poppler substitutes a monospace face for the sheet font: {subst}"


# Part 13's header ----------------------------------------------------------------------------------------------


def test_a_long_name_is_shortened_in_part13s_header_never_sent_to_part13(blank_plain: Path) -> None:
    profile = _many_sheets_profile()
    profile["applicant"]["name"] = {"family": LONG_FAMILY, "given": LONG_GIVEN, "middle": "ELENA"}
    result = formfill.fill(profile, form=blank_plain, printed=True)
    assert result.verification.ok
    fields = {k: str(v.get("/V", "")) for k, v in (PdfReader(io.BytesIO(result.data)).get_fields() or {}).items()}
    assert fields[f"{HEADER}Part2_Line1_FamilyName[0]"] == "GARCIA LOPEZ DE LA TORRE M"
    assert fields[f"{HEADER}Part2_Line1_GivenName[0]"] == "MARIA DE LOS ANGELES G"
    assert fields[f"{HEADER}Part2_Line1_MiddleName[0]"] == "ELENA"
    assert fields["form1[0].P4[0].Part2_Line1_FamilyName[0]"] == LONG_FAMILY
    for n in range(3, 8):  # no Part 13 entry refers to Part 13 itself
        assert (fields[f"{HEADER}Part13_Line{n}_PageNumber[0]"], fields[f"{HEADER}Part13_Line{n}_PartNumber[0]"]) \
            != ("14", "13")
    sheets = _sheet_pages(result.data)
    assert "Page Number: 14" not in " ".join(text for text, *_ in sheets)
    for text, *_ in sheets:  # the continuation sheets carry the name in full
        assert f"Family Name (Last Name): {LONG_FAMILY}" in text
        assert f"Given Name (First Name): {LONG_GIVEN}" in text
    shortened = [n for n in result.notes if "Part 13's header" in n]
    assert [n.split(":")[0] for n in shortened] == ["applicant.name.family", "applicant.name.given"]


# The form's font ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["blank_plain", "blank_encrypted"])
def test_the_forms_courier_is_marked_fixed_pitch_in_the_output(sample: Any, which: str,
                                                               request: pytest.FixtureRequest) -> None:
    path = request.getfixturevalue(which)
    raw = PdfReader(path)
    if raw.is_encrypted:
        raw.decrypt("")
    raw_font = raw.trailer["/Root"]["/AcroForm"]["/DR"]["/Font"]["/CourierNewPS-BoldMT"]
    assert not int(raw_font["/FontDescriptor"]["/Flags"]) & 1, "the blank as shipped omits FixedPitch"
    result = formfill.fill(sample("advance-parole-i485"), form=path)
    reader = PdfReader(io.BytesIO(result.data))
    font = reader.trailer["/Root"]["/AcroForm"]["/DR"]["/Font"]["/CourierNewPS-BoldMT"]
    flags = int(font["/FontDescriptor"]["/Flags"])
    assert flags & 1, f"FixedPitch not set (Flags {flags})"
    assert flags & ~1 == int(raw_font["/FontDescriptor"]["/Flags"]), "only the FixedPitch bit changes"
    widths = {float(w) for w in font["/Widths"]}
    assert widths == {600.0}


def test_sheets_fall_back_to_standard_courier_bold(blank_plain: Path) -> None:
    """A blank without a Courier-width font of its own: the sheets use the standard-14 Courier-Bold."""
    import dataclasses

    from formfill.pdf.writer import SHEET_FOOTER, fill_bytes, sheet_content

    blank = dataclasses.replace(open_blank(blank_plain), fonts={})
    data = fill_bytes(blank, [], [sheet_content(["Page Number: 4", "words", *SHEET_FOOTER], ["a header"])])
    sheet = PdfReader(io.BytesIO(data)).pages[14]
    assert [str(f.get_object()["/BaseFont"]) for f in sheet["/Resources"]["/Font"].values()] == ["/Courier-Bold"]
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        assert (pdf.pages[14].extract_text() or "").splitlines()[:3] == ["a header", "Page Number: 4", "words"]


@pytest.mark.parametrize(("raw", "written"), [
    (b"Part 2. Information About You. 1. Family Name (Last Name).",
     b"(Part 2. Information About You. 1. Family Name \\(Last Name\\).)"),
    (b"C:\\path\\ (a)", b"(C:\\\\path\\\\ \\(a\\))"),
    (b"", b"()"),
    ("José".encode("cp1252"), b"<4A6F73E9>"),
    (b"\xfe\xff\x00G", b"<FEFF0047>"),
    (b"line\nbreak", b"<6C696E650A627265616B>"),
])
def test_pdf_string_is_literal_for_printable_ascii_and_hex_otherwise(raw: bytes, written: bytes) -> None:
    assert pdf_string(raw) == written


def test_written_strings_read_back_byte_for_byte(blank_plain: Path) -> None:
    """Every string of the update, literal or hex, is the string it was before (pypdf reads the file back)."""
    blank = open_blank(blank_plain)
    name = "form1[0].P4[0].Part2_Line1_FamilyName[0]"
    value = "O'NEILL (JR) \\ JOSÉ"
    info = blank.fields[name]
    data = fill_bytes(blank, [FieldValue(name, "text", value, Layout(lines=(value,), size=10.0, fits=True))])
    again = PdfReader(io.BytesIO(data)).get_object(info.ref.idnum)
    assert again is not None
    assert again["/V"] == value
    assert again["/TU"] == info.obj["/TU"] and again["/T"] == info.obj["/T"]
    assert b"\\057" not in data[len(blank.data):], "no needless octal escapes in the update"
