"""Shared fixtures: the real blank forms (never committed here) and the bundled samples."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples"


def forms_dir() -> Path:
    env = os.environ.get("FORMFILL_FORMS_DIR")
    if env:
        return Path(env)
    return REPO.parent / "shared" / "forms" / "i-131"


def _form(name: str) -> Path:
    path = forms_dir() / name
    if not path.is_file():
        path = next(forms_dir().rglob(name), path)
    if not path.is_file():
        pytest.fail(f"blank form {name} not found in {forms_dir()} (set FORMFILL_FORMS_DIR to the folder of blanks)")
    return path


@pytest.fixture(scope="session")
def blank_plain() -> Path:
    return _form("i-131_01-20-25.pdf")


@pytest.fixture(scope="session")
def blank_encrypted() -> Path:
    return _form("i-131_01-20-25_encrypted.pdf")


@pytest.fixture(scope="session")
def blank_2019() -> Path:
    return _form("i-131_04-24-19.pdf")


@pytest.fixture
def sample() -> Any:
    """Load a bundled sample profile as a dict: sample('advance-parole-i485')."""

    def load(name: str) -> dict[str, Any]:
        return json.loads((SAMPLES / f"{name}.json").read_text())

    return load


def require_tool(name: str) -> str:
    """System tools (pdftk, qpdf, pdftoppm) come from .ci/run; say clearly when one is missing."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed; .ci/run installs it (apt-get install pdftk-java qpdf poppler-utils)")
    return path


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Prepared blanks are cached per user; tests keep theirs to themselves."""
    os.environ["FORMFILL_CACHE_DIR"] = str(tmp_path_factory.mktemp("formfill-cache"))


@pytest.fixture(autouse=True, scope="session")
def _no_internet() -> None:
    """A test that ends up downloading a blank meets a closed port on this machine, never uscis.gov."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    os.environ["FORMFILL_FORMS_URL"] = f"http://127.0.0.1:{port}/i-131.pdf"
    os.environ["FORMFILL_FETCH_TIMEOUT"] = "5"
    os.environ.pop("FORMFILL_OFFLINE", None)


@contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """Fail, rather than hang the suite, if the body blocks (a FIFO opened for reading waits for a writer)."""
    if not hasattr(signal, "SIGALRM"):
        yield
        return

    def expired(signum: int, frame: Any) -> None:
        raise TimeoutError(f"blocked for more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
