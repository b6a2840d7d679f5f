"""The blank form: open it as uscis.gov ships it, identify the edition, and index its fields.

This module knows PDFs, not forms: how a blank states its edition (`EditionMarks`) and what a pristine
blank of an edition holds (`Pristine`) are given to it as plain data by the form layer (formfill.blanks),
which also decides when a blank must be pristine.

uscis.gov ships the I-131 AES-encrypted with an empty user password and as an XFA + AcroForm
hybrid. We decrypt it, drop the XFA layer (so every viewer shows the AcroForm values we write) and
the usage-rights signature (/Perms, which our changes would invalidate), and write that once as the
*prepared* blank. Every fill is then a small incremental update appended to those bytes, so the
blank is parsed once per process, not once per profile.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import os
import re
import signal
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, cast

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
    StreamObject,
)

from formfill.errors import FormError, InputError, NotFillableError, StreamBoundsError
from formfill.files import read_bounded, write_atomic
from formfill.pdf import keys
from formfill.pdf.cache_entry import cache_dir as cache_dir  # where tests and callers have found it
from formfill.pdf.cache_entry import read_entry, write_entry
from formfill.pdf.fields import (
    FLAG_FIXED_PITCH,
    INDEX_VERSION,
    FieldInfo,
    FontInfo,
    cached_index,
    index,
    keep_index,
)
from formfill.pdf.streams import bounded_pypdf, check_streams, decoded

logging.getLogger("pypdf").setLevel(logging.ERROR)

PREPARE_VERSION = 5  # bump when _prepare changes, so cached prepared blanks are rebuilt
@dataclass
class BlankForm:
    """A prepared blank: plain bytes, its fields by fully qualified name, and the edition it is."""

    source: str
    data: bytes
    reader: PdfReader
    form: str
    edition: str
    fields: dict[str, FieldInfo]
    fonts: dict[str, FontInfo]
    sha256: str
    was_encrypted: bool = False
    had_xfa: bool = False
    notes: list[str] = field(default_factory=list)
    prepared_sha256: str | None = None  # set for a prepared blank from the cache: what its cached index is keyed by

    @cached_property
    def values(self) -> dict[str, str | None]:
        return {name: (str(info.value) if info.value is not None else None) for name, info in self.fields.items()}

    @property
    def page_count(self) -> int:
        return len(self.reader.pages)


MAX_BLANK_BYTES = 64 * 2**20  # the I-131 is 1.2 MB; anything this large is not a blank form
# MAX_STREAM_BYTES and MAX_DECODED_BYTES, the decompression bounds, are formfill.pdf.streams'.
MAX_OBJECTS = 100_000  # the I-131 has about 3,800
MAX_NESTING = 100  # arrays and dictionaries inside one another
PREPARE_SECONDS = 20  # wall-clock bound on reading and preparing one PDF
_log = logging.getLogger("formfill")


def read_blank(path: str | Path, marks: Sequence[EditionMarks]) -> BlankForm:
    """Open a blank form file (plain or as uscis.gov ships it) and prepare it for filling."""
    return load_blank(read_file(path), str(path), marks=marks)


def read_file(path: str | Path) -> bytes:
    """A blank's bytes, at most MAX_BLANK_BYTES + 1 (load_blank refuses more); only a regular file is read,
    so a FIFO named *.pdf in a forms folder cannot block the scan forever (formfill.files.read_bounded)."""
    return read_bounded(path, MAX_BLANK_BYTES, name=f"The blank form {path}", error=FormError)


def load_blank(raw: bytes, source: str = "<bytes>", *, marks: Sequence[EditionMarks], use_cache: bool = True,
               pristine: bool = True) -> BlankForm:
    """Prepare a blank; the prepared copy is kept in the user's cache by the blank's sha256.

    `marks` say how blanks state their form and edition (formfill.formpackage.edition_marks()).

    Every PDF is untrusted input: parsing is bounded in size, nesting and time, every stream is
    decoded within the decompression bounds (each filter of a chain, output by output) before
    anything else decodes it, and any failure of the parser is a FormError (exit 2), never a traceback;
    a PDF without form fields is a NotFillableError (the form layer says what formfill fills).
    `pristine` says the file is meant to be a blank: it is rewritten once and cached. Without it (a
    client's filled file) the cache is not used and a file that needs no change keeps its bytes.
    Whether a blank really holds nothing but what its edition ships with is the form layer's to check
    (formfill.blanks.load_blank, with `check_pristine`).
    """
    if len(raw) > MAX_BLANK_BYTES:
        raise FormError(f"{source} is larger than {MAX_BLANK_BYTES // 2**20} MB; it is not a blank form")
    if not raw.lstrip()[:5].startswith(b"%PDF"):
        raise FormError(f"{source} is not a PDF file")
    sha256 = hashlib.sha256(raw).hexdigest()
    try:
        with time_limit(PREPARE_SECONDS, source), bounded_pypdf():
            blank = _load(raw, source, sha256, use_cache and pristine, marks, rewrite=pristine)
    except StreamBoundsError as err:
        raise FormError(f"{source} could not be read as a PDF form ({err})") from None
    except FormError:
        raise
    except RecursionError:
        raise FormError(f"{source} could not be read as a PDF form (objects nested too deeply)") from None
    except MemoryError:
        raise FormError(f"{source} could not be read as a PDF form (it needs too much memory)") from None
    except Exception as err:  # a hostile or damaged PDF can make the parser raise anything
        raise FormError(f"{source} could not be read as a PDF form: it is damaged or malformed ({one_line(err)})") \
            from None
    return blank


def _load(raw: bytes, source: str, sha256: str, use_cache: bool, marks: Sequence[EditionMarks], *,
          rewrite: bool) -> BlankForm:
    cached = _cache_get(sha256) if use_cache else None
    if cached is not None:
        data, encrypted, had_xfa, notes = cached
        # Our own bytes, digest-checked: strict skips pypdf's re-reading of every object header (~50 ms).
        reader = PdfReader(io.BytesIO(data), strict=True)
    else:
        data, reader, encrypted, had_xfa, notes = _prepare(raw, source, rewrite=rewrite)
        if use_cache:
            _cache_put(sha256, data, encrypted, had_xfa, notes)
    prepared = hashlib.sha256(data).hexdigest() if use_cache else None
    path = cache_dir() / f"prepared-{prepared}-v{PREPARE_VERSION}.fields-v{INDEX_VERSION}.json"
    indexed = cached_index(path, prepared, reader) if prepared else None
    if indexed is None:
        indexed = index(reader)
        if prepared:
            keep_index(path, prepared, *indexed)
    fields, fonts = indexed
    form, edition = identify(fields, reader, marks)
    return BlankForm(
        source=source,
        data=data,
        reader=reader,
        form=form,
        edition=edition,
        fields=fields,
        fonts=fonts,
        sha256=sha256,
        was_encrypted=encrypted,
        had_xfa=had_xfa,
        notes=list(notes),
        prepared_sha256=prepared,
    )


def one_line(err: BaseException) -> str:
    text = " ".join(str(err).split())[:200]
    return text or type(err).__name__


@contextlib.contextmanager
def time_limit(seconds: int, source: str) -> Iterator[None]:
    """Stop parsing a PDF that takes unreasonably long (loops a parser does not detect).

    Uses SIGALRM, so it only applies on the main thread and when no other timer is running.
    """
    usable = (
        hasattr(signal, "SIGALRM")
        and threading.current_thread() is threading.main_thread()
        and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    )
    if not usable:
        yield
        return

    def expired(signum: int, frame: Any) -> None:
        raise FormError(f"{source} could not be read as a PDF form (gave up after {seconds} s)")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds, 1.0)  # again every second, in case a parser swallows it
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


BLANK_ANNOTATIONS = frozenset({"/Widget", "/Link"})  # a form's fields and its links (to uscis.gov)


@dataclass(frozen=True)
class Pristine:
    """What a pristine blank holds, as the form layer records it for its edition (pdf/ only compares).

    `name` is how messages call the blank ("I-131 edition 01/20/25"); `defaults` the value of every
    field that is not empty in the pristine blank; `annotations` the annotation subtypes it ships with.
    """

    name: str
    defaults: Mapping[str, str]
    annotations: frozenset[str] = BLANK_ANNOTATIONS


def check_pristine(blank: BlankForm, expected: Pristine) -> None:
    """Refuse a blank whose fields hold anything but what `expected` says its edition ships with.

    The expectation comes from the form's own data (the field map's `blank_defaults`, recorded from
    the pristine edition), never from the file itself. A verdict is kept in the cache for a prepared blank
    (keyed by its bytes' digest and by the expectation's), so the same bytes are checked against the same
    expectation once, not on every call: the check reads every field and annotation of the document.
    """
    verdict = _verdict_path(blank, expected)
    if verdict is not None and read_entry(verdict[0], verdict[1], "pristine verdict") is not None:
        return
    _check_pristine(blank, expected)
    if verdict is not None:
        write_entry(*verdict)


def _check_pristine(blank: BlankForm, expected: Pristine) -> None:
    marks = _annotations(blank, expected.annotations)
    if marks:
        raise FormError(
            f"{blank.source} looks like a marked-up form, not a blank: it carries {len(marks)} annotation(s) "
            f"({', '.join(sorted(set(marks)))}) that the blank {expected.name} does not have. "
            "Comments, stamps and drawings may hold another client's data: use the blank from uscis.gov "
            "(`formfill forms fetch`)."
        )
    stray = stray_fields(blank, expected.defaults)
    if stray:
        shown = ", ".join(stray[:3]) + (f" and {len(stray) - 3} more" if len(stray) > 3 else "")
        raise FormError(
            f"{blank.source} looks like a filled form, not a blank: {len(stray)} field(s) hold values the blank "
            f"{expected.name} does not have ({shown}). Use the blank from uscis.gov "
            "(`formfill forms fetch`), never a filled copy: it would carry another client's answers."
        )


def _verdict_path(blank: BlankForm, expected: Pristine) -> tuple[Path, dict[str, Any]] | None:
    """Where the verdict "this prepared blank holds what `expected` says" is kept, and what it records."""
    if blank.prepared_sha256 is None:
        return None
    what = json.dumps([expected.name, sorted(expected.defaults.items()), sorted(expected.annotations)])
    digest = hashlib.sha256(what.encode()).hexdigest()
    body = {"blank": blank.prepared_sha256, "expected": digest, "version": INDEX_VERSION, "pristine": True}
    return cache_dir() / f"prepared-{blank.prepared_sha256}-v{PREPARE_VERSION}.pristine-{digest[:24]}.json", body


def _annotations(blank: BlankForm, shipped: frozenset[str]) -> list[str]:
    """Subtypes of annotations a blank does not ship with (a comment, a stamp, a drawing, a file)."""
    found: list[str] = []
    for page in blank.reader.pages:
        annots = page.get(keys.ANNOTS)
        for ref in annots.get_object() if annots is not None else []:
            obj = ref.get_object()
            subtype = str(obj.get(keys.SUBTYPE, "/None")) if isinstance(obj, DictionaryObject) else "/None"
            if subtype not in shipped:
                found.append(subtype.lstrip("/"))
    return found


def stray_fields(blank: BlankForm, defaults: Mapping[str, str]) -> list[str]:
    """Fields whose value, checkbox state or drawn text differs from the pristine blank's."""
    stray: list[str] = []
    for name, info in blank.fields.items():
        value = "" if info.value is None else str(info.value)
        if info.kind == "check":
            state = info.obj.get(keys.AS)
            if value not in ("", keys.OFF) or (state is not None and str(state) != keys.OFF):
                stray.append(name)
            continue
        want = defaults.get(name, "")
        if value != want:
            stray.append(name)
            continue
        drawn = _drawn(info.obj)
        if drawn and drawn != want.strip():
            stray.append(name)
    return stray


