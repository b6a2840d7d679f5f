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
import logging
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, TextIO
from urllib.parse import urlsplit

from formfill import blank_index
from formfill.blanks import load_blank, read_blank
from formfill.errors import DeadlineExceeded, FormError, InputError, Problem
from formfill.fieldmap import all_maps, for_form, supported, the_forms
from formfill.files import Identity, identities, read_bounded, unreadable, write_atomic
from formfill.formpackage import FormPackage, all_packages, default_package, edition_marks, package_for
from formfill.pdf.blank import BlankForm, cache_files, read_file

if TYPE_CHECKING:  # imported when a download happens: a plain fill never pays for http, ssl and urllib
    import http.client

    from formfill.fetch import Deadline

FETCH_TIMEOUT = 30.0  # seconds without a byte from the server; the whole download gets 10 times that
MAX_DOWNLOAD = 50 * 1024 * 1024  # the form is about 0.7 MB: a mirror sending more is refused, not stored
MAX_REDIRECTS = 5  # uscis.gov answers directly; a chain longer than this is a misconfigured or hostile server
PROGRESS_AFTER = 1.0  # seconds before a download shows progress (on a terminal only)

Progress = Callable[[int, int | None], None]
_OFFLINE: ContextVar[bool] = ContextVar("formfill_offline", default=False)


def forms_url(form: str | None = None) -> str:
    """Where a missing blank is downloaded from: FORMFILL_FORMS_URL (a firm's mirror), else where its package
    says the publisher has it."""
    return os.environ.get("FORMFILL_FORMS_URL") or _package(form).spec.blank_url


def _package(form: str | None) -> FormPackage:
    """The package of `form` (a form number), or the default one."""
    pkg = default_package() if form is None else package_for(form)
    if pkg is None:
        raise FormError(f"formfill has no form package for Form {form}; it fills {the_forms()}")
    return pkg


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


def find_blank(form: str | Path | None = None, extra_dirs: list[Path] | None = None, *,
               form_number: str | None = None) -> Path:
    """The blank to fill: --form if given, else the newest supported edition of the form (`form_number`,
    default the default package's) in the search folders."""
    if form is not None:
        p = Path(form)
        if not p.is_file():
            raise InputError(f"The blank form {p} does not exist")
        return p
    pkg = _package(form_number)
    pdfs: list[Path] = []
    for d in search_dirs(extra_dirs):
        if not d.is_dir():
            continue
        for pdf in sorted(d.rglob("*.pdf")):
            why = unreadable(pdf)
            if why is not None:  # said, never silently passed over
                _notice(f"formfill: warning: {pdf} {why}; skipped (not a usable blank)")
                continue
            pdfs.append(pdf)
    chosen = newest_blank(pdfs, pkg.form)
    if chosen is None:
        if is_offline():
            where = ", ".join(str(d) for d in search_dirs(extra_dirs))
            raise InputError(
                f"No blank {pkg.form} found and downloads are off (FORMFILL_OFFLINE or --offline). "
                f"{by_hand(forms_url(pkg.form))} "
                f"Looked in: {where}. Supported: {'; '.join(supported())}."
            )
        url, timeout = forms_url(pkg.form), fetch_timeout()
        _notice(f"formfill: no blank {pkg.form} found; downloading it once from {url} into {user_forms_dir()}")
        return fetch_form(url, timeout, progress=TerminalProgress.for_stream(sys.stderr))
    return chosen


def newest_blank(pdfs: list[Path], form: str) -> Path | None:
    """The newest edition of `form` formfill fills among `pdfs`, opening only the one it picks (the forms index
    says which file is which); a pick whose digest is not the index's is read again and the choice made anew."""
    stamp = index_stamp()
    entries = blank_index.classify(pdfs, _identify, stamp, _index_protected)
    fillable = {e for (f, e), m in all_maps().items() if f == form and m.status != "draft"}
    rejected: set[Path] = set()
    while True:
        ranked = sorted(((_edition_order(e.edition) or (0, 0, 0), pdf) for pdf, e in entries.items()
                         if e.form == form and e.edition in fillable and pdf not in rejected), reverse=True)
        if not ranked:
            return None
        pdf = ranked[0][1]
        try:
            blank = open_blank(pdf)
        except (FormError, InputError):
            rejected.add(pdf)
            continue
        entry = entries[pdf]
        if blank.sha256 != entry.sha256:  # changed behind an unchanged size and mtime: read again, never trusted
            entries[pdf] = blank_index.Entry(entry.size, entry.mtime_ns, blank.sha256, blank.form, blank.edition)
            blank_index.record(pdf, entries[pdf], stamp, _index_protected())
            continue
        try:
            for_form(blank)
        except FormError:
            rejected.add(pdf)
            continue
        return pdf


