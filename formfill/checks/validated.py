"""A record, in formfill's cache, that a package rules file was validated whole: what lets a plain fill read only
the part its eligibility notes need, for any package (formfill's own or a firm's) alike.

The record is keyed by the file's text, its form, the form's profile model source (rules name profile paths the
model must have) and formfill's version, so any change to one of them means a whole reading again. It is a
digest-checked cache entry (formfill.pdf.cache_entry): a damaged or substituted one is discarded, loudly.
"""

from __future__ import annotations

import hashlib
import inspect
from pathlib import Path

from formfill.formpackage import FormPackage
from formfill.pdf.cache_entry import cache_dir, read_entry, write_entry
from formfill.version import __version__

RECORD_PREFIX = "package-rules-"
RECORD_VERSION = 1


def _digest(text: str, pkg: FormPackage) -> str:
    try:
        model = Path(inspect.getfile(pkg.model())).read_bytes()
    except (OSError, TypeError):
        model = repr(pkg.model()).encode()
    h = hashlib.sha256()
    for part in (text.encode("utf-8"), pkg.form.encode(), model, __version__.encode()):
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()


def _path(digest: str) -> Path:
    return cache_dir() / f"{RECORD_PREFIX}{digest}-v{RECORD_VERSION}.json"


def record_valid(text: str, pkg: FormPackage) -> None:
    """`text` has just been validated whole as `pkg`'s package rules."""
    digest = _digest(text, pkg)
    write_entry(_path(digest), {"rules": digest, "version": RECORD_VERSION})


def was_valid(text: str, pkg: FormPackage) -> bool:
    """Whether `text` was validated whole as `pkg`'s package rules, by this formfill, against this model."""
    digest = _digest(text, pkg)
    return read_entry(_path(digest), {"rules": digest, "version": RECORD_VERSION}, "package rules record") is not None


__all__ = ["RECORD_PREFIX", "RECORD_VERSION", "record_valid", "was_valid"]
