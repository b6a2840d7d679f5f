"""formfill.startup: importing formfill pauses the cyclic collector for its imports and leaves it as it was; only a
process formfill owns (the `formfill` command) freezes what the imports built."""

from __future__ import annotations

import subprocess
import sys


def _run(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()


def _after_import(before: str) -> str:
    return _run(f"import gc\n{before}\nimport formfill\nprint(gc.isenabled(), gc.get_freeze_count() > 0)")


def test_collection_resumes_after_the_imports_and_a_library_import_freezes_nothing() -> None:
    assert _after_import("") == "True False"


def test_a_collector_the_caller_disabled_stays_disabled() -> None:
    assert _after_import("gc.disable()") == "False False"


def test_the_formfill_command_freezes_what_its_imports_built_and_main_in_process_does_not() -> None:
    code = ("import gc, sys, formfill.cli\nfor call in (lambda: formfill.cli.main(['--version']), formfill.cli.run):\n"
            "    sys.argv = ['formfill', '--version']\n    try:\n        call()\n    except SystemExit:\n        pass\n"
            "    print(gc.get_freeze_count() > 0, gc.isenabled())")
    said = [line for line in _run(code).splitlines() if not line.startswith("formfill, version")]
    assert said == ["False True", "True True"]


def test_collection_resumes_when_an_import_fails() -> None:
    code = ("import gc, sys\nsys.modules['formfill.batch'] = None  # an import that fails\n"
            "try:\n    import formfill\nexcept ImportError:\n    print(gc.isenabled())")
    assert _run(code) == "True"
