"""File names formfill derives from a profile: the library's, so batch and the CLI name outputs alike."""

from __future__ import annotations

import re

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(text: str) -> str:
    """A file name from a matter id or file stem: letters, digits, dot, dash and underscore only."""
    cleaned = _UNSAFE.sub("_", text).strip("._")
    return cleaned[:100] or "profile"
