"""The one masker: SSNs and A-Numbers found by what they look like, masked to their last 4 digits.

Every message, problem, note, report line, diff, redacted review and derived file name formfill writes
goes through `mask_text` (or `mask_tree` for a JSON document), so an identifier is masked wherever it
sits, not only under the keys `ssn` and `a_number`. What counts as an identifier (documented in the
README, "What formfill trusts"):

- nine digits in a row (`531729846`), or grouped 3-2-4 (an SSN: `531-72-9846`) or 3-3-3 (an A-Number:
  `208-417-593`), the groups separated by one to three of: spaces (any Unicode space, also a line break),
  hyphens and every Unicode dash (en, em, minus, ...), dots, slashes, backslashes, underscores, or an
  invisible character (a zero-width space, a soft hyphen), mixed as they come; exactly nine single digits
  spaced out on one line (`5 3 1 7 2 9 8 4 6`, how a comb box reads back);
- 7 to 9 digits in any grouping after an A-Number prefix: `A`, `A-`, `A#`, `A `, `A-Number`, `A No.`,
  `Alien Registration Number` (`A-208-417-593`, `A# 12345678`, `A-Number: 1234567`);
- with `known` values (the profile's own SSN and A-Number, from `known_identifiers`): those digits with up
  to three separators between any two of them (`5317-29846`, the spacing pdfium reads off a page).

Not identifiers, so never touched: dates (`12/03/2026`, `2026-12-03`, `20261203`), ZIP codes (`94110`,
`94110-1234`), 10-digit phone numbers in any spelling, receipt numbers (`IOE0912345678`), I-94 numbers
(11 characters, also `123456789A1`), 12-digit USCIS account numbers, decimals (`0.123456789`), IP addresses
(`192.168.100.123`), and numbers written with commas (`208,417,593`). A 9-digit passport number, or one written
`A` + 7-9 digits, is masked like the identifier it cannot be told from.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterable, Mapping
from typing import Any

SENSITIVE_KEYS = ("ssn", "a_number")

_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2212\u2e3a\u2e3b\ufe58\ufe63\uff0d"
_SLASHES = "/\\\u2044\u2215\uff0f"
_DOTS = ".\u00b7\u2022\u2024\u2027\u30fb\uff0e"
_INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
SEPARATORS = _DASHES + _SLASHES + _DOTS + "_" + _INVISIBLE
"""What people (and pdfium) put between the digits of an identifier, besides any whitespace."""

_SEP = rf"[\s{re.escape(SEPARATORS)}]"
_DIGITS = re.compile(r"\d+")
_CHAIN = re.compile(rf"\d+(?:{_SEP}{{1,3}}\d+)*")  # digit groups and what separates them, maximal
_PREFIX = re.compile(
    r"(?<![A-Za-z0-9])(?:"
    r"(?i:a\s?[-\u2010-\u2015]?\s?(?:number|nbr|no\b\.?|#)|alien\s+(?:registration\s+)?(?:number|no\b\.?|#))"
    r"|A|a(?=[#\-\u2010-\u2015\d])"
    rf")(?:[#:]|{_SEP}){{0,4}}$"
)
_PREFIX_REACH = 40  # characters before a digit group that a prefix can occupy
_DECIMAL_BEFORE = re.compile(r"\d[.,]$")
_DECIMAL_AFTER = re.compile(r"[.,]\d")
_I94_TAIL = re.compile(r"[A-Za-z]\d(?![A-Za-z0-9])")  # 123456789A1: an I-94 number, 11 characters
_GROUPINGS = ((3, 2, 4), (3, 3, 3))
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


# --- finding -------------------------------------------------------------------------------------


def spans(text: str, known: Iterable[str] = ()) -> list[tuple[int, int]]:
    """Where identifiers are in `text`: (start, end) from the first digit to the last, in order, merged."""
    values = _known_digits(tuple(known))
    found: list[tuple[int, int]] = []
    for chain in _CHAIN.finditer(text):
        groups = [(m.start(), m.end()) for m in _DIGITS.finditer(text, chain.start(), chain.end())]
        found.extend(_in_chain(text, groups))
        if values:
            found.extend(_known_in_chain(text, groups, values))
    found.sort()
    merged: list[tuple[int, int]] = []
    for start, end in found:
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def hidden(text: str, known: Iterable[str] = ()) -> list[int]:
    """The positions of the digits to hide: every digit of each identifier but its last 4."""
    out: list[int] = []
    for start, end in spans(text, known):
        digits = [i for i in range(start, end) if text[i].isdecimal()]
        out.extend(digits[:-4])
    return out


def _in_chain(text: str, groups: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The identifiers among consecutive digit groups (a prefixed A-Number first, then the shapes above)."""
    sizes = [end - start for start, end in groups]
    dotted = all(text[a[1]:b[0]] == "." for a, b in itertools.pairwise(groups))
    if len(groups) == 4 and max(sizes) <= 3 and dotted:
        return []  # an IP address (a mirror's URL): 192.168.100.123
    found: list[tuple[int, int]] = []
    i = 0
    first = groups[0][0]
    if _PREFIX.search(text, max(0, first - _PREFIX_REACH), first):
        total, k = 0, 0
        while k < len(sizes) and total + sizes[k] <= 9:
            total, k = total + sizes[k], k + 1
        if total >= 7:
            found.append((groups[0][0], groups[k - 1][1]))
            i = k
    while i < len(groups):
        if tuple(sizes[i:i + 3]) in _GROUPINGS:
            found.append((groups[i][0], groups[i + 2][1]))
            i += 3
        elif sizes[i] == 1:
            run = _singles(text, groups, sizes, i)
            if run == 9:
                found.append((groups[i][0], groups[i + 8][1]))
            i += run
        else:
            if sizes[i] == 9 and _plain_nine(text, *groups[i]):
                found.append(groups[i])
            i += 1
    return found


