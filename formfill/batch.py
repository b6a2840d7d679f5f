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
Lines); the first input to claim a name gets it and any later input mapping to the same name fails
with `duplicate_output`: nothing is ever overwritten silently.

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
import json
import multiprocessing
import os
import signal
import stat
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TextIO

from formfill import api
from formfill.errors import (
    FitError,
    FormError,
    FormfillError,
    InputError,
    OutputExistsError,
    PackageError,
    Problem,
    ProfileError,
    VerificationError,
)
from formfill.fieldmap import for_form
from formfill.forms import find_blank, open_blank
from formfill.loading import MAX_PROFILE_BYTES, JsonValueError, loads_strict
from formfill.pdf.blank import BlankForm
from formfill.profile import parse_profile

OUTPUT_SUFFIX = ".i-131.pdf"
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
    existed: bool = False
    error: str | None = None
    problems: tuple[Problem, ...] = ()


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

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "id": self.id,
            "input": self.input,
            "output": self.output,
            "ok": self.ok,
            "error": self.error,
            "problems": [p.to_dict() for p in self.problems],
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

    @property
    def ok(self) -> bool:
        return not self.interrupted and self.failed == 0 and self.succeeded == self.total

    @property
    def exit_code(self) -> int:
        """0 all filled and verified, 1 some inputs failed, 130 interrupted."""
        if self.interrupted:
            return 130
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


class BatchInterrupted(KeyboardInterrupt):
    """The batch was interrupted; `summary` says what was done. A KeyboardInterrupt, so callers stop too."""

    def __init__(self, summary: BatchSummary) -> None:
        super().__init__("the batch was interrupted")
        self.summary = summary


# --- planning (in the calling process) ------------------------------------------------------------

STDIN = "-"
"""The input that means standard input (read once, by the calling process)."""


def _safe_name(text: str) -> str:
    # Imported here: formfill.cli imports this module (batch_cmds), so a top-level import would be circular.
    from formfill.cli.fill_cmds import safe_name

    return safe_name(text)


@dataclass(frozen=True, slots=True)
class _Source:
    """One file (or stream) of profiles, as planning sees it."""

    path: str  # what a worker opens; STDIN for standard input
    name: str  # how messages and the report name it
    stem: str  # the output name when the profile has no id
    base_dir: str  # relative attachment paths are relative to this folder
    stream: bool  # not a regular file: read once, here, and its text carried in the items


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
        if path.is_dir():
            try:
                found = sorted(
                    p
                    for p in path.iterdir()
                    if p.suffix.lower() in (".json", ".jsonl") and not p.name.startswith(".") and p.is_file()
                )
            except OSError as err:
                raise InputError(f"{path}: the folder cannot be read ({err.strerror or err})") from None
        elif path.exists():
            found = [path]
        else:
            raise InputError(f"{path}: no such file or folder")
        for p in found:
            stream = _is_stream(p)
            key = os.path.abspath(p) if stream else _key(p)
            if key in seen or key in exclude:
                continue
            seen.add(key)
            base = Path.cwd() if stream else Path(key).parent
            yield _Source(str(p), str(p), p.stem, str(base), stream)


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
    try:
        if path == STDIN:
            return sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode()
        with open(path, "rb") as fh:
            return fh.read(MAX_PROFILE_BYTES + 1)  # _decode refuses anything longer: a bounded read
    except FileNotFoundError:
        raise _bad(f"{name}: no such file", "unreadable") from None
    except OSError as err:
        raise _bad(f"{name}: cannot be read ({err.strerror or err})", "unreadable") from None


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
        return {**entry, "pid": _profile_id(decode())}
    except FormfillError as err:
        return {**entry, "error": err.message, "problems": _problems(err, "unreadable")}
    except Exception as err:  # never let one profile's bytes stop the planning of the others
        msg = f"{entry['input']}: cannot be decoded ({type(err).__name__})"
        return {**entry, "error": msg, "problems": (Problem("", msg, "invalid_json"),)}


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


