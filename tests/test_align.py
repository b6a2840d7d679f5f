"""formfill.editions.align on small synthetic widgets: every clue, the statuses, never a silent guess."""

from __future__ import annotations

from formfill.editions.align import (
    MATCHED,
    NEW,
    REVIEW,
    Widget,
    align,
    assign,
    jaccard,
    leaf,
    name_tokens,
    part_of,
    position_score,
    states,
)


def w(name: str, kind: str = "text", page: int = 1, x: float = 100, y: float = 500, tooltip: str = "",
      label: str = "", context: str = "", on: tuple[str, ...] = ()) -> Widget:
    return Widget(name=name, kind=kind, page=page, rect=(x, y, x + 150, y + 18), tooltip=tooltip, label=label,
                  context=context, on_states=on)


FAMILY = dict(tooltip="Part 2. Information About You. 1. Enter Family Name (Last Name).",
              label="Family Name (Last Name)", context="1. Your Full Name")
GIVEN = dict(tooltip="Part 2. Information About You. 1. Enter Given Name (First Name).",
             label="Given Name (First Name)", context="1. Your Full Name")


def test_names_lose_their_subform_path_and_split_into_parts() -> None:
    assert leaf("form1[0].#subform[8].Part2_Line1_FamilyName[0]") == "Part2_Line1_FamilyName[0]"
    assert name_tokens("a.#subform[3].Pt2Line1_FamilyName[0]") == name_tokens("a.#subform[9].Part2_Line1_FamilyName[0]")
    assert "#1" in name_tokens("x.CB_AppType[1]")


def test_small_clues() -> None:
    assert jaccard(frozenset(), frozenset()) is None
    assert jaccard(frozenset({"a"}), frozenset({"a", "b"})) == 0.5
    assert part_of("Part 12. Preparer. 3. Enter") == "12"
    assert part_of("no part here") is None
    assert position_score(w("a"), w("b")) == 1.0
    assert position_score(w("a", page=1), w("b", page=3)) == 0.0


def test_renamed_and_renumbered_fields_match_the_right_one() -> None:
    old = [w("f.#subform[1].Part2_Line1_FamilyName[0]", **FAMILY),
           w("f.#subform[1].Part2_Line1_GivenName[0]", x=300, **GIVEN)]
    new = [w("f.#subform[2].Pt2Line1_GivenName[0]", x=300, **GIVEN),
           w("f.#subform[2].Pt2Line1_FamilyName[0]", **FAMILY)]
    proposals, unplaced = align(old, new)
    assert [(p.field, p.source, p.status) for p in proposals] == [
        (new[0].name, old[1].name, MATCHED), (new[1].name, old[0].name, MATCHED)]
    assert unplaced == []


def test_a_removed_field_is_unplaced_and_an_added_one_new() -> None:
    old = [w("f.Part2_Line1_FamilyName[0]", **FAMILY), w("f.Part9_Line3_Fax[0]", page=9, y=100,
                                                        tooltip="Part 9. 3. Enter Fax Number.", label="Fax Number")]
    new = [w("f.Part2_Line1_FamilyName[0]", **FAMILY),
           w("f.Part5_Trips[0]", kind="check", page=4, label="Number of trips", tooltip="Part 5. Trips.")]
    proposals, unplaced = align(old, new)
    assert proposals[0].status == MATCHED
    assert proposals[1].status == NEW and proposals[1].source is None
    assert unplaced == ["f.Part9_Line3_Fax[0]"]


def test_kinds_never_cross() -> None:
    proposals, unplaced = align([w("f.A[0]", kind="text", **FAMILY)], [w("f.A[0]", kind="check", **FAMILY)])
    assert proposals[0].status == NEW and unplaced == ["f.A[0]"]


def test_a_changed_label_goes_to_review_even_with_the_same_name() -> None:
    old = [w("f.P4_Line2_YesNo[0]", kind="check", label="Yes", tooltip="Part 4. 2. Select Yes.", on=("/Y",))]
    new = [w("f.P4_Line2_YesNo[0]", kind="check", label="No, I was never", tooltip="Part 4. 2. Select Yes.",
             on=("/Y",))]
    (p,), _ = align(old, new)
    assert p.status == REVIEW and any("label changed" in e for e in p.evidence)


def test_an_item_moved_to_another_part_goes_to_review() -> None:
    stay = [w("f.Line1_Name[0]", y=300, tooltip="Part 10. 1. Enter Name.", label="Name"),
            w("f.Line2_Phone[0]", y=200, tooltip="Part 10. 2. Enter Phone.", label="Phone")]
    old = [w("f.Line5_Email[0]", tooltip="Part 10. 5. Enter Email Address.", label="Email Address"), *stay]
    new = [w("f.Line5_Email[0]", tooltip="Part 11. 5. Enter Email Address.", label="Email Address"), *stay]
    p, *kept = align(old, new)[0]
    assert [k.status for k in kept] == [MATCHED, MATCHED]
    assert p.status == REVIEW and any("Part 10 to Part 11" in e for e in p.evidence)


def test_two_close_candidates_go_to_review() -> None:
    twin = dict(tooltip="Part 2. Enter In Care Of Name.", label="In Care Of Name", context="")
    old = [w("f.Line3_InCareofName[0]", y=500, **twin), w("f.Line4_InCareofName[0]", y=480, **twin)]
    new = [w("f.InCareofName[0]", y=490, **twin)]
    (p,), _ = align(old, new)
    assert p.status == REVIEW and any("rival" in e for e in p.evidence)


def test_checkbox_states_follow_the_pairing_made_on_labels_not_the_state_names() -> None:
    old = [w("f.Eye[0]", kind="check", label="Black", tooltip="Eye color. Select Black.", on=("/BLK",)),
           w("f.Eye[1]", kind="check", x=200, label="Blue", tooltip="Eye color. Select Blue.", on=("/BLU",))]
    new = [w("f.Eye[1]", kind="check", label="Black", tooltip="Eye color. Select Black.", on=("/S2",)),
           w("f.Eye[0]", kind="check", x=200, label="Blue", tooltip="Eye color. Select Blue.", on=("/S1",))]
    proposals, _ = align(old, new)
    assert {p.field: p.source for p in proposals} == {"f.Eye[1]": "f.Eye[0]", "f.Eye[0]": "f.Eye[1]"}
    assert {p.field: p.states for p in proposals} == {"f.Eye[1]": {"/BLK": "/S2"}, "f.Eye[0]": {"/BLU": "/S1"}}
    assert states(old[0], new[0]) == {"/BLK": "/S2"}


def test_assign_takes_best_pairs_first_each_field_once() -> None:
    assert assign({(0, 0): 0.9, (0, 1): 0.95, (1, 1): 0.8, (1, 0): 0.5}) == {0: 1, 1: 0}


def test_a_form_whose_parts_were_all_renumbered_has_not_moved_each_item() -> None:
    from formfill.editions.align import features, renumbered_parts

    def f(tip: str) -> object:
        return features(w("x", tooltip=tip))

    pairs = [(f("Part 1. a"), f("Part 2. a")), (f("Part 1. b"), f("Part 2. b")), (f("Part 1. c"), f("Part 3. c")),
             (f("Part 4. d"), f("Part 5. d"))]
    assert renumbered_parts(pairs) == {"1": "2"}  # type: ignore[arg-type]
