"""Normalise identifiers the way people write them into the way the form prints them.

Each function takes what a person typed and returns the printed form, or raises ValueError with a
sentence that pydantic attaches to the JSON key. Lengths come from the form's own validation scripts
(XFA `ValidationScripts`: 9-digit A-Number and SSN, 13-character receipt number, 11-character I-94
number, 12-character USCIS online account number, 5-digit ZIP).
"""

from __future__ import annotations

import re
import unicodedata

_SEPARATORS = re.compile(r"[\s\-.()/]+")

# Invisible formatting characters: dropped, since a viewer may draw them (a soft hyphen prints as "-").
_INVISIBLE = set("\u00ad\u200b\u200c\u200d\u2060\ufeff")
# Characters the form's font (Courier New Bold, WinAnsiEncoding, not embedded) can draw.
_WINANSI_EXTRA = set("€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ")


def _ascii_digits(text: str) -> bool:
    """0-9 only: str.isdigit() also accepts Arabic-Indic or fullwidth digits the form's font cannot print."""
    return text.isascii() and text.isdigit()


def _strip(value: str) -> str:
    return _SEPARATORS.sub("", value.strip())


def a_number(value: str) -> str:
    """`A-123-456-789`, `A123456789`, `123456789` -> `123456789`; 8-digit numbers get a leading 0."""
    raw = _strip(value).upper()
    if raw.startswith("A"):
        raw = raw[1:]
    if not _ascii_digits(raw) or len(raw) not in (8, 9):
        raise ValueError("an A-Number has 8 or 9 digits, optionally written with an 'A' and hyphens")
    raw = raw.zfill(9)
    if set(raw) == {"0"}:
        raise ValueError("an A-Number cannot be all zeros")
    return raw


def ssn(value: str) -> str:
    """`123-45-6789` -> `123456789`."""
    raw = _strip(value)
    if not _ascii_digits(raw) or len(raw) != 9:
        raise ValueError("a Social Security number has 9 digits")
    if raw[:3] in ("000", "666") or raw[:3] >= "900" or raw[3:5] == "00" or raw[5:] == "0000":
        raise ValueError("this is not a valid Social Security number (SSA never issues it)")
    return raw


def us_phone(value: str) -> str:
    """`(213) 555-0148`, `+1 213 555 0148` -> `2135550148` (the form's 10-digit phone boxes)."""
    raw = _strip(value).lstrip("+")
    if len(raw) == 11 and raw.startswith("1"):
        raw = raw[1:]
    if not _ascii_digits(raw) or len(raw) != 10:
        raise ValueError("a U.S. telephone number has 10 digits (area code and number)")
    return raw


def any_phone(value: str) -> str:
    """Digits only, up to 15 (the beneficiary's phone box also takes foreign numbers)."""
    raw = _strip(value).lstrip("+")
    if not _ascii_digits(raw) or not 7 <= len(raw) <= 15:
        raise ValueError("a telephone number has 7 to 15 digits")
    return raw


def receipt_number(value: str) -> str:
    """`IOE-091-234-5678` -> `IOE0912345678`: three letters and ten digits."""
    raw = _strip(value).upper()
    if not re.fullmatch(r"[A-Z]{3}[0-9]{10}", raw):
        raise ValueError("a USCIS receipt number is 3 letters and 10 digits, such as IOE0912345678")
    return raw


def i94_number(value: str) -> str:
    raw = _strip(value).upper()
    if not re.fullmatch(r"[0-9A-Z]{11}", raw):
        raise ValueError("an I-94 number has 11 letters and digits")
    return raw


def uscis_account(value: str) -> str:
    raw = _strip(value)
    if not re.fullmatch(r"[0-9]{12}", raw):
        raise ValueError("a USCIS online account number has 12 digits")
    return raw


def zip_code(value: str) -> str:
    raw = value.strip()
    if not re.fullmatch(r"[0-9]{5}", raw):
        raise ValueError("a ZIP code has exactly 5 digits (the form has no box for ZIP+4)")
    return raw


def person_name(value: str) -> str:
    """Names print in the passport's Latin spelling: diacritics dropped, letters, spaces and hyphens.

    The form's own validation allows only A-Z letters, space and hyphen in name fields. "Muñoz"
    becomes "Munoz" (the spelling in a passport's machine-readable zone); anything else is refused
    rather than guessed.
    """
    text = " ".join(value.split())
    if not text:
        raise ValueError("a name cannot be empty; leave the key out or use null when it does not apply")
    folded = fold_diacritics(text)
    bad = sorted({c for c in folded if not (c.isascii() and (c.isalpha() or c in " -"))})
    if bad:
        shown = " ".join(repr(c) for c in bad)
        raise ValueError(
            f"names may use only letters, spaces and hyphens (the form's own rule); found {shown}. "
            "Use the spelling in the passport's machine-readable zone, e.g. OBRIEN for O'Brien"
        )
    return folded


def fold_diacritics(text: str) -> str:
    """`Nguyễn` -> `Nguyen`, `Muñoz` -> `Munoz`; `ß` -> `ss`, `Ø` -> `O`."""
    special = {
        "ß": "ss",
        "Ø": "O",
        "ø": "o",
        "Æ": "AE",
        "æ": "ae",
        "Œ": "OE",
        "œ": "oe",
        "Đ": "D",
        "đ": "d",
        "Ł": "L",
        "ł": "l",
        "Þ": "TH",
        "þ": "th",
        "ı": "i",
    }
    text = "".join(special.get(c, c) for c in text)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def printable_text(value: str) -> str:
    """Free text must be drawable by the form's WinAnsi font; anything else would print as a box."""
    text = unicodedata.normalize("NFC", value)
    text = "".join(c for c in text if c not in _INVISIBLE).replace("\t", " ").strip()
    bad = sorted({c for c in text if not is_winansi(c)})
    if bad:
        shown = " ".join(repr(c) for c in bad[:5])
        raise ValueError(f"the form's font cannot print {shown}; write this answer in Latin characters")
    return text


def is_winansi(char: str) -> bool:
    if char in "\n\t":
        return True
    code = ord(char)
    return 0x20 <= code <= 0x7E or 0xA0 <= code <= 0xFF or char in _WINANSI_EXTRA
