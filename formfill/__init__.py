"""formfill: fill USCIS forms (a package each) from applicant profiles, prove every value landed, check the package."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from formfill import startup  # first: collection waits for the imports below (formfill.startup)

try:
    from formfill.api import FillResult, PackageResult, fill, package, validate, verify
    from formfill.batch import BatchSummary, batch
    from formfill.errors import BatchInterrupted, FormfillError, Problem, ProfileError
    from formfill.loading import ProfileSource, load_profile
    from formfill.version import __version__
finally:  # resumed even when an import fails, so a caller that catches the ImportError keeps its collector
    startup.imported()

if TYPE_CHECKING:
    from formfill.checks.package import PackageReport
    from formfill.extract import Extraction


def check(profile: ProfileSource, *, attachments_root: Path | None = None, rules: Path | None = None,
          **kwargs: Any) -> PackageReport:
    """Check the filing package a profile describes (formfill.checks.package.check_package)."""
    from formfill.checks.package import check_package

    return check_package(profile, attachments_root=attachments_root, rules=rules, **kwargs)


def extract(pdf: str | os.PathLike[str] | bytes, output: str | os.PathLike[str] | None = None,
            overwrite: bool = False) -> Extraction:
    """Read a filled form back into a profile (formfill.extract.extract)."""
    from formfill.extract import extract as run

    return run(pdf, output, overwrite)


__all__ = [
    "BatchInterrupted",
    "BatchSummary",
    "FillResult",
    "FormfillError",
    "PackageResult",
    "Problem",
    "ProfileError",
    "__version__",
    "batch",
    "check",
    "extract",
    "fill",
    "load_profile",
    "package",
    "validate",
    "verify",
]
