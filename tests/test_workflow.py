"""A new edition end to end: synthetic next editions built from the 01/20/25 blank, drafted, accepted, filled.

Each synthetic edition changes the blank as USCIS does between editions; the builder records the right
answer (old name -> new name, removed, added, renamed on-states) and the draft must find exactly it.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from formfill import api
from formfill.blanks import read_blank
from formfill.editions.workflow import accept, draft
from formfill.errors import FormError
from formfill.formpackage import using_package
from formfill.pdf.words import text_in
from tests import edition_builder as eb
from tests.helpers import REPO, SAMPLES

pytestmark = pytest.mark.slow

REMOVED = "form1[0].P5[0].Part2_Line3_InCareofName[0]"
SAMPLE_NAMES = ["reentry-permit", "advance-parole-i485"]


def renamed_part2(t: str) -> str | None:
    """USCIS's kind of rename: `Part2_Line1_FamilyName` -> `Pt2Line1_FamilyName`."""
    return re.sub(r"^Part(\d+)_Line", r"Pt\1Line", t) if t.startswith("Part2_") else None


@pytest.fixture(scope="module")
def renamed_edition(tmp_path_factory: pytest.TempPathFactory, blank_plain: Path) -> tuple[eb.Edition, Path]:
    """Fields renamed, page subforms renumbered, tooltips reworded, on-states renamed, widgets shuffled."""
    ed = eb.start(read_blank(blank_plain).data)
    eb.change_edition(ed)
    eb.rename(ed, renamed_part2)
    eb.renumber_subforms(ed)
    eb.reword_tooltips(ed)
    eb.rename_states(ed)
    eb.shuffle(ed)
    path = tmp_path_factory.mktemp("renamed") / "i-131_next.pdf"
    path.write_bytes(ed.bytes())
    return ed, path


@pytest.fixture(scope="module")
def moved_edition(tmp_path_factory: pytest.TempPathFactory, blank_plain: Path) -> tuple[eb.Edition, Path]:
    """A page's print and widgets moved, an item removed, an item with its label added."""
    ed = eb.start(read_blank(blank_plain).data)
    eb.change_edition(ed)
    eb.move_page(ed, 6, dy=-30)
    eb.remove(ed, REMOVED)
    eb.add_text_item(ed, 9, "form1[0].#subform[8]", "P5_Line9_Trips[0]", (300.0, 60.0, 560.0, 78.0),
                     "Number of trips planned", "Part 5. 9. Enter the number of trips you plan.")
    path = tmp_path_factory.mktemp("moved") / "i-131_next.pdf"
    path.write_bytes(ed.bytes())
    return ed, path


def drafted(ed_path: tuple[eb.Edition, Path], tmp_path: Path) -> tuple[Any, Path, float]:
    out = tmp_path / "draft"
    started = time.process_time()
    d = draft(ed_path[1], out)
    return d, out, time.process_time() - started



def check_alignment(d: Any, ed: eb.Edition, old_fields: set[str]) -> None:
    back = {new: old for old, new in ed.renamed.items()}
    for p in d.proposals:
        if p.field in ed.added:
            assert p.status == "new", p
            continue
        right = back.get(p.field, p.field)
        assert right in old_fields
        assert p.status == "matched", p  # every unchanged field matched ...
        assert p.source == right, p  # ... to the right one (no wrong match)
    assert [u["field"] for u in d.unplaced] == ed.removed
    for p in d.proposals:
        if p.field in ed.states:
            assert p.states == ed.states[p.field]


def test_a_renamed_renumbered_reworded_shuffled_edition_is_matched_field_by_field(
        renamed_edition: tuple[eb.Edition, Path], blank_plain: Path, tmp_path: Path) -> None:
    ed, _ = renamed_edition
    d, out, seconds = drafted(renamed_edition, tmp_path)
    assert (d.form, d.edition) == ("I-131", eb.NEW_EDITION)
    check_alignment(d, ed, set(read_blank(blank_plain).fields))
    assert len(ed.renamed) > 150 and any(s for s in ed.states.values())
    fill_map = json.loads((out / "06-01-26.json").read_text())
    assert fill_map["status"] == "draft"
    assert fill_map["identify"] == {"barcode_value_prefix": "I-131|06/01/26|",
                                    "footer_text": "Form I-131 Edition 06/01/26"}
    assert len(fill_map["fields"]) == 300 and len(fill_map["skip"]) == 24 and len(fill_map["signatures"]) == 3
    known = set(ed.renamed.values()) | set(read_blank(blank_plain).fields)  # read once, not once per field
    assert all(f["field"] in known for f in fill_map["fields"])
    assert seconds < 10


