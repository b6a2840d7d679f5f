"""What importing formfill does once: the cyclic garbage collector waits until formfill's imports are done.

Importing formfill builds a few hundred thousand long-lived objects (pypdf, pdfminer and pydantic with its
schemas); the collector scanned them again and again while they were built and on every older-generation
collection after, though none of them is garbage: ~45 ms of a 0.5 s `formfill fill` call. formfill/__init__
imports this module first, which pauses collection; `imported()`, its last line, moves every object there is to
the permanent generation (gc.freeze: never scanned again, and shared copy-on-write by forked batch workers) and
resumes collection. A collector the caller had disabled stays disabled and nothing is frozen.
"""

from __future__ import annotations

import gc

_PAUSED = [gc.isenabled()]  # whether this module paused collection (and `imported` is still to resume it)
gc.disable()


def imported() -> None:
    """formfill's imports are done: freeze what they built and resume collection (once)."""
    if _PAUSED.pop() if _PAUSED else False:
        gc.freeze()
        gc.enable()


__all__ = ["imported"]
