"""Edition acceptance by filing date, as form package data: warned before the first day, refused after the last."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from formfill import api
from formfill.checks.package import check_package
from formfill.editions.acceptance import REFUSE, WARN, Dates, acceptance, combine, edition_date
from formfill.errors import PackageError
from formfill.formpackage import EditionSpec
from tests.helpers import REPO, SAMPLES

D = dt.date


def test_inside_the_dates_nothing_is_said() -> None:
    assert acceptance("X-1", "01/01/30", D(2030, 1, 1), D(2031, 1, 1), D(2030, 6, 1)) is None
    assert acceptance("X-1", "01/01/30", None, None, D(2030, 6, 1)) is None


def test_before_the_first_day_is_a_warning_after_the_last_a_refusal() -> None:
    early = acceptance("X-1", "01/01/30", D(2030, 1, 1), None, D(2029, 12, 31))
    late = acceptance("X-1", "01/01/30", None, D(2031, 1, 1), D(2031, 1, 2), source="uscis.gov/x-1")
    assert early is not None and early[0] == WARN and "accepted from 2030-01-01" in early[1]
    assert late is not None and late[0] == REFUSE and "until 2031-01-01" in late[1] and "uscis.gov/x-1" in late[1]


@pytest.fixture
def dated_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A firm's copy of the I-131 package whose 01/20/25 edition is accepted 2025-01-20 .. 2026-06-30."""
    root = tmp_path / "packages"
    shutil.copytree(REPO / "field_maps" / "i-131", root / "i-131")
    spec = json.loads((root / "i-131" / "form.json").read_text())
    spec["editions"][0].update(accepted_from="2025-01-20", accepted_until="2026-06-30",
                               acceptance_source="a test's dates")
    (root / "i-131" / "form.json").write_text(json.dumps(spec))
    monkeypatch.setenv("FORMFILL_PACKAGES_DIR", str(root))
    return root


def test_fill_with_a_filing_date_warns_early_and_refuses_late(dated_package: Path, blank_plain: Path) -> None:
    early = api.fill(SAMPLES / "reentry-permit.json", form=blank_plain, filing_date=D(2025, 1, 1))
    assert any("accepted from 2025-01-20" in n for n in early.notes)
    fine = api.fill(SAMPLES / "reentry-permit.json", form=blank_plain, filing_date=D(2026, 1, 1))
    assert not any("accepted" in n for n in fine.notes)
    with pytest.raises(PackageError, match="accepted until 2026-06-30"):
        api.fill(SAMPLES / "reentry-permit.json", form=blank_plain, filing_date=D(2026, 7, 1))


def test_check_uses_the_package_dates(dated_package: Path, blank_plain: Path) -> None:
    report = check_package(SAMPLES / "reentry-permit.json", form=blank_plain, filing_date=D(2026, 7, 1))
    found = [f for f in report.findings if f.code == "edition_not_accepted"]
    assert found and found[0].severity == "error" and "2026-06-30" in found[0].message


# --- combining the installed packages' statements, and today as the default filing date ------------------

def spec(edition: str, **kw: object) -> EditionSpec:
    return EditionSpec.model_validate({"edition": edition, "fill_map": "x.json", **kw})


def test_a_newer_edition_that_supersedes_an_older_one_ends_it() -> None:
    old = spec("01/20/25", accepted_from="2025-01-20", acceptance_source="uscis.gov/i-131")
    new = spec("06/01/26", supersedes=[{"edition": "01/20/25", "accepted_until": "2026-07-31"}])
    dates = combine("01/20/25", [("builtin", old), ("firm/i-131-next", new)], drafts=set())
    assert dates == Dates(D(2025, 1, 20), D(2026, 7, 31), "firm/i-131-next: edition 06/01/26 supersedes it")
    # The earliest last day wins; the edition's own earlier day stands.
    own = spec("01/20/25", accepted_until="2026-05-01", acceptance_source="own")
    assert combine("01/20/25", [("a", own), ("b", new)], set()) == Dates(None, D(2026, 5, 1), "own")
    # A draft states nothing yet, and an unannounced last day (null) ends nothing.
    assert combine("01/20/25", [("a", old), ("b", new)], {"06/01/26"}) == Dates(D(2025, 1, 20), None,
                                                                                "uscis.gov/i-131")
    open_end = spec("06/01/26", supersedes=[{"edition": "01/20/25"}])
    assert combine("01/20/25", [("a", old), ("b", open_end)], set()) == Dates(D(2025, 1, 20), None,
                                                                              "uscis.gov/i-131")
    assert combine("04/24/19", [("a", old)], set()) is None


