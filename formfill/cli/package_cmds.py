"""`formfill package`: assemble what is mailed (cover letter, exhibit index, one print-ready PDF)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from formfill import api
from formfill.cli.common import echo, emit_json, form_option, handle_errors, json_option


@click.command("package")
@click.argument("profile", type=str)
@click.option("-o", "--output", "output", type=str, required=True, metavar="DIR",
              help="The folder to write (cover-letter.docx, cover-letter.pdf, package.pdf, package.json).")
@form_option
@click.option("--filing-date", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The postmark date (YYYY-MM-DD) the fees, edition and intake rules apply to (default: today).")
@click.option("--letterhead", type=str, default=None, metavar="TEMPLATE.docx",
              help="The firm's letterhead: the cover letter is written after its content.")
@click.option("--draft", is_flag=True,
              help="Assemble even when the package check finds errors; every page says DRAFT - NOT FOR FILING.")
@click.option("--overwrite", is_flag=True, help="Replace a package folder formfill wrote before.")
@click.option("--flatten", is_flag=True, help="Put the flattened form in (not editable; checked as fill --flatten "
              "checks it; slower).")
@click.option("--attachments-root", type=click.Path(file_okay=False, exists=True), default=None,
              help="Refuse attachments whose real path is outside this folder.")
@click.option("--rules", type=click.Path(dir_okay=False), default=None,
              help="A firm's own package rules file (its filing address, labels, fees).")
@json_option
@handle_errors()
def package(profile: str, output: str, form: str | None, filing_date: dt.datetime | None, letterhead: str | None,
            draft: bool, overwrite: bool, flatten: bool, attachments_root: str | None, rules: str | None,
            as_json: bool) -> None:
    """Assemble the filing package for PROFILE into the folder DIR.

    The package check runs first: with errors nothing is written and the exit code is 1, unless --draft.
    Exit 2 when an input (the profile, the blank, an evidence file, the letterhead) cannot be read.
    """
    result = api.package(profile, Path(output), form, filing_date=filing_date.date() if filing_date else None,
                         letterhead=letterhead, draft=draft, overwrite=overwrite, attachments_root=attachments_root,
                         rules=rules, flatten=flatten)
    if as_json:
        emit_json(result.to_dict())
        return
    m = result.manifest
    echo(f"{result.output}: package of {m['pages']} pages" + (" (DRAFT - NOT FOR FILING)" if result.draft else "")
         + "; it contains personal data.")
    for part in m["parts"]:
        if part["part"] == "tab":
            continue
        first, last = part["pages"]
        where = f"pages {first}-{last}" if last != first else f"page {first}"
        label = f"Exhibit {part['exhibit']}: {part['title']}" if part.get("exhibit") else part["title"]
        shown = part.get("source") and part["part"] != "cover_letter"
        echo(f"  {where:>13}  {label}" + (f"  ({part['source']})" if shown else ""))
    for item in m["not_printed"]:
        echo(f"  not printed: {item['title']} ({item['path']}): enclose it")
    for item in m["not_included"]:
        echo(f"  NOT INCLUDED: {item['title']} ({item['path']}): the package check found it unusable")
    if not m["filing_address_set"]:
        echo("  the cover letter has a placeholder for the filing address: type it in cover-letter.docx "
             "(or give the firm's address in a rules file)")
    if not result.ok:
        sys.exit(1)


COMMANDS = [package]
