"""Form packages: the spec is validated, packages are discovered in their roots, the built-in I-131 among them."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from pydantic import BaseModel

from formfill import fieldmap
from formfill.blanks import read_blank
from formfill.errors import FormError
from formfill.extract import readable
from formfill.formpackage import (
    default_package,
    edition_marks,
    load_package,
    package_for,
    package_roots,
    packages,
    user_packages_dir,
)
from formfill.pdf import blank as pdf_blank

REPO = Path(__file__).resolve().parent.parent
BUILTIN = REPO / "field_maps" / "i-131"


def _copy(tmp_path: Path, name: str = "i-131") -> Path:
    dest = tmp_path / "packages" / name
    shutil.copytree(BUILTIN, dest)
    return dest


def _edit_spec(folder: Path, **changes: object) -> None:
    spec = json.loads((folder / "form.json").read_text())
    spec.update(changes)
    (folder / "form.json").write_text(json.dumps(spec))


def test_the_builtin_i131_is_a_package_found_in_the_builtin_root() -> None:
    pkg = package_for("I-131")
    assert pkg is not None
    assert pkg.root == BUILTIN
    assert pkg.label == "field_maps/i-131"
    assert pkg.editions == ["01/20/25", "04/24/19"]
    assert pkg.fill_maps == {"01/20/25": BUILTIN / "01-20-25.json"}
    assert pkg.read_maps == {"04/24/19": BUILTIN / "04-24-19.read.json"}
    assert pkg.package_rules == BUILTIN / "package-rules.json"
    assert pkg.file_label(BUILTIN / "package-rules.json") == "field_maps/i-131/package-rules.json"
    assert pkg.spec.overflow.part == "13"
    assert issubclass(pkg.model(), BaseModel)
    assert pkg.model().__name__ == "Profile"


def test_the_fill_and_read_maps_come_from_the_package() -> None:
    assert fieldmap.supported() == ["I-131 edition 01/20/25"]
    assert Path(fieldmap.all_maps()["I-131", "01/20/25"].path) == BUILTIN / "01-20-25.json"
    assert readable() == ["I-131 edition 01/20/25", "I-131 edition 04/24/19"]


def test_package_roots_are_builtin_then_user_then_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORMFILL_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("FORMFILL_PACKAGES_DIR", f"{tmp_path / 'a'}:{tmp_path / 'b'}")
    assert package_roots() == [REPO / "field_maps", tmp_path / "home" / "packages", tmp_path / "a", tmp_path / "b"]


def test_the_user_packages_folder_follows_the_data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FORMFILL_HOME", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert user_packages_dir() == tmp_path / "xdg" / "formfill" / "packages"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "me"))
    assert user_packages_dir() == tmp_path / "me" / ".local" / "share" / "formfill" / "packages"


def test_a_firms_package_in_a_later_root_replaces_the_builtin_one(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    firm = _copy(tmp_path)
    monkeypatch.setenv("FORMFILL_PACKAGES_DIR", str(tmp_path / "packages"))
    pkg = packages()["I-131"]
    assert pkg.root == firm
    assert pkg.label == str(firm)
    assert Path(fieldmap.all_maps()["I-131", "01/20/25"].path) == firm / "01-20-25.json"


def test_a_package_in_the_user_folder_is_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORMFILL_HOME", str(tmp_path / "home"))
    folder = tmp_path / "home" / "packages" / "i-131"
    shutil.copytree(BUILTIN, folder)
    assert packages()["I-131"].root == folder


def test_a_folder_without_a_spec_is_not_a_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "packages" / "notes").mkdir(parents=True)
    (tmp_path / "packages" / "notes" / "x.json").write_text("{}")
    monkeypatch.setenv("FORMFILL_PACKAGES_DIR", str(tmp_path / "packages"))
    assert list(packages()) == ["I-131"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"spec_version": 2}, r"form\.json: not a valid form package spec: spec_version: "),
        ({"colour": "red"}, r"form\.json: not a valid form package spec: colour: not a key of a form package spec"),
        ({"form": ""}, r"form\.json: not a valid form package spec: form: "),
        ({"editions": [{"edition": "2025-01-20", "fill_map": "01-20-25.json"}]},
         r"editions\[0\]\.edition: an edition is written mm/dd/yy"),
        ({"editions": [{"edition": "01/20/25"}]},
         r"editions\[0\]: an edition names exactly one of fill_map and read_map"),
        ({"editions": [{"edition": "01/20/25", "fill_map": "missing.json"}]},
         r"form\.json: editions\[0\]\.fill_map names 'missing\.json', which is not a file in "),
        ({"package_rules": "nope.json"}, r"package_rules names 'nope\.json', which is not a file"),
        ({"overflow": {"part": "13"}}, r"overflow\.title: required"),
    ],
)
def test_a_broken_spec_is_refused_naming_the_file_and_key(tmp_path: Path, change: dict[str, object],
                                                          message: str) -> None:
    folder = _copy(tmp_path)
    _edit_spec(folder, **change)
    with pytest.raises(FormError, match=message) as err:
        load_package(folder)
    assert str(folder / "form.json") in str(err.value)
    assert err.value.exit_code == 2


def test_a_spec_that_is_not_json_is_refused(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    (folder / "form.json").write_text('{"form": ')
    with pytest.raises(FormError, match=r"form\.json: not valid JSON \(line 1"):
        load_package(folder)


def test_a_broken_package_in_a_root_stops_discovery_with_its_name(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _copy(tmp_path)
    _edit_spec(folder, title="")
    monkeypatch.setenv("FORMFILL_PACKAGES_DIR", str(tmp_path / "packages"))
    with pytest.raises(FormError, match=r"i-131/form\.json: not a valid form package spec: title"):
        packages()


def test_a_fill_map_of_another_edition_than_the_spec_says_is_refused(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _copy(tmp_path)
    _edit_spec(folder, editions=[{"edition": "06/17/24", "fill_map": "01-20-25.json"}])
    monkeypatch.setenv("FORMFILL_PACKAGES_DIR", str(tmp_path / "packages"))
    with pytest.raises(FormError, match=r"edition 01/20/25, but .* lists it for Form I-131 edition 06/17/24"):
        fieldmap.all_maps()


def test_a_model_file_in_the_package_is_loaded_by_path(tmp_path: Path) -> None:
    folder = _copy(tmp_path, "toy")
    (folder / "toy_model.py").write_text(
        "from pydantic import BaseModel\n\nclass Toy(BaseModel):\n    name: str\n"
    )
    _edit_spec(folder, form="TOY-1", model="toy_model.py:Toy")
    model = load_package(folder).model()
    assert model.__name__ == "Toy"
    assert model.model_validate({"name": "x"}).model_dump() == {"name": "x"}


@pytest.mark.parametrize(
    ("model", "message"),
    [
        ("toy_model.py", "is not `module:Class`"),
        ("absent.py:Toy", "absent.py is not a file"),
        ("formfill.no_such_module:Toy", "cannot import formfill.no_such_module"),
        ("formfill.errors:Problem", "formfill.errors has no pydantic model Problem"),
    ],
)
def test_a_model_that_cannot_be_loaded_is_refused(tmp_path: Path, model: str, message: str) -> None:
    folder = _copy(tmp_path, f"toy{abs(hash(model))}")
    _edit_spec(folder, form=f"TOY-{abs(hash(model))}", model=model)
    with pytest.raises(FormError, match=message):
        load_package(folder).model()



# --- how a blank states its edition: the spec's identification, as plain patterns for formfill.pdf ---


def test_identification_templates_become_patterns_that_read_form_and_edition() -> None:
    marks = package_for("I-131").spec.identification.marks()  # type: ignore[union-attr]
    assert marks.barcode_field == "BarCode"
    m = re.fullmatch(marks.barcode, "I-131|01/20/25|14")
    assert m is not None and (m["form"], m["edition"]) == ("I-131", "01/20/25")
    m = re.fullmatch(marks.barcode, "I-765|08/21/25|3")  # another form following the convention is named
    assert m is not None and (m["form"], m["edition"]) == ("I-765", "08/21/25")
    assert re.fullmatch(marks.barcode, "no separators here") is None
    m = re.search(marks.footer, "Page 1 of 14\nForm I-131   Edition  01/20/25\nPage 1")
    assert m is not None and (m["form"], m["edition"]) == ("I-131", "01/20/25")
    assert re.search(marks.footer, "Form I-131 Edition 2025-01-20") is None


def test_an_identification_template_must_name_form_and_edition(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    spec = json.loads((folder / "form.json").read_text())
    spec["identification"]["footer_text"] = "Edition {edition}"
    (folder / "form.json").write_text(json.dumps(spec))
    with pytest.raises(FormError, match=r"identification\.footer_text: a template names both \{form\} and"):
        load_package(folder)


def test_edition_marks_cover_every_package_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _copy(tmp_path, "toy")
    _edit_spec(folder, form="TOY-1")
    monkeypatch.setenv("FORMFILL_PACKAGES_DIR", str(tmp_path / "packages"))
    assert sorted(packages()) == ["I-131", "TOY-1"]
    assert len(edition_marks()) == 1  # the same convention twice is one pattern


def test_the_default_package_is_the_builtin_one_even_beside_a_firms(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _copy(tmp_path, "aaa")
    _edit_spec(folder, form="AAA-1")
    monkeypatch.setenv("FORMFILL_PACKAGES_DIR", str(tmp_path / "packages"))
    assert default_package().form == "I-131"


def test_a_maps_identify_values_must_agree_with_the_spec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _copy(tmp_path)
    doc = json.loads((folder / "01-20-25.json").read_text())
    doc["identify"]["footer_text"] = "Form I-131 Edition 06/17/24"
    (folder / "01-20-25.json").write_text(json.dumps(doc))
    monkeypatch.setenv("FORMFILL_PACKAGES_DIR", str(tmp_path / "packages"))
    with pytest.raises(FormError, match=r"identify\.footer_text is 'Form I-131 Edition 06/17/24', but .* says the "
                                        r"blank holds 'Form I-131 Edition 01/20/25'"):
        fieldmap.all_maps()


def test_a_blank_is_identified_through_the_packages(blank_plain: Path) -> None:
    blank = read_blank(blank_plain)
    assert (blank.form, blank.edition) == ("I-131", "01/20/25")
    assert fieldmap.for_form(blank).package.root == BUILTIN


def test_without_marks_formfill_pdf_identifies_no_form(blank_plain: Path) -> None:
    """formfill.pdf names no form: what a blank is comes only from the patterns it is given."""
    blank = pdf_blank.load_blank(blank_plain.read_bytes(), "plain", marks=(), use_cache=False, pristine=False)
    assert (blank.form, blank.edition) == ("", "")
