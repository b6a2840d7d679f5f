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

The package has one concern per module: `inputs` (expanding and naming the inputs), `item` (one profile in a
worker), `outputs` (the summary, the report, what may be written where) and `pool` (the worker processes);
this module runs a batch through them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from formfill.batch import item as one
from formfill.batch.inputs import STDIN, Item, plan
from formfill.batch.item import KILL_SWITCH, ItemResult, Options, run_item
from formfill.batch.outputs import (
    REPORT_NAME,
    BatchSummary,
    Progress,
    check_report_path,
    clean_parts,
    make_folder,
    open_report,
    protected_files,
    unfinished,
)
from formfill.errors import BatchInterrupted, InputError
from formfill.fieldmap import for_form
from formfill.forms import find_blank, open_blank
from formfill.interrupts import exit_code, signals_ignored, sigterm_as_interrupt
from formfill.masking import mask_tree
from formfill.pdf.blank import BlankForm


def default_jobs() -> int:
    """The CPUs this process may use (respects container and taskset limits, unlike os.cpu_count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


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
    """Fill, verify and write a form for every profile in `inputs`, with one report line per input.

    `form` is the blank every profile is filled on; without it, each profile is filled on the newest supported
    blank of its own form (its `form` key) found in the forms folders, so one run may fill several forms.
    With `check_package`, each package is checked for `filing_date` (the postmark date; default today)
    and the blank's edition. `jobs` worker processes (default: the usable CPUs; 1 runs in this process).
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

    # With --form one blank fills every profile; without it, each profile's form finds its own blank.
    blank = form if isinstance(form, BlankForm) else None if form is None else open_blank(find_blank(Path(form)))
    if blank is not None:
        for_form(blank)  # an unsupported blank is a usage error now, not 2,000 failed lines later
    if check_package:
        try:
            from formfill.checks import package  # noqa: F401 - fail early when the module is absent
        except ImportError as err:
            raise InputError(f"--check-package is not available in this installation ({err})") from None

    items = plan(inputs, out, suffix=None if blank is None else for_form(blank).package.spec.output_suffix)
    if not items:
        raise InputError("no profiles found in " + ", ".join(str(i) for i in inputs))
    blanks = None if blank is not None else blanks_by_form(items)
    sources = [blank.source] if blank is not None else list((blanks or {}).values())
    blank_path = str(Path(blank.source).resolve()) if blank is not None and Path(blank.source).is_file() else None
    protected = protected_files(items, sources)
    check_report_path(report_path, out, items, protected)
    jobs = min(jobs, sum(1 for i in items if i.error is None) or 1)
    out_existed = out.exists()
    make_folder(out)
    try:
        make_folder(report_path.parent)
        fh = open_report(report_path, overwrite)
    except InputError:
        if not out_existed:
            with contextlib.suppress(OSError):
                out.rmdir()  # only if still empty: nothing was written
        raise
    clean_parts(out)  # leftovers of killed runs: never mistaken for output, never kept

    summary = BatchSummary(len(items), 0, 0, 0.0, jobs, out, report_path, ", ".join(sources))
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
                protected, filing_date, blanks,
            )
            if jobs == 1:
                _run_here(items, blank, options, record)
            else:
                from formfill.batch.pool import run_pool  # multiprocessing: imported by the batches that use it

                run_pool(items, blank, options, jobs, record, item_timeout, out)
        except KeyboardInterrupt as err:
            with signals_ignored():  # a second Ctrl-C or SIGTERM must not cut the cleanup short
                clean_parts(out, {os.getpid()})
                for item in items:
                    if item.index not in done:
                        record(unfinished(item, "not filled, the batch was interrupted", "interrupted"),
                               notify=False)
                summary.interrupted = True
                summary.interrupt_exit = exit_code(err)
                summary.seconds = time.perf_counter() - start
            raise BatchInterrupted(summary) from None
        finally:
            clean_parts(out, {os.getpid()})
    summary.seconds = time.perf_counter() - start
    return summary


def blanks_by_form(items: Sequence[Item]) -> dict[str, str]:
    """The blank of each form the planned profiles name (the newest supported edition in the forms folders), each
    opened and checked once here: a form without a usable blank is a usage error before anything is filled."""
    found: dict[str, str] = {}
    for form in dict.fromkeys(i.form for i in items if i.error is None and i.form is not None):
        blank = open_blank(find_blank(form_number=form))
        for_form(blank)
        found[form] = str(Path(blank.source).resolve())
    return found


def _run_here(items: list[Item], blank: BlankForm | None, options: Options,
              record: Callable[[ItemResult], None]) -> None:
    """jobs=1: no processes at all, the simplest thing for small batches and debugging."""
    if blank is not None:
        one.WORKER["blank"] = blank
    one.init_worker(options, ignore_sigint=False)
    for item in items:
        record(one.run_item(item))


__all__ = [
    "ITEM_TIMEOUT",
    "KILL_SWITCH",
    "REPORT_NAME",
    "STDIN",
    "BatchInterrupted",
    "BatchSummary",
    "Item",
    "ItemResult",
    "Options",
    "Progress",
    "batch",
    "default_jobs",
    "plan",
    "run_item",
]
