"""`formfill check-photo`: passport-photo checks. All logic is in formfill.checks.photo."""

from __future__ import annotations

import sys

import click

from formfill.checks.photo import check_photos, default_spec, exit_code
from formfill.cli.common import echo, emit_json, json_option

_MARK = {"error": "ERROR", "warning": "warn ", "info": "info "}


@click.command("check-photo")
@click.argument("images", nargs=-1, required=True, type=click.Path())
@click.option("--digital", is_flag=True, help="Check against the digital-upload spec (600-1200 px JPEG, "
              "<= 240 KB, sRGB) instead of the 2 x 2 in print spec.")
@click.option("--recent-days", type=click.IntRange(min=1), default=None,
              help="Warn when the camera date is older than this many days (default from the spec: 30).")
@json_option
def check_photo(images: tuple[str, ...], digital: bool, recent_days: int | None, as_json: bool) -> None:
    """Check passport-style photo files (scans of the prints, or digital files).

    Every photo after the first is compared with the first: give one applicant's photos per command.
    Exit 0: all pass (warnings allowed); 1: some check failed; 2: a file could not be read.
    """
    spec = default_spec()
    if recent_days is not None:
        spec = spec.with_recent_days(recent_days)
    reports = check_photos(list(images), digital=digital, spec=spec)
    code = exit_code(reports)
    if as_json:
        emit_json({"ok": code == 0, "exit_code": code, "mode": "digital" if digital else "print",
                   "reports": [r.to_dict() for r in reports]})
        sys.exit(code)
    for report in reports:
        status = "OK" if report.ok else ("UNREADABLE" if not report.readable else "FAIL")
        echo(f"{report.file}: {status}")
        for f in report.findings:
            parts = [f"{label} {value}" for label, value in (("measured", f.measured), ("required", f.required))
                     if value is not None]
            extra = f" [{'; '.join(parts)}]" if parts else ""
            echo(f"  {_MARK.get(f.severity, f.severity)} {f.code}: {f.message}{extra}")
    sys.exit(code)


COMMANDS = [check_photo]
