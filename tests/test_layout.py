"""Long answers continue in Part 13 and on continuation sheets: every word printed exactly once."""

from __future__ import annotations

import functools
import io
import random
import re
import subprocess
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
from pypdf import PdfReader

import formfill
from formfill.formpackage import package_for
from formfill.pdf.writer import SHEET_FOOTER
from tests.helpers import (
    CITY_25,
    DISPOSITION_LONG,
    LONG_PURPOSE,
    MANY_COUNTRIES,
    SAMPLES,
    STREET_40,
    load_sample,
    long_profile,
    require_tool,
)

_MARKS = package_for("I-131").spec.overflow.markers  # type: ignore[union-attr]
CONTINUED_MARK, CONTINUATION_PREFIX, POINTERS = _MARKS.continued_in, _MARKS.continuation, tuple(_MARKS.pointers)

P13 = "form1[0].#subform[13]."
PURPOSE = "form1[0].#subform[9].P7_Line2_Purpose[0]"
COUNTRIES = "form1[0].#subform[9].P7_Line3_ListCountries[0]"
CITY = "form1[0].P5[0].Part2_Line3_CityTown[0]"
STREET = "form1[0].P5[0].Part2_Line3_StreetNumberName[0]"
DISPOSITION = "form1[0].P7[0].P4_Line3c_Disposition[0]"


def words(text: str) -> list[str]:
    for mark in (CONTINUED_MARK, CONTINUATION_PREFIX, *POINTERS):
        text = text.replace(mark, " ")
    return text.split()


@functools.lru_cache(maxsize=4)  # the same fill is read back by several tests; none changes what it gets
def read_back(data: bytes) -> tuple[dict[str, str], list[dict[str, str]], list[str]]:
    """Field values (pypdf), Part 13 blocks, and continuation-sheet lines (pdfplumber)."""
    fields = {k: str(v.get("/V", "")) for k, v in (PdfReader(io.BytesIO(data)).get_fields() or {}).items()}
    blocks = []
    for n in range(3, 8):
        block = {key: fields.get(f"{P13}Part13_Line{n}_{name}[0]", "").strip()
                 for key, name in (("page", "PageNumber"), ("part", "PartNumber"), ("item", "ItemNumber"),
                                   ("text", "AdditionalInfo"))}
        if block["text"]:
            blocks.append(block)
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        sheet_lines = [line for page in pdf.pages[14:] for line in (page.extract_text() or "").splitlines()]
    return fields, blocks, sheet_lines


SHEET_FRAME = ("Form I-131, Part 13", "Family Name (Last Name):", "Given Name (First Name):", "Middle Name:",
               "A-Number (if any):", *SHEET_FOOTER)  # header and signature lines of every continuation sheet


def continued_text(blocks: list[dict[str, str]], sheet_lines: list[str], page: int, part: str, item: str) -> str:
    """All Part 13 text (blocks, then sheets) filed under one page/part/item, in order."""
    out = [b["text"] for b in blocks if (b["page"], b["part"], b["item"]) == (str(page), part, item)]
    current = None
    for line in sheet_lines:
        m = re.match(r"Page Number: (\d+)\s+Part Number: (\S+)\s+Item Number: (\S+)", line)
        if m:
            current = m.groups()
            continue
        if line.startswith(SHEET_FRAME):
            continue
        if current == (str(page), part, item):
            out.append(line)
    return " ".join(out)


@pytest.fixture(scope="module")
def long_fill(blank_plain: Path, tmp_path_factory: pytest.TempPathFactory) -> formfill.FillResult:
    """One overflowing fill (with the printed check) that every test here reads and none changes."""
    return formfill.fill(long_profile(load_sample("advance-parole-i485")), form=blank_plain,
                         output=tmp_path_factory.mktemp("long") / "long.pdf", printed=True)


