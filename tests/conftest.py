"""Shared fixtures: the real blank forms (never committed here), the bundled samples, and a private
environment per test process (so `pytest -n auto` workers never share a cache, a home or a port).

Helpers live in tests/helpers.py; the names below are re-exported only for tests written before it.
"""

from __future__ import annotations

import os
import resource
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import REPO, SAMPLES, closed_port, deadline, forms_dir, load_sample, real_blank, require_tool

__all__ = ["REPO", "SAMPLES", "deadline", "forms_dir", "require_tool"]


@pytest.fixture(scope="session")
def blank_plain() -> Path:
    return real_blank("i-131_01-20-25.pdf")


@pytest.fixture(scope="session")
def blank_encrypted() -> Path:
    return real_blank("i-131_01-20-25_encrypted.pdf")


@pytest.fixture(scope="session")
def blank_2019() -> Path:
    return real_blank("i-131_04-24-19.pdf")


@pytest.fixture
def sample() -> Callable[..., dict[str, Any]]:
    """Load a bundled sample profile as a fresh dict: sample('advance-parole-i485')."""
    return load_sample


# Session fixtures run once per process: under pytest-xdist once per worker, each in the worker's own
# basetemp (tmp_path_factory gives every worker a separate folder), so workers never share these.


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Prepared blanks are cached per user; tests keep theirs to themselves."""
    os.environ["FORMFILL_CACHE_DIR"] = str(tmp_path_factory.mktemp("formfill-cache"))


@pytest.fixture(autouse=True, scope="session")
def _private_home(tmp_path_factory: pytest.TempPathFactory) -> None:
    """No test reads or writes the real per-user forms and packages folders; a test that needs its own
    home sets FORMFILL_HOME itself (monkeypatch), and that wins."""
    os.environ["FORMFILL_HOME"] = str(tmp_path_factory.mktemp("formfill-home"))


@pytest.fixture(autouse=True, scope="session")
def _no_internet() -> None:
    """A test that ends up downloading a blank meets a closed port on this machine, never uscis.gov."""
    os.environ["FORMFILL_FORMS_URL"] = f"http://127.0.0.1:{closed_port()}/i-131.pdf"
    os.environ["FORMFILL_FETCH_TIMEOUT"] = "5"
    os.environ.pop("FORMFILL_OFFLINE", None)


# --- CPU time per test (`--cpu-durations=N`) -----------------------------------------------------------
# Wall time on a shared 2-core machine says more about the neighbours than about the test; what a test
# costs is the CPU time of this process and of the processes it waited for (a CLI run, pdftk, chromium).
# Slow marks follow this number: a test at ~5 s CPU or more is @pytest.mark.slow.

_CPU = pytest.StashKey[float]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--cpu-durations", type=int, default=None, metavar="N",
                     help="show the N tests that took the most CPU time (own and waited-for children)")


def _cpu_now() -> float:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _timed(item: pytest.Item) -> Iterator[None]:
    start = _cpu_now()
    yield
    item.stash[_CPU] = item.stash.get(_CPU, 0.0) + _cpu_now() - start


pytest_runtest_setup = pytest.hookimpl(wrapper=True)(lambda item: (yield from _timed(item)))
pytest_runtest_call = pytest.hookimpl(wrapper=True)(lambda item: (yield from _timed(item)))
pytest_runtest_teardown = pytest.hookimpl(wrapper=True)(lambda item, nextitem: (yield from _timed(item)))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    report: pytest.TestReport = yield
    if call.when == "teardown":
        report.user_properties.append(("cpu_seconds", round(item.stash.get(_CPU, 0.0), 2)))
    return report  # type: ignore[return-value]


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    for key, value in report.user_properties if report.when == "teardown" else ():
        if key == "cpu_seconds":
            _CPU_SEEN.append((float(value), report.nodeid))


_CPU_SEEN: list[tuple[float, str]] = []


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    n = config.getoption("cpu_durations")
    if not n or not _CPU_SEEN:
        return
    terminalreporter.write_sep("=", f"most CPU time (own + children), {n} tests")
    for seconds, nodeid in sorted(_CPU_SEEN, reverse=True)[:n]:
        terminalreporter.write_line(f"{seconds:7.2f}s  {nodeid}")
    terminalreporter.write_line(f"{sum(s for s, _ in _CPU_SEEN):7.1f}s  total over {len(_CPU_SEEN)} tests")
