"""The test suite's own rules and shared helpers (tests/helpers.py, tests/conftest.py).

Tests see formfill as its users do: through public names only. Each pytest-xdist worker has its own
cache and home, so tests never meet another worker's files.
"""

from __future__ import annotations

import ast
import os
import sys
from pathlib import Path

import pytest

from tests.helpers import (
    REPO,
    SAMPLES,
    assert_refused,
    formfill_env,
    invoke,
    load_sample,
    run_formfill,
    run_untrusted,
    sample_names,
    sample_path,
)

TESTS = REPO / "tests"


def private_uses(source: str) -> list[str]:
    """Every use of a private (`_name`) formfill name in a test module's source, as `line: what`."""
    tree = ast.parse(source)
    modules: set[str] = set()  # local names bound to formfill or one of its modules
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "formfill":
                    modules.add(alias.asname or "formfill")
                    if any(part.startswith("_") and not part.startswith("__") for part in alias.name.split(".")):
                        found.append(f"{node.lineno}: import {alias.name}")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "formfill":
            for alias in node.names:
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    found.append(f"{node.lineno}: from {node.module} import {alias.name}")
                modules.add(alias.asname or alias.name)
        elif isinstance(node, ast.Assign) and "import_module" in ast.unparse(node.value):
            modules.update(ast.unparse(target) for target in node.targets)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
            if ast.unparse(node.value).split(".")[0] in modules:
                found.append(f"{node.lineno}: {ast.unparse(node)}")
        elif isinstance(node, ast.Call) and ast.unparse(node.func).endswith(("setattr", "delattr")):
            args = node.args
            if (len(args) >= 2 and isinstance(args[1], ast.Constant) and str(args[1].value).startswith("_")
                    and ast.unparse(args[0]).split(".")[0] in modules):
                found.append(f"{node.lineno}: {ast.unparse(node)}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("formfill."):
            parts = node.value.split(".")
            if any(part.startswith("_") and not part.startswith("__") for part in parts):
                found.append(f"{node.lineno}: {node.value!r}")
    return found


def test_the_private_name_check_finds_each_kind_of_use() -> None:
    source = "\n".join([
        "import formfill.pdf._hidden",
        "from formfill.extract import _prune, extract",
        "from formfill.pdf import verify as verify_mod",
        "import importlib",
        "batch_module = importlib.import_module('formfill.batch')",
        "verify_mod._fields(None)",
        "monkeypatch.setattr(batch_module, '_init_worker', None)",
        "monkeypatch.setattr('formfill.layout._wrap_plain', None)",
        "extract(writer._root_object)",  # pypdf's private names are not formfill's: a different rule
    ])
    assert sorted(int(use.split(":")[0]) for use in private_uses(source)) == [1, 2, 6, 7, 8]


@pytest.mark.parametrize("path", sorted(TESTS.glob("*.py")), ids=lambda p: p.name)
def test_tests_use_only_public_formfill_names(path: Path) -> None:
    assert private_uses(path.read_text(encoding="utf-8")) == [], f"{path.name} uses formfill's private names"


def test_load_sample_gives_a_fresh_copy_each_time() -> None:
    first = load_sample("re-parole")
    first["applicant"]["name"]["family"] = "CHANGED"
    again = load_sample("re-parole")
    assert again["applicant"]["name"]["family"] != "CHANGED"
    assert again == load_sample("re-parole") and again["form"] == "I-131"


def test_sample_names_are_the_bundled_files() -> None:
    names = sample_names()
    assert len(names) >= 7 and names == sorted(p.stem for p in SAMPLES.glob("*.json"))
    assert all(sample_path(name).is_file() for name in names)
    with pytest.raises(FileNotFoundError, match="no-such-sample"):
        sample_path("no-such-sample")


def test_invoke_returns_what_the_user_saw() -> None:
    ok = invoke("validate", str(sample_path("re-parole")))
    assert ok.exit_code == 0
    missing = invoke("validate", str(REPO / "no-such-profile.json"))
    assert missing.exit_code == 2 and "no-such-profile.json" in missing.stderr


def test_invoke_fails_the_test_when_the_cli_crashes(monkeypatch: pytest.MonkeyPatch) -> None:
    from formfill.cli import main

    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(main, "main", crash)  # click.testing calls main.main(); a crash is never a clean exit
    with pytest.raises(AssertionError, match="boom"):
        invoke("--version")


def test_run_formfill_applies_and_removes_environment_variables() -> None:
    code = "import os; print(os.environ.get('FORMFILL_A'), os.environ.get('FORMFILL_B'))"
    os.environ["FORMFILL_B"] = "inherited"
    try:
        done = run_formfill(env={"FORMFILL_A": "set", "FORMFILL_B": None}, text=True, argv=[sys.executable, "-c", code])
        kept = run_formfill(text=True, argv=[sys.executable, "-c", code])
    finally:
        del os.environ["FORMFILL_B"]
    assert done.stdout.split() == ["set", "None"]
    assert kept.stdout.split() == ["None", "inherited"]
    assert formfill_env({"FORMFILL_B": None}).get("FORMFILL_B") is None


def test_run_untrusted_is_a_real_process_with_its_own_home_and_no_forms_folder(tmp_path: Path,
                                                                             blank_plain: Path) -> None:
    home = tmp_path / "home"
    empty = run_untrusted("forms", "list", home=home)
    assert empty.returncode == 0 and "no blanks found" in empty.stdout, empty.stdout + empty.stderr
    added = run_untrusted("forms", "add", str(blank_plain), home=home)
    assert added.returncode == 0, added.stderr
    assert [p.name for p in (home / "forms").iterdir()] == ["i-131_01-20-25.pdf"]
    assert_refused(run_untrusted("validate", str(tmp_path / "none.json"), home=home), "none.json")
    with pytest.raises(AssertionError):
        assert_refused(added)


def test_each_worker_has_its_own_cache_and_home(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Session fixtures in conftest.py run once per xdist worker, inside that worker's own basetemp."""
    base = tmp_path_factory.getbasetemp()
    for var in ("FORMFILL_CACHE_DIR", "FORMFILL_HOME"):
        assert Path(os.environ[var]).is_relative_to(base), (var, os.environ[var], base)
    assert os.environ["FORMFILL_FORMS_URL"].startswith("http://127.0.0.1:")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker is not None:  # under -n, the basetemp is the worker's own folder (popen-gw0, popen-gw1, ...)
        assert base.name.endswith(worker)


def test_the_slow_marker_is_registered(pytestconfig: pytest.Config) -> None:
    markers = pytestconfig.getini("markers")
    assert any(str(line).startswith("slow:") for line in markers)
    assert pytestconfig.getoption("strict_markers"), "an unregistered (misspelt) marker must fail collection"
