"""Blanks as the form layer sees them: which form and edition a PDF is, whether it is a pristine blank of that
edition, and what a filled one must read back as where nothing was written.

formfill.pdf knows PDFs, not forms: it opens, bounds and indexes any PDF form and compares it with the
expectations it is given as plain data. The form packages say what those are (how a blank states its edition,
the field map's `blank_defaults`, checkbox groups, signature boxes); this module hands them over. Every caller
that opens a blank or a filled form goes through `load_blank` here, so a blank holding anything its edition does
not ship with is refused wherever it comes from, and a PDF without fields is refused saying what formfill fills.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from formfill.errors import FormError, NotFillableError
from formfill.fieldmap import FieldMap, all_maps, the_forms, what_we_fill
from formfill.formpackage import edition_marks
from formfill.pdf import blank as pdf_blank
from formfill.pdf.blank import BlankForm, Pristine, check_pristine, read_file

if TYPE_CHECKING:
    from formfill.pdf.verify import Expectations


def load_blank(raw: bytes, source: str = "<bytes>", *, use_cache: bool = True, pristine: bool = True) -> BlankForm:
    """Open a PDF form (formfill.pdf.blank.load_blank), its form and edition told the way the packages found say
    blanks state them; with `pristine`, refuse one that is not a clean blank of its edition.

    With `pristine` (every caller but those reading a client's filled file: verify, extract, review), a
    blank holding values or annotations its edition does not ship with is refused: it is a filled form,
    and filling it would carry one client's data into another's file.
    """
    try:
        blank = pdf_blank.load_blank(raw, source, marks=edition_marks(), use_cache=use_cache, pristine=pristine)
    except NotFillableError as err:
        raise NotFillableError(f"{err.message}: this is not {the_forms()}; {what_we_fill()}.") from None
    if pristine:
        expected = pristine_values(blank)
        if expected is not None:
            check_pristine(blank, expected)
    return blank


def read_blank(path: str | Path) -> BlankForm:
    """Open a blank form file (plain or as uscis.gov ships it) and prepare it for filling."""
    return load_blank(read_file(path), str(path))


def pristine_values(blank: BlankForm) -> Pristine | None:
    """What the pristine blank of this blank's edition holds: its field map's `blank_defaults`.

    Recorded from the pristine edition, never read from the file itself. None for an edition without a
    field map: such a blank is refused later anyway (formfill.fieldmap.for_form).
    """
    fmap = all_maps().get((blank.form, blank.edition))
    if fmap is None:
        return None
    if not fmap.blank_defaults:
        raise FormError(
            f"The field map {fmap.path} does not record what the blank {blank.form} edition {blank.edition} holds "
            f"(`blank_defaults`), so {blank.source} cannot be checked to be a blank; add them to the map"
        )
    return Pristine(f"{blank.form} edition {blank.edition}", dict(fmap.blank_defaults))


def expectations(fmap: FieldMap) -> Expectations:
    """What a file filled with this map must hold beyond the written values, for formfill.pdf.verify."""
    from formfill.pdf.verify import Expectations  # here: pdfplumber is imported only by what verifies

    return Expectations(
        defaults=dict(fmap.blank_defaults),
        groups={e.field: e.group for e in fmap.entries if e.group},
        sources={e.field: e.source for e in fmap.entries},
        empty=frozenset(fmap.signature_fields) | frozenset(fmap.unfilled_fields),
    )


def identification_fields(fmap: FieldMap, blank: BlankForm) -> frozenset[str]:
    """The fields by which the blank states its form and edition (the spec's `identification.barcode_field`):
    they print the publisher's code, never an answer, so the printed check passes over them."""
    marker = fmap.package.spec.identification.barcode_field
    return frozenset(name for name in blank.fields if marker in name)


__all__ = ["expectations", "identification_fields", "load_blank", "pristine_values", "read_blank"]
