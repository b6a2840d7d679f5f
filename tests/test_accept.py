"""formfill.editions.accept: decisions as data; refused while any remain; a reviewed map after."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from formfill.editions.accept import accept, accept_folder, apply_decisions, decision_problems, pending
from formfill.errors import DraftError, InputError


def draft(*decisions: Any) -> dict[str, Any]:
    props: list[dict[str, Any]] = [{"field": "n.Matched[0]", "from": "o.M[0]", "status": "matched"},
                                   {"field": "n.New[0]", "from": None, "status": "new"}]
    for i, d in enumerate(decisions):
        props.append({"field": f"n.R{i}[0]", "from": f"o.R{i}[0]", "status": "review", "decision": d})
    return {"form": "X-1", "edition": "01/01/30", "proposals": props,
            "unplaced": [{"field": "o.Gone[0]", "profile": ["a.b"]}],
            "blank_fields": {"n.Matched[0]": "text", "n.New[0]": "text", "n.R0[0]": "text", "n.R1[0]": "text",
                             "n.R2[0]": "text", "n.Other[0]": "text"}}


FILL_MAP = {"form": "X-1", "edition": "01/01/30", "status": "draft", "signatures": [],
            "fields": [{"field": "n.Matched[0]", "text": "a.m"}, {"field": "n.R0[0]", "text": "a.r0", "review": True},
                       {"field": "n.R1[0]", "text": "a.r1", "review": True},
                       {"field": "n.R2[0]", "text": "a.r2", "review": True}]}


def test_pending_lists_only_undecided_review_proposals() -> None:
    assert pending(draft(None, "accept", None)) == ["n.R0[0]", "n.R2[0]"]
    assert pending(draft()) == []


def test_accept_refuses_while_decisions_remain_naming_them() -> None:
    with pytest.raises(DraftError, match=r"1 proposal\(s\) await a decision.*n\.R1\[0\]"):
        accept(draft("accept", None), FILL_MAP, "draft.json")


def test_a_decision_must_be_one_of_three_and_point_at_a_real_field() -> None:
    assert [p.path for p in decision_problems(draft("maybe", {"field": "n.Nope[0]"}, "accept"))] == [
        "proposals[2].decision", "proposals[3].decision"]
    with pytest.raises(DraftError, match="not valid"):
        accept(draft("maybe"), FILL_MAP, "draft.json")


def test_decisions_apply_accept_unfilled_and_point_elsewhere() -> None:
    doc, unfilled = apply_decisions(FILL_MAP, draft("accept", "unfilled", {"field": "n.Other[0]"}))
    assert doc["status"] == "reviewed"
    assert [(e["field"], e["text"]) for e in doc["fields"]] == [
        ("n.Matched[0]", "a.m"), ("n.R0[0]", "a.r0"), ("n.Other[0]", "a.r2")]
    assert all("review" not in e for e in doc["fields"])
    assert unfilled == ["n.R1[0]"]


def test_a_draft_with_only_matched_and_new_is_accepted_as_it_stands(tmp_path: Path) -> None:
    (tmp_path / "draft.json").write_text(json.dumps(draft()))
    (tmp_path / "01-01-30.json").write_text(json.dumps({**FILL_MAP, "fields": FILL_MAP["fields"][:1]}))
    done = accept_folder(tmp_path)
    assert json.loads((tmp_path / "01-01-30.json").read_text())["status"] == "reviewed"
    assert json.loads((tmp_path / "draft.json").read_text())["status"] == "reviewed"
    assert done.unplaced == [{"field": "o.Gone[0]", "profile": ["a.b"]}]


def test_a_folder_without_a_draft_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"no draft\.json here"):
        accept_folder(tmp_path)


def test_accepting_confirms_the_estimated_first_day_and_nothing_else(tmp_path: Path) -> None:
    from formfill.editions.accept import confirm_dates

    spec = {"form": "X-1", "editions": [
        {"edition": "01/01/30", "fill_map": "01-01-30.json", "accepted_from": "2030-01-01",
         "acceptance_estimated": True, "supersedes": [{"edition": "01/01/25", "accepted_until": None}]},
        {"edition": "01/01/25", "read_map": "01-01-25.read.json", "acceptance_estimated": True}]}
    done, confirmed = confirm_dates(spec, "01/01/30")
    assert confirmed == "2030-01-01"
    assert done["editions"][0] == {"edition": "01/01/30", "fill_map": "01-01-30.json", "accepted_from": "2030-01-01",
                                   "supersedes": [{"edition": "01/01/25", "accepted_until": None}]}
    assert done["editions"][1] == spec["editions"][1]  # another edition's estimate is not this acceptance's
    assert confirm_dates(done, "01/01/30") == (done, None)
