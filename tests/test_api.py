"""formfill.api.guard_output, through every command that writes (issue 17: "outputs that replace what must stay").

Each writer (fill, fill --flatten, review, extract, batch PDFs and --report, demo, forms add) is pointed at
every kind of file formfill keeps: a stored blank in FORMFILL_FORMS_DIR and in the per-user folder (also
through a symlink and a hard link), a cache entry, a field map, the rules file, and for batch its inputs.
Each is refused (exit 2 naming the path; a batch or demo fails that one PDF) and no byte of any of them
changes. Everything lives in tmp folders (FORMFILL_FORMS_DIR, FORMFILL_HOME, FORMFILL_CACHE_DIR,
FORMFILL_PACKAGES_DIR), so the real shared blanks are never at risk; the rules file, which lives in the
package, is only ever reached through a symlink, which a broken guard would replace, never write through.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from formfill.blanks import load_blank
from tests.helpers import REPO, SAMPLES, invoke

PROFILE = SAMPLES / "re-parole.json"
PROFILE_ID = json.loads(PROFILE.read_text())["id"]


@dataclass
class World:
    root: Path
    env: dict[str, str]
    profile: Path
    filled: Path
    targets: dict[str, Path]  # what an output must never replace, by the name the test gives it

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        """The CLI in this process (a fresh interpreter proves nothing more here), in the world's folder."""
        with contextlib.chdir(self.root):
            result = invoke(*args, env=self.env)
        return subprocess.CompletedProcess(list(args), result.exit_code, result.stdout, result.stderr)

    def digests(self) -> dict[str, str]:
        """The bytes of every protected file (links resolved), so a test can prove nothing changed."""
        return {name: hashlib.sha256(path.resolve().read_bytes()).hexdigest() for name, path in self.targets.items()}


@pytest.fixture
def world(tmp_path: Path, blank_plain: Path, blank_2019: Path) -> World:
    shared, home, cache, maps, links = (tmp_path / n for n in ("shared", "home", "cache", "maps", "links"))
    for folder in (shared, home / "forms", cache, maps, links):
        folder.mkdir(parents=True)
    shutil.copyfile(blank_plain, shared / blank_plain.name)  # the blank every fill here uses
    shutil.copyfile(blank_2019, home / "forms" / blank_2019.name)  # a stored blank no fill uses
    shutil.copytree(REPO / "field_maps" / "i-131", maps / "i-131")  # a firm's copy of the form package, in use
    profile = tmp_path / "in" / "client.json"
    profile.parent.mkdir()
    shutil.copyfile(PROFILE, profile)
    env = {**os.environ, "FORMFILL_FORMS_DIR": str(shared), "FORMFILL_HOME": str(home),
           "FORMFILL_CACHE_DIR": str(cache), "FORMFILL_PACKAGES_DIR": str(maps), "FORMFILL_OFFLINE": "1"}
    w = World(tmp_path, env, profile, tmp_path / "filled.pdf", {})
    done = w.run("fill", str(profile), "-o", str(w.filled))  # fills the cache too
    assert done.returncode == 0, done.stderr
    stored = home / "forms" / blank_2019.name
    (links / "soft.pdf").symlink_to(stored)
    os.link(stored, links / "hard.pdf")
    (links / "rules.json").symlink_to(maps / "i-131" / "package-rules.json")
    w.targets = {
        "the blank in FORMFILL_FORMS_DIR": shared / blank_plain.name,
        "a blank in the per-user folder": stored,
        "a symlink to a stored blank": links / "soft.pdf",
        "a hard link to a stored blank": links / "hard.pdf",
        "a cache entry": sorted(cache.glob("prepared-*.pdf"))[0],
        "a field map in use": maps / "i-131" / "01-20-25.json",
        "the rules file (through a symlink)": links / "rules.json",
    }
    return w


def assert_refused(done: subprocess.CompletedProcess[str], target: Path) -> None:
    assert done.returncode == 2, (target, done.returncode, done.stdout[-500:], done.stderr[-1500:])
    assert "Traceback" not in done.stderr
    assert "cannot write" in done.stderr and str(target) in done.stderr, done.stderr


COMMANDS = {
    "fill": ["fill", "{profile}", "-o", "{target}", "--overwrite"],
    "fill --flatten": ["fill", "{profile}", "-o", "{target}", "--overwrite", "--flatten"],
    "review": ["review", "{profile}", "-o", "{target}", "--overwrite"],
    "extract": ["extract", "{filled}", "-o", "{target}", "--overwrite"],
    "batch --report": ["batch", "{profile}", "-o", "{root}/out", "--report", "{target}", "--overwrite"],
}


