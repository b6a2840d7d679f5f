"""The batch's worker pool: one item at a time per worker, a dead or stuck worker costs only its item.

A hand-written pool (not multiprocessing.Pool) because the parent must always know which item each worker
holds: a worker killed by the OOM killer or stuck past the timeout fails exactly that item and is replaced.
Workers run `formfill.batch.item.run_item` (looked up on that module at each call).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing import connection
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from formfill.batch import item as one
from formfill.batch.inputs import Item
from formfill.batch.item import KILL_SWITCH, ItemResult, Options
from formfill.batch.outputs import clean_parts, unfinished
from formfill.errors import (
    InputError,
)
from formfill.pdf.blank import BlankForm

_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}
_PARENT_ENDS: list[Connection] = []
"""The parent's ends of the workers' pipes; a worker closes its inherited copies, so each worker sees
its pipe close (EOFError) when the parent dies, even where _die_with_parent cannot ask the kernel."""


def _worker_main(conn: Connection, options: Options, parent: int) -> None:
    """One worker: open the blank once, then fill one item at a time as the parent sends them.

    The parent always knows which item each worker holds, so a worker that dies costs exactly that
    item. A worker whose parent is gone (its pipe closed) stops after the item in hand.
    """
    # The parent owns Ctrl-C and SIGTERM: it stops the workers itself and reports every item, so a
    # worker never dies (or prints a traceback) on either; it dies with the parent (_die_with_parent).
    for end in _PARENT_ENDS:  # pipe ends inherited by fork (its own too): holding one would hide a parent's death
        with contextlib.suppress(OSError):
            end.close()
    for sig in _STOP_SIGNALS:
        signal.signal(sig, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
    _die_with_parent(parent)
    try:
        one.init_worker(options, ignore_sigint=True)
    except BaseException as err:  # reported, then this worker ends; the parent decides what follows
        with contextlib.suppress(Exception):
            conn.send(f"{type(err).__name__}: {err}")
        return
    kill_on = os.environ.get(KILL_SWITCH)
    while True:
        try:
            item = conn.recv()
        except (EOFError, OSError):
            return
        if item is None:
            return
        if kill_on is not None and item.id == kill_on:
            os.kill(os.getpid(), signal.SIGKILL)
        result = one.run_item(item)
        try:
            conn.send(result)
        except (OSError, ValueError):
            return


def _die_with_parent(parent: int) -> None:
    """On Linux, the kernel kills this worker when the batch process dies (even by SIGKILL), so no
    orphan goes on writing PDFs that no report line will ever name."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(1)


@dataclass(eq=False)  # compared (and hashed) by identity: one per process
class _Worker:
    process: BaseProcess
    conn: Connection
    item: Item | None = None
    since: float = 0.0
    last_words: str | None = None  # why it could not start, when it says so


def _spawn(ctx: Any, options: Options) -> _Worker:
    # Ctrl-C and SIGTERM are blocked (not ignored: the parent must not lose one) while the worker is
    # created, so none can reach it before it has set them aside; the parent handles them for all.
    parent_end, child_end = ctx.Pipe()
    _PARENT_ENDS.append(parent_end)  # before the fork: the worker closes its own copy too
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    try:
        process = ctx.Process(target=_worker_main, args=(child_end, options, os.getpid()), daemon=True)
        process.start()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
    child_end.close()
    return _Worker(process, parent_end)


def _close(conn: Connection) -> None:
    with contextlib.suppress(ValueError):
        _PARENT_ENDS.remove(conn)
    conn.close()


def _death(process: BaseProcess) -> str:
    code = process.exitcode
    if code is not None and code < 0:
        with contextlib.suppress(ValueError):
            name = signal.Signals(-code).name
            hint = " (the out-of-memory killer, or someone killed it)" if name == "SIGKILL" else ""
            return f"killed by {name}{hint}"
    return f"exited with status {code}"


def _stop(workers: Sequence[_Worker]) -> None:
    """Stop every worker now and wait for each (kill, then reap: no zombies, no orphans)."""
    for w in workers:
        if w.process.is_alive():
            w.process.kill()
    for w in workers:
        w.process.join(timeout=10)
        _close(w.conn)


