"""SIGTERM is handled like Ctrl-C: an exception, so every cleanup (temporary files, worker processes,
the batch report's last lines) runs, instead of the process vanishing mid-write.

Exit status for an interruption: 130 for Ctrl-C (SIGINT), 143 for SIGTERM (128 + the signal number,
as shells report it).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from formfill.errors import Terminated

SIGINT_EXIT = 130
SIGTERM_EXIT = 143


def exit_code(err: BaseException | None) -> int:
    """130 for Ctrl-C, 143 for SIGTERM (also when the Terminated is the cause of another exception)."""
    while err is not None:
        if isinstance(err, Terminated):
            return SIGTERM_EXIT
        err = err.__cause__ or err.__context__
    return SIGINT_EXIT


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated()


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM raises Terminated in the main thread (elsewhere signals cannot be set)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def signals_ignored() -> Iterator[None]:
    """Hold off Ctrl-C and SIGTERM while cleaning up after one (a second one must not cut the cleanup short)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    saved = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)
