"""What every test file shares: the CLI (in process and as a real process), the bundled samples, the
real blanks, system tools, deadlines, small attachment builders, a fresh user's home and local servers.

One of each, so a change in how formfill is run or where samples live is made once. Everything here
uses formfill's public API only (no `_private` names): tests see formfill as its users do.
"""

from __future__ import annotations

import copy
import functools
import http.server
import io
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from PIL import Image, ImageDraw
from pypdf import PdfWriter

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples"
DEFAULT_SAMPLE = "advance-parole-i485"

# --- the real blanks and the bundled samples -------------------------------------------------------


def forms_dir() -> Path:
    """The folder of real blanks (never committed): FORMFILL_FORMS_DIR, else ../shared/forms/i-131."""
    env = os.environ.get("FORMFILL_FORMS_DIR")
    if env:
        return Path(env.split(os.pathsep)[0])
    return REPO.parent / "shared" / "forms" / "i-131"


def real_blank(name: str) -> Path:
    """A real blank by file name (searched below forms_dir()); the test fails, saying where it looked."""
    path = forms_dir() / name
    if not path.is_file():
        path = next(forms_dir().rglob(name), path)
    if not path.is_file():
        pytest.fail(f"blank form {name} not found in {forms_dir()} (set FORMFILL_FORMS_DIR to the folder of blanks)")
    return path


def sample_path(name: str = DEFAULT_SAMPLE) -> Path:
    """The bundled sample profile `samples/<name>.json`."""
    path = SAMPLES / f"{name}.json"
    if not path.is_file():
        raise FileNotFoundError(f"no bundled sample {name!r} in {SAMPLES}")
    return path


def sample_names() -> list[str]:
    """Every bundled sample's name, sorted (for parametrize)."""
    return sorted(p.stem for p in SAMPLES.glob("*.json"))


@functools.cache
def _sample_text(name: str) -> str:
    return sample_path(name).read_text(encoding="utf-8")


def load_sample(name: str = DEFAULT_SAMPLE) -> dict[str, Any]:
    """A bundled sample profile as a fresh dict (the caller may change it freely)."""
    data: dict[str, Any] = json.loads(_sample_text(name))
    return data


def write_json(path: Path, data: Any) -> Path:
    """Write `data` as JSON (a str becomes a JSON string), creating the folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def with_id(profile: dict[str, Any], ident: str | None) -> dict[str, Any]:
    """A copy of `profile` carrying the batch id `ident`."""
    out = copy.deepcopy(profile)
    out["id"] = ident
    return out


def report_lines(path: Path) -> list[dict[str, Any]]:
    """The lines of a batch report.jsonl."""
    return [json.loads(line) for line in path.read_text().splitlines()]


def part_files(folder: Path) -> list[str]:
    """Temporary `.part` files left in a folder (an atomic writer leaves none)."""
    return [p.name for p in folder.iterdir() if p.name.endswith(".part")]


# --- profiles that overflow their boxes ------------------------------------------------------------

LONG_PURPOSE = " ".join(
    f"My mother needs surgery{i} and I will care for her during recovery{i} in Guadalajara." for i in range(8)
)
MANY_COUNTRIES = [f"Country{i:02d}" for i in range(60)]
CITY_25 = "Llanfairpwllgwyngyllgogery"[:25]
STREET_40 = "12345 North Martin Luther King Junior Boulevard"[:40]
DISPOSITION_LONG = (
    "Used for one trip to Guadalajara and returned to USCIS by certified mail as instructed in the notice"
)
OTHER_NAMES = [{"family": f"SURNAME{c}", "given": "MARIA", "middle": None} for c in "ABCDE"]


def long_profile(base: dict[str, Any]) -> dict[str, Any]:
    """Make an advance-parole profile overflow: long purpose, 60 countries, full-width address, 5 other names."""
    base["travel"]["purpose"] = LONG_PURPOSE
    base["travel"]["countries"] = MANY_COUNTRIES
    base["applicant"]["mailing_address"]["city"] = CITY_25
    base["applicant"]["mailing_address"]["street"] = STREET_40
    base["processing"]["previous_advance_parole"]["disposition"] = DISPOSITION_LONG
    base["applicant"]["other_names"] = OTHER_NAMES
    return base


# --- attachments ---------------------------------------------------------------------------------


def with_field_replaced(data: bytes, field: str, changes: Mapping[str, Any]) -> bytes:
    """A filled form with one more update replacing one field object, keys changed: what another tool might do."""
    from pypdf.generic import DictionaryObject, NameObject

    from formfill.blanks import load_blank
    from formfill.pdf.writer import IncrementalUpdate

    filled = load_blank(data, use_cache=False, pristine=False)  # a filled file, read as a tool would
    info = filled.fields[field]
    upd = IncrementalUpdate(data, filled.reader.trailer)
    d = DictionaryObject(info.obj)
    for key, value in changes.items():
        d[NameObject(key)] = value
    upd.replace(info.ref, d)
    return upd.to_bytes()


def write_pdf(path: Path, pages: int = 1, password: str | None = None) -> None:
    """A plain PDF of empty letter pages (optionally password-protected)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(612, 792)
    if password is not None:
        writer.encrypt(user_password=password, owner_password=password + "-owner")
    with path.open("wb") as fh:
        writer.write(fh)


