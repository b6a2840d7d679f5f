"""`formfill extract` and `formfill diff`: renewals start from last year's filing."""

from __future__ import annotations

import json
import sys

import click

from formfill.cli.common import echo, emit_json, handle_errors, json_option, map_option, overflow_part


@click.command()
@click.argument("filled", type=str)
@click.option("-o", "--output", type=str, default=None,
              help="Write the profile here (also when incomplete, for a paralegal to finish). Default: stdout.")
@click.option("--overwrite", is_flag=True, help="Replace the output file if it exists.")
@map_option
@json_option
@handle_errors()
def extract(filled: str, output: str | None, overwrite: bool, as_json: bool) -> None:
    """Read a filled form (any edition its package fills or reads) back into a profile.

    Exit 0: a complete, valid profile. Exit 1: what could not be read or does not validate is listed by
    JSON path (the partial profile is still written with -o). Exit 2: unreadable file or a scan.
    """
    from formfill.extract import extract as run

    to_stdout = output in (None, "-")
    if to_stdout and as_json:
        result = run(filled)
        emit_json(result.to_dict(), mask=False)  # the profile as read; the rest is masked by to_dict
        sys.exit(0 if result.ok else 1)
    result = run(filled, output=None if to_stdout else output, overwrite=overwrite)
    if as_json:
        emit_json(result.to_dict(), mask=False)  # the profile as read; the rest is masked by to_dict
        sys.exit(0 if result.ok else 1)
    report = sys.stderr if to_stdout else sys.stdout
    if to_stdout:
        echo(json.dumps(result.profile, indent=2, ensure_ascii=False), mask=False)  # what was asked for
    where = f"{result.output}: " if result.output else ""
    status = "complete and valid" if result.ok else f"INCOMPLETE: {len(result.problems)} problem(s) to resolve"
    echo(f"{where}profile read from {result.source} (Form {result.form} edition {result.edition}): {status}",
         file=report)
    if result.part13_entries or result.continuation_sheets:
        echo(f"  merged {result.part13_entries} {overflow_part(result.form)} block(s) and {result.continuation_sheets} "
             "continuation sheet(s) back into their answers", file=report)
    for p in result.problems:
        echo(f"  - {p}", file=report)
    for note in result.notes:
        echo(f"  note: {note}", file=report)
    sys.exit(0 if result.ok else 1)


@click.command()
@click.argument("a", type=str)
@click.argument("b", type=str)
@click.option("--show-pii", is_flag=True, help="Show SSNs and A-Numbers in full (masked to the last 4 by default).")
@map_option
@json_option
@handle_errors()
def diff(a: str, b: str, show_pii: bool, as_json: bool) -> None:
    """What changed from A to B, by JSON path (each a profile JSON file or a filled form PDF).

    Exit 0: no differences; 1: differences; 2: a file cannot be read.
    """
    from formfill.diff import diff as run

    result = run(a, b)
    if as_json:
        doc = {"ok": True, "exit_code": 0 if result.identical else 1, **result.to_dict(show_pii)}
        emit_json(doc, mask=not show_pii)
        sys.exit(0 if result.identical else 1)
    hide = not show_pii
    echo(f"--- {result.a.source} ({result.a.kind})", mask=hide)
    echo(f"+++ {result.b.source} ({result.b.kind})", mask=hide)
    for change in result.changes:
        echo(change.line(show_pii), mask=hide)
    for side in (result.a, result.b):
        if side.problems:
            echo(f"note: {side.source} has {len(side.problems)} problem(s) as a profile "
                 f"(`formfill validate` or `formfill extract` lists them)", mask=hide)
    echo("no differences" if result.identical else f"{len(result.changes)} difference(s)")
    sys.exit(0 if result.identical else 1)
