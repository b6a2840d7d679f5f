"""Batch inputs: expand files, folders, JSON Lines and streams into planned items, each with its output name.

Planning runs in the calling process. An item is small and picklable: a worker re-reads its profile from the
file (at a byte offset for JSON Lines) unless it came from a stream that cannot be read twice. Any input that
cannot be read or named fails here, as one report line, never as an exception for the whole batch.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from formfill.errors import (
    FormfillError,
    InputError,
    JsonValueError,
    Problem,
    ProfileError,
)
from formfill.files import NOT_REGULAR, read_bounded, unreadable
from formfill.formpackage import FormPackage, default_package, package_for
from formfill.loading import MAX_PROFILE_BYTES
from formfill.masking import known_identifiers, masked_name
from formfill.strictjson import loads_strict


@dataclass(frozen=True, slots=True)
class Item:
    """One input planned by the parent: small and picklable, so the work queue stays cheap.

    A worker re-reads the profile from `path` (at byte `offset` for a JSON Lines file) instead of
    receiving it, which keeps the queue and the parent's memory small for very large batches. An
    input that cannot be read twice (standard input, a pipe, a FIFO) is read once by the parent
    and its JSON `text` travels with the item instead.
    """

    index: int
    id: str
    input: str
    path: str
    output: str
    base_dir: str = "."
    line: int | None = None
    offset: int = 0
    text: str | None = None
    before: tuple[int, int, int] | None = None  # the output's (dev, inode, mtime) at planning, if it existed
    error: str | None = None
    problems: tuple[Problem, ...] = ()
    attachments: tuple[str, ...] = ()
    form: str | None = None  # the form number of the profile's package (its blank, without --form); None: unread


STDIN = "-"
"""The input that means standard input (read once, by the calling process)."""


@dataclass(frozen=True, slots=True)
class _Source:
    """One file (or stream) of profiles, as planning sees it."""

    path: str  # what a worker opens; STDIN for standard input
    name: str  # how messages and the report name it
    stem: str  # the output name when the profile has no id
    base_dir: str  # relative attachment paths are relative to this folder
    stream: bool  # not a regular file: read once, here, and its text carried in the items
    unusable: str | None = None  # why a folder's entry cannot be read (it fails, with this reason)


def _is_stream(path: Path) -> bool:
    """A pipe, FIFO, device or /proc//dev path: a worker could not re-read it, so the parent reads it once."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False  # reading it will fail and be reported for this input
    return not stat.S_ISREG(mode) or os.path.abspath(path).startswith(("/dev/", "/proc/"))


def path_key(path: Path) -> str:
    try:
        return str(path.resolve())
    except (OSError, RuntimeError):  # a symlink loop
        return os.path.abspath(path)


def _sources(inputs: Sequence[str | os.PathLike[str]], exclude: set[str]) -> Iterator[_Source]:
    """Every profile file named or inside a named folder, in a stable order, each file once."""
    seen: set[str] = set()
    for raw in inputs:
        if os.fspath(raw) == STDIN:
            if STDIN not in seen:
                seen.add(STDIN)
                yield _Source(STDIN, "<stdin>", "stdin", str(Path.cwd()), True)
            continue
        path = Path(raw)
        in_folder = path.is_dir()
        if in_folder:
            try:
                found = sorted(
                    p for p in path.iterdir() if p.suffix.lower() in (".json", ".jsonl") and not p.name.startswith(".")
                )
            except OSError as err:
                raise InputError(f"{path}: the folder cannot be read ({err.strerror or err})") from None
        elif path.exists():
            found = [path]
        else:
            raise InputError(f"{path}: no such file or folder")
        for p in found:
            unusable = _unusable_entry(p) if in_folder else None
            stream = unusable is None and _is_stream(p)
            key = os.path.abspath(p) if stream or unusable else path_key(p)
            if key in seen or key in exclude:
                continue
            seen.add(key)
            base = Path.cwd() if stream else Path(key).parent
            yield _Source(str(p), str(p), p.stem, str(base), stream, unusable)


