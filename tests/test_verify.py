"""Verification must catch a file that differs from the plan, whichever read path it takes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

import formfill
from formfill.api import prepare, render
from formfill.blanks import expectations, load_blank
from formfill.forms import open_blank
from formfill.pdf import readback as readback_mod
from formfill.pdf import verify as verify_mod
from formfill.pdf.blank import BlankForm
from formfill.pdf.writer import IncrementalUpdate
from tests.helpers import with_field_replaced

UNCHECKED_BOX = "form1[0].P5[0].Part2_Line8_Gender[1]"  # the "Male" box; the sample is F
FAMILY = "form1[0].P4[0].Part2_Line1_FamilyName[0]"


def _fill(sample: Any, blank_plain: Path) -> tuple[BlankForm, Any, Any, bytes, list[list[str]]]:
    blank = open_blank(blank_plain)
    loaded = formfill.load_profile(sample("advance-parole-i485"))
    fmap, plan = prepare(loaded.profile, blank)
    data, sheets = render(blank, plan)
    return blank, fmap, plan, data, sheets


@pytest.mark.parametrize("with_blank", [True, False], ids=["fast-path", "full-read"])
def test_a_good_fill_verifies_on_both_read_paths(sample: Any, blank_plain: Path, with_blank: bool) -> None:
    blank, fmap, plan, data, sheets = _fill(sample, blank_plain)
    result = verify_mod.verify_bytes(data, plan.field_values(), expectations(fmap), sheets, 14,
                                     blank if with_blank else None)
    assert result.ok, result.problems
    assert result.boxes_checked == sum(1 for p in plan.placed if p.assignment.kind == "check")


def test_fast_path_reads_only_the_written_fields(sample: Any, blank_plain: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    blank, fmap, plan, data, sheets = _fill(sample, blank_plain)
    readback_mod.baseline(blank)
    calls = []
    real = readback_mod.read_fields
    monkeypatch.setattr(readback_mod, "read_fields", lambda pdf: calls.append(1) or real(pdf))
    assert verify_mod.verify_bytes(data, plan.field_values(), expectations(fmap), sheets, 14, blank).ok
    assert calls == [], "a clean fill should not need the whole field tree parsed again"


def test_a_stray_checked_box_added_later_is_caught(sample: Any, blank_plain: Path) -> None:
    blank, fmap, plan, data, sheets = _fill(sample, blank_plain)
    tampered = with_field_replaced(data, UNCHECKED_BOX, {"/V": NameObject("/M"), "/AS": NameObject("/M")})
    result = verify_mod.verify_bytes(tampered, plan.field_values(), expectations(fmap), sheets, 14, blank)
    assert not result.ok
    messages = " ".join(p.message for p in result.problems)
    assert "checked although the profile does not say so" in messages
    assert "2 boxes checked for one question (sex)" in messages


def test_a_value_changed_later_is_caught(sample: Any, blank_plain: Path) -> None:
    blank, fmap, plan, data, sheets = _fill(sample, blank_plain)
    tampered = with_field_replaced(data, FAMILY, {"/V": TextStringObject("SOMEONE ELSE")})
    result = verify_mod.verify_bytes(tampered, plan.field_values(), expectations(fmap), sheets, 14, blank)
    assert not result.ok
    assert any(p.path == "applicant.name.family" and "SOMEONE ELSE" in p.message for p in result.problems)


def test_a_file_from_another_blank_gets_a_full_read(sample: Any, blank_plain: Path, blank_encrypted: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    _blank, fmap, plan, data, sheets = _fill(sample, blank_plain)
    other = open_blank(blank_encrypted)  # same fields, different bytes: the overlay does not apply
    calls = []
    real = readback_mod.read_fields
    monkeypatch.setattr(readback_mod, "read_fields", lambda pdf: calls.append(1) or real(pdf))
    result = verify_mod.verify_bytes(data, plan.field_values(), expectations(fmap), sheets, 14, other)
    assert calls == [1], "a file not built on the given blank must be read in full"
    assert result.ok, result.problems


def test_verification_messages_never_show_ssn_or_a_number(sample: Any, blank_plain: Path, tmp_path: Path) -> None:
    out = tmp_path / "filled.pdf"
    formfill.fill(sample("advance-parole-i485"), form=blank_plain, output=out)
    other = sample("advance-parole-i485")
    other["applicant"]["ssn"] = "123-45-6780"
    other["applicant"]["a_number"] = "A-987-654-321"
    result = formfill.verify(out, other)
    assert not result.ok
    text = " ".join(str(p) for p in result.problems)
    assert {p.path for p in result.problems} >= {"applicant.ssn", "applicant.a_number"}
    for secret in ("123456789", "123456780", "987654321"):
        assert secret not in text
    assert "[redacted]" in text


def test_an_update_that_swaps_the_catalog_gets_a_full_read(sample: Any, blank_plain: Path) -> None:
    """A later update pointing /Root at a new catalog must not ride on the fast path."""
    from pypdf.generic import ArrayObject

    blank, fmap, plan, data, sheets = _fill(sample, blank_plain)
    filled = load_blank(data, use_cache=False, pristine=False)
    upd = IncrementalUpdate(data, filled.reader.trailer)
    catalog = DictionaryObject(filled.reader.trailer["/Root"])
    catalog[NameObject("/AcroForm")] = DictionaryObject({NameObject("/Fields"): ArrayObject()})
    new_root = upd.add(catalog)
    upd.trailer = DictionaryObject(filled.reader.trailer)
    upd.trailer[NameObject("/Root")] = new_root
    tampered = upd.to_bytes()
    result = verify_mod.verify_bytes(tampered, plan.field_values(), expectations(fmap), sheets, 14, blank)
    assert not result.ok
    assert any("missing" in p.message for p in result.problems)
