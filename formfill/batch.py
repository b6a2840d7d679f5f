"""Fill many profiles at once: a firm's whole docket, one report, one bad profile never costs the others.

    from formfill.batch import batch
    summary = batch(["clients/", "renewals.jsonl"], Path("out"), form="i-131.pdf")
    summary.exit_code   # 0 all filled and verified, 1 some failed (see out/report.jsonl)

Inputs are profile files, folders of them (their *.json and *.jsonl, not recursive) and JSON Lines
files (one profile per line). `-` is standard input; it, and any input that is not a regular file
(a pipe, `<(...)`, a FIFO), is read once by the calling process and is one JSON object or else JSON
Lines, decided by its content. Every profile is validated, filled and verified on its own; the report
gets one JSON line per input as soon as that input is done, so a pipeline can follow it with
`tail -f`. Output names come from the profile's `id`, else the file name (`<stem>-<line>` for JSON
Lines), with any SSN or A-Number in them masked (`client_xxx_xx_9846.i-131.pdf`, formfill.masking); the
first input to claim a name gets it and any later input mapping to the same name fails with
`duplicate_output`: nothing is ever overwritten silently. Report lines are masked like every message.

Speed is by design: the blank is opened and prepared once per worker process (forms.open_blank
caches it; under fork the workers inherit the parent's copy) and each profile costs only its own
values, appearances and verification. Workers write their own PDFs atomically, so the parent holds
no PDF in memory and the batch's memory stays flat however long it runs.

Ctrl-C (or an interrupt raised in the caller) stops the batch cleanly: the workers ignore SIGINT,
the parent terminates them, removes any temporary `.part` file they left, reports the inputs that
were not filled, and raises BatchInterrupted carrying the summary. Every PDF left in the output
folder is complete and verified, because a PDF only ever appears there by an atomic link/rename
of a file that has already been verified.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import multiprocessing
import os
import signal
import stat
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from multiprocessing import connection
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, TextIO

from formfill import api
from formfill.errors import (
    BatchInterrupted,
    FitError,
    FormError,
    FormfillError,
    InputError,
    JsonValueError,
    OutputExistsError,
    PackageError,
    Problem,
    ProfileError,
    VerificationError,
)
from formfill.fieldmap import for_form
from formfill.files import NOT_REGULAR, check_output, part_owner, read_bounded, unreadable
from formfill.formpackage import default_package
from formfill.forms import find_blank, kept_files, open_blank
from formfill.interrupts import SIGINT_EXIT, exit_code, signals_ignored, sigterm_as_interrupt
from formfill.loading import MAX_PROFILE_BYTES, loads_strict
from formfill.masking import known_identifiers, mask_text, mask_tree, masked_name, scrub_numbers
from formfill.pdf.blank import BlankForm
from formfill.profile_base import parse_profile

REPORT_NAME = "report.jsonl"

Progress = Callable[["ItemResult", int, int], None]
"""Called in the calling process after each input: (result, inputs done, inputs in total)."""


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


@dataclass
class ItemResult:
    """The outcome of one input: exactly one report line."""

    index: int
    id: str
    input: str
    output: str | None
    ok: bool
    seconds: float
    error: str | None = None
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # as `fill --json`: values the form says to skip, names

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "id": self.id,
            "input": self.input,
            "output": self.output,
            "ok": self.ok,
            "error": self.error,
            "problems": [p.to_dict() for p in self.problems],
            "notes": self.notes,
            "seconds": round(self.seconds, 4),
        }


@dataclass
class BatchSummary:
    """What a batch did. Failures are kept (for the CLI's summary); successes are only counted."""

    total: int
    succeeded: int
    failed: int
    seconds: float
    jobs: int
    out_dir: Path
    report: Path
    blank: str
    interrupted: bool = False
    failures: list[ItemResult] = field(default_factory=list)
    interrupt_exit: int = SIGINT_EXIT  # 130 Ctrl-C, 143 SIGTERM

    @property
    def ok(self) -> bool:
        return not self.interrupted and self.failed == 0 and self.succeeded == self.total

    @property
    def exit_code(self) -> int:
        """0 all filled and verified, 1 some inputs failed, 130 interrupted (143 by SIGTERM)."""
        if self.interrupted:
            return self.interrupt_exit
        return 0 if self.ok else 1

    @property
    def forms_per_second(self) -> float:
        return self.succeeded / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "exit_code": self.exit_code,
            "interrupted": self.interrupted,
            "total": self.total,
            "succeeded": self.succeeded,
            "failed": self.failed,
            "seconds": round(self.seconds, 3),
            "forms_per_second": round(self.forms_per_second, 2),
            "jobs": self.jobs,
            "out_dir": str(self.out_dir),
            "report": str(self.report),
            "blank": self.blank,
            "failures": [f.to_dict() for f in self.failures],
        }


