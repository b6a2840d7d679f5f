"""A new user's first run: with no blank anywhere, formfill downloads it, checks it as `forms add` does, keeps it.

Every download here comes from a server on 127.0.0.1 (FORMFILL_FORMS_URL), never from uscis.gov.
Each way a download can fail must end with exit 2, one line, no traceback and nothing in the forms folder.
"""

from __future__ import annotations

import http.server
import io
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject, NumberObject, TextStringObject

from formfill import forms
from formfill.blanks import load_blank
from formfill.errors import FormError, InputError
from tests.helpers import REPO, SAMPLES, Home, closed_port, formfill_command, fresh_home, sample_names, silent_server
from tests.helpers import invoke as run

SAMPLE = str(SAMPLES / "re-parole.json")
SUPPORTED = "formfill fills Form I-131 edition 01/20/25"


@dataclass
class Route:
    body: bytes
    content_type: str = "application/pdf"
    status: int = 200
    declared_length: int | None = None  # a Content-Length larger than the body: the connection is cut
    sized: bool = True  # False: no Content-Length, the body ends when the connection closes
    trickle: float = 0.0  # seconds between single bytes: a server that never finishes


@dataclass
class Site:
    url: str
    routes: dict[str, Route]
    hits: list[str] = field(default_factory=list)


def _generated_pdf(barcode: str | None, with_fields: bool = True) -> bytes:
    """A one-page PDF, fillable or not; `barcode` is what a USCIS page barcode field would hold."""
    writer = PdfWriter()
    page = writer.add_blank_page(612, 792)
    if with_fields:
        name = "PDF417BarCode1[0]" if barcode else "ApplicantName[0]"
        field_obj = DictionaryObject({
            NameObject("/FT"): NameObject("/Tx"),
            NameObject("/T"): TextStringObject(name),
            NameObject("/V"): TextStringObject(barcode or ""),
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Widget"),
            NameObject("/F"): NumberObject(4),
            NameObject("/Rect"): ArrayObject([FloatObject(x) for x in (100, 100, 300, 120)]),
            NameObject("/DA"): TextStringObject("/Helv 10 Tf 0 g"),
        })
        ref = writer._add_object(field_obj)
        page[NameObject("/Annots")] = ArrayObject([ref])
        writer.root_object[NameObject("/AcroForm")] = DictionaryObject({NameObject("/Fields"): ArrayObject([ref])})
    path = Path(tempfile.mkdtemp()) / "generated.pdf"
    writer.write(path)
    data = path.read_bytes()
    path.unlink()
    path.parent.rmdir()
    return data


class _Handler(http.server.BaseHTTPRequestHandler):
    site: Site

    def do_GET(self) -> None:
        self.site.hits.append(self.path)
        route = self.site.routes.get(self.path)
        if route is None:
            self.send_error(404, "Not Found")
            return
        self.send_response(route.status)
        self.send_header("Content-Type", route.content_type)
        if route.sized:
            self.send_header("Content-Length", str(route.declared_length or len(route.body)))
        self.end_headers()
        if route.trickle:
            for byte in route.body:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(route.trickle)
            return
        self.wfile.write(route.body)
        self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that hung up on purpose (a timeout test): not worth a traceback in another test's stderr


