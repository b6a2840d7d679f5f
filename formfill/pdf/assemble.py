"""Build one print-ready PDF from parts: text pages, cleaned evidence PDFs, images, bookmarks, a draft stamp.

This module knows PDFs only: it takes text, bytes and titles as plain data (formfill.assembly decides what
goes where). Evidence is untrusted: every PDF is re-read within the blank's bounds (size, nesting, time,
decompression of every stream) and cloned without scripts or actions, exactly as a blank is cleaned
(formfill.pdf.blank.sanitize); an encrypted or unreadable file is refused by name. Images become pages at
their true size through img2pdf, which embeds a JPEG's bytes as they are (no re-encoding, no quality lost).
Text pages (the cover letter, the tab pages, the draft stamp) are drawn with the standard-14 Helvetica,
laid out with its published widths, so no font is embedded and every word stays searchable text.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from pypdf import PdfReader, PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

from formfill.errors import EvidenceError, FormError, StreamBoundsError
from formfill.pdf import keys
from formfill.pdf.appearance import escape
from formfill.pdf.blank import MAX_BLANK_BYTES, one_line, sanitize, time_limit
from formfill.pdf.streams import bounded_pypdf, check_streams

PAGE_SIZE = (612.0, 792.0)  # US Letter
MARGIN = 72.0
FONT = "/Helvetica"
BOLD = "/Helvetica-Bold"
F_REGULAR, F_BOLD = "/F1", "/F2"
MAX_EVIDENCE_BYTES = 256 * 2**20
"""The package check reads at most this much of an attachment (formfill.checks.package)."""
CLEAN_SECONDS = 20


# --- text ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Para:
    """One paragraph of a text page: wrapped to the page width, `indent` points from the margin."""

    text: str
    size: float = 11.0
    bold: bool = False
    indent: float = 0.0
    space_before: float = 0.0
    new_page: bool = False


def _widths(bold: bool) -> dict[str, int]:
    from pdfminer.fontmetrics import FONT_METRICS

    widths: dict[str, int] = FONT_METRICS["Helvetica-Bold" if bold else "Helvetica"][1]
    return widths


def text_width(text: str, size: float, bold: bool = False) -> float:
    """The width of `text` in Helvetica at `size` points (an unknown glyph counts as a wide one)."""
    widths = _widths(bold)
    return sum(widths.get(c, 600) for c in text) * size / 1000


def printable(text: str) -> str:
    """The text as the standard fonts' encoding (WinAnsi) can show it; anything else becomes '?'."""
    return text.encode("cp1252", "replace").decode("cp1252")


def wrap(text: str, width: float, size: float, bold: bool = False) -> list[str]:
    """Greedy word wrap to `width` points; a word longer than a line is cut."""
    lines: list[str] = []
    for raw in printable(text).split("\n"):
        line = ""
        for word in raw.split(" "):
            candidate = f"{line} {word}" if line else word
            if text_width(candidate, size, bold) <= width or not line:
                line = candidate
            else:
                lines.append(line)
                line = word
            while text_width(line, size, bold) > width and len(line) > 1:
                cut = len(line)
                while cut > 1 and text_width(line[:cut], size, bold) > width:
                    cut -= 1
                lines.append(line[:cut])
                line = line[cut:]
        lines.append(line)
    return lines


Placed = tuple[float, float, float, bool, str]  # x, y, size, bold, text


def layout(paras: Sequence[Para], size: tuple[float, float] = PAGE_SIZE, margin: float = MARGIN) -> list[list[Placed]]:
    """Paragraphs placed on pages top to bottom; a page break where one does not fit or one asks for it."""
    width, height = size
    pages: list[list[Placed]] = [[]]
    y = height - margin
    for para in paras:
        if para.new_page and pages[-1]:
            pages.append([])
            y = height - margin
        leading = para.size * 1.25
        y -= para.space_before
        for line in wrap(para.text, width - 2 * margin - para.indent, para.size, para.bold):
            if y - leading < margin:
                pages.append([])
                y = height - margin
            y -= leading
            if line:
                pages[-1].append((margin + para.indent, y, para.size, para.bold, line))
    return pages


def page_content(placed: Sequence[Placed]) -> bytes:
    """The content stream that shows the placed lines."""
    ops = [b"BT", b"0 g"]
    for x, y, size, bold, text in placed:
        font = F_BOLD if bold else F_REGULAR
        ops.append(f"{font} {size:g} Tf 1 0 0 1 {x:.2f} {y:.2f} Tm".encode() + b" (" + escape(text) + b") Tj")
    ops.append(b"ET")
    return b"\n".join(ops)


def _fonts() -> DictionaryObject:
    def font(base: str) -> DictionaryObject:
        return DictionaryObject({NameObject(keys.TYPE): NameObject("/Font"),
                                 NameObject(keys.SUBTYPE): NameObject("/Type1"),
                                 NameObject(keys.BASE_FONT): NameObject(base),
                                 NameObject(keys.ENCODING): NameObject("/WinAnsiEncoding")})

    return DictionaryObject({NameObject(F_REGULAR): font(FONT), NameObject(F_BOLD): font(BOLD)})


def _add_text_page(writer: PdfWriter, content: bytes, size: tuple[float, float]) -> None:
    page = writer.add_blank_page(*size)
    stream = DecodedStreamObject()
    stream.set_data(content)
    page[NameObject(keys.RESOURCES)] = DictionaryObject({NameObject(keys.FONT): _fonts()})
    page.replace_contents(cast(Any, stream))  # public API: the page's writer keeps the stream