def test_a_moved_page_a_removed_and_an_added_item(moved_edition: tuple[eb.Edition, Path], blank_plain: Path,
                                                 tmp_path: Path) -> None:
    ed, path = moved_edition
    page, (x0, _, x1, y1) = ed.labels_gone[0]
    assert text_in(read_blank(path).data, {"label": (page, (x0 - 2, y1, x1 + 2, y1 + 12))}) == {"label": ""}
    d, _, _ = drafted(moved_edition, tmp_path)
    check_alignment(d, ed, set(read_blank(blank_plain).fields))
    assert d.unplaced == [{"field": REMOVED, "profile": ["applicant.mailing_address.in_care_of"]}]


def values(path: Path) -> dict[str, Any]:
    return {k: v.get("/V") for k, v in (PdfReader(path).get_fields() or {}).items()}


@pytest.mark.parametrize("which", ["renamed", "moved"])
def test_after_accept_the_samples_fill_the_new_edition_with_the_same_answers_and_verify(
        which: str, renamed_edition: tuple[eb.Edition, Path], moved_edition: tuple[eb.Edition, Path],
        blank_plain: Path, tmp_path: Path) -> None:
    ed, blank = renamed_edition if which == "renamed" else moved_edition
    out = tmp_path / "pkg"
    with pytest.raises(FormError, match="no field map"):
        api.fill(SAMPLES / "reentry-permit.json", form=blank)
    draft(blank, out)
    with using_package(out), pytest.raises(FormError, match="a draft never fills"):
        api.fill(SAMPLES / "reentry-permit.json", form=blank)
    accept(out)
    back = {new: old for old, new in ed.renamed.items()}
    for name in SAMPLE_NAMES:
        new_pdf, old_pdf = tmp_path / f"{name}.new.pdf", tmp_path / f"{name}.old.pdf"
        with using_package(out):
            result = api.fill(SAMPLES / f"{name}.json", form=blank, output=new_pdf)
            assert api.verify(new_pdf.read_bytes(), SAMPLES / f"{name}.json").ok
        assert not [n for n in result.notes if "has no box for it" in n]
        api.fill(SAMPLES / f"{name}.json", form=blank_plain, output=old_pdf)
        new_values, old_values = values(new_pdf), values(old_pdf)
        compared = 0
        for field, value in new_values.items():
            if field in ed.added or "BarCode" in field:
                continue
            expected = old_values.get(back.get(field, field))
            if field in ed.states and expected in ed.states[field]:
                expected = ed.states[field][expected]
            assert value == expected, (field, value, expected)
            compared += bool(value)
        assert compared > 40
    if ed.removed:  # a value whose box the new edition lacks is named in the fill's notes, never dropped silently
        data = json.loads((SAMPLES / "reentry-permit.json").read_text())
        data["applicant"]["mailing_address"]["in_care_of"] = "Ana Cruz"
        with using_package(out):
            result = api.fill(data, form=blank)
        assert [n for n in result.notes if "has no box for it" in n] == [
            "applicant.mailing_address.in_care_of: not printed: edition 06/01/26 of Form I-131 has no box for it "
            "(edition 01/20/25 asked it in Part 2, Item 3)"]


def test_a_blank_of_the_edition_drafted_from_is_refused(blank_plain: Path, tmp_path: Path) -> None:
    with pytest.raises(FormError, match="the edition the draft starts from"):
        draft(blank_plain, tmp_path / "d")


def test_the_real_pair_leaves_what_it_cannot_match_for_review(blank_2019: Path, tmp_path: Path) -> None:
    """A draft for the 04/24/19 blank from 01/20/25, scored by profile path against the 04/24/19 read map.

    Times are CPU seconds of this process: the wall clock on a shared machine measures the neighbours.
    """
    started = time.process_time()
    d = draft(blank_2019, tmp_path / "d")
    assert time.process_time() - started < 10
    fill_map = {f["field"]: f for f in json.loads((REPO / "field_maps/i-131/01-20-25.json").read_text())["fields"]}
    read_map = {f["field"]: f for f in json.loads((REPO / "field_maps/i-131/04-24-19.read.json").read_text())["fields"]}
    right = wrong = 0
    for p in d.proposals:
        if p.status != "matched" or p.source not in fill_map or p.field not in read_map:
            continue
        old, new = fill_map[p.source], read_map[p.field]
        if (old.get("text") or old.get("choice") or old.get("check")) == (new.get("path") or new.get("set")):
            right += 1
        else:
            wrong += 1
    assert wrong <= 0.02 * max(1, right + wrong)
    assert sum(p.status == "review" for p in d.proposals) >= 30  # what it could not match is left to a person
