"""fill, validate, verify, fields, schema and demo."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import click

from formfill import api
from formfill.cli.common import (
    echo,
    emit_json,
    filing_date_option,
    form_option,
    handle_errors,
    json_option,
    map_option,
    output_suffix,
    overflow_part,
)
from formfill.cli.forms_cmds import offline_option
from formfill.errors import FormfillError, InputError, OutputExistsError
from formfill.fieldmap import all_maps
from formfill.formpackage import package_for, packages
from formfill.forms import find_blank, open_blank
from formfill.masking import known_identifiers, masked_name
from formfill.profile_base import json_schema


def default_output(profile_arg: str, profile_id: str | None, known: tuple[str, ...] = (),
                   form: str | None = None) -> Path:
    """`<id or file stem>` + the form's output suffix (`.i-131.pdf`), never carrying an SSN or A-Number
    (formfill.masking.masked_name)."""
    stem = profile_id or (Path(profile_arg).stem if profile_arg != "-" else "profile")
    return Path(f"{masked_name(stem, known)}{output_suffix(form)}")


@click.command()
@click.argument("profile", type=str)
@form_option
@click.option(
    "-o",
    "--output",
    type=str,
    default=None,
    help="Where to write the filled PDF ('-' for stdout). Default: <id or file name>"
    f"{output_suffix()} here.",
)
@click.option("--overwrite", is_flag=True, help="Replace the output file if it exists.")
@click.option(
    "--printed", is_flag=True, help="Also flatten a copy with pdfium and check every value prints in its box."
)
@click.option("--flatten", is_flag=True, help="Write a non-editable copy whose pages look the same (for printing).")
@click.option("--check-package", is_flag=True, help="Refuse to fill unless `formfill check` passes.")
@click.option(
    "--attachments-root",
    type=click.Path(file_okay=False),
    default=None,
    help="With --check-package: attachments must lie inside this folder.",
)
@filing_date_option
@map_option
@json_option
@offline_option
@handle_errors()
def fill(
    profile: str,
    form: str | None,
    output: str | None,
    overwrite: bool,
    printed: bool,
    flatten: bool,
    check_package: bool,
    attachments_root: str | None,
    filing_date: dt.datetime | None,
    as_json: bool,
) -> None:
    """Fill the form PROFILE names (a JSON file, or - for stdin) and verify it by reading it back.

    Answers too long for their boxes continue in the form's additional-information part and, when that is
    full, on continuation sheets appended to the PDF, as the form's instructions say.
    """
    if output == "-" and as_json:
        raise click.UsageError("--json and -o - both want stdout; write the PDF to a file instead")
    if output == "-" and sys.stdout.isatty():
        raise click.UsageError("refusing to write a PDF to a terminal; redirect stdout or use -o FILE")
    loaded = api.load_profile(profile)
    known = known_identifiers(loaded.profile.model_dump())
    target = output if output is not None else str(default_output(profile, loaded.profile.id, known,
                                                                   loaded.profile.form))
    result = api.fill(
        loaded,
        form=form,
        output=None if target == "-" else target,
        overwrite=overwrite,
        printed=printed,
        flatten=flatten,
        check_package=check_package,
        attachments_root=attachments_root,
        filing_date=filing_date.date() if filing_date else None,
    )
    result.source = loaded.source
    if target == "-":
        for note in result.notes:  # stdout is the PDF: a skipped value or a changed name is still said
            echo(f"note: {note}", err=True)
        sys.stdout.buffer.write(result.data)
        sys.stdout.buffer.flush()
        return
    if as_json:
        emit_json(result.to_dict())
        return
    v = result.verification
    echo(
        f"{result.output}: Form {result.form} edition {result.edition}, {v.fields_checked} values written "
        f"({v.text_fields} text, {v.boxes_checked} boxes), all verified by reading the file back"
        + (" and on the printed page." if v.printed_checked or flatten else ".")
    )
    if result.part13_entries:
        echo(
            f"  {result.part13_entries} long answer(s) continue in {overflow_part(result.form)}"
            + (f" and on {result.continuation_sheets} continuation sheet(s)." if result.continuation_sheets else ".")
        )
    for note in result.notes:
        echo(f"  note: {note}")


@click.command()
@click.argument("profiles", nargs=-1, required=True, type=str)
@json_option
@handle_errors()
def validate(profiles: tuple[str, ...], as_json: bool) -> None:
    """Check PROFILES (JSON files, or - for stdin) against the profile contract and the form's rules."""
    reports: list[dict[str, Any]] = []
    failed = False
    for source in profiles:
        try:
            problems = api.validate(source)
        except InputError as err:
            reports.append({"input": source, "ok": False, "error": err.message, "problems": []})
            failed = True
            continue
        reports.append({"input": source, "ok": not problems, "problems": [p.to_dict() for p in problems]})
        failed = failed or bool(problems)
    if as_json:
        emit_json(reports[0] if len(reports) == 1 else reports)
    else:
        for r in reports:
            if r["ok"]:
                echo(f"{r['input']}: valid")
            elif "error" in r:  # unreadable: the message already names the file
                echo(f"error: {r['error']}", err=True)
            else:
                echo(f"{r['input']}: invalid")
                for p in r["problems"]:
                    echo(f"  - {p['path']}: {p['message']}" if p["path"] else f"  - {p['message']}")
    if failed:
        sys.exit(2 if any("error" in r for r in reports) else 1)


