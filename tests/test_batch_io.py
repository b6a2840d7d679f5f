"""The input/output trust boundary: strict JSON, outputs that never replace inputs or devices, a batch
that survives dead workers and SIGTERM without lying, attachments read once and never echoed."""

from __future__ import annotations

import importlib
import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from formfill import api
from formfill.batch import batch
from formfill.checks import package
from formfill.errors import InputError, JsonValueError, ProfileError, Terminated
from formfill.interrupts import sigterm_as_interrupt
from formfill.loading import loads_strict
from tests.helpers import SAMPLES, deadline, formfill_command, invoke, report_lines, with_id
from tests.helpers import part_files as parts
from tests.helpers import run_formfill as cli
from tests.test_checks_package import Package, profile_for

SSN = "123456789"
batch_module = importlib.import_module("formfill.batch")  # the package rebinds `batch` to the function
item_module = importlib.import_module("formfill.batch.item")  # what a worker runs for each item


@pytest.fixture
def good(sample: Any) -> dict[str, Any]:
    data: dict[str, Any] = sample("advance-parole-i485")
    return data


def text_of(good: dict[str, Any]) -> str:
    return json.dumps(good)


# --- 1. JSON is read strictly --------------------------------------------------------------------


DUPLICATES = {
    "applicant.ssn": ('"applicant": {', f'"applicant": {{"ssn": "{SSN}", '),
    "id": ('"id": ', '"id": "other", "id": '),
    "applicant.name.given": ('"given": ', '"given": "ANA", "given": '),
}


@pytest.mark.parametrize("path", sorted(DUPLICATES))
def test_a_duplicate_key_at_any_level_is_a_problem_naming_its_path(
    tmp_path: Path, good: dict[str, Any], blank_plain: Path, path: str
) -> None:
    old, new = DUPLICATES[path]
    profile = tmp_path / "dup.json"
    profile.write_text(text_of(good).replace(old, new, 1))

    validated = cli("validate", str(profile))
    assert validated.returncode == 1, validated.stderr.decode()
    assert f"{path}: duplicate key" in validated.stdout.decode()

    filled = cli("fill", str(profile), "--form", str(blank_plain), "-o", str(tmp_path / "x.pdf"), "--json")
    doc = json.loads(filled.stdout)
    assert filled.returncode == 1 and doc["ok"] is False and doc["exit_code"] == 1
    assert {"path": path, "code": "duplicate_key"}.items() <= doc["problems"][0].items()
    assert not (tmp_path / "x.pdf").exists()
    for out in (validated, filled):
        assert SSN not in (out.stdout + out.stderr).decode() and b"Traceback" not in out.stderr


def test_duplicates_in_a_list_item_name_the_index() -> None:
    with pytest.raises(JsonValueError) as caught:
        loads_strict('{"attachments": [{"kind": "a", "path": "x"}, {"kind": "b", "kind": "c", "path": "y"}]}')
    assert [(p.path, p.code) for p in caught.value.problems] == [("attachments[1].kind", "duplicate_key")]


ODD_NUMBERS = {
    "digits": ("9" * 5000, "number_too_long"),
    "exponent": ("1e999999", "number_too_long"),
    "nan": ("NaN", "not_a_number"),
    "infinity": ("-Infinity", "not_a_number"),
}


@pytest.mark.parametrize("case", sorted(ODD_NUMBERS))
def test_numbers_python_cannot_hold_are_problems_not_tracebacks(
    tmp_path: Path, good: dict[str, Any], blank_plain: Path, case: str
) -> None:
    literal, code = ODD_NUMBERS[case]
    profile = tmp_path / "odd.json"
    profile.write_text(text_of(good).replace('"given": ', f'"given": {literal}, "x": ', 1))
    filled = cli("fill", str(profile), "--form", str(blank_plain), "-o", str(tmp_path / "x.pdf"), "--json")
    assert b"Traceback" not in filled.stderr
    doc = json.loads(filled.stdout)
    assert filled.returncode == 1 and doc["exit_code"] == 1
    assert {"path": "applicant.name.given", "code": code}.items() <= doc["problems"][0].items()
    plain = cli("validate", str(profile))
    assert plain.returncode == 1 and b"applicant.name.given:" in plain.stdout and b"Traceback" not in plain.stderr


