"""`formfill forms`: manage the blank forms formfill fills."""

from __future__ import annotations

from typing import Any

import click

from formfill.cli.common import emit_json, handle_errors, json_option
from formfill.errors import FormError
from formfill.fieldmap import supported
from formfill.forms import USCIS_URL, add_form, fetch_form, scan, search_dirs


@click.group()
def forms() -> None:
    """Add, download and list blank I-131 forms."""


@forms.command("add")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@handle_errors()
def add(path: str) -> None:
    """Check PATH is a supported I-131 edition and copy it to your forms folder."""
    dest = add_form(path)
    click.echo(f"added {dest}")


@forms.command("fetch")
@click.option("--url", default=USCIS_URL, show_default=True, help="Where to download the blank from.")
@click.option("--timeout", default=30.0, show_default=True, help="Seconds to wait for the server.")
@handle_errors()
def fetch(url: str, timeout: float) -> None:
    """Download the current I-131 from uscis.gov into your forms folder (checks the edition first)."""
    dest = fetch_form(url, timeout)
    click.echo(f"downloaded {dest}")


@forms.command("list")
@json_option
@handle_errors()
def list_forms(as_json: bool) -> None:
    """Show the blanks formfill can find and the editions it supports."""
    found: list[dict[str, Any]] = []
    for pdf, blank in scan(search_dirs()):
        if isinstance(blank, FormError):
            found.append({"path": str(pdf), "supported": False, "reason": blank.message})
        else:
            found.append({"path": str(pdf), "form": blank.form, "edition": blank.edition, "supported": True})
    if as_json:
        emit_json({"supported_editions": supported(), "forms": found})
        return
    click.echo("Supported: " + "; ".join(supported()))
    for f in found:
        state = f"Form {f['form']} edition {f['edition']}" if f["supported"] else f"not usable: {f['reason']}"
        click.echo(f"  {f['path']}: {state}")
    if not found:
        click.echo("  (no blanks found; run `formfill forms fetch` or `formfill forms add PATH`)")


COMMANDS = [forms]
