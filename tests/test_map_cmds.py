"""`formfill map draft|review|accept|check` and `--map` from the command line, on a synthetic next edition."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from formfill.blanks import read_blank
from tests import edition_builder as eb
from tests.helpers import SAMPLES
from tests.helpers import invoke as run

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def next_blank(tmp_path_factory: pytest.TempPathFactory, blank_plain: Path) -> Path:
    ed = eb.start(read_blank(blank_plain).data)
    eb.change_edition(ed)
    eb.remove(ed, "form1[0].P5[0].Part2_Line3_InCareofName[0]")
    eb.rename(ed, lambda t: "Pt2" + t[5:] if t.startswith("Part2_") else None)
    path = tmp_path_factory.mktemp("next") / "i-131.pdf"
    path.write_bytes(ed.bytes())
    return path


@pytest.fixture(scope="module")
def drafted(tmp_path_factory: pytest.TempPathFactory, next_blank: Path) -> tuple[Path, dict]:  # type: ignore[type-arg]
    out = tmp_path_factory.mktemp("pkg") / "i-131-next"
    result = run("map", "draft", str(next_blank), "-o", str(out), "--json")
    assert result.exit_code == 0, result.output
    return out, json.loads(result.output)


def test_draft_json_has_the_documented_shape(drafted: tuple[Path, dict]) -> None:  # type: ignore[type-arg]
    out, doc = drafted
    assert set(doc) == {"ok", "form", "edition", "output", "proposals", "unplaced"}
    assert (doc["ok"], doc["form"], doc["edition"], doc["output"]) == (True, "I-131", "06/01/26", str(out))
    assert all(set(p) == {"field", "from", "confidence", "status", "evidence", "states"} for p in doc["proposals"])
    renamed = next(p for p in doc["proposals"] if p["field"] == "form1[0].P4[0].Pt2_Line1_FamilyName[0]")
    assert renamed["from"] == "form1[0].P4[0].Part2_Line1_FamilyName[0]" and renamed["status"] == "matched"
    assert doc["unplaced"] == [{"field": "form1[0].P5[0].Part2_Line3_InCareofName[0]",
                                "profile": ["applicant.mailing_address.in_care_of"]}]
    assert sorted({f.name for f in out.iterdir()}) == ["06-01-26.json", "draft.json", "form.json", "model.py",
                                                      "package-rules.json", "rules.json"]


def test_accept_refuses_while_a_decision_remains_then_fill_uses_the_package(
        drafted: tuple[Path, dict], next_blank: Path, tmp_path: Path) -> None:  # type: ignore[type-arg]
    out = tmp_path / "pkg"
    shutil.copytree(drafted[0], out)
    draft = json.loads((out / "draft.json").read_text())
    target = next(p for p in draft["proposals"] if p["field"].endswith("Pt2_Line1_FamilyName[0]"))
    target.update(status="review", decision=None)
    (out / "draft.json").write_text(json.dumps(draft))
    refused = run("map", "accept", str(out))
    assert refused.exit_code == 1 and "1 proposal(s) await a decision" in refused.output
    assert json.loads((out / "06-01-26.json").read_text())["status"] == "draft"
    drafty = run("fill", str(SAMPLES / "reentry-permit.json"), "--form", str(next_blank), "--map", str(out),
                 "-o", str(tmp_path / "x.pdf"))
    assert drafty.exit_code == 2 and "a draft never fills" in drafty.output and not (tmp_path / "x.pdf").exists()
    target["decision"] = "accept"
    (out / "draft.json").write_text(json.dumps(draft))
    accepted = run("map", "accept", str(out), "--json")
    assert accepted.exit_code == 0, accepted.output
    assert json.loads(accepted.output)["unplaced"][0]["profile"] == ["applicant.mailing_address.in_care_of"]
    filled = run("fill", str(SAMPLES / "reentry-permit.json"), "--form", str(next_blank), "--map", str(out),
                 "-o", str(tmp_path / "x.pdf"), "--json")
    assert filled.exit_code == 0, filled.output
    assert json.loads(filled.output)["edition"] == "06/01/26"
    assert run("verify", str(tmp_path / "x.pdf"), "--profile", str(SAMPLES / "reentry-permit.json"),
               "--map", str(out)).exit_code == 0


def test_forms_add_accepts_the_new_edition_once_a_reviewed_package_is_installed(
        drafted: tuple[Path, dict], next_blank: Path, tmp_path: Path) -> None:  # type: ignore[type-arg]
    home = tmp_path / "home"
    env = {"FORMFILL_HOME": str(home)}
    assert run("forms", "add", str(next_blank), env=env).exit_code == 2
    shutil.copytree(drafted[0], home / "packages" / "i-131-next")
    assert run("forms", "add", str(next_blank), env=env).exit_code == 2  # still a draft
    assert run("map", "accept", str(home / "packages" / "i-131-next")).exit_code == 0
    added = run("forms", "add", str(next_blank), env=env)
    assert added.exit_code == 0, added.output
    assert (home / "forms" / "i-131_06-01-26.pdf").is_file()


def test_review_and_check_of_a_draft(drafted: tuple[Path, dict], next_blank: Path,  # type: ignore[type-arg]
                                     blank_plain: Path) -> None:
    out, _ = drafted
    page = run("map", "review", str(out), "--form", str(next_blank), "--json")
    assert page.exit_code == 0, page.output
    doc = json.loads(page.output)
    assert doc["unplaced"] == 1 and doc["boxes"] > 300
    html = (out / "draft-review.html").read_text()
    assert "Pt2_Line1_FamilyName" in html and "applicant.name.family" in html and "matched" in html
    assert "Part2_Line3_InCareofName[0]: loses applicant.mailing_address.in_care_of" in html
    checked = run("map", "check", str(out), "--form", str(next_blank), "--json")
    findings = json.loads(checked.output)["findings"]
    assert checked.exit_code == 0 and findings == [], findings  # the footer and barcodes name 06/01/26 too
    wrong = run("map", "check", str(out), "--form", str(blank_plain), "--json")
    assert wrong.exit_code == 1 and any(f["code"] == "wrong_edition" for f in json.loads(wrong.output)["findings"])


def test_map_of_a_folder_without_a_package_is_a_usage_error(tmp_path: Path) -> None:
    result = run("fill", str(SAMPLES / "reentry-permit.json"), "--map", str(tmp_path))
    assert result.exit_code == 2 and "not a form package" in result.output


def test_a_draft_estimates_the_first_accepted_day_and_accepting_confirms_it(
        drafted: tuple[Path, dict], tmp_path: Path) -> None:  # type: ignore[type-arg]
    out = tmp_path / "pkg"
    shutil.copytree(drafted[0], out)
    [entry] = json.loads((out / "form.json").read_text())["editions"]
    assert (entry["edition"], entry["accepted_from"], entry["acceptance_estimated"]) == ("06/01/26", "2026-06-01",
                                                                                        True)
    assert entry["supersedes"] == [{"edition": "01/20/25", "accepted_until": None}]
    draft = json.loads((out / "draft.json").read_text())
    for p in draft["proposals"]:
        if p["status"] == "review":
            p["decision"] = "accept"
    (out / "draft.json").write_text(json.dumps(draft))
    done = run("map", "accept", str(out))
    assert done.exit_code == 0, done.output
    assert "first accepted day 2026-06-01 (the edition date, now confirmed by you)" in done.output
    [entry] = json.loads((out / "form.json").read_text())["editions"]
    assert "acceptance_estimated" not in entry and entry["accepted_from"] == "2026-06-01"
    again = run("map", "accept", str(out), "--json")
    assert again.exit_code == 0 and set(json.loads(again.output)) == {"ok", "form", "edition", "output", "unfilled",
                                                                     "unplaced"}


def test_check_of_a_draft_names_an_item_the_new_edition_added_until_it_is_declared(
        tmp_path: Path, blank_plain: Path) -> None:
    ed = eb.start(read_blank(blank_plain).data)
    eb.change_edition(ed)
    eb.add_text_item(ed, 14, "form1[0].#subform[13]", "Part13_Line8_NewQuestion[0]", (60, 60, 300, 78),
                     "Your new answer", "Enter your new answer.")
    eb.print_text(ed, 14, 36, 81, "8.")
    blank = tmp_path / "i-131-added.pdf"
    blank.write_bytes(ed.bytes())
    out = tmp_path / "pkg"
    assert run("map", "draft", str(blank), "-o", str(out)).exit_code == 0
    checked = run("map", "check", str(out), "--form", str(blank), "--json")
    found = [(f["code"], f["where"]) for f in json.loads(checked.output)["findings"]]
    assert checked.exit_code == 1 and found == [("unmapped_item", "Part 13, Item 8")], found
    map_file = out / "06-01-26.json"
    doc = json.loads(map_file.read_text())
    assert doc["new_fields"] == ["form1[0].#subform[13].Part13_Line8_NewQuestion[0]"]
    doc["unfilled_items"] = [{"part": "13", "item": "8", "why": "a new question no profile answers yet"}]
    map_file.write_text(json.dumps(doc))
    again = run("map", "check", str(out), "--form", str(blank))
    assert again.exit_code == 0 and "0 error(s), 0 warning(s)" in again.output, again.output
