"""The printed-page check: glyphs cut at a box edge and text drawn into empty boxes are caught."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, StreamObject

import formfill
from formfill.forms import open_blank
from tests.helpers import load_sample

CITY = "Part2_Line3_CityTown[0]"
PURPOSE = "P7_Line2_Purpose[0]"
SIGNATURE = "form1[0].#subform[10].Part10_Line4_ApplicantSignature[0]"


def _redraw_at(data: bytes, page: int, field: str, x: float, path: Path) -> Path:
    """A copy whose `field` draws the same text (same value, same Tj strings) starting at `x`."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    for annot in writer.pages[page]["/Annots"]:
        widget = annot.get_object()
        if widget.get("/T") == field:
            stream = widget["/AP"]["/N"].get_object()
            stream.set_data(re.sub(rb"1 0 0 1 [\d.]+ ", f"1 0 0 1 {x:.2f} ".encode(), stream.get_data()))
    with path.open("wb") as fh:
        writer.write(fh)
    return path


@pytest.fixture(scope="module")
def filled(blank_plain: Path) -> bytes:
    """The sample filled once; each test below doctors its own copy of these bytes."""
    return formfill.fill(load_sample("advance-parole-i485"), form=blank_plain).data


@pytest.mark.slow
def test_text_pushed_past_the_box_edge_is_caught(sample: Any, filled: bytes, blank_plain: Path, tmp_path: Path) -> None:
    profile = sample("advance-parole-i485")
    # Start the purpose 10 pt before the right edge of its 516-pt box: almost all of it is clipped.
    clipped = _redraw_at(filled, 9, PURPOSE, 506, tmp_path / "clipped.pdf")
    assert formfill.verify(clipped, profile).ok, "field-level check cannot see positions"
    printed = formfill.verify(clipped, profile, printed=True)
    assert not printed.ok
    assert any(p.code == "printed" and p.path == "travel.purpose" for p in printed.problems)


@pytest.mark.slow
def test_a_glyph_cut_at_the_box_edge_is_caught(sample: Any, filled: bytes, blank_plain: Path, tmp_path: Path) -> None:
    profile = sample("advance-parole-i485")
    x0, _, x1, _ = open_blank(blank_plain).fields[f"form1[0].P5[0].{CITY}"].rect
    # "Los Angeles" is 66 pt wide: start it so the last glyph straddles the right edge of the clip.
    clipped = _redraw_at(filled, 4, CITY, (x1 - x0) - 66 + 2, tmp_path / "clipped.pdf")
    assert formfill.verify(clipped, profile).ok, "the field-level read cannot see glyph positions"
    printed = formfill.verify(clipped, profile, printed=True)
    assert any(p.path == "applicant.mailing_address.city" and "cut off" in p.message for p in printed.problems)


def test_text_drawn_into_the_signature_box_is_caught(sample: Any, filled: bytes, blank_plain: Path,
                                                     tmp_path: Path) -> None:
    profile = sample("advance-parole-i485")
    x0, y0, _, _ = open_blank(blank_plain).fields[SIGNATURE].rect
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(filled)))
    page = writer.pages[10]
    font = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica"),
    }))
    page["/Resources"].get_object()["/Font"].get_object()[NameObject("/FSig")] = font
    stream = StreamObject()
    stream.set_data(f"BT /FSig 10 Tf {x0 + 4:.1f} {y0 + 5:.1f} Td (Maria Garcia) Tj ET".encode())
    existing = page.raw_get("/Contents")
    parts = list(existing.get_object()) if isinstance(existing.get_object(), ArrayObject) else [existing]
    page[NameObject("/Contents")] = ArrayObject([*parts, writer._add_object(stream)])
    signed = tmp_path / "signed.pdf"
    with signed.open("wb") as fh:
        writer.write(fh)
    printed = formfill.verify(signed, profile, printed=True)
    assert not printed.ok
    found = [p for p in printed.problems if SIGNATURE in p.message and "nothing was planned" in p.message]
    assert found, printed.problems


def test_pages_baked_from_the_blanks_index_print_as_those_baked_by_walking_every_field(blank_plain: Path) -> None:
    """review and the printed check bake a fill of a prepared blank using its field index (the widgets that
    would get an empty appearance are left off the pages instead): every page must render the same."""
    import hashlib

    import pypdfium2 as pdfium

    from formfill import api
    from formfill.pdf.printed import baked

    blank = open_blank(blank_plain)
    data = api.fill(Path(__file__).resolve().parent.parent / "samples" / "reentry-permit.json", form=blank).data
    walked, indexed = baked(data), baked(data, blank)
    assert walked != indexed, "the index was used"

    def rendered(pdf_bytes: bytes) -> list[str]:
        pdf = pdfium.PdfDocument(pdf_bytes)
        try:
            return [hashlib.sha256(pdf[i].render(scale=1).to_pil().tobytes()).hexdigest() for i in range(len(pdf))]
        finally:
            pdf.close()

    assert rendered(indexed) == rendered(walked) and len(rendered(walked)) == blank.page_count