def test_every_word_printed_exactly_once_in_order(long_fill: formfill.FillResult) -> None:
    fields, blocks, sheet_lines = read_back(long_fill.data)
    cases = [
        (PURPOSE, LONG_PURPOSE, 10, "7", "2"),
        (COUNTRIES, ", ".join(MANY_COUNTRIES), 10, "7", "3"),
        (CITY, CITY_25, 5, "2", "3"),
        (STREET, STREET_40, 5, "2", "3"),
        (DISPOSITION, DISPOSITION_LONG, 7, "4", "3.c"),
    ]
    for field, value, page, part, item in cases:
        box = fields[field]
        assert CONTINUED_MARK in box or box in POINTERS, f"{field} should point to Part 13, holds {box!r}"
        rest = continued_text(blocks, sheet_lines, page, part, item)
        if field in (CITY, STREET):  # two answers share Page 5, Part 2, Item 3: each appears once, whole
            assert rest.count(value) == 1, f"{value!r} not printed exactly once in Part 13: {rest!r}"
            continue
        assert words(box) + words(rest) == words(value), f"{field}: words lost, repeated or reordered"


def test_short_words_stay_in_their_boxes(long_fill: formfill.FillResult) -> None:
    fields, _, _ = read_back(long_fill.data)
    assert fields["form1[0].P4[0].Part2_Line1_FamilyName[0]"] == "GARCIA LOPEZ"
    assert fields["form1[0].#subform[9].P7_Line5_ExpectedLengthTrip[0]"] == "14"
    # The first three other names keep their rows; the fourth and fifth go to Part 13.
    assert fields["form1[0].P5[0].Part2_Line2_FamilyName3[0]"] == "SURNAMEC"
    _, blocks, sheet_lines = read_back(long_fill.data)
    rest = continued_text(blocks, sheet_lines, 5, "2", "2")
    assert "Other name 4: Family Name: SURNAMED, Given Name: MARIA" in rest
    assert "Other name 5: Family Name: SURNAMEE, Given Name: MARIA" in rest
    assert rest.count("SURNAMEA") == 0  # rows that fit are not repeated


def test_part13_blocks_point_back_in_form_order(long_fill: formfill.FillResult) -> None:
    _, blocks, _ = read_back(long_fill.data)
    assert len(blocks) == 5, "Part 13's five blocks are used before any continuation sheet"
    pages = [int(b["page"]) for b in blocks]
    assert pages == sorted(pages), f"Part 13 entries out of form order: {pages}"
    assert (blocks[0]["page"], blocks[0]["part"], blocks[0]["item"]) == ("5", "2", "2")