def test_an_estimated_first_day_and_a_default_filing_date_are_said() -> None:
    early = acceptance("X-1", "06/01/26", D(2026, 6, 1), None, D(2026, 5, 1), estimated=True, today=True)
    assert early is not None and "an estimate from the edition date" in early[1]
    assert "the filing date 2026-05-01 (today: no filing date was given)" in early[1]
    assert edition_date("06/01/26") == D(2026, 6, 1) and edition_date("6/1/26") is None


@pytest.fixture
def superseding_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A firm's package of a next edition (06/01/26) that ends 01/20/25 yesterday; the built-in one is untouched."""
    root = tmp_path / "packages"
    pkg = root / "i-131-next"
    shutil.copytree(REPO / "field_maps" / "i-131", pkg)
    doc = json.loads((pkg / "01-20-25.json").read_text())
    doc.update(edition="06/01/26", identify={"barcode_value_prefix": "I-131|06/01/26|",
                                             "footer_text": "Form I-131 Edition 06/01/26"})
    (pkg / "06-01-26.json").write_text(json.dumps(doc))
    (pkg / "01-20-25.json").unlink()
    spec_doc = json.loads((pkg / "form.json").read_text())
    yesterday = dt.date.today() - dt.timedelta(days=1)
    spec_doc["editions"] = [{"edition": "06/01/26", "fill_map": "06-01-26.json",
                             "supersedes": [{"edition": "01/20/25", "accepted_until": yesterday.isoformat()}]}]
    (pkg / "form.json").write_text(json.dumps(spec_doc))
    monkeypatch.setenv("FORMFILL_PACKAGES_DIR", str(root))
    return pkg


@pytest.mark.slow
def test_fill_and_check_apply_a_superseding_package_without_a_filing_date(superseding_package: Path,
                                                                          blank_plain: Path) -> None:
    builtin = json.loads((REPO / "field_maps" / "i-131" / "form.json").read_text())
    assert all("accepted_until" not in e for e in builtin["editions"])  # the built-in package says nothing
    with pytest.raises(PackageError, match=r"\(today: no filing date was given\).*i-131-next: edition 06/01/26 "
                                           r"supersedes it"):
        api.fill(SAMPLES / "reentry-permit.json", form=blank_plain)
    before = dt.date.today() - dt.timedelta(days=2)
    assert api.fill(SAMPLES / "reentry-permit.json", form=blank_plain, filing_date=before).verification.ok
    report = check_package(SAMPLES / "reentry-permit.json", form=blank_plain)
    found = [f for f in report.findings if f.code == "edition_not_accepted"]
    assert found and found[0].severity == "error" and "no filing date was given" in found[0].message


@pytest.mark.slow
def test_fill_without_a_filing_date_uses_today(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               blank_plain: Path) -> None:
    root = tmp_path / "packages"
    shutil.copytree(REPO / "field_maps" / "i-131", root / "i-131")
    spec_doc = json.loads((root / "i-131" / "form.json").read_text())
    spec_doc["editions"][0].update(accepted_from=(dt.date.today() + dt.timedelta(days=3)).isoformat())
    (root / "i-131" / "form.json").write_text(json.dumps(spec_doc))
    monkeypatch.setenv("FORMFILL_PACKAGES_DIR", str(root))
    result = api.fill(SAMPLES / "reentry-permit.json", form=blank_plain)
    assert any("(today: no filing date was given) is before it" in n for n in result.notes)


@pytest.mark.slow
def test_batch_applies_acceptance_on_its_filing_date(superseding_package: Path, blank_plain: Path,
                                                     tmp_path: Path) -> None:
    from click.testing import CliRunner

    from formfill.cli import main

    sample = str(SAMPLES / "reentry-permit.json")
    args = ["batch", sample, "--form", str(blank_plain), "-j", "1", "--json"]
    late = CliRunner().invoke(main, [*args, "-o", str(tmp_path / "late")])
    assert late.exit_code == 1 and "supersedes it" in late.output, late.output
    before = (dt.date.today() - dt.timedelta(days=2)).isoformat()
    fine = CliRunner().invoke(main, [*args, "-o", str(tmp_path / "fine"), "--filing-date", before])
    assert fine.exit_code == 0, fine.output