def _singles(text: str, groups: list[tuple[int, int]], sizes: list[int], i: int) -> int:
    """How many single digits follow one another on one line from group `i` (a comb box reads back so:
    exactly nine is an identifier, twelve an account number)."""
    j = i + 1
    while j < len(sizes) and sizes[j] == 1 and not any(c in "\r\n" for c in text[groups[j - 1][1]:groups[j][0]]):
        j += 1
    return j - i


def _plain_nine(text: str, start: int, end: int) -> bool:
    """Nine digits standing alone, not the fraction of a decimal nor the head of an I-94 number."""
    return not (_DECIMAL_BEFORE.search(text, max(0, start - 2), start) or _DECIMAL_AFTER.match(text, end)
                or _I94_TAIL.match(text, end))


def _known_in_chain(text: str, groups: list[tuple[int, int]], values: tuple[str, ...]) -> list[tuple[int, int]]:
    """A known identifier's digits in a chain, in any grouping: from the start of a group to the end of one."""
    digits = "".join(text[start:end] for start, end in groups)
    where = [i for start, end in groups for i in range(start, end)]
    starts, ends = set(), set()
    offset = 0
    for start, end in groups:
        starts.add(offset)
        offset += end - start
        ends.add(offset)
    found: list[tuple[int, int]] = []
    for value in values:
        at = digits.find(value)
        while at != -1:
            if at in starts and at + len(value) in ends:
                found.append((where[at], where[at + len(value) - 1] + 1))
            at = digits.find(value, at + 1)
    return found


@functools.lru_cache(maxsize=256)
def _known_digits(known: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted({d for v in known if len(d := "".join(c for c in v if c.isdecimal())) >= 7}))


# --- masking -------------------------------------------------------------------------------------


def mask_text(text: str, known: Iterable[str] = (), fill: str = "*") -> str:
    """`SSN 531-72-9846` -> `SSN ***-**-9846`: each identifier's digits but the last 4 become `fill`."""
    if not any(c.isdecimal() for c in text):
        return text
    hide = hidden(text, known)
    if not hide:
        return text
    chars = list(text)
    for i in hide:
        chars[i] = fill
    return "".join(chars)