_SHOWN = re.compile(rb"\((?P<s>(?:\\.|[^\\)])*)\)\s*(?:Tj|')|\[(?P<a>[^\]]*)\]\s*TJ", re.S)


def _drawn(obj: DictionaryObject) -> str:
    """The text a field's normal appearance draws (a blank's unfilled boxes draw nothing)."""
    ap = obj.get(keys.AP)
    normal = ap.get_object().get(keys.N) if ap is not None else None
    stream = normal.get_object() if normal is not None else None
    if not isinstance(stream, StreamObject):
        return ""
    content = decoded(stream)
    if b"T" not in content:
        return ""
    pieces = (m.group("s") if m.group("s") is not None else m.group("a") for m in _SHOWN.finditer(content))
    return "".join(piece.decode("latin-1") for piece in pieces).strip()


CACHE_PREFIXES = ("prepared-", "baseline-", "package-rules-")
"""The names formfill gives its cache entries (prepared blanks here, verification baselines in pdf.readback, the
records of package rules validated whole in formfill.checks.validated)."""


def cache_files() -> list[Path]:
    """formfill's own entries in the cache folder: no output may replace one (formfill.forms.kept_files)."""
    try:
        with os.scandir(cache_dir()) as entries:
            return sorted(Path(e.path) for e in entries if e.name.startswith(CACHE_PREFIXES))
    except OSError:
        return []