def test_unpaired_surrogates_are_problems_everywhere(tmp_path: Path, good: dict[str, Any], blank_plain: Path) -> None:
    value = text_of(with_id(good, "s-1")).replace('"given": "', '"given": "\\ud800', 1)
    key = text_of(with_id(good, "s-2"))[:-1] + ', "\\udfff": 1}'
    ident = text_of(with_id(good, "s-3")).replace('"id": "s-3', '"id": "\\ud800s-3', 1)
    folder = tmp_path / "in"
    folder.mkdir()
    for n, text in enumerate((value, key, ident)):
        (folder / f"{n}.json").write_text(text)
    (folder / "lines.jsonl").write_text(ident + "\n" + text_of(with_id(good, "fine")) + "\n")

    out = tmp_path / "out"
    run = cli("batch", str(folder), "-o", str(out), "--form", str(blank_plain), "--jobs", "1")
    assert run.returncode == 1 and b"Traceback" not in run.stderr, run.stderr.decode()
    lines = report_lines(out / "report.jsonl")
    assert len(lines) == 5
    codes = {line["input"].rsplit("/", 1)[-1]: [p["code"] for p in line["problems"]] for line in lines}
    assert codes["0.json"] == ["invalid_text"] and codes["1.json"] == ["invalid_text"]
    assert codes["2.json"] == ["invalid_text"] and codes["lines.jsonl:1"] == ["invalid_text"]
    assert codes["lines.jsonl:2"] == [] and (out / "fine.i-131.pdf").is_file()

    single = cli("validate", str(folder / "1.json"))
    assert single.returncode == 1 and b"\\udfff: the key holds an unpaired" in single.stdout


def test_batch_json_lines_are_strict_too(tmp_path: Path, good: dict[str, Any], blank_plain: Path) -> None:
    dup = text_of(with_id(good, "dup")).replace('"applicant": {', f'"applicant": {{"ssn": "{SSN}", ', 1)
    big = text_of(with_id(good, "big"))[:-1] + ', "n": ' + "7" * 5000 + "}"
    lines = tmp_path / "docket.jsonl"
    lines.write_text("\n".join([dup, big, text_of(with_id(good, "ok"))]) + "\n")
    summary = batch([lines], tmp_path / "out", form=blank_plain, jobs=1)
    assert (summary.succeeded, summary.failed, summary.exit_code) == (1, 2, 1)
    report = report_lines(tmp_path / "out" / "report.jsonl")
    assert [(p["path"], p["code"]) for p in report[0]["problems"]] == [("applicant.ssn", "duplicate_key")]
    assert [(p["path"], p["code"]) for p in report[1]["problems"]] == [("n", "number_too_long")]
    assert SSN not in (tmp_path / "out" / "report.jsonl").read_text()


def test_odd_documents_give_the_error_document(tmp_path: Path, good: dict[str, Any], blank_plain: Path) -> None:
    cases = {
        "bom2.json": b"\xef\xbb\xbf\xef\xbb\xbf" + text_of(good).encode(),
        "utf16.json": text_of(good).encode("utf-16"),
        "huge.json": b'{"id": "' + b"A" * (5 * 2**20) + b'"}',
        "deep.json": b"[" * 100_000 + b"]" * 100_000,
    }
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        run = cli("fill", str(tmp_path / name), "--form", str(blank_plain), "--json")
        assert b"Traceback" not in run.stderr, name
        doc = json.loads(run.stdout)
        assert run.returncode == 2 and doc["exit_code"] == 2 and name in doc["error"], (name, doc)
    top = tmp_path / "top.json"
    top.write_text("[1, 2]")
    assert cli("validate", str(top)).returncode == 1
    bom = tmp_path / "bom.json"
    bom.write_bytes(b"\xef\xbb\xbf" + text_of(good).encode())
    assert cli("validate", str(bom)).returncode == 0


def test_a_rules_file_with_a_duplicate_key_is_refused(tmp_path: Path) -> None:
    rules = package.default_rules_text().replace("{", '{"name": "a firm\'s rules", ', 1)  # `name` twice
    with pytest.raises(InputError) as caught:
        package.parse_rules(rules, "firm.json")
    assert caught.value.exit_code == 2
    assert [(p.path, p.code) for p in caught.value.problems] == [("name", "duplicate_key")]