def index_stamp() -> str:
    """What the forms index's identifications depend on (the packages' edition marks, formfill's version)."""
    from formfill.version import __version__

    return blank_index.fingerprint(edition_marks(), __version__)


def _identify(pdf: Path) -> tuple[str | None, str, str]:
    try:
        blank = open_blank(pdf)
    except (FormError, InputError):
        return None, "", ""
    return blank.sha256, blank.form, blank.edition


def _index_protected() -> dict[Identity, str]:
    """What writing the forms index must never replace: every other file formfill keeps."""
    index = blank_index.index_path()
    return identities([(p, what) for p, what in kept_files() if p != index])


def scan(dirs: list[Path]) -> Iterator[tuple[Path, BlankForm | FormError]]:
    """Every PDF under `dirs`: the blank when it is a supported edition, else why it is not usable.

    A name that cannot be read at all (a dangling symlink, a symlink loop, a FIFO) is not usable either,
    with the problem code `unreadable`; it never stops the scan, so the real blank next to it is found.
    """
    for d in dirs:
        if not d.is_dir():
            continue
        for pdf in sorted(d.rglob("*.pdf")):
            why = unreadable(pdf)
            if why is not None:
                yield pdf, FormError(f"{pdf} {why}", [Problem("", why, UNREADABLE)])
                continue
            try:
                blank = open_blank(pdf)
                for_form(blank)
            except FormError as err:
                yield pdf, err
                continue
            except InputError as err:  # it vanished since it was looked at
                yield pdf, FormError(err.message, [Problem("", err.message, UNREADABLE)])
                continue
            yield pdf, blank


UNREADABLE = "unreadable"
"""The problem code of a forms-folder entry that cannot be read at all (see `scan`)."""


def kept_files() -> list[tuple[Path, str]]:
    """Every file formfill keeps and reads on its own, with how to name it: the stored blanks in every
    forms folder, the cache entries, the field maps, the rules files and the profile models of the form
    packages. No output ever replaces one (formfill.api.guard_output), even with --overwrite."""
    files: list[tuple[Path, str]] = []
    for d in search_dirs():
        with contextlib.suppress(OSError):
            files += [(p, f"the blank form {p}, kept in a forms folder") for p in sorted(d.rglob("*.pdf"))]
    files += [(p, f"the cache entry {p}") for p in cache_files()]
    index = blank_index.index_path()
    if os.path.lexists(index):
        files.append((index, f"the forms index {index}"))
    for pkg in all_packages():  # each form package's spec, field maps, rules files and profile model
        named = {**{p: "the field map" for p in [*pkg.fill_maps.values(), *pkg.read_maps.values()]},
                 **{p: "the rules file" for p in (pkg.rules, pkg.package_rules) if p is not None}}
        with contextlib.suppress(OSError):
            files += [(p, f"{named.get(p, 'the form package file')} {p}") for p in sorted(pkg.root.glob("*.json"))]
        model = pkg.spec.model.partition(":")[0]
        if model.endswith(".py"):
            files.append((pkg.root / model, f"the profile model {pkg.root / model}"))
    checks = resources.files("formfill.checks")
    files += [(Path(str(checks / name)), f"formfill's rules file {name}") for name in RULES_FILES]
    return files


RULES_FILES = ("photo_spec.json",)
"""The rules formfill.checks reads itself (the passport photo specification); a form's rules are in its package."""


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
    """Keep a blank in the user's forms folder after checking it is a supported edition.

    The file is read once, and what is kept is the cleaned copy preparation made of exactly those
    bytes (a file swapped meanwhile is never stored): decrypted, without XFA, scripts or actions,
    so no file formfill puts in the forms folder carries a script, whatever the source carried.
    """
    raw = read_file(path)
    blank = load_blank(raw, str(path))
    fmap = for_form(blank)
    return _store(blank.data, fmap.package.spec.blank_file.format(edition=fmap.edition.replace("/", "-")), Path(path))


def _store(data: bytes, name: str, source: Path) -> Path:
    """Keep a checked blank in the forms folder, atomically (an interrupted copy leaves no half PDF).

    The copy replaces the stored blank of its edition, and nothing else: not the file being added, another
    stored blank, the cache, a field map or a rules file, also through a link.
    """
    dest = user_forms_dir() / name
    if unreadable(dest) is None and read_bounded(dest, len(data)) == data:
        return dest
    kept = [(p, what) for p, what in kept_files() if p != dest]
    protected = identities([(source, f"the file being added, {source}"), *kept])
    # Hidden and never *.pdf (write_atomic's .part file), so a leftover of a killed copy is never taken for a blank.
    write_atomic(dest, data, overwrite=True, protected=protected, what="the blank",
                 hint=f"remove {dest} by hand if it should be replaced")
    return dest