def _unusable_entry(path: Path) -> str | None:
    """Why a folder's *.json or *.jsonl entry is not a profile file formfill reads, or None when it is one.

    Each such entry fails with this reason rather than being passed over: a profile behind a dangling
    symlink (a share not mounted) is a client whose form would otherwise go missing without a trace. A
    FIFO or device in a folder is never waited on; named on the command line it is read as a stream.
    """
    why = unreadable(path)
    if why is None:
        return None
    if why == NOT_REGULAR:
        if path.is_dir():
            return "is a folder, not a profile file (folders are not read recursively)"
        return f"{NOT_REGULAR}; name it on the command line to read it as a stream"
    return why


def _profile_id(data: Any) -> str | None:
    ident = data.get("id") if isinstance(data, dict) else None
    return ident if isinstance(ident, str) and ident.strip() else None


def _bad(message: str, code: str) -> InputError:
    return InputError(message, [Problem("", message, code)])


def decode(raw: bytes | str, name: str, *, one_line: bool = False) -> Any:
    """Decode one profile's JSON strictly (formfill.loading.loads_strict); any failure fails this input only.

    Malformed JSON is `invalid_json`; well-formed JSON that cannot be taken as meant (a duplicate key, a
    number too long to read, NaN, an unpaired surrogate) carries one problem per JSON path.
    """
    if len(raw) > MAX_PROFILE_BYTES:
        raise _bad(f"{name}: larger than {MAX_PROFILE_BYTES // 2**20} MB; a profile is a few kilobytes",
                   "invalid_json")
    try:
        return loads_strict(raw if isinstance(raw, str) else raw.decode("utf-8-sig"))
    except UnicodeDecodeError as err:
        msg = f"{name}: not UTF-8 text ({err.reason})"
    except json.JSONDecodeError as err:
        where = f"column {err.colno}" if one_line else f"line {err.lineno}, column {err.colno}"
        msg = f"{name}: not valid JSON ({where}: {err.msg})"
    except RecursionError:
        msg = f"{name}: not valid JSON (nested too deeply)"
    except JsonValueError as err:
        raise ProfileError(f"{name}: The profile has problems", err.problems) from None
    except ValueError as err:  # a last resort: nothing the decoder raises may stop the batch
        msg = f"{name}: not valid JSON ({type(err).__name__})"
    raise _bad(msg, "invalid_json")


def read_input(path: str, name: str) -> bytes:
    """A profile file's bytes; STDIN reads standard input (to its end)."""
    if path == STDIN:
        try:
            return sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode()
        except OSError as err:
            raise _bad(f"{name}: cannot be read ({err.strerror or err})", "unreadable") from None
    try:
        # A pipe named as an input is read like a file; decode refuses anything longer than the bound.
        return read_bounded(path, MAX_PROFILE_BYTES, name=name, regular_only=False)
    except InputError as err:
        raise _bad(err.message, "unreadable") from None


def read_line(path: str, offset: int, name: str) -> bytes:
    try:
        with open(path, "rb") as fh:
            fh.seek(offset)
            return fh.readline(MAX_PROFILE_BYTES + 1)
    except OSError as err:
        raise _bad(f"{name}: cannot be read ({err.strerror or err})", "unreadable") from None


def _is_json_lines(text: str, lines: Sequence[str]) -> bool:
    """Whether a stream of several lines is JSON Lines rather than one (pretty-printed) JSON document."""
    try:
        json.loads(text)
    except json.JSONDecodeError as err:
        if err.msg == "Extra data":  # a complete value, then more: one value per line
            return True
    except Exception:  # nested too deeply, a huge integer...: decide by the lines
        pass
    else:
        return False  # one JSON document (an object, or something that will fail as not an object)
    # Not valid as a whole: JSON Lines with some broken lines, or one broken document? Most lines of
    # JSON Lines are whole bracketed values; few lines of a pretty-printed document are.
    pairs = (("{", "}"), ("[", "]"))
    whole = sum(1 for line in map(str.strip, lines) if len(line) > 1 and (line[0], line[-1]) in pairs)
    return 2 * whole >= len(lines)


