"""formfill.editions.items: the printed items of a blank, read from runs of text, and which of them a map fills."""

from __future__ import annotations

from formfill.editions.items import Item, key, marks_of_page, owner, printed_items, stale_declarations, uncovered

# One page as pdfium gives it: (text, (left, bottom, right, top)).
PAGE1 = [
    ("Form X-1 Edition 01/01/30", (36, 20, 150, 30)),
    ("Part 1. About You", (38, 700, 160, 711)),
    ("1.", (36, 680, 43, 687)), ("Family Name", (60, 680, 120, 687)),
    ("2.", (36, 640, 43, 647)), ("Date of Birth", (60, 640, 120, 647)),
    ("3.", (260, 640, 267, 647)), ("Sex", (280, 640, 300, 647)),
    ("4.", (36, 600, 43, 607)), ("Basis:", (60, 600, 90, 607)),
    ("A.", (60, 580, 69, 587)), ("B.", (60, 560, 69, 567)),
    ("(1)", (102, 540, 113, 547)),
    ("See Item Numbers 2.", (300, 520, 380, 527)), ("3.", (381, 520, 388, 527)),  # a reference, not an item
    ("provide it in Part 2. Other", (300, 500, 420, 507)),  # a part named in a sentence, not a heading
]
PAGE2 = [
    ("Part 1. About You (continued)", (38, 700, 200, 711)),
    ("C.", (60, 680, 69, 687)),
    ("Part 2. Other", (38, 600, 120, 611)),
    ("1.a.", (36, 580, 51, 587)), ("1.b.", (36, 560, 51, 567)),
]


def items() -> list[Item]:
    return printed_items([PAGE1, PAGE2])


def test_items_are_numbered_the_way_the_maps_number_them() -> None:
    assert [(it.part, it.item, it.page) for it in items()] == [
        ("1", "1", 1), ("1", "2", 1), ("1", "3", 1), ("1", "4", 1), ("1", "4.A", 1), ("1", "4.B", 1),
        ("1", "4.B.1", 1), ("1", "4.C", 2), ("2", "1.a", 2), ("2", "1.b", 2)]


def test_references_and_sentences_are_not_items_or_headings() -> None:
    texts = [m.text for m in marks_of_page(1, PAGE1)]
    assert texts.count("3.") == 1 and "provide it in Part 2. Other" not in texts


def test_a_box_belongs_to_the_item_printed_over_it_and_left_of_it() -> None:
    found = items()
    assert owner(1, (60, 660, 200, 675), found) == found[0]  # under 1.
    assert owner(1, (60, 620, 200, 636), found).item == "2"  # type: ignore[union-attr]
    assert owner(1, (280, 620, 400, 636), found).item == "3"  # type: ignore[union-attr]  # beside 2., under 3.
    assert owner(2, (120, 690, 130, 700), found).item == "4.B.1"  # type: ignore[union-attr]  # above page 2's items


def test_an_item_is_covered_by_a_mapped_box_an_entry_naming_it_or_a_declaration() -> None:
    found = items()
    boxes = [("F1", 1, (60, 660, 200, 675)), ("F3", 1, (280, 620, 400, 636)), ("FC", 2, (84, 670, 94, 680))]
    fmap = {"fields": [{"field": "F1", "part": "9", "item": "9"}, {"field": "F3", "part": "9", "item": "9"},
                       {"field": "FC", "part": "9", "item": "9"},
                       {"field": "Elsewhere", "part": "2", "item": "1.A"}],  # names Part 2, Item 1.a
            "unfilled_items": [{"part": "1", "item": "2", "why": "asked of the officer"}]}
    left = [(it.part, it.item) for it in uncovered(found, boxes, fmap)]
    # 4. and 4.B are covered through their sub-items (4.C and 4.B.1 only 4.C); 4.A, 4.B.1 and 2's 1.b are not.
    assert left == [("1", "4.A"), ("1", "4.B"), ("1", "4.B.1"), ("2", "1.b")]
    fmap["unfilled_items"].append({"part": "1", "item": "4.B", "why": "x"})  # type: ignore[attr-defined]
    assert [(it.part, it.item) for it in uncovered(found, boxes, fmap)] == [("1", "4.A"), ("2", "1.b")]


def test_a_declaration_of_an_item_not_printed_is_stale() -> None:
    fmap = {"unfilled_items": [{"part": "1", "item": "2", "why": "x"}, {"part": "1", "item": "9", "why": "y"}]}
    assert stale_declarations(items(), fmap) == [(1, {"part": "1", "item": "9", "why": "y"})]


def test_items_compare_as_a_person_reads_them() -> None:
    assert key("4", "2.a") == key("4", "2.A.") and key("1", "6.B.(1)") == key("1", "6.B.1")
