"""formfill.startup: importing formfill pauses the cyclic collector for its imports and leaves it as it was."""

from __future__ import annotations

import subprocess
import sys


def _after_import(before: str) -> str:
    code = f"import gc\n{before}\nimport formfill\nprint(gc.isenabled(), gc.get_freeze_count() > 0)"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()


def test_collection_resumes_after_the_imports_with_what_they_built_frozen() -> None:
    assert _after_import("") == "True True"


def test_a_collector_the_caller_disabled_stays_disabled_and_nothing_is_frozen() -> None:
    assert _after_import("gc.disable()") == "False False"


def test_collection_resumes_when_an_import_fails() -> None:
    code = ("import gc, sys\nsys.modules['formfill.batch'] = None  # an import that fails\n"
            "try:\n    import formfill\nexcept ImportError:\n    print(gc.isenabled())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "True"