def _cache_path(sha256: str) -> Path:
    return cache_dir() / f"prepared-{sha256}-v{PREPARE_VERSION}.pdf"


def _cache_get(sha256: str) -> tuple[bytes, bool, bool, list[str]] | None:
    """A prepared copy from an earlier run, used only when its digest matches the one recorded with it.

    The digest catches a damaged, truncated or substituted entry; it is then discarded (and
    rebuilt by the caller), with a warning, never used.
    """
    path = _cache_path(sha256)
    meta_path = path.with_suffix(".json")
    if not path.exists() and not meta_path.exists():
        return None
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        data = path.read_bytes()
        if not isinstance(meta, dict) or meta.get("source_sha256") != sha256:
            raise ValueError("its record names another blank")
        if len(data) != meta.get("size") or hashlib.sha256(data).hexdigest() != meta.get("sha256"):
            raise ValueError("its bytes do not match the digest recorded when it was written")
        notes = meta.get("notes", [])
        if not isinstance(notes, list) or not all(isinstance(n, str) for n in notes):
            raise ValueError("its record is malformed")
        return data, bool(meta["encrypted"]), bool(meta["had_xfa"]), notes
    except (OSError, ValueError, KeyError, TypeError) as err:
        _log.warning("formfill: discarding the cached prepared blank %s (%s); preparing the blank again",
                     path, one_line(err) if isinstance(err, OSError | KeyError | TypeError) else err)
        for stale in (path, meta_path):
            with contextlib.suppress(OSError):
                stale.unlink()
        return None


