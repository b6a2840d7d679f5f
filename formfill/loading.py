"""Reading a profile: from a file, standard input, a dict or an already validated model.

This sits below both the fill API (`formfill.api`) and the checks (`formfill.checks`), so either can load
a profile without importing the other.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from formfill.errors import InputError, ProfileError
from formfill.identifiers import fold_diacritics
from formfill.profile import Profile, parse_profile


@dataclass
class LoadedProfile:
    profile: Profile
    source: str
    base_dir: Path
    notes: list[str] = field(default_factory=list)


ProfileSource = str | os.PathLike[str] | dict[str, Any] | Profile | LoadedProfile


def read_json(source: str | os.PathLike[str]) -> tuple[Any, str, Path]:
    """Decode a profile file ("-" is standard input); errors name the file and the position."""
    if str(source) == "-":
        raw_in = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode()
        try:
            text = raw_in.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            raise InputError(f"<stdin>: not UTF-8 text ({err.reason} at byte {err.start})") from None
        name, base = "<stdin>", Path.cwd()
    else:
        path = Path(source)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise InputError(f"{path}: no such file") from None
        except (OSError, UnicodeDecodeError) as err:
            raise InputError(f"{path}: cannot be read ({err})") from None
        name, base = str(path), path.resolve().parent
    try:
        return json.loads(text), name, base
    except json.JSONDecodeError as err:
        raise InputError(f"{name}: not valid JSON (line {err.lineno}, column {err.colno}: {err.msg})") from None
    except RecursionError:
        raise InputError(f"{name}: not valid JSON for a profile (nested too deeply)") from None


def load_profile(source: ProfileSource) -> LoadedProfile:
    """Validate a profile given as a path, "-", a decoded dict, or an already validated Profile."""
    if isinstance(source, LoadedProfile):
        return source
    if isinstance(source, Profile):
        return LoadedProfile(source, "<profile>", Path.cwd())
    if isinstance(source, dict):
        profile = parse_profile(source)
        return LoadedProfile(profile, "<dict>", Path.cwd(), spelling_notes(source, profile))
    data, name, base = read_json(source)
    try:
        profile = parse_profile(data)
        return LoadedProfile(profile, name, base, spelling_notes(data, profile))
    except ProfileError as err:
        err.message = f"{name}: {err.message}"
        raise


def spelling_notes(raw: Any, profile: Profile) -> list[str]:
    """Say where a name prints without its diacritics (Muñoz -> Munoz), so nobody is surprised."""
    notes: list[str] = []

    def walk(before: Any, after: Any, path: str) -> None:
        if isinstance(before, dict) and isinstance(after, dict):
            for key, value in before.items():
                walk(value, after.get(key), f"{path}.{key}" if path else key)
        elif isinstance(before, list) and isinstance(after, list):
            for i, (b, a) in enumerate(zip(before, after, strict=False)):
                walk(b, a, f"{path}[{i}]")
        elif isinstance(before, str) and isinstance(after, str):
            folded = " ".join(fold_diacritics(before).split())
            if folded == after and " ".join(before.split()) != after:
                notes.append(f"{path}: prints as {after!r} (from {before!r}): the form takes A-Z letters only")

    walk(raw, profile.model_dump(mode="json"), "")
    return notes
