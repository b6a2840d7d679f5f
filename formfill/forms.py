"""Where the blank form comes from: --form, FORMFILL_FORMS_DIR, the per-user forms folder, or uscis.gov.

Blank forms are never bundled (they are USCIS's to publish and change). A user adds one with
`formfill forms add PATH` (the edition is checked before copying) or `formfill forms fetch`. When a
command needs a blank and none is found, formfill downloads the official one itself (FORMFILL_FORMS_URL
names a mirror), checks it exactly as `forms add` does (it goes through `add_form`) and keeps it in the
per-user forms folder, so a new user's first run needs nothing but network access. FORMFILL_OFFLINE=1
(or --offline) turns every download off; the message then says how to add the blank by hand.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit

from formfill.blanks import load_blank, read_blank
from formfill.errors import FormError, InputError
from formfill.fieldmap import all_maps, for_form, supported
from formfill.pdf.blank import BlankForm, read_file

USCIS_URL = "https://www.uscis.gov/sites/default/files/document/forms/i-131.pdf"
FETCH_TIMEOUT = 30.0  # seconds without a byte from the server; the whole download gets 10 times that
MAX_DOWNLOAD = 50 * 1024 * 1024  # the form is about 0.7 MB: a mirror sending more is refused, not stored
PROGRESS_AFTER = 1.0  # seconds before a download shows progress (on a terminal only)

Progress = Callable[[int, int | None], None]
_OFFLINE: ContextVar[bool] = ContextVar("formfill_offline", default=False)


def forms_url() -> str:
    """Where a missing blank is downloaded from: FORMFILL_FORMS_URL (a firm's mirror), else uscis.gov."""
    return os.environ.get("FORMFILL_FORMS_URL") or USCIS_URL


def fetch_timeout() -> float:
    raw = os.environ.get("FORMFILL_FETCH_TIMEOUT")
    if not raw:
        return FETCH_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if not 0 < value < float("inf"):
        raise InputError(f"FORMFILL_FETCH_TIMEOUT must be a number of seconds above 0 (got {raw!r})")
    return value


def is_offline() -> bool:
    """True under FORMFILL_OFFLINE (any value but 0/false/no/off) or inside `offline_mode()`."""
    flag = os.environ.get("FORMFILL_OFFLINE", "").strip().lower()
    return _OFFLINE.get() or flag not in {"", "0", "false", "no", "off"}


@contextlib.contextmanager
def offline_mode(on: bool = True) -> Iterator[None]:
    """Within this block nothing is downloaded (the CLI's --offline); it never turns offline mode off."""
    token = _OFFLINE.set(on or _OFFLINE.get())
    try:
        yield
    finally:
        _OFFLINE.reset(token)


def by_hand(url: str) -> str:
    """What a user does when formfill cannot download the blank itself."""
    return f"Download {url} by hand and run `formfill forms add PATH` (or pass --form PATH)."


def user_forms_dir() -> Path:
    base = os.environ.get("FORMFILL_HOME") or os.environ.get("XDG_DATA_HOME")
    root = Path(base) if base else Path.home() / ".local" / "share"
    return (root if os.environ.get("FORMFILL_HOME") else root / "formfill") / "forms"


def search_dirs(extra: list[Path] | None = None) -> list[Path]:
    dirs: list[Path] = []
    env = os.environ.get("FORMFILL_FORMS_DIR")
    if env:
        dirs.extend(Path(p) for p in env.split(os.pathsep) if p)
    dirs.append(user_forms_dir())
    dirs.extend(extra or [])
    return dirs


def find_blank(form: str | Path | None = None, extra_dirs: list[Path] | None = None) -> Path:
    """The blank to fill: --form if given, else the newest supported edition in the search folders."""
    if form is not None:
        p = Path(form)
        if not p.is_file():
            raise InputError(f"The blank form {p} does not exist")
        return p
    candidates: list[tuple[str, Path]] = []
    for pdf, found in scan(search_dirs(extra_dirs)):
        if isinstance(found, BlankForm):
            mm, dd, yy = found.edition.split("/")
            candidates.append((f"{yy}{mm}{dd}", pdf))
    if not candidates:
        if is_offline():
            where = ", ".join(str(d) for d in search_dirs(extra_dirs))
            raise InputError(
                f"No blank I-131 found and downloads are off (FORMFILL_OFFLINE or --offline). {by_hand(forms_url())} "
                f"Looked in: {where}. Supported: {'; '.join(supported())}."
            )
        url, timeout = forms_url(), fetch_timeout()
        _notice(f"formfill: no blank I-131 found; downloading it once from {url} into {user_forms_dir()}")
        return fetch_form(url, timeout, progress=TerminalProgress.for_stream(sys.stderr))
    return max(candidates)[1]


def scan(dirs: list[Path]) -> Iterator[tuple[Path, BlankForm | FormError]]:
    """Every PDF under `dirs`: the blank when it is a supported edition, else why it is not usable."""
    for d in dirs:
        if not d.is_dir():
            continue
        for pdf in sorted(d.rglob("*.pdf")):
            try:
                blank = open_blank(pdf)
                for_form(blank)
            except FormError as err:
                yield pdf, err
                continue
            yield pdf, blank


@cache
def _open_cached(path: str, mtime_ns: int, size: int) -> BlankForm:
    return read_blank(path)


def open_blank(path: str | Path) -> BlankForm:
    """Open and prepare a blank once per process (batch runs reuse it for every profile)."""
    p = Path(path)
    try:
        st = p.stat()
    except OSError as err:
        raise InputError(f"Cannot read the blank form {p}: {err.strerror or err}") from None
    return _open_cached(str(p.resolve()), st.st_mtime_ns, st.st_size)


def add_form(path: str | Path) -> Path:
    """Copy a blank into the user's forms folder after checking it is a supported edition.

    The file is read once: the bytes kept are the bytes checked (a file swapped meanwhile is never stored).
    """
    raw = read_file(path)
    fmap = for_form(load_blank(raw, str(path)))
    return _store(raw, fmap.edition)


def _store(data: bytes, edition: str) -> Path:
    """Keep a checked blank in the forms folder, atomically (an interrupted copy leaves no half PDF)."""
    dest = user_forms_dir() / f"i-131_{edition.replace('/', '-')}.pdf"
    try:
        if dest.is_file() and dest.read_bytes() == data:
            return dest
        dest.parent.mkdir(parents=True, exist_ok=True)
        # Hidden and never *.pdf, so a leftover of a killed copy is never taken for a blank.
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.{os.getpid()}.", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, dest)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
    except OSError as err:
        raise InputError(f"cannot store the blank in {dest.parent}: {err.strerror or err}") from None
    return dest


def fetch_form(url: str | None = None, timeout: float | None = None, *, progress: Progress | None = None) -> Path:
    """Download the blank, check it exactly as `forms add` does, and keep it in the per-user forms folder.

    The download lands in a private temporary folder and reaches the forms folder only through
    `add_form`, so a failure of any kind (network, size, not a PDF, cut off, another form or edition)
    leaves nothing behind.
    """
    url = url or forms_url()
    timeout = fetch_timeout() if timeout is None else timeout
    if is_offline():
        raise InputError(f"Downloads are off (FORMFILL_OFFLINE or --offline). {by_hand(url)}")
    with tempfile.TemporaryDirectory(prefix="formfill-download-") as tmp:
        part = Path(tmp) / "i-131.pdf"
        try:
            data = download(url, timeout, progress)
        finally:
            if isinstance(progress, TerminalProgress):
                progress.close()
        part.write_bytes(data)
        try:
            return add_form(part)
        except FormError as err:
            raise FormError(_refusal(err, part, url)) from None


def download(url: str, timeout: float, progress: Progress | None = None) -> bytes:
    """The bytes at `url`, bounded in size and time; a one-line InputError for every way it can fail."""
    import http.client
    import ssl
    import urllib.error
    import urllib.request

    from formfill.version import __version__

    scheme = urlsplit(url).scheme.lower()
    if scheme not in {"http", "https"} or not urlsplit(url).hostname:
        raise InputError(f"{url} is not a URL formfill can download from (it needs http:// or https://)")
    host = urlsplit(url).hostname
    request = urllib.request.Request(
        url, headers={"User-Agent": f"formfill/{__version__}", "Accept": "application/pdf"}
    )
    deadline = time.monotonic() + 10 * timeout
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            if urlsplit(resp.geturl()).scheme.lower() not in {"http", "https"}:
                raise InputError(f"{url} redirected to {resp.geturl()}, which formfill does not download from")
            kind = resp.headers.get_content_type()
            length = _content_length(resp.headers.get("Content-Length"))
            if length is not None and length > MAX_DOWNLOAD:
                raise InputError(_too_big(url))
            data = bytearray()
            while chunk := resp.read1(64 * 1024):  # what has arrived: keeps the deadline
                data += chunk
                if len(data) > MAX_DOWNLOAD:
                    raise InputError(_too_big(url))
                if time.monotonic() > deadline:
                    raise InputError(
                        f"Could not download the blank: {host} did not send it within {10 * timeout:g} s. "
                        + by_hand(url)
                    )
                if progress is not None:
                    progress(len(data), length)
    except urllib.error.HTTPError as err:
        raise InputError(
            f"Could not download the blank: {url} answered HTTP {err.code} {err.reason}. {by_hand(url)}"
        ) from None
    except (http.client.IncompleteRead, ConnectionResetError):
        raise InputError(_cut_off(url)) from None
    except (TimeoutError, urllib.error.URLError, http.client.HTTPException, OSError) as err:
        reason = getattr(err, "reason", err)
        if isinstance(err, TimeoutError) or isinstance(reason, TimeoutError):
            raise InputError(
                f"Could not download the blank: no answer from {host} within {timeout:g} s. {by_hand(url)}"
            ) from None
        if isinstance(reason, ssl.SSLError):  # not "offline": a proxy or a wrong certificate in the way
            raise InputError(
                f"Could not download the blank: the secure connection to {host} failed ({reason}). {by_hand(url)}"
            ) from None
        raise InputError(
            f"Could not download the blank from {host} ({reason}); this machine may be offline. {by_hand(url)}"
        ) from None
    if length is not None and len(data) < length:
        raise InputError(_cut_off(url))
    head = bytes(data[:1024]).lstrip()
    if not head.startswith(b"%PDF"):
        if kind in {"text/html", "application/xhtml+xml"} or head[:1] == b"<":
            raise InputError(
                f"{url} sent a web page, not the PDF (USCIS may have moved the form or refused the download). "
                + by_hand(url)
            )
        raise InputError(f"{url} did not send a PDF ({kind}). {by_hand(url)}")
    if b"%%EOF" not in data[-4096:]:
        raise InputError(_cut_off(url))
    return bytes(data)


def _content_length(raw: str | None) -> int | None:
    try:
        return int(raw) if raw is not None and int(raw) >= 0 else None
    except ValueError:
        return None


def _too_big(url: str) -> str:
    bound = f"{MAX_DOWNLOAD // 2**20} MB" if MAX_DOWNLOAD >= 2**20 else f"{MAX_DOWNLOAD // 1024} KB"
    return f"The download from {url} is larger than {bound}, far more than the form; refusing it."


def _cut_off(url: str) -> str:
    return f"The download from {url} was cut off before the end of the file; nothing was kept. {by_hand(url)}"


def _refusal(err: FormError, part: Path, url: str) -> str:
    """`forms add`'s refusal, naming the URL; an I-131 edition without a field map says USCIS moved on."""
    try:
        blank = load_blank(part.read_bytes(), url)
    except (FormError, OSError):
        blank = None
    if blank is not None and blank.form == "I-131" and blank.edition and ("I-131", blank.edition) not in all_maps():
        ours = ", ".join(sorted(edition for form, edition in all_maps() if form == "I-131")) or "none"
        return (
            f"USCIS has published edition {blank.edition} of Form I-131 ({url}); this formfill supports {ours}. "
            "Update formfill, or add a supported edition with `formfill forms add PATH`."
        )
    return err.message.replace(str(part), url)


def _notice(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


class TerminalProgress:
    """`downloading: 0.4 of 0.7 MB`, redrawn in place on stderr once a download takes over a second."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.start = time.monotonic()
        self.drawn = False

    @classmethod
    def for_stream(cls, stream: TextIO) -> TerminalProgress | None:
        """A progress line only where a person watches (a terminal); logs stay one line."""
        try:
            return cls(stream) if stream.isatty() else None
        except (AttributeError, ValueError):
            return None

    def __call__(self, done: int, total: int | None) -> None:
        if time.monotonic() - self.start < PROGRESS_AFTER:
            return
        of = f" of {total / 2**20:.1f}" if total else ""
        self.stream.write(f"\r  downloading: {done / 2**20:.1f}{of} MB")
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()
            self.drawn = False
