"""Reading a fill back: parsing only the update must read exactly what a full pdfminer read of the file reads,
and anything the update did beyond writing the planned fields must leave that shortcut."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
from pypdf.generic import NumberObject, TextStringObject

import formfill
from formfill.api import prepare, render
from formfill.blanks import expectations
from formfill.forms import open_blank
from formfill.pdf import readback, verify
from formfill.pdf.blank import BlankForm
from tests.helpers import with_field_replaced

FAMILY = "form1[0].P4[0].Part2_Line1_FamilyName[0]"
GIVEN = "form1[0].P4[0].Part2_Line1_GivenName[0]"
UNCHECKED_BOX = "form1[0].P5[0].Part2_Line8_Gender[1]"


def _fill(sample: Any, blank_plain: Path) -> tuple[BlankForm, Any, Any, bytes, list[str]]:
    blank = open_blank(blank_plain)
    loaded = formfill.load_profile(sample("advance-parole-i485"))
    fmap, plan = prepare(loaded.profile, blank)
    data, _sheets = render(blank, plan)
    return blank, fmap, plan, data, [p.field for p in plan.field_values()]


def _full_read(data: bytes) -> dict[str, readback.ReadField]:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return readback.read_fields(pdf)


def test_reading_the_update_alone_reads_what_a_full_read_reads(sample: Any, blank_plain: Path) -> None:
    blank, _fmap, _plan, data, names = _fill(sample, blank_plain)
    fast = readback.read_written(data, blank, names)
    assert fast is not None, "a clean fill on its own blank takes the short read"
    full = _full_read(data)
    assert fast == full
    assert fast[FAMILY].value == "GARCIA LOPEZ" and fast[FAMILY].drawn == "GARCIA LOPEZ"


def test_the_baseline_knows_where_every_field_sits(blank_plain: Path) -> None:
    blank = open_blank(blank_plain)
    base = readback.baseline(blank)
    assert set(base.origins) == set(base.fields)
    assert base.origins[FAMILY].objid == blank.fields[FAMILY].ref.idnum
    assert base.origins[FAMILY].partial == "Part2_Line1_FamilyName[0]"
    assert base.origins[FAMILY].parent == base.origins[GIVEN].parent is not None
    assert base.sections >= 1 and base.startxref < len(blank.data)
    assert len(base.offsets) > 3000  # the I-131 has about 3,800 objects


@pytest.mark.parametrize("change", [
    {"/T": TextStringObject("Part2_Line1_SomethingElse[0]")},
    {"/Parent": "given"},  # filled in below: the given name's object, a field but not this one's parent
], ids=["renamed", "reparented"])
def test_a_written_object_that_is_not_the_planned_field_reads_as_missing(
    sample: Any, blank_plain: Path, change: dict[str, Any]
) -> None:
    blank, fmap, plan, data, names = _fill(sample, blank_plain)
    if change.get("/Parent") == "given":
        change = {"/Parent": blank.fields[GIVEN].ref}
    tampered = with_field_replaced(data, FAMILY, change)
    fields = readback.read_written(tampered, blank, names)
    assert fields is not None and FAMILY not in fields
    result = verify.verify_bytes(tampered, plan.field_values(), expectations(fmap), [], 14, blank)
    assert any(p.path == "applicant.name.family" and "missing from the written file" in p.message
               for p in result.problems)


def test_an_update_touching_an_unplanned_object_leaves_the_short_read(sample: Any, blank_plain: Path) -> None:
    blank, _fmap, _plan, data, names = _fill(sample, blank_plain)
    tampered = with_field_replaced(data, UNCHECKED_BOX, {"/F": NumberObject(4)})
    assert readback.read_written(tampered, blank, names) is None


def test_a_file_not_built_on_the_blank_leaves_the_short_read(sample: Any, blank_plain: Path,
                                                           blank_encrypted: Path) -> None:
    _blank, _fmap, _plan, data, names = _fill(sample, blank_plain)
    assert readback.read_written(data, open_blank(blank_encrypted), names) is None


def test_a_damaged_update_leaves_the_short_read(sample: Any, blank_plain: Path) -> None:
    blank, _fmap, _plan, data, names = _fill(sample, blank_plain)
    cut = data[: len(blank.data) + 200] + data[-40:]  # the update's objects and xref cut away
    assert readback.read_written(cut, blank, names) is None
