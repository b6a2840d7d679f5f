"""One plan per fill: what a profile puts on a blank, decided once and handed to every step that needs it.

A `FillPlan` is built from a validated profile and a blank (its form package's field map): which value goes
into which field, with its kind and format (`assignments`), the items the form tells this applicant to skip,
where everything lands once laid out (`layout`: boxes, overflow-part blocks, continuation sheets), and the
notes a fill reports (values left off because their item is skipped, values this edition has no box for).
Writing, verification, the printed check, the review page, the signing list and the package check all read
this one plan instead of planning again: each condition is evaluated once per profile (the plan reads one
`rules.Snapshot`) and the profile is dumped once.

`of(profile, blank)` is the plan of one profile model on one blank, kept as long as the model lives, so a
step that is only given the profile (the package check counting continuation sheets) finds the plan the fill
made rather than making another. The plan holds the profile's dump, never the model, so it does not keep the
model alive (a batch's memory stays flat).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from functools import cached_property

from formfill import layout
from formfill.errors import Problem
from formfill.fieldmap import (
    Assignment,
    FieldMap,
    SkippedItem,
    for_form,
    lost_notes,
    resolve,
    skip_notes,
    skipped_items,
)
from formfill.layout import Placed
from formfill.pdf.blank import BlankForm
from formfill.profile_base import ProfileBase
from formfill.rules import Snapshot, snapshot_of


@dataclass(frozen=True, eq=False)
class FillPlan:
    """Everything one fill of one profile on one blank writes and reports, decided once."""

    blank: BlankForm
    fmap: FieldMap
    data: Snapshot  # the profile's one dump: every condition is evaluated on it, once
    assignments: tuple[Assignment, ...]  # what goes into which field (kind and format applied), in map order
    layout: layout.Plan  # where it lands: boxes, the overflow part's blocks, continuation sheet entries
    skipped: tuple[SkippedItem, ...]  # items the form tells this applicant to skip, in form order
    notes: tuple[Problem, ...]  # values not printed: their item is skipped, or this edition has no box

    @property
    def placed(self) -> list[Placed]:
        """Every field value as laid out (the overflow part's blocks included)."""
        return self.layout.placed

    @cached_property
    def pages(self) -> list[tuple[list[str], list[str]]]:
        """The continuation sheets as (header lines, body lines); empty when everything fits on the form."""
        return layout.sheets(self.layout)

    @property
    def sheets(self) -> list[list[str]]:
        """The text of each continuation sheet, header first (what the verifier expects to read back)."""
        return [header + body for header, body in self.pages]

    @property
    def written_fields(self) -> frozenset[str]:
        return frozenset(p.assignment.field for p in self.layout.placed)


def build(data: Snapshot, blank: BlankForm) -> FillPlan:
    """Plan a fill from a profile's dump (a Snapshot) on a blank; no I/O.

    Raises what a fill raises before writing: FormError (no map for this blank), ProfileError (a value the
    form cannot take, an answer the form says to skip that contradicts the request), FitError.
    """
    fmap = for_form(blank)
    assignments = resolve(fmap, data, blank)
    laid_out = layout.plan(blank, fmap, assignments, data)
    notes = (*skip_notes(fmap, data), *lost_notes(fmap, data))
    return FillPlan(blank, fmap, data, tuple(assignments), laid_out, tuple(skipped_items(fmap, data)), notes)


_PLANS: dict[int, tuple[weakref.ref[BlankForm], FillPlan]] = {}


def of(profile: ProfileBase, blank: BlankForm) -> FillPlan:
    """The one plan of a validated profile on a blank: built on first use, then the same plan while the profile
    model lives (a later step given only the profile and the blank does not plan again)."""
    key = id(profile)
    found = _PLANS.get(key)
    if found is not None and found[0]() is blank:
        return found[1]
    made = build(snapshot_of(profile), blank)
    if found is None:
        weakref.finalize(profile, _PLANS.pop, key, None)
    _PLANS[key] = (weakref.ref(blank), made)
    return made


__all__ = ["FillPlan", "build", "of"]
