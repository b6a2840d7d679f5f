"""Align the fields of a new edition's blank with the fields of the current one, on all the evidence.

USCIS renames widgets and renumbers page subforms between editions, rewords tooltips, moves items and
pages, adds and removes questions and renames checkbox on-states. No single clue survives all of that,
so each pair of fields of the same kind is scored on every clue a person would use: the name's parts,
the tooltip, the printed label next to the box, the wider printed context (item number, part heading),
page and position, and the box's attributes (MaxLen, comb, options). Pairs are then taken best first,
one field each; a pair is `matched` only when its score is high, clearly ahead of every rival, and
nothing suggests the meaning changed (the label or the part differ); otherwise a person decides.

Every function here is pure: it takes `Widget`s (plain data) and returns plain data.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field

MATCHED = "matched"
REVIEW = "review"
NEW = "new"

MATCH_SCORE = 0.72  # at or above: may be matched
REVIEW_SCORE = 0.45  # at or above (and below a match): a person decides
MARGIN = 0.06  # a matched pair beats every rival for either field by at least this
LABEL_CHANGED = 0.5  # label similarity below this (both labels printed): the box may mean something else

WEIGHTS = {"name": 0.22, "tooltip": 0.26, "label": 0.22, "context": 0.12, "position": 0.1, "attributes": 0.08}

_SYNONYMS = {"pt": "part", "p": "part", "ln": "line", "cb": "check", "chk": "check", "checkbox": "check"}
_STOP = frozenset({"the", "a", "an", "of", "or", "and", "to", "if", "any", "enter", "select", "for", "in", "your",
                   "you", "is", "are", "on", "this", "that", "with", "by", "as", "be", "box", "fill"})


@dataclass(frozen=True)
class Widget:
    """What a person sees of one field: its name, tooltip, printed label and context, place and attributes."""

    name: str
    kind: str  # text | check | choice | other
    page: int
    rect: tuple[float, float, float, float]
    tooltip: str = ""
    label: str = ""  # printed next to the box: right of a checkbox, above/left of a text box
    context: str = ""  # printed around it: item number, the line above, the part heading
    max_len: int | None = None
    comb: bool = False
    options: tuple[str, ...] = ()
    on_states: tuple[str, ...] = ()


@dataclass(frozen=True)
class Features:
    """A widget reduced to comparable token sets (computed once per widget)."""

    widget: Widget
    name: frozenset[str]
    tooltip: frozenset[str]
    label: frozenset[str]
    context: frozenset[str]
    part: str | None


@dataclass(frozen=True)
class Proposal:
    """One field of the new blank: which old field it continues, how sure, why, and the status."""

    field: str
    source: str | None
    confidence: float
    status: str
    evidence: tuple[str, ...] = ()
    states: dict[str, str] = dataclass_field(default_factory=dict)


# --- tokens ---------------------------------------------------------------------------------------


def leaf(name: str) -> str:
    """The last part of a qualified name without its subform path: `Part2_Line1_FamilyName[0]`."""
    return name.rsplit(".", 1)[-1]


def name_tokens(name: str) -> frozenset[str]:
    """Tokens of a field's own name (subform numbers ignored: USCIS renumbers them), with its index."""
    own = leaf(name)
    m = re.search(r"\[(\d+)\]$", own)
    base = own[: m.start()] if m else own
    tokens = set(words(re.sub(r"([a-z])([A-Z])", r"\1 \2", base).replace("_", " ")))
    tokens = {_SYNONYMS.get(t, t) for t in tokens}
    if m:
        tokens.add(f"#{m.group(1)}")
    return frozenset(tokens)


def words(text: str) -> list[str]:
    """Lower-case words and numbers, split where letters meet digits (`Line4a` -> line 4 a)."""
    return [w for w in re.findall(r"[a-z]+|\d+", text.lower())]


def text_tokens(text: str) -> frozenset[str]:
    return frozenset(w for w in words(text) if w not in _STOP)


def part_of(tooltip: str) -> str | None:
    """The part number a tooltip names (`Part 2. Information About You. ...` -> `2`)."""
    m = re.search(r"\bPart\s+(\d+)\b", tooltip)
    return m.group(1) if m else None


