"""Bad paths and usage errors give a clear message and the right exit code, never a traceback."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

import formfill
from formfill.blanks import load_blank
from tests.helpers import SAMPLES, invoke

PROFILE = str(SAMPLES / "advance-parole-i485.json")


def run(*args: str, env: dict[str, str | None] | None = None) -> tuple[int, str, str]:
    """The shared in-process runner (no traceback, ever), as (exit code, stdout, stderr)."""
    result = invoke(*args, env=env)
    return result.exit_code, result.stdout, result.stderr


def test_output_under_a_file_is_a_clear_error(blank_plain: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    code, _, err = run("fill", PROFILE, "--form", str(blank_plain), "-o", str(blocker / "x.pdf"))
    assert code == 2
    assert "is a file, not a folder" in err


def test_output_that_is_a_folder_is_a_clear_error(blank_plain: Path, tmp_path: Path) -> None:
    code, _, err = run("fill", PROFILE, "--form", str(blank_plain), "-o", str(tmp_path), "--overwrite")
    assert code == 2
    assert "is a folder" in err


def test_written_pdfs_follow_the_umask(blank_plain: Path, tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        out = tmp_path / "a.pdf"
        assert run("fill", PROFILE, "--form", str(blank_plain), "-o", str(out))[0] == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(out.stat().st_mode) == 0o644


def test_usage_errors_are_json_when_json_was_asked_for(tmp_path: Path) -> None:
    code, out, _ = run("verify", str(tmp_path / "x.pdf"), "--json")
    assert code == 2
    doc = json.loads(out)
    assert doc["ok"] is False and doc["exit_code"] == 2 and "--profile" in doc["error"]


def test_deeply_nested_json_is_refused_cleanly(tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100000 + "]" * 100000)
    code, _, err = run("validate", str(deep))
    assert code == 2
    assert "nested too deeply" in err


def test_validate_names_a_missing_file_once_on_stderr(tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    code, out, err = run("validate", str(missing))
    assert code == 2
    assert err.count(str(missing)) == 1 and out == ""


def test_forms_fetch_with_a_bad_url_is_a_clear_error(tmp_path: Path) -> None:
    code, _, err = run("forms", "fetch", "--url", "not a url", env={"FORMFILL_HOME": str(tmp_path)})
    assert code == 2
    assert "not a URL" in err


def test_forms_add_twice_and_adding_the_stored_copy_are_fine(blank_plain: Path, tmp_path: Path) -> None:
    env = {"FORMFILL_HOME": str(tmp_path)}
    assert run("forms", "add", str(blank_plain), env=env)[0] == 0
    stored = next((tmp_path / "forms").glob("*.pdf"))
    assert run("forms", "add", str(blank_plain), env=env)[0] == 0
    assert run("forms", "add", str(stored), env=env)[0] == 0
    assert stored.read_bytes() == load_blank(blank_plain.read_bytes()).data  # the cleaned copy, kept once


def test_demo_leaves_existing_pdfs_alone(blank_plain: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run("demo", "--out", str(out), "--form", str(blank_plain))[0] == 0
    mine = out / "re-parole.i-131.pdf"
    mine.write_bytes(b"the client's own file")
    code, stdout, _ = run("demo", "--out", str(out), "--form", str(blank_plain))
    assert code == 0 and "skip re-parole.json" in stdout
    assert mine.read_bytes() == b"the client's own file"


def test_batch_names_are_exported() -> None:
    assert issubclass(formfill.BatchInterrupted, KeyboardInterrupt)
    assert formfill.BatchSummary.__name__ == "BatchSummary"


@pytest.mark.parametrize("digits", ["١٢٣٤٥٦٧٨٩", "１２３４５６７８９"])
def test_non_ascii_digits_are_refused_by_validate(digits: str, tmp_path: Path) -> None:
    data = json.loads(Path(PROFILE).read_text())
    data["applicant"]["a_number"] = digits
    p = tmp_path / "p.json"
    p.write_text(json.dumps(data), encoding="utf-8")
    code, out, _ = run("validate", str(p))
    assert code == 1 and "applicant.a_number" in out


def test_a_deeply_nested_value_inside_a_profile_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    data = json.loads(Path(PROFILE).read_text())
    deep: list[object] = []
    cur = deep
    for _ in range(600):
        nxt: list[object] = []
        cur.append(nxt)
        cur = nxt
    data["applicant"]["name"]["middle"] = deep
    p = tmp_path / "deep.json"
    p.write_text(json.dumps(data))
    code, out, _ = run("validate", str(p))
    assert code == 1 and "applicant.name.middle" in out
