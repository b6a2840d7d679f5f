"""The blank form: open it as uscis.gov ships it, identify the edition, and index its fields.

uscis.gov ships the I-131 AES-encrypted with an empty user password and as an XFA + AcroForm
hybrid. We decrypt it, drop the XFA layer (so every viewer shows the AcroForm values we write) and
the usage-rights signature (/Perms, which our changes would invalidate), and write that once as the
*prepared* blank. Every fill is then a small incremental update appended to those bytes, so the
blank is parsed once per process, not once per profile.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import tempfile
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, cast

from pypdf import PdfReader, PdfWriter
from pypdf.errors import PdfReadError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, NumberObject

from formfill.errors import FormError

logging.getLogger("pypdf").setLevel(logging.ERROR)

PREPARE_VERSION = 2  # bump when _prepare changes, so cached prepared blanks are rebuilt
FLAG_MULTILINE = 1 << 12
FLAG_COMB = 1 << 24
FLAG_FIXED_PITCH = 1  # font descriptor /Flags bit 1 (PDF 1.7, 9.8.2)
_DA = re.compile(r"/(\S+)\s+([\d.]+)\s+Tf")


@dataclass(frozen=True)
class FontInfo:
    """Enough of a simple font to measure text: widths in 1/1000 em per WinAnsi code."""

    resource_name: str
    ref: IndirectObject
    widths: tuple[float, ...]
    first_char: int
    missing_width: float

    def width(self, text: str, size: float) -> float:
        total = 0.0
        for byte in text.encode("cp1252", errors="replace"):
            idx = byte - self.first_char
            total += self.widths[idx] if 0 <= idx < len(self.widths) else self.missing_width
        return total * size / 1000.0


@dataclass
class FieldInfo:
    """One terminal field of the blank (in these forms each field is its own widget)."""

    name: str
    kind: str  # "text", "check", "choice", "other"
    page: int  # 1-based
    rect: tuple[float, float, float, float]
    ref: IndirectObject
    obj: DictionaryObject
    tooltip: str = ""
    max_len: int | None = None
    flags: int = 0
    font: str | None = None
    font_size: float = 0.0
    align: int = 0
    on_states: tuple[str, ...] = ()
    options: tuple[str, ...] = ()
    value: Any = None

    @property
    def width(self) -> float:
        return self.rect[2] - self.rect[0]

    @property
    def height(self) -> float:
        return self.rect[3] - self.rect[1]

    @property
    def multiline(self) -> bool:
        return bool(self.flags & FLAG_MULTILINE)

    @property
    def comb(self) -> bool:
        return bool(self.flags & FLAG_COMB) and self.max_len is not None

    @property
    def on_state(self) -> str:
        return self.on_states[0] if self.on_states else "/Yes"


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

    @cached_property
    def values(self) -> dict[str, str | None]:
        return {name: (str(info.value) if info.value is not None else None) for name, info in self.fields.items()}

    @property
    def page_count(self) -> int:
        return len(self.reader.pages)


def read_blank(path: str | Path) -> BlankForm:
    """Open a blank form file (plain or as uscis.gov ships it) and prepare it for filling."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as err:
        raise FormError(f"Cannot read the blank form {p}: {err.strerror or err}") from None
    return load_blank(raw, str(p))


def load_blank(raw: bytes, source: str = "<bytes>", *, use_cache: bool = True) -> BlankForm:
    """Prepare a blank; a blank that needs rewriting is kept prepared in the user's cache by its sha256."""
    if not raw.lstrip()[:5].startswith(b"%PDF"):
        raise FormError(f"{source} is not a PDF file")
    sha256 = hashlib.sha256(raw).hexdigest()
    cached = _cache_get(sha256) if use_cache else None
    try:
        reader = None
        if cached is not None:
            data, encrypted, had_xfa = cached
            try:
                reader = PdfReader(io.BytesIO(data))
                _ = reader.trailer["/Root"]
            except (PdfReadError, ValueError, KeyError, TypeError, AttributeError):
                reader = None  # a damaged cache entry: prepare the blank again
        if reader is None:
            data, reader, encrypted, had_xfa = _prepare(raw, source)
            if use_cache and data is not raw:
                _cache_put(sha256, data, encrypted, had_xfa)
        fields, fonts = _index(reader)
    except FormError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError) as err:
        raise FormError(f"{source} could not be read as a PDF form ({err})") from None
    form, edition = identify(fields, reader)
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
    )


