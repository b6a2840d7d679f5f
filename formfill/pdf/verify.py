"""Prove a fill: re-open the written bytes with pdfplumber and compare every field with the plan.

pdfplumber (pdfminer underneath) is an independent reader from the pypdf code that wrote the file,
so a value that reads back here was really written. We check the value (/V), the checkbox state
(/AS agrees with /V and names an appearance the box has), the text the appearance stream draws,
that every box not meant to be checked is off, that no question has two boxes on, and that the
signature fields are empty. What the form expects where nothing was written (its pristine values,
its questions, its signature boxes) comes from the form layer as plain data (`Expectations`).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pdfplumber
from pdfminer.pdftypes import PDFObjRef, PDFStream, resolve1
from pdfminer.psparser import PSLiteral
from pdfminer.utils import decode_text
from pdfplumber.pdf import PDF

from formfill.errors import FormError, InputError, Problem
from formfill.files import write_atomic
from formfill.masking import shown as show
from formfill.pdf import keys
from formfill.pdf.blank import PREPARE_SECONDS, BlankForm, one_line, time_limit
from formfill.pdf.cache_entry import cache_dir
from formfill.pdf.keys import bare
from formfill.pdf.streams import FLATE, inflate
from formfill.pdf.writer import FieldValue

# pdfminer's spelling of the keys read for every field
_T, _FT, _V, _KIDS, _PARENT = (bare(k) for k in (keys.T, keys.FT, keys.V, keys.KIDS, keys.PARENT))
_KINDS = {bare(keys.TEXT): "text", bare(keys.BUTTON): "check", bare(keys.CHOICE): "choice"}
_OFF = bare(keys.OFF)
_TJ = re.compile(rb"\((?P<s>(?:\\.|[^\\)])*)\)\s*Tj", re.S)
_ESC = re.compile(rb"\\(.)", re.S)


@dataclass
class ReadField:
    name: str
    kind: str
    value: str | None
    state: str | None
    states: tuple[str, ...]
    drawn: str | None  # text the normal appearance draws (text fields)


@dataclass(frozen=True)
class Expectations:
    """What a filled file must hold beyond the values written into it, as the form layer knows it.

    `defaults`: the pristine blank's value of every field that is not empty in it (every other field
    nothing was written to must be empty); `groups`: the question each checkbox answers (at most one
    box of a question may be on); `sources`: what a problem about a field points at (a profile path);
    `empty`: fields that must stay empty whatever was planned (signatures, fields formfill never fills).
    """

    defaults: Mapping[str, str] = field(default_factory=dict)
    groups: Mapping[str, str] = field(default_factory=dict)
    sources: Mapping[str, str] = field(default_factory=dict)
    empty: frozenset[str] = frozenset()


@dataclass
class Verification:
    ok: bool
    problems: list[Problem] = field(default_factory=list)
    fields_checked: int = 0
    boxes_checked: int = 0
    text_fields: int = 0
    continuation_sheets: int = 0
    printed_checked: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "fields_checked": self.fields_checked,
            "boxes_checked": self.boxes_checked,
            "text_fields": self.text_fields,
            "continuation_sheets": self.continuation_sheets,
            "printed_checked": self.printed_checked,
            "problems": [p.to_dict() for p in self.problems],
        }


def read_fields(pdf: PDF) -> dict[str, ReadField]:
    """Every terminal field of an open PDF, as pdfplumber reads it: the full (slow) read that a fill built
    on a known blank avoids (only the fields it wrote are read then)."""
    out: dict[str, ReadField] = {}
    acro = resolve1(pdf.doc.catalog.get(bare(keys.ACRO_FORM)))
    if not acro:
        return out

    def walk(ref: Any, prefix: str, inherited: dict[str, Any]) -> None:
        obj = resolve1(ref)
        if not isinstance(obj, dict):
            return
        name = prefix
        if _T in obj:
            t = _text(obj[_T]) or ""
            name = f"{prefix}.{t}" if prefix else t
        inh = dict(inherited)
        for key in (_FT, _V):
            if key in obj:
                inh[key] = obj[key]
        kids = resolve1(obj.get(_KIDS))
        if kids:
            for kid in kids:
                walk(kid, name, inh)
            return
        out[name] = _read(name, obj, inh)

    for ref in resolve1(acro.get(bare(keys.FIELDS))) or []:
        walk(ref, "", {})
    return out


BASELINE_VERSION = 2
_BASELINES: dict[tuple[str, int], tuple[dict[str, ReadField], int, list[int]]] = {}
_log = logging.getLogger("formfill")


def baseline(blank: BlankForm) -> tuple[dict[str, ReadField], int, list[int]]:
    """The prepared blank's fields as pdfplumber reads them, its xref sections and its undecodable pages.

    Read once per process, and kept in the user's cache keyed by the prepared bytes' sha256 (a fill
    is only checked against it when the file starts with exactly those bytes). The cache entry
    carries a digest of its content and the blank's; one that does not match is discarded, loudly.
    """
    key = (blank.sha256, len(blank.data))
    if key not in _BASELINES:
        data_sha = hashlib.sha256(blank.data).hexdigest()
        path = cache_dir() / f"baseline-{data_sha}-v{BASELINE_VERSION}.json"
        found = _baseline_get(path, data_sha)
        if found is None:
            with pdfplumber.open(io.BytesIO(blank.data)) as pdf:
                found = (read_fields(pdf), len(pdf.doc.xrefs), _undecodable_pages(pdf, range(len(pdf.pages))))
            _baseline_put(path, data_sha, found)
        _BASELINES[key] = found
    return _BASELINES[key]


def forget_baselines() -> None:
    """Drop this process's copies of the baselines (the cached files stay): the next `baseline` call reads
    the cache folder again, e.g. after FORMFILL_CACHE_DIR changed."""
    _BASELINES.clear()


def _baseline_body(data_sha: str, found: tuple[dict[str, ReadField], int, list[int]]) -> str:
    fields, xrefs, bad_pages = found
    return json.dumps({"blank": data_sha, "xrefs": xrefs, "bad_pages": bad_pages,
                       "fields": [asdict(f) for f in fields.values()]}, sort_keys=True)


def _baseline_get(path: Path, data_sha: str) -> tuple[dict[str, ReadField], int, list[int]] | None:
    if not path.exists():
        return None
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        body = doc["body"]
        if hashlib.sha256(body.encode()).hexdigest() != doc["sha256"]:
            raise ValueError("its content does not match the digest recorded when it was written")
        parsed = json.loads(body)
        if parsed["blank"] != data_sha:
            raise ValueError("it belongs to another blank")
        fields = {f["name"]: ReadField(**{**f, "states": tuple(f["states"])}) for f in parsed["fields"]}
        return fields, int(parsed["xrefs"]), [int(n) for n in parsed["bad_pages"]]
    except (OSError, ValueError, KeyError, TypeError) as err:
        _log.warning("formfill: discarding the cached verification baseline %s (%s); reading the blank again",
                     path, err)
        with contextlib.suppress(OSError):
            path.unlink()
        return None


def _baseline_put(path: Path, data_sha: str, found: tuple[dict[str, ReadField], int, list[int]]) -> None:
    body = _baseline_body(data_sha, found)
    doc = json.dumps({"sha256": hashlib.sha256(body.encode()).hexdigest(), "body": body})
    with contextlib.suppress(InputError):  # a read-only home only costs speed
        write_atomic(path, doc.encode("utf-8"), overwrite=True, what="the cache entry")


MAX_SHEET_CONTENT = 2**20


def _content_size(pdf: PDF, n: int) -> int:
    """Decoded bytes of page n's content streams (each already within the decompression bounds)."""
    contents = resolve1(pdf.pages[n].page_obj.attrs.get(bare(keys.CONTENTS)))
    streams = contents if isinstance(contents, list) else [contents]
    return sum(len(stream.get_data()) for stream in map(resolve1, streams) if isinstance(stream, PDFStream))