def features(w: Widget) -> Features:
    return Features(w, name_tokens(w.name), text_tokens(w.tooltip), text_tokens(w.label), text_tokens(w.context),
                    part_of(w.tooltip))


# --- scores ---------------------------------------------------------------------------------------


def jaccard(a: frozenset[str], b: frozenset[str]) -> float | None:
    """Similarity of two token sets; None when both are empty (no evidence either way)."""
    if not a and not b:
        return None
    return len(a & b) / len(a | b)


def position_score(a: Widget, b: Widget, page_height: float = 792.0) -> float:
    """1 for the same spot on the same page, falling with distance; a page apart counts as far."""
    pages = abs(a.page - b.page)
    if pages > 1:
        return 0.0
    dx = abs(a.rect[0] - b.rect[0])
    dy = abs(a.rect[1] - b.rect[1]) + pages * page_height
    return max(0.0, 1.0 - (dx + dy) / 300.0)


def attribute_score(a: Widget, b: Widget) -> float:
    """How alike the boxes are: MaxLen, comb, options, number of on-states."""
    same = [a.max_len == b.max_len, a.comb == b.comb, a.options == b.options, len(a.on_states) == len(b.on_states)]
    return sum(same) / len(same)


def clues(a: Features, b: Features) -> dict[str, float | None]:
    """Each clue's similarity for one pair (None: no evidence)."""
    return {
        "name": jaccard(a.name, b.name),
        "tooltip": jaccard(a.tooltip, b.tooltip) if a.tooltip and b.tooltip else None,
        "label": jaccard(a.label, b.label) if a.label or b.label else None,
        "context": jaccard(a.context, b.context),
        "position": position_score(a.widget, b.widget),
        "attributes": attribute_score(a.widget, b.widget),
    }


def score(found: dict[str, float | None]) -> float:
    """The weighted mean of the clues there is evidence for."""
    total = sum(WEIGHTS[k] for k, v in found.items() if v is not None)
    if not total:
        return 0.0
    return sum(WEIGHTS[k] * v for k, v in found.items() if v is not None) / total


def comparable(a: Widget, b: Widget) -> bool:
    """Only boxes of the same kind can continue one another."""
    return a.kind == b.kind


def score_matrix(old: Sequence[Features], new: Sequence[Features]) -> dict[tuple[int, int], float]:
    """(new index, old index) -> score, for every comparable pair worth considering."""
    out: dict[tuple[int, int], float] = {}
    for j, b in enumerate(new):
        for i, a in enumerate(old):
            if comparable(a.widget, b.widget):
                s = score(clues(a, b))
                if s >= REVIEW_SCORE * 0.8:
                    out[j, i] = s
    return out


# --- assignment -----------------------------------------------------------------------------------


def assign(scores: dict[tuple[int, int], float]) -> dict[int, int]:
    """new index -> old index: pairs taken best first, each field used once."""
    taken_new: set[int] = set()
    taken_old: set[int] = set()
    out: dict[int, int] = {}
    for (j, i), _ in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0])):
        if j in taken_new or i in taken_old:
            continue
        out[j] = i
        taken_new.add(j)
        taken_old.add(i)
    return out


def rivals(scores: dict[tuple[int, int], float]) -> dict[tuple[int, int], float]:
    """For every pair, the best score of any other pair involving either of its fields."""
    top_new: dict[int, list[float]] = {}
    top_old: dict[int, list[float]] = {}
    for (j, i), s in scores.items():
        top_new.setdefault(j, []).append(s)
        top_old.setdefault(i, []).append(s)
    for lst in (*top_new.values(), *top_old.values()):
        lst.sort(reverse=True)
        del lst[2:]
    out: dict[tuple[int, int], float] = {}
    for (j, i), s in scores.items():
        alt_new = next(iter(top_new[j][1:] if top_new[j][0] == s else top_new[j]), 0.0)
        alt_old = next(iter(top_old[i][1:] if top_old[i][0] == s else top_old[i]), 0.0)
        out[j, i] = max(alt_new, alt_old)
    return out