@pytest.mark.parametrize("command", list(COMMANDS))
def test_no_writer_replaces_a_file_formfill_keeps(world: World, command: str) -> None:
    before = world.digests()
    links = {name for name, target in world.targets.items() if target.is_symlink()}
    for name, target in world.targets.items():
        args = [a.format(profile=world.profile, filled=world.filled, target=target, root=world.root)
                for a in COMMANDS[command]]
        assert_refused(world.run(*args), target)
        assert world.digests() == before, f"{command} -o {name} changed a protected file"
        assert {n for n, t in world.targets.items() if t.is_symlink()} == links  # not even a link replaced


def test_batch_pdfs_never_replace_a_kept_file_or_a_batch_input(world: World) -> None:
    """A batch PDF's name is planned (<id>.i-131.pdf): made a link to a protected file, that input fails."""
    other = world.profile.parent / "other.jsonl"
    other.write_text(json.dumps({**json.loads(PROFILE.read_text()), "id": "other"}) + "\n")
    kinds = ("the blank in FORMFILL_FORMS_DIR", "a hard link to a stored blank", "a cache entry")  # as fill's guard
    targets = {**{k: world.targets[k] for k in kinds}, "a batch input": other}
    before = {name: hashlib.sha256(p.resolve().read_bytes()).hexdigest() for name, p in targets.items()}
    out = world.root / "out"
    out.mkdir()
    planned = out / f"{PROFILE_ID}.i-131.pdf"
    for name, target in targets.items():
        planned.unlink(missing_ok=True)
        planned.symlink_to(target)
        done = world.run("batch", str(world.profile), str(other), "-o", str(out), "--overwrite", "--json",
                         "--report", str(world.root / "report.jsonl"))
        doc = json.loads(done.stdout)
        assert done.returncode == 1 and doc["failed"] == 1 and doc["succeeded"] == 1, (name, doc)
        (failure,) = doc["failures"]
        assert failure["problems"][0]["code"] == "unsafe_output" and str(planned) in failure["error"], failure
        after = {n: hashlib.sha256(p.resolve().read_bytes()).hexdigest() for n, p in targets.items()}
        assert after == before, f"a batch PDF replaced {name}"
        assert planned.is_symlink()


def test_demo_never_replaces_a_kept_file(world: World) -> None:
    before = world.digests()
    out = world.root / "demo"
    out.mkdir()
    sample = sorted(SAMPLES.glob("*.json"))[0]
    planned = out / f"{sample.stem}.i-131.pdf"
    for name in ("a blank in the per-user folder", "a cache entry"):
        planned.unlink(missing_ok=True)
        planned.symlink_to(world.targets[name])
        done = world.run("demo", "--out", str(out), "--overwrite")
        assert done.returncode == 1 and f"FAIL {sample.name}" in done.stdout, done.stdout + done.stderr
        assert str(planned) in done.stdout and "Traceback" not in done.stderr
        assert world.digests() == before, f"demo replaced {name}"


def test_forms_add_never_replaces_a_kept_file_through_its_destination(world: World, blank_plain: Path) -> None:
    """`forms add` replaces the stored blank of its edition, and nothing else, also through a link."""
    dest = Path(world.env["FORMFILL_HOME"]) / "forms" / blank_plain.name
    new = world.root / "downloaded.pdf"
    shutil.copyfile(blank_plain, new)
    before = world.digests()
    for name in ("a blank in the per-user folder", "a cache entry", "a field map in use",
                 "the rules file (through a symlink)"):
        dest.unlink(missing_ok=True)
        dest.symlink_to(world.targets[name].resolve())
        assert_refused(world.run("forms", "add", str(new)), dest)
        assert world.digests() == before, f"forms add replaced {name}"
        assert dest.is_symlink()
    dest.unlink()
    done = world.run("forms", "add", str(new))  # the plain case still works
    # forms add keeps the cleaned copy of the checked bytes (no script in a file formfill stores), issue 17
    assert done.returncode == 0 and dest.read_bytes() == load_blank(blank_plain.read_bytes()).data, done.stderr


def test_guard_output_refuses_kept_files_in_process(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Python API: the same guard (formfill.fill and formfill.extract)."""
    import formfill
    from formfill.errors import UnsafeOutputError
    from formfill.extract import extract

    for key in ("FORMFILL_FORMS_DIR", "FORMFILL_HOME", "FORMFILL_CACHE_DIR", "FORMFILL_PACKAGES_DIR"):
        monkeypatch.setenv(key, world.env[key])
    before = world.digests()
    for target in world.targets.values():
        with pytest.raises(UnsafeOutputError, match="would replace the input"):
            extract(world.filled, output=target, overwrite=True)
        with pytest.raises(UnsafeOutputError, match="would replace the input"):
            formfill.fill(json.loads(PROFILE.read_text()), output=target, overwrite=True)
    assert world.digests() == before
