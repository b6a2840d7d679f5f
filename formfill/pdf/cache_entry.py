"""One digest-checked JSON entry in formfill's cache: what is derived from a prepared blank and kept between runs.

An entry is `{"sha256": digest of body, "body": JSON text}`; the body names what it was derived from, and an
entry is used only when its digest matches and it names exactly what the caller expects (the prepared bytes'
sha256, the format version). Anything else (damaged, truncated, substituted, another blank's) is discarded,
loudly, and the caller derives the data again: a cache entry is never trusted unverified.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from formfill.errors import InputError
from formfill.files import write_atomic

_log = logging.getLogger("formfill")


def cache_dir() -> Path:
    """formfill's cache folder: $FORMFILL_CACHE_DIR, else $XDG_CACHE_HOME/formfill or ~/.cache/formfill."""
    env = os.environ.get("FORMFILL_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "formfill"


def read_entry(path: Path, expect: Mapping[str, Any], what: str) -> dict[str, Any] | None:
    """The body of the entry at `path` when it is intact and holds `expect`'s items; None otherwise."""
    if not path.exists():
        return None
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        body = doc["body"]
        if not isinstance(body, str) or hashlib.sha256(body.encode()).hexdigest() != doc["sha256"]:
            raise ValueError("its content does not match the digest recorded when it was written")
        parsed = json.loads(body)
        if not isinstance(parsed, dict) or any(parsed.get(k) != v for k, v in expect.items()):
            raise ValueError("it belongs to another blank or another version")
        return parsed
    except (OSError, ValueError, KeyError, TypeError) as err:
        _log.warning("formfill: discarding the cached %s %s (%s); reading the blank again", what, path, err)
        with contextlib.suppress(OSError):
            path.unlink()
        return None


def write_entry(path: Path, body: Mapping[str, Any]) -> None:
    """Keep `body` at `path` with its digest, atomically; a read-only cache only costs speed."""
    text = json.dumps(body, sort_keys=True)
    doc = json.dumps({"sha256": hashlib.sha256(text.encode()).hexdigest(), "body": text})
    with contextlib.suppress(InputError):
        write_atomic(path, doc.encode("utf-8"), overwrite=True, what="the cache entry")
