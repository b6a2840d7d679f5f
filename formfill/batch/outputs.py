"""Batch outputs: the summary, the streamed report, and what may be written where.

The report is a new file (never written through a link); no PDF or report may replace an input, the blank,
an attachment or a file formfill keeps; `.part` files of dead writers are removed; an input whose result
never arrived is reported as written only when its verified PDF is in place (a new inode at its path).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from formfill import api
from formfill.batch.inputs import STDIN, Item, path_key, stamp
from formfill.batch.item import ItemResult
from formfill.errors import (
    InputError,
    Problem,
)
from formfill.files import check_output, part_owner
from formfill.forms import kept_files
from formfill.interrupts import SIGINT_EXIT

REPORT_NAME = "report.jsonl"

Progress = Callable[["ItemResult", int, int], None]
"""Called in the calling process after each input: (result, inputs done, inputs in total)."""


@dataclass
class BatchSummary:
    """What a batch did. Failures are kept (for the CLI's summary); successes are only counted."""

    total: int
    succeeded: int
    failed: int
    seconds: float
    jobs: int
    out_dir: Path
    report: Path
    blank: str
    interrupted: bool = False
    failures: list[ItemResult] = field(default_factory=list)
    interrupt_exit: int = SIGINT_EXIT  # 130 Ctrl-C, 143 SIGTERM

    @property
    def ok(self) -> bool:
        return not self.interrupted and self.failed == 0 and self.succeeded == self.total

    @property
    def exit_code(self) -> int:
        """0 all filled and verified, 1 some inputs failed, 130 interrupted (143 by SIGTERM)."""
        if self.interrupted:
            return self.interrupt_exit
        return 0 if self.ok else 1

    @property
    def forms_per_second(self) -> float:
        return self.succeeded / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "exit_code": self.exit_code,
            "interrupted": self.interrupted,
            "total": self.total,
            "succeeded": self.succeeded,
            "failed": self.failed,
            "seconds": round(self.seconds, 3),
            "forms_per_second": round(self.forms_per_second, 2),
            "jobs": self.jobs,
            "out_dir": str(self.out_dir),
            "report": str(self.report),
            "blank": self.blank,
            "failures": [f.to_dict() for f in self.failures],
        }


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: someone else's live process
        return True
    return True


def clean_parts(out_dir: Path, dead: set[int] | None = None) -> int:
    """Remove the `.<name>.<pid>.<random>.part` files (formfill.files.write_atomic) whose writer is dead.

    A part file is never an output (hidden, and not named *.i-131.pdf) and never an input (not *.json);
    one left by a killed process is removed here, at the start and at the end of every batch, and as
    soon as a worker is seen to die. A part file of a live process (another batch writing into the same
    folder) is left alone. `dead` names pids known dead (this batch's workers, this process at the end).
    """
    removed = 0
    with contextlib.suppress(OSError), os.scandir(out_dir) as entries:
        for entry in entries:
            owner = part_owner(entry.name)
            if owner is None or not owner[0].endswith(".pdf"):
                continue
            pid = owner[1]
            if (dead is not None and pid in dead) or not _pid_alive(pid):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)
                    removed += 1
    return removed


def _written_meanwhile(item: Item) -> bool:
    """Whether this input's PDF was put in place during this batch (so it is complete and verified).

    A PDF only ever appears by an atomic link/rename of a verified file, which gives it a new inode:
    a file at the output path whose identity differs from the one seen at planning is this batch's.
    """
    if item.error is not None:
        return False
    now = stamp(item.output)
    return now is not None and now != item.before


def unfinished(item: Item, why: str, code: str) -> ItemResult:
    """An input whose result never arrived (interrupted, or its worker died): was its PDF written?"""
    if _written_meanwhile(item):
        return ItemResult(item.index, item.id, item.input, item.output, True, 0.0)
    msg = f"{item.input}: {why}"
    return ItemResult(item.index, item.id, item.input, None, False, 0.0, msg, [Problem("", msg, code)])


def make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise InputError(f"cannot create folder {folder}: a file is in the way") from None
    except OSError as err:
        raise InputError(f"cannot create folder {folder} ({err.strerror or err})") from None


def open_report(path: Path, overwrite: bool) -> TextIO:
    """A new file at `path`: an existing one (with --overwrite) is unlinked first, never written through.

    So a report path that is a symlink or a hard link to some other file never changes that file's
    content, and O_NOFOLLOW | O_EXCL make sure the name is still not a link when the file is created.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        if overwrite:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
        fd = os.open(path, flags, 0o666)
    except FileExistsError:
        raise InputError(f"the report {path} already exists; pass another --report or --overwrite") from None
    except OSError as err:
        raise InputError(f"cannot write the report {path} ({err.strerror or err})") from None
    # backslashreplace: a file name that is not valid UTF-8 still gets its report line
    return os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace")


def check_report_path(report: Path, out: Path, items: Sequence[Item], protected: dict[api.Identity, str]) -> None:
    """The report must be a regular file (or new) and must not replace a protected file (an input, the blank, a
    file formfill keeps: see protected_files) or a planned PDF."""
    try:
        existing: os.stat_result | None = report.stat()
    except (FileNotFoundError, NotADirectoryError):
        existing = None  # not there yet, so it is not an input; it may still be a planned output
    except (OSError, ValueError) as err:
        raise InputError(f"cannot write the report {report} ({getattr(err, 'strerror', None) or err})") from None
    if existing is not None:
        check_output(report, protected, what="the report", hint="pass another --report")
    if path_key(report.parent) == path_key(out):
        name = report.name.casefold()  # output names are claimed case-insensitively too
        for item in items:
            if Path(item.output).name.casefold() == name:
                raise InputError(
                    f"the report {report} would take the name of the PDF planned for {item.input}; "
                    "pass another --report"
                )


def protected_files(items: Sequence[Item], blank_sources: Sequence[str]) -> dict[api.Identity, str]:
    """Every file the batch reads (profiles, attachments, the blanks) and every file formfill keeps (stored
    blanks, the cache, field maps, rules: forms.kept_files): no PDF and no report may replace one."""
    files: list[tuple[str | os.PathLike[str], str]] = [(s, f"the blank form {s}") for s in blank_sources]
    for item in items:
        if item.path != STDIN:
            files.append((item.path, f"the input {item.input.rpartition(':')[0] if item.line else item.input}"))
        files += [(a, f"an attachment of {item.input}") for a in item.attachments]
    return api.identities([*files, *kept_files()])
