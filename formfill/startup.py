"""What importing formfill does once: the cyclic garbage collector waits until formfill's imports are done.

Importing formfill builds a few hundred thousand long-lived objects (pypdf, pdfminer and pydantic with its
schemas); the collector scanned them again and again while they were built, though none of them is garbage:
~45 ms of a 0.5 s `formfill fill` call. formfill/__init__ imports this module first, which pauses collection;
`imported()`, its last line, resumes it. A collector the caller had disabled stays disabled.

A process formfill owns (the `formfill` command, and the batch workers it forks) also calls `freeze()`: every
object there is then moves to the permanent generation, never scanned again and shared copy-on-write by forked
workers. A library import never freezes the caller's objects.
"""

from __future__ import annotations

import gc

_PAUSED = [gc.isenabled()]  # whether this module paused collection (and `imported` is still to resume it)
gc.disable()


def imported() -> None:
    """formfill's imports are done: resume collection (once), unless the caller had it disabled."""
    if _PAUSED.pop() if _PAUSED else False:
        gc.enable()


def freeze() -> None:
    """In a process formfill owns: what exists now (the imports) is never collected, so never scanned again."""
    if gc.isenabled():
        gc.freeze()


__all__ = ["freeze", "imported"]
