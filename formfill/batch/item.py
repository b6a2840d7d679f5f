"""One batch item: validate, (package-check,) fill, verify and write one profile; never raises for a bad one.

Runs in a worker process (or in the calling process for jobs=1). The blank is opened once per worker
(`init_worker`); every item reuses it.
"""

from __future__ import annotations

import datetime as dt
import signal
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from formfill import api
from formfill.batch.inputs import Item, decode, read_input, read_line
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
from formfill.forms import open_blank
from formfill.masking import mask_text, scrub_numbers
from formfill.pdf.blank import BlankForm
from formfill.profile_base import parse_profile

KILL_SWITCH = "FORMFILL_TEST_KILL_WORKER_ON"
"""Tests only: a worker SIGKILLs itself on the profile with this id (a real worker death, on demand)."""


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


WORKER: dict[str, Any] = {}

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
    filing_date: dt.date | None = None  # the postmark date (default: today): acceptance, and with check_package
    blanks: dict[str, str] | None = None  # None: the one blank; else each form's blank (path), by form number


def init_worker(options: Options, ignore_sigint: bool) -> None:
    """Open the blank once for this worker; every profile it fills reuses it."""
    if ignore_sigint:
        # The parent owns Ctrl-C: it terminates the pool and reports, so workers must not die mid-item.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    if options.blank_path is not None:
        WORKER["blank"] = open_blank(options.blank_path)
    elif options.blanks is not None:
        for path in options.blanks.values():
            open_blank(path)  # prepared once per worker (cached); inherited when forked
    elif "blank" not in WORKER:
        raise InputError("the blank form has no file to open in a worker process; pass its path, or use jobs=1")
    WORKER["options"] = options


def _load(item: Item) -> Any:
    """The item's decoded JSON (any value: only parse_profile decides whether it is a profile)."""
    if item.text is not None:
        return decode(item.text, item.input, one_line=item.line is not None)
    if item.line is None:
        return decode(read_input(item.path, item.input), item.input)
    return decode(read_line(item.path, item.offset, item.input), item.input, one_line=True)


def _blank(item: Item, options: Options) -> BlankForm:
    """The blank this item is filled on: the batch's one blank, else its form's."""
    if options.blanks is None:
        return WORKER["blank"]  # type: ignore[no-any-return]
    path = options.blanks.get(item.form or "")
    if path is None:
        raise FormError(f"no blank of Form {item.form} was found for this batch; pass --form")
    return open_blank(path)


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
        options: Options = WORKER["options"]
        blank = _blank(item, options)
        if options.check_package:
            from formfill.checks.package import check_package  # lazily: an optional, separately built module

            # Relative attachment paths are relative to the profile's file (the JSON Lines file's folder;
            # the current folder for standard input or a pipe).
            root = Path(options.attachments_root) if options.attachments_root is not None else None
            report = check_package(profile, base_dir=Path(item.base_dir), attachments_root=root,
                                   form=blank, filing_date=options.filing_date)
            if not report.ok:
                problems = list(report.problems())
                return _failure(
                    item, start, f"{item.input}: the filing package has problems; no PDF was written", problems
                )
        filled = api.fill(profile, form=blank, output=item.output, overwrite=options.overwrite,
                          protect=options.protected, filing_date=options.filing_date)
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
