"""The printed text of a page inside given rectangles (labels, headings), read with pdfium.

An edition draft compares what a person reads next to each box (its label, item number, part
heading) between two blanks; pdfium reads the text of a rectangle directly, in milliseconds.
"""

from __future__ import annotations

from collections.abc import Mapping

import pypdfium2 as pdfium

from formfill.errors import FormError

Rect = tuple[float, float, float, float]  # PDF space: left, bottom, right, top


def text_in(data: bytes, regions: Mapping[str, tuple[int, Rect]], source: str = "<bytes>") -> dict[str, str]:
    """key -> the text printed inside its (1-based page, rectangle); pages out of range read as ''."""
    out: dict[str, str] = {}
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as err:
        raise FormError(f"{source}: the pages cannot be read ({err})") from None
    try:
        by_page: dict[int, list[tuple[str, Rect]]] = {}
        for key, (page, rect) in regions.items():
            by_page.setdefault(page, []).append((key, rect))
        for page_no, wanted in by_page.items():
            if not 1 <= page_no <= len(pdf):
                out.update((key, "") for key, _ in wanted)
                continue
            page = pdf[page_no - 1]
            text = page.get_textpage()
            try:
                for key, (left, bottom, right, top) in wanted:
                    out[key] = " ".join(text.get_text_bounded(left, bottom, right, top).split())
            finally:
                text.close()
                page.close()
    finally:
        pdf.close()
    return out


def page_sizes(data: bytes) -> list[tuple[float, float]]:
    """(width, height) of every page."""
    pdf = pdfium.PdfDocument(data)
    try:
        return [pdf.get_page_size(i) for i in range(len(pdf))]
    finally:
        pdf.close()


def page_texts(data: bytes, source: str = "<bytes>") -> list[str]:
    """The whole printed text of every page, whitespace collapsed."""
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as err:
        raise FormError(f"{source}: the pages cannot be read ({err})") from None
    out: list[str] = []
    try:
        for i in range(len(pdf)):
            page = pdf[i]
            text = page.get_textpage()
            try:
                out.append(" ".join(text.get_text_range().split()))
            finally:
                text.close()
                page.close()
    finally:
        pdf.close()
    return out


Run = tuple[str, Rect]  # a run of text on one line, as pdfium groups it, and its rectangle


def page_runs(data: bytes, source: str = "<bytes>") -> list[list[Run]]:
    """Every page's runs of text with their rectangles: where each printed item number and heading sits."""
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as err:
        raise FormError(f"{source}: the pages cannot be read ({err})") from None
    out: list[list[Run]] = []
    try:
        for i in range(len(pdf)):
            page = pdf[i]
            text = page.get_textpage()
            try:
                runs: list[Run] = []
                for k in range(text.count_rects()):
                    rect = text.get_rect(k)
                    runs.append((" ".join(text.get_text_bounded(*rect).split()), rect))
                out.append(runs)
            finally:
                text.close()
                page.close()
    finally:
        pdf.close()
    return out