# --- planning (in the calling process) ------------------------------------------------------------

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


def _key(path: Path) -> str:
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
            key = os.path.abspath(p) if stream or unusable else _key(p)
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


def _decode(raw: bytes | str, name: str, *, one_line: bool = False) -> Any:
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


def _read(path: str, name: str) -> bytes:
    """A profile file's bytes; STDIN reads standard input (to its end)."""
    if path == STDIN:
        try:
            return sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode()
        except OSError as err:
            raise _bad(f"{name}: cannot be read ({err.strerror or err})", "unreadable") from None
    try:
        # A pipe named as an input is read like a file; _decode refuses anything longer than the bound.
        return read_bounded(path, MAX_PROFILE_BYTES, name=name, regular_only=False)
    except InputError as err:
        raise _bad(err.message, "unreadable") from None


def _read_line(path: str, offset: int, name: str) -> bytes:
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
                "known": known_identifiers(data)}
    except FormfillError as err:
        return {**entry, "error": err.message, "problems": _problems(err, "unreadable")}
    except Exception as err:  # never let one profile's bytes stop the planning of the others
        msg = f"{entry['input']}: cannot be decoded ({type(err).__name__})"
        return {**entry, "error": msg, "problems": (Problem("", msg, "invalid_json"),)}


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
    raw = _read(src.path, src.name)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise _bad(f"{src.name}: not UTF-8 text ({err.reason})", "invalid_json") from None
    lines = [(n, line) for n, line in enumerate(text.split("\n"), start=1) if line.strip()]
    if not lines:
        return  # like an empty JSON Lines file: no profiles
    if len(lines) == 1 or not _is_json_lines(text, [line for _, line in lines]):
        yield _named(_entry(src, text=text), lambda: _decode(text, src.name))
        return
    for n, line in lines:
        yield _named(_entry(src, n, text=line), partial(_decode, line, f"{src.name}:{n}", one_line=True))


def _file_items(src: _Source) -> Iterator[dict[str, Any]]:
    if not src.name.lower().endswith(".jsonl"):
        yield _named(_entry(src), lambda: _decode(_read(src.path, src.name), src.name))
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
                yield _named(_entry(src, n, start), partial(_decode, raw, f"{src.name}:{n}", one_line=True))


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
    """Expand the inputs and give each its output name (`<id>` + `suffix`, by default the default form package's
    output suffix); an input that cannot be named fails here.

    Names are claimed in input order, case-insensitively (two names differing only in case are one
    file on macOS and Windows); a later claimant fails with `duplicate_output` rather than being
    renamed, because a renamed file is one the firm's pipeline would not be looking for.
    """
    items: list[Item] = []
    claimed: dict[str, str] = {}
    suffix = suffix or default_package().spec.output_suffix
    for src in _sources(inputs, {_key(p) for p in exclude}):
        for raw in _raw_items(src):
            index = len(items)
            pid = raw.get("pid")
            ident = masked_name(pid or raw["stem"], raw.get("known", ()))
            output = out_dir / f"{ident}{suffix}"
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
            items.append(Item(**common, text=raw.get("text"), before=_stamp(str(output))))
    return items