def cache_dir() -> Path:
    env = os.environ.get("FORMFILL_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "formfill"


def _cache_path(sha256: str, encrypted: bool, had_xfa: bool) -> Path:
    return cache_dir() / f"prepared-{sha256}-v{PREPARE_VERSION}-e{int(encrypted)}x{int(had_xfa)}.pdf"


def _cache_get(sha256: str) -> tuple[bytes, bool, bool] | None:
    """A prepared copy from an earlier run: saves rewriting the 1.2 MB blank on every single call."""
    for encrypted in (False, True):
        for had_xfa in (False, True):
            path = _cache_path(sha256, encrypted, had_xfa)
            try:
                data = path.read_bytes()
            except OSError:
                continue
            if data.startswith(b"%PDF") and _classic_xref(data):
                return data, encrypted, had_xfa
    return None


def _cache_put(sha256: str, data: bytes, encrypted: bool, had_xfa: bool) -> None:
    path = _cache_path(sha256, encrypted, had_xfa)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".part")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only home only costs speed


def _prepare(raw: bytes, source: str) -> tuple[bytes, PdfReader, bool, bool]:
    """Decrypt, drop XFA, /Perms and NeedAppearances, and give the file a classic xref table."""
    reader = PdfReader(io.BytesIO(raw))
    encrypted = reader.is_encrypted
    if encrypted and not reader.decrypt(""):
        raise FormError(
            f"{source} is encrypted with a user password; the blanks uscis.gov ships open with an empty one"
        )
    root = cast(DictionaryObject, reader.trailer["/Root"])
    acro = root.get("/AcroForm")
    if acro is None:
        from formfill.fieldmap import what_we_fill  # here only: fieldmap imports this module

        raise FormError(f"{source} has no fillable fields: this is not Form I-131; {what_we_fill()}.")
    acro = cast(DictionaryObject, acro.get_object())
    had_xfa = "/XFA" in acro
    # Our fills append a classic xref table; some readers (iText, so pdftk) cannot follow one whose
    # /Prev is a cross-reference stream, so such blanks are rewritten with a classic table first.
    fixed_pitch = _unmarked_fixed_pitch(acro)
    if encrypted or had_xfa or "/Perms" in root or "/NeedAppearances" in acro or fixed_pitch or not _classic_xref(raw):
        writer = PdfWriter(clone_from=reader)
        for desc in _unmarked_fixed_pitch(cast(DictionaryObject, writer._root_object["/AcroForm"].get_object())):
            desc[NameObject("/Flags")] = NumberObject(int(cast(int, desc.get("/Flags", 0))) | FLAG_FIXED_PITCH)
        w_acro = cast(DictionaryObject, writer._root_object["/AcroForm"].get_object())
        for key in ("/XFA", "/NeedAppearances"):
            if key in w_acro:
                del w_acro[key]
        if "/Perms" in writer._root_object:
            del writer._root_object["/Perms"]
        buf = io.BytesIO()
        writer.write(buf)
        data = buf.getvalue()
        reader = PdfReader(io.BytesIO(data))
    else:
        data = raw
    return data, reader, encrypted, had_xfa


def _unmarked_fixed_pitch(acro: DictionaryObject) -> list[DictionaryObject]:
    """Descriptors of the form's fonts whose widths are all equal but whose flags omit FixedPitch.

    The 01/20/25 blank's /CourierNewPS-BoldMT is not embedded and says serif, not fixed pitch (Flags
    34): a renderer without Courier New that substitutes by flags would pick a proportional face.
    """
    out: list[DictionaryObject] = []
    dr = acro.get("/DR")
    fonts = dr.get_object().get("/Font") if dr is not None else None
    for ref in (fonts.get_object().values() if fonts is not None else []):
        font = ref.get_object()
        widths = {float(w) for w in font.get("/Widths", [])}
        desc = font.get("/FontDescriptor")
        if len(widths) == 1 and desc is not None and not int(desc.get_object().get("/Flags", 0)) & FLAG_FIXED_PITCH:
            out.append(cast(DictionaryObject, desc.get_object()))
    return out


def _classic_xref(data: bytes) -> bool:
    m = re.search(rb"startxref\s+(\d+)\s+%%EOF\s*$", data[-1024:])
    if m is None:
        return False
    start = int(m.group(1))
    return data[start : start + 4] == b"xref"