def _undecodable_pages(pdf: PDF, pages: range) -> list[int]:
    """0-based numbers of pages whose content stream does not decode: such a page prints wrong or not at all."""
    bad: list[int] = []
    for n in pages:
        contents = resolve1(pdf.pages[n].page_obj.attrs.get(bare(keys.CONTENTS)))
        streams = contents if isinstance(contents, list) else [contents]
        if not all(_decodes(resolve1(s)) for s in streams if s is not None):
            bad.append(n)
    return bad


def _decodes(stream: Any) -> bool:
    """Whether a content stream decodes completely (pdfminer itself quietly accepts a damaged one).

    Every stream of the file passed the decompression bounds when load_blank read it (a fill's own
    pages are formfill's), so pdfminer's unbounded decoders meet none beyond them; Flate layers are
    inflated with the bounded inflater all the same, to require each to end.
    """
    if not isinstance(stream, PDFStream):
        return False
    filters = [f"/{_name(f) or ''}" for f, _ in stream.get_filters()]
    raw = stream.rawdata
    if raw is None or stream.decipher is not None or any(f not in FLATE for f in filters):
        try:
            stream.get_data()
        except Exception:  # any decoder failure is a page that does not print
            return False
        return True
    data = raw
    for _ in filters:
        try:
            data = inflate(data, complete=True)
        except FormError:  # damaged, cut short or beyond the bounds: the page does not print as written
            return False
    return True