def test_read_json_refuses_a_duplicate_as_a_profile_error(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text('{"a": {"b": 1, "b": 2}}')
    assert [(p.path, p.code) for p in api.validate(path)] == [("a.b", "duplicate_key")]
    with pytest.raises(ProfileError) as caught:
        api.fill(path)
    assert caught.value.exit_code == 1


# --- 2. outputs never overwrite inputs or devices --------------------------------------------------


def test_fill_refuses_outputs_that_are_inputs_or_not_regular_files(
    tmp_path: Path, good: dict[str, Any], blank_plain: Path, sample: Any
) -> None:
    pkg = Package(tmp_path, profile_for(sample))
    attachment = tmp_path / pkg.attach("photo_id")
    profile = pkg.write()
    before = profile.read_bytes()
    (tmp_path / "link.json").symlink_to(profile)
    os.link(profile, tmp_path / "hard.json")
    os.mkfifo(tmp_path / "fifo")
    blank_copy = tmp_path / "blank.pdf"
    blank_copy.write_bytes(blank_plain.read_bytes())
    targets = {
        str(profile): "the profile",
        str(tmp_path / "link.json"): "the profile",
        str(tmp_path / "hard.json"): "the profile",
        str(blank_copy): "the blank form",
        str(attachment): "the attachment",
        "/dev/null": "not a regular file",
        str(tmp_path / "fifo"): "not a regular file",
        str(tmp_path): "is a folder",
    }
    for target, why in targets.items():
        for extra in ([], ["--flatten"]) if target in (str(profile), "/dev/null") else ([],):
            with deadline(60):  # in process: nothing here needs a fresh interpreter, only the refusal
                run = invoke("fill", str(profile), "--form", str(blank_copy), "-o", target, "--overwrite", "--json",
                             *extra)
            doc = json.loads(run.stdout)
            assert run.exit_code == 2 and doc["exit_code"] == 2, (target, doc)
            assert target in doc["error"] and why in doc["error"], (target, doc["error"])
    assert profile.read_bytes() == before and blank_copy.read_bytes() == blank_plain.read_bytes()
    assert stat.S_ISFIFO(os.stat(tmp_path / "fifo").st_mode) and not parts(tmp_path)


def test_stdout_stays_allowed(good: dict[str, Any], blank_plain: Path) -> None:
    run = cli("fill", "-", "-o", "-", "--form", str(blank_plain), stdin=text_of(good).encode())
    assert run.returncode == 0 and run.stdout.startswith(b"%PDF")


def test_part_files_are_private_until_complete(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []
    real_fsync = os.fsync

    def spy(fd: int) -> None:
        seen.append(stat.S_IMODE(os.fstat(fd).st_mode))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", spy)
    old = os.umask(0o022)
    try:
        api.write_atomic(tmp_path / "a.pdf", b"%PDF-1.7 data", overwrite=False)
    finally:
        os.umask(old)
    assert seen == [0o600]  # every byte was written while only the owner could read it
    assert stat.S_IMODE((tmp_path / "a.pdf").stat().st_mode) == 0o644 and not parts(tmp_path)


@pytest.mark.parametrize("stop", ["ctrl-c", "sigterm"])
def test_part_files_are_removed_when_interrupted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stop: str) -> None:
    def interrupt(fd: int) -> None:
        assert parts(tmp_path)  # the part file exists at this point
        if stop == "sigterm":
            os.kill(os.getpid(), signal.SIGTERM)  # a real signal, turned into Terminated
            time.sleep(5)
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupt)
    with pytest.raises(Terminated if stop == "sigterm" else KeyboardInterrupt), sigterm_as_interrupt():
        api.write_atomic(tmp_path / "a.pdf", b"%PDF-1.7 data", overwrite=False)
    assert not parts(tmp_path) and not (tmp_path / "a.pdf").exists()


def test_fill_sigterm_exit_status(tmp_path: Path, good: dict[str, Any], blank_plain: Path) -> None:
    """SIGTERM during a fill: exit 143, no traceback, no part file, no PDF."""
    profile = tmp_path / "p.json"
    profile.write_text(text_of(good))
    code = (
        "import os, signal, sys\n"
        "from formfill import api\n"
        "real = os.fsync\n"
        "def fsync(fd):\n"
        "    os.kill(os.getpid(), signal.SIGTERM)\n"
        "    import time; time.sleep(5)\n"
        "os.fsync = fsync\n"
        "from formfill.cli import main\n"
        "main()\n"
    )
    run = cli("fill", str(profile), "--form", str(blank_plain), "-o", str(tmp_path / "out.pdf"),
              argv=[sys.executable, "-c", code])
    assert run.returncode == 143 and b"interrupted" in run.stderr and b"Traceback" not in run.stderr
    assert not (tmp_path / "out.pdf").exists() and not parts(tmp_path)