def fetch_form(url: str | None = None, timeout: float | None = None, *, progress: Progress | None = None) -> Path:
    """Download the blank, check it exactly as `forms add` does, and keep it in the per-user forms folder.

    The download lands in a private temporary folder and reaches the forms folder only through
    `add_form`, so a failure of any kind (network, size, not a PDF, cut off, another form or edition)
    leaves nothing behind, and what is kept is the cleaned copy `forms add` keeps (no scripts).
    """
    url = url or forms_url()
    timeout = fetch_timeout() if timeout is None else timeout
    if is_offline():
        raise InputError(f"Downloads are off (FORMFILL_OFFLINE or --offline). {by_hand(url)}")
    with tempfile.TemporaryDirectory(prefix="formfill-download-") as tmp:
        part = Path(tmp) / _download_name(url)
        try:
            data = download(url, timeout, progress)
        finally:
            if isinstance(progress, TerminalProgress):
                progress.close()
        part.write_bytes(data)
        try:
            with _messages_name(part, url):
                return add_form(part)
        except FormError as err:
            raise FormError(_refusal(err, part, url)) from None


def _download_name(url: str) -> str:
    """The file name a download is checked under: the URL's own (`i-131.pdf`) when it is a plain PDF name."""
    name = urlsplit(url).path.rsplit("/", 1)[-1]
    return name if re.fullmatch(r"[\w.-]{1,100}\.pdf", name, re.A | re.I) else "blank.pdf"


