"""Errors that carry their own exit code and a message a paralegal can act on.

The CLI turns every one of these into a message and an exit code, never a traceback:
1 means the profile or the output has problems, 2 means usage errors and unreadable inputs.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a profile or a filled form, located by its JSON path."""

    path: str
    message: str
    code: str = "invalid"

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


SENSITIVE_KEYS = ("ssn", "a_number")


def is_sensitive(path: str) -> bool:
    """Profile paths whose values never appear in a message or log line (SSN, A-Number)."""
    last = path.rsplit(".", 1)[-1].split("[", 1)[0]
    return last in SENSITIVE_KEYS


def shown(path: str, value: object) -> str:
    """`repr(value)` for messages, or a mask when the value belongs to a sensitive key."""
    if is_sensitive(path) and value:
        return "'[redacted]'"
    return repr(value)


class FormfillError(Exception):
    """Base class: every error formfill raises on purpose."""

    exit_code = 1

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problems: list[Problem] = list(problems or [])

    def __str__(self) -> str:
        if not self.problems:
            return self.message
        lines = [self.message] + [f"  - {p}" for p in self.problems]
        return "\n".join(lines)


class ProfileError(FormfillError):
    """The profile is not valid: every problem is listed with its JSON path."""

    exit_code = 1


class PackageError(FormfillError):
    """The filing package lacks something the request requires (fill --check-package)."""

    exit_code = 1


class FitError(FormfillError):
    """A value would not print in full in its box (and cannot be moved elsewhere)."""

    exit_code = 1


class VerificationError(FormfillError):
    """The written PDF does not read back as what was meant to be written."""

    exit_code = 1


class InputError(FormfillError):
    """An input file is missing, unreadable, or not what it claims to be."""

    exit_code = 2


class FormError(InputError):
    """The blank form is unreadable, another form, or an edition without a field map."""


class NotFillableError(FormError):
    """The PDF has no form fields at all (no /AcroForm): a scan, a flattened copy, another document."""


class NoFieldsError(InputError):
    """A scan or a flattened copy: the values are only printed, so there is nothing to read."""


class JsonValueError(ValueError):
    """Well-formed JSON that cannot be taken at face value; every problem names its JSON path.

    A duplicate key (which value was meant?), a number Python cannot hold exactly, NaN/Infinity and
    an unpaired UTF-16 surrogate escape are all refused rather than silently picking one reading.
    """

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived. A KeyboardInterrupt, so every handler written for Ctrl-C handles it too."""


class BatchInterrupted(KeyboardInterrupt):
    """The batch was interrupted; `summary` (a formfill.batch.BatchSummary) says what was done.

    A KeyboardInterrupt, so callers stop too.
    """

    def __init__(self, summary: Any) -> None:
        super().__init__("the batch was interrupted")
        self.summary = summary


# Signals inside one module, never shown as they are: each is turned into a finding or a FormfillError.


class ImageUnreadableError(Exception):
    """formfill.checks.photo: the photo cannot be opened or decoded (`code` is the finding's code)."""

    def __init__(self, code: str, message: str, measured: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.measured = measured


class OutsideRootError(Exception):
    """The file actually opened is not inside the attachments root (a path changed after it was checked)."""

    def __init__(self, where: str) -> None:
        super().__init__(where)
        self.where = where


class TooLargeError(Exception):
    """A file is larger than the bound for its kind (`size` in bytes): refused unread."""

    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


class OutputExistsError(InputError):
    """Refuse to replace an existing file unless asked to."""
