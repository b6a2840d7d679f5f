"""The printed text of a page inside given rectangles (labels, headings), read with pdfium.

An edition draft compares what a person reads next to each box (its label, item number, part
heading) between two blanks; pdfium reads the text of a rectangle directly, in milliseconds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TypeVar

import pypdfium2 as pdfium

from formfill.errors import FormError

Rect = tuple[float, float, float, float]  # PDF space: left, bottom, right, top
T = TypeVar("T")


@contextmanager
def _document(data: bytes, source: str) -> Iterator[pdfium.PdfDocument]:
    """The file opened with pdfium, closed after use; a file pdfium cannot read is one FormError naming it."""
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as err:
        raise FormError(f"{source}: the pages cannot be read ({err})") from None
    try:
        yield pdf
    finally:
        pdf.close()


def _read_page(pdf: pdfium.PdfDocument, index: int, read: Callable[[pdfium.PdfTextPage], T]) -> T:
    """`read` applied to one page's text, the page and its text closed after use."""
    page = pdf[index]
    text = page.get_textpage()
    try:
        return read(text)
    finally:
        text.close()
        page.close()


def text_in(data: bytes, regions: Mapping[str, tuple[int, Rect]], source: str = "<bytes>") -> dict[str, str]:
    """key -> the text printed inside its (1-based page, rectangle); pages out of range read as ''."""
    by_page: dict[int, list[tuple[str, Rect]]] = {}
    for key, (page, rect) in regions.items():
        by_page.setdefault(page, []).append((key, rect))
    out: dict[str, str] = {}
    with _document(data, source) as pdf:
        for page_no, wanted in by_page.items():
            if not 1 <= page_no <= len(pdf):
                out.update((key, "") for key, _ in wanted)
                continue
            out.update(_read_page(pdf, page_no - 1, _texts_in(wanted)))
    return out


def _texts_in(wanted: list[tuple[str, Rect]]) -> Callable[[pdfium.PdfTextPage], dict[str, str]]:
    return lambda text: {key: " ".join(text.get_text_bounded(*rect).split()) for key, rect in wanted}


def page_sizes(data: bytes) -> list[tuple[float, float]]:
    """(width, height) of every page."""
    with _document(data, "<bytes>") as pdf:
        return [pdf.get_page_size(i) for i in range(len(pdf))]


def page_texts(data: bytes, source: str = "<bytes>") -> list[str]:
    """The whole printed text of every page, whitespace collapsed."""
    with _document(data, source) as pdf:
        return [_read_page(pdf, i, lambda text: " ".join(text.get_text_range().split())) for i in range(len(pdf))]


Run = tuple[str, Rect]  # a run of text on one line, as pdfium groups it, and its rectangle


def _runs(text: pdfium.PdfTextPage) -> list[Run]:
    rects = [text.get_rect(k) for k in range(text.count_rects())]
    return [(" ".join(text.get_text_bounded(*rect).split()), rect) for rect in rects]


def page_runs(data: bytes, source: str = "<bytes>") -> list[list[Run]]:
    """Every page's runs of text with their rectangles: where each printed item number and heading sits."""
    with _document(data, source) as pdf:
        return [_read_page(pdf, i, _runs) for i in range(len(pdf))]