def _overlay(
    pdf: PDF, data: bytes, blank: BlankForm, names: list[str], sheets: int
) -> dict[str, ReadField] | None:
    """The blank's fields with the written ones re-read from this file, or None when not applicable.

    Applies only when the updates after the blank keep its catalog, add no encryption, change no
    object but the written fields (and the page tree, keeping the blank's pages first, when
    continuation sheets were planned).
    """
    if not data.startswith(blank.data) or not pdf.doc.xrefs:
        return None
    written = {blank.fields[n].ref.idnum: n for n in names if n in blank.fields}
    if len(written) != len(names):
        return None
    trailer = blank.reader.trailer
    size = int(trailer[keys.SIZE])  # type: ignore[call-overload]
    root_ref = trailer.raw_get(keys.ROOT)
    pages_ref = trailer[keys.ROOT].raw_get(keys.PAGES)  # type: ignore[attr-defined]
    allowed = set(written) | ({pages_ref.idnum} if sheets else set())
    base_fields, base_xrefs, _ = baseline(blank)
    updates = pdf.doc.xrefs[: len(pdf.doc.xrefs) - base_xrefs]
    touched = {objid for xref in updates for objid in xref.get_objids()}
    if not updates or any(objid < size and objid not in allowed for objid in touched):
        return None  # an update changed something we did not plan: read everything
    for xref in updates:
        t = xref.get_trailer()
        root = t.get(bare(keys.ROOT))
        if bare(keys.ENCRYPT) in t or not isinstance(root, PDFObjRef) or root.objid != root_ref.idnum:
            return None
    if sheets:
        kids = resolve1(resolve1(pdf.doc.getobj(pages_ref.idnum)).get(_KIDS)) or []
        blank_kids = [page.indirect_reference.idnum for page in blank.reader.pages if page.indirect_reference]
        got_kids = [k.objid for k in kids if isinstance(k, PDFObjRef)]
        if got_kids[: len(blank_kids)] != blank_kids or len(got_kids) != len(blank_kids) + sheets:
            return None
    fields = dict(base_fields)
    for objid, name in written.items():
        obj = resolve1(pdf.doc.getobj(objid))
        if not isinstance(obj, dict):
            fields.pop(name, None)
            continue
        qualified, inherited = _lineage(obj)
        if qualified != name:
            fields.pop(name, None)  # reported as missing: the object is not the field we meant
            continue
        fields[name] = _read(name, obj, inherited)
    return fields


