"""`formfill forms`: manage the blank forms formfill fills."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from formfill.cli.common import emit_json, form_package, handle_errors, json_option
from formfill.errors import FormError
from formfill.fieldmap import supported
from formfill.forms import TerminalProgress, add_form, fetch_form, offline_mode, scan, search_dirs

F = TypeVar("F", bound=Callable[..., Any])


def offline_option(func: F) -> F:
    """`--offline` for a command that may need a blank: the command runs with downloads turned off."""

    @click.option(
        "--offline",
        "offline",
        is_flag=True,
        help="Never download the blank form (as FORMFILL_OFFLINE=1); without one, say how to add it by hand.",
    )
    @functools.wraps(func)
    def wrapper(*args: Any, offline: bool = False, **kwargs: Any) -> Any:
        with offline_mode(offline):
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


@click.group()
def forms() -> None:
    """Add, download and list blank forms."""


@forms.command("add")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@handle_errors()
def add(path: str) -> None:
    """Check PATH is a supported edition of a form formfill has a package for and copy it to your forms folder."""
    dest = add_form(path)
    click.echo(f"added {dest}")


@forms.command("fetch")
@click.option(
    "--url",
    default=None,
    help="Where to download the blank from. Default: FORMFILL_FORMS_URL, else "
    + (pkg.spec.blank_url if (pkg := form_package()) else "where the form's package says USCIS publishes it"),
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Seconds to wait for the server. Default: FORMFILL_FETCH_TIMEOUT, else 30.",
)
@handle_errors()
def fetch(url: str | None, timeout: float | None) -> None:
    """Download the default form's current blank into your forms folder, checked as `forms add` checks a file."""
    dest = fetch_form(url, timeout, progress=TerminalProgress.for_stream(sys.stderr))
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
