"""Shared fixtures: the real blank forms (never committed here), the bundled samples, and a private
environment per test process (so `pytest -n auto` workers never share a cache, a home or a port).

Helpers live in tests/helpers.py; the names below are re-exported only for tests written before it.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import REPO, SAMPLES, deadline, forms_dir, load_sample, real_blank, require_tool

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
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    os.environ["FORMFILL_FORMS_URL"] = f"http://127.0.0.1:{port}/i-131.pdf"
    os.environ["FORMFILL_FETCH_TIMEOUT"] = "5"
    os.environ.pop("FORMFILL_OFFLINE", None)
