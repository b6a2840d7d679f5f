"""What every command shares: turning FormfillErrors into messages and exit codes, JSON output."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from formfill.errors import FormfillError
from formfill.formpackage import FormPackage, default_package, package_for
from formfill.interrupts import exit_code as interrupt_exit

F = TypeVar("F", bound=Callable[..., Any])


def form_package(form: str | None = None) -> FormPackage | None:
    """The package of `form` (a form number), else the default one; None when none is found (help texts then
    name no form, and the command itself says what is missing)."""
    try:
        return default_package() if form is None else package_for(form)
    except FormfillError:
        return None


def default_form() -> str:
    """`I-131`: the form help texts name, from the default form package."""
    pkg = form_package()
    return pkg.form if pkg is not None else "form"


def overflow_part(form: str | None = None) -> str:
    """`Part 13`: the part of the form where answers too long for their boxes continue."""
    pkg = form_package(form) or form_package()
    return f"Part {pkg.spec.overflow.part}" if pkg is not None else "the additional information part"


def output_suffix(form: str | None = None) -> str:
    """`.i-131.pdf`: how a filled form's file name ends, from its package."""
    pkg = form_package(form) or form_package()
    return pkg.spec.output_suffix if pkg is not None else ".pdf"


filing_date_option = click.option(
    "--filing-date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="With --check-package: the postmark date (YYYY-MM-DD) the fees, edition and intake rules apply to "
    "(default: today).",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print a JSON document on stdout instead of text.")
form_option = click.option(
    "--form",
    "form",
    type=click.Path(dir_okay=False),
    default=None,
    help=f"The blank {default_form()} PDF. Default: FORMFILL_FORMS_DIR, then the forms added with "
    "`formfill forms add`.",
)


def emit_json(doc: Any) -> None:
    click.echo(json.dumps(doc, indent=2, default=str))


def handle_errors(as_json_param: str = "as_json") -> Callable[[F], F]:
    """Run a command; a FormfillError becomes a clear message and its exit code, never a traceback."""

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return func(*args, **kwargs)
            except FormfillError as err:
                if kwargs.get(as_json_param):
                    emit_json(
                        {
                            "ok": False,
                            "error": err.message,
                            "exit_code": err.exit_code,
                            "problems": [p.to_dict() for p in err.problems],
                        }
                    )
                else:
                    click.echo(f"error: {err}", err=True)
                sys.exit(err.exit_code)
            except KeyboardInterrupt as err:  # Ctrl-C, or SIGTERM (formfill.interrupts)
                click.echo("interrupted", err=True)
                sys.exit(interrupt_exit(err))
            except OSError as err:  # a last resort: the API wraps the I/O it expects
                message = f"{err.filename}: {err.strerror}" if err.filename and err.strerror else str(err)
                if kwargs.get(as_json_param):
                    emit_json({"ok": False, "error": message, "exit_code": 2, "problems": []})
                else:
                    click.echo(f"error: {message}", err=True)
                sys.exit(2)

        return wrapper  # type: ignore[return-value]

    return decorate