# --- the work (in a worker process, or in-process for jobs=1) --------------------------------------

_WORKER: dict[str, Any] = {}

_CODES: tuple[tuple[type[FormfillError], str], ...] = (
    (api.UnsafeOutputError, "unsafe_output"),
    (OutputExistsError, "output_exists"),
    (FormError, "form"),
    (InputError, "unreadable"),
    (ProfileError, "invalid"),
    (FitError, "does_not_fit"),
    (VerificationError, "verification"),
    (PackageError, "package"),
    (FormfillError, "error"),
)


@dataclass(frozen=True)
class Options:
    """What every item of one batch is filled with (sent once to each worker, not with every item)."""

    blank_path: str | None
    check_package: bool = False
    attachments_root: str | None = None
    overwrite: bool = False
    protected: dict[api.Identity, str] = field(default_factory=dict)  # files no output may replace
    filing_date: dt.date | None = None  # with check_package: the postmark date (default: today)


def _init_worker(options: Options, ignore_sigint: bool) -> None:
    """Open the blank once for this worker; every profile it fills reuses it."""
    if ignore_sigint:
        # The parent owns Ctrl-C: it terminates the pool and reports, so workers must not die mid-item.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    if options.blank_path is not None:
        _WORKER["blank"] = open_blank(options.blank_path)
    elif "blank" not in _WORKER:
        raise InputError("the blank form has no file to open in a worker process; pass its path, or use jobs=1")
    _WORKER["options"] = options


def _load(item: Item) -> Any:
    """The item's decoded JSON (any value: only parse_profile decides whether it is a profile)."""
    if item.text is not None:
        return _decode(item.text, item.input, one_line=item.line is not None)
    if item.line is None:
        return _decode(_read(item.path, item.input), item.input)
    return _decode(_read_line(item.path, item.offset, item.input), item.input, one_line=True)


def _failure(item: Item, start: float, error: str, problems: Sequence[Problem]) -> ItemResult:
    return ItemResult(item.index, item.id, item.input, None, False, time.perf_counter() - start, error, list(problems))


def run_item(item: Item) -> ItemResult:
    """Validate, (package-check,) fill, verify and write one input; never raises for a bad profile."""
    start = time.perf_counter()
    if item.error is not None:
        return _failure(item, start, item.error, item.problems)
    try:
        # Never api.load_profile(data): it would take a JSON string such as "/etc/passwd" for a path.
        # A decoded value that is not an object fails here as `formfill fill` says: "A profile is a JSON object".
        profile = parse_profile(_load(item))
        options: Options = _WORKER["options"]
        if options.check_package:
            from formfill.checks.package import check_package  # lazily: an optional, separately built module

            # Relative attachment paths are relative to the profile's file (the JSON Lines file's folder;
            # the current folder for standard input or a pipe).
            root = Path(options.attachments_root) if options.attachments_root is not None else None
            report = check_package(profile, base_dir=Path(item.base_dir), attachments_root=root,
                                   form=_WORKER["blank"], filing_date=options.filing_date)
            if not report.ok:
                problems = list(report.problems())
                return _failure(
                    item, start, f"{item.input}: the filing package has problems; no PDF was written", problems
                )
        filled = api.fill(profile, form=_WORKER["blank"], output=item.output, overwrite=options.overwrite,
                          protect=options.protected)
    except FormfillError as err:
        problems = err.problems or [Problem("", err.message, next(c for t, c in _CODES if isinstance(err, t)))]
        message = err.message if err.message.startswith(mask_text(item.input)) else f"{item.input}: {err.message}"
        return _failure(item, start, message, problems)
    except RecursionError:  # decodable, but too deep for validation
        msg = f"{item.input}: the profile is nested too deeply"
        return _failure(item, start, msg, [Problem("", msg, "invalid")])
    except Exception as err:  # one broken profile (or a bug it triggers) must never cost the others
        # A bug's message may quote any value: every long number goes, not only what looks like an identifier.
        msg = f"{item.input}: internal error ({type(err).__name__}: {scrub_numbers(str(err))})"
        return _failure(item, start, msg, [Problem("", msg, "internal_error")])
    return ItemResult(item.index, item.id, item.input, item.output, True, time.perf_counter() - start,
                      notes=filled.notes)


