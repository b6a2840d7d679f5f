"""The `formfill` command: a thin shell over the Python API.

Each command lives in its own module and is registered below. Exit codes are the same everywhere:
0 done, 1 the profile or the output has problems, 2 usage errors and unreadable inputs.
"""

from __future__ import annotations

import click

from formfill import __version__
from formfill.cli import fill_cmds, forms_cmds


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="formfill")
def main() -> None:
    """Fill USCIS Form I-131 from applicant profiles, prove every value landed, and check the package."""


for command in (*fill_cmds.COMMANDS, *forms_cmds.COMMANDS):
    main.add_command(command)

# Optional command modules (photo checks, package checks, batch) register themselves if present.
for _module in ("photo_cmds", "check_cmds", "batch_cmds"):
    try:
        _mod = __import__(f"formfill.cli.{_module}", fromlist=["COMMANDS"])
    except ModuleNotFoundError:
        continue
    for command in _mod.COMMANDS:
        main.add_command(command)