def draw_photo(eye_shift: int = 0, size: int = 600, background: tuple[int, int, int] = (250, 250, 250)) -> Image.Image:
    """A passport-style picture: light background, head and shoulders, eyes about 60% up."""
    im = Image.new("RGB", (600, 600), background)
    d = ImageDraw.Draw(im)
    d.ellipse((100, 480, 500, 800), fill=(40, 60, 120))
    d.rectangle((260, 400, 340, 500), fill=(205, 160, 130))
    d.ellipse((190, 120, 410, 480), fill=(205, 160, 130))
    d.ellipse((190, 115, 410, 260), fill=(50, 35, 25))
    d.ellipse((240 + eye_shift, 232, 270 + eye_shift, 248), fill=(30, 30, 30))
    d.ellipse((330 + eye_shift, 232, 360 + eye_shift, 248), fill=(30, 30, 30))
    d.line((270, 400, 330, 400), fill=(150, 60, 60), width=6)
    return im if size == 600 else im.resize((size, size))


def write_photo(path: Path, image: Image.Image | None = None) -> None:
    """A passport photo JPEG at 300 dpi that passes the photo checks."""
    path.parent.mkdir(parents=True, exist_ok=True)
    (image or draw_photo()).save(path, "JPEG", quality=95, dpi=(300, 300))


# --- system tools and deadlines ------------------------------------------------------------------


def require_tool(name: str) -> str:
    """System tools (pdftk, qpdf, pdftoppm, chromium) come from .ci/run; say clearly when one is missing."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed; .ci/run installs it (apt-get install pdftk-java qpdf poppler-utils)")
    return path


@contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """Fail, rather than hang the suite, if the body blocks (a FIFO opened for reading waits for a writer)."""
    if not hasattr(signal, "SIGALRM"):
        yield
        return

    def expired(signum: int, frame: Any) -> None:
        raise TimeoutError(f"blocked for more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


# --- the command line ----------------------------------------------------------------------------


def invoke(*args: str, env: Mapping[str, str | None] | None = None, input: str | bytes | None = None) -> Result:
    """The CLI in this process (fast): whatever happens, a user never sees a Python traceback.

    The result is returned for the test to judge (exit code, stdout, stderr); an exception other than
    the CLI's own exit fails the test here, with its repr.
    """
    result = CliRunner().invoke(_main(), list(args), env=env, input=input)
    assert "Traceback" not in result.output + result.stderr, result.output + result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result


def _main() -> Any:
    from formfill.cli import main  # late: importing the helpers must not import the CLI for library-only tests

    return main


def formfill_command(*args: str) -> list[str]:
    """The argv of a real `formfill` process run by this interpreter (for Popen and signal tests)."""
    return [sys.executable, "-m", "formfill", *args]


def formfill_env(env: Mapping[str, str | None] | None = None) -> dict[str, str]:
    """This process's environment with `env` applied (a None value removes the variable)."""
    out = dict(os.environ)
    for key, value in (env or {}).items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def run_formfill(
    *args: str,
    stdin: str | bytes | None = None,
    env: Mapping[str, str | None] | None = None,
    text: bool = False,
    timeout: float = 120,
    cwd: Path | str | None = None,
    memory_limit: int | None = None,
    argv: Sequence[str] | None = None,
) -> subprocess.CompletedProcess[Any]:
    """`formfill ARGS` as a real process (exit codes, signals, memory limits, a fresh interpreter).

    `env` is applied over this process's environment (None removes a variable); `memory_limit` bounds the
    address space so a run that inflates a bomb dies instead of eating the machine; `argv` replaces
    `python -m formfill` (e.g. `[sys.executable, "-c", code]`). A run longer than `timeout` fails the test.
    """

    def bounded() -> None:
        if memory_limit is not None:
            resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))

    command = [*(argv if argv is not None else formfill_command()), *args]
    return subprocess.run(command, input=stdin, capture_output=True, text=text, timeout=timeout, check=False,
                          cwd=cwd, env=formfill_env(env), preexec_fn=bounded if memory_limit is not None else None)