# --- the batch -------------------------------------------------------------------------------------


def default_jobs() -> int:
    """The CPUs this process may use (respects container and taskset limits, unlike os.cpu_count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _stamp(path: str) -> tuple[int, int, int] | None:
    """(device, inode, mtime): a PDF renamed into place gets a new inode, so this tells new from old."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return st.st_dev, st.st_ino, st.st_mtime_ns


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: someone else's live process
        return True
    return True


def _clean_parts(out_dir: Path, dead: set[int] | None = None) -> int:
    """Remove the `.<name>.<pid>.<random>.part` files (formfill.files.write_atomic) whose writer is dead.

    A part file is never an output (hidden, and not named *.i-131.pdf) and never an input (not *.json);
    one left by a killed process is removed here, at the start and at the end of every batch, and as
    soon as a worker is seen to die. A part file of a live process (another batch writing into the same
    folder) is left alone. `dead` names pids known dead (this batch's workers, this process at the end).
    """
    removed = 0
    with contextlib.suppress(OSError), os.scandir(out_dir) as entries:
        for entry in entries:
            owner = part_owner(entry.name)
            if owner is None or not owner[0].endswith(".pdf"):
                continue
            pid = owner[1]
            if (dead is not None and pid in dead) or not _pid_alive(pid):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)
                    removed += 1
    return removed


def _written_meanwhile(item: Item) -> bool:
    """Whether this input's PDF was put in place during this batch (so it is complete and verified).

    A PDF only ever appears by an atomic link/rename of a verified file, which gives it a new inode:
    a file at the output path whose identity differs from the one seen at planning is this batch's.
    """
    if item.error is not None:
        return False
    now = _stamp(item.output)
    return now is not None and now != item.before


def _unfinished(item: Item, why: str, code: str) -> ItemResult:
    """An input whose result never arrived (interrupted, or its worker died): was its PDF written?"""
    if _written_meanwhile(item):
        return ItemResult(item.index, item.id, item.input, item.output, True, 0.0)
    msg = f"{item.input}: {why}"
    return ItemResult(item.index, item.id, item.input, None, False, 0.0, msg, [Problem("", msg, code)])


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise InputError(f"cannot create folder {folder}: a file is in the way") from None
    except OSError as err:
        raise InputError(f"cannot create folder {folder} ({err.strerror or err})") from None