def _cache_put(sha256: str, data: bytes, encrypted: bool, had_xfa: bool, notes: list[str]) -> None:
    path = _cache_path(sha256)
    meta = {"source_sha256": sha256, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data),
            "encrypted": encrypted, "had_xfa": had_xfa, "notes": notes}
    for target, payload in ((path, data), (path.with_suffix(".json"), json.dumps(meta).encode())):
        try:
            write_atomic(target, payload, overwrite=True, what="the cache entry")
        except InputError:
            return  # a read-only home (or a folder in the way) only costs speed


def _prepare(raw: bytes, source: str, *, rewrite: bool = True) -> tuple[bytes, PdfReader, bool, bool, list[str]]:
    """Decrypt, drop XFA, /Perms, NeedAppearances, scripts and actions; write with a classic xref table.

    Every stream the file lists, reachable or not, is first decoded within the decompression bounds
    (each filter of a chain, output by output), so the pdfium flatten and the pdfplumber read-back of
    these bytes, or of a filled file kept as it is, never meet a bomb. The parsed document is then
    cleaned in place and cloned: a clone copies only the objects its catalog reaches, so what was
    removed, and objects nothing refers to, are not carried over. Only a filled file read for `verify`
    (`rewrite=False`) keeps its bytes, and object numbers, when nothing in it needs changing: it is
    not cloned at all.
    """
    reader = PdfReader(io.BytesIO(raw))
    encrypted = reader.is_encrypted
    if encrypted and not reader.decrypt(""):
        raise FormError(
            f"{source} is encrypted with a user password; the blanks uscis.gov ships open with an empty one"
        )
    check_streams(reader)
    root = reader.trailer[keys.ROOT]
    if not isinstance(root, DictionaryObject):
        raise FormError(f"{source} has no document catalog; it is not a PDF form")
    acro = root.get(keys.ACRO_FORM)
    if acro is None:
        raise NotFillableError(f"{source} has no fillable fields")  # the form layer adds what formfill fills
    acro = acro.get_object()
    if not isinstance(acro, DictionaryObject):
        raise FormError(f"{source} has a malformed form dictionary; it is not a fillable USCIS form")
    had_xfa = keys.XFA in acro
    removed, changed = sanitize(reader, source)  # the reader keeps the objects it parsed: a clone sees the changes
    for desc in _unmarked_fixed_pitch(acro):
        desc[NameObject(keys.FLAGS)] = NumberObject(int(cast(int, desc.get(keys.FLAGS, 0))) | FLAG_FIXED_PITCH)
        changed = True
    if rewrite or changed or encrypted or not _classic_xref(raw):
        # Our fills append a classic xref table; some readers (iText, so pdftk) cannot follow one whose
        # /Prev is a cross-reference stream, so the prepared copy always has a classic table.
        buf = io.BytesIO()
        PdfWriter(clone_from=reader).write(buf)
        data = buf.getvalue()
        reader = PdfReader(io.BytesIO(data))
    else:  # a filled file that is already clean: describe it as it is
        data = raw
    notes = []
    if removed:
        notes.append(
            f"the blank {source} carried {len(removed)} script(s) or action(s) that the form as uscis.gov ships "
            f"does not have; formfill removed them and the output carries none: {'; '.join(sorted(set(removed))[:12])}"
        )
        _log.warning("formfill: %s", notes[-1])
    return data, reader, encrypted, had_xfa, notes


