"""A second form, built by the tests (tests/toyform.py), goes through the same engine as the I-131: the seam.

The toy Form T-1 is a package installed through FORMFILL_PACKAGES_DIR; nothing in formfill names it. Each
test asserts what the engine did with the toy's own spec: its overflow part and markers, its sheet title,
header and footer, its rules' messages at their paths, its signature role, its output file names.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from pypdf import PdfReader

import formfill
from formfill.api import validate
from formfill.blanks import identification_fields
from formfill.cli import main
from formfill.errors import FormError
from formfill.fieldmap import for_form
from formfill.formpackage import load_package, packages
from formfill.forms import open_blank
from formfill.review import review
from tests import toyform

I131_MARKERS = ("[continued in Part 13]", "[see Part 13]", "[P13]", "Part 13")


@pytest.fixture(scope="module")
def toy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[toyform.Toy]:
    built = toyform.build(tmp_path_factory.mktemp("toy"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FORMFILL_PACKAGES_DIR", str(built.packages))
        mp.setenv("FORMFILL_OFFLINE", "1")
        yield built


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    result = CliRunner().invoke(main, list(args), env=env)
    assert "Traceback" not in result.output
    return result


def write(folder: Path, name: str, data: dict[str, Any]) -> Path:
    path = folder / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def long_profile() -> dict[str, Any]:
    base = toyform.profile()
    return toyform.profile(id="toy-long", pet={**base["pet"], "history": toyform.LONG_HISTORY})


def fields(data: bytes) -> dict[str, Any]:
    return {name: f.get("/V") for name, f in (PdfReader(io.BytesIO(data)).get_fields() or {}).items()}


def sheet_text(data: bytes, first_page: int) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() or "" for page in reader.pages[first_page:])


def test_the_toy_package_is_found_beside_the_builtin_one(toy: toyform.Toy) -> None:
    found = packages()
    assert {"I-131", "T-1"} <= set(found)
    pkg = found["T-1"]
    assert pkg.root == toy.package
    assert pkg.spec.overflow.part == "4"
    assert pkg.model().__module__ == "formfill_packages.t_1.model"
    assert pkg.model().model_fields["form"].default == "T-1"


def test_cli_fills_the_toy_and_verifies_it(toy: toyform.Toy, tmp_path: Path) -> None:
    profile = write(tmp_path, "p.json", toyform.profile())
    out = tmp_path / "out.pdf"
    result = run("fill", str(profile), "--form", str(toy.blank), "-o", str(out), "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert (doc["ok"], doc["form"], doc["edition"]) == (True, "T-1", "01/01/26")
    assert doc["verification"]["ok"] and doc["continuation_sheets"] == 0
    values = fields(out.read_bytes())
    assert values["P1_Family"] == "RIVERA"
    assert values["P1_Permit"] == "PX2045ABC"  # the comb box (MaxLen 9)
    assert values["P2_Dog"] == "/Dog" and values.get("P2_Cat") in (None, "/Off")  # the group: one box on
    assert values["P2_Vaccinated"] == "/Yes"
    assert values["P2_License"] == "Renewal"  # the choice list
    assert values["P3_Date"] == "12/01/2026"
    assert values["TagCode1"] == "TOY:T-1:01/01/26:1"  # the blank's identification is kept
    verified = run("verify", str(out), "--profile", str(profile))
    assert verified.exit_code == 0, verified.output
    changed = write(tmp_path, "changed.json", toyform.profile(owner={"name": {"family": "OTHER", "given": "ANA"}}))
    assert run("verify", str(out), "--profile", str(changed)).exit_code == 1


def test_the_default_blank_is_found_by_the_toy_form_number(toy: toyform.Toy, tmp_path: Path) -> None:
    profile = write(tmp_path, "p.json", toyform.profile(id="found"))
    result = run("fill", str(profile), "-o", str(tmp_path / "out.pdf"), "--json",
                 env={"FORMFILL_FORMS_DIR": str(toy.forms)})
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["blank"] == str(toy.blank)


def test_a_long_answer_continues_in_the_toy_overflow_part_with_its_own_markers(
        toy: toyform.Toy, tmp_path: Path) -> None:
    result = formfill.fill(write(tmp_path, "long.json", long_profile()), form=toy.blank)
    assert result.verification.ok
    assert result.part13_entries == 1 and result.continuation_sheets == 1
    values = fields(result.data)
    box = str(values["P2_History"])
    assert box.startswith("In year 1 ") and box.endswith(toyform.CONTINUED_IN)
    assert (values["P4_B1_Page"], values["P4_B1_Part"], values["P4_B1_Item"]) == ("1", "2", "6")
    assert str(values["P4_B1_Text"]).startswith(toyform.CONTINUATION + " ")
    assert str(values["P4_B2_Text"]).startswith(toyform.CONTINUATION + " ")
    sheet = sheet_text(result.data, 2)
    assert "Toy Form T-1, Part 4 (more room) - extra sheet 1 of 1" in sheet
    assert "Owner's family name: RIVERA" in sheet and "Permit number: TPX2045ABC" in sheet
    assert all(line in sheet for line in toyform.SHEET_FOOTER)
    assert "year 29 the pet" in sheet
    text = sheet + "\n".join(str(v) for v in values.values())
    assert not [m for m in I131_MARKERS if m in text], "the I-131's overflow convention leaked into the toy"
    assert "Applicant" not in sheet


def test_the_printed_check_and_the_flattened_copy_pass_for_the_toy(toy: toyform.Toy, tmp_path: Path) -> None:
    result = formfill.fill(write(tmp_path, "long.json", long_profile()), form=toy.blank, printed=True, flatten=True)
    assert result.verification.ok and result.verification.printed_checked
    assert not PdfReader(io.BytesIO(result.data)).get_fields()  # flattened: nothing left to edit


def test_a_single_line_answer_too_long_points_to_the_toy_overflow_part(toy: toyform.Toy, tmp_path: Path) -> None:
    base = toyform.profile()
    profile = toyform.profile(pet={**base["pet"], "name": "SIR BISCUIT OF THE HIGH MEADOW",
                                   "previous_license": "PERMIT " * 12})
    result = formfill.fill(write(tmp_path, "p.json", profile), form=toy.blank)
    assert result.verification.ok
    values = fields(result.data)
    assert values["P2_PetName"] == "[see Part 4]"  # 30 characters in a box of MaxLen 20
    assert values["P2_Previous"] in toyform.POINTERS
    assert (values["P4_B1_Item"], values["P4_B1_Text"]) == ("1", "SIR BISCUIT OF THE HIGH MEADOW")
    assert values["P4_B2_Item"] == "5" and "PERMIT PERMIT" in str(values["P4_B2_Text"])


def test_the_toy_rules_give_their_messages_at_their_paths(toy: toyform.Toy, tmp_path: Path) -> None:
    base = toyform.profile()
    bad = toyform.profile(pet={**base["pet"], "license": "New", "vaccinated": False})
    path = write(tmp_path, "bad.json", bad)
    problems = {(p.path, p.message) for p in validate(path)}
    assert (("pet.vaccinated", toyform.RULE_MESSAGE)) in problems  # rules.json, the one rule language
    skip = next(m for p, m in problems if p == "pet.previous_license")  # the fill map's skip conflict
    assert skip.startswith(toyform.SKIP_MESSAGE) and "Renewals only" in skip
    assert len(problems) == 2
    result = run("validate", str(path), "--json")
    assert result.exit_code == 1
    assert {p["path"] for p in json.loads(result.output)["problems"]} == {"pet.vaccinated", "pet.previous_license"}
    fill = run("fill", str(path), "--form", str(toy.blank), "-o", str(tmp_path / "x.pdf"))
    assert fill.exit_code == 1 and toyform.RULE_MESSAGE in fill.output
    assert not (tmp_path / "x.pdf").exists()


def test_the_toy_rules_are_checked_beside_a_broken_value(toy: toyform.Toy, tmp_path: Path) -> None:
    base = toyform.profile()
    bad = toyform.profile(signature_date="1 Dec", pet={**base["pet"], "vaccinated": False})
    paths = {p.path for p in validate(write(tmp_path, "bad.json", bad))}
    assert paths == {"signature_date", "pet.vaccinated"}


def test_a_skipped_item_stays_blank(toy: toyform.Toy, tmp_path: Path) -> None:
    base = toyform.profile()
    new = toyform.profile(pet={**base["pet"], "license": "New", "previous_license": None})
    result = formfill.fill(write(tmp_path, "new.json", new), form=toy.blank)
    values = fields(result.data)
    assert values["P2_License"] == "New" and values.get("P2_Previous") in (None, "")


def test_review_renders_the_toy(toy: toyform.Toy, tmp_path: Path) -> None:
    r = review(write(tmp_path, "long.json", long_profile()), form=toy.blank, dpi=40)
    doc = r.to_dict()
    assert doc["title"] == "Review: Form T-1 (01/01/26) for RIVERA, ANA [toy-long]"
    assert [p["kind"] for p in doc["pages"]] == ["form", "form", "continuation_sheet"]
    sign = [t for t in doc["todo"] if t["kind"] == "sign"]
    assert [(t["source"], t["page"], t["part"]) for t in sign] == [("owner", 2, "3")]
    assert "ANA RIVERA signs" in sign[0]["message"]
    sheet = [t for t in doc["todo"] if t["kind"] == "sign_sheet"]
    assert [t["message"] for t in sheet] == ["Continuation sheet 1 (page 3): ANA RIVERA signs and dates it"]
    [xref] = doc["cross_references"]
    assert (xref["source"], xref["part"], xref["item"]) == ("pet.history", "2", "6")
    questions = {b["source"]: b["question"] for b in doc["boxes"]}
    assert questions["pet.name"] == "Pet's name"
    out = tmp_path / "review.html"
    result = run("review", str(tmp_path / "long.json"), "-o", str(out), env={"FORMFILL_FORMS_DIR": str(toy.forms)})
    assert result.exit_code == 0, result.output  # the blank found by the profile's form, like `fill`'s
    page = out.read_text(encoding="utf-8")
    assert "Form T-1" in page and "Part 13" not in page


def test_extract_reads_the_toy_back_to_the_same_profile(toy: toyform.Toy, tmp_path: Path) -> None:
    profile = long_profile()
    filled = formfill.fill(write(tmp_path, "long.json", profile), form=toy.blank, output=tmp_path / "long.pdf")
    assert filled.verification.ok
    out = tmp_path / "back.json"
    result = run("extract", str(tmp_path / "long.pdf"), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "signature_date: dropped: a renewal is signed anew" in result.output  # the toy's extract_drops
    back = json.loads(out.read_text(encoding="utf-8"))
    expected = {k: v for k, v in profile.items() if k not in ("id", "signature_date")}
    assert back == expected


def test_batch_fills_a_folder_of_toy_profiles(toy: toyform.Toy, tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    base = toyform.profile()
    write(inputs, "a.json", toyform.profile(id="toy-a"))
    write(inputs, "b.json", {**long_profile(), "id": "toy-b"})
    write(inputs, "c.json", toyform.profile(id="toy-c", pet={**base["pet"], "vaccinated": False}))
    out = tmp_path / "out"
    result = run("batch", str(inputs), "--form", str(toy.blank), "-o", str(out), "--jobs", "1")
    assert result.exit_code == 1, result.output  # one profile breaks a rule
    assert sorted(p.name for p in out.glob("*.pdf")) == ["toy-a.t-1.pdf", "toy-b.t-1.pdf"]  # the toy's suffix
    rows = [json.loads(line) for line in (out / "report.jsonl").read_text().splitlines()]
    by_id = {row.get("id"): row for row in rows if row.get("id")}
    assert by_id["toy-a"]["ok"] and by_id["toy-b"]["ok"] and not by_id["toy-c"]["ok"]
    assert len(PdfReader(out / "toy-b.t-1.pdf").pages) == 3  # the form's 2 pages and its continuation sheet
    assert toyform.RULE_MESSAGE in json.dumps(by_id["toy-c"])
    assert run("verify", str(out / "toy-b.t-1.pdf"), "--profile", str(inputs / "b.json")).exit_code == 0


def test_the_i131_is_untouched_beside_the_toy(toy: toyform.Toy, blank_plain: Path, sample: Any,
                                              tmp_path: Path) -> None:
    profile = sample("advance-parole-i485")
    profile["travel"]["purpose"] = " ".join(["To visit my family and attend a wedding."] * 40)
    result = formfill.fill(write(tmp_path, "i131.json", profile), form=blank_plain)
    assert (result.form, result.verification.ok) == ("I-131", True)
    values = fields(result.data)
    text = "\n".join(str(v) for v in values.values()) + sheet_text(result.data, 14)
    assert "[continued in Part 13]" in text
    assert toyform.CONTINUED_IN not in text and toyform.CONTINUATION + " " not in text
    assert "Toy" not in text and "Owner's signature" not in text


def test_schema_prints_the_toy_profile_schema(toy: toyform.Toy) -> None:
    result = run("schema", "--form", "T-1")
    assert result.exit_code == 0, result.output
    schema = json.loads(result.output)
    assert schema["title"] == "formfill applicant profile for Form T-1"
    assert set(schema["required"]) == {"owner", "pet"}
    default = json.loads(run("schema").output)
    assert default["title"] == "formfill applicant profile for Form I-131"
    unknown = run("schema", "--form", "X-9")
    assert unknown.exit_code == 2 and "no form package for Form X-9" in unknown.output


def test_fill_names_its_output_with_the_toy_suffix(toy: toyform.Toy, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    profile = write(tmp_path, "p.json", toyform.profile(id="named"))
    monkeypatch.chdir(tmp_path)
    result = run("fill", str(profile), "--form", str(toy.blank))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "named.t-1.pdf").is_file()


@pytest.mark.parametrize("name", ["form.json", "01-01-26.json", "rules.json", "model.py"])
def test_no_output_replaces_a_file_of_the_toy_package(toy: toyform.Toy, tmp_path: Path, name: str) -> None:
    target = toy.package / name
    before = target.read_bytes()
    profile = write(tmp_path, "p.json", toyform.profile())
    result = run("fill", str(profile), "--form", str(toy.blank), "-o", str(target), "--overwrite")
    assert result.exit_code == 2, result.output
    assert target.read_bytes() == before


@pytest.mark.parametrize(("key", "value", "named"), [
    ("sheet_footer", ["Owner's signature:"], "overflow.sheet_footer"),
    ("sheet_signer", 7, "overflow.sheet_signer"),
])
def test_a_broken_overflow_key_of_the_toy_spec_is_refused_by_name(tmp_path: Path, key: str, value: Any,
                                                                  named: str) -> None:
    built = toyform.build(tmp_path)
    spec = json.loads((built.package / "form.json").read_text(encoding="utf-8"))
    spec["overflow"][key] = value
    (built.package / "form.json").write_text(json.dumps(spec), encoding="utf-8")
    with pytest.raises(FormError, match=rf"form.json: not a valid form package spec: {named}"):
        load_package(built.package)


def test_batch_without_form_finds_the_toy_blank_by_the_profiles_form(toy: toyform.Toy, tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    write(inputs, "a.json", toyform.profile(id="toy-a"))
    write(inputs, "b.json", {**long_profile(), "id": "toy-b"})
    out = tmp_path / "out"
    result = run("batch", str(inputs), "-o", str(out), "--jobs", "1", "--json",
                 env={"FORMFILL_FORMS_DIR": str(toy.forms)})
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["blank"] == str(toy.blank.resolve())
    assert sorted(p.name for p in out.glob("*.pdf")) == ["toy-a.t-1.pdf", "toy-b.t-1.pdf"]
    assert len(PdfReader(out / "toy-b.t-1.pdf").pages) == 3


def test_batch_fills_a_folder_mixing_forms_each_on_its_own_blank(toy: toyform.Toy, forms_path: str, sample: Any,
                                                                 tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    write(inputs, "toy.json", toyform.profile(id="toy-a"))
    write(inputs, "i131.json", {**sample("advance-parole-i485"), "id": "client-1"})
    out = tmp_path / "out"
    env = {"FORMFILL_FORMS_DIR": forms_path}
    for jobs in ("1", "2"):
        result = run("batch", str(inputs), "-o", str(out / jobs), "--jobs", jobs, env=env)
        assert result.exit_code == 0, result.output
        assert sorted(p.name for p in (out / jobs).glob("*.pdf")) == ["client-1.i-131.pdf", "toy-a.t-1.pdf"]
        assert len(PdfReader(out / jobs / "toy-a.t-1.pdf").pages) == 2  # the toy's own two pages
        assert len(PdfReader(out / jobs / "client-1.i-131.pdf").pages) > 2
    assert run("verify", str(out / "1" / "toy-a.t-1.pdf"), "--profile", str(inputs / "toy.json")).exit_code == 0


def test_batch_without_form_says_which_forms_blank_is_missing(toy: toyform.Toy, tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    write(inputs, "a.json", toyform.profile(id="toy-a"))
    empty = tmp_path / "no-blanks"
    empty.mkdir()
    result = run("batch", str(inputs), "-o", str(tmp_path / "out"), "--jobs", "1",
                 env={"FORMFILL_FORMS_DIR": str(empty), "FORMFILL_HOME": str(tmp_path / "home")})
    assert result.exit_code == 2, result.output
    assert "T-1" in result.output
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").glob("*.pdf"))


@pytest.fixture
def forms_path(toy: toyform.Toy, blank_plain: Path) -> str:
    """The toy's blanks folder and the I-131's, as FORMFILL_FORMS_DIR lists them."""
    return os.pathsep.join([str(toy.forms), str(blank_plain.parent)])


TOY_PACKAGE_RULES: dict[str, Any] = {
    "schema_version": 4,
    "name": "Toy T-1 package rules",
    "answers": {"request": "pet.license"},
    "accepted_types": {"default": ["pdf"]},
    "every_filing": {},
    "editions": [{"edition": "01/01/26", "accepted_from": "2026-01-01", "source": "Toy form page"}],
    "eligibility": [{"id": "no_birds", "severity": "error", "when": {"pet.kind": "bird"}, "path": "pet.kind",
                     "message": "the toy permit is not issued for birds", "source": "Toy form instructions, p. 1"}],
    "intake": {"signature": {"source": "Toy form instructions, p. 2"},
               "continuation_sheets": {"source": "Toy form instructions, p. 2"},
               "every_page": {"source": "Toy form instructions, p. 2"}},
    "processing": {"usual_days": 30, "source": "Toy form instructions, p. 3"},
    "fees": {"filing_fee_id": "permit_fee", "source": "Toy fee schedule",
             "requirement": {"id": "permit_fee", "description": "the permit fee", "payment_kinds": ["payment"]},
             "schedules": [{"from": "2026-01-01", "source": "Toy fee schedule", "source_date": "2026-01-01",
                            "by_application_type": {"New": {"amount": 25}, "Renewal": {"amount": 15}}}]},
}


@pytest.fixture
def toy_rules(toy: toyform.Toy, tmp_path: Path) -> dict[str, str]:
    """The toy package again, this time shipping package rules: the environment that installs it."""
    import shutil

    package = tmp_path / "ruled" / "t-1"
    shutil.copytree(toy.package, package)
    spec = json.loads((package / "form.json").read_text(encoding="utf-8"))
    write(package, "form.json", {**spec, "package_rules": "package-rules.json"})
    write(package, "package-rules.json", TOY_PACKAGE_RULES)
    return {"FORMFILL_PACKAGES_DIR": str(package.parent)}


def test_check_runs_the_toy_packages_own_rules(toy_rules: dict[str, str], tmp_path: Path) -> None:
    good = write(tmp_path, "good.json", toyform.profile())
    result = run("check", str(good), "--filing-date", "2026-12-01", env=toy_rules)
    assert result.exit_code == 1, result.output  # the toy's profiles list no attachments: no payment enclosed
    assert "[MISSING] the permit fee: attach payment" in result.output
    assert "Form T-1 edition 01/01/26" in result.output
    assert "Total due with this T-1: $15" in result.output  # the toy's renewal fee, named by the toy's form
    assert "I-131" not in result.output and "WARNING" not in result.output
    base = toyform.profile()
    bird = write(tmp_path, "bird.json", toyform.profile(pet={**base["pet"], "kind": "bird"}))
    result = run("check", str(bird), "--filing-date", "2026-12-01", "--json", env=toy_rules)
    assert result.exit_code == 1, result.output
    found = json.loads(result.output)
    assert any(f["code"] == "no_birds" and f["message"] == "the toy permit is not issued for birds"
               and f["where"] == "pet.kind" for f in found["findings"]), found["findings"]


def test_check_says_in_one_line_when_the_toy_package_ships_no_rules(toy: toyform.Toy, tmp_path: Path) -> None:
    profile = write(tmp_path, "p.json", toyform.profile())
    result = run("check", str(profile))
    assert result.exit_code == 2, result.output
    assert "Form T-1's package ships no package rules" in result.output
    assert "I-131" not in result.output and "knows" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    rules = write(tmp_path, "firm-rules.json", TOY_PACKAGE_RULES)  # a firm's own file still checks it
    result = run("check", str(profile), "--rules", str(rules), "--filing-date", "2026-12-01")
    assert result.exit_code == 1, result.output
    assert "[MISSING] the permit fee" in result.output
    assert "Total due with this T-1: $15" in result.output


def dated_toy(toy: toyform.Toy, folder: Path, **dates: str) -> dict[str, str]:
    """The toy package again with acceptance dates on its edition's line: the environment that installs it."""
    import shutil

    package = folder / "dated" / "t-1"
    shutil.copytree(toy.package, package)
    spec = json.loads((package / "form.json").read_text(encoding="utf-8"))
    spec["editions"] = [{**spec["editions"][0], **dates, "acceptance_source": "Toy form page"}]
    write(package, "form.json", spec)
    return {"FORMFILL_PACKAGES_DIR": str(package.parent), "FORMFILL_FORMS_DIR": str(toy.forms)}