def _open_report(path: Path, overwrite: bool) -> TextIO:
    """A new file at `path`: an existing one (with --overwrite) is unlinked first, never written through.

    So a report path that is a symlink or a hard link to some other file never changes that file's
    content, and O_NOFOLLOW | O_EXCL make sure the name is still not a link when the file is created.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        if overwrite:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
        fd = os.open(path, flags, 0o666)
    except FileExistsError:
        raise InputError(f"the report {path} already exists; pass another --report or --overwrite") from None
    except OSError as err:
        raise InputError(f"cannot write the report {path} ({err.strerror or err})") from None
    # backslashreplace: a file name that is not valid UTF-8 still gets its report line
    return os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace")


def _check_report_path(report: Path, out: Path, items: Sequence[Item], protected: dict[api.Identity, str]) -> None:
    """The report must be a regular file (or new) and must not replace a protected file (an input, the blank, a
    file formfill keeps: see _protected) or a planned PDF."""
    try:
        existing: os.stat_result | None = report.stat()
    except (FileNotFoundError, NotADirectoryError):
        existing = None  # not there yet, so it is not an input; it may still be a planned output
    except (OSError, ValueError) as err:
        raise InputError(f"cannot write the report {report} ({getattr(err, 'strerror', None) or err})") from None
    if existing is not None:
        check_output(report, protected, what="the report", hint="pass another --report")
    if _key(report.parent) == _key(out):
        name = report.name.casefold()  # output names are claimed case-insensitively too
        for item in items:
            if Path(item.output).name.casefold() == name:
                raise InputError(
                    f"the report {report} would take the name of the PDF planned for {item.input}; "
                    "pass another --report"
                )


def _protected(items: Sequence[Item], blank_source: str) -> dict[api.Identity, str]:
    """Every file the batch reads (profiles, attachments, the blank) and every file formfill keeps (stored
    blanks, the cache, field maps, rules: forms.kept_files): no PDF and no report may replace one."""
    files: list[tuple[str | os.PathLike[str], str]] = [(blank_source, f"the blank form {blank_source}")]
    for item in items:
        if item.path != STDIN:
            files.append((item.path, f"the input {item.input.rpartition(':')[0] if item.line else item.input}"))
        files += [(a, f"an attachment of {item.input}") for a in item.attachments]
    return api.identities([*files, *kept_files()])


ITEM_TIMEOUT = 600.0
"""Seconds one profile may take in a worker before the worker is killed (a fill takes well under a second)."""


def batch(
    inputs: Sequence[str | os.PathLike[str]],
    out_dir: str | os.PathLike[str],
    *,
    form: str | os.PathLike[str] | BlankForm | None = None,
    jobs: int | None = None,
    report: str | os.PathLike[str] | None = None,
    check_package: bool = False,
    attachments_root: str | os.PathLike[str] | None = None,
    overwrite: bool = False,
    progress: Progress | None = None,
    item_timeout: float = ITEM_TIMEOUT,
    filing_date: dt.date | None = None,
) -> BatchSummary:
    """Fill, verify and write an I-131 for every profile in `inputs`, with one report line per input.

    With `check_package`, each package is checked for `filing_date` (the postmark date; default today)
    and this blank's edition. `jobs` worker processes (default: the usable CPUs; 1 runs in this process).
    The report (default
    `<out_dir>/report.jsonl`) is streamed, one line per input as it completes; an existing report is
    only replaced with `overwrite`, and never when it is an input, a planned PDF or the blank. An
    existing PDF is only replaced with `overwrite`: without it that input fails (`output_exists`)
    and the others continue. No PDF or report ever replaces an input, the blank or an attachment,
    or is written to anything but a regular file. A worker that dies (the OOM killer, SIGKILL) or
    takes longer than `item_timeout` fails its input (`worker_died`, `worker_timeout`) and is
    replaced; the batch never waits forever. Raises InputError (exit code 2) for usage errors: no inputs, an input
    path that does not exist, an unusable blank, report or output folder; a bad profile is a failed
    line, not an exception. On Ctrl-C or SIGTERM raises BatchInterrupted (a KeyboardInterrupt) with
    the summary (exit code 130, or 143 for SIGTERM).
    """
    with sigterm_as_interrupt():
        return _batch(inputs, Path(out_dir), form, jobs, report, check_package, attachments_root, overwrite,
                      progress, item_timeout, filing_date)


def _batch(
    inputs: Sequence[str | os.PathLike[str]],
    out: Path,
    form: str | os.PathLike[str] | BlankForm | None,
    jobs: int | None,
    report: str | os.PathLike[str] | None,
    check_package: bool,
    attachments_root: str | os.PathLike[str] | None,
    overwrite: bool,
    progress: Progress | None,
    item_timeout: float,
    filing_date: dt.date | None = None,
) -> BatchSummary:
    start = time.perf_counter()
    if not inputs:
        raise InputError("no inputs: name profile files, folders of them, or .jsonl files")
    jobs = default_jobs() if jobs is None else jobs
    if jobs < 1:
        raise InputError(f"jobs must be at least 1 (got {jobs})")
    if out.exists() and not out.is_dir():
        raise InputError(f"{out} exists and is not a folder")
    report_path = Path(report) if report is not None else out / REPORT_NAME
    if os.path.lexists(report_path) and not overwrite:
        raise InputError(
            f"the report {report_path} already exists (from an earlier batch?); pass another --report or --overwrite"
        )

    blank = form if isinstance(form, BlankForm) else open_blank(find_blank(None if form is None else Path(form)))
    fmap = for_form(blank)  # an unsupported blank is a usage error now, not 2,000 failed lines later
    blank_path = str(Path(blank.source).resolve()) if Path(blank.source).is_file() else None
    if check_package:
        try:
            from formfill.checks import package  # noqa: F401 - fail early when the module is absent
        except ImportError as err:
            raise InputError(f"--check-package is not available in this installation ({err})") from None

    items = plan(inputs, out, suffix=fmap.package.spec.output_suffix)
    if not items:
        raise InputError("no profiles found in " + ", ".join(str(i) for i in inputs))
    protected = _protected(items, blank.source)
    _check_report_path(report_path, out, items, protected)
    jobs = min(jobs, sum(1 for i in items if i.error is None) or 1)
    out_existed = out.exists()
    _make_folder(out)
    try:
        _make_folder(report_path.parent)
        fh = _open_report(report_path, overwrite)
    except InputError:
        if not out_existed:
            with contextlib.suppress(OSError):
                out.rmdir()  # only if still empty: nothing was written
        raise
    _clean_parts(out)  # leftovers of killed runs: never mistaken for output, never kept

    summary = BatchSummary(len(items), 0, 0, 0.0, jobs, out, report_path, blank.source)
    done: set[int] = set()
    with fh:

        def record(result: ItemResult, notify: bool = True) -> None:
            fh.write(json.dumps(mask_tree(result.to_dict()), ensure_ascii=False) + "\n")
            fh.flush()  # a pipeline may be following the report as it grows
            done.add(result.index)
            if result.ok:
                summary.succeeded += 1
            else:
                summary.failed += 1
                summary.failures.append(result)
            if progress is not None and notify:
                progress(result, len(done), len(items))

        try:
            options = Options(
                blank_path, check_package, None if attachments_root is None else str(attachments_root), overwrite,
                protected, filing_date,
            )
            if jobs == 1:
                _run_here(items, blank, options, record)
            else:
                _run_pool(items, blank, options, jobs, record, item_timeout, out)
        except KeyboardInterrupt as err:
            with signals_ignored():  # a second Ctrl-C or SIGTERM must not cut the cleanup short
                _clean_parts(out, {os.getpid()})
                for item in items:
                    if item.index not in done:
                        record(_unfinished(item, "not filled, the batch was interrupted", "interrupted"),
                               notify=False)
                summary.interrupted = True
                summary.interrupt_exit = exit_code(err)
                summary.seconds = time.perf_counter() - start
            raise BatchInterrupted(summary) from None
        finally:
            _clean_parts(out, {os.getpid()})
    summary.seconds = time.perf_counter() - start
    return summary


def _run_here(items: list[Item], blank: BlankForm, options: Options, record: Callable[[ItemResult], None]) -> None:
    """jobs=1: no processes at all, the simplest thing for small batches and debugging."""
    _WORKER["blank"] = blank
    _init_worker(options, ignore_sigint=False)
    for item in items:
        record(run_item(item))


# --- the worker processes --------------------------------------------------------------------------

KILL_SWITCH = "FORMFILL_TEST_KILL_WORKER_ON"
"""Tests only: a worker SIGKILLs itself on the profile with this id (a real worker death, on demand)."""


_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}
_PARENT_ENDS: list[Connection] = []
"""The parent's ends of the workers' pipes; a worker closes its inherited copies, so each worker sees
its pipe close (EOFError) when the parent dies, even where _die_with_parent cannot ask the kernel."""


def _worker_main(conn: Connection, options: Options, parent: int) -> None:
    """One worker: open the blank once, then fill one item at a time as the parent sends them.

    The parent always knows which item each worker holds, so a worker that dies costs exactly that
    item. A worker whose parent is gone (its pipe closed) stops after the item in hand.
    """
    # The parent owns Ctrl-C and SIGTERM: it stops the workers itself and reports every item, so a
    # worker never dies (or prints a traceback) on either; it dies with the parent (_die_with_parent).
    for end in _PARENT_ENDS:  # pipe ends inherited by fork (its own too): holding one would hide a parent's death
        with contextlib.suppress(OSError):
            end.close()
    for sig in _STOP_SIGNALS:
        signal.signal(sig, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
    _die_with_parent(parent)
    try:
        _init_worker(options, ignore_sigint=True)
    except BaseException as err:  # reported, then this worker ends; the parent decides what follows
        with contextlib.suppress(Exception):
            conn.send(f"{type(err).__name__}: {err}")
        return
    kill_on = os.environ.get(KILL_SWITCH)
    while True:
        try:
            item = conn.recv()
        except (EOFError, OSError):
            return
        if item is None:
            return
        if kill_on is not None and item.id == kill_on:
            os.kill(os.getpid(), signal.SIGKILL)
        result = run_item(item)
        try:
            conn.send(result)
        except (OSError, ValueError):
            return


def _die_with_parent(parent: int) -> None:
    """On Linux, the kernel kills this worker when the batch process dies (even by SIGKILL), so no
    orphan goes on writing PDFs that no report line will ever name."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(1)