def status_of(s: float, margin: float, reasons: list[str]) -> str:
    if s >= MATCH_SCORE and margin >= MARGIN and not reasons:
        return MATCHED
    return REVIEW if s >= REVIEW_SCORE else NEW


def renumbered_parts(pairs: Iterable[tuple[Features, Features]]) -> dict[str, str]:
    """old part -> new part, as most confident pairs say: a form whose parts were all renumbered (Part 1
    became Part 2) has not moved each item; only an item that left its part's new number has."""
    votes: dict[str, dict[str, int]] = {}
    for a, b in pairs:
        if a.part and b.part:
            tally = votes.setdefault(a.part, {})
            tally[b.part] = tally.get(b.part, 0) + 1
    best = {old: max(t, key=lambda p: (t[p], p == old)) for old, t in votes.items()}
    return {old: new for old, new in best.items() if votes[old][new] >= 2}  # one item alone is not a renumbering


def doubts(a: Features, b: Features, found: dict[str, float | None], parts: dict[str, str] | None = None) -> list[str]:
    """Why a high-scoring pair may still mean something else: a person decides those."""
    out: list[str] = []
    label = found["label"]
    if a.label and b.label and label is not None and label < LABEL_CHANGED:
        out.append(f"the printed label changed: {a.widget.label!r} -> {b.widget.label!r}")
    if a.part and b.part and (parts or {}).get(a.part, a.part) != b.part:
        out.append(f"moved from Part {a.part} to Part {b.part}")
    old_len, new_len = a.widget.max_len, b.widget.max_len
    if new_len is not None and (old_len is None or old_len > new_len):
        out.append(f"MaxLen shrank from {a.widget.max_len} to {b.widget.max_len}")
    if a.widget.options != b.widget.options:
        out.append("the list of options changed")
    return out


def evidence(a: Features, b: Features, found: dict[str, float | None]) -> list[str]:
    """What a person would check, as short sentences."""
    out = [f"{k} {v:.2f}" for k, v in found.items() if v is not None]
    if leaf(a.widget.name) != leaf(b.widget.name):
        out.append(f"renamed from {leaf(a.widget.name)}")
    if a.widget.page != b.widget.page:
        out.append(f"page {a.widget.page} -> {b.widget.page}")
    return out


def states(a: Widget, b: Widget) -> dict[str, str]:
    """Old on-state -> new on-state of a matched checkbox, by position in the widget (its meaning is the
    pairing itself, made on labels and place), never by name."""
    return dict(zip(a.on_states, b.on_states, strict=False)) if a.kind == "check" else {}


def align(old: Sequence[Widget], new: Sequence[Widget]) -> tuple[list[Proposal], list[str]]:
    """Proposals for every field of the new blank, and the old fields left without a home."""
    fo = [features(w) for w in old]
    fn = [features(w) for w in new]
    scores = score_matrix(fo, fn)
    pairs = assign(scores)
    rival_of = rivals(scores)
    parts = renumbered_parts((fo[i], fn[j]) for j, i in pairs.items() if scores[j, i] >= MATCH_SCORE)
    proposals: list[Proposal] = []
    placed: set[int] = set()
    for j, b in enumerate(fn):
        i = pairs.get(j)
        if i is None:
            proposals.append(Proposal(b.widget.name, None, 0.0, NEW, ("no field of the same kind corresponds",)))
            continue
        a = fo[i]
        found = clues(a, b)
        s = scores[j, i]
        margin = s - rival_of[j, i]
        why = doubts(a, b, found, parts)
        if margin < MARGIN:
            why.append(f"a rival candidate scores within {margin:.2f}")
        status = status_of(s, margin, why)
        if status == NEW:
            proposals.append(Proposal(b.widget.name, None, round(s, 3), NEW,
                                      (f"best candidate {a.widget.name} scores only {s:.2f}",)))
            continue
        placed.add(i)
        proposals.append(Proposal(b.widget.name, a.widget.name, round(s, 3), status,
                                  tuple(why + evidence(a, b, found)), states(a.widget, b.widget)))
    unplaced = [a.widget.name for i, a in enumerate(fo) if i not in placed]
    return proposals, unplaced


def by_field(proposals: Iterable[Proposal]) -> dict[str, Proposal]:
    return {p.field: p for p in proposals}