def mask_tree(doc: Any, known: Iterable[str] = ()) -> Any:
    """A JSON-like document with every string (keys too) masked; numbers and the rest unchanged."""
    known = tuple(known)
    if isinstance(doc, str):
        return mask_text(doc, known)
    if isinstance(doc, dict):
        return {mask_tree(k, known): mask_tree(v, known) for k, v in doc.items()}
    if isinstance(doc, list | tuple):
        return [mask_tree(v, known) for v in doc]
    return doc


def masked_name(text: str, known: Iterable[str] = ()) -> str:
    """A file name part from a matter id or file stem: identifiers masked (`client_xxx_xx_9846`), then only
    letters, digits, dot, dash and underscore, at most 100 characters."""
    known = tuple(known)
    # Masked before and after cleaning: `531,72,9846` becomes `531_72_9846` only when cleaned.
    cleaned = _UNSAFE_NAME.sub("_", mask_text(text, known, "x")).strip("._")
    return mask_text(cleaned, known, "x")[:100] or "profile"


_NUMBER_RUNS = re.compile(rf"\d(?:\d|{_SEP}){{5,}}\d")


def scrub_numbers(text: str) -> str:
    """Text formfill did not compose (an unexpected exception's message), where any value may be quoted:
    every number of 7 or more characters (digits and separators) becomes `[redacted]`, then identifiers are
    masked as everywhere."""
    return mask_text(_NUMBER_RUNS.sub("[redacted]", text))


# --- by JSON path --------------------------------------------------------------------------------


def is_sensitive(path: str) -> bool:
    """Profile paths whose values never appear in a message or log line (SSN, A-Number)."""
    last = path.rsplit(".", 1)[-1].split("[", 1)[0]
    return last in SENSITIVE_KEYS


def under_sensitive(path: str) -> bool:
    """`applicant.ssn` or anything below it (`applicant.ssn.number`: an invalid profile nests it)."""
    parts = path.split(".")
    return any(is_sensitive(".".join(parts[: i + 1])) for i in range(len(parts)))


def shown(path: str, value: object) -> str:
    """`repr(value)` for messages: `'[redacted]'` under a sensitive key, identifiers masked anywhere else."""
    if is_sensitive(path) and value:
        return "'[redacted]'"
    return mask_text(repr(value))


def mask_value(path: str, value: Any, show: bool = False) -> Any:
    """A profile value for display: `*****6789` under a sensitive key, identifiers masked in any other."""
    if show or value is None:
        return value
    if under_sensitive(path):
        text = str(value)
        return "*" * max(0, len(text) - 4) + text[-4:]
    return mask_tree(value)


def known_identifiers(data: Any, path: str = "") -> tuple[str, ...]:
    """The digits of every SSN and A-Number a profile (as a dict) holds under its sensitive keys."""
    found: set[str] = set()
    _collect(data, path, under_sensitive(path) if path else False, found)
    return tuple(sorted(found, key=lambda v: (-len(v), v)))


def _collect(data: Any, path: str, inside: bool, found: set[str]) -> None:
    if isinstance(data, Mapping):
        for key, value in data.items():
            sub = f"{path}.{key}" if path else str(key)
            _collect(value, sub, inside or is_sensitive(sub), found)
    elif isinstance(data, list | tuple):
        for i, value in enumerate(data):
            _collect(value, f"{path}[{i}]", inside, found)
    elif inside and isinstance(data, str | int) and not isinstance(data, bool):
        digits = "".join(c for c in str(data) if c.isdecimal())
        if len(digits) >= 7:
            found.add(digits)
            if digits.startswith("0") and len(digits.lstrip("0")) >= 7:
                found.add(digits.lstrip("0"))  # an 8-digit A-Number is stored with a leading 0


__all__ = [
    "SENSITIVE_KEYS",
    "SEPARATORS",
    "hidden",
    "is_sensitive",
    "known_identifiers",
    "mask_text",
    "mask_tree",
    "mask_value",
    "masked_name",
    "scrub_numbers",
    "shown",
    "spans",
    "under_sensitive",
]