@dataclass(eq=False)  # compared (and hashed) by identity: one per process
class _Worker:
    process: BaseProcess
    conn: Connection
    item: Item | None = None
    since: float = 0.0
    last_words: str | None = None  # why it could not start, when it says so


def _spawn(ctx: Any, options: Options) -> _Worker:
    # Ctrl-C and SIGTERM are blocked (not ignored: the parent must not lose one) while the worker is
    # created, so none can reach it before it has set them aside; the parent handles them for all.
    parent_end, child_end = ctx.Pipe()
    _PARENT_ENDS.append(parent_end)  # before the fork: the worker closes its own copy too
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    try:
        process = ctx.Process(target=_worker_main, args=(child_end, options, os.getpid()), daemon=True)
        process.start()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
    child_end.close()
    return _Worker(process, parent_end)


def _close(conn: Connection) -> None:
    with contextlib.suppress(ValueError):
        _PARENT_ENDS.remove(conn)
    conn.close()


def _death(process: BaseProcess) -> str:
    code = process.exitcode
    if code is not None and code < 0:
        with contextlib.suppress(ValueError):
            name = signal.Signals(-code).name
            hint = " (the out-of-memory killer, or someone killed it)" if name == "SIGKILL" else ""
            return f"killed by {name}{hint}"
    return f"exited with status {code}"


