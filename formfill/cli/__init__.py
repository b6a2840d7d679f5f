"""The `formfill` command: a thin shell over the Python API.

Each command lives in its own module. Commands outside the core fill are loaded only when used (the
click documentation's lazy-group pattern), so `formfill fill` does not pay for Pillow or the package
rules. Exit codes are the same everywhere: 0 done, 1 the profile or the output has problems, 2 usage
errors and unreadable inputs.
"""

from __future__ import annotations

import importlib
import io
import sys
from typing import Any

import click

from formfill import startup
from formfill.cli import fill_cmds, forms_cmds
from formfill.cli.common import echo, emit_json
from formfill.interrupts import exit_code as interrupt_exit
from formfill.interrupts import sigterm_as_interrupt
from formfill.version import __version__

LAZY_COMMANDS = {
    "check-photo": "formfill.cli.photo_cmds:check_photo",
    "check": "formfill.cli.check_cmds:check",
    "batch": "formfill.cli.batch_cmds:batch",
    "review": "formfill.cli.review_cmds:review_cmd",
    "extract": "formfill.cli.extract_cmds:extract",
    "diff": "formfill.cli.extract_cmds:diff",
    "package": "formfill.cli.package_cmds:package",
    "map": "formfill.cli.map_cmds:map_group",
}


class LazyGroup(click.Group):
    """A group whose listed commands are imported on first use."""

    def __init__(self, *args: Any, lazy: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy and cmd_name not in self.commands:
            module, attr = self.lazy[cmd_name].split(":")
            command = getattr(importlib.import_module(module), attr)
            if not isinstance(command, click.Command):
                raise TypeError(f"{self.lazy[cmd_name]} is not a click command")
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)

    def main(self, args: Any = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        """Usage errors exit 2 as usual, but as a JSON document when --json was asked for."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        argv = list(sys.argv[1:] if args is None else args)
        try:
            with sigterm_as_interrupt():  # so temporary files and workers are cleaned up on SIGTERM too
                code = super().main(argv, prog_name, complete_var, standalone_mode=False, **extra)
        except click.ClickException as err:
            if "--json" in argv:
                emit_json({"ok": False, "error": err.format_message(), "exit_code": err.exit_code, "problems": []})
            else:  # click's own message may quote an argument (a file named by an SSN): masked like the rest
                shown = io.StringIO()
                err.show(file=shown)
                echo(shown.getvalue().rstrip("\n"), err=True)
            sys.exit(err.exit_code)
        except click.Abort as err:
            echo("interrupted", err=True)
            sys.exit(interrupt_exit(err))
        sys.exit(code if isinstance(code, int) else 0)


@click.group(
    cls=LazyGroup,
    lazy=LAZY_COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, "--version", prog_name="formfill")
def main() -> None:
    """Fill USCIS forms from applicant profiles, prove every value landed, and check the package.

    Each form formfill fills is a package (`formfill forms list` shows them); a profile names its form.
    """


for command in (*fill_cmds.COMMANDS, *forms_cmds.COMMANDS):
    main.add_command(command)


def run() -> None:
    """The `formfill` command (the console script and `python -m formfill`): its process is formfill's own, so what
    the imports built is frozen first (formfill.startup). Calling `main` in-process (a test, a firm's pipeline)
    freezes nothing: a frozen object is never collected, and a long-lived process would only grow."""
    startup.freeze()
    main(prog_name="formfill")
