"""Appearance streams for text and choice fields, and the measurement that decides what fits.

We draw every value ourselves rather than rely on NeedAppearances, so the page prints the same in
any viewer: the field's own font and size from its /DA, comb fields one character per cell,
multiline fields word-wrapped. `layout_text` is the single source of truth for "does it fit": the
writer draws exactly the lines it returns, and a value it cannot place is never drawn cut off.
"""

from __future__ import annotations

from dataclasses import dataclass

from formfill.pdf.fields import FieldInfo, FontInfo

PADDING = 2.0  # points between the box edge and the text, as Acrobat draws it
LEADING = 1.15  # line height as a multiple of the font size in multiline fields
AUTO_SIZE = 10.0  # fields whose /DA says size 0 (auto) start at 10 pt ...
MIN_AUTO_SIZE = 8.0  # ... and a single-line one shrinks to fit, never below 8 pt (then it overflows to Part 13)


@dataclass(frozen=True)
class Layout:
    """Where a value's text goes in its box; `fits` is False when any part would be cut off."""

    lines: tuple[str, ...]
    size: float
    fits: bool
    reason: str = ""
    pitch: float = 0.0  # distance between lines of a multiline box; 0 means the font's own leading


def font_size(info: FieldInfo) -> float:
    return info.font_size if info.font_size > 0 else AUTO_SIZE


def capacity(info: FieldInfo, font: FontInfo) -> int:
    """How many characters of average width fit on one line (used for messages and splitting)."""
    size = font_size(info)
    per_char = font.width("M", size) or size * 0.6
    return max(1, int((info.width - 2 * PADDING) / per_char))


def layout_text(value: str, info: FieldInfo, font: FontInfo, pitch: float | None = None) -> Layout:
    """How `value` is drawn in the box. `pitch` is the form's ruling for multiline boxes (text sits
    between the printed rules instead of being struck through by them)."""
    size = font_size(info)
    if info.max_len is not None and len(value) > info.max_len:
        return Layout((), size, False, f"{len(value)} characters, the box takes at most {info.max_len}")
    if info.comb:
        return Layout((value,), size, True)
    usable = info.width - 2 * PADDING
    if not info.multiline:
        text = " ".join(value.split("\n"))
        if font.width(text, size) <= usable:
            return Layout((text,), size, True)
        if info.font_size <= 0:  # auto-sized: the largest size from 10 pt down to 8 pt that fits
            steps = int((AUTO_SIZE - MIN_AUTO_SIZE) * 2)
            for smaller in (AUTO_SIZE - 0.5 * k for k in range(1, steps + 1)):
                if font.width(text, smaller) <= usable:
                    return Layout((text,), smaller, True)
        return Layout((), size, False, f"{len(text)} characters, the box shows about {capacity(info, font)}")
    lines = wrap(value, usable, size, font)
    if lines is None:
        return Layout((), size, False, "a word is wider than the box")
    limit = max_lines(info, pitch)
    if len(lines) > limit:
        return Layout(tuple(lines), size, False, f"{len(lines)} lines, the box holds {limit}", pitch or 0.0)
    return Layout(tuple(lines), size, True, "", pitch or 0.0)


def wrap(value: str, usable: float, size: float, font: FontInfo, *, break_words: bool = False) -> list[str] | None:
    """Greedy word wrap that keeps the author's own line breaks.

    A word wider than a line makes it return None, unless `break_words` (Part 13 and sheets, where
    a long URL must still print whole) splits it across lines.
    """
    out: list[str] = []
    for paragraph in value.split("\n"):
        words = paragraph.split()
        line = ""
        for word in words:
            while break_words and font.width(word, size) > usable:
                cut = _fitting_prefix(word, usable, size, font)
                if line:
                    out.append(line)
                    line = ""
                out.append(word[:cut])
                word = word[cut:]
            if font.width(word, size) > usable:
                return None
            candidate = f"{line} {word}" if line else word
            if font.width(candidate, size) <= usable:
                line = candidate
            else:
                out.append(line)
                line = word
        out.append(line)
    while out and not out[-1]:
        out.pop()
    return out


def _fitting_prefix(word: str, usable: float, size: float, font: FontInfo) -> int:
    """How many leading characters of `word` fit in `usable` (at least 1), measured once per character.

    Linear in the word: measuring every prefix anew made a 4,000-letter word take minutes.
    """
    total = 0.0
    for n, char in enumerate(word):
        total += font.width(char, size)
        if total > usable:
            return max(1, n)
    return len(word)


def max_lines(info: FieldInfo, pitch: float | None = None) -> int:
    if pitch:
        return max(1, int((info.height + 0.5) // pitch))
    size = font_size(info)
    return max(1, int((info.height - 2 * PADDING + (LEADING - 1) * size) // (size * LEADING)))


def escape(text: str) -> bytes:
    raw = text.encode("cp1252")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)").replace(b"\r", b"\\r")


def text_stream(layout: Layout, info: FieldInfo, font: FontInfo) -> bytes:
    """The content of the /AP /N form XObject that draws `layout` inside the field's box."""
    w, h, size = info.width, info.height, layout.size
    ops = [
        b"/Tx BMC",
        b"q",
        f"{PADDING / 2:g} {PADDING / 2:g} {w - PADDING:g} {h - PADDING:g} re W n".encode(),
        b"BT",
        f"/{font.resource_name} {size:g} Tf 0 g".encode(),
    ]
    if info.comb and info.max_len:
        cell = w / info.max_len
        y = (h - size) / 2 + 0.22 * size
        for i, ch in enumerate(layout.lines[0] if layout.lines else ""):
            x = i * cell + (cell - font.width(ch, size)) / 2
            ops.append(f"1 0 0 1 {x:.2f} {y:.2f} Tm".encode() + b" (" + escape(ch) + b") Tj")
    elif info.multiline and layout.pitch:
        for n, line in enumerate(layout.lines):  # centred in the n-th ruled band from the top
            y = h - (n + 1) * layout.pitch + (layout.pitch - size) / 2 + 0.22 * size
            ops.append(f"1 0 0 1 {PADDING:g} {y:.2f} Tm".encode() + b" (" + escape(line) + b") Tj")
    elif info.multiline:
        top = h - PADDING - 0.8 * size
        for n, line in enumerate(layout.lines):
            y = top - n * size * LEADING
            ops.append(f"1 0 0 1 {PADDING:g} {y:.2f} Tm".encode() + b" (" + escape(line) + b") Tj")
    else:
        line = layout.lines[0] if layout.lines else ""
        y = (h - size) / 2 + 0.22 * size
        x = PADDING
        if info.align in (1, 2):
            free = w - 2 * PADDING - font.width(line, size)
            x += free / 2 if info.align == 1 else free
        ops.append(f"1 0 0 1 {x:.2f} {y:.2f} Tm".encode() + b" (" + escape(line) + b") Tj")
    ops += [b"ET", b"Q", b"EMC"]
    return b"\n".join(ops)