def plan(inputs: Sequence[str | os.PathLike[str]], out_dir: Path, exclude: Sequence[Path] = ()) -> list[Item]:
    """Expand the inputs and give each its output name; an input that cannot be named fails here.

    Names are claimed in input order, case-insensitively (two names differing only in case are one
    file on macOS and Windows); a later claimant fails with `duplicate_output` rather than being
    renamed, because a renamed file is one the firm's pipeline would not be looking for.
    """
    items: list[Item] = []
    claimed: dict[str, str] = {}
    for src in _sources(inputs, {_key(p) for p in exclude}):
        for raw in _raw_items(src):
            index = len(items)
            pid = raw.get("pid")
            ident = _safe_name(pid or raw["stem"])
            output = out_dir / f"{ident}{OUTPUT_SUFFIX}"
            common: dict[str, Any] = {
                "index": index,
                "id": pid or ident,
                "input": raw["input"],
                "path": src.path,
                "output": str(output),
                "base_dir": src.base_dir,
                "line": raw.get("line"),
                "offset": raw.get("offset", 0),
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
            items.append(Item(**common, text=raw.get("text"), existed=output.exists()))
    return items


# --- the work (in a worker process, or in-process for jobs=1) --------------------------------------

_WORKER: dict[str, Any] = {}

_CODES: tuple[tuple[type[FormfillError], str], ...] = (
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
            report = check_package(profile, base_dir=Path(item.base_dir), attachments_root=root)
            if not report.ok:
                problems = list(report.problems())
                return _failure(
                    item, start, f"{item.input}: the filing package has problems; no PDF was written", problems
                )
        api.fill(profile, form=_WORKER["blank"], output=item.output, overwrite=options.overwrite)
    except FormfillError as err:
        problems = err.problems or [Problem("", err.message, next(c for t, c in _CODES if isinstance(err, t)))]
        message = err.message if err.message.startswith(item.input) else f"{item.input}: {err.message}"
        return _failure(item, start, message, problems)
    except RecursionError:  # decodable, but too deep for validation
        msg = f"{item.input}: the profile is nested too deeply"
        return _failure(item, start, msg, [Problem("", msg, "invalid")])
    except Exception as err:  # one broken profile (or a bug it triggers) must never cost the others
        msg = f"{item.input}: internal error ({type(err).__name__}: {err})"
        return _failure(item, start, msg, [Problem("", msg, "internal_error")])
    return ItemResult(item.index, item.id, item.input, item.output, True, time.perf_counter() - start)


# --- the batch -------------------------------------------------------------------------------------


def default_jobs() -> int:
    """The CPUs this process may use (respects container and taskset limits, unlike os.cpu_count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _clean_parts(out_dir: Path, names: set[str]) -> int:
    """Remove the `.<name>.<random>.part` files api.write_atomic leaves when a worker is killed."""
    removed = 0
    with contextlib.suppress(OSError), os.scandir(out_dir) as entries:
        for entry in entries:
            n = entry.name
            if n.startswith(".") and n.endswith(".part") and n[1:-5].rpartition(".")[0] in names:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)
                    removed += 1
    return removed


def _unfinished(item: Item, overwrite: bool) -> ItemResult:
    """An input whose result never arrived: was its PDF written just before the interrupt?"""
    # A PDF only appears by an atomic link/rename after verification, so one that did not exist
    # before the batch and exists now is complete and verified.
    if not item.existed and item.error is None and not overwrite and Path(item.output).exists():
        return ItemResult(item.index, item.id, item.input, item.output, True, 0.0)
    msg = f"{item.input}: not filled, the batch was interrupted"
    return ItemResult(item.index, item.id, item.input, None, False, 0.0, msg, [Problem("", msg, "interrupted")])


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise InputError(f"cannot create folder {folder}: a file is in the way") from None
    except OSError as err:
        raise InputError(f"cannot create folder {folder} ({err.strerror or err})") from None


def _open_report(path: Path) -> TextIO:
    try:
        return path.open("w", encoding="utf-8")
    except OSError as err:
        raise InputError(f"cannot write the report {path} ({err.strerror or err})") from None


def _same_file(a: os.stat_result, b: str) -> bool:
    try:
        other = os.stat(b)
    except OSError:
        return False
    return (a.st_dev, a.st_ino) == (other.st_dev, other.st_ino)


def _check_report_path(report: Path, out: Path, items: Sequence[Item], blank_source: str) -> None:
    """The report must not replace a profile being read, a PDF about to be written, or the blank itself."""
    try:
        existing: os.stat_result | None = report.stat()
    except OSError:
        existing = None  # not there yet, so it is not an input; it may still be a planned output
    if existing is not None:
        files = {i.path: f"the input {i.input.rpartition(':')[0] if i.line else i.input}" for i in items}
        files.pop(STDIN, None)
        files[blank_source] = "the blank form"
        for path, what in files.items():
            if _same_file(existing, path):
                raise InputError(f"the report {report} would replace {what}; pass another --report")
    if _key(report.parent) == _key(out):
        name = report.name.casefold()  # output names are claimed case-insensitively too
        for item in items:
            if Path(item.output).name.casefold() == name:
                raise InputError(
                    f"the report {report} would take the name of the PDF planned for {item.input}; "
                    "pass another --report"
                )


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
) -> BatchSummary:
    """Fill, verify and write an I-131 for every profile in `inputs`, with one report line per input.

    `jobs` worker processes (default: the usable CPUs; 1 runs in this process). The report (default
    `<out_dir>/report.jsonl`) is streamed, one line per input as it completes; an existing report is
    only replaced with `overwrite`, and never when it is an input, a planned PDF or the blank. An
    existing PDF is only replaced with `overwrite`: without it that input fails (`output_exists`)
    and the others continue. Raises InputError (exit code 2) for usage errors: no inputs, an input
    path that does not exist, an unusable blank, report or output folder; a bad profile is a failed
    line, not an exception. On an interrupt raises BatchInterrupted (a KeyboardInterrupt) with the summary.
    """
    start = time.perf_counter()
    if not inputs:
        raise InputError("no inputs: name profile files, folders of them, or .jsonl files")
    jobs = default_jobs() if jobs is None else jobs
    if jobs < 1:
        raise InputError(f"jobs must be at least 1 (got {jobs})")
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError(f"{out} exists and is not a folder")
    report_path = Path(report) if report is not None else out / REPORT_NAME
    if report_path.exists() and not overwrite:
        raise InputError(
            f"the report {report_path} already exists (from an earlier batch?); pass another --report or --overwrite"
        )

    blank = form if isinstance(form, BlankForm) else open_blank(find_blank(None if form is None else Path(form)))
    for_form(blank)  # an unsupported blank is a usage error now, not 2,000 failed lines later
    blank_path = str(Path(blank.source).resolve()) if Path(blank.source).is_file() else None
    if check_package:
        try:
            from formfill.checks import package  # noqa: F401 - fail early when the module is absent
        except ImportError as err:
            raise InputError(f"--check-package is not available in this installation ({err})") from None

    items = plan(inputs, out)
    if not items:
        raise InputError("no profiles found in " + ", ".join(str(i) for i in inputs))
    _check_report_path(report_path, out, items, blank.source)
    jobs = min(jobs, sum(1 for i in items if i.error is None) or 1)
    out_existed = out.exists()
    _make_folder(out)
    try:
        _make_folder(report_path.parent)
        fh = _open_report(report_path)
    except InputError:
        if not out_existed:
            with contextlib.suppress(OSError):
                out.rmdir()  # only if still empty: nothing was written
        raise

    summary = BatchSummary(len(items), 0, 0, 0.0, jobs, out, report_path, blank.source)
    done: set[int] = set()
    with fh:

        def record(result: ItemResult, notify: bool = True) -> None:
            fh.write(json.dumps(result.to_dict(), ensure_ascii=False) + "\n")
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
                blank_path, check_package, None if attachments_root is None else str(attachments_root), overwrite
            )
            if jobs == 1:
                _run_here(items, blank, options, record)
            else:
                _run_pool(items, blank, options, jobs, record)
        except KeyboardInterrupt:
            # A second Ctrl-C must not stop the cleanup (signal() only works in the main thread).
            in_main = threading.current_thread() is threading.main_thread()
            previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if in_main else None
            try:
                _clean_parts(out, {Path(i.output).name for i in items})
                for item in items:
                    if item.index not in done:
                        record(_unfinished(item, overwrite), notify=False)
                summary.interrupted = True
                summary.seconds = time.perf_counter() - start
            finally:
                if previous is not None:
                    signal.signal(signal.SIGINT, previous)
            raise BatchInterrupted(summary) from None
    summary.seconds = time.perf_counter() - start
    return summary


def _run_here(items: list[Item], blank: BlankForm, options: Options, record: Callable[[ItemResult], None]) -> None:
    """jobs=1: no processes at all, the simplest thing for small batches and debugging."""
    _WORKER["blank"] = blank
    _init_worker(options, ignore_sigint=False)
    for item in items:
        record(run_item(item))


def _run_pool(
    items: list[Item], blank: BlankForm, options: Options, jobs: int, record: Callable[[ItemResult], None]
) -> None:
    """Workers fill and write; the parent only records results, in the order they complete."""
    _WORKER["blank"] = blank  # inherited by forked workers, so a blank given as an object works too
    ctx = multiprocessing.get_context()
    if options.blank_path is None and ctx.get_start_method() != "fork":
        raise InputError("the blank form was given as an object without a file; pass its path to use jobs > 1")
    # Workers are created with SIGINT ignored, so a Ctrl-C arriving before their initializer runs
    # cannot kill one; the parent gets it and terminates them all.
    in_main = threading.current_thread() is threading.main_thread()  # signal() only works there
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if in_main else None
    try:
        pool = ctx.Pool(jobs, initializer=_init_worker, initargs=(options, True))
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    try:
        # chunksize 1: an item costs ~0.1 s against ~0.1 ms of queueing, and a larger chunk would
        # delay its results (and, on Ctrl-C, lose track of PDFs already written).
        for result in pool.imap_unordered(run_item, items, chunksize=1):
            record(result)
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()


__all__ = ["BatchInterrupted", "BatchSummary", "ItemResult", "batch", "default_jobs", "plan"]
