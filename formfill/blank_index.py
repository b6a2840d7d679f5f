"""The forms folders' index: which PDF is which form and edition, so finding a blank opens only the one it uses.

Finding the blank used to open and prepare every PDF of every forms folder on every call. The index records,
per file, its size, modification time and sha256 with the form and edition its print states; a file whose size
or mtime changed is read again, and the blank finally used is checked against the recorded digest (a file
changed behind an unchanged size and mtime is read again, never trusted). The index is a cache formfill
produced: it lives in formfill's cache folder (which `guard_output` protects), is written atomically, and one
that is damaged is rebuilt, one formfill did not write is left alone, both said loudly.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import stat
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from formfill.errors import InputError, UnsafeOutputError
from formfill.files import write_atomic
from formfill.pdf.cache_entry import cache_dir

INDEX_NAME = "forms-index-v1.json"
MARK = "formfill forms index"
MAX_INDEX = 4 * 1024 * 1024  # a forms folder of a few blanks indexes in a few KB
_log = logging.getLogger("formfill")


@dataclass(frozen=True)
class Entry:
    """One PDF as last read: `sha256` None when it is no blank formfill can identify."""

    size: int
    mtime_ns: int
    sha256: str | None
    form: str
    edition: str


Identify = Callable[[Path], tuple[str | None, str, str]]  # opens a PDF: (sha256, form, edition)


class Unusable(ValueError):
    """An index formfill cannot use; `ours` says whether it wrote it (then it is rebuilt) or not (left alone)."""

    def __init__(self, why: str, ours: bool) -> None:
        super().__init__(why)
        self.ours = ours


def index_path() -> Path:
    return cache_dir() / INDEX_NAME


def fingerprint(marks: object, version: str) -> str:
    """What the recorded identifications depend on: how packages say blanks state their edition (a package
    installed since can make a PDF a blank of its form) and formfill's version."""
    return hashlib.sha256(f"{version}\0{marks!r}".encode()).hexdigest()[:32]


def parse(raw: bytes, stamp: str) -> dict[str, Entry]:
    """The entries of an index file's bytes; Unusable when it is not formfill's or is damaged. An index
    written for other packages or another version holds nothing usable (and is rebuilt)."""
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise Unusable("not JSON", ours=False) from None
    if not isinstance(doc, dict) or doc.get("index") != MARK:
        raise Unusable("it lacks the mark formfill writes", ours=False)
    if doc.get("stamp") != stamp:
        return {}
    entries = doc.get("entries")
    if not isinstance(entries, dict):
        raise Unusable("its entries are missing", ours=True)
    out: dict[str, Entry] = {}
    for path, e in entries.items():
        try:
            out[str(path)] = Entry(int(e["size"]), int(e["mtime_ns"]), None if e["sha256"] is None else
                                   str(e["sha256"]), str(e["form"]), str(e["edition"]))
        except (KeyError, TypeError, ValueError):
            raise Unusable(f"its entry for {path} is malformed", ours=True) from None
    return out


def render(entries: dict[str, Entry], stamp: str) -> bytes:
    doc = {"index": MARK, "stamp": stamp, "entries": {p: asdict(e) for p, e in sorted(entries.items())}}
    return (json.dumps(doc, indent=1) + "\n").encode()


def read_index(path: Path, stamp: str) -> tuple[dict[str, Entry], bool]:
    """(entries, whether formfill may write the index): a missing index is empty; an unusable one is said."""
    try:
        st = os.lstat(path)
    except OSError:
        return {}, True
    if not stat.S_ISREG(st.st_mode):
        _log.warning("formfill: warning: %s is not a forms index formfill wrote (not a regular file); it is left "
                     "alone and every blank is opened: remove it", path)
        return {}, False
    if st.st_size > MAX_INDEX:
        _log.warning("formfill: warning: %s is larger than a forms index formfill writes; it is left alone and "
                     "every blank is opened: remove it", path)
        return {}, False
    try:
        raw = path.read_bytes()
        return parse(raw, stamp), True
    except OSError as err:
        _log.warning("formfill: warning: the forms index %s cannot be read (%s); every blank is opened",
                     path, err.strerror or err)
        return {}, False
    except Unusable as err:
        if err.ours:
            _log.warning("formfill: warning: the forms index %s is damaged (%s); rebuilding it", path, err)
            return {}, True
        _log.warning("formfill: warning: %s is not a forms index formfill wrote (%s); it is left alone and every "
                     "blank is opened: remove it", path, err)
        return {}, False


def fresh(entry: Entry | None, st: os.stat_result) -> bool:
    return entry is not None and (entry.size, entry.mtime_ns) == (st.st_size, st.st_mtime_ns)


def key(pdf: Path) -> str:
    return str(pdf.absolute())


def classify(pdfs: Sequence[Path], identify: Identify, stamp: str,
             protected: Callable[[], dict[Any, str]] | None = None) -> dict[Path, Entry]:
    """Each PDF's entry: from the index when its size and mtime are as recorded, else read now (and recorded).
    A file that cannot be stat'ed is left out."""
    path = index_path()
    entries, writable = read_index(path, stamp)
    out: dict[Path, Entry] = {}
    changed = False
    for pdf in pdfs:
        try:
            st = pdf.stat()
        except OSError:
            continue
        entry = entries.get(key(pdf))
        if not fresh(entry, st):
            entry = Entry(st.st_size, st.st_mtime_ns, *identify(pdf))
            entries[key(pdf)] = entry
            changed = True
        assert entry is not None
        out[pdf] = entry
    gone = [p for p in entries if Path(p) not in out and not os.path.exists(p)]
    for p in gone:
        del entries[p]
    if (changed or gone) and writable:
        save(path, entries, stamp, protected() if protected is not None else None)
    return out


def record(pdf: Path, entry: Entry, stamp: str, protected: dict[Any, str] | None = None) -> None:
    """Record one PDF read again (its digest did not match the index)."""
    path = index_path()
    entries, writable = read_index(path, stamp)
    entries[key(pdf)] = entry
    if writable:
        save(path, entries, stamp, protected)


def save(path: Path, entries: dict[str, Entry], stamp: str, protected: dict[Any, str] | None) -> None:
    try:
        write_atomic(path, render(entries, stamp), overwrite=True, protected=protected, what="the forms index")
    except UnsafeOutputError as err:  # the name became a link to a file formfill keeps, say: refused, and said
        _log.warning("formfill: warning: the forms index was not written: %s", err)
    except InputError:
        return  # a read-only cache folder only costs speed
