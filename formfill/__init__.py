"""formfill: fill USCIS Form I-131 from an applicant profile, prove every value landed, check the package."""

from formfill.api import FillResult, fill, load_profile, validate, verify
from formfill.batch import batch
from formfill.checks.package import check_package as check
from formfill.errors import FormfillError, Problem, ProfileError

__version__ = "0.1.0"

__all__ = ["FillResult", "FormfillError", "Problem", "ProfileError", "__version__", "batch", "check", "fill",
           "load_profile", "validate", "verify"]