# Actions that can run code, send data or open files; links within the form (GoTo, URI, Named) stay.
_KEPT_ACTIONS = frozenset({"/GoTo", "/URI", "/Named"})
_BANNED_ACTIONS = frozenset({"/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/ResetForm", "/GoToR",
                             "/GoToE", "/Rendition", "/RichMediaExecute", "/Sound", "/Movie", "/Hide"})
_KNOWN_SCRIPT = "!ADBE::"  # Adobe's version-check scripts serving the XFA layer of the uscis.gov blank


def sanitize(doc: PdfReader, source: str) -> tuple[list[str], bool]:
    """Strip scripts, actions and XFA from a parsed document in place (its streams were checked first).

    Returns a description of each removal that is not one of the Adobe/XFA items the authentic
    blank carries (those are dropped silently), and whether anything was removed at all. Only what
    the catalog still reaches is looked at, and only that is carried over when the document is
    then cloned (`PdfWriter(clone_from=doc)`): pypdf's public API has no way to drop a writer's
    unreachable objects, so the cleaning happens before the clone.
    """
    removed: list[str] = []
    changed = False
    root = doc.root_object
    for key in (keys.PERMS, keys.OPEN_ACTION, keys.AA):
        if key in root:
            changed = True
            del root[key]
            if key != keys.PERMS:
                removed.append(f"{key} on the document catalog")
    names = root.get(keys.NAMES)
    names = names.get_object() if names is not None else None
    if isinstance(names, DictionaryObject) and keys.JAVASCRIPT in names:
        for name in _name_tree_keys(names[keys.JAVASCRIPT]):
            if not name.startswith(_KNOWN_SCRIPT):
                removed.append(f"document JavaScript {name[:40]!r}")
        del names[keys.JAVASCRIPT]
        changed = True
    acro = root.get(keys.ACRO_FORM)  # an evidence PDF (formfill.pdf.assemble) may have no form at all
    acro = acro.get_object() if acro is not None else DictionaryObject()
    for key in (keys.XFA, keys.NEED_APPEARANCES):
        if isinstance(acro, DictionaryObject) and key in acro:
            del acro[key]
            changed = True
    for obj in _reachable(doc):  # the known scripts and the XFA just cut off are never looked at
        for node in _direct_nodes(obj, source):
            if keys.AA in node:
                del node[keys.AA]
                removed.append(f"/AA (automatic actions) on {_what(node)}")
            action = node.get(keys.A)
            target = action.get_object() if action is not None else None
            # An action is a dictionary with /S; structure elements use /A for attributes (with /O).
            if isinstance(target, DictionaryObject) and keys.S in target and keys.O not in target:
                kind = str(target[keys.S])
                if kind not in _KEPT_ACTIONS:
                    del node[keys.A]
                    removed.append(f"{kind} action on {_what(node)}")
                elif keys.NEXT in target:
                    del target[keys.NEXT]
                    removed.append(f"actions chained after a {kind} action")
            kind = str(node.get(keys.S, ""))
            typed_action = str(node.get(keys.TYPE, "")) == "/Action" and kind not in _KEPT_ACTIONS
            is_action = kind in _BANNED_ACTIONS or typed_action
            if is_action and keys.K not in node:  # structure elements (with /K) name their role in /S
                node.clear()  # an action reachable some other way: it no longer does anything
                removed.append(f"a {kind} action")
    return removed, changed or bool(removed)


