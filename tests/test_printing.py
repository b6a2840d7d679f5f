"""What reaches paper: the flattened copy, the continuation sheets, the Part 13 header and the form's font.

Rendered checks compare pixels: a page is drawn by pdfium (what Chrome uses) or poppler (pdftoppm)
and the ink inside a field's rectangle is summed (inverted grey levels).
"""

from __future__ import annotations

import io
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
from formfill.pdf.blank import BlankForm
from tests.conftest import require_tool

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
    profile = load_profile(Path(__file__).resolve().parent.parent / "samples" / "advance-parole-i485.json").profile
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

    blank, _, planned = flat_fill
    filled = formfill.fill(Path(__file__).resolve().parent.parent / "samples" / "advance-parole-i485.json",
                           form=blank).data
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