def identify(fields: dict[str, FieldInfo], reader: PdfReader) -> tuple[str, str]:
    """Read form and edition from the page barcode (`I-131|01/20/25|1`), else the footer text."""
    for info in fields.values():
        if "BarCode" in info.name and isinstance(info.value, str) and info.value.count("|") >= 2:
            form, edition = info.value.split("|")[:2]
            return form.strip(), edition.strip()
    try:
        text = reader.pages[0].extract_text() or ""
    except Exception:
        text = ""
    m = re.search(r"Form\s+(I-\d+\w?)\s+Edition\s+(\d{2}/\d{2}/\d{2})", text)
    if m:
        return m.group(1), m.group(2)
    return "", ""


def _index(reader: PdfReader) -> tuple[dict[str, FieldInfo], dict[str, FontInfo]]:
    page_of = {
        page.indirect_reference.idnum: i + 1
        for i, page in enumerate(reader.pages)
        if page.indirect_reference is not None
    }
    acro = cast(DictionaryObject, cast(DictionaryObject, reader.trailer["/Root"])["/AcroForm"].get_object())
    fonts = _fonts(acro)
    fields: dict[str, FieldInfo] = {}

    def walk(ref: Any, prefix: str, inherited: dict[str, Any]) -> None:
        obj = ref.get_object()
        name = prefix
        if "/T" in obj:
            name = f"{prefix}.{obj['/T']}" if prefix else str(obj["/T"])
        inh = dict(inherited)
        for key in ("/FT", "/DA", "/Ff", "/Q", "/MaxLen", "/V"):
            if key in obj:
                inh[key] = obj[key]
        kids = obj.get("/Kids")
        if kids:
            for kid in kids:
                walk(kid, name, inh)
            return
        fields[name] = _field_info(name, ref, obj, inh, page_of)

    for ref in acro.get("/Fields", ArrayObject()):
        walk(ref, "", {})
    return fields, fonts


def _field_info(name: str, ref: Any, obj: DictionaryObject, inh: dict[str, Any], page_of: dict[int, int]) -> FieldInfo:
    ft = inh.get("/FT")
    kind = {"/Tx": "text", "/Btn": "check", "/Ch": "choice"}.get(str(ft), "other")
    on_states: tuple[str, ...] = ()
    if kind == "check":
        ap = obj.get("/AP")
        normal = ap.get_object().get("/N") if ap is not None else None
        if normal is not None:
            on_states = tuple(str(k) for k in cast(DictionaryObject, normal.get_object()) if k != "/Off")
    options: tuple[str, ...] = ()
    if kind == "choice" and "/Opt" in obj:
        for raw in cast(ArrayObject, obj["/Opt"]):
            opt = raw.get_object()
            options += (str(opt[0]) if isinstance(opt, list | ArrayObject) else str(opt),)
    font, size = None, 0.0
    m = _DA.search(str(inh.get("/DA", "")))
    if m:
        font, size = m.group(1), float(m.group(2))
    page_ref = obj.get("/P")
    page = page_of.get(page_ref.idnum, 0) if isinstance(page_ref, IndirectObject) else 0
    rect = tuple(float(x) for x in obj.get("/Rect", [0, 0, 0, 0]))
    max_len = inh.get("/MaxLen")
    return FieldInfo(
        name=name,
        kind=kind,
        page=page,
        rect=(rect[0], rect[1], rect[2], rect[3]),
        ref=ref,
        obj=obj,
        tooltip=str(obj.get("/TU", "")),
        max_len=int(max_len) if max_len is not None else None,
        flags=int(inh.get("/Ff", 0)),
        font=font,
        font_size=size,
        align=int(inh.get("/Q", 0)),
        on_states=on_states,
        options=options,
        value=inh.get("/V"),
    )


def _fonts(acro: DictionaryObject) -> dict[str, FontInfo]:
    out: dict[str, FontInfo] = {}
    dr = acro.get("/DR")
    font_dict = dr.get_object().get("/Font") if dr is not None else None
    if font_dict is None:
        return out
    font_dict = font_dict.get_object()
    for key, ref in font_dict.items():
        font = ref.get_object()
        widths = tuple(float(w) for w in font.get("/Widths", []))
        desc = font.get("/FontDescriptor")
        missing = float(desc.get_object().get("/MissingWidth", 0)) if desc is not None else 0.0
        if not widths:
            missing = missing or 600.0  # standard 14 fonts: a conservative Courier-like width
        name = str(key)[1:]
        if isinstance(ref, IndirectObject):
            out[name] = FontInfo(name, ref, widths, int(font.get("/FirstChar", 0)), missing)
    return out
