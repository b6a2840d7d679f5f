"""formfill.loading: a profile given as a Python dict means exactly what its JSON would (issue 17).

`formfill.fill(dict)` took a Python set for `travel.countries` and printed the countries in an order that
changed with PYTHONHASHSEED. Values JSON has no place for are now problems at their path; a tuple is a
list in its order.
"""

from __future__ import annotations

import datetime as dt
import decimal
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import formfill
from formfill.errors import ProfileError
from formfill.loading import load_profile, plain_json
from tests.helpers import SAMPLES, load_sample


@pytest.fixture
def traveller() -> dict[str, Any]:
    data: dict[str, Any] = load_sample("daca-educational")
    return data


NOT_JSON = {
    "set": ({"Mexico", "Canada", "France"}, "a Python set is not JSON and has no order"),
    "frozenset": (frozenset({"Mexico"}), "a Python set"),
    "bytes": ([b"Mexico"], "bytes are not JSON text"),
    "date": ([dt.date(2026, 1, 2)], "date or time object"),
    "datetime": ([dt.datetime(2026, 1, 2, 3, 4)], "date or time object"),
    "decimal": ([decimal.Decimal("1.5")], "a Python Decimal is not a JSON value"),
    "object": ([object()], "a Python object is not a JSON value"),
    "nan": ([float("nan")], "NaN and Infinity"),
}


@pytest.mark.parametrize("case", sorted(NOT_JSON))
def test_a_value_json_has_no_place_for_is_a_problem_at_its_path(traveller: dict[str, Any], case: str) -> None:
    value, why = NOT_JSON[case]
    traveller["travel"]["countries"] = value
    with pytest.raises(ProfileError) as caught:
        load_profile(traveller)
    (problem,) = caught.value.problems
    where = "travel.countries" if isinstance(value, set | frozenset) else "travel.countries[0]"
    assert problem.path == where and problem.code == "not_json" and why in problem.message
    assert caught.value.exit_code == 1
    assert formfill.validate(traveller) == [problem]  # validate says the same, without raising


def test_a_key_that_is_not_a_string_is_named(traveller: dict[str, Any]) -> None:
    traveller["travel"][5] = "x"
    with pytest.raises(ProfileError) as caught:
        load_profile(traveller)
    (problem,) = caught.value.problems
    assert problem.path == "travel.5" and "a key must be a string (this one is a Python int)" in problem.message


def test_a_value_that_contains_itself_is_a_problem_not_a_crash(traveller: dict[str, Any]) -> None:
    loop: list[Any] = []
    loop.append(loop)
    traveller["travel"]["countries"] = loop
    with pytest.raises(ProfileError) as caught:
        load_profile(traveller)
    assert [p.path for p in caught.value.problems] == ["travel.countries[0]"]


def test_messages_never_repeat_the_value(traveller: dict[str, Any]) -> None:
    traveller["applicant"]["ssn"] = b"123456789"
    with pytest.raises(ProfileError) as caught:
        load_profile(traveller)
    assert "123456789" not in str(caught.value)


def test_a_tuple_is_a_list_in_its_order(traveller: dict[str, Any]) -> None:
    traveller["travel"]["countries"] = ("Spain", "Portugal", "Mexico")
    assert load_profile(traveller).profile.travel is not None
    assert load_profile(traveller).profile.travel.countries == ["Spain", "Portugal", "Mexico"]  # type: ignore[union-attr]
    assert plain_json({"a": (1, (2, 3)), "b": [None, True, 1.5]}) == {"a": [1, [2, 3]], "b": [None, True, 1.5]}


def test_the_python_api_never_depends_on_the_hash_seed(tmp_path: Path) -> None:
    """The case from the issue: a set in a dict profile, filled under two hash seeds."""
    code = (
        "import json, sys, formfill\n"
        "from formfill.errors import ProfileError\n"
        f"d = json.load(open({str(SAMPLES / 'daca-educational.json')!r}))\n"
        "d['travel']['countries'] = {'Mexico', 'Canada', 'France', 'Japan', 'Peru'}\n"
        "try:\n"
        "    formfill.fill(d)\n"
        "except ProfileError as err:\n"
        "    print([(p.path, p.code) for p in err.problems])\n"
    )
    seen = set()
    for seed in ("1", "2"):
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False,
                              env={**os.environ, "PYTHONHASHSEED": seed})
        assert done.returncode == 0, done.stderr
        seen.add(done.stdout.strip())
    assert seen == {"[('travel.countries', 'not_json')]"}