def test_review_warns_when_the_edition_is_not_yet_accepted_on_the_filing_date(toy: toyform.Toy,
                                                                               tmp_path: Path) -> None:
    env = dated_toy(toy, tmp_path, accepted_from="2027-01-01")
    profile = write(tmp_path, "p.json", toyform.profile())
    out = tmp_path / "review.html"
    result = run("review", str(profile), "-o", str(out), "--filing-date", "2026-12-01", env=env)
    assert result.exit_code == 0, result.output
    warning = [line for line in result.output.splitlines() if line.strip().startswith("warning:")]
    assert len(warning) == 1, result.output
    assert "Form T-1 edition 01/01/26 is accepted from 2027-01-01" in warning[0]
    assert "the filing date 2026-12-01 is before it" in warning[0] and "(Toy form page)" in warning[0]
    assert "Warning:</strong> Form T-1 edition 01/01/26 is accepted from 2027-01-01" in out.read_text("utf-8")
    # the same warning as fill gives for that date
    filled = run("fill", str(profile), "-o", str(tmp_path / "p.pdf"), "--filing-date", "2026-12-01", env=env)
    assert filled.exit_code == 0 and "is accepted from 2027-01-01" in filled.output, filled.output
    result = run("review", str(profile), "--json", "--filing-date", "2026-12-01", env=env)
    assert json.loads(result.output)["acceptance"] == warning[0].strip().removeprefix("warning: ")
    result = run("review", str(profile), "--json", "--filing-date", "2027-01-02", env=env)
    assert json.loads(result.output)["acceptance"] is None
    assert run("review", str(tmp_path / "p.pdf"), "--profile", str(profile), "--json", "--filing-date",
               "2026-12-01", env=env).output.count("is accepted from 2027-01-01") == 1  # a filled file too


