"""Edition acceptance by filing date, as form package data: warned before the first day, refused after the last."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from formfill import api
from formfill.checks.package import check_package
from formfill.editions.acceptance import REFUSE, WARN, acceptance
from formfill.errors import PackageError
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
