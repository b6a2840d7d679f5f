"""Read a written file's fields back with pdfminer, an independent reader from the pypdf code that wrote it.

A fill is the prepared blank's bytes plus one incremental update. The blank's side is read once per blank
(its fields, where each field object sits in the field tree, its cross-reference offsets, its pages that do
not decode) and kept as a digest-checked cache entry (`Baseline`). A written file that starts with exactly
those bytes, and whose updates touch only the written fields, is read by parsing just the update: its
cross-reference section, the written field objects and their appearance streams. Anything else is read in full.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from pdfminer.pdfdocument import PDFBaseXRef, PDFDocument, PDFXRef
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import PDFObjRef, PDFStream, resolve1
from pdfminer.psparser import PSLiteral
from pdfminer.utils import decode_text

from formfill.errors import FormError
from formfill.pdf import keys
from formfill.pdf.blank import BlankForm
from formfill.pdf.cache_entry import cache_dir, read_entry, write_entry
from formfill.pdf.keys import bare
from formfill.pdf.streams import FLATE, inflate

if TYPE_CHECKING:  # pdfplumber is imported where a file is read in full: a fill on a known blank never is
    from pdfplumber.pdf import PDF

# pdfminer's spelling of the keys read for every field
_T, _FT, _V, _KIDS, _PARENT = (bare(k) for k in (keys.T, keys.FT, keys.V, keys.KIDS, keys.PARENT))
_KINDS = {bare(keys.TEXT): "text", bare(keys.BUTTON): "check", bare(keys.CHOICE): "choice"}
_TJ_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t"}
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
class Origin:
    """Where a terminal field sits in the blank's field tree, as pdfminer read it: its object, its parent, its
    own partial name, and the field type and value it inherits from its ancestors (None: none)."""

    objid: int
    parent: int | None
    partial: str | None
    ft: str | None
    value: str | None


@dataclass(frozen=True)
class Baseline:
    """The prepared blank as pdfminer reads it: its fields, where each sits, its cross-reference offsets
    (objid -> (object stream, position, generation), merged newest first), where its last cross-reference
    section starts and how many sections it has, and the 0-based numbers of its pages whose content does not
    decode."""

    fields: Mapping[str, ReadField]
    origins: Mapping[str, Origin]
    offsets: Mapping[int, tuple[int | None, int, int]]
    startxref: int
    sections: int
    bad_pages: Sequence[int]


BASELINE_VERSION = 3
_BASELINES: dict[tuple[str, int], Baseline] = {}


def read_fields(pdf: PDF) -> dict[str, ReadField]:
    """Every terminal field of an open PDF, as pdfplumber reads it: the full (slow) read that a fill built
    on a known blank avoids (only the fields it wrote are read then)."""
    return {name: got for name, got, _ in _walk(pdf.doc)}


def _walk(doc: PDFDocument) -> Iterator[tuple[str, ReadField, Origin | None]]:
    acro = resolve1(doc.catalog.get(bare(keys.ACRO_FORM)))
    if not isinstance(acro, dict):
        return

    def walk(ref: Any, parent: int | None, prefix: str, inherited: dict[str, Any]
             ) -> Iterator[tuple[str, ReadField, Origin | None]]:
        obj = resolve1(ref)
        if not isinstance(obj, dict):
            return
        name, partial = prefix, None
        if _T in obj:
            partial = _text(obj[_T]) or ""
            name = f"{prefix}.{partial}" if prefix else partial
        own = dict(inherited)
        for key in (_FT, _V):
            if key in obj:
                own[key] = obj[key]
        objid = ref.objid if isinstance(ref, PDFObjRef) else None
        kids = resolve1(obj.get(_KIDS))
        if kids:
            for kid in kids:
                yield from walk(kid, objid, name, own)
            return
        origin = None if objid is None else Origin(objid, parent, partial, _name(inherited.get(_FT)),
                                                   _value(inherited.get(_V)))
        yield name, _field(name, obj, _name(own.get(_FT)), _value(own.get(_V))), origin

    for ref in resolve1(acro.get(bare(keys.FIELDS))) or []:
        yield from walk(ref, None, "", {})


def baseline(blank: BlankForm) -> Baseline:
    """The prepared blank read by pdfminer: once per process, and kept in the user's cache keyed by the prepared
    bytes' sha256 (a fill is only read against it when the file starts with exactly those bytes). A cache entry
    that does not match its digest or the blank is discarded, loudly."""
    key = (blank.sha256, len(blank.data))
    if key not in _BASELINES:
        data_sha = hashlib.sha256(blank.data).hexdigest()
        path = cache_dir() / f"baseline-{data_sha}-v{BASELINE_VERSION}.json"
        body = read_entry(path, {"blank": data_sha, "version": BASELINE_VERSION}, "verification baseline")
        found = _from_body(body) if body is not None else None
        if found is None:
            found = _read_baseline(blank.data)
            write_entry(path, {"blank": data_sha, "version": BASELINE_VERSION, **_to_body(found)})
        _BASELINES[key] = found
    return _BASELINES[key]


def forget_baselines() -> None:
    """Drop this process's copies of the baselines (the cached files stay): the next `baseline` call reads
    the cache folder again, e.g. after FORMFILL_CACHE_DIR changed."""
    _BASELINES.clear()


def _read_baseline(data: bytes) -> Baseline:
    with open_full(data) as pdf:
        walked = list(_walk(pdf.doc))
        offsets: dict[int, tuple[int | None, int, int]] = {}
        for xref in reversed(pdf.doc.xrefs):  # the newest section wins, as pdfminer looks objects up
            offsets.update({objid: xref.get_pos(objid) for objid in xref.get_objids()})
        return Baseline(
            fields={name: got for name, got, _ in walked},
            origins={name: origin for name, _, origin in walked if origin is not None},
            offsets=offsets,
            startxref=pdf.doc.find_xref(PDFParser(io.BytesIO(data))),
            sections=len(pdf.doc.xrefs),
            bad_pages=undecodable_pages(pdf, range(len(pdf.pages))),
        )


def _to_body(found: Baseline) -> dict[str, Any]:
    return {
        "fields": [asdict(f) for f in found.fields.values()],
        "origins": {name: asdict(o) for name, o in found.origins.items()},
        "offsets": [[objid, *pos] for objid, pos in found.offsets.items()],
        "startxref": found.startxref,
        "sections": found.sections,
        "bad_pages": list(found.bad_pages),
    }


def _from_body(body: Mapping[str, Any]) -> Baseline | None:
    try:
        return Baseline(
            fields={f["name"]: ReadField(**{**f, "states": tuple(f["states"])}) for f in body["fields"]},
            origins={name: Origin(**o) for name, o in body["origins"].items()},
            offsets={int(objid): (None if strm is None else int(strm), int(pos), int(gen))
                     for objid, strm, pos, gen in body["offsets"]},
            startxref=int(body["startxref"]),
            sections=int(body["sections"]),
            bad_pages=[int(n) for n in body["bad_pages"]],
        )
    except (KeyError, TypeError, ValueError):
        return None


class _UpdatedDocument(PDFDocument):
    """pdfminer's document over a file that starts with a known blank's bytes: the blank's cross-reference
    sections are taken from its baseline instead of being parsed again; every section after them (the
    updates) is parsed from this file as usual and listed in `updates`."""

    def __init__(self, parser: PDFParser, base: Baseline, base_size: int) -> None:
        self.base = base
        self.base_size = base_size
        self.updates: list[PDFBaseXRef] = []
        self.foreign = False  # a section outside the updates, other than the blank's last one
        super().__init__(parser, fallback=False)

    def read_xref_from(self, parser: PDFParser, start: int, xrefs: list[PDFBaseXRef]) -> None:
        if start == self.base.startxref:
            known = PDFXRef()
            known.offsets = dict(self.base.offsets)
            xrefs.append(known)  # no trailer: the catalog and encryption are the updates' to state
            return
        if start < self.base_size:
            self.foreign = True
        count = len(xrefs)
        super().read_xref_from(parser, start, xrefs)
        self.updates.append(xrefs[count])


def read_written(data: bytes, blank: BlankForm, names: Sequence[str]) -> dict[str, ReadField] | None:
    """The written file's fields when it is `blank`'s bytes plus updates that change only the fields in `names`
    (and add new objects): the blank's fields, with those re-read from the update. None when that does not hold
    (another blank, a changed catalog or page tree, encryption, any other object replaced): read it all then."""
    if not data.startswith(blank.data):
        return None
    base = baseline(blank)
    try:
        doc = _UpdatedDocument(PDFParser(io.BytesIO(data)), base, len(blank.data))
    except FormError:
        raise
    except Exception:  # whatever pdfminer makes of an update it cannot follow: the full read will say
        return None
    if doc.foreign or len(doc.updates) != len(doc.xrefs) - 1:
        return None
    return overlay(doc, doc.updates, blank, base, names, 0)


def overlay(doc: PDFDocument, updates: Sequence[PDFBaseXRef], blank: BlankForm, base: Baseline,
            names: Sequence[str], sheets: int) -> dict[str, ReadField] | None:
    """The blank's fields with the written ones read from `doc`, or None when the `updates` (the cross-reference
    sections after the blank's) did more than write them: keep the blank's catalog, add no encryption, replace no
    object but the written fields (and the page tree, keeping the blank's pages first, when `sheets` continuation
    sheets were planned)."""
    written = {blank.fields[n].ref.idnum: n for n in names if n in blank.fields}
    if len(written) != len(names) or not updates:
        return None
    if any(base.origins.get(name) is None or base.origins[name].objid != objid for objid, name in written.items()):
        return None  # pdfminer and pypdf disagree on which object is the field: read everything
    trailer = blank.reader.trailer
    size = int(trailer[keys.SIZE])  # type: ignore[call-overload]
    root_ref = trailer.raw_get(keys.ROOT)
    pages_ref = trailer[keys.ROOT].raw_get(keys.PAGES)  # type: ignore[attr-defined]
    allowed = set(written) | ({pages_ref.idnum} if sheets else set())
    touched = {objid for xref in updates for objid in xref.get_objids()}
    if any(objid < size and objid not in allowed for objid in touched):
        return None  # an update changed something we did not plan: read everything
    if any(base.origins[name].parent in touched for name in written.values()):
        return None
    for xref in updates:
        t = xref.get_trailer()
        root = t.get(bare(keys.ROOT))
        if bare(keys.ENCRYPT) in t or not isinstance(root, PDFObjRef) or root.objid != root_ref.idnum:
            return None
    if sheets:
        kids = resolve1(resolve1(doc.getobj(pages_ref.idnum)).get(_KIDS)) or []
        blank_kids = [page.indirect_reference.idnum for page in blank.reader.pages if page.indirect_reference]
        got_kids = [k.objid for k in kids if isinstance(k, PDFObjRef)]
        if got_kids[: len(blank_kids)] != blank_kids or len(got_kids) != len(blank_kids) + sheets:
            return None
    fields = dict(base.fields)
    for objid, name in written.items():
        got = _reread(name, resolve1(doc.getobj(objid)), base.origins[name])
        if got is None:
            fields.pop(name, None)  # reported as missing: the object is not the field we meant
        else:
            fields[name] = got
    return fields


def _reread(name: str, obj: Any, origin: Origin) -> ReadField | None:
    """A written field object read against where the blank had it: same partial name, same parent (so, the
    parents being untouched, the same fully qualified name), no kids; None when it is not that field."""
    if not isinstance(obj, dict) or _KIDS in obj:
        return None
    partial = (_text(obj[_T]) or "") if _T in obj else None
    parent = obj.get(_PARENT)
    parent_id = parent.objid if isinstance(parent, PDFObjRef) else None
    if partial != origin.partial or parent_id != origin.parent or (_PARENT in obj and parent_id is None):
        return None
    ft = _name(obj[_FT]) if _FT in obj else origin.ft
    value = _value(obj[_V]) if _V in obj else origin.value
    return _field(name, obj, ft, value)


def _field(name: str, obj: dict[str, Any], ft: str | None, value: str | None) -> ReadField:
    kind = _KINDS.get(ft or "", "other")
    state = _name(resolve1(obj.get(bare(keys.AS))))
    ap = resolve1(obj.get(bare(keys.AP)))
    normal = resolve1(ap.get(bare(keys.N))) if isinstance(ap, dict) else None
    states: tuple[str, ...] = ()
    drawn = None
    if isinstance(normal, dict):
        states = tuple(str(k) for k in normal)
    elif isinstance(normal, PDFStream) and kind in ("text", "choice"):
        drawn = drawn_text(normal.get_data())
    return ReadField(name, kind, value, state, states, drawn)


def drawn_text(content: bytes) -> str:
    """The strings a content stream shows with Tj, joined by NUL (a comb field shows one per cell)."""
    pieces = [_ESC.sub(_unescape, m.group("s")).decode("cp1252", errors="replace") for m in _TJ.finditer(content)]
    return "\x00".join(pieces)


def _unescape(m: re.Match[bytes]) -> bytes:
    c = m.group(1)
    return _TJ_ESCAPES.get(c, c)


def undecodable_pages(pdf: PDF, pages: range) -> list[int]:
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


def _value(raw: Any) -> str | None:
    raw = resolve1(raw)
    return _name(raw) if isinstance(raw, PSLiteral) else _text(raw)


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



def open_full(data: bytes) -> PDF:
    """`data` opened with pdfplumber for a full read; imported here, on demand: ~40 ms of imports that a fill on a
    known blank, read from its update alone, never needs."""
    import pdfplumber

    return pdfplumber.open(io.BytesIO(data))

__all__ = ["BASELINE_VERSION", "Baseline", "Origin", "ReadField", "baseline", "drawn_text", "forget_baselines",
           "open_full", "overlay", "read_fields", "read_written", "undecodable_pages"]
