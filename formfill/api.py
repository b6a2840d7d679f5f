"""The Python API. The CLI is a thin shell over these functions; pipelines may call them directly.

    import formfill
    result = formfill.fill("client.json", form="i-131.pdf", output="client-i131.pdf")
    result.verification.ok   # True: every value was read back from the written file

Every fill is verified before it is delivered: a PDF that does not read back as planned is never
written to its destination.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import stat
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from formfill import layout, loading
from formfill.blanks import expectations, load_blank
from formfill.errors import (
    FormfillError,
    InputError,
    OutputExistsError,
    PackageError,
    Problem,
    ProfileError,
    VerificationError,
)
from formfill.fieldmap import Assignment, FieldMap, for_form, resolve, skip_notes
from formfill.forms import find_blank, open_blank
from formfill.layout import Plan
from formfill.loading import ProfileSource, load_profile
from formfill.pdf.blank import MAX_BLANK_BYTES, BlankForm
from formfill.pdf.verify import Verification, verify_bytes
from formfill.pdf.writer import fill_bytes, sheet_content
from formfill.profile import Profile


@dataclass
class FillResult:
    """What a fill produced. `data` is the verified PDF; `output` where it was written, if anywhere."""

    profile_id: str | None
    source: str
    form: str
    edition: str
    blank: str
    data: bytes
    verification: Verification
    output: Path | None = None
    values_written: int = 0
    part13_entries: int = 0
    continuation_sheets: int = 0
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.verification.ok,
            "id": self.profile_id,
            "input": self.source,
            "output": str(self.output) if self.output else None,
            "form": self.form,
            "edition": self.edition,
            "blank": self.blank,
            "values_written": self.values_written,
            "part13_entries": self.part13_entries,
            "continuation_sheets": self.continuation_sheets,
            "bytes": len(self.data),
            "verification": self.verification.to_dict(),
            "notes": self.notes,
        }


def validate(source: ProfileSource) -> list[Problem]:
    """Every problem with a profile (empty when it is valid). Unreadable files raise InputError."""
    try:
        load_profile(source)
    except ProfileError as err:
        return err.problems
    return []


def prepare(profile: Profile, blank: BlankForm) -> tuple[FieldMap, Plan]:
    """Map a profile onto a blank and lay out every value (no I/O): the plan a fill writes."""
    fmap = for_form(blank)
    data = profile.model_dump()
    assignments: list[Assignment] = resolve(fmap, data, blank)
    return fmap, layout.plan(blank, fmap, assignments, data)


def render(blank: BlankForm, the_plan: Plan) -> tuple[bytes, list[list[str]]]:
    """The filled PDF bytes for a plan, and the text of its continuation sheets."""
    pages = layout.sheets(the_plan)
    data = fill_bytes(blank, the_plan.field_values(), [sheet_content(body, header) for header, body in pages])
    return data, [header + body for header, body in pages]


def read_back(
    data: bytes, fmap: FieldMap, the_plan: Plan, blank: BlankForm, sheets: list[list[str]], printed: bool = False
) -> Verification:
    """Read a written file back: fields and sheets with pdfplumber, and with pdfium what prints."""
    result = verify_bytes(data, the_plan.field_values(), expectations(fmap), sheets, fmap.pages, blank)
    if printed:
        from formfill.pdf.printed import verify_printed

        result = verify_printed(data, blank, the_plan.field_values(), result)
    return result


def fill(
    profile: ProfileSource,
    form: str | os.PathLike[str] | BlankForm | None = None,
    output: str | os.PathLike[str] | None = None,
    overwrite: bool = False,
    *,
    printed: bool = False,
    flatten: bool = False,
    check_package: bool = False,
    attachments_root: str | os.PathLike[str] | None = None,
    protect: Mapping[Identity, str] | None = None,
    filing_date: dt.date | None = None,
) -> FillResult:
    """Fill the I-131 for one profile, verify it by reading it back, and write it if `output` is given.

    `printed` also renders the pages with pdfium and checks every value is visible inside its box;
    `flatten` delivers a non-editable copy (the editable fill is verified first); `check_package`
    refuses to fill when the package check (formfill.checks.package) finds anything required missing,
    for `filing_date` (the postmark date; default today) and this blank's edition.
    The output is never one of the inputs (the profile file, the blank, an attachment, or a file in
    `protect`, see `identities`) nor anything but a regular file, even with `overwrite` (UnsafeOutputError,
    exit code 2).
    """
    loaded = load_profile(profile)
    # A named blank is opened first so the package check judges its edition; the default one is only looked
    # for (perhaps downloaded) once the package passes.
    blank = None if form is None else form if isinstance(form, BlankForm) else open_blank(find_blank(Path(form)))
    if check_package:
        from formfill.checks.package import check_package as run_check

        root = Path(attachments_root) if attachments_root is not None else None
        report = run_check(loaded.profile, base_dir=loaded.base_dir, attachments_root=root, form=blank,
                           filing_date=filing_date)
        if not report.ok:
            raise PackageError(f"{loaded.source}: the filing package is not complete; nothing was filled",
                               report.problems())
    if blank is None:
        blank = open_blank(find_blank(None))
    out_path = Path(output) if output is not None and str(output) != "-" else None
    inputs = {**identities(_input_files(profile, loaded, blank)), **(protect or {})} if out_path else {}
    if out_path is not None:
        check_output(out_path, inputs)
        if out_path.exists() and not overwrite:
            raise OutputExistsError(f"{out_path} already exists; pass --overwrite to replace it")
    fmap, the_plan = prepare(loaded.profile, blank)
    data, sheets = render(blank, the_plan)
    verification = read_back(data, fmap, the_plan, blank, sheets, printed)
    if not verification.ok:
        raise VerificationError(
            f"{loaded.source}: the written form does not read back as planned; nothing was saved", verification.problems
        )
    result = FillResult(
        profile_id=loaded.profile.id,
        source=loaded.source,
        form=blank.form,
        edition=blank.edition,
        blank=blank.source,
        data=data,
        verification=verification,
        values_written=len(the_plan.placed),
        part13_entries=len(the_plan.continued),
        continuation_sheets=len(sheets),
        notes=list(blank.notes) + list(loaded.notes) + [str(n) for n in skip_notes(fmap, loaded.profile.model_dump())]
              + ([] if check_package else _eligibility_notes(loaded.profile)),
    )
    if flatten:
        from formfill.pdf.printed import flatten as flatten_pdf
        from formfill.pdf.printed import printed_problems

        flat = flatten_pdf(data)
        problems = printed_problems(flat, blank, the_plan.field_values())
        if problems:
            raise VerificationError(
                f"{loaded.source}: the flattened copy does not print every value; nothing was saved", problems
            )
        result.data = flat
    result.notes.extend(the_plan.notes)  # what the layout shortened (Part 13's header)
    if out_path is not None:
        write_atomic(out_path, result.data, overwrite, inputs)
        result.output = out_path
    return result


def _eligibility_notes(profile: Profile) -> list[str]:
    """A plain fill does not refuse for eligibility (the package rules govern it) but says what they find."""
    try:
        from formfill.checks.package import eligibility_notes
    except ImportError:  # an installation without the package checks
        return []
    return eligibility_notes(profile)


def verify(
    pdf: str | os.PathLike[str] | bytes, profile: ProfileSource, *, printed: bool = False, name: str | None = None
) -> Verification:
    """Check any filled I-131 against a profile, exactly as every fill checks itself (`name`: what to call
    `pdf` given as bytes in a message)."""
    if isinstance(pdf, bytes):
        data, name = pdf, name or "<bytes>"
    else:
        name = str(pdf)
        try:
            with Path(pdf).open("rb") as fh:
                data = fh.read(MAX_BLANK_BYTES + 1)  # load_blank refuses anything larger
        except OSError as err:
            raise InputError(f"{name}: cannot be read ({err.strerror or err})") from None
    loaded = load_profile(profile)
    filled = load_blank(data, name, use_cache=False, pristine=False)  # a client's file: not a blank, not cached
    fmap, the_plan = prepare(loaded.profile, filled)
    sheets = [header + body for header, body in layout.sheets(the_plan)]
    # Everything not planned must read as the pristine blank's defaults (from the field map).
    result = verify_bytes(data, the_plan.field_values(), expectations(fmap), sheets, fmap.pages, source=name)
    if printed:
        from formfill.pdf.printed import verify_printed

        result = verify_printed(data, filled, the_plan.field_values(), result)
    return result


class UnsafeOutputError(InputError):
    """The output path is an input (the profile, the blank, an attachment, a rules file) or not a regular file."""


PART_SUFFIX = ".part"
"""Temporary files are `.<output name>.<pid>.<random>.part`: hidden, never named like an output, and
the pid says whether the process writing it is still alive (formfill.batch removes dead ones)."""


Identity = tuple[int, int]
"""(st_dev, st_ino): one file, whatever name, symlink or hard link reaches it."""


def identities(files: Iterable[tuple[str | os.PathLike[str], str]]) -> dict[Identity, str]:
    """The identity of each existing file (symlinks followed) with how to name it in a message."""
    found: dict[Identity, str] = {}
    for path, what in files:
        try:
            st = os.stat(path)
        except (OSError, ValueError):
            continue  # not there (or not a path): nothing to protect
        found.setdefault((st.st_dev, st.st_ino), what)
    return found


def _input_files(source: ProfileSource, loaded: loading.LoadedProfile, blank: BlankForm) -> list[tuple[str, str]]:
    """The files a fill reads, which its output must never replace: profile, blank and attachments."""
    files = [(blank.source, f"the blank form {blank.source}")]
    if isinstance(source, str | os.PathLike) and str(source) != "-":
        files.append((os.fspath(source), f"the profile {os.fspath(source)}"))
    elif isinstance(source, loading.LoadedProfile) and not source.source.startswith("<"):
        files.append((source.source, f"the profile {source.source}"))
    files += [(str(loaded.base_dir / a.path), f"the attachment {a.path}") for a in loaded.profile.attachments]
    return files


def check_output(path: Path, protected: Mapping[Identity, str] | None = None) -> None:
    """Refuse, even with --overwrite, an output that is not a regular file or that is one of the inputs.

    Symlinks and hard links count: the test is the file's identity (device and inode) after following
    links. A folder, a device (/dev/null, /dev/stdout), a FIFO or a socket is never written through;
    `-o -` is how to write to standard output.
    """
    try:
        st = os.stat(path)
    except ValueError:
        raise InputError(f"cannot write {str(path)!r}: the path contains a NUL byte") from None
    except OSError:
        return  # not there (or not reachable): writing it says why, if it fails

    if stat.S_ISDIR(st.st_mode):
        raise UnsafeOutputError(f"{path} is a folder; give a file name for the PDF")
    if not stat.S_ISREG(st.st_mode):
        raise UnsafeOutputError(
            f"{path} is not a regular file (a device, FIFO or socket); formfill writes only to regular files "
            "(use -o - for standard output)"
        )
    what = (protected or {}).get((st.st_dev, st.st_ino))
    if what is not None:
        raise UnsafeOutputError(f"{path} is {what}; refusing to write the PDF over an input, even with --overwrite")


def write_atomic(path: Path, data: bytes, overwrite: bool, protected: Mapping[Identity, str] | None = None) -> None:
    """Write via a private temporary file in the same folder; never leave a half-written PDF behind.

    The temporary file is mode 0600 from its first byte (mkstemp) and gets the usual permissions
    (0666 less the umask) only once complete, just before it takes the output's name. It is removed
    on every way out Python controls (errors, Ctrl-C, SIGTERM turned into an exception by the CLI).
    """
    check_output(path, protected)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{os.getpid()}.", suffix=PART_SUFFIX)
    except OSError as err:
        raise InputError(f"cannot write {path}: {_reason(err)}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
            os.fchmod(fh.fileno(), 0o666 & ~_umask())
        check_output(path, protected)  # again, just before the name is taken: the path may have changed
        if overwrite:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)  # fails if the file appeared meanwhile: never clobber
            except FileExistsError:
                raise OutputExistsError(f"{path} already exists; pass --overwrite to replace it") from None
            except OSError:
                if os.path.lexists(path):
                    raise OutputExistsError(f"{path} already exists; pass --overwrite to replace it") from None
                os.replace(tmp, path)
    except OSError as err:
        raise InputError(f"cannot write {path}: {_reason(err)}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _reason(err: OSError) -> str:
    """The plain-words part of an OSError ("No space left on device"), without a traceback."""
    if isinstance(err, NotADirectoryError | FileExistsError) and err.filename:
        return f"{err.filename} is a file, not a folder"
    return err.strerror or str(err)


__all__ = [
    "FillResult", "FormfillError", "UnsafeOutputError", "check_output", "fill", "identities", "load_profile",
    "validate", "verify", "write_atomic",
]
