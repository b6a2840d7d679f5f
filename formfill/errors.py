"""Errors that carry their own exit code and a message a paralegal can act on.

The CLI turns every one of these into a message and an exit code, never a traceback:
1 means the profile or the output has problems, 2 means usage errors and unreadable inputs.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from formfill.masking import mask_text


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a profile or a filled form, located by its JSON path.

    SSNs and A-Numbers in the path or the message are masked when it is made (formfill.masking), so no
    problem can carry one into a message, a report line or a log, whatever text it quotes.
    """

    path: str
    message: str
    code: str = "invalid"

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", mask_text(self.path))
        object.__setattr__(self, "message", mask_text(self.message))

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


class FormfillError(Exception):
    """Base class: every error formfill raises on purpose. Its message is masked like a Problem's."""

    exit_code = 1

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(mask_text(message))
        self.message = message
        self.problems: list[Problem] = list(problems or [])

    @property
    def message(self) -> str:
        return self._message

    @message.setter
    def message(self, text: str) -> None:  # also when a caller prefixes it later (the file's name)
        self._message = mask_text(text)

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


class DraftError(FormfillError):
    """An edition draft is not ready: decisions remain, or a decision is not one formfill understands."""

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


class EvidenceError(InputError):
    """An attached evidence file cannot go into the assembled package (encrypted, damaged, beyond a bound)."""


class FormError(InputError):
    """The blank form is unreadable, another form, or an edition without a field map."""


class NotFillableError(FormError):
    """A PDF without form fields: formfill.pdf raises it, the form layer says what formfill fills instead."""


class NoFieldsError(InputError):
    """A scan or a flattened copy: the values are only printed, so there is nothing to read (extract)."""


class JsonValueError(ValueError):
    """Well-formed JSON that cannot be taken at face value; every problem names its JSON path.

    A duplicate key (which value was meant?), a number Python cannot hold exactly, NaN/Infinity and
    an unpaired UTF-16 surrogate escape are all refused rather than silently picking one reading
    (formfill.loading.loads_strict).
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


class DeadlineExceeded(TimeoutError):
    """A download's whole exchange (lookup, connection, headers, body) outlasted its overall deadline."""


class UnsafeOutputError(InputError):
    """The output path is a file that must stay (an input, a stored blank, the cache) or not a regular file."""


class StreamBoundsError(FormError):
    """A PDF stream does not decode within the decompression bounds (the message says which), or at all."""