def text_pdf(paras: Sequence[Para], size: tuple[float, float] = PAGE_SIZE) -> bytes:
    """A PDF of text pages (a letter, a tab page)."""
    writer = PdfWriter()
    for placed in layout(paras, size):
        _add_text_page(writer, page_content(placed), size)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


# --- evidence ------------------------------------------------------------------------------------


def clean_pdf(data: bytes, name: str) -> bytes:
    """An evidence PDF re-written without scripts, actions, form fields or outlines, within the bounds every
    PDF formfill reads is held to (formfill.pdf.streams: every filter of every stream, before any reader
    decodes one). Encrypted, damaged or too large: EvidenceError naming `name`."""
    if len(data) > MAX_EVIDENCE_BYTES:
        raise EvidenceError(f"{name}: larger than {MAX_EVIDENCE_BYTES // 2**20} MB; it was not included")
    try:
        with time_limit(CLEAN_SECONDS, name), bounded_pypdf():
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted:
                raise EvidenceError(f"{name}: an encrypted PDF cannot go into the package; attach an unprotected "
                                    "copy")
            check_streams(reader)  # every filter of every stream within the bounds before anything decodes it
            sanitize(reader, name)  # in place, before the clone copies what the catalog still reaches
            writer = PdfWriter(clone_from=reader)
            root = writer.root_object
            for key in (keys.ACRO_FORM, keys.OUTLINES):
                if key in root:
                    del root[key]  # the package has one outline; an evidence form's fields are only printed
            if not writer.pages:
                raise EvidenceError(f"{name}: the PDF has no pages")
            buf = io.BytesIO()
            writer.write(buf)
            return buf.getvalue()
    except EvidenceError:
        raise
    except StreamBoundsError as err:
        raise EvidenceError(f"{name}: cannot go into the package ({err.message})") from None
    except FormError as err:  # a bound of the blank's reader: too deep, too slow, a decompression bomb
        raise EvidenceError(f"{name}: cannot go into the package ({err.message})") from None
    except (RecursionError, MemoryError):
        raise EvidenceError(f"{name}: cannot go into the package (too deeply nested or too large to read)") from None
    except Exception as err:  # a hostile or damaged PDF can make the parser raise anything
        raise EvidenceError(f"{name}: cannot be read as a PDF (damaged: {one_line(err)[:80]})") from None


def image_pdf(data: bytes, name: str) -> bytes:
    """An image as PDF pages at its true size (its resolution, else 96 dpi), JPEG bytes embedded unchanged."""
    import img2pdf  # here only: the rest of formfill never needs it

    try:
        out = img2pdf.convert(data)
    except Exception as err:  # img2pdf and Pillow raise many types on damaged files
        raise EvidenceError(f"{name}: cannot be read as an image ({type(err).__name__})") from None
    if not isinstance(out, bytes):
        raise EvidenceError(f"{name}: cannot be read as an image")
    return out


# --- joining -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """One piece of the package, as a PDF: `bookmark` None for pieces without an entry of their own."""

    pdf: bytes
    bookmark: str | None = None


def join(parts: Sequence[Part], stamp: str | None = None) -> tuple[bytes, list[tuple[int, int]]]:
    """One PDF of every part in order, with a bookmark per titled part; the pages (1-based, inclusive) each
    part occupies. With `stamp`, every page carries that text across its top and bottom."""
    writer = PdfWriter()
    ranges: list[tuple[int, int]] = []
    for part in parts:
        first = len(writer.pages)
        writer.append(PdfReader(io.BytesIO(part.pdf)), import_outline=False)
        ranges.append((first + 1, len(writer.pages)))
        if part.bookmark is not None and len(writer.pages) > first:
            writer.add_outline_item(title=printable(part.bookmark), page_number=first)
    if stamp is not None:
        for page in writer.pages:
            _stamp(writer, page, stamp)
    writer.page_mode = "/UseOutlines"
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue(), ranges


def stamp_content(text: str, width: float, height: float, x0: float = 0.0, y0: float = 0.0) -> bytes:
    """Red bold text centred at the top and the bottom of a page box."""
    size = 14.0
    x = x0 + (width - text_width(text, size, True)) / 2
    ops = [b"q BT 0.85 0 0 rg", f"{F_BOLD} {size:g} Tf".encode()]
    for y in (y0 + height - 24, y0 + 12):
        ops.append(f"1 0 0 1 {x:.2f} {y:.2f} Tm".encode() + b" (" + escape(printable(text)) + b") Tj")
    ops.append(b"ET Q")
    return b"\n".join(ops)


def _stamp(writer: PdfWriter, page: object, text: str) -> None:
    from pypdf import PageObject

    page = cast(PageObject, page)
    box = page.mediabox
    overlay = PdfWriter()
    _add_text_page(overlay, stamp_content(text, float(box.width), float(box.height), float(box.left),
                                          float(box.bottom)), (float(box.right), float(box.top)))
    page.merge_page(overlay.pages[0])


__all__ = ["MAX_BLANK_BYTES", "PAGE_SIZE", "Para", "Part", "clean_pdf", "image_pdf", "join", "layout", "printable",
           "stamp_content", "text_pdf", "text_width", "wrap"]
