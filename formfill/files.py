"""Files at the trust boundary: the one bounded reader, the one output check and the one atomic writer.

Every file formfill reads because a user named it (a profile, a blank, a filled PDF) goes through
`read_bounded`: it never waits on a FIFO and never reads more than its bound. Every file formfill
writes (PDFs, reviews, extracted profiles, stored blanks, cache entries) goes through `write_atomic`:
a private `.part` file renamed into place, after `check_output` has made sure the name is a regular
file (or new) and none of the files that must stay. Files are compared by identity (device and inode,
links followed), so a symlink or a hard link to a protected file is that file.

This module knows files only: which files must stay is the caller's to say (`formfill.api.guard_output`
assembles it for every command).
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from formfill.errors import InputError, OutputExistsError, TooLargeError, UnsafeOutputError

Identity = tuple[int, int]
"""(st_dev, st_ino): one file, whatever name, symlink or hard link reaches it."""

PART_SUFFIX = ".part"
"""Temporary files are `.<output name>.<pid>.<random>.part`: hidden, never named like an output, and
the pid says whether the process writing it is still alive (`part_owner`; formfill.batch removes dead ones)."""

NOT_REGULAR = "is not a regular file (a folder, a device or a pipe)"


def identity(path: str | os.PathLike[str]) -> Identity | None:
    """The file's identity after following links; None when there is no such file (or no such path)."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return st.st_dev, st.st_ino


def identities(files: Iterable[tuple[str | os.PathLike[str], str]]) -> dict[Identity, str]:
    """The identity of each existing file with how to name it in a message (the first name given wins)."""
    found: dict[Identity, str] = {}
    for path, what in files:
        ident = identity(path)
        if ident is not None:
            found.setdefault(ident, what)
    return found


def reason(err: OSError) -> str:
    """The plain-words part of an OSError ("No space left on device"), without a traceback."""
    if isinstance(err, NotADirectoryError | FileExistsError) and err.filename:
        return f"{err.filename} is a file, not a folder"
    if err.errno == errno.ELOOP:
        return "a symlink loop"
    return err.strerror or str(err)


# --- reading -----------------------------------------------------------------------------------------


def unreadable(path: Path) -> str | None:
    """Why `path` is not a regular file formfill can open, in words that follow its name ("is a symlink to
    /mnt/share/a.json, which does not exist", "cannot be read (a symlink loop)", NOT_REGULAR), or None."""
    try:
        st = path.stat()
    except (OSError, ValueError) as err:
        if isinstance(err, FileNotFoundError) and path.is_symlink():
            with contextlib.suppress(OSError):
                return f"is a symlink to {os.readlink(path)}, which does not exist"
        return f"cannot be read ({reason(err) if isinstance(err, OSError) else err})"
    return None if stat.S_ISREG(st.st_mode) else NOT_REGULAR


def read_within(
    path: str | os.PathLike[str],
    limit: int,
    *,
    regular_only: bool = True,
    nofollow: bool = False,
    refuse_larger: bool = False,
    inspect: Callable[[int], None] | None = None,
) -> bytes | None:
    """The one bounded read, with the OS's own errors (OSError, ValueError for a NUL byte) for the caller to word.

    Reads at most `limit + 1` bytes; with `refuse_larger` a larger file raises TooLargeError (unread when its size
    says so). With `regular_only` the open is non-blocking (a FIFO is never waited on) and anything but a
    regular file, as the open descriptor says, is None. `nofollow` refuses a last component that is a symlink
    (ELOOP); `inspect` sees the open descriptor before anything is read (and may raise to refuse it).
    """
    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
    if regular_only:
        flags |= getattr(os, "O_NONBLOCK", 0)
    if nofollow:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags)
    try:
        st = os.fstat(fd)
        if regular_only and not stat.S_ISREG(st.st_mode):
            os.close(fd)
            return None
        if inspect is not None:
            inspect(fd)
        if refuse_larger and stat.S_ISREG(st.st_mode) and st.st_size > limit:
            raise TooLargeError(st.st_size)
        fh = os.fdopen(fd, "rb")  # owns the descriptor from here on
    except BaseException:
        with contextlib.suppress(OSError):
            os.close(fd)
        raise
    with fh:
        data = fh.read(limit + 1)
    if refuse_larger and len(data) > limit:
        raise TooLargeError(len(data))
    return data


