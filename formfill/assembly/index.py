"""The exhibit index: which attached file goes where in the stack, under which letter, meeting which requirement.

Small pure functions over the package check's report (formfill.checks.package), so the index the review
page shows, the cover letter lists and package.pdf prints is one and the same. The stacking order is the
paralegal's: payment and representation papers first (they sit on top of the form), then the form, then the
evidence in the order of the requirements it meets (as the check lists them), then the evidence that meets
no requirement, in the profile's order. Passport photos are physical items: listed, never printed.
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

from formfill.checks.package import AttachmentResult, PackageReport, RequirementResult, Rules

Role = Literal["payment", "representation", "exhibit", "physical"]


@dataclass(frozen=True)
class Entry:
    """One attached file in the stack. `letter` is the exhibit's letter (exhibits only); `included` False for a
    file the check found unusable (only a draft goes on without it)."""

    role: Role
    index: int
    kind: str
    path: str
    title: str
    requirement: str | None
    requirement_id: str | None
    included: bool
    letter: str | None = None
    file_type: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def exhibit_letter(n: int) -> str:
    """A, B, ..., Z, AA, AB, ... for the n-th exhibit (0-based)."""
    letters = string.ascii_uppercase
    out = ""
    n += 1
    while n:
        n, rem = divmod(n - 1, 26)
        out = letters[rem] + out
    return out


def kind_words(kind: str) -> str:
    """An attachment kind in words when the rules give it no label (i797_receipt -> I-797 receipt)."""
    words = []
    for word in kind.split("_"):
        if word[:1] in "gi" and word[1:].isdigit():
            words.append(f"{word[0].upper()}-{word[1:]}")
        else:
            words.append(word.upper() if word in {"id", "ead", "tps", "lpr", "daca"} else word)
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def title_of(kind: str, note: str | None, labels: Mapping[str, str]) -> str:
    """What the exhibit is: the profile's note when it gives one, else the rules' label for its kind."""
    label = labels.get(kind) or kind_words(kind)
    return f"{label} ({note})" if note else label


def first_requirement(att: AttachmentResult, required: Sequence[RequirementResult]) -> int | None:
    """The position of the first requirement this file meets (None: it meets none)."""
    return next((i for i, r in enumerate(required) if r.id in att.supports), None)


def role_of(kind: str, payment_kinds: Sequence[str], representation_kinds: Sequence[str],
            physical_kinds: Sequence[str]) -> Role:
    if kind in physical_kinds:
        return "physical"
    if kind in payment_kinds:
        return "payment"
    if kind in representation_kinds:
        return "representation"
    return "exhibit"


def duplicates(report: PackageReport) -> set[int]:
    """Attachments the check counted once already (the same file under the same kind)."""
    return {int(f.where.split("[")[1].rstrip("]")) for f in report.findings
            if f.code == "duplicate_attachment" and f.where and f.where.startswith("attachments[")}


def build_index(report: PackageReport, notes: Sequence[str | None], labels: Mapping[str, str], *,
                payment_kinds: Sequence[str], representation_kinds: Sequence[str],
                physical_kinds: Sequence[str]) -> list[Entry]:
    """Every attached file in stacking order (payment, representation, exhibits, physical items), exhibits
    lettered A, B, ... in the order of the requirements they meet. `notes[i]` is attachment i's note."""
    dupes = duplicates(report)
    required = report.required
    rows: list[tuple[int, int, int, Entry]] = []
    order = {"payment": 0, "representation": 1, "exhibit": 2, "physical": 3}
    for att in report.attachments:
        if att.index in dupes:
            continue
        role = role_of(att.kind, payment_kinds, representation_kinds, physical_kinds)
        pos = first_requirement(att, required)
        req = required[pos] if pos is not None else None
        entry = Entry(role=role, index=att.index, kind=att.kind, path=att.path,
                      title=title_of(att.kind, notes[att.index] if att.index < len(notes) else None, labels),
                      requirement=req.description if req is not None else None,
                      requirement_id=req.id if req is not None else None,
                      included=att.usable, file_type=att.file_type)
        rows.append((order[role], pos if pos is not None else len(required), att.index, entry))
    rows.sort(key=lambda r: r[:3])
    out: list[Entry] = []
    n = 0
    for _, _, _, entry in rows:
        if entry.role == "exhibit":
            entry = Entry(**{**asdict(entry), "letter": exhibit_letter(n)})
            n += 1
        out.append(entry)
    return out


def index_for(report: PackageReport, notes: Sequence[str | None], rules: Rules) -> list[Entry]:
    """The index the rules' assembly section gives (labels, payment, representation and physical kinds)."""
    fees, asm = rules.fees.requirement, rules.assembly
    return build_index(report, notes, {str(k): v for k, v in asm.labels.items()},
                       payment_kinds=[str(k) for k in [*fees.payment_kinds, *fees.waiver_kinds]],
                       representation_kinds=[str(k) for k in asm.representation_kinds],
                       physical_kinds=[str(k) for item in asm.physical for k in item.kinds])


def exhibits(index: Sequence[Entry]) -> list[Entry]:
    return [e for e in index if e.role == "exhibit"]


def tab_title(entry: Entry) -> str:
    """The tab page's and the bookmark's words: "Exhibit C: Evidence of the relative's illness"."""
    return f"Exhibit {entry.letter}: {entry.title}"


__all__ = ["Entry", "build_index", "exhibit_letter", "exhibits", "index_for", "kind_words", "tab_title", "title_of"]
