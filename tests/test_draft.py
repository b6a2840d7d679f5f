"""formfill.editions.draft's pure steps: the fill map carried over to the new fields, nothing silently lost."""

from __future__ import annotations

from formfill.editions.align import MATCHED, NEW, REVIEW, Proposal
from formfill.editions.draft import (
    carry_entries,
    carry_signatures,
    carry_skips,
    draft_spec,
    field_renames,
    identification,
    map_file_name,
    page_shift,
    profile_paths,
    rename_blocks,
    unplaced_of,
)

ENTRIES = [
    {"field": "o.Family[0]", "page": 1, "part": "2", "item": "1", "text": "applicant.name.family"},
    {"field": "o.Sex[0]", "page": 1, "part": "2", "item": "9", "check": {"applicant.sex": "F"}, "group": "sex"},
    {"field": "o.Fax[0]", "page": 2, "part": "9", "item": "3", "text": "preparer.fax",
     "when": {"preparer": {"present": True}}},
]
PROPOSALS = [Proposal("n.Family[0]", "o.Family[0]", 0.95, MATCHED), Proposal("n.Sex[0]", "o.Sex[0]", 0.6, REVIEW),
             Proposal("n.Trips[0]", None, 0.0, NEW)]


def test_profile_paths_of_text_check_and_when() -> None:
    assert profile_paths(ENTRIES[0]) == ["applicant.name.family"]
    assert profile_paths(ENTRIES[1]) == ["applicant.sex"]
    assert profile_paths(ENTRIES[2]) == ["preparer.fax", "preparer"]
    assert profile_paths({"field": "x", "check": [{"a": 1}, {"b": 2}]}) == ["a", "b"]


def test_entries_move_to_their_new_field_and_page_keeping_conditions_groups_and_formats() -> None:
    renames = field_renames(PROPOSALS)
    assert renames == {"o.Family[0]": "n.Family[0]", "o.Sex[0]": "n.Sex[0]"}
    out = carry_entries(ENTRIES, renames, {"n.Family[0]": 2, "n.Sex[0]": 2}, {"n.Sex[0]"})
    assert out == [
        {**ENTRIES[0], "field": "n.Family[0]", "page": 2},
        {**ENTRIES[1], "field": "n.Sex[0]", "page": 2, "review": True},
    ]


def test_unplaced_fields_name_the_profile_paths_that_lose_their_box() -> None:
    assert unplaced_of(["o.Fax[0]", "o.Barcode[0]"], {"fields": ENTRIES}) == [
        {"field": "o.Fax[0]", "profile": ["preparer.fax", "preparer"]}]


def test_skip_rules_keep_the_items_that_still_have_fields_and_follow_their_page() -> None:
    skips = [{"id": "a", "part": "2", "items": ["1", "5"], "when": {}, "instruction": "SKIP", "instruction_page": 1},
             {"id": "b", "part": "9", "items": ["3"], "when": {}, "instruction": "SKIP", "instruction_page": 2}]
    kept = carry_entries(ENTRIES, field_renames(PROPOSALS), {}, set())
    assert carry_skips(skips, kept, {}, {1: 2}) == [{**skips[0], "items": ["1"], "instruction_page": 2}]


def test_page_shift_follows_most_fields_of_a_page() -> None:
    renames = {"o.Family[0]": "n.Family[0]", "o.Sex[0]": "n.Sex[0]", "o.Fax[0]": "n.Fax[0]"}
    assert page_shift(ENTRIES, renames, {"n.Family[0]": 2, "n.Sex[0]": 2, "n.Fax[0]": 3}) == {1: 2, 2: 3}


def test_blocks_and_signatures_carry_over_or_drop_whole() -> None:
    blocks = [{"text": "o.A[0]", "page": "o.B[0]"}, {"text": "o.C[0]", "page": "o.Gone[0]"}]
    assert rename_blocks(blocks, {"o.A[0]": "n.A[0]", "o.B[0]": "n.B[0]", "o.C[0]": "n.C[0]"}) == [
        {"text": "n.A[0]", "page": "n.B[0]"}]
    sigs = [{"role": "applicant", "field": "o.Sig[0]", "date_field": "o.Date[0]", "page": 11}]
    assert carry_signatures(sigs, {"o.Sig[0]": "n.Sig[0]"}, {"n.Sig[0]": 12}, {}) == [
        {"role": "applicant", "field": "n.Sig[0]", "page": 12}]


def test_identification_spec_and_file_name_of_the_new_edition() -> None:
    assert identification("X-1", "06/01/26") == {"barcode_value_prefix": "X-1|06/01/26|",
                                                 "footer_text": "Form X-1 Edition 06/01/26"}
    assert map_file_name("06/01/26") == "06-01-26.json"
    spec = draft_spec({"form": "X-1", "publisher_page": "https://x.example/x-1",
                       "editions": [{"edition": "01/01/25", "fill_map": "01-01-25.json"}]}, "06/01/26", "01/01/25")
    [entry] = spec["editions"]
    assert {k: entry[k] for k in ("edition", "fill_map")} == {"edition": "06/01/26", "fill_map": "06-01-26.json"}
    # The first accepted day is the edition date, an estimate a person confirms; the old edition's end is theirs.
    assert entry["accepted_from"] == "2026-06-01" and entry["acceptance_estimated"] is True
    assert "https://x.example/x-1" in entry["acceptance_source"]
    assert entry["supersedes"] == [{"edition": "01/01/25", "accepted_until": None}]