def _stop(workers: Sequence[_Worker]) -> None:
    """Stop every worker now and wait for each (kill, then reap: no zombies, no orphans)."""
    for w in workers:
        if w.process.is_alive():
            w.process.kill()
    for w in workers:
        w.process.join(timeout=10)
        _close(w.conn)


MAX_DEATHS_IN_A_ROW = 3
"""Workers that die this many times in a row without finishing anything: stop the batch (something
is wrong with the machine, not with one profile)."""


def _run_pool(
    items: list[Item],
    blank: BlankForm,
    options: Options,
    jobs: int,
    record: Callable[[ItemResult], None],
    item_timeout: float,
    out: Path,
) -> None:
    """Workers fill and write; the parent hands out one item at a time and records results as they come.

    The parent waits on each worker's pipe and on its process handle together, so a worker that dies
    (SIGKILL, the OOM killer) is noticed at once: its item is reported as `worker_died` (or as written,
    if its verified PDF is already in place), its part files are removed, and a new worker takes its
    place. A worker holding one item longer than `item_timeout` is killed (`worker_timeout`).
    """
    _WORKER["blank"] = blank  # inherited by forked workers, so a blank given as an object works too
    ctx = multiprocessing.get_context()
    if options.blank_path is None and ctx.get_start_method() != "fork":
        raise InputError("the blank form was given as an object without a file; pass its path to use jobs > 1")
    todo = deque(items)
    workers: list[_Worker] = []
    deaths_in_a_row = 0
    try:
        workers = [_spawn(ctx, options) for _ in range(min(jobs, len(todo)))]
        while todo or any(w.item is not None for w in workers):
            for w in workers:
                if w.item is None and todo:
                    w.item, w.since = todo.popleft(), time.monotonic()
                    with contextlib.suppress(OSError, ValueError):  # it died: the sentinel says so below
                        w.conn.send(w.item)
            handles: dict[Any, _Worker] = {}
            for w in workers:
                handles[w.conn] = w
                handles[w.process.sentinel] = w
            ready = connection.wait(list(handles), timeout=1.0)
            now = time.monotonic()
            for w in dict.fromkeys(handles[r] for r in ready):
                died = w.process.sentinel in ready
                while not w.conn.closed and w.conn.poll():
                    try:
                        message = w.conn.recv()
                    except (EOFError, OSError):
                        died = True
                        break
                    if isinstance(message, ItemResult):
                        record(message)
                        w.item = None
                        deaths_in_a_row = 0
                    else:  # the worker could not start: it reports why, then ends
                        died, w.last_words = True, str(message)
                        break
                if died:
                    w.process.join(timeout=5)
                    reason = w.last_words or _death(w.process)
                    deaths_in_a_row += 1
                    _replace(w, workers, ctx, options, record, out, f"its worker process {reason}", "worker_died")
            for w in list(workers):
                if w.item is not None and now - w.since > item_timeout:
                    w.process.kill()
                    w.process.join(timeout=5)
                    deaths_in_a_row = 0
                    why = f"took longer than {item_timeout:g} s; its worker process was stopped"
                    _replace(w, workers, ctx, options, record, out, why, "worker_timeout")
            if deaths_in_a_row >= MAX_DEATHS_IN_A_ROW:
                for w in workers:
                    w.process.kill()
                for w in workers:
                    if w.item is not None:
                        w.process.join(timeout=5)
                        record(_unfinished(w.item, "not filled: worker processes keep dying", "worker_died"))
                        w.item = None
                while todo:
                    record(_unfinished(todo.popleft(), "not filled: the batch stopped because worker processes "
                                       f"died {deaths_in_a_row} times in a row", "worker_died"))
                return
        for w in workers:
            with contextlib.suppress(OSError, ValueError):
                w.conn.send(None)  # done: each worker ends after its (empty) hand
    finally:
        _stop(workers)
        _clean_parts(out, {w.process.pid for w in workers if w.process.pid is not None})


def _replace(
    w: _Worker,
    workers: list[_Worker],
    ctx: Any,
    options: Options,
    record: Callable[[ItemResult], None],
    out: Path,
    why: str,
    code: str,
) -> None:
    """A worker is gone: report its item, remove its part files, and start another in its place."""
    if w.process.pid is not None:
        _clean_parts(out, {w.process.pid})
    if w.item is not None:
        record(_unfinished(w.item, f"not filled: {why}; nothing was written for it", code))
        w.item = None
    _close(w.conn)
    workers[workers.index(w)] = _spawn(ctx, options)


__all__ = ["BatchInterrupted", "BatchSummary", "ItemResult", "batch", "default_jobs", "plan"]