def test_batch_outputs_and_report_never_replace_inputs(
    tmp_path: Path, good: dict[str, Any], blank_plain: Path
) -> None:
    a = tmp_path / "in" / "a.json"
    a.parent.mkdir()
    a.write_text(text_of(with_id(good, "a")))
    b = tmp_path / "in" / "b.json"
    b.write_text(text_of(with_id(good, "b")))
    before = a.read_bytes()
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.i-131.pdf").symlink_to(a)  # the output name of `a` is the profile `a` itself
    os.link(b, out / "b.i-131.pdf")  # and `b`'s, by a hard link
    summary = batch([a.parent], out, form=blank_plain, jobs=2, overwrite=True)
    report = report_lines(out / "report.jsonl")
    assert summary.failed == 2 and all(line["problems"][0]["code"] == "unsafe_output" for line in report)
    assert a.read_bytes() == before and (out / "a.i-131.pdf").is_symlink()

    for bad_report, why in ((a, "would replace the input"), (Path("/dev/null"), "not a regular file"),
                            (tmp_path, "not a regular file")):
        with pytest.raises(InputError, match=why) as caught:
            batch([a], tmp_path / "out2", form=blank_plain, jobs=1, report=bad_report, overwrite=True)
        assert caught.value.exit_code == 2
    os.mkfifo(tmp_path / "fifo")
    with deadline(30), pytest.raises(InputError, match="not a regular file"):
        batch([a], tmp_path / "out3", form=blank_plain, jobs=1, report=tmp_path / "fifo", overwrite=True)
    assert a.read_bytes() == before


def test_a_report_symlink_is_replaced_not_written_through(tmp_path: Path, good: dict[str, Any],
                                                          blank_plain: Path) -> None:
    a = tmp_path / "a.json"
    a.write_text(text_of(with_id(good, "a")))
    other = tmp_path / "notes.txt"
    other.write_text("keep me")
    report = tmp_path / "report.jsonl"
    report.symlink_to(other)
    batch([a], tmp_path / "out", form=blank_plain, jobs=1, report=report, overwrite=True)
    assert other.read_text() == "keep me" and not report.is_symlink() and len(report_lines(report)) == 1


def test_batch_removes_part_files_of_dead_writers_only(tmp_path: Path, good: dict[str, Any],
                                                       blank_plain: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          check=True).stdout.decode().strip()
    stale = out / f".x.i-131.pdf.{dead}.abc123.part"
    writer = subprocess.Popen(["sleep", "60"])  # another process still writing into the folder
    live = out / f".y.i-131.pdf.{writer.pid}.def456.part"
    stale.write_bytes(b"%PDF half")
    live.write_bytes(b"%PDF half")
    a = tmp_path / "a.json"
    a.write_text(text_of(with_id(good, "a")))
    try:
        summary = batch([a], out, form=blank_plain, jobs=1)
    finally:
        writer.kill()
        writer.wait()
    assert summary.ok and not stale.exists() and live.exists()
    assert sorted(p.name for p in out.glob("*.pdf")) == ["a.i-131.pdf"]  # a part file never looks like output


# --- 3. a batch never hangs and never lies ---------------------------------------------------------


def docket(tmp_path: Path, good: dict[str, Any], n: int) -> Path:
    lines = tmp_path / "docket.jsonl"
    lines.write_text("".join(json.dumps(with_id(good, f"k-{i:02d}")) + "\n" for i in range(n)))
    return lines


def assert_honest(out: Path, n: int) -> list[dict[str, Any]]:
    """One line per input, and every PDF in the folder is exactly an ok line's output."""
    report = report_lines(out / "report.jsonl")
    assert sorted(line["index"] for line in report) == list(range(n))
    assert {line["output"] for line in report if line["ok"]} == {str(p) for p in out.glob("*.pdf")}
    assert not parts(out)
    return report