@contextlib.contextmanager
def _messages_name(part: Path, url: str) -> Iterator[None]:
    """Warnings about the download (scripts removed, say) name the URL, not the temporary file that is gone."""

    class Renamed(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            record.msg = str(record.msg).replace(str(part), url)
            if isinstance(record.args, tuple):
                record.args = tuple(a.replace(str(part), url) if isinstance(a, str) else a for a in record.args)
            return True

    renamed = Renamed()
    logger = logging.getLogger("formfill")
    logger.addFilter(renamed)
    try:
        yield
    finally:
        logger.removeFilter(renamed)


def download(url: str, timeout: float, progress: Progress | None = None) -> bytes:
    """The bytes at `url`, bounded in size and time; a one-line InputError for every way it can fail.

    One deadline (10 times `timeout`) covers the whole exchange, redirects included, and no wait on
    the network lasts more than `timeout`. Each redirect is checked before anything connects to it.
    """
    from formfill import fetch

    if not fetch.is_web_url(url):
        raise InputError(f"{_printable(url)} is not a URL formfill can download from (it needs http:// or https://)")
    deadline = fetch.Deadline.start(timeout, 10 * timeout)
    hops = [url]
    try:
        with _follow(hops, deadline) as resp:
            kind = resp.headers.get_content_type()
            length = _content_length(resp.headers.get("Content-Length"))
            if length is not None and length > MAX_DOWNLOAD:
                raise InputError(_too_big(url))
            data = bytearray()
            while chunk := resp.read1(64 * 1024):  # what has arrived; every wait keeps the deadline
                data += chunk
                if len(data) > MAX_DOWNLOAD:
                    raise InputError(_too_big(url))
                if progress is not None:
                    progress(len(data), length)
    except InputError:
        raise
    except Exception as err:  # the network, TLS and a hostile server can raise many things: each is one line
        raise InputError(_failure(err, url, urlsplit(hops[-1]).hostname or "", timeout)) from None
    if length is not None and len(data) < length:
        raise InputError(_cut_off(url))
    head = bytes(data[:1024]).lstrip()
    if not head.startswith(b"%PDF"):
        if kind in {"text/html", "application/xhtml+xml"} or head[:1] == b"<":
            raise InputError(
                f"{url} sent a web page, not the PDF (USCIS may have moved the form or refused the download). "
                + by_hand(url)
            )
        raise InputError(f"{url} did not send a PDF ({_printable(kind)}). {by_hand(url)}")
    if b"%%EOF" not in data[-4096:]:
        raise InputError(_cut_off(url))
    return bytes(data)


def _follow(hops: list[str], deadline: Deadline) -> http.client.HTTPResponse:
    """The answer at hops[0] after at most MAX_REDIRECTS redirects, each checked before it is connected to.

    `hops` grows with every URL visited, so a failure names the host that failed.
    """
    from formfill import fetch
    from formfill.version import __version__

    url = hops[0]
    headers = {"User-Agent": f"formfill/{__version__}", "Accept": "application/pdf"}
    while True:
        resp = fetch.request(hops[-1], deadline, headers)
        if resp.status not in fetch.REDIRECT_CODES:
            break
        location = resp.headers.get("Location")
        resp.close()  # a redirect's body is never read
        if location is None:
            raise InputError(f"{url} answered HTTP {resp.status}, a redirect that names no target. {by_hand(url)}")
        target = fetch.redirect_target(hops[-1], location)
        if not fetch.is_web_url(target):
            raise InputError(
                f"{url} redirected to {_printable(target)}, which formfill does not download from (only http:// "
                f"and https://); nothing was downloaded. {by_hand(url)}"
            )
        if target in hops:
            raise InputError(
                f"{url} redirects in a loop (back to {_printable(target)}); nothing was downloaded. {by_hand(url)}"
            )
        if len(hops) > MAX_REDIRECTS:
            raise InputError(
                f"{url} redirected more than {MAX_REDIRECTS} times; nothing was downloaded. {by_hand(url)}"
            )
        hops.append(target)
    if not 200 <= resp.status < 300:
        resp.close()
        raise InputError(
            f"Could not download the blank: {url} answered HTTP {resp.status} {_printable(resp.reason)}. {by_hand(url)}"
        )
    return resp


def _failure(err: BaseException, url: str, host: str, timeout: float) -> str:
    """The one line a failed exchange gets; what urllib wraps (URLError) is judged by its reason."""
    import http.client
    import ssl
    import urllib.error

    wrapped = isinstance(err, urllib.error.URLError)
    reason = getattr(err, "reason", err) if wrapped else err
    if isinstance(reason, DeadlineExceeded):
        return f"Could not download the blank: {host} did not send it within {10 * timeout:g} s. {by_hand(url)}"
    if isinstance(reason, TimeoutError):
        return f"Could not download the blank: no answer from {host} within {timeout:g} s. {by_hand(url)}"
    if not wrapped and isinstance(reason, http.client.IncompleteRead | ConnectionResetError):
        return _cut_off(url)
    if isinstance(reason, ssl.SSLError):  # not "offline": a proxy or a wrong certificate in the way
        return (f"Could not download the blank: the secure connection to {host} failed "
                f"({_printable(str(reason))}). {by_hand(url)}")
    if isinstance(reason, http.client.HTTPException):
        return (f"Could not download the blank: {host} sent an answer that is not valid HTTP "
                f"({_printable(str(reason) or type(reason).__name__)}). {by_hand(url)}")
    if isinstance(reason, ValueError):  # a host name that cannot be encoded, say
        return f"{_printable(url)} is not a URL formfill can download from ({_printable(str(reason))}). {by_hand(url)}"
    return (f"Could not download the blank from {host} ({_printable(str(reason))}); this machine may be offline. "
            + by_hand(url))


def _printable(text: str, limit: int = 160) -> str:
    """Text a server chose, made safe for one line of a terminal: no control characters, bounded length."""
    clean = "".join(c if c.isprintable() else "?" for c in " ".join(str(text).split()))
    return clean if len(clean) <= limit else clean[: limit - 3] + "..."


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
    """`forms add`'s refusal, naming the URL; an edition of a packaged form without a field map says who is
    behind.

    An edition older than the newest one formfill fills comes from an outdated copy (a mirror left
    behind): updating formfill would not help. A newer one means USCIS moved on: formfill must.
    """
    try:
        blank = load_blank(part.read_bytes(), url)
    except (FormError, OSError):
        blank = None
    pkg = package_for(blank.form) if blank is not None else None
    if blank is None or pkg is None or not blank.edition or (blank.form, blank.edition) in all_maps():
        return err.message.replace(str(part), url)
    ours = sorted((edition for form, edition in all_maps() if form == blank.form),
                  key=lambda edition: _edition_order(edition) or (0, 0, 0))
    served, newest = _edition_order(blank.edition), _edition_order(ours[-1]) if ours else None
    if served is not None and newest is not None and served < newest:
        official = pkg.spec.blank_url
        where = (
            "point FORMFILL_FORMS_URL at a current copy (or unset it to download from uscis.gov)"
            if url != official
            else f"download {official} by hand in a browser"
        )
        return (
            f"{url} serves edition {blank.edition} of Form {blank.form}, older than the edition formfill fills "
            f"({ours[-1]}): it is an outdated copy (an out-of-date mirror), not a new edition, so updating formfill "
            f"will not help. Nothing was kept. Ask whoever keeps that copy to update it, {where}, or add the current "
            "edition with `formfill forms add PATH`."
        )
    return (
        f"USCIS has published edition {blank.edition} of Form {blank.form} ({url}); this formfill supports "
        f"{', '.join(ours) or 'none'}. Update formfill, or add a supported edition with `formfill forms add PATH`."
    )


def _edition_order(edition: str) -> tuple[int, int, int] | None:
    """`04/24/19` as (19, 4, 24), so editions sort by date; None for anything else."""
    parts = edition.split("/")
    if len(parts) != 3 or not all(p.isdigit() and len(p) == 2 for p in parts):
        return None
    month, day, year = (int(p) for p in parts)
    return year, month, day


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