UNTRUSTED_MEMORY_LIMIT = 1536 * 2**20  # a run that inflates a bomb dies here instead of eating the machine


def run_untrusted(*args: str, home: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """formfill on hostile input: a real process bounded in address space and time, with its own home
    (FORMFILL_HOME) and no forms folder."""
    return run_formfill(*args, env={"FORMFILL_HOME": str(home), "FORMFILL_FORMS_DIR": None}, text=True,
                        timeout=timeout, cwd=REPO, memory_limit=UNTRUSTED_MEMORY_LIMIT)


def assert_refused(done: subprocess.CompletedProcess[str], *fragments: str) -> None:
    """A clean refusal: exit 2, no traceback, exactly one line on stderr, naming every fragment."""
    assert done.returncode == 2, (done.returncode, done.stderr[-2000:])
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


# --- a fresh user and servers on 127.0.0.1 -------------------------------------------------------

FRESH_USER_UNSET = ("FORMFILL_FORMS_DIR", "FORMFILL_HOME", "FORMFILL_OFFLINE", "XDG_DATA_HOME", "XDG_CACHE_HOME",
                    "http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY")


@dataclass
class Home:
    """A fresh user's HOME, where formfill keeps downloaded blanks, and the temporary folder downloads go through."""

    root: Path
    forms: Path
    tmp: Path

    def leftovers(self) -> list[Path]:
        """Anything a failed download left behind: in the forms folder, or as a temporary download."""
        found = list(self.forms.rglob("*")) if self.forms.exists() else []
        return found + list(self.tmp.glob("formfill-download-*"))


def fresh_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, own_cache: bool = True) -> Home:
    """A fresh user: nothing in HOME, no FORMFILL_* settings, no proxy, no shared blanks; with `own_cache`
    an empty cache too (else the worker's, where the blanks are already prepared)."""
    root = tmp_path / "home"
    root.mkdir()
    for var in FRESH_USER_UNSET:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(root))
    if own_cache:
        monkeypatch.setenv("FORMFILL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("FORMFILL_FETCH_TIMEOUT", "5")
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    return Home(root, root / ".local" / "share" / "formfill" / "forms", tmp)


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (it was free a moment ago): a connection is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@contextmanager
def silent_server() -> Iterator[str]:
    """A server on 127.0.0.1 that accepts connections and never says a word; yields its base URL."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


Answer = Callable[[socket.socket, str], None]


class RawServer:
    """A TCP server on 127.0.0.1: `answer(conn, path)` writes the whole HTTP answer itself, as slowly as it likes
    (trickled header bytes, redirects anywhere, doctored blanks, connections cut short)."""

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.stopped = threading.Event()
        self.paths: list[str] = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self) -> RawServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        self.thread.join(timeout=5)
        self.sock.close()

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            head = b""
            try:
                while b"\r\n\r\n" not in head and len(head) < 65536:
                    chunk = conn.recv(4096)
                    if not chunk:
                        return
                    head += chunk
                path = head.split(b" ", 2)[1].decode("latin-1")
                self.paths.append(path)
                self.answer(conn, path)
            except OSError:
                pass  # the client gave up on purpose

    def trickle(self, conn: socket.socket, start: bytes, piece: bytes, every: float, most: float = 20.0) -> None:
        """Send `start`, then `piece` every `every` seconds until the client leaves (or `most` seconds)."""
        conn.sendall(start)
        end = time.monotonic() + most
        while time.monotonic() < end and not self.stopped.is_set():
            conn.sendall(piece)
            time.sleep(every)


def http_answer(status: str, body: bytes = b"", headers: dict[str, str] | None = None) -> bytes:
    """A whole HTTP/1.1 answer (status line, Content-Length, Connection: close, `headers`, body)."""
    head = [f"HTTP/1.1 {status}", f"Content-Length: {len(body)}", "Connection: close"]
    head += [f"{k}: {v}" for k, v in (headers or {}).items()]
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


def routes(table: dict[str, bytes]) -> Answer:
    """An answer serving each path's bytes as they are (404 for any other path)."""

    def answer(conn: socket.socket, path: str) -> None:
        conn.sendall(table.get(path, http_answer("404 Not Found")))

    return answer


def raw_pdf(objects: list[bytes], root: int = 1) -> bytes:
    """A classic PDF from numbered object bodies (object n is objects[n - 1]) with a correct xref."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % n + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, root, xref))
    return out.getvalue()


@contextmanager
def http_serving(handler: Callable[..., http.server.BaseHTTPRequestHandler]) -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 (never the internet) running `handler`; yields its base URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
