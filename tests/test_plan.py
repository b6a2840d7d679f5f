"""formfill.plan: one plan per fill, built once from the profile and the package and read by every step."""

from __future__ import annotations

import copy
import gc
import weakref
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import formfill
from formfill import api, layout
from formfill import plan as fill_plan
from formfill.blanks import read_blank
from formfill.fieldmap import for_form
from formfill.loading import load_profile
from formfill.pdf.blank import BlankForm
from formfill.rules import snapshot
from formfill.signing import continuation_sheets, plan_boxes, signature_boxes

LONG_PURPOSE = " ".join(f"word{n} of a very long explanation of why the trip is needed" for n in range(60))


@pytest.fixture(scope="module")
def blank(blank_plain: Path) -> BlankForm:
    return read_blank(blank_plain)


def _reentry_with_skipped_answers(sample: Any) -> dict[str, Any]:
    """A re-entry permit request that also gives I-94 answers, which the form tells it to skip (Part 2, 12-15)."""
    data: dict[str, Any] = sample("reentry-permit")
    data["applicant"].update(class_of_admission="IR5", i94_number="12345678901", authorized_stay_expires="2027-01-01")
    return data


@pytest.fixture
def counting(blank: BlankForm, monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """Counts, through public names only, every skip rule evaluation, every layout and every profile dump."""
    counts: Counter[str] = Counter()
    fmap = for_form(blank)

    def counted(name: str, inner: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            counts[name] += 1
            return inner(*args, **kwargs)
        return wrapper

    for skip in fmap.skips:
        monkeypatch.setattr(skip.when, "compiled", counted("skip", skip.when.compiled))
    monkeypatch.setattr(layout, "plan", counted("layout", layout.plan))
    yield counts


def _count_dumps(profile: Any, counts: Counter[str], monkeypatch: pytest.MonkeyPatch) -> None:
    inner = type(profile).model_dump

    def dump(self: Any, *args: Any, **kwargs: Any) -> Any:
        counts["dump"] += 1
        return inner(self, *args, **kwargs)

    monkeypatch.setattr(type(profile), "model_dump", dump)


def test_a_fill_evaluates_each_skip_rule_once_and_lays_out_once(
        sample: Any, blank: BlankForm, counting: Counter[str], monkeypatch: pytest.MonkeyPatch) -> None:
    loaded = load_profile(_reentry_with_skipped_answers(sample))
    _count_dumps(loaded.profile, counting, monkeypatch)
    result = formfill.fill(loaded, form=blank)
    skips = len(for_form(blank).skips)
    assert skips >= 20  # the I-131's own instructions: the count below means something
    assert counting["skip"] == skips  # each skip rule once (72 before the plan: three times each)
    assert counting["layout"] == 1
    assert counting["dump"] == 0  # validation's dump is the one every step reads
    assert result.plan is not None and result.plan.data is fill_plan.of(loaded.profile, blank).data
    assert any(n.startswith("applicant.class_of_admission: not printed") for n in result.notes)


def test_fill_check_package_plans_once(sample: Any, blank: BlankForm, counting: Counter[str],
                                       monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    data = sample("advance-parole-i485")
    data["attachments"] = []
    loaded = load_profile(data)
    _count_dumps(loaded.profile, counting, monkeypatch)
    with pytest.raises(formfill.FormfillError):  # no evidence attached: the package check refuses ...
        formfill.fill(loaded, form=blank, check_package=True)
    assert counting["layout"] == 1  # ... after counting the continuation sheets on the one plan
    formfill.fill(loaded, form=blank)
    assert counting["layout"] == 1 and counting["skip"] == len(for_form(blank).skips)


@pytest.mark.slow
def test_review_reads_the_plan_the_fill_wrote(sample: Any, blank: BlankForm, counting: Counter[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from formfill.review import review

    loaded = load_profile(_reentry_with_skipped_answers(sample))
    _count_dumps(loaded.profile, counting, monkeypatch)
    page = review(loaded, form=blank, dpi=30)
    assert counting["layout"] == 1 and counting["skip"] == len(for_form(blank).skips) and counting["dump"] == 0
    assert any(t.kind == "skipped" and t.part == "2" for t in page.todos)
    assert any(t.kind == "note" and "applicant.class_of_admission: not printed" in t.message for t in page.todos)


def test_the_plan_names_what_goes_where_and_what_is_skipped(sample: Any, blank: BlankForm) -> None:
    loaded = load_profile(_reentry_with_skipped_answers(sample))
    made = fill_plan.of(loaded.profile, blank)
    skipped = {(s.part, s.item) for s in made.skipped}
    assert {("2", "12"), ("2", "13")} <= skipped
    skipped_fields = {f for s in made.skipped for f in s.fields}
    assert skipped_fields and not skipped_fields & {a.field for a in made.assignments}
    assert {n.path for n in made.notes if n.code == "skipped"} >= {"applicant.class_of_admission",
                                                                   "applicant.i94_number"}
    family = next(a for a in made.assignments if a.entry.source == "applicant.name.family")
    assert family.value == loaded.profile.model_dump()["applicant"]["name"]["family"]
    born = next(a for a in made.assignments if a.entry.format == "date")
    assert len(born.value) == 10 and born.value[2] == born.value[5] == "/"  # mm/dd/yyyy, as the format says
    assert made.written_fields == {p.assignment.field for p in made.placed}
    assert made.pages == [] and made.sheets == []  # everything fits: no continuation sheet


def test_the_plan_carries_the_overflow_and_its_sheets(sample: Any, blank: BlankForm) -> None:
    data = sample("advance-parole-i485")
    data["travel"]["purpose"] = LONG_PURPOSE
    loaded = load_profile(data)
    made = fill_plan.of(loaded.profile, blank)
    assert made.layout.continued and made.pages
    assert made.sheets == [header + body for header, body in made.pages]
    assert continuation_sheets(loaded.profile, blank) == len(made.pages)
    fields, sheets = api.render(blank, made.layout)
    assert fields.startswith(b"%PDF") and sheets == made.sheets


def test_the_same_profile_on_the_same_blank_has_one_plan(sample: Any, blank: BlankForm, blank_plain: Path) -> None:
    loaded = load_profile(sample("advance-parole-i485"))
    made = fill_plan.of(loaded.profile, blank)
    assert fill_plan.of(loaded.profile, blank) is made
    assert api.prepare(loaded.profile, blank) == (made.fmap, made.layout)
    other = read_blank(blank_plain)  # another opening of the blank is another plan, never a stale one
    assert fill_plan.of(loaded.profile, other).blank is other
    again = load_profile(sample("advance-parole-i485"))
    assert fill_plan.of(again.profile, blank) is not made


def test_a_plan_does_not_keep_its_profile_alive(sample: Any, blank: BlankForm) -> None:
    """A batch plans 2,000 profiles: a plan kept for a profile must go with it, or memory grows."""
    loaded = load_profile(sample("advance-parole-i485"))
    fill_plan.of(loaded.profile, blank)
    gone = weakref.ref(loaded.profile)
    del loaded
    gc.collect()
    assert gone() is None


def test_signature_boxes_of_the_plan_are_the_profiles(sample: Any, blank: BlankForm) -> None:
    data = sample("advance-parole-i485")
    loaded = load_profile(data)
    made = fill_plan.of(loaded.profile, blank)
    assert plan_boxes(made) == signature_boxes(loaded.profile, made.fmap, blank)
    assert plan_boxes(made)[0].role == "applicant"


def test_build_takes_a_dump_and_is_pure(sample: Any, blank: BlankForm) -> None:
    """build() reads only the dump it is given: the same dump twice gives equal plans; a changed one differs."""
    dump = load_profile(sample("advance-parole-i485")).profile.model_dump()
    first = fill_plan.build(snapshot(copy.deepcopy(dump)), blank)
    second = fill_plan.build(snapshot(copy.deepcopy(dump)), blank)
    assert [(a.field, a.value) for a in first.assignments] == [(a.field, a.value) for a in second.assignments]
    dump["applicant"]["name"]["family"] = "ZZTOP"
    changed = fill_plan.build(snapshot(dump), blank)
    assert any(a.value == "ZZTOP" for a in changed.assignments)
    assert not any(a.value == "ZZTOP" for a in first.assignments)
