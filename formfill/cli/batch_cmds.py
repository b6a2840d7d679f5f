"""batch: fill a whole docket in parallel, one JSON report line per input (a thin shell over formfill.batch)."""

from __future__ import annotations

import datetime as dt
import sys
import time
from typing import TextIO

import click

from formfill.batch import BatchSummary, ItemResult
from formfill.batch import batch as run_batch
from formfill.cli.common import (
    echo,
    emit_json,
    filing_date_option,
    form_option,
    handle_errors,
    json_option,
    map_option,
    output_suffix,
)
from formfill.cli.forms_cmds import offline_option
from formfill.errors import BatchInterrupted

MAX_LISTED = 20


class Counter:
    """A one-line progress counter on stderr, redrawn in place; only used when stderr is a terminal."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.start = time.perf_counter()
        self.failed = 0
        self.drawn = False

    def __call__(self, result: ItemResult, done: int, total: int) -> None:
        self.failed += not result.ok
        rate = done / max(time.perf_counter() - self.start, 1e-9)
        width = 30
        filled = width * done // total
        line = f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}  {self.failed} failed  {rate:.1f} forms/s"
        self.stream.write(line)
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()


def _print_summary(summary: BatchSummary) -> None:
    state = "interrupted: " if summary.interrupted else ""
    echo(
        f"{state}{summary.succeeded} of {summary.total} filled and verified, {summary.failed} failed "
        f"({summary.seconds:.1f} s, {summary.forms_per_second:.1f} forms/s, {summary.jobs} jobs). "
        f"Report: {summary.report}",
        err=summary.interrupted,
    )
    for failure in summary.failures[:MAX_LISTED]:
        echo(f"  FAIL {failure.error}", err=summary.interrupted)
        for p in failure.problems[:5]:
            if p.message != failure.error:
                echo(f"       - {p}", err=summary.interrupted)
    if len(summary.failures) > MAX_LISTED:
        echo(f"  ... and {len(summary.failures) - MAX_LISTED} more in the report", err=summary.interrupted)


@click.command()
# A plain string: formfill.batch checks the inputs itself, so a missing one is reported like every
# other usage error (as a JSON document with --json), and "-" (standard input) is accepted.
@click.argument("inputs", nargs=-1, required=True, type=str)
@click.option(
    "-o",
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False),
    help=f"Folder for the filled PDFs (<id or file name>{output_suffix()}).",
)
@form_option
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes. Default: the number of CPUs; 1 runs in this process.",
)
@click.option(
    "--report",
    "report",
    type=click.Path(dir_okay=False),
    default=None,
    help="JSON Lines report, one line per input. Default: OUTDIR/report.jsonl.",
)
@click.option(
    "--check-package",
    is_flag=True,
    help="Also check each filing package (photos, attachments); a failing package gets no PDF.",
)
@click.option(
    "--attachments-root",
    type=click.Path(file_okay=False),
    default=None,
    help="With --check-package: attachments must lie inside this folder.",
)
@filing_date_option
@click.option("--overwrite", is_flag=True, help="Replace existing PDFs (and the report).")
@map_option
@json_option
@offline_option
@handle_errors()
def batch(
    inputs: tuple[str, ...],
    out_dir: str,
    form: str | None,
    jobs: int | None,
    report: str | None,
    check_package: bool,
    attachments_root: str | None,
    filing_date: dt.datetime | None,
    overwrite: bool,
    as_json: bool,
) -> None:
    """Fill the form of every profile in INPUTS (files, folders of *.json/*.jsonl, JSON Lines files).

    An input of - is standard input; it, and any input that is not a regular file (a pipe, <(...)),
    is read once and is one JSON object, or else JSON Lines (one profile per line).

    Each profile is validated, filled and verified on its own; a bad one never stops the others.
    Without --form each profile is filled on the blank of its own form, so a folder may mix forms.
    An existing PDF is not replaced without --overwrite: that input fails (output_exists, counted
    as a failure) and the others continue. The report may not be an input or a planned PDF.

    Exit code 0 when all succeeded, 1 when any failed, 2 for usage errors, 130 when interrupted
    (Ctrl-C), 143 on SIGTERM. A worker process that dies fails only the input it held (worker_died).
    """
    counter = Counter(sys.stderr) if sys.stderr.isatty() else None
    try:
        summary = run_batch(
            list(inputs),
            out_dir,
            form=form,
            jobs=jobs,
            report=report,
            check_package=check_package,
            attachments_root=attachments_root,
            overwrite=overwrite,
            progress=counter,
            filing_date=filing_date.date() if filing_date else None,
        )
    except BatchInterrupted as stop:
        summary = stop.summary
    finally:
        if counter is not None:
            counter.close()
    if as_json:
        emit_json(summary.to_dict())
    else:
        _print_summary(summary)
    sys.exit(summary.exit_code)


COMMANDS = [batch]