MAX_DEATHS_IN_A_ROW = 3
"""Workers that die this many times in a row without finishing anything: stop the batch (something
is wrong with the machine, not with one profile)."""


def run_pool(
    items: list[Item],
    blank: BlankForm | None,
    options: Options,
    jobs: int,
    record: Callable[[ItemResult], None],
    item_timeout: float,
    out: Path,
) -> None:
    """Workers fill and write; the parent hands out one item at a time and records results as they come.

    The parent waits on each worker's pipe and on its process handle together, so a worker that dies
    (SIGKILL, the OOM killer) is noticed at once: its item is reported as `worker_died` (or as written,
    if its verified PDF is already in place), its part files are removed, and a new worker takes its
    place. A worker holding one item longer than `item_timeout` is killed (`worker_timeout`).
    """
    if blank is not None:
        one.WORKER["blank"] = blank  # inherited by forked workers, so a blank given as an object works too
    ctx = multiprocessing.get_context()
    if blank is not None and options.blank_path is None and ctx.get_start_method() != "fork":
        raise InputError("the blank form was given as an object without a file; pass its path to use jobs > 1")
    todo = deque(items)
    workers: list[_Worker] = []
    deaths_in_a_row = 0
    try:
        workers = [_spawn(ctx, options) for _ in range(min(jobs, len(todo)))]
        while todo or any(w.item is not None for w in workers):
            for w in workers:
                if w.item is None and todo:
                    w.item, w.since = todo.popleft(), time.monotonic()
                    with contextlib.suppress(OSError, ValueError):  # it died: the sentinel says so below
                        w.conn.send(w.item)
            handles: dict[Any, _Worker] = {}
            for w in workers:
                handles[w.conn] = w
                handles[w.process.sentinel] = w
            ready = connection.wait(list(handles), timeout=1.0)
            now = time.monotonic()
            for w in dict.fromkeys(handles[r] for r in ready):
                died = w.process.sentinel in ready
                while not w.conn.closed and w.conn.poll():
                    try:
                        message = w.conn.recv()
                    except (EOFError, OSError):
                        died = True
                        break
                    if isinstance(message, ItemResult):
                        record(message)
                        w.item = None
                        deaths_in_a_row = 0
                    else:  # the worker could not start: it reports why, then ends
                        died, w.last_words = True, str(message)
                        break
                if died:
                    w.process.join(timeout=5)
                    reason = w.last_words or _death(w.process)
                    deaths_in_a_row += 1
                    _replace(w, workers, ctx, options, record, out, f"its worker process {reason}", "worker_died")
            for w in list(workers):
                if w.item is not None and now - w.since > item_timeout:
                    w.process.kill()
                    w.process.join(timeout=5)
                    deaths_in_a_row = 0
                    why = f"took longer than {item_timeout:g} s; its worker process was stopped"
                    _replace(w, workers, ctx, options, record, out, why, "worker_timeout")
            if deaths_in_a_row >= MAX_DEATHS_IN_A_ROW:
                for w in workers:
                    w.process.kill()
                for w in workers:
                    if w.item is not None:
                        w.process.join(timeout=5)
                        record(unfinished(w.item, "not filled: worker processes keep dying", "worker_died"))
                        w.item = None
                while todo:
                    record(unfinished(todo.popleft(), "not filled: the batch stopped because worker processes "
                                       f"died {deaths_in_a_row} times in a row", "worker_died"))
                return
        for w in workers:
            with contextlib.suppress(OSError, ValueError):
                w.conn.send(None)  # done: each worker ends after its (empty) hand
    finally:
        _stop(workers)
        clean_parts(out, {w.process.pid for w in workers if w.process.pid is not None})


def _replace(
    w: _Worker,
    workers: list[_Worker],
    ctx: Any,
    options: Options,
    record: Callable[[ItemResult], None],
    out: Path,
    why: str,
    code: str,
) -> None:
    """A worker is gone: report its item, remove its part files, and start another in its place."""
    if w.process.pid is not None:
        clean_parts(out, {w.process.pid})
    if w.item is not None:
        record(unfinished(w.item, f"not filled: {why}; nothing was written for it", code))
        w.item = None
    _close(w.conn)
    workers[workers.index(w)] = _spawn(ctx, options)