def _name_tree_keys(tree: Any) -> list[str]:
    out: list[str] = []
    stack: list[Any] = [tree]
    seen: set[int] = set()
    while stack and len(seen) < MAX_OBJECTS:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            if node.idnum in seen:
                continue
            seen.add(node.idnum)
        node = node.get_object()
        if not isinstance(node, DictionaryObject):
            continue
        pairs = node.get(keys.NAMES)
        if isinstance(pairs, ArrayObject):
            out.extend(str(pairs[i]) for i in range(0, len(pairs), 2))
        kids = node.get(keys.KIDS)
        if isinstance(kids, ArrayObject):
            stack.extend(kids)
    return out


def _what(node: DictionaryObject) -> str:
    if str(node.get(keys.TYPE, "")) == "/Page":
        return "a page"
    if keys.FT in node or str(node.get(keys.SUBTYPE, "")) == "/Widget":
        return "a form field"
    if keys.SUBTYPE in node:
        return "an annotation"
    return "an object"


def _direct_nodes(obj: Any, source: str) -> Iterator[DictionaryObject]:
    """An indirect object and the dictionaries nested directly inside it (iteratively: no recursion limit)."""
    stack: list[tuple[Any, int]] = [(obj, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_NESTING:
            raise FormError(f"{source} could not be read as a PDF form (objects nested more than {MAX_NESTING} deep)")
        if isinstance(node, DictionaryObject):
            yield node
            stack.extend((v, depth + 1) for v in node.values() if isinstance(v, DictionaryObject | ArrayObject))
        elif isinstance(node, ArrayObject):
            stack.extend((v, depth + 1) for v in node if isinstance(v, DictionaryObject | ArrayObject))


def _reachable(doc: PdfReader) -> list[Any]:
    """Every indirect object the catalog or the document information refers to, each once (iteratively)."""
    stack: list[Any] = [doc.trailer.raw_get(k) for k in (keys.ROOT, keys.INFO) if k in doc.trailer]
    seen: set[int] = set()
    found: list[Any] = []
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            if node.idnum in seen or node.pdf is not doc:
                continue
            seen.add(node.idnum)
            node = node.get_object()
            found.append(node)
        if isinstance(node, DictionaryObject):
            stack.extend(node.values())
        elif isinstance(node, ArrayObject):
            stack.extend(node)
    return found


def _unmarked_fixed_pitch(acro: DictionaryObject) -> list[DictionaryObject]:
    """Descriptors of the form's fonts whose widths are all equal but whose flags omit FixedPitch.

    The 01/20/25 blank's /CourierNewPS-BoldMT is not embedded and says serif, not fixed pitch (Flags
    34): a renderer without Courier New that substitutes by flags would pick a proportional face.
    """
    out: list[DictionaryObject] = []
    dr = acro.get(keys.DR)
    fonts = dr.get_object().get(keys.FONT) if dr is not None else None
    for ref in (fonts.get_object().values() if fonts is not None else []):
        font = ref.get_object()
        widths = {float(w) for w in font.get(keys.WIDTHS, [])}
        desc = font.get(keys.FONT_DESCRIPTOR)
        if len(widths) == 1 and desc is not None and not int(desc.get_object().get(keys.FLAGS, 0)) & FLAG_FIXED_PITCH:
            out.append(cast(DictionaryObject, desc.get_object()))
    return out


def _classic_xref(data: bytes) -> bool:
    m = re.search(rb"startxref\s+(\d+)\s+%%EOF\s*$", data[-1024:])
    if m is None:
        return False
    start = int(m.group(1))
    return data[start : start + 4] == b"xref"


@dataclass(frozen=True)
class EditionMarks:
    """How blanks state their form and edition, as plain patterns (a form package's spec supplies them).

    `barcode` is matched against the whole value of a field whose name contains `barcode_field`, `footer`
    searched in the first page's text; both have the groups `form` and `edition`.
    """

    barcode_field: str
    barcode: str
    footer: str


def identify(fields: dict[str, FieldInfo], reader: PdfReader, marks: Sequence[EditionMarks]) -> tuple[str, str]:
    """Read form and edition from a page barcode (`I-131|01/20/25|1`), else the footer text."""
    for mark in marks:
        for info in fields.values():
            if mark.barcode_field in info.name and isinstance(info.value, str):
                m = re.fullmatch(mark.barcode, info.value, re.S)
                if m:
                    return m.group("form").strip(), m.group("edition").strip()
    try:
        text = reader.pages[0].extract_text() or ""
    except Exception:
        text = ""
    for mark in marks:
        m = re.search(mark.footer, text)
        if m:
            return m.group("form"), m.group("edition")
    return "", ""
