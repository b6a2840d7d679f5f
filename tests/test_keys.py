"""formfill.pdf.keys: the PDF names pdf/ reads and writes, spelled once."""

from __future__ import annotations

import re

from formfill.pdf import keys

NAMES = {name: value for name, value in vars(keys).items() if name.isupper() and isinstance(value, str)}


def test_every_key_is_a_pdf_name_spelled_once() -> None:
    assert all(re.fullmatch(r"/[A-Za-z][A-Za-z0-9]*", value) for value in NAMES.values()), NAMES
    assert len(set(NAMES.values())) == len(NAMES), "two constants for one name"
    assert {keys.FT, keys.V, keys.AS, keys.T, keys.KIDS, keys.ANNOTS, keys.AP, keys.MAX_LEN, keys.FF, keys.DA,
            keys.RECT, keys.ACRO_FORM, keys.FIELDS, keys.XFA, keys.FILTER, keys.DECODE_PARMS} == {
        "/FT", "/V", "/AS", "/T", "/Kids", "/Annots", "/AP", "/MaxLen", "/Ff", "/DA", "/Rect", "/AcroForm", "/Fields",
        "/XFA", "/Filter", "/DecodeParms"}


def test_bare_is_pdfminers_spelling() -> None:
    assert keys.bare(keys.KIDS) == "Kids"
    assert keys.bare(keys.TEXT) == "Tx"
