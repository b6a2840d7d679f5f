"""The attached files as files: read within a bound, sniffed by their bytes, opened as PDFs or images.

Nothing here trusts a name: the type is what the bytes say, the file is opened once without following a last
symlink, and with an attachments root the file actually opened must lie inside it. A file's content is never
echoed in a message (it may be anything).
"""

from __future__ import annotations

import errno
import io
import logging
import os
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from formfill.checks.checker import Checker
from formfill.checks.report import AttachmentResult
from formfill.checks.rulesfile import FileType, Severity
from formfill.errors import OutsideRootError, TooLargeError
from formfill.files import NOT_REGULAR, read_within

_EXTENSIONS: dict[str, FileType] = {
    ".pdf": "pdf", ".jpg": "jpeg", ".jpeg": "jpeg", ".jpe": "jpeg", ".png": "png", ".tif": "tiff", ".tiff": "tiff",
}
_TYPE_NAMES = {"pdf": "a PDF", "jpeg": "a JPEG image", "png": "a PNG image", "tiff": "a TIFF image"}


def sniff(head: bytes) -> FileType | None:
    """What the bytes say the file is; the name's extension is never trusted."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "tiff"
    if b"%PDF-" in head[:1024]:  # the PDF spec tolerates junk before the header
        return "pdf"
    return None


def _describe_unknown(data: bytes) -> str:
    """What an unrecognised file is, by type and size only: its content is never echoed (it may be anything)."""
    sample = data[:512]
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError as err:
        text = sample[: err.start].decode("utf-8") if err.start >= len(sample) - 3 else ""  # a cut character
    is_text = bool(text) and all(c.isprintable() or c in "\r\n\t" for c in text)
    return f"{'plain text' if is_text else 'unrecognised content'}, {len(data):,} bytes"


# Every way a filesystem call on a path taken from a profile can fail: OSError (missing, permission,
# ELOOP, ...), ValueError (a NUL byte in the path), RuntimeError (Path.resolve on a symlink loop, Python < 3.13).
_FS_ERRORS = (OSError, ValueError, RuntimeError)


def _fs_reason(err: BaseException) -> str:
    """Why a filesystem call failed, in words a paralegal can act on."""
    if isinstance(err, RuntimeError) or (isinstance(err, OSError) and err.errno == errno.ELOOP):
        return "symlink loop"
    if isinstance(err, ValueError):
        return "the path contains a NUL byte" if "null" in str(err).lower() else f"invalid path ({err})"
    if isinstance(err, OSError):
        return err.strerror or str(err)
    return str(err)  # pragma: no cover - only the _FS_ERRORS types reach here


MAX_ATTACHMENT_BYTES = 256 * 1024 * 1024
"""Larger than any evidence scan; a bigger file is refused unread (bounded memory)."""


def _opened_path(fd: int, real: Path) -> Path:
    """Where the open descriptor's file really is: the kernel's own answer on Linux (/proc/self/fd).

    Elsewhere, the resolved path is trusted only when it still names the very file that was opened.
    """
    try:
        return Path(os.readlink(f"/proc/self/fd/{fd}"))
    except OSError:
        st, now = os.fstat(fd), os.stat(real)
        if (st.st_dev, st.st_ino) != (now.st_dev, now.st_ino):
            raise OutsideRootError(f"{real} (changed while it was being opened)") from None
        return real


def _inside(root: Path, real: Path) -> Callable[[int], None]:
    """Refuses an open descriptor whose file (not its name) lies outside `root`."""

    def inspect(fd: int) -> None:
        opened = _opened_path(fd, real)
        if not opened.is_relative_to(root):
            raise OutsideRootError(str(opened))

    return inspect


def _read_regular(real: Path, root: Path | None = None) -> bytes | None:
    """The bytes of the regular file at the resolved path `real`, or None when it is not a regular file.

    Raises the _FS_ERRORS, OutsideRootError and TooLargeError. The file is opened once (formfill.files.read_within) and
    everything is checked on that descriptor, so it cannot be swapped between check and read: O_NOFOLLOW
    refuses a last component turned into a symlink, fstat says it is a regular file, and with a `root` the
    path of the opened file itself (not of the name) must lie inside the root. A FIFO or a device is never
    opened at all (stat first: opening some devices has effects); the open is non-blocking anyway.
    """
    if not stat.S_ISREG(os.stat(real).st_mode):
        return None
    return read_within(real, MAX_ATTACHMENT_BYTES, nofollow=True, refuse_larger=True,
                       inspect=_inside(root, real) if root is not None else None)


@contextmanager
def _quiet_pypdf() -> Iterator[None]:
    """pypdf logs every repair it makes; the report already says what matters."""
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _check_pdf(data: bytes) -> tuple[int | None, list[tuple[str, Severity, str]]]:
    from pypdf import PdfReader

    problems: list[tuple[str, Severity, str]] = []
    try:
        with _quiet_pypdf():
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted:
                if not reader.decrypt(""):
                    return None, [("pdf_encrypted", "error",
                                   "password-protected PDF: USCIS cannot open it; attach an unprotected copy")]
                problems.append(("pdf_encrypted", "warning",
                                 "encrypted PDF (opens without a password, but online filing may reject it)"))
            pages = len(reader.pages)
            for page in reader.pages:
                _ = page.mediabox
    except Exception as err:  # pypdf raises many types on damaged files; all mean "cannot be opened"
        # The exception's type only: its text can quote bytes of the file, which is never echoed.
        return None, [("pdf_corrupt", "error", f"cannot be opened as a PDF (damaged: {type(err).__name__})")]
    if pages == 0:
        problems.append(("pdf_empty", "error", "the PDF has no pages"))
    return pages, problems


def _check_image(data: bytes) -> tuple[str | None, list[tuple[str, Severity, str]]]:
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as img:
            img.verify()
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            return f"{img.width}x{img.height} px", []
    except Exception as err:  # Pillow raises many types on damaged files
        return None, [("image_corrupt", "error", f"cannot be opened as an image (damaged: {type(err).__name__})")]


def check_files(c: Checker) -> None:
    seen: dict[tuple[str, str], str] = {}
    root: Path | None = None
    if c.root is not None:
        try:
            root = c.root.resolve()
        except _FS_ERRORS as err:
            # Without a root to compare with, no attachment can be shown to be inside it: open none.
            c.add("attachments_root_unreadable", "error",
                  f"the attachments root {c.root} cannot be resolved ({_fs_reason(err)}); "
                  "no attachment was opened", where="attachments")
            c.attachments.extend(AttachmentResult(index=i, kind=kind, path=path, resolved=None)
                             for i, (kind, path) in enumerate(c.attached()))
            return
    for i, (kind, path) in enumerate(c.attached()):
        res = AttachmentResult(index=i, kind=kind, path=path, resolved=None)
        c.attachments.append(res)
        where = f"attachments[{i}]"
        raw = Path(path)
        full = raw if raw.is_absolute() else c.base_dir / raw
        try:
            real = full.resolve()
        except _FS_ERRORS as err:
            c.add("file_unreadable", "error", f"cannot be read ({_fs_reason(err)})", path=path, where=where)
            continue
        res.resolved = str(real)
        if root is not None and not real.is_relative_to(root):
            c.add("outside_attachments_root", "error",
                  f"resolves to {real}, outside the attachments root {c.root}; it was not opened",
                  path=path, where=where)
            continue
        key = (kind, str(real))
        if key in seen:
            c.add("duplicate_attachment", "warning",
                  f"the same file is already attached as {kind} ({seen[key]}); it counts once",
                  path=path, where=where)
            continue
        seen[key] = path
        check_file(c, res, full, where, real, root)


def check_file(c: Checker, res: AttachmentResult, full: Path, where: str, real: Path, root: Path | None) -> None:
    def bad(code: str, message: str, severity: Severity = "error") -> None:
        c.add(code, severity, message, path=res.path, where=where)

    try:
        data = _read_regular(real, root)
    except OutsideRootError as err:
        bad("outside_attachments_root", f"the file opened is {err.where}, outside the attachments root "
            f"{c.root} (the path changed after it was checked); it was not read")
        return
    except TooLargeError as err:
        bad("file_too_large", f"{err.size:,} bytes, more than the {MAX_ATTACHMENT_BYTES // 2**20} MB formfill "
            "checks; split or compress it")
        return
    except FileNotFoundError:
        bad("file_missing", f"no such file ({full})")
        return
    except OSError as err:
        if err.errno != errno.ELOOP:
            bad("file_unreadable", f"cannot be read ({_fs_reason(err)})")
            return
        bad("file_unreadable", "cannot be read: it is now a symlink (it changed after it was checked); "
            "it was not read")
        return
    except _FS_ERRORS as err:
        bad("file_unreadable", f"cannot be read ({_fs_reason(err)})")
        return
    if data is None:
        bad("file_unreadable", NOT_REGULAR)
        return
    if not data:
        bad("file_empty", "the file is empty")
        return
    if c.keep_files:
        c.file_bytes[res.index] = data  # the assembly prints the very bytes checked, never the path again
    kind = sniff(data[:1024])
    if kind is None:
        bad("file_type_unknown", f"is not a PDF, JPEG, PNG or TIFF file ({_describe_unknown(data)})")
        return
    res.file_type = kind
    named = _EXTENSIONS.get(full.suffix.lower())
    usable = True
    if named is not None and named != kind:
        bad("file_type_mismatch", f"is named {full.suffix} but its content is {_TYPE_NAMES[kind]}; rename it "
            f"or convert it")
        usable = False
    accepted = c.rules.accepted_types.by_kind.get(res.kind, c.rules.accepted_types.default)
    if kind not in accepted:
        names = ", ".join(t.upper() for t in accepted)
        bad("file_type_not_accepted", f"a {res.kind} must be {names}; this file is {_TYPE_NAMES[kind]}")
        usable = False
    checks: list[tuple[str, Severity, str]]
    if kind == "pdf":
        res.pages, checks = _check_pdf(data)
        if res.pages is not None:
            res.detail = f"PDF, {res.pages} page{'s' if res.pages != 1 else ''}"
    else:
        size, checks = _check_image(data)
        res.detail = f"{kind.upper()} image" + (f", {size}" if size else "")
    for code, severity, message in checks:
        bad(code, message, severity)
        usable = usable and severity != "error"
    res.usable = usable
    if res.kind in c.rules.photo_kinds and (usable or kind != "pdf"):
        c.photo_bytes[res.index] = data  # the photo checks and a review's thumbnail read these, never the path
