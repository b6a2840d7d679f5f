"""formfill batch: mixed inputs, one report line per input, no clobbering, clean interrupts, pipelines."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from formfill import api
from formfill.batch import ItemResult, batch
from formfill.errors import BatchInterrupted, InputError, Problem
from tests.helpers import formfill_command, invoke, with_id
from tests.helpers import part_files as no_parts
from tests.helpers import report_lines as read_report
from tests.helpers import run_formfill as cli
from tests.helpers import write_json as write

REPORT_FIELDS = {"index", "id", "input", "output", "ok", "error", "problems", "notes", "seconds"}


@pytest.fixture
def good(sample: Any) -> dict[str, Any]:
    data: dict[str, Any] = sample("advance-parole-i485")
    return data


@pytest.fixture
def bad_zip(good: dict[str, Any]) -> dict[str, Any]:
    data = with_id(good, "bad-zip")
    data["applicant"]["mailing_address"]["zip_code"] = "9001"
    return data


def test_mixed_inputs_one_report_line_each(
    tmp_path: Path, blank_plain: Path, good: dict[str, Any], bad_zip: dict[str, Any]
) -> None:
    folder = tmp_path / "docket"
    write(folder / "a.json", with_id(good, "matter/001"))  # the id is made safe for a file name
    write(folder / "b.json", bad_zip)
    (folder / "notes.txt").write_text("not a profile")  # folders contribute *.json and *.jsonl only
    loose = write(tmp_path / "loose client.json", with_id(good, None))
    lines = [json.dumps(with_id(good, "jl-1")), "", json.dumps(with_id(good, None)), '{"id": "broken", ']
    jsonl = tmp_path / "renewals.jsonl"
    jsonl.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out"

    seen: list[tuple[int, int]] = []
    summary = batch(
        [folder, loose, jsonl],
        out,
        form=blank_plain,
        jobs=2,
        progress=lambda r, done, total: seen.append((done, total)),
    )

    assert (summary.total, summary.succeeded, summary.failed) == (6, 4, 2)
    assert summary.exit_code == 1
    assert seen[-1] == (6, 6)
    pdfs = sorted(p.name for p in out.glob("*.pdf"))
    assert pdfs == ["jl-1.i-131.pdf", "loose_client.i-131.pdf", "matter_001.i-131.pdf", "renewals-3.i-131.pdf"]
    report = read_report(out / "report.jsonl")
    assert len(report) == 6
    assert all(set(line) == REPORT_FIELDS for line in report)
    assert sorted(line["index"] for line in report) == list(range(6))
    by_input = {line["input"]: line for line in report}
    assert by_input[f"{jsonl}:3"]["id"] == "renewals-3"
    assert by_input[str(folder / "a.json")]["id"] == "matter/001"

    zip_line = by_input[str(folder / "b.json")]
    assert zip_line["ok"] is False and zip_line["output"] is None
    zip_problem = zip_line["problems"][0]
    assert (zip_problem["path"], zip_problem["code"]) == ("applicant.mailing_address.zip_code", "value_error")

    broken = by_input[f"{jsonl}:4"]
    assert broken["ok"] is False
    assert broken["problems"][0]["code"] == "invalid_json"
    assert "renewals.jsonl:4" in broken["error"]

    for line in report:
        if line["ok"]:
            assert line["problems"] == [] and line["seconds"] > 0
            assert api.verify(line["output"], good).ok
    assert not no_parts(out)


def test_same_output_name_fails_the_later_input(tmp_path: Path, blank_plain: Path, good: dict[str, Any]) -> None:
    first = write(tmp_path / "first.json", with_id(good, "Matter-7"))
    second = write(tmp_path / "second.json", with_id(good, "matter-7"))  # same file on a case-insensitive disk
    out = tmp_path / "out"
    summary = batch([first, second], out, form=blank_plain, jobs=1)
    assert (summary.succeeded, summary.failed) == (1, 1)
    assert [p.name for p in out.glob("*.pdf")] == ["Matter-7.i-131.pdf"]
    failure = summary.failures[0]
    assert failure.input == str(second)
    assert failure.problems[0].code == "duplicate_output" and failure.problems[0].path == "id"
    assert str(first) in (failure.error or "")


def test_refuses_to_overwrite_unless_asked(
    tmp_path: Path, blank_plain: Path, good: dict[str, Any], sample: Any
) -> None:
    profile = write(tmp_path / "p.json", with_id(good, "m-1"))
    other = write(tmp_path / "q.json", with_id(good, "m-2"))
    out = tmp_path / "out"
    assert batch([profile], out, form=blank_plain, jobs=1).ok
    target = out / "m-1.i-131.pdf"
    before = target.read_bytes()

    with pytest.raises(InputError, match="report"):  # the earlier report is not replaced either
        batch([profile, other], out, form=blank_plain, jobs=1)

    summary = batch([profile, other], out, form=blank_plain, jobs=2, report=tmp_path / "second.jsonl")
    assert (summary.succeeded, summary.failed) == (1, 1)  # the refusal costs only that input
    assert summary.failures[0].problems[0].code == "output_exists"
    assert "--overwrite" in (summary.failures[0].error or "")
    assert target.read_bytes() == before

    changed = sample("advance-parole-i485")
    changed["id"] = "m-1"
    changed["applicant"]["name"]["given"] = "ROSA"
    write(profile, changed)
    assert batch([profile], out, form=blank_plain, jobs=1, overwrite=True).ok
    assert api.verify(target, changed).ok
    assert not no_parts(out)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_cli_jobs_json_summary_and_exit_codes(
    tmp_path: Path, blank_plain: Path, good: dict[str, Any], bad_zip: dict[str, Any], jobs: str
) -> None:
    inputs = [str(write(tmp_path / "in" / f"{i}.json", with_id(good, f"c-{i}"))) for i in range(3)]
    out = tmp_path / "out"
    ok = cli("batch", *inputs, "-o", str(out), "--form", str(blank_plain), "--jobs", jobs, "--json")
    assert ok.returncode == 0, ok.stderr.decode()
    doc = json.loads(ok.stdout)
    assert doc["ok"] is True and doc["succeeded"] == 3 and doc["jobs"] == min(int(jobs), 3)
    assert len(read_report(out / "report.jsonl")) == 3
    assert ok.stderr == b""  # quiet when stderr is not a terminal

    bad = str(write(tmp_path / "bad.json", bad_zip))
    failed = cli("batch", inputs[0], bad, "-o", str(tmp_path / "out2"), "--form", str(blank_plain), "--jobs", jobs)
    assert failed.returncode == 1
    assert b"1 of 2 filled and verified, 1 failed" in failed.stdout
    assert b"applicant.mailing_address.zip_code" in failed.stdout


def test_usage_errors_exit_2(tmp_path: Path, blank_plain: Path, good: dict[str, Any]) -> None:
    profile = str(write(tmp_path / "p.json", good))
    missing = cli("batch", str(tmp_path / "nope.json"), "-o", str(tmp_path / "o1"), "--form", str(blank_plain))
    assert missing.returncode == 2
    not_pdf = tmp_path / "blank.pdf"
    not_pdf.write_text("hello")
    unreadable = cli("batch", profile, "-o", str(tmp_path / "o2"), "--form", str(not_pdf), "--json")
    assert unreadable.returncode == 2
    assert json.loads(unreadable.stdout)["exit_code"] == 2
    (tmp_path / "empty").mkdir()
    empty = cli("batch", str(tmp_path / "empty"), "-o", str(tmp_path / "o3"), "--form", str(blank_plain))
    assert empty.returncode == 2 and b"no profiles" in empty.stderr
    assert not (tmp_path / "o2").exists() and not (tmp_path / "o3").exists()


def test_ctrl_c_leaves_only_complete_verified_pdfs(tmp_path: Path, blank_plain: Path, good: dict[str, Any]) -> None:
    n = 80
    jsonl = tmp_path / "many.jsonl"
    jsonl.write_text("".join(json.dumps(with_id(good, f"m-{i:03d}")) + "\n" for i in range(n)))
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [
            *formfill_command("batch"),
            str(jsonl),
            "-o",
            str(out),
            "--form",
            str(blank_plain),
            "--jobs",
            "2",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while not list(out.glob("*.pdf")) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGINT)  # like Ctrl-C in a terminal: the whole process group, workers included
    _, stderr = proc.communicate(timeout=60)

    assert proc.returncode == 130, stderr.decode()
    assert b"interrupted" in stderr
    pdfs = sorted(out.glob("*.pdf"))
    assert 0 < len(pdfs) < n
    assert not no_parts(out)
    for pdf in pdfs:
        assert api.verify(pdf, with_id(good, pdf.name.removesuffix(".i-131.pdf"))).ok
    report = read_report(out / "report.jsonl")
    assert len(report) == n  # every input accounted for, done or not
    done = {line["output"] for line in report if line["ok"]}
    assert done == {str(p) for p in pdfs}
    assert all(line["problems"][0]["code"] == "interrupted" for line in report if not line["ok"])


def test_interrupt_in_process_raises_with_summary(tmp_path: Path, blank_plain: Path, good: dict[str, Any]) -> None:
    inputs = [write(tmp_path / f"{i}.json", with_id(good, f"k-{i}")) for i in range(6)]
    out = tmp_path / "out"

    def stop_after_two(result: ItemResult, done: int, total: int) -> None:
        if done == 2:
            raise KeyboardInterrupt

    with pytest.raises(BatchInterrupted) as caught:
        batch(inputs, out, form=blank_plain, jobs=1, progress=stop_after_two)
    summary = caught.value.summary
    assert summary.interrupted and summary.exit_code == 130
    assert (summary.succeeded, summary.failed) == (2, 4)
    assert len(list(out.glob("*.pdf"))) == 2 and not no_parts(out)
    assert len(read_report(out / "report.jsonl")) == 6


def test_fill_stdin_to_stdout(blank_plain: Path, good: dict[str, Any]) -> None:
    result = cli("fill", "-", "-o", "-", "--form", str(blank_plain), stdin=json.dumps(good).encode())
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.startswith(b"%PDF")
    assert api.verify(result.stdout, good).ok


@dataclass
class FakeReport:
    ok: bool
    found: list[Problem]

    def problems(self) -> list[Problem]:
        return self.found


def test_check_package_failure_writes_no_pdf(
    tmp_path: Path, blank_plain: Path, good: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    seen_dirs: list[Path | None] = []

    def check_package(
        profile: Any, *, attachments_root: Path | None = None, base_dir: Path | None = None,
        form: Any = None, filing_date: Any = None,
    ) -> FakeReport:
        seen_dirs.append(base_dir)
        if profile.id == "no-photos":
            return FakeReport(False, [Problem("attachments[0].path", "the photo file is missing", "missing_file")])
        return FakeReport(True, [])

    fake = types.ModuleType("formfill.checks.package")
    fake.check_package = check_package  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "formfill.checks.package", fake)
    ok = write(tmp_path / "ok.json", with_id(good, "fine"))
    bad = write(tmp_path / "bad.json", with_id(good, "no-photos"))
    out = tmp_path / "out"
    summary = batch([ok, bad], out, form=blank_plain, jobs=1, check_package=True)
    assert (summary.succeeded, summary.failed) == (1, 1)
    assert summary.failures[0].problems == [Problem("attachments[0].path", "the photo file is missing", "missing_file")]
    assert [p.name for p in out.glob("*.pdf")] == ["fine.i-131.pdf"]
    assert seen_dirs == [tmp_path.resolve()] * 2  # attachments are found next to the profile, not in the cwd


def test_check_package_real_missing_attachments(tmp_path: Path, blank_plain: Path, good: dict[str, Any]) -> None:
    profile = write(tmp_path / "client.json", good)  # the sample's attachments do not exist here
    out = tmp_path / "out"
    summary = batch([profile], out, form=blank_plain, jobs=1, check_package=True)
    assert summary.failed == 1
    problems = summary.failures[0].problems
    assert problems and problems[0].path.startswith("attachments[")
    assert not list(out.glob("*.pdf"))


def test_no_inputs_is_a_usage_error(tmp_path: Path, blank_plain: Path) -> None:
    with pytest.raises(InputError) as caught:
        batch([], tmp_path / "out", form=blank_plain)
    assert caught.value.exit_code == 2


# --- review fixes ------------------------------------------------------------------------------------

DEEP = "[" * 100_000 + "]" * 100_000


def test_a_json_string_or_array_is_not_a_profile_nor_a_path(
    tmp_path: Path, blank_plain: Path, good: dict[str, Any]
) -> None:
    other = write(tmp_path / "other" / "client-b.json", with_id(good, "client-b"))
    folder = tmp_path / "docket"
    write(folder / "a-string.json", str(other))  # a JSON string naming another client's profile
    write(folder / "b-array.json", [good])
    (folder / "c-lines.jsonl").write_text('"-"\n"/etc/passwd"\n' + json.dumps(with_id(good, "fine")) + "\n")
    out = tmp_path / "out"
    summary = batch([folder], out, form=blank_plain, jobs=1)
    assert (summary.total, summary.succeeded, summary.failed) == (5, 1, 4)
    assert [p.name for p in out.glob("*.pdf")] == ["fine.i-131.pdf"]  # client-b's profile was not filled
    for failure in summary.failures:
        assert failure.error == f"{failure.input}: A profile is a JSON object"  # as `formfill fill` says
        assert [p.code for p in failure.problems] == ["invalid"]
    assert {f.input for f in summary.failures} == {
        str(folder / "a-string.json"),
        str(folder / "b-array.json"),
        f"{folder / 'c-lines.jsonl'}:1",
        f"{folder / 'c-lines.jsonl'}:2",
    }


def test_deeply_nested_json_fails_only_that_input(tmp_path: Path, blank_plain: Path, good: dict[str, Any]) -> None:
    folder = tmp_path / "docket"
    (folder / "deep.json").parent.mkdir()
    (folder / "deep.json").write_text(DEEP)
    write(folder / "ok.json", with_id(good, "ok"))
    deep_inside = with_id(good, "deep-inside")
    deep_inside["applicant"]["name"]["given"] = json.loads("[" * 900 + "]" * 900)  # decodes; too deep to validate
    write(folder / "validate.json", deep_inside)
    jsonl = tmp_path / "lines.jsonl"
    jsonl.write_text(json.dumps(with_id(good, "line-1")) + "\n" + DEEP + "\n")
    out = tmp_path / "out"
    summary = batch([folder, jsonl], out, form=blank_plain, jobs=2)
    assert (summary.total, summary.succeeded, summary.failed) == (5, 2, 3)
    assert sorted(p.name for p in out.glob("*.pdf")) == ["line-1.i-131.pdf", "ok.i-131.pdf"]
    report = {line["input"]: line for line in read_report(out / "report.jsonl")}
    for name in (str(folder / "deep.json"), f"{jsonl}:2"):
        assert report[name]["problems"][0]["code"] == "invalid_json"
        assert report[name]["error"] == f"{name}: not valid JSON (nested too deeply)"
    assert report[str(folder / "validate.json")]["problems"][0]["code"] != "internal_error"


def test_report_may_not_replace_an_input_or_a_planned_pdf(
    tmp_path: Path, blank_plain: Path, good: dict[str, Any]
) -> None:
    folder = tmp_path / "docket"
    write(folder / "a.json", with_id(good, "a"))
    b = write(folder / "b.json", with_id(good, "b"))
    before = b.read_bytes()
    out = tmp_path / "out"
    with pytest.raises(InputError, match="would replace the input") as caught:
        batch([folder], out, form=blank_plain, jobs=1, report=b, overwrite=True)
    assert caught.value.exit_code == 2
    assert b.read_bytes() == before
    with pytest.raises(InputError, match="would take the name of the PDF planned for"):
        batch([folder], out, form=blank_plain, jobs=1, report=out / "B.i-131.pdf")  # case-insensitively
    assert not out.exists()


def test_unwritable_output_or_report_is_a_usage_error(
    tmp_path: Path, blank_plain: Path, good: dict[str, Any]
) -> None:
    profile = write(tmp_path / "p.json", good)
    in_the_way = tmp_path / "a-file"
    in_the_way.write_text("")
    with pytest.raises(InputError, match="a file is in the way") as caught:
        batch([profile], in_the_way / "out", form=blank_plain, jobs=1)
    assert caught.value.exit_code == 2
    out = tmp_path / "out"
    with pytest.raises(InputError, match=f"cannot create folder {in_the_way}: a file is in the way"):
        batch([profile], out, form=blank_plain, jobs=1, report=in_the_way / "r.jsonl")
    assert not out.exists()  # nothing left behind
    (tmp_path / "a-folder").mkdir()
    with pytest.raises(InputError, match="cannot write the report"):
        batch([profile], out, form=blank_plain, jobs=1, report=tmp_path / "a-folder", overwrite=True)
    result = cli("batch", str(profile), "-o", str(in_the_way / "out"), "--form", str(blank_plain), "--json")
    assert result.returncode == 2 and b"Traceback" not in result.stderr
    assert "a file is in the way" in json.loads(result.stdout)["error"]


def test_cli_reads_stdin_and_pipes_once(tmp_path: Path, blank_plain: Path, good: dict[str, Any]) -> None:
    one = json.dumps(with_id(good, "from-stdin"), indent=2).encode()  # one pretty-printed object
    lines = "".join(json.dumps(with_id(good, f"piped-{i}")) + "\n" for i in range(3))
    form = ("--form", str(blank_plain))

    single = cli("batch", "-", "-o", str(tmp_path / "o1"), *form, "--json", stdin=one)
    assert single.returncode == 0, single.stdout.decode() + single.stderr.decode()
    assert [p.name for p in (tmp_path / "o1").glob("*.pdf")] == ["from-stdin.i-131.pdf"]
    assert read_report(tmp_path / "o1" / "report.jsonl")[0]["input"] == "<stdin>"

    dev = cli("batch", "/dev/stdin", "-o", str(tmp_path / "o2"), *form, "--jobs", "2", stdin=lines.encode())
    assert dev.returncode == 0, dev.stdout.decode() + dev.stderr.decode()
    assert sorted(p.name for p in (tmp_path / "o2").glob("*.pdf")) == [f"piped-{i}.i-131.pdf" for i in range(3)]

    source = write(tmp_path / "p.json", with_id(good, "substituted"))
    script = 'exec "$0" -m formfill batch <(cat "$1") -o "$2" --form "$3"'
    sub = subprocess.run(
        ["bash", "-c", script, sys.executable, str(source), str(tmp_path / "o3"), str(blank_plain)],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert sub.returncode == 0, sub.stdout.decode() + sub.stderr.decode()
    assert [p.name for p in (tmp_path / "o3").glob("*.pdf")] == ["substituted.i-131.pdf"]


def test_stdin_json_lines_with_a_broken_line(
    tmp_path: Path, blank_plain: Path, good: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    text = json.dumps(with_id(good, "s-1")) + "\n" + '{"id": "broken", ' + "\n" + json.dumps(with_id(good, "s-3"))
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode()), encoding="utf-8"))
    summary = batch(["-", "-"], tmp_path / "out", form=blank_plain, jobs=2)  # named twice, read once
    assert (summary.total, summary.succeeded, summary.failed) == (3, 2, 1)
    assert summary.failures[0].input == "<stdin>:2"
    assert summary.failures[0].problems[0].code == "invalid_json"


def test_cli_missing_input_is_reported_by_formfill_with_json(tmp_path: Path, blank_plain: Path) -> None:
    result = cli("batch", str(tmp_path / "nope.json"), "-o", str(tmp_path / "o"), "--form", str(blank_plain), "--json")
    assert result.returncode == 2
    doc = json.loads(result.stdout)
    assert doc["ok"] is False and doc["exit_code"] == 2 and "nope.json: no such file or folder" in doc["error"]


def test_help_documents_stdin_and_existing_outputs() -> None:
    text = " ".join(invoke("batch", "--help").output.split())
    assert "An input of - is standard input" in text
    assert "that input fails (output_exists, counted as a failure) and the others continue" in text


def test_batch_names_importable_although_the_package_rebinds_batch() -> None:
    import pickle

    import formfill
    from formfill.batch import BatchInterrupted as Interrupted
    from formfill.batch import BatchSummary, run_item

    assert callable(formfill.batch) and issubclass(Interrupted, KeyboardInterrupt) and BatchSummary
    assert pickle.loads(pickle.dumps(run_item)) is run_item  # what a worker process receives


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs and symlinks (POSIX)")
def test_every_entry_of_a_folder_is_filled_or_reported(tmp_path: Path, blank_plain: Path,
                                                        good: dict[str, Any]) -> None:
    """Issue 17: a profile behind a dangling symlink (a share not mounted) was passed over in silence ("1 of 1
    filled and verified", exit 0). Every *.json / *.jsonl entry is now filled or fails with its reason."""
    folder = tmp_path / "docket"
    write(folder / "a.json", with_id(good, "a"))
    (folder / "b.json").symlink_to("/nonexistent/share/b.json")
    (folder / "c.json").symlink_to("c.json")
    os.mkfifo(folder / "d.json")  # never waited on: no writer will ever come
    (folder / "e.jsonl").mkdir()
    (folder / "notes.txt").write_text("not a profile")  # other names are not inputs
    (folder / ".hidden.json").write_text("{}")
    report = tmp_path / "report.jsonl"
    result = cli("batch", str(folder), "-o", str(tmp_path / "out"), "--form", str(blank_plain), "--report",
                 str(report), "--json", "--jobs", "1", timeout=120)
    assert result.returncode == 1, result.stderr
    doc = json.loads(result.stdout)
    assert (doc["total"], doc["succeeded"], doc["failed"]) == (5, 1, 4)
    lines = {Path(line["input"]).name: line for line in read_report(report)}
    assert sorted(lines) == ["a.json", "b.json", "c.json", "d.json", "e.jsonl"]
    assert lines["a.json"]["ok"] is True
    reasons = {"b.json": "is a symlink to /nonexistent/share/b.json, which does not exist",
               "c.json": "cannot be read (a symlink loop)", "d.json": "not a regular file",
               "e.jsonl": "is a folder, not a profile file"}
    for name, why in reasons.items():
        line = lines[name]
        assert line["ok"] is False and why in line["error"] and line["problems"][0]["code"] == "unreadable", line
    text = cli("batch", str(folder), "-o", str(tmp_path / "out2"), "--form", str(blank_plain), "--jobs", "1")
    assert text.returncode == 1 and b"1 of 5 filled and verified, 4 failed" in text.stdout
    assert b"FAIL " + str(folder / "b.json").encode() + b" is a symlink to" in text.stdout