def read_bounded(
    path: str | os.PathLike[str],
    limit: int,
    *,
    name: str | None = None,
    regular_only: bool = True,
    error: type[InputError] = InputError,
    too_large: str | None = None,
) -> bytes:
    """At most `limit + 1` bytes of the file (so the caller can say "too large" in its own words), or,
    with `too_large` (the message), at most `limit`: a larger regular file is then refused unread.

    With `regular_only` (filled PDFs, blanks) anything but a regular file is refused up front: the
    open is non-blocking, so a FIFO is never waited on, and the type is checked on the open descriptor,
    so a file swapped for a FIFO or a device between a look and the read is refused all the same.
    Without it (profiles: `fill <(...)`, /dev/stdin) a pipe is read like a file, still within the bound.
    Every failure is `error` (an InputError, exit 2) naming the file as `name`.
    """
    name = name or os.fspath(path)
    try:
        data = read_within(path, limit, regular_only=regular_only, refuse_larger=too_large is not None)
    except FileNotFoundError:
        dangling = os.path.islink(path)
        raise error(f"{name}: {'a symlink to a file that does not exist' if dangling else 'no such file'}") \
            from None
    except ValueError:
        raise error(f"{name}: cannot be read (the path contains a NUL byte)") from None
    except TooLargeError:
        raise error(too_large or name) from None
    except OSError as err:
        raise error(f"{name}: cannot be read ({reason(err)})") from None
    if data is None:
        raise error(f"{name} {NOT_REGULAR}")
    return data


# --- writing -----------------------------------------------------------------------------------------


def check_output(
    path: Path, protected: Mapping[Identity, str] | None = None, *, what: str = "the output", hint: str = ""
) -> None:
    """Refuse, even with --overwrite, an output that is not a regular file or that is a protected file.

    `what` names the file being written ("the PDF", "the report"), `hint` what to do instead (for a device:
    `-o -` unless said otherwise). A folder,
    a device (/dev/null, /dev/stdout), a FIFO or a socket is never written through. A name that does
    not exist (or cannot be reached) passes: writing it says why, if it fails.
    """
    try:
        st = os.stat(path)
    except ValueError:
        raise InputError(f"cannot write {str(path)!r}: the path contains a NUL byte") from None
    except OSError:
        return
    tail = f"; {hint}" if hint else ""
    refusal = f"cannot write {what} {path}: it"
    if stat.S_ISDIR(st.st_mode):
        raise UnsafeOutputError(f"{refusal} is a folder, not a regular file{tail or '; give a file name'}")
    if not stat.S_ISREG(st.st_mode):
        raise UnsafeOutputError(
            f"{refusal} is not a regular file (a device, FIFO or socket); formfill writes only to regular files"
            + (tail or "; -o - writes to standard output")
        )
    thing = (protected or {}).get((st.st_dev, st.st_ino))
    if thing is not None:
        raise UnsafeOutputError(
            f"{refusal} is {thing}; writing there would replace the input, which formfill never does, even with "
            f"--overwrite{tail}"
        )


