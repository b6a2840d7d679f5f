"""formfill.editions.check: each lint rule on a small synthetic map and blank, and the real package passing."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from formfill.editions.align import Widget
from formfill.editions.check import (
    identification,
    kinds,
    lint,
    model_paths,
    paths,
    skip_instructions,
    unmapped,
    widths,
    written_twice,
)
from tests.helpers import REPO


def w(name: str, kind: str = "text", max_len: int | None = None, on: tuple[str, ...] = ()) -> Widget:
    return Widget(name=name, kind=kind, page=1, rect=(0, 0, 10, 10), max_len=max_len, on_states=on)


BLANK = {x.name: x for x in [w("T[0]"), w("D[0]", max_len=8), w("C[0]", "check", on=("/Y",)), w("E[0]", "check")]}


def codes(findings: list) -> list[tuple[str, str]]:  # type: ignore[type-arg]
    return [(f.code, f.where) for f in findings]


def test_fields_exist_with_their_kind_and_an_on_state() -> None:
    fmap = {"fields": [{"field": "T[0]", "text": "a"}, {"field": "X[0]", "text": "a"}, {"field": "C[0]", "text": "a"},
                       {"field": "E[0]", "check": {"a": 1}}], "signature_fields": ["S[0]"]}
    assert codes(kinds(fmap, BLANK)) == [("missing_field", "X[0]"), ("wrong_kind", "C[0]"), ("no_on_state", "E[0]"),
                                         ("missing_field", "S[0]")]


def test_max_len_fits_the_format() -> None:
    fmap = {"fields": [{"field": "D[0]", "text": "a", "format": "date"},
                       {"field": "T[0]", "text": "b", "format": "date"}]}
    assert codes(widths(fmap, BLANK)) == [("too_narrow", "D[0]")]


def test_a_skip_instruction_must_be_printed_on_its_page() -> None:
    fmap = {"skip": [{"id": "a", "instruction": "6.a. If you answered No, skip to Part 8", "instruction_page": 1},
                     {"id": "b", "instruction": "Complete this only if", "instruction_page": 1}]}
    found = skip_instructions(fmap, ["... If you answered \u201cNo,\u201d skip to Part 8 ...", "Complete this only if"])
    assert codes(found) == [("instruction_not_found", "skip[1]")] and "it is on page 2" in found[0].message


def test_profile_paths_must_exist_in_the_model() -> None:
    schema = {"properties": {"a": {"$ref": "#/$defs/A"}, "l": {"type": "array", "items": {"$ref": "#/$defs/A"}}},
              "$defs": {"A": {"properties": {"b": {"anyOf": [{"type": "string"}, {"type": "null"}]}}}}}
    known = model_paths(schema)
    assert known == {"a", "a.b", "l", "l.b"}
    fmap = {"fields": [{"field": "T[0]", "text": "a.b"}, {"field": "T[1]", "text": "l[2].b"},
                       {"field": "C[0]", "check": {"a.c": True}}]}
    assert codes(paths(fmap, known)) == [("unknown_path", "C[0]")]


def test_a_field_written_twice_needs_conditions_that_separate_the_writers() -> None:
    ok = {"fields": [{"field": "T[0]", "text": "a", "when": {"x": 1}},
                     {"field": "T[0]", "text": "b", "when": {"x": 2}}]}
    bad = {"fields": [{"field": "T[0]", "text": "a"}, {"field": "T[0]", "text": "b", "when": {"x": 2}}]}
    assert written_twice(ok) == [] and codes(written_twice(bad)) == [("written_twice", "T[0]")]


def test_every_box_is_mapped_or_declared_unfilled() -> None:
    fmap = {"fields": [{"field": "T[0]"}], "unfilled_fields": ["D[0]"], "new_fields": ["C[0]"]}
    assert codes(unmapped(fmap, BLANK.values())) == [("unmapped", "E[0]")]


def test_the_blank_is_the_edition_the_map_says() -> None:
    fmap = {"form": "X-1", "edition": "06/01/26", "identify": {"barcode_value_prefix": "X-1|06/01/26|",
                                                               "footer_text": "Form X-1 Edition 06/01/26"}}
    assert identification(fmap, "X-1", "06/01/26", ["X-1|06/01/26|1"], "Form X-1 Edition 06/01/26 Page 1") == []
    assert codes(identification(fmap, "X-1", "01/20/25", ["X-1|01/20/25|1"], "Form X-1 Edition 01/20/25")) == [
        ("wrong_edition", "identify"), ("barcode_mismatch", "identify.barcode_value_prefix"),
        ("footer_mismatch", "identify.footer_text")]


def test_the_shipped_package_passes_against_its_blank_quickly(blank_plain: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from formfill.editions.workflow import check

    monkeypatch.setenv("FORMFILL_OFFLINE", "1")  # never os.environ: it leaked offline mode into later tests
    started = time.process_time()
    _, fmap, findings = check(REPO / "field_maps" / "i-131", blank_plain)
    assert time.process_time() - started < 10
    assert fmap["edition"] == "01/20/25" and findings == []


def test_lint_runs_every_rule() -> None:
    fmap = {"form": "X-1", "edition": "1", "fields": [{"field": "Z[0]", "text": "q"}]}
    found = lint(fmap, list(BLANK.values()), ["p1"], {"a"}, "X-1", "1", [])
    assert {"missing_field", "unknown_path", "unmapped"} <= {f.code for f in found}


@pytest.mark.slow
def test_a_printed_item_added_to_the_blank_is_reported_until_mapped_or_declared_unfilled(
        blank_plain: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json
    import shutil

    from formfill.blanks import read_blank
    from formfill.editions.workflow import check
    from tests import edition_builder as eb

    monkeypatch.setenv("FORMFILL_OFFLINE", "1")
    ed = eb.start(read_blank(blank_plain).data)
    eb.add_text_item(ed, 14, "form1[0].#subform[13]", "Part13_Line8_NewQuestion[0]", (60, 60, 300, 78),
                     "Your new answer", "Enter your new answer.")
    eb.print_text(ed, 14, 36, 81, "8.")
    blank = tmp_path / "added.pdf"
    blank.write_bytes(ed.bytes())
    pkg = tmp_path / "i-131"
    shutil.copytree(REPO / "field_maps" / "i-131", pkg)
    _, _, findings = check(pkg, blank)
    assert [(f.code, f.severity, f.where) for f in findings if f.code.endswith("item")] == [
        ("unmapped_item", "error", "Part 13, Item 8")]
    map_file = pkg / "01-20-25.json"
    doc = json.loads(map_file.read_text())
    doc["unfilled_items"] = [{"part": "13", "item": "8", "why": "a test"}, {"part": "13", "item": "9", "why": "x"}]
    map_file.write_text(json.dumps(doc))
    _, _, findings = check(pkg, blank)
    assert [(f.code, f.where) for f in findings if f.severity == "error"] == []
    assert ("unfilled_item_not_printed", "unfilled_items[1]") in [(f.code, f.where) for f in findings]
