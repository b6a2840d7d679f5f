"""formfill.forms: the forms folders (issue 17, "inputs of every kind").

A dangling symlink or a symlink loop in a forms folder used to make every fill without --form, and
`forms list`, exit 2 "Cannot read the blank form" although the real blank was right there. Such an entry
is now skipped and named: a warning on stderr for a fill, a "not usable" line with the reason in
`forms list`. `kept_files` lists what no output may replace.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from formfill.errors import FormError
from formfill.forms import UNREADABLE, kept_files, scan
from formfill.pdf.blank import BlankForm
from tests.conftest import SAMPLES

PROFILE = SAMPLES / "re-parole.json"
posix_only = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs and symlinks (POSIX)")


def run(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "formfill", *args], capture_output=True, text=True, timeout=180,
                          cwd=cwd, env=env, check=False)


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
@pytest.mark.slow
def test_fill_and_forms_list_skip_and_name_a_dangling_symlink_or_a_loop(folder_with_traps: Path,
                                                                       tmp_path: Path) -> None:
    home = folder_with_traps.parent
    env = {**os.environ, "FORMFILL_HOME": str(home), "FORMFILL_CACHE_DIR": str(tmp_path / "cache"),
           "FORMFILL_OFFLINE": "1"}
    env.pop("FORMFILL_FORMS_DIR", None)
    done = run("fill", str(PROFILE), "-o", str(tmp_path / "out.pdf"), env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out.pdf").read_bytes().startswith(b"%PDF")
    warnings = [line for line in done.stderr.splitlines() if line.startswith("formfill: warning:")]
    assert len(warnings) == 3, done.stderr
    assert any(f"{folder_with_traps / 'a-dangling.pdf'} is a symlink to /nonexistent/share/i-131.pdf, which does "
               "not exist; skipped" in w for w in warnings)
    assert any(f"{folder_with_traps / 'b-loop.pdf'} cannot be read (a symlink loop); skipped" in w for w in warnings)

    listed = run("forms", "list", "--json", env=env, cwd=tmp_path)
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
    assert any(p.name == "i-131_01-20-25.json" and "field map" in what for p, what in kept.items())
    assert any(p.name == "package_rules.json" and p.is_file() for p in kept)