def _lineage(obj: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """A field's fully qualified name and inherited /FT and /V, read up its /Parent chain."""
    names: list[str] = []
    inherited: dict[str, Any] = {}
    node: Any = obj
    for _ in range(64):
        if not isinstance(node, dict):
            break
        if _T in node:
            names.append(_text(node[_T]) or "")
        for key in (_FT, _V):
            if key in node and key not in inherited:
                inherited[key] = node[key]
        node = resolve1(node.get(_PARENT)) if _PARENT in node else None
    return ".".join(reversed(names)), inherited


def _read(name: str, obj: dict[str, Any], inh: dict[str, Any]) -> ReadField:
    ft = _name(inh.get(_FT))
    kind = _KINDS.get(ft or "", "other")
    raw_v = resolve1(inh.get(_V))
    value = _name(raw_v) if isinstance(raw_v, PSLiteral) else _text(raw_v)
    state = _name(resolve1(obj.get(bare(keys.AS))))
    ap = resolve1(obj.get(bare(keys.AP)))
    normal = resolve1(ap.get(bare(keys.N))) if isinstance(ap, dict) else None
    states: tuple[str, ...] = ()
    drawn = None
    if isinstance(normal, dict):
        states = tuple(str(k) for k in normal)
    elif isinstance(normal, PDFStream) and kind in ("text", "choice"):
        drawn = _drawn_text(normal.get_data())
    return ReadField(name, kind, value, state, states, drawn)


def _drawn_text(content: bytes) -> str:
    pieces = [_ESC.sub(_unescape, m.group("s")).decode("cp1252", errors="replace") for m in _TJ.finditer(content)]
    return "\x00".join(pieces)


def _unescape(m: re.Match[bytes]) -> bytes:
    c = m.group(1)
    return {b"n": b"\n", b"r": b"\r", b"t": b"\t"}.get(c, c)


def _name(value: Any) -> str | None:
    if isinstance(value, PSLiteral):
        return str(value.name if isinstance(value.name, str) else value.name.decode("latin-1"))
    if isinstance(value, PDFObjRef):
        return _name(resolve1(value))
    return None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        return decode_text(value)
    if isinstance(value, PSLiteral):
        return _name(value)
    return str(value)


def _squash(text: str) -> str:
    return " ".join(text.split())


def verify_bytes(
    data: bytes,
    values: Sequence[FieldValue],
    expected: Expectations,
    sheets: list[list[str]] | None = None,
    blank_pages: int = 0,
    blank: BlankForm | None = None,
    source: str = "the written PDF",
) -> Verification:
    """Compare a written file with what was planned for it (sheets: the continuation sheets' lines).

    Every field the plan did not write must read back as the pristine blank's default
    (`expected.defaults`, never the values of the blank it was written on), and every page's
    content stream must decode.
    With the `blank` it was written on, and when the file is that blank's bytes plus one update that
    touches only the planned objects, only the written fields are parsed again: every other field is
    byte-for-byte the blank's, whose fields were read once per process. Anything else gets a full read.
    """
    try:
        with time_limit(PREPARE_SECONDS, source):
            return _verify(data, values, expected, sheets, blank_pages, blank)
    except FormError:
        raise
    except RecursionError:
        raise FormError(f"{source} could not be read back: objects nested too deeply") from None
    except Exception as err:  # a damaged or hostile file can make pdfminer raise anything
        raise FormError(f"{source} could not be read back: it is damaged or malformed ({one_line(err)})") from None


def _verify(
    data: bytes,
    values: Sequence[FieldValue],
    expectations: Expectations,
    sheets: list[list[str]] | None,
    blank_pages: int,
    blank: BlankForm | None,
) -> Verification:
    problems: list[Problem] = []
    expected_names = [p.field for p in values]
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        fields = _overlay(pdf, data, blank, expected_names, len(sheets or [])) if blank is not None else None
        if fields is None:
            fields = read_fields(pdf)
            damaged = _undecodable_pages(pdf, range(len(pdf.pages)))
        else:  # the blank's own pages are byte for byte the blank's, read once per process
            assert blank is not None
            damaged = baseline(blank)[2] + _undecodable_pages(pdf, range(blank.page_count, len(pdf.pages)))
        for n in damaged:
            problems.append(Problem("", f"page {n + 1}: its content stream does not decode, so the page would not "
                                        "print as written", "verify"))
        if sheets is not None:
            problems.extend(_check_sheets(pdf, sheets, blank_pages))
    expected = {p.field: p for p in values}

    def bad(p: FieldValue | None, field_name: str, message: str) -> None:
        where = p.source if p else field_name
        problems.append(Problem(where, f"{message} [{field_name}]", "verify"))

    for name, p in expected.items():
        got = fields.get(name)
        if got is None:
            bad(p, name, "field is missing from the written file")
            continue
        if p.kind == "check":
            on = p.value.lstrip("/")
            if got.value != on or got.state != on:
                bad(p, name, f"box should be on ({on}) but reads value={got.value!r} state={got.state!r}")
            elif on not in got.states:
                bad(p, name, f"box has no appearance for its state {on!r}")
            continue
        if got.value != p.value:
            src = p.source
            bad(p, name, f"reads back {show(src, got.value)} instead of {show(src, p.value)}")
        drawn = got.drawn
        if drawn is None:
            bad(p, name, "has no appearance stream, so it would print empty")
            continue
        pieces = drawn.split("\x00")
        comb = len(p.layout.lines) == 1 and len(pieces) > 1  # comb fields draw one character per cell
        drawn_text = "".join(pieces) if comb else " ".join(pieces)
        if _squash(drawn_text) != _squash(p.value):
            bad(p, name, f"prints {show(p.source, drawn_text)} instead of {show(p.source, p.value)}")

    checked = 0
    groups: dict[str, list[str]] = {}
    # What a field the plan did not write must hold: the pristine blank's value from the form's data,
    # never the value in the blank that was filled (which may itself be someone's filled form).
    defaults = expectations.defaults
    group_of = expectations.groups
    source_of = expectations.sources
    signature = expectations.empty
    for name, got in fields.items():
        is_on = got.kind == "check" and got.state not in (None, _OFF)
        if is_on:
            checked += 1
            if group_of.get(name):
                groups.setdefault(group_of[name], []).append(name)
            if name not in expected:
                bad(None, name, "box is checked although the profile does not say so")
        if got.kind == "check" and got.value not in (None, _OFF, "") and got.value != got.state:
            bad(None, name, f"box value {got.value!r} differs from its appearance state {got.state!r}")
        if got.kind in ("text", "choice") and name not in expected:
            default = defaults.get(name, "")
            if (got.value or "") != default:
                bad(None, name, f"holds {show(source_of.get(name, ''), got.value)} although nothing was meant to be "
                                "written there")
            elif got.drawn and _squash(got.drawn.replace("\x00", " ")) not in ("", _squash(default)):
                bad(None, name, f"prints {show(source_of.get(name, ''), got.drawn)} although nothing was meant to be "
                                "written there")
        if name in signature and got.value:
            bad(None, name, "signature field must stay empty (USCIS requires a handwritten signature)")
    for group, members in groups.items():
        if len(members) > 1:
            bad(None, ", ".join(members), f"{len(members)} boxes checked for one question ({group})")
    boxes = sum(1 for p in values if p.kind == "check")
    if checked != boxes:
        problems.append(Problem("", f"{checked} boxes are checked, {boxes} were meant to be", "verify"))
    return Verification(
        ok=not problems,
        problems=problems,
        fields_checked=len(expected),
        boxes_checked=checked,
        text_fields=len(expected) - boxes,
        continuation_sheets=len(sheets or []),
    )


def _check_sheets(pdf: PDF, sheets: list[list[str]], blank_pages: int) -> list[Problem]:
    """Continuation sheets are real pages: their text must read back line for line."""
    found: list[Problem] = []
    if len(pdf.pages) != blank_pages + len(sheets):
        found.append(
            Problem(
                "",
                f"the file has {len(pdf.pages)} pages, expected {blank_pages} + {len(sheets)} continuation sheets",
                "verify",
            )
        )
        return found
    for n, lines in enumerate(sheets):
        # formfill's sheets are a few KB of text; pdfminer would need seconds and ~100 MB per MB of content.
        if _content_size(pdf, blank_pages + n) > MAX_SHEET_CONTENT:
            found.append(Problem("", f"continuation sheet {n + 1} does not read back as written (its page content "
                                 "is over 1 MB)", "verify"))
            continue
        text = pdf.pages[blank_pages + n].extract_text() or ""
        if _squash(text) != _squash(" ".join(lines)):
            found.append(Problem("", f"continuation sheet {n + 1} does not read back as written", "verify"))
    return found


__all__ = ["BASELINE_VERSION", "MAX_SHEET_CONTENT", "ReadField", "Verification", "baseline", "forget_baselines",
           "read_fields", "verify_bytes"]
