"""What every command shares: turning FormfillErrors into messages and exit codes, JSON output.

Everything a command prints goes through `echo` or `emit_json`, which mask SSNs and A-Numbers by content
(formfill.masking); a command passes `mask=False` only for what the user asked to see (`diff --show-pii`,
the profile `extract` reads, a plain review).
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from typing import IO, Any, TypeVar

import click

from formfill.errors import FormfillError
from formfill.formpackage import FormPackage, default_package, package_for
from formfill.interrupts import exit_code as interrupt_exit
from formfill.masking import mask_text, mask_tree

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
    help="The postmark date (YYYY-MM-DD; default: today): the edition's acceptance dates apply to it, and with "
    "--check-package the fees and intake rules.",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print a JSON document on stdout instead of text.")
form_option = click.option(
    "--form",
    "form",
    type=click.Path(dir_okay=False),
    default=None,
    help="The blank form PDF. Default: the newest supported edition of the profile's form (without a profile, "
    f"Form {default_form()}) in FORMFILL_FORMS_DIR, then the forms added with `formfill forms add`.",
)


def emit_json(doc: Any, mask: bool = True) -> None:
    """One JSON document on stdout; every string in it masked unless `mask` is False."""
    click.echo(json.dumps(mask_tree(doc) if mask else doc, indent=2, default=str))


def echo(message: str = "", err: bool = False, mask: bool = True, file: IO[str] | None = None) -> None:
    """One line of a command's text output (stderr with `err`, or `file`), masked unless `mask` is False."""
    click.echo(mask_text(message) if mask else message, file=file, err=err)


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
                    echo(f"error: {err}", err=True)
                sys.exit(err.exit_code)
            except KeyboardInterrupt as err:  # Ctrl-C, or SIGTERM (formfill.interrupts)
                echo("interrupted", err=True)
                sys.exit(interrupt_exit(err))
            except OSError as err:  # a last resort: the API wraps the I/O it expects
                message = f"{err.filename}: {err.strerror}" if err.filename and err.strerror else str(err)
                if kwargs.get(as_json_param):
                    emit_json({"ok": False, "error": message, "exit_code": 2, "problems": []})
                else:
                    echo(f"error: {message}", err=True)
                sys.exit(2)

        return wrapper  # type: ignore[return-value]

    return decorate


def _use_map(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is None:
        return
    from formfill.formpackage import using_package

    try:  # for this command only: the package is forgotten when the command's context closes
        ctx.with_resource(using_package(value))
    except FormfillError as err:
        raise click.BadParameter(err.message, ctx=ctx, param=param) from None


map_option = click.option(
    "--map",
    "map_dir",
    type=click.Path(file_okay=False),
    default=None,
    expose_value=False,
    is_eager=True,
    callback=_use_map,
    help="A reviewed form package folder (`formfill map accept`) to use ahead of the installed ones.",
)