@click.command()
@click.argument("filled", type=str)
@click.option("--profile", "profile", required=True, type=str, help="The profile the form was filled from.")
@click.option("--printed", is_flag=True, help="Also flatten a copy with pdfium and read the text inside each box.")
@map_option
@json_option
@offline_option
@handle_errors()
def verify(filled: str, profile: str, printed: bool, as_json: bool) -> None:
    """Check a filled form against its profile: every value, box and appearance, read back from the file."""
    result = api.verify(filled, profile, printed=printed)
    if as_json:
        emit_json({"input": filled, **result.to_dict()})
    elif result.ok:
        echo(f"{filled}: verified ({result.fields_checked} values, {result.boxes_checked} boxes checked)")
    else:
        echo(f"{filled}: does not match the profile", err=True)
        for p in result.problems:
            echo(f"  - {p}", err=True)
    if not result.ok:
        sys.exit(1)


@click.command()
@form_option
@map_option
@json_option
@handle_errors()
def fields(form: str | None, as_json: bool) -> None:
    """List the blank's fields (page, type, states, MaxLen, tooltip) and what the field map puts there."""
    blank = open_blank(find_blank(form))
    fmap = all_maps().get((blank.form, blank.edition))
    mapped: dict[str, list[str]] = {}
    if fmap is not None:
        for e in fmap.entries:
            paths = [e.source]
            if e.kind == "check":  # a box answers from every path it tests (Part 4 item 1: proceedings now or ever)
                paths += [path for conds in (e.when, *e.any_of) for path, _ in conds]
            listed = mapped.setdefault(e.field, [])
            listed.extend(path for path in dict.fromkeys(paths) if path not in listed)
        for name in fmap.signature_fields:
            mapped.setdefault(name, []).append("(signature: never filled)")
    rows: list[dict[str, Any]] = []
    for name, info in sorted(blank.fields.items(), key=lambda kv: (kv[1].page, kv[0])):
        rows.append(
            {
                "name": name,
                "page": info.page,
                "type": info.kind,
                "states": list(info.on_states),
                "max_len": info.max_len,
                "multiline": info.multiline,
                "comb": info.comb,
                "rect": [round(x, 1) for x in info.rect],
                "tooltip": info.tooltip,
                "profile": mapped.get(name, []),
            }
        )
    if as_json:
        emit_json({"form": blank.form, "edition": blank.edition, "fields": rows})
        return
    echo(f"Form {blank.form} edition {blank.edition}: {len(rows)} fields")
    for r in rows:
        extra = " ".join(
            filter(
                None,
                [
                    f"states={','.join(r['states'])}" if r["states"] else "",
                    f"maxlen={r['max_len']}" if r["max_len"] else "",
                    "multiline" if r["multiline"] else "",
                    "comb" if r["comb"] else "",
                ],
            )
        )
        echo(f"p{r['page']:<3} {r['type']:<6} {r['name']}  {extra}")
        echo(f"       <- {', '.join(r['profile']) or '(not mapped)'} | {r['tooltip'][:110]}")


@click.command()
@click.option("--form", "form", metavar="NUMBER", default=None,
              help="The form whose profile schema to print (its number, as a profile's `form` key gives it). "
                   "Default: the built-in form.")
def schema(form: str | None) -> None:
    """Print the profile's JSON Schema, so a pipeline can validate before calling formfill."""
    if form is not None and package_for(form) is None:
        known = ", ".join(sorted(packages()))
        raise click.BadParameter(f"formfill has no form package for Form {form} (it has: {known})",
                                 param_hint="--form")
    emit_json(json_schema(form))


def _sample_dir() -> Path:
    packaged = Path(__file__).resolve().parent.parent / "samples"
    checkout = Path(__file__).resolve().parent.parent.parent / "samples"
    return packaged if packaged.is_dir() else checkout


@click.command()
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    default="out",
    show_default=True,
    help="Folder for the filled PDFs.",
)
@form_option
@click.option("--overwrite", is_flag=True, help="Replace PDFs already in the folder (left alone otherwise).")
@offline_option
@handle_errors()
def demo(out_dir: str, form: str | None, overwrite: bool) -> None:
    """Fill every bundled sample profile and verify each PDF (downloads the blank on first use)."""
    blank_path = find_blank(form)
    blank = open_blank(blank_path)
    samples = sorted(_sample_dir().glob("*.json"))
    if not samples:
        raise InputError(f"No sample profiles found in {_sample_dir()}")
    echo(f"Blank: {blank_path} (Form {blank.form} edition {blank.edition})")
    failures = 0
    for sample in samples:
        target = Path(out_dir) / f"{sample.stem}{output_suffix(blank.form)}"
        try:
            result = api.fill(sample, form=blank, output=target, overwrite=overwrite)
        except OutputExistsError:
            echo(f"  skip {sample.name}: {target} exists (pass --overwrite to fill it again)")
            continue
        except FormfillError as err:
            failures += 1
            echo(f"  FAIL {sample.name}: {err}")
            continue
        v = result.verification
        echo(f"  ok   {sample.name} -> {target} ({v.text_fields} text values, {v.boxes_checked} boxes, verified)")
    if failures:
        sys.exit(1)


COMMANDS = [fill, validate, verify, fields, schema, demo]
