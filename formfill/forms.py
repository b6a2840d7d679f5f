"""Where the blank form comes from: --form, FORMFILL_FORMS_DIR, or the per-user forms folder.

Blank forms are never bundled (they are USCIS's to publish and change). A user adds one with
`formfill forms add PATH` (the edition is checked before copying) or `formfill forms fetch`, which
downloads the current blank from uscis.gov where the network allows.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from formfill.errors import FormError, InputError
from formfill.fieldmap import for_form, supported
from formfill.pdf.blank import BlankForm, load_blank, read_blank

USCIS_URL = "https://www.uscis.gov/sites/default/files/document/forms/i-131.pdf"
FETCH_TIMEOUT = 30.0
MAX_DOWNLOAD = 50 * 1024 * 1024


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
        where = ", ".join(str(d) for d in search_dirs(extra_dirs))
        raise InputError(
            "No blank I-131 found. Pass --form BLANK.pdf, set FORMFILL_FORMS_DIR, or run "
            f"`formfill forms fetch` (or `formfill forms add PATH`). Looked in: {where}. "
            f"Supported: {'; '.join(supported())}."
        )
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
    """Copy a blank into the user's forms folder after checking it is a supported edition."""
    blank = read_blank(path)
    fmap = for_form(blank)
    return _store(Path(path).read_bytes(), fmap.edition)


def _store(data: bytes, edition: str) -> Path:
    """Keep a checked blank in the forms folder, atomically (an interrupted copy leaves no half PDF)."""
    dest = user_forms_dir() / f"i-131_{edition.replace('/', '-')}.pdf"
    try:
        if dest.is_file() and dest.read_bytes() == data:
            return dest
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=dest.parent, suffix=".part")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, dest)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
    except OSError as err:
        raise InputError(f"cannot store the blank in {dest.parent}: {err.strerror or err}") from None
    return dest


def fetch_form(url: str = USCIS_URL, timeout: float = FETCH_TIMEOUT) -> Path:
    """Download the current blank and keep it only if it is a supported edition."""
    import urllib.error
    import urllib.request
    try:
        req = urllib.request.Request(url, headers={"User-Agent": "formfill (+https://pypi.org/project/formfill)"})
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            data = resp.read(MAX_DOWNLOAD + 1)
    except ValueError as err:
        raise InputError(f"{url} is not a URL formfill can download from ({err})") from None
    except (urllib.error.URLError, TimeoutError, OSError) as err:
        reason = getattr(err, "reason", err)
        raise InputError(
            f"Could not download the blank from {url} ({reason}). This machine may be offline: download "
            "the I-131 PDF from uscis.gov on another machine and run `formfill forms add PATH`."
        ) from None
    if len(data) > MAX_DOWNLOAD:
        raise InputError(f"The download from {url} is larger than {MAX_DOWNLOAD // 2**20} MB; refusing it")
    blank = load_blank(data, url)
    fmap = for_form(blank)
    return _store(data, fmap.edition)
