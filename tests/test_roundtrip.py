"""The round trip as a proof of the field map: extract(fill(p)) == p on every value the form carries, and
fill(extract(fill(p))) writes exactly what fill(p) wrote. A map entry that loses or moves a value fails here.

CI runs 60 generated profiles in 6 shards that parallel workers share; FORMFILL_ROUNDTRIP_EXAMPLES=500 (or the
hypothesis profile `long`: HYPOTHESIS_PROFILE=long) runs a longer search.
"""

from __future__ import annotations

import copy
import io
import os
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
from hypothesis import HealthCheck, given, settings

from formfill import api
from formfill.blanks import load_blank
from formfill.extract import Extraction, extract
from formfill.fieldmap import FieldMap, for_form, lookup, matches, resolve
from formfill.formpackage import package_for
from formfill.forms import open_blank
from formfill.pdf.blank import BlankForm
from tests._profiles import profiles
from tests.helpers import load_sample, real_blank, sample_names
from tests.i131 import parse_profile

# No example database in the checkout; a failure prints the blob that reproduces it (@reproduce_failure).
_COMMON: dict[str, Any] = {"deadline": None, "database": None, "print_blob": True,
                           "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large]}
settings.register_profile("ci", max_examples=int(os.environ.get("FORMFILL_ROUNDTRIP_EXAMPLES", "60")), **_COMMON)
settings.register_profile("long", max_examples=int(os.environ.get("FORMFILL_ROUNDTRIP_EXAMPLES", "500")), **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="module")
def blank(blank_plain: Path) -> BlankForm:
    return open_blank(blank_plain)

DROPPED = package_for("I-131").spec.extract_drops  # type: ignore[union-attr]


def without_empties(value: Any) -> Any:
    """A profile as extract gives it back: what the form leaves blank (None, empty sections and rows) is absent."""
    if isinstance(value, dict):
        kept = {k: without_empties(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v not in (None, {}, [])}
    if isinstance(value, list):
        return [v for v in (without_empties(v) for v in value) if v not in ({}, None)]
    return value


def _norm(value: Any) -> Any:
    """Overflowing answers are re-flowed (Part 13 joins words with single spaces); compare words."""
    if isinstance(value, str):
        return " ".join(value.split())
    return value


def carried_mismatches(p: dict[str, Any], ex: Extraction, fmap: FieldMap, blank: BlankForm) -> list[str]:
    """Every value the fill puts on the form for `p`, compared with what extraction read back.

    A box that means one of several answers ("been in proceedings": now, or ever) cannot say which: extraction
    must then ask for exactly those answers (an `ambiguous` problem) instead of reading one.
    """
    got = ex.profile
    ambiguous = {problem.path for problem in ex.problems if problem.code == "ambiguous"}
    out = []
    for a in resolve(fmap, p, blank):
        e = a.entry
        if e.kind == "check":
            any_of = getattr(e, "any_of", ())  # a check may be a list of condition sets (any one holds)
            if any_of and {path for alt in any_of for path, _ in alt} <= ambiguous:
                continue
            applies = getattr(e, "applies", None)
            if not (applies(got) if applies else matches(got, e.when)):
                out.append(f"box {e.field} ({dict(e.when)}) is on for p but not for the extracted profile")
        elif e.source not in DROPPED:
            want, have = lookup(p, e.source), lookup(got, e.source)
            if _norm(want) != _norm(have):
                out.append(f"{e.source}: {want!r} != {have!r}")
    return out


def completed(ex: Extraction, p: dict[str, Any], fmap: FieldMap) -> dict[str, Any]:
    """The extracted profile with the answers this form never asks taken from p (they are reported, never guessed)."""
    text_paths = {e.source for e in fmap.entries if e.kind != "check"}
    profile = copy.deepcopy(ex.profile)
    for problem in ex.problems:
        assert problem.code in ("not_on_form", "missing", "ambiguous"), problem
        assert problem.path not in text_paths, f"{problem}: the form has a box for it, so it must be read"
        parent, _, key = problem.path.rpartition(".")
        holder = lookup(profile, parent) if parent else profile
        assert isinstance(holder, dict), problem
        holder[key] = lookup(p, problem.path)
    return profile


def round_trip(raw: dict[str, Any], blank: BlankForm) -> None:
    p = parse_profile(raw).model_dump(mode="json")
    first = api.fill(raw, form=blank)
    ex = extract(first.data)
    fmap = for_form(blank)
    assert carried_mismatches(p, ex, fmap, blank) == []
    second = api.fill(completed(ex, p, fmap), form=blank)
    assert second.verification.ok
    assert written(second.data, blank) == written(first.data, blank), "fill(extract(fill(p))) differs from fill(p)"


def written(data: bytes, blank: BlankForm) -> tuple[dict[str, Any], list[str]]:
    """Every field value of a filled file as a reader sees it, and its continuation sheets' text.

    The signature date is left out: extraction drops it on purpose (a renewal is signed anew).
    """
    filled = load_blank(data, "filled", use_cache=False, pristine=False)
    dropped = {e.field for e in for_form(blank).entries if e.source in DROPPED}
    values = {name: info.value for name, info in filled.fields.items() if name not in dropped}
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        sheets = [page.extract_text() or "" for page in pdf.pages[blank.page_count :]]
    return values, sheets


@pytest.mark.parametrize("name", sample_names())
def test_every_sample_round_trips(name: str, blank: BlankForm) -> None:
    raw = load_sample(name)
    round_trip(raw, blank)


def test_sample_extracts_to_itself_on_every_carried_key(blank: BlankForm) -> None:
    """Beyond the map's own view: the whole profile comes back except what the form never carries."""
    raw = load_sample("re-parole")
    p = without_empties(parse_profile(raw).model_dump(mode="json", exclude_none=True))
    ex = extract(api.fill(raw, form=blank).data)
    assert ex.ok, ex.problems
    for key in ("id", "attachments", "signature_date", "overrides"):
        p.pop(key, None)
    assert ex.profile["applicant"] == p["applicant"]
    assert ex.profile["beneficiary"] == p["beneficiary"]
    assert ex.profile["parole"] == p["parole"]
    assert ex.profile["application"] == p["application"]


# The generated examples are split into shards, each its own test, so parallel workers share them (one test
# of 60 examples, about 4 s of CPU each, was a fifth of the suite on one worker); each shard draws its own.
SHARDS = 6
SHARD_EXAMPLES = -(-settings.default.max_examples // SHARDS)


@pytest.mark.slow
@pytest.mark.parametrize("shard", range(SHARDS))
@settings(max_examples=SHARD_EXAMPLES)
@given(raw=profiles())
def test_generated_profiles_round_trip(shard: int, raw: dict[str, Any]) -> None:
    blank = _shared_blank()
    round_trip(raw, blank)


_BLANK: list[BlankForm] = []


def _shared_blank() -> BlankForm:
    """Hypothesis cannot take function-scoped fixtures; the blank is opened once per session."""
    if not _BLANK:
        _BLANK.append(open_blank(real_blank("i-131_01-20-25.pdf")))
    return _BLANK[0]


def test_a_map_that_moves_a_value_fails_the_round_trip(blank: BlankForm, monkeypatch: pytest.MonkeyPatch) -> None:
    """The proof can fail: read through a map whose country-of-birth and citizenship boxes are swapped."""
    import dataclasses

    import formfill.extract as extract_module
    from formfill.readmap import from_fill_map

    fmap = for_form(blank)
    swap = {"applicant.country_of_birth": "applicant.country_of_citizenship",
            "applicant.country_of_citizenship": "applicant.country_of_birth"}
    moved = dataclasses.replace(fmap, entries=tuple(
        dataclasses.replace(e, source=swap.get(e.source, e.source)) for e in fmap.entries))
    monkeypatch.setattr(extract_module, "read_maps",
                        lambda: {(fmap.form, fmap.edition): from_fill_map(moved)})
    raw = load_sample("reentry-permit")
    raw["applicant"]["country_of_birth"], raw["applicant"]["country_of_citizenship"] = "Peru", "Chile"
    p = parse_profile(raw).model_dump(mode="json")
    ex = extract(api.fill(raw, form=blank).data)
    assert carried_mismatches(p, ex, fmap, blank) == [
        "applicant.country_of_birth: 'Peru' != 'Chile'", "applicant.country_of_citizenship: 'Chile' != 'Peru'"]
