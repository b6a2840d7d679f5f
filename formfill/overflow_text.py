"""Overflow text as written on a filled form: the lines of a continuation sheet that are the sheet's own (its
title, signature and date lines), the labels that open an entry, and the chunks of Part-13-style blocks and sheet
entries joined back into the answers they continue (exactly undoing formfill.layout's line breaks)."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any

from formfill.layout import SHEET_WIDTH
from formfill.pdf.blank import BlankForm
from formfill.pdf.fields import FieldInfo
from formfill.pdf.writer import font_for

ENTRY_LABEL = re.compile(
    r"Page(?:\s+Number)?\s*:?\s*(?P<page>\d+)[\s,;|/-]+Part(?:\s+Number)?\s*:?\s*(?P<part>[\w.]+)[\s,;|/-]+"
    r"Item(?:\s+Number)?\s*:?\s*(?P<item>[\w.\-]+)",
    re.I,
)
DATE_LINE = r"Date( of Signature)?( \(mm/dd/yyyy\))?:[\s_]*"


@functools.cache
def sheet_furniture(form: str, footer: tuple[str, ...] = (), title: str = "", part: str = "") -> re.Pattern[str]:
    """A continuation sheet's own lines (signature, date, rule, title): whole lines only, so a body line that
    merely starts like one is text. `footer` and `title` are the form's own (its package's spec: the
    signature and date lines, the sheet title template); hand-made sheets' usual wordings are known too."""
    own = [rf"{re.escape(line)}[\s_]*" for line in footer]
    if title:
        slots = {"{form}": re.escape(form), "{part}": re.escape(part), "{n}": r"\d+", "{total}": r"\d+"}
        own.append("".join(slots.get(chunk, re.escape(chunk)) for chunk in re.split(r"(\{\w+\})", title)))
    return re.compile(
        rf"^((\w+'?s? )?Signature( of \w+)?:[\s_]*({DATE_LINE})?|{DATE_LINE}|_{{3,}}[_\s]*|"
        rf"Form {re.escape(form)}\b.*continuation sheet \d+ of \d+" + "".join(f"|{p}" for p in own) + ")$",
        re.I,
    )


def entry_label(line: str) -> re.Match[str] | None:
    """`Page Number: 5   Part Number: 2   Item Number: 3` (or `Page 5, Part 2, Item 3`) opening a sheet entry."""
    m = ENTRY_LABEL.search(line)
    return m if m is not None and m.start() < 3 else None


@dataclass
class Chunk:
    key: tuple[str, str, str]
    lines: list[str]
    full: bool
    joiner: Any
    joiners: list[Any] = field(default_factory=list)
    used: bool = False

    def __post_init__(self) -> None:
        if not self.joiners:
            self.joiners = [self.joiner] * len(self.lines)

    @property
    def text(self) -> str:
        out = ""
        for n, line in enumerate(self.lines):
            if n == 0:
                out = line
            else:
                out += self.joiners[n - 1](self.lines[n - 1], line) + line
        return out


def sheet_joiner(prev: str, nxt: str) -> str:
    """A sheet line of exactly the sheet width with no space is one piece of a word split across lines."""
    return "" if len(prev) >= SHEET_WIDTH and " " not in prev else " "


def part13_joiner(form: BlankForm, info: FieldInfo) -> Any:
    font = font_for(form, info)
    size = info.font_size or 10
    usable = info.width - 4

    def join(prev: str, nxt: str) -> str:
        # A word too long for a line is cut at the last character that fits: the line could not take one more.
        if " " not in prev and nxt and font.width(prev + nxt[0], size) > usable:
            return ""
        return " "

    return join


__all__ = ["Chunk", "entry_label", "part13_joiner", "sheet_furniture", "sheet_joiner"]