def test_review_refuses_to_fill_an_edition_no_longer_accepted_as_fill_does(toy: toyform.Toy, tmp_path: Path) -> None:
    env = dated_toy(toy, tmp_path, accepted_until="2026-06-30")
    profile = write(tmp_path, "p.json", toyform.profile())
    result = run("review", str(profile), "-o", str(tmp_path / "r.html"), "--filing-date", "2026-12-01", env=env)
    assert result.exit_code == 1, result.output
    assert "is accepted until 2026-06-30" in result.output and not (tmp_path / "r.html").exists()
    fill = run("fill", str(profile), "-o", str(tmp_path / "p.pdf"), "--filing-date", "2026-12-01", env=env)
    assert fill.exit_code == 1 and "is accepted until 2026-06-30" in fill.output
    result = run("review", str(profile), "--json", "--filing-date", "2026-06-30", env=env)
    assert result.exit_code == 0 and json.loads(result.output)["acceptance"] is None


def test_the_printed_check_passes_over_the_toys_own_identification_fields(toy: toyform.Toy, tmp_path: Path) -> None:
    """The toy states its edition in `TagCode` fields (its spec's `identification`), which print that code: the
    printed check skips the fields the package names, not a name written into the engine."""
    profile = write(tmp_path, "p.json", toyform.profile())
    out = tmp_path / "flat.pdf"
    result = run("fill", str(profile), "--form", str(toy.blank), "-o", str(out), "--flatten", "--printed")
    assert result.exit_code == 0, result.output
    toy_blank = open_blank(toy.blank)
    assert identification_fields(for_form(toy_blank), toy_blank) == {"TagCode1", "TagCode2"}


def test_the_i131s_identification_fields_come_from_its_spec(toy: toyform.Toy, blank_plain: Path) -> None:
    blank = open_blank(blank_plain)
    found = identification_fields(for_form(blank), blank)
    assert found and all("BarCode" in name for name in found)  # the I-131 spec's barcode_field
    assert found == {n for n in blank.fields if "BarCode" in n}