def write_atomic(
    path: Path,
    data: bytes,
    overwrite: bool,
    protected: Mapping[Identity, str] | None = None,
    *,
    what: str = "the output",
    hint: str = "",
) -> None:
    """Write via a private temporary file in the same folder; never leave a half-written file behind.

    The temporary file (`.<name>.<pid>.<random>.part`) is mode 0600 from its first byte (mkstemp) and
    gets the usual permissions (0666 less the umask) only once complete, just before it takes the
    output's name. It is removed on every way out Python controls (errors, Ctrl-C, SIGTERM turned into
    an exception by formfill.interrupts). `check_output` runs first and again just before the rename
    (the path may have changed meanwhile). Without `overwrite` the name is taken by a hard link, which
    fails if a file appeared meanwhile: an existing file is never clobbered.
    """
    check_output(path, protected, what=what, hint=hint)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{os.getpid()}.", suffix=PART_SUFFIX)
    except OSError as err:
        raise InputError(f"cannot write {path}: {reason(err)}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
            os.fchmod(fh.fileno(), 0o666 & ~_umask())
        check_output(path, protected, what=what, hint=hint)
        if overwrite:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)
            except FileExistsError:
                raise OutputExistsError(f"{path} already exists; pass --overwrite to replace it") from None
            except OSError:
                if os.path.lexists(path):
                    raise OutputExistsError(f"{path} already exists; pass --overwrite to replace it") from None
                os.replace(tmp, path)  # a file system without hard links
    except OSError as err:
        raise InputError(f"cannot write {path}: {reason(err)}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def write_folder_atomic(folder: Path, files: Mapping[str, bytes], replaceable: Iterable[str] = (), *,
                        overwrite: bool = False, what: str = "the folder") -> None:
    """Write every file of `files` into `folder`, all or none: they are written into a private temporary
    folder next to it (`.<name>.<pid>.<random>.part`), which then takes the folder's name.

    An existing `folder` is replaced only with `overwrite`, and only when it is empty or holds nothing but
    names in `replaceable` (what this command writes): a folder holding anything else (a profile, evidence) is
    never removed. A symlink, a file or a device at `folder` is refused (UnsafeOutputError).
    """
    try:
        st = os.lstat(folder)
    except FileNotFoundError:
        st = None
    except (OSError, ValueError) as err:
        raise InputError(f"cannot write {what} {folder}: {reason(err) if isinstance(err, OSError) else err}") \
            from None
    old: list[str] = []
    if st is not None:
        if not stat.S_ISDIR(st.st_mode):
            raise UnsafeOutputError(f"cannot write {what} {folder}: it exists and is not a folder")
        try:
            old = os.listdir(folder)
        except OSError as err:
            raise InputError(f"cannot write {what} {folder}: {reason(err)}") from None
        if old and not overwrite:
            raise OutputExistsError(f"{folder} already exists; pass --overwrite to replace it")
        strange = sorted(set(old) - set(replaceable))
        if strange:
            raise UnsafeOutputError(f"cannot write {what} {folder}: it holds files formfill did not write there "
                                    f"({', '.join(strange[:3])}{', ...' if len(strange) > 3 else ''}); formfill never "
                                    "removes them, even with --overwrite")
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.{os.getpid()}.", suffix=PART_SUFFIX))
    except OSError as err:
        raise InputError(f"cannot write {what} {folder}: {reason(err)}") from None
    trash: Path | None = None
    try:
        for name, data in files.items():
            with open(tmp / name, "xb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
                os.fchmod(fh.fileno(), 0o666 & ~_umask())
        os.chmod(tmp, 0o777 & ~_umask())
        if st is not None:
            trash = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.{os.getpid()}.old.",
                                          suffix=PART_SUFFIX))
            os.replace(folder, trash / "old")  # the old folder steps aside; put back if the rename fails
            try:
                os.rename(tmp, folder)
            except OSError:
                os.replace(trash / "old", folder)
                raise
        else:
            os.rename(tmp, folder)
    except OSError as err:
        raise InputError(f"cannot write {what} {folder}: {reason(err)}") from None
    finally:
        import shutil

        for leftover in (tmp, trash):
            if leftover is not None and leftover.exists():
                shutil.rmtree(leftover, ignore_errors=True)


def part_owner(name: str) -> tuple[str, int] | None:
    """(output name, pid of its writer) for a `write_atomic` temporary file name, else None."""
    if not (name.startswith(".") and name.endswith(PART_SUFFIX)):
        return None
    target = name[1 : -len(PART_SUFFIX)].rpartition(".")[0]  # less mkstemp's random part
    target, _, pid = target.rpartition(".")
    return (target, int(pid)) if target and pid.isdigit() else None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


__all__ = ["NOT_REGULAR", "PART_SUFFIX", "Identity", "check_output", "identities", "identity", "part_owner",
           "read_bounded", "reason", "unreadable", "write_atomic", "write_folder_atomic"]