def test_continuation_sheets_carry_name_and_a_number(long_fill: formfill.FillResult, tmp_path: Path) -> None:
    assert long_fill.continuation_sheets >= 1
    assert long_fill.verification.continuation_sheets == long_fill.continuation_sheets
    with pdfplumber.open(io.BytesIO(long_fill.data)) as pdf:
        assert len(pdf.pages) == 14 + long_fill.continuation_sheets
        first = pdf.pages[14].extract_text() or ""
    assert "Family Name (Last Name): GARCIA LOPEZ" in first and "Given Name (First Name): MARIA" in first
    assert "A-Number (if any): A-123456789" in first
    qpdf = require_tool("qpdf")
    out = subprocess.run([qpdf, "--check", str(long_fill.output)], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "No syntax or stream encoding errors" in out.stdout


def test_printed_check_passes_and_verify_command_agrees(long_fill: formfill.FillResult, sample: Any) -> None:
    assert long_fill.verification.ok and long_fill.verification.printed_checked
    assert long_fill.output is not None
    again = formfill.verify(long_fill.output, long_profile(sample("advance-parole-i485")), printed=True)
    assert again.ok, again.problems


@pytest.mark.slow
def test_samples_need_no_part13(blank_plain: Path) -> None:
    for path in sorted(SAMPLES.glob("*.json")):
        result = formfill.fill(path, form=blank_plain, printed=True)
        assert result.part13_entries == 0, f"{path.name} unexpectedly overflowed"
        assert result.continuation_sheets == 0
        assert result.verification.ok


def test_flatten_writes_a_non_editable_copy_that_prints_the_same(sample: Any, blank_plain: Path,
                                                                  tmp_path: Path) -> None:
    out = tmp_path / "flat.pdf"
    formfill.fill(long_profile(sample("advance-parole-i485")), form=blank_plain, output=out, flatten=True)
    reader = PdfReader(out)
    assert not reader.get_fields(), "a flattened copy has no fillable fields left"
    with pdfplumber.open(out) as pdf:
        text = " ".join((page.extract_text() or "") for page in pdf.pages)
    assert "GARCIA LOPEZ" in text and "Country39" in text and "surgery7" in text


def test_a_word_longer_than_a_line_still_goes_to_part13(sample: Any, blank_plain: Path) -> None:
    profile = sample("advance-parole-i485")
    url = "https://example.org/" + "a" * 150
    profile["travel"]["purpose"] = f"See {url} for details."
    profile["processing"]["previous_advance_parole"]["disposition"] = "X" * 120
    result = formfill.fill(profile, form=blank_plain, printed=True)
    assert result.verification.ok and result.part13_entries == 2
    _, blocks, sheet_lines = read_back(result.data)
    purpose_rest = continued_text(blocks, sheet_lines, 10, "7", "2")
    assert url in "".join(purpose_rest.split())
    assert "X" * 120 in "".join(continued_text(blocks, sheet_lines, 7, "4", "3.c").split())


def test_part13_names_the_box_when_an_item_has_several(long_fill: formfill.FillResult) -> None:
    _, blocks, sheet_lines = read_back(long_fill.data)
    rest = continued_text(blocks, sheet_lines, 5, "2", "3")
    assert f"City or Town: {CITY_25}" in rest
    assert f"Street Number and Name: {STREET_40}" in rest


def test_auto_sized_fields_shrink_to_8pt_then_overflow(blank_plain: Path) -> None:
    """A field whose /DA says size 0 shrinks to fit, never below the documented 8 pt."""
    from dataclasses import replace

    from formfill.forms import open_blank
    from formfill.pdf.appearance import MIN_AUTO_SIZE, layout_text
    from formfill.pdf.writer import font_for

    blank = open_blank(blank_plain)
    info = replace(blank.fields[CITY], font_size=0.0, max_len=None)
    font = font_for(blank, info)
    chars_at_10 = int((info.width - 4) // 6)
    assert layout_text("x" * chars_at_10, info, font).size == 10
    shrunk = layout_text("x" * (chars_at_10 + 5), info, font)
    assert shrunk.fits and MIN_AUTO_SIZE <= shrunk.size < 10
    too_long = layout_text("x" * int((info.width - 4) / (0.6 * MIN_AUTO_SIZE) + 2), info, font)
    assert not too_long.fits


def test_one_word_as_long_as_an_answer_may_be_prints_whole(blank_plain: Path, sample: Any) -> None:
    # Splitting a word wider than a line used to measure every prefix anew (minutes for 4,000 letters);
    # the deadline only stops a hang, it times nothing.
    from formfill.profile_base import MAX_TEXT
    from tests.helpers import deadline

    data = sample("advance-parole-i485")
    word = "".join(random.Random(131).choice("qxzj") for _ in range(MAX_TEXT))  # letters no label uses
    data["travel"]["purpose"] = word
    with deadline(120):
        result = formfill.fill(data, form=blank_plain)
    assert result.verification.ok and result.continuation_sheets >= 1
    fields, blocks, sheet_lines = read_back(result.data)
    printed = fields[PURPOSE] + continued_text(blocks, sheet_lines, 10, "7", "2")
    assert re.sub(r"[^qxzj]", "", printed) == word  # every letter once, in order: box, Part 13, sheets


def test_a_name_longer_than_any_name_is_a_problem_not_a_hang(sample: Any) -> None:
    from tests.helpers import deadline

    data = sample("advance-parole-i485")
    data["applicant"]["name"]["given"] = "A" * 4000
    with deadline(30):
        problems = formfill.validate(data)
    assert [p.path for p in problems] == ["applicant.name.given"]
