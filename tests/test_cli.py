"""The `formfill` command line: exit codes, messages, JSON output, and never a half-written or clobbered file."""

from __future__ import annotations

import functools
import http.server
import json
import logging
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import formfill
from formfill.blanks import load_blank
from formfill.cli import main
from tests.helpers import REPO, SAMPLES, formfill_command, http_serving
from tests.helpers import invoke as run
from tests.helpers import load_sample as sample_data

SAMPLE = SAMPLES / "advance-parole-i485.json"


def write_profile(tmp_path: Path, data: Any, name: str = "profile.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data) if not isinstance(data, str) else data, encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the real per-user forms folder."""
    monkeypatch.setenv("FORMFILL_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("FORMFILL_FORMS_DIR", raising=False)


# --- fill ----------------------------------------------------------------------------------------


def test_fill_writes_a_form_that_verifies(tmp_path: Path, blank_plain: Path) -> None:
    out = tmp_path / "out.pdf"
    result = run("fill", str(SAMPLE), "--form", str(blank_plain), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert out.is_file() and out.read_bytes().startswith(b"%PDF")
    assert "verified" in result.output
    check = run("verify", str(out), "--profile", str(SAMPLE))
    assert check.exit_code == 0, check.output
    assert "verified" in check.output


def test_fill_json_output_parses(tmp_path: Path, blank_plain: Path) -> None:
    out = tmp_path / "out.pdf"
    result = run("fill", str(SAMPLE), "--form", str(blank_plain), "-o", str(out), "--json")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc["ok"] is True
    assert doc["output"] == str(out)
    assert (doc["form"], doc["edition"]) == ("I-131", "01/20/25")
    assert doc["id"] == "matter-2026-0412"
    assert doc["values_written"] > 40


def test_fill_default_output_name_uses_the_matter_id(tmp_path: Path, blank_plain: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("fill", str(SAMPLE), "--form", str(blank_plain))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "matter-2026-0412.i-131.pdf").is_file()


@pytest.mark.parametrize("label,change,key", [
    ("typo'd key", lambda d: d["applicant"].__setitem__("contry_of_birth", "Mexico"), "applicant.contry_of_birth"),
    ("bad date", lambda d: d["applicant"].__setitem__("date_of_birth", "1990-02-30"), "applicant.date_of_birth"),
    ("4-digit ZIP", lambda d: d["applicant"]["mailing_address"].__setitem__("zip_code", "9001"),
     "applicant.mailing_address.zip_code"),
    ("a basis for a reentry permit", lambda d: d["application"].update({"type": "reentry_permit"}),
     "application.basis"),
])
def test_a_bad_profile_fails_with_exit_1_naming_the_key_and_writes_nothing(
    label: str, change: Any, key: str, tmp_path: Path, blank_plain: Path
) -> None:
    data = sample_data()
    change(data)
    profile = write_profile(tmp_path, data)
    out = tmp_path / "out.pdf"
    result = run("fill", str(profile), "--form", str(blank_plain), "-o", str(out))
    assert result.exit_code == 1, f"{label}: {result.output}"
    assert key in result.output
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["profile.json"]  # no temporary file left either


def test_every_problem_is_named_in_one_run(tmp_path: Path, blank_plain: Path) -> None:
    data = sample_data()
    data["applicant"]["contry_of_birth"] = "Mexico"
    data["applicant"]["date_of_birth"] = "1990-02-30"
    data["applicant"]["mailing_address"]["zip_code"] = "9001"
    profile = write_profile(tmp_path, data)
    out = tmp_path / "out.pdf"
    result = run("fill", str(profile), "--form", str(blank_plain), "-o", str(out), "--json")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["ok"] is False
    paths = {p["path"] for p in doc["problems"]}
    assert {"applicant.contry_of_birth", "applicant.date_of_birth", "applicant.mailing_address.zip_code"} <= paths
    assert not out.exists()


def test_fill_refuses_to_overwrite_without_the_flag(tmp_path: Path, blank_plain: Path) -> None:
    out = tmp_path / "out.pdf"
    out.write_bytes(b"the paralegal's signed copy")
    result = run("fill", str(SAMPLE), "--form", str(blank_plain), "-o", str(out))
    assert result.exit_code == 2
    assert "--overwrite" in result.output
    assert out.read_bytes() == b"the paralegal's signed copy"
    again = run("fill", str(SAMPLE), "--form", str(blank_plain), "-o", str(out), "--overwrite")
    assert again.exit_code == 0, again.output
    assert out.read_bytes().startswith(b"%PDF")


def test_a_profile_that_is_not_json_exits_2_naming_the_file(tmp_path: Path, blank_plain: Path) -> None:
    profile = write_profile(tmp_path, "{ this is not json", name="broken-profile.json")
    result = run("fill", str(profile), "--form", str(blank_plain), "-o", str(tmp_path / "out.pdf"))
    assert result.exit_code == 2
    assert "broken-profile.json" in result.output
    assert "JSON" in result.output
    assert not (tmp_path / "out.pdf").exists()


def test_a_missing_profile_exits_2(tmp_path: Path, blank_plain: Path) -> None:
    result = run("fill", str(tmp_path / "nowhere.json"), "--form", str(blank_plain), "-o", str(tmp_path / "o.pdf"))
    assert result.exit_code == 2
    assert "nowhere.json" in result.output


def test_a_missing_blank_exits_2(tmp_path: Path) -> None:
    result = run("fill", str(SAMPLE), "--form", str(tmp_path / "no-blank.pdf"), "-o", str(tmp_path / "o.pdf"))
    assert result.exit_code == 2
    assert "no-blank.pdf" in result.output
    assert not (tmp_path / "o.pdf").exists()


def test_no_blank_anywhere_exits_2_and_says_how_to_get_one(tmp_path: Path) -> None:
    result = run("fill", str(SAMPLE), "-o", str(tmp_path / "o.pdf"))
    assert result.exit_code == 2
    assert "forms fetch" in result.output or "--form" in result.output


def test_identifiers_never_appear_in_the_output_of_a_failing_fill(
    tmp_path: Path, blank_plain: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data = sample_data()  # SSN 123-45-6789 and A-Number A-123-456-789 are valid...
    data["applicant"]["mailing_address"]["zip_code"] = "9001"  # ...but the ZIP is not
    profile = write_profile(tmp_path, data)
    caplog.set_level(logging.DEBUG)
    for extra in ([], ["--json"]):
        result = run("fill", str(profile), "--form", str(blank_plain), "-o", str(tmp_path / "o.pdf"), *extra)
        assert result.exit_code == 1
        for secret in ("123456789", "123-45-6789", "123-456-789"):
            assert secret not in result.output
            assert secret not in caplog.text


def test_an_invalid_ssn_is_not_echoed_back(tmp_path: Path, blank_plain: Path) -> None:
    data = sample_data()
    data["applicant"]["ssn"] = "912-34-5678"  # never issued: refused, and not repeated in the message
    profile = write_profile(tmp_path, data)
    result = run("fill", str(profile), "--form", str(blank_plain), "-o", str(tmp_path / "o.pdf"))
    assert result.exit_code == 1
    assert "applicant.ssn" in result.output
    assert "912" not in result.output


# --- validate, verify, fields, schema ------------------------------------------------------------


def test_validate_json_reports_valid_and_invalid(tmp_path: Path) -> None:
    ok = run("validate", str(SAMPLE), "--json")
    assert ok.exit_code == 0
    assert json.loads(ok.stdout)["ok"] is True
    data = sample_data()
    data["applicant"]["mailing_address"]["zip_code"] = "9001"
    bad = run("validate", str(write_profile(tmp_path, data)), "--json")
    assert bad.exit_code == 1
    doc = json.loads(bad.stdout)
    assert doc["ok"] is False
    assert "applicant.mailing_address.zip_code" in [p["path"] for p in doc["problems"]]


def test_validate_every_sample_in_one_run() -> None:
    samples = sorted(str(p) for p in SAMPLES.glob("*.json"))
    result = run("validate", *samples, "--json")
    assert result.exit_code == 0
    reports = json.loads(result.stdout)
    assert len(reports) == len(samples) >= 5
    assert all(r["ok"] for r in reports)


def test_validate_unreadable_profile_exits_2(tmp_path: Path) -> None:
    result = run("validate", str(write_profile(tmp_path, "[1, 2", name="half.json")))
    assert result.exit_code == 2
    assert "half.json" in result.output


def test_verify_against_its_own_profile_and_another(tmp_path: Path, blank_plain: Path) -> None:
    out = tmp_path / "out.pdf"
    assert run("fill", str(SAMPLE), "--form", str(blank_plain), "-o", str(out)).exit_code == 0
    same = run("verify", str(out), "--profile", str(SAMPLE), "--json")
    assert same.exit_code == 0
    assert json.loads(same.stdout)["ok"] is True
    other = run("verify", str(out), "--profile", str(SAMPLES / "daca-educational.json"))
    assert other.exit_code == 1
    assert "does not match" in other.output


def test_verify_a_missing_file_exits_2(tmp_path: Path) -> None:
    result = run("verify", str(tmp_path / "gone.pdf"), "--profile", str(SAMPLE))
    assert result.exit_code == 2
    assert "gone.pdf" in result.output


def test_fields_lists_every_field_with_its_details(blank_plain: Path) -> None:
    result = run("fields", "--form", str(blank_plain), "--json")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert (doc["form"], doc["edition"]) == ("I-131", "01/20/25")
    rows = {r["name"]: r for r in doc["fields"]}
    assert len(rows) >= 339
    for row in rows.values():
        assert {"page", "type", "states", "max_len", "tooltip"} <= set(row)
    sex = rows["form1[0].P5[0].Part2_Line8_Gender[0]"]
    assert (sex["page"], sex["type"], sex["states"]) == (5, "check", ["/F"])
    assert "Female" in sex["tooltip"]
    city = rows["form1[0].P5[0].Part2_Line3_CityTown[0]"]
    assert (city["type"], city["max_len"]) == ("text", 20)
    assert sum(1 for r in rows.values() if r["type"] == "check") == 143


def test_fields_text_output(blank_plain: Path) -> None:
    result = run("fields", "--form", str(blank_plain))
    assert result.exit_code == 0
    assert "Form I-131 edition 01/20/25" in result.output
    assert "Part2_Line3_CityTown" in result.output


def test_schema_is_json_with_the_application_section() -> None:
    result = run("schema")
    assert result.exit_code == 0
    assert "application" in json.loads(result.output)["properties"]


# --- --version -----------------------------------------------------------------------------------


def test_version_from_the_installed_script_and_python_m() -> None:
    script = Path(sys.executable).parent / "formfill"
    commands = [formfill_command("--version")]
    if script.exists():
        commands.append([str(script), "--version"])
    for command in commands:
        done = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=REPO)
        assert done.returncode == 0, done.stderr
        assert formfill.__version__ in done.stdout
        assert "formfill" in done.stdout


# --- the forms folder ----------------------------------------------------------------------------


def test_forms_add_accepts_the_current_edition_and_fill_then_finds_it(
    tmp_path: Path, blank_plain: Path, blank_2019: Path
) -> None:
    home = tmp_path / "home"
    added = run("forms", "add", str(blank_plain))
    assert added.exit_code == 0, added.output
    copies = list((home / "forms").glob("*.pdf"))
    assert [p.name for p in copies] == ["i-131_01-20-25.pdf"]
    assert copies[0].read_bytes() == load_blank(blank_plain.read_bytes()).data  # the cleaned copy
    out = tmp_path / "out.pdf"
    filled = run("fill", str(SAMPLE), "-o", str(out))  # no --form: the added blank is found
    assert filled.exit_code == 0, filled.output
    assert out.is_file()


def test_forms_add_refuses_the_2019_edition(tmp_path: Path, blank_2019: Path) -> None:
    result = run("forms", "add", str(blank_2019))
    assert result.exit_code == 2
    assert "04/24/19" in result.output
    assert "01/20/25" in result.output
    assert not list((tmp_path / "home").rglob("*.pdf"))


@pytest.fixture
def local_server(tmp_path: Path, blank_plain: Path) -> Iterator[str]:
    site = tmp_path / "site"
    site.mkdir()
    shutil.copyfile(blank_plain, site / "i-131.pdf")
    handler = functools.partial(_QuietHandler, directory=str(site))
    with http_serving(handler) as base:
        yield base


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_forms_fetch_downloads_and_checks_the_blank(local_server: str, tmp_path: Path, blank_plain: Path) -> None:
    result = run("forms", "fetch", "--url", f"{local_server}/i-131.pdf", "--timeout", "10")
    assert result.exit_code == 0, result.output
    fetched = tmp_path / "home" / "forms" / "i-131_01-20-25.pdf"
    assert fetched.read_bytes() == load_blank(blank_plain.read_bytes()).data  # the cleaned copy
    assert not list((tmp_path / "home" / "forms").glob("*.part"))


def test_forms_fetch_of_something_else_is_refused(local_server: str, tmp_path: Path) -> None:
    result = run("forms", "fetch", "--url", f"{local_server}/missing.pdf", "--timeout", "10")
    assert result.exit_code == 2
    assert not list((tmp_path / "home").rglob("*.pdf"))


def test_forms_fetch_offline_says_so(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # The socket is closed: nothing listens on that port any more.
    result = run("forms", "fetch", "--url", f"http://127.0.0.1:{port}/i-131.pdf", "--timeout", "5")
    assert result.exit_code == 2
    assert "offline" in result.output
    assert "forms add" in result.output
    assert not list((tmp_path / "home").rglob("*.pdf"))


def _json_commands() -> list[str]:
    """Every command (and group subcommand) that takes --json, by its name as typed."""
    import click

    found: list[str] = []

    def walk(cmd: click.Command, prefix: str) -> None:
        if isinstance(cmd, click.Group):
            ctx = click.Context(cmd)
            for name in cmd.list_commands(ctx):  # lazy commands (review, extract, ...) load here
                sub = cmd.get_command(ctx, name)
                assert sub is not None
                walk(sub, f"{prefix} {name}".strip())
        elif any("--json" in p.opts for p in cmd.params if isinstance(p, click.Option)):
            found.append(prefix)

    walk(main, "")
    return sorted(found)


def test_the_readme_json_section_documents_every_command_that_takes_json() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## JSON output", 1)[1].split("\n## ", 1)[0]
    commands = _json_commands()
    assert {"fill", "review", "extract", "diff", "forms list"} <= set(commands)
    missing = [c for c in commands if f"`{c} --json`" not in section]
    assert not missing, f"the README's JSON output section does not describe: {missing}"