def _entry(src: _Source, line: int | None = None, offset: int = 0, text: str | None = None) -> dict[str, Any]:
    if line is None:
        return {"input": src.name, "stem": src.stem, "text": text}
    return {"input": f"{src.name}:{line}", "stem": f"{src.stem}-{line}", "line": line, "offset": offset, "text": text}


def _named(entry: dict[str, Any], decode: Callable[[], Any]) -> dict[str, Any]:
    """The entry with the profile id that names its output, or with the error (and problems) that fail it."""
    try:
        data = decode()
        return {**entry, "pid": _profile_id(data), "attachments": _attachment_paths(data),
                "known": known_identifiers(data), "form": _named_form(data)}
    except FormfillError as err:
        return {**entry, "error": err.message, "problems": _problems(err, "unreadable")}
    except Exception as err:  # never let one profile's bytes stop the planning of the others
        msg = f"{entry['input']}: cannot be decoded ({type(err).__name__})"
        return {**entry, "error": msg, "problems": (Problem("", msg, "invalid_json"),)}


def _named_form(data: Any) -> str | None:
    """The form a profile names (its `form` key), if it names one."""
    named = data.get("form") if isinstance(data, dict) else None
    return named if isinstance(named, str) else None


def _package_of(named: str | None) -> FormPackage:
    """The package a profile naming `named` goes to: that form's, else the default (as validation dispatches it)."""
    return (package_for(named) if named is not None else None) or default_package()


def _attachment_paths(data: Any) -> tuple[str, ...]:
    """The attachment paths a profile names (as written), so no output of the batch can replace one."""
    found = data.get("attachments") if isinstance(data, dict) else None
    if not isinstance(found, list):
        return ()
    return tuple(a["path"] for a in found if isinstance(a, dict) and isinstance(a.get("path"), str))


def _problems(err: FormfillError, code: str) -> tuple[Problem, ...]:
    return tuple(err.problems) or (Problem("", err.message, code),)


def _stream_items(src: _Source) -> Iterator[dict[str, Any]]:
    """A stream is read once; it is one JSON object, or else JSON Lines (decided by its content)."""
    raw = read_input(src.path, src.name)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise _bad(f"{src.name}: not UTF-8 text ({err.reason})", "invalid_json") from None
    lines = [(n, line) for n, line in enumerate(text.split("\n"), start=1) if line.strip()]
    if not lines:
        return  # like an empty JSON Lines file: no profiles
    if len(lines) == 1 or not _is_json_lines(text, [line for _, line in lines]):
        yield _named(_entry(src, text=text), lambda: decode(text, src.name))
        return
    for n, line in lines:
        yield _named(_entry(src, n, text=line), partial(decode, line, f"{src.name}:{n}", one_line=True))


def _file_items(src: _Source) -> Iterator[dict[str, Any]]:
    if not src.name.lower().endswith(".jsonl"):
        yield _named(_entry(src), lambda: decode(read_input(src.path, src.name), src.name))
        return
    try:
        fh = open(src.path, "rb")  # noqa: SIM115 - closed below; opening is what can fail here
    except OSError as err:
        raise _bad(f"{src.name}: cannot be read ({err.strerror or err})", "unreadable") from None
    with fh:
        offset, n = 0, 0
        while raw := fh.readline(MAX_PROFILE_BYTES + 1):
            n += 1
            start, offset = offset, offset + len(raw)
            while len(raw) > MAX_PROFILE_BYTES and not raw.endswith(b"\n"):  # skip the rest of a huge line
                rest = fh.readline(MAX_PROFILE_BYTES)
                if not rest:
                    break
                offset += len(rest)
                raw = raw[:MAX_PROFILE_BYTES + 1] + (b"\n" if rest.endswith(b"\n") else b"")
            if raw.strip():
                yield _named(_entry(src, n, start), partial(decode, raw, f"{src.name}:{n}", one_line=True))