@pytest.fixture(scope="module")
def site(blank_plain: Path, blank_encrypted: Path, blank_2019: Path) -> Iterator[Site]:
    plain = blank_plain.read_bytes()
    html = b"<!DOCTYPE html><html><head><title>Access Denied</title></head><body>Access Denied</body></html>"
    routes = {
        "/i-131.pdf": Route(blank_encrypted.read_bytes()),
        "/plain.pdf": Route(plain),
        "/i-131-2019.pdf": Route(blank_2019.read_bytes()),
        "/i-765.pdf": Route(_generated_pdf("I-765|08/21/25|1")),
        "/fillable-letter.pdf": Route(_generated_pdf(None)),
        "/no-fields.pdf": Route(_generated_pdf(None, with_fields=False)),
        "/page.html": Route(html, "text/html"),
        "/page-labelled-pdf.pdf": Route(html, "application/pdf"),
        "/cut-connection.pdf": Route(plain[: len(plain) // 2], declared_length=len(plain)),
        "/truncated.pdf": Route(plain[: len(plain) // 2]),
        "/forbidden.pdf": Route(html, "text/html", status=403),
        "/trickle.pdf": Route(plain[:200], trickle=0.05),
    }
    handler = type("Handler", (_Handler,), {})
    server = _Server(("127.0.0.1", 0), handler)
    handler.site = Site(f"http://127.0.0.1:{server.server_address[1]}", routes)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield handler.site
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def silent_url() -> Iterator[str]:
    """A server that accepts the connection and never says a word."""
    with silent_server() as url:
        yield f"{url}/i-131.pdf"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Home:
    """A fresh user: nothing in HOME, no FORMFILL_* settings, no shared blanks."""
    return fresh_home(tmp_path, monkeypatch)


def refused(home: Home, *args: str) -> str:
    """Run a command that must fail cleanly: exit 2, one line on stderr, nothing left behind."""
    result = run(*args)
    assert result.exit_code == 2, result.output
    error = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(error) == 1 and result.stderr.splitlines()[-1] == error[0], result.stderr
    assert home.leftovers() == []
    assert not (home.root / "out.pdf").exists()
    return error[0]


def fill_with(home: Home, monkeypatch: pytest.MonkeyPatch, url: str) -> str:
    """`fill` with no blank anywhere and the download coming from `url`: must be refused cleanly."""
    monkeypatch.setenv("FORMFILL_FORMS_URL", url)
    return refused(home, "fill", SAMPLE, "-o", str(home.root / "out.pdf"))


# --- the first run downloads, later runs use the stored copy -----------------------------------------


def test_fill_downloads_the_authentic_blank_once_and_keeps_it(
    home: Home, site: Site, monkeypatch: pytest.MonkeyPatch, blank_encrypted: Path
) -> None:
    monkeypatch.setenv("FORMFILL_FORMS_URL", f"{site.url}/i-131.pdf")
    before = len(site.hits)
    first = run("fill", SAMPLE, "-o", str(home.root / "a.pdf"))
    assert first.exit_code == 0, first.output
    assert site.hits[before:] == ["/i-131.pdf"]
    notice = [line for line in first.stderr.splitlines() if line]
    assert len(notice) == 1 and f"{site.url}/i-131.pdf" in notice[0] and "downloading" in notice[0]
    stored = home.forms / "i-131_01-20-25.pdf"
    # Kept as forms add keeps it: the cleaned copy of exactly what USCIS ships (no XFA, scripts or encryption).
    assert stored.read_bytes() == load_blank(blank_encrypted.read_bytes()).data
    assert "verified" in first.stdout
    second = run("fill", SAMPLE, "-o", str(home.root / "b.pdf"))
    assert second.exit_code == 0, second.output
    assert site.hits[before:] == ["/i-131.pdf"]  # the stored copy, no second download
    assert second.stderr == ""
    assert sorted(p.name for p in home.forms.iterdir()) == ["i-131_01-20-25.pdf"]


def test_the_plain_blank_from_a_mirror_works_too(home: Home, site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORMFILL_FORMS_URL", f"{site.url}/plain.pdf")
    result = run("fill", SAMPLE, "-o", str(home.root / "a.pdf"), "--json")
    assert result.exit_code == 0, result.output
    assert '"edition": "01/20/25"' in result.stdout  # stdout stays one JSON document; the notice is on stderr
    assert (home.forms / "i-131_01-20-25.pdf").is_file()


def test_batch_downloads_before_filling(home: Home, site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORMFILL_FORMS_URL", f"{site.url}/i-131.pdf")
    result = run("batch", SAMPLE, str(SAMPLES / "reentry-permit.json"), "-o", str(home.root / "out"), "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert len(list((home.root / "out").glob("*.i-131.pdf"))) == 2
    assert (home.forms / "i-131_01-20-25.pdf").is_file()


@pytest.mark.slow
def test_demo_on_a_fresh_machine_fills_every_sample(tmp_path: Path, site: Site) -> None:
    """The README's first command, as a new user runs it: a fresh process, HOME and working folder."""
    root = tmp_path / "fresh"
    root.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FORMFILL_", "XDG_"))}
    env.update(HOME=str(root), FORMFILL_FORMS_URL=f"{site.url}/i-131.pdf", FORMFILL_FETCH_TIMEOUT="10")
    cmd = formfill_command("demo", "--out", "out")
    first = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stdout + first.stderr
    samples = sample_names()
    assert len(samples) >= 7
    assert sorted(p.name for p in (root / "out").iterdir()) == [f"{s}.i-131.pdf" for s in samples]
    assert first.stdout.count(" verified)") == len(samples)
    assert first.stderr.count("downloading it once from") == 1 and "Traceback" not in first.stderr
    stored = root / ".local" / "share" / "formfill" / "forms" / "i-131_01-20-25.pdf"
    assert stored.is_file()
    assert str(stored) in first.stdout
    # A second run uses the stored copy: no download, no notice, even with the mirror gone.
    env["FORMFILL_FORMS_URL"] = "http://127.0.0.1:9/gone.pdf"
    again = subprocess.run([*cmd, "--overwrite"], cwd=root, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "downloading" not in again.stderr


# --- offline -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["env", "option"])
def test_offline_never_downloads_and_says_what_to_do(
    home: Home, site: Site, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    monkeypatch.setenv("FORMFILL_FORMS_URL", f"{site.url}/i-131.pdf")
    if how == "env":
        monkeypatch.setenv("FORMFILL_OFFLINE", "1")
    extra = ["--offline"] if how == "option" else []
    before = len(site.hits)
    for args in (
        ["fill", SAMPLE, "-o", str(home.root / "out.pdf")],
        ["demo", "--out", str(home.root / "demo")],
        ["batch", SAMPLE, "-o", str(home.root / "batch"), "--jobs", "1"],
    ):
        line = refused(home, *args, *extra)
        assert f"Download {site.url}/i-131.pdf by hand" in line
        assert "`formfill forms add PATH`" in line
        assert "downloads are off" in line
    assert site.hits[before:] == []
    if how == "env":
        line = refused(home, "forms", "fetch")
        assert "formfill forms add PATH" in line
        assert site.hits[before:] == []


def test_offline_uses_the_blank_it_has(home: Home, monkeypatch: pytest.MonkeyPatch, blank_plain: Path) -> None:
    assert run("forms", "add", str(blank_plain)).exit_code == 0
    result = run("fill", SAMPLE, "-o", str(home.root / "a.pdf"), "--offline")
    assert result.exit_code == 0, result.output


def test_offline_message_names_uscis_by_default(home: Home, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FORMFILL_FORMS_URL")
    line = refused(home, "fill", SAMPLE, "-o", str(home.root / "out.pdf"), "--offline")
    assert "Download https://www.uscis.gov/sites/default/files/document/forms/i-131.pdf by hand" in line


def test_the_default_url_is_uscis_i131_pdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FORMFILL_FORMS_URL")
    assert forms.forms_url() == "https://www.uscis.gov/sites/default/files/document/forms/i-131.pdf"


# --- every way a download fails: exit 2, one line, nothing left behind --------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/missing.pdf", "answered HTTP 404"),
        ("/forbidden.pdf", "answered HTTP 403"),
        ("/page.html", "sent a web page, not the PDF"),
        ("/page-labelled-pdf.pdf", "sent a web page, not the PDF"),
        ("/cut-connection.pdf", "was cut off"),
        ("/truncated.pdf", "was cut off"),
        ("/i-765.pdf", f"this is not Form I-131 but Form I-765; {SUPPORTED}"),
        ("/fillable-letter.pdf", f"this is not Form I-131 (no USCIS form number found in it); {SUPPORTED}"),
        ("/no-fields.pdf", f"has no fillable fields: this is not Form I-131; {SUPPORTED}"),
        ("/i-131-2019.pdf", "serves edition 04/24/19 of Form I-131, older than the edition formfill fills"),
    ],
)
def test_a_failed_download_is_one_clear_line(
    home: Home, site: Site, monkeypatch: pytest.MonkeyPatch, path: str, expected: str
) -> None:
    line = fill_with(home, monkeypatch, f"{site.url}{path}")
    assert expected in line
    assert f"{site.url}{path}" in line  # names where it came from, not a temporary file
    assert "formfill-download" not in line
    if path == "/i-131-2019.pdf":  # an outdated mirror, not a reason to update formfill
        assert "(01/20/25)" in line and "outdated copy" in line and "Update formfill" not in line


def test_forms_fetch_refuses_the_same_way(home: Home, site: Site) -> None:
    line = refused(home, "forms", "fetch", "--url", f"{site.url}/i-765.pdf")
    assert f"this is not Form I-131 but Form I-765; {SUPPORTED}" in line


def test_a_server_that_never_answers_times_out(home: Home, silent_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORMFILL_FETCH_TIMEOUT", "0.5")
    start = time.monotonic()
    line = fill_with(home, monkeypatch, silent_url)
    assert time.monotonic() - start < 10
    assert "no answer from 127.0.0.1 within 0.5 s" in line


def test_a_server_that_trickles_is_cut_off_at_ten_times_the_timeout(
    home: Home, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORMFILL_FETCH_TIMEOUT", "0.2")  # each byte comes in time; the whole never does
    start = time.monotonic()
    line = fill_with(home, monkeypatch, f"{site.url}/trickle.pdf")
    assert time.monotonic() - start < 8
    assert "127.0.0.1 did not send it within 2 s" in line


def test_no_network_says_so(home: Home, monkeypatch: pytest.MonkeyPatch) -> None:
    line = fill_with(home, monkeypatch, f"http://127.0.0.1:{closed_port()}/i-131.pdf")
    assert "may be offline" in line and "formfill forms add PATH" in line


def test_a_name_that_does_not_resolve_says_offline(home: Home, monkeypatch: pytest.MonkeyPatch) -> None:
    line = fill_with(home, monkeypatch, "http://formfill-test.invalid/i-131.pdf")
    assert "may be offline" in line


def test_a_failed_secure_connection_is_not_called_offline(
    home: Home, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    line = fill_with(home, monkeypatch, site.url.replace("http://", "https://") + "/i-131.pdf")  # plain HTTP there
    assert "the secure connection to 127.0.0.1 failed" in line and "offline" not in line


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/i-131.pdf", "not a url"])
def test_only_http_urls_are_downloaded(home: Home, monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    line = fill_with(home, monkeypatch, url)
    assert "is not a URL formfill can download from" in line


def test_the_download_size_is_bounded(home: Home, site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(forms, "MAX_DOWNLOAD", 100_000)  # the blank is ~400 KB: over the bound
    line = fill_with(home, monkeypatch, f"{site.url}/plain.pdf")  # refused from its Content-Length
    assert "larger than 97 KB" in line
    site.routes["/unsized.pdf"] = Route(site.routes["/plain.pdf"].body, sized=False)
    try:
        with pytest.raises(InputError, match="larger than"):  # no Content-Length: counted while reading
            forms.download(f"{site.url}/unsized.pdf", 5)
    finally:
        del site.routes["/unsized.pdf"]
    assert home.leftovers() == []


def test_a_bad_timeout_setting_is_a_usage_error(home: Home, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORMFILL_FETCH_TIMEOUT", "soon")
    line = fill_with(home, monkeypatch, "http://127.0.0.1:9/i-131.pdf")
    assert "FORMFILL_FETCH_TIMEOUT" in line


def test_progress_shows_only_on_a_terminal_after_a_moment() -> None:
    class Tty:
        def __init__(self, tty: bool) -> None:
            self.text, self.tty = "", tty

        def isatty(self) -> bool:
            return self.tty

        def write(self, s: str) -> int:
            self.text += s
            return len(s)

        def flush(self) -> None:
            pass

    assert forms.TerminalProgress.for_stream(Tty(False)) is None  # type: ignore[arg-type]
    stream = Tty(True)
    progress = forms.TerminalProgress.for_stream(stream)  # type: ignore[arg-type]
    assert progress is not None
    progress(1000, 2_000_000)
    assert stream.text == ""  # a quick download stays quiet
    progress.start -= forms.PROGRESS_AFTER
    progress(1_048_576, 2_097_152)
    progress.close()
    assert stream.text == "\r  downloading: 1.0 of 2.0 MB\n"


def test_the_download_is_checked_by_forms_add_itself(home: Home, site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever `forms add` refuses (a filled blank, say), a download is refused too: it is the same call."""
    seen: list[Path] = []

    def add_form(path: str | Path) -> Path:
        seen.append(Path(path))
        raise FormError(f"{path} looks like a filled form, not a blank")

    monkeypatch.setattr(forms, "add_form", add_form)
    line = fill_with(home, monkeypatch, f"{site.url}/i-131.pdf")
    assert len(seen) == 1 and seen[0].name == "i-131.pdf"
    assert line == f"error: {site.url}/i-131.pdf looks like a filled form, not a blank"


def _is_a_form(path: Path) -> bool:
    """A USCIS form (blank or filled): form fields, or the form's own names in its bytes."""
    data = path.read_bytes()
    if b"I-131" in data or b"form1[0]" in data:
        return True
    reader = PdfReader(io.BytesIO(data))
    return bool(reader.get_fields())


def test_no_form_pdf_is_in_the_repository_or_the_package() -> None:
    """Blank forms are USCIS's to publish: none is committed or shipped. The samples' small synthetic evidence
    PDFs (issue 21) are not forms, and this test would catch one that became one."""
    shipped = list(Path(forms.__file__).parent.rglob("*.[pP][dD][fF]"))
    assert [p for p in shipped if _is_a_form(p)] == []
    if (REPO / ".git").exists() and shutil.which("git"):
        tracked = subprocess.run(
            ["git", "-C", str(REPO), "ls-files", "*.pdf", "*.PDF"], capture_output=True, text=True, check=True
        ).stdout.split()
        assert all(t.startswith("samples/") for t in tracked), tracked
        assert [t for t in tracked if _is_a_form(REPO / t)] == []


def test_the_form_check_of_that_test_can_fail(blank_plain: Path) -> None:
    assert _is_a_form(blank_plain)
    assert not _is_a_form(SAMPLES / "docs" / "g-28.pdf")


def test_the_readme_starts_with_two_commands_for_a_fresh_machine() -> None:
    """Install-and-demo, then the tests; how CI finds the shared blanks is for contributors, further down."""
    readme = (SAMPLES.parent / "README.md").read_text(encoding="utf-8")
    intro = readme.split("\n## ", 1)[0]
    block = intro.split("```sh\n", 1)[1].split("```", 1)[0]
    commands = [line for line in block.splitlines() if line.strip()]
    assert len(commands) == 2
    assert commands[0].endswith("formfill demo --out out") and "pip install" in commands[0]
    assert "pytest" in commands[1]
    assert "shared" not in intro and "FORMFILL_FORMS_DIR" not in intro
    contributing = readme.split("## Contributing", 1)[1]
    assert "FORMFILL_FORMS_DIR" in contributing and "FORMFILL_OFFLINE=1" in contributing
