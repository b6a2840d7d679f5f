"""The profile machinery every form shares: dispatch by `form`, generic validation, the JSON Schema."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from formfill.errors import ProfileError
from formfill.profile_base import ProfileBase, attachment_paths, json_schema, package_of, parse_profile
from tests.helpers import load_sample
from tests.i131 import Profile

REPO = Path(__file__).resolve().parent.parent

TOY_MODEL = '''
from typing import Literal

from pydantic import BaseModel

from formfill.profile_base import IsoDate, NameText, ProfileBase, Strict


class Paper(Strict):
    path: str


class Toy(ProfileBase):
    form: Literal["TOY-1"] = "TOY-1"
    name: NameText
    born: IsoDate | None = None
    attachments: list[Paper] = []


class NotAProfile(BaseModel):
    name: str
'''


@pytest.fixture
def toy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A second package beside the built-in I-131, whose model has no rules of its own."""
    folder = tmp_path / "packages" / "toy"
    shutil.copytree(REPO / "field_maps" / "i-131", folder)
    (folder / "toy_model_base.py").write_text(TOY_MODEL)
    spec = json.loads((folder / "form.json").read_text())
    spec.update(form="TOY-1", model="toy_model_base.py:Toy")
    for key in ("rules", "package_rules"):  # the I-131's rules and maps read its profile paths, not the toy's
        spec.pop(key, None)
    spec["editions"] = [e for e in spec["editions"] if "read_map" in e]
    (folder / "form.json").write_text(json.dumps(spec))
    monkeypatch.setenv("FORMFILL_PACKAGES_DIR", str(tmp_path / "packages"))
    return folder


def test_a_profile_is_validated_by_the_model_its_form_names(toy: Path) -> None:
    profile = parse_profile({"form": "TOY-1", "name": "  Muñoz ", "born": "2001-02-03",
                             "attachments": [{"path": "a.pdf"}]})
    assert type(profile).__name__ == "Toy"
    assert isinstance(profile, ProfileBase)
    assert profile.model_dump(mode="json") == {"schema_version": 1, "id": None, "form": "TOY-1", "name": "Munoz",
                                               "born": "2001-02-03", "attachments": [{"path": "a.pdf"}]}
    assert attachment_paths(profile) == ["a.pdf"]


def test_a_model_without_its_own_rules_reports_every_problem_by_path(toy: Path) -> None:
    with pytest.raises(ProfileError) as err:
        parse_profile({"form": "TOY-1", "born": "03/02/2001", "colour": "red"})
    assert sorted((p.path, p.code) for p in err.value.problems) == [
        ("born", "value_error"), ("colour", "extra_forbidden"), ("name", "missing")]


def test_a_profile_without_a_known_form_goes_to_the_default_package(toy: Path) -> None:
    assert package_of({}).form == "I-131"
    assert package_of({"form": "I-485"}).form == "I-131"  # the I-131 model then says which form it expects
    with pytest.raises(ProfileError) as err:
        parse_profile({"form": "I-485"})
    assert any(p.path == "form" for p in err.value.problems)


def test_the_i131_profile_still_parses_with_its_own_rules() -> None:
    data = load_sample("advance-parole-i485")
    profile = parse_profile(data)
    assert isinstance(profile, Profile)
    assert data["application"]["basis"]
    data["application"]["type"] = "reentry_permit"
    with pytest.raises(ProfileError) as err:  # the I-131 model's own rules between answers still run
        parse_profile(data)
    assert "application.basis" in [p.path for p in err.value.problems]


def test_a_model_that_is_not_a_profile_is_refused(toy: Path) -> None:
    spec = json.loads((toy / "form.json").read_text())
    spec["model"] = "toy_model_base.py:NotAProfile"
    (toy / "form.json").write_text(json.dumps(spec))
    with pytest.raises(ProfileError, match="does not derive from ProfileBase"):
        parse_profile({"form": "TOY-1", "name": "X"})


def test_a_top_level_value_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(ProfileError, match="A profile is a JSON object"):
        parse_profile([1, 2])


def test_the_json_schema_is_the_forms_model(toy: Path) -> None:
    assert json_schema()["title"] == "formfill applicant profile for Form I-131"
    toy_schema = json_schema("TOY-1")
    assert toy_schema["title"] == "formfill applicant profile for Form TOY-1"
    assert set(toy_schema["properties"]) == {"schema_version", "id", "form", "name", "born", "attachments"}
    with pytest.raises(ProfileError, match="no package for Form X-1"):
        json_schema("X-1")
