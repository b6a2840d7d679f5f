"""Layers point one way: formfill/pdf knows PDFs only, the library never imports the CLI, no import cycles.

Every module's imports are read from its source (ast), including those inside functions and under
TYPE_CHECKING: a type-only or deferred import is a dependency all the same. The implicit import of a
package's own __init__ is not counted; `from formfill import __version__` is (it runs formfill/__init__).
"""

from __future__ import annotations

import ast
from pathlib import Path

import formfill

PACKAGE = "formfill"
ROOT = Path(formfill.__file__).resolve().parent
SHARED = frozenset({"formfill.errors", "formfill.masking", "formfill.files"})
"""Modules every layer may import, pdf/ included: errors and the project's shared leaves (the one masker
errors uses, the one bounded reader and atomic writer pdf/ uses). They import nothing of formfill outside
this set, so pdf/ can never reach the form layer through them."""
PDF = "formfill.pdf"
CLI = "formfill.cli"
ENTRY_POINTS = frozenset({"formfill.__main__"})  # `python -m formfill`: the CLI's own shell, not the library


def modules(root: Path, package: str) -> dict[str, Path]:
    """Dotted name -> source file for every module of the package under `root`."""
    found: dict[str, Path] = {}
    for path in sorted(root.rglob("*.py")):
        parts = [package, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _nearest(name: str, known: dict[str, Path]) -> str | None:
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(name: str, path: Path, known: dict[str, Path], package: str) -> set[str]:
    """The package's modules that `name` imports (a name imported from a module counts as that module)."""
    here = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = here.split(".")[: len(here.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        else:
            continue
        for target in targets:
            if target == package or target.startswith(package + "."):
                module = _nearest(target, known)
                if module is not None and module != name:
                    found.add(module)
    return found


def import_graph(root: Path = ROOT, package: str = PACKAGE) -> dict[str, set[str]]:
    known = modules(root, package)
    return {name: imports_of(name, path, known, package) for name, path in known.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            nxt = next(edges, None)
            if nxt is not None:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph.get(nxt, ())))))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return sorted(found)


def _inside(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def pdf_violations(graph: dict[str, set[str]]) -> list[str]:
    return sorted(f"{m} imports {d}" for m, deps in graph.items() if _inside(m, PDF)
                  for d in deps if not _inside(d, PDF) and d not in SHARED)


def cli_violations(graph: dict[str, set[str]]) -> list[str]:
    return sorted(f"{m} imports {d}" for m, deps in graph.items()
                  if not _inside(m, CLI) and m not in ENTRY_POINTS for d in deps if _inside(d, CLI))


GRAPH = import_graph()


def test_every_module_is_read() -> None:
    assert {"formfill.api", "formfill.pdf.blank", "formfill.cli.fill_cmds", "formfill.errors"} <= set(GRAPH)
    assert "formfill.pdf.blank" in GRAPH["formfill.pdf.writer"]
    assert "formfill.pdf.keys" in GRAPH["formfill.pdf.blank"]  # `from formfill.pdf import keys` is that module


def test_no_import_cycle() -> None:
    assert cycles(GRAPH) == []


def test_pdf_imports_nothing_of_formfill_outside_pdf_but_the_shared_modules() -> None:
    assert pdf_violations(GRAPH) == []


def test_the_shared_modules_import_only_each_other() -> None:
    assert {m: sorted(GRAPH[m] - SHARED) for m in SHARED if GRAPH.get(m, set()) - SHARED} == {}


def test_the_library_never_imports_the_cli() -> None:
    assert cli_violations(GRAPH) == []
    assert not {d for d in GRAPH["formfill.batch"] if _inside(d, CLI)}, "batch is library: it names outputs itself"


# --- the checks find what they look for, on a small package built here --------------------------------


def _package(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / "formfill" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root / "formfill"


def test_the_checks_catch_a_cycle_a_pdf_import_and_a_cli_import(tmp_path: Path) -> None:
    pkg = _package(tmp_path, {
        "__init__.py": "from formfill.api import fill\n",
        "errors.py": "",
        "api.py": "from formfill import layout\nfrom formfill.pdf.writer import write\n",
        "layout.py": "def f():\n    from . import api\n",  # a deferred import closes the cycle all the same
        "batch.py": "from formfill.cli.fill_cmds import safe_name\n",
        "pdf/__init__.py": "",
        "pdf/writer.py": "from typing import TYPE_CHECKING\nfrom ..errors import E\nif TYPE_CHECKING:\n"
                         "    from formfill.fieldmap import Entry\n",
        "fieldmap.py": "from formfill.pdf import writer\n",
        "cli/__init__.py": "from formfill import __version__, batch\n",
        "cli/fill_cmds.py": "from formfill import api\n",
        "__main__.py": "from formfill.cli import main\n",
    })
    graph = import_graph(pkg, "formfill")
    assert graph["formfill.layout"] == {"formfill.api"}
    assert graph["formfill.cli"] == {"formfill", "formfill.batch"}
    assert graph["formfill.fieldmap"] == {"formfill.pdf.writer"}
    assert cycles(graph) == [["formfill.api", "formfill.layout"],
                             ["formfill.fieldmap", "formfill.pdf.writer"]]
    assert pdf_violations(graph) == ["formfill.pdf.writer imports formfill.fieldmap"]
    assert cli_violations(graph) == ["formfill.batch imports formfill.cli.fill_cmds"]


def test_a_clean_package_passes(tmp_path: Path) -> None:
    pkg = _package(tmp_path, {
        "__init__.py": "from formfill.api import fill\nfrom formfill.version import __version__\n",
        "version.py": "__version__ = '1'\n",
        "errors.py": "",
        "api.py": "from formfill.pdf.writer import write\nfrom formfill.errors import E\n",
        "pdf/__init__.py": "",
        "pdf/writer.py": "from formfill.errors import E\nfrom formfill.pdf import keys\n",
        "pdf/keys.py": "",
        "cli/__init__.py": "from formfill import api\nfrom formfill.version import __version__\n",
    })
    graph = import_graph(pkg, "formfill")
    assert cycles(graph) == [] and pdf_violations(graph) == [] and cli_violations(graph) == []