def _raw_items(src: _Source) -> Iterator[dict[str, Any]]:
    """The inputs one source holds, with what naming needs; any failure becomes a failed input, never a crash."""
    if src.unusable is not None:
        msg = f"{src.name} {src.unusable}"
        yield {**_entry(src), "error": msg, "problems": (Problem("", msg, "unreadable"),)}
        return
    lines_seen = 0
    try:
        for entry in _stream_items(src) if src.stream else _file_items(src):
            lines_seen = entry.get("line") or lines_seen
            yield entry
    except FormfillError as err:
        yield {**_entry(src), "error": err.message, "problems": _problems(err, "unreadable")}
    except Exception as err:  # an unreadable disk, a bug...: this source fails, the others proceed
        where = f"{src.name} (after line {lines_seen})" if lines_seen else src.name
        msg = f"{where}: cannot be read ({type(err).__name__}: {err})"
        yield {**_entry(src), "error": msg, "problems": (Problem("", msg, "unreadable"),)}


def plan(inputs: Sequence[str | os.PathLike[str]], out_dir: Path, exclude: Sequence[Path] = (),
         suffix: str | None = None) -> list[Item]:
    """Expand the inputs and give each its output name (`<id>` + `suffix`, by default the output suffix of the
    package of the profile's form); an input that cannot be named fails here.

    Names are claimed in input order, case-insensitively (two names differing only in case are one
    file on macOS and Windows); a later claimant fails with `duplicate_output` rather than being
    renamed, because a renamed file is one the firm's pipeline would not be looking for.
    """
    items: list[Item] = []
    claimed: dict[str, str] = {}
    packages: dict[str | None, FormPackage] = {}  # by the form a profile names: looked up once per plan
    for src in _sources(inputs, {path_key(p) for p in exclude}):
        for raw in _raw_items(src):
            index = len(items)
            pid = raw.get("pid")
            ident = masked_name(pid or raw["stem"], raw.get("known", ()))
            pkg = None
            if "error" not in raw:
                named = raw.get("form")
                if named not in packages:
                    packages[named] = _package_of(named)
                pkg = packages[named]
            output = out_dir / f"{ident}{suffix or (pkg or default_package()).spec.output_suffix}"
            common: dict[str, Any] = {
                "index": index,
                "id": pid or ident,
                "input": raw["input"],
                "path": src.path,
                "output": str(output),
                "base_dir": src.base_dir,
                "line": raw.get("line"),
                "offset": raw.get("offset", 0),
                "attachments": tuple(str(Path(src.base_dir) / a) for a in raw.get("attachments", ())),
                "form": None if pkg is None else pkg.form,
            }
            if "error" in raw:
                items.append(Item(**common, error=raw["error"], problems=raw["problems"]))
                continue
            first = claimed.setdefault(ident.casefold(), raw["input"])
            if first != raw["input"]:
                what = f"the id {pid!r}" if pid else "its file name"
                msg = (
                    f"{raw['input']}: {what} gives the output name {output.name}, already used by {first}; "
                    "give the profiles distinct `id`s"
                )
                problem = Problem("id" if pid else "", msg, "duplicate_output")
                items.append(Item(**common, error=msg, problems=(problem,)))
                continue
            items.append(Item(**common, text=raw.get("text"), before=stamp(str(output))))
    return items


def stamp(path: str) -> tuple[int, int, int] | None:
    """(device, inode, mtime): a PDF renamed into place gets a new inode, so this tells new from old."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return st.st_dev, st.st_ino, st.st_mtime_ns