def test_a_worker_killed_by_sigkill_costs_exactly_its_item(tmp_path: Path, good: dict[str, Any],
                                                           blank_plain: Path) -> None:
    out = tmp_path / "out"
    run = cli("batch", str(docket(tmp_path, good, 8)), "-o", str(out), "--form", str(blank_plain), "--jobs", "2",
              "--json", env={batch_module.KILL_SWITCH: "k-03"}, timeout=120)
    doc = json.loads(run.stdout)
    assert run.returncode == 1 and doc["exit_code"] == 1 and b"Traceback" not in run.stderr
    assert (doc["succeeded"], doc["failed"]) == (7, 1)
    report = assert_honest(out, 8)
    lost = [line for line in report if not line["ok"]]
    assert [line["id"] for line in lost] == ["k-03"]
    assert lost[0]["problems"][0]["code"] == "worker_died" and "SIGKILL" in lost[0]["error"]
    assert len(list(out.glob("*.pdf"))) == 7


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def test_an_external_sigkill_of_a_worker_never_hangs_the_batch(tmp_path: Path, good: dict[str, Any],
                                                               blank_plain: Path) -> None:
    n = 24
    out = tmp_path / "out"
    proc = subprocess.Popen([*formfill_command("batch"), str(docket(tmp_path, good, n)), "-o",
                             str(out), "--form", str(blank_plain), "--jobs", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    end = time.monotonic() + 60
    while time.monotonic() < end and proc.poll() is None:
        if (out / "report.jsonl").is_file() and (out / "report.jsonl").read_text().count("\n") >= 2:
            break
        time.sleep(0.02)
    victims = _children(proc.pid)
    assert victims, "no worker processes found"
    os.kill(victims[0], signal.SIGKILL)
    _, stderr = proc.communicate(timeout=120)  # never a hang
    assert proc.returncode in (0, 1) and b"Traceback" not in stderr, stderr.decode()
    report = assert_honest(out, n)
    died = [line for line in report if not line["ok"]]
    assert len(died) <= 1 and all(line["problems"][0]["code"] == "worker_died" for line in died)
    assert proc.returncode == (1 if died else 0)


@pytest.mark.parametrize("group", [False, True], ids=["parent-only", "process-group"])
def test_sigterm_stops_the_batch_honestly(tmp_path: Path, good: dict[str, Any], blank_plain: Path,
                                          group: bool) -> None:
    n = 40
    out = tmp_path / "out"
    proc = subprocess.Popen([*formfill_command("batch"), str(docket(tmp_path, good, n)), "-o",
                             str(out), "--form", str(blank_plain), "--jobs", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    end = time.monotonic() + 60
    while not list(out.glob("*.pdf")) and time.monotonic() < end and proc.poll() is None:
        time.sleep(0.02)
    (os.killpg if group else os.kill)(proc.pid, signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 143 and b"interrupted" in stderr and b"Traceback" not in stderr, stderr.decode()
    time.sleep(0.5)  # any orphaned worker would write now: none may
    report = assert_honest(out, n)
    assert 0 < len(list(out.glob("*.pdf"))) < n
    assert all(line["problems"][0]["code"] == "interrupted" for line in report if not line["ok"])
    assert not _children(proc.pid)


def test_workers_die_with_a_killed_batch(tmp_path: Path, good: dict[str, Any], blank_plain: Path) -> None:
    """SIGKILL of the batch itself: its workers go too (no orphan keeps writing PDFs nobody reports)."""
    out = tmp_path / "out"
    proc = subprocess.Popen([*formfill_command("batch"), str(docket(tmp_path, good, 40)), "-o",
                             str(out), "--form", str(blank_plain), "--jobs", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    end = time.monotonic() + 60
    while not list(out.glob("*.pdf")) and time.monotonic() < end and proc.poll() is None:
        time.sleep(0.02)
    workers = _children(proc.pid)
    assert workers
    proc.kill()
    proc.communicate(timeout=30)
    end = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in workers) and time.monotonic() < end:
        time.sleep(0.05)
    alive = [pid for pid in workers if Path(f"/proc/{pid}/stat").exists()
             and Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"]
    assert not alive
    settled = len(list(out.glob("*.pdf")))
    time.sleep(1)
    assert len(list(out.glob("*.pdf"))) == settled  # nothing goes on writing


def test_a_stuck_worker_is_stopped_and_a_crashing_one_replaced(
    tmp_path: Path, good: dict[str, Any], blank_plain: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = item_module.run_item

    def misbehave(item: Any) -> Any:  # forked workers inherit this
        if item.id == "k-01":
            time.sleep(60)
        if item.id == "k-02":
            os._exit(3)
        return real(item)

    monkeypatch.setattr(item_module, "run_item", misbehave)
    start = time.monotonic()
    summary = batch([docket(tmp_path, good, 6)], tmp_path / "out", form=blank_plain, jobs=2, item_timeout=3)
    assert time.monotonic() - start < 50
    report = {line["id"]: line for line in assert_honest(tmp_path / "out", 6)}
    assert report["k-01"]["problems"][0]["code"] == "worker_timeout"
    assert report["k-02"]["problems"][0]["code"] == "worker_died" and "status 3" in report["k-02"]["error"]
    assert summary.succeeded == 4 and summary.exit_code == 1


def test_workers_that_cannot_start_stop_the_batch(
    tmp_path: Path, good: dict[str, Any], blank_plain: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(options: Any, ignore_sigint: bool) -> None:
        raise OSError("no memory")

    monkeypatch.setattr(item_module, "init_worker", broken)
    with deadline(60):
        summary = batch([docket(tmp_path, good, 5)], tmp_path / "out", form=blank_plain, jobs=2)
    report = assert_honest(tmp_path / "out", 5)
    assert summary.failed == 5 and summary.exit_code == 1
    assert all(line["problems"][0]["code"] == "worker_died" for line in report)


# --- 4. attachments: read once, never echoed -------------------------------------------------------


def test_the_content_of_an_attached_file_is_never_printed(tmp_path: Path, sample: Any) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET-1234 root:x:0:0\n" * 3)
    pkg = Package(tmp_path, profile_for(sample))
    pkg.profile["attachments"] += [{"kind": "photo_id", "path": str(secret)},
                                   {"kind": "photo_id", "path": "/etc/passwd"}]
    profile = pkg.write()
    for args in ([], ["--json"]):
        run = cli("check", str(profile), *args)
        shown = (run.stdout + run.stderr).decode()
        assert run.returncode == 1 and "TOPSECRET" not in shown and "root:x" not in shown
        assert "plain text, 78 bytes" in shown


def test_a_damaged_pdf_error_does_not_quote_its_bytes(tmp_path: Path, sample: Any) -> None:
    pkg = Package(tmp_path, profile_for(sample))
    doc = tmp_path / pkg.attach("photo_id", write=False)
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_bytes(b"%PDF-1.7\nSECRET-CONTENT-XYZ trailer garbage")
    report = pkg.check()
    assert "SECRET-CONTENT" not in json.dumps(report.to_dict())


def test_a_file_swapped_for_a_symlink_after_the_check_is_not_read(
    tmp_path: Path, sample: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "root"
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.pdf").write_bytes((SAMPLES.parent / "README.md").read_bytes())
    pkg = Package(root, profile_for(sample))
    rel = pkg.attach("photo_id")
    target = root / rel
    real_open = os.open

    def swap_then_open(path: Any, flags: int, *args: Any, **kw: Any) -> int:
        if Path(path) == target.resolve():
            target.unlink()
            target.symlink_to(outside / "secret.pdf")  # after the check, before the open
        return real_open(path, flags, *args, **kw)

    monkeypatch.setattr(package.os, "open", swap_then_open)
    report = pkg.check(attachments_root=root)
    found = [f for f in report.findings if f.path == rel]
    assert found and found[0].severity == "error" and found[0].code == "file_unreadable"
    assert "symlink" in found[0].message


def test_a_folder_swapped_after_the_check_is_caught_on_the_descriptor(
    tmp_path: Path, sample: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "root"
    pkg = Package(root, profile_for(sample))
    rel = pkg.attach("photo_id", "docs/id.pdf")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "id.pdf").write_bytes((root / rel).read_bytes())
    docs = root / "docs"
    real_open = os.open

    def swap_then_open(path: Any, flags: int, *args: Any, **kw: Any) -> int:
        if Path(path) == (docs / "id.pdf").resolve() and not docs.is_symlink():
            (docs / "id.pdf").unlink()
            docs.rmdir()
            docs.symlink_to(outside)  # a folder on the way now leads outside the root
        return real_open(path, flags, *args, **kw)

    monkeypatch.setattr(package.os, "open", swap_then_open)
    report = pkg.check(attachments_root=root)
    found = [f for f in report.findings if f.path == rel]
    assert [f.code for f in found] == ["outside_attachments_root"]
    assert "it was not read" in found[0].message
