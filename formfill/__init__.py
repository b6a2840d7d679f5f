"""formfill: fill USCIS Form I-131 from an applicant profile, prove every value landed, check the package."""

from formfill.api import FillResult, fill, load_profile, validate, verify
from formfill.errors import FormfillError, Problem, ProfileError

__version__ = "0.1.0"

__all__ = ["FillResult", "FormfillError", "Problem", "ProfileError", "__version__", "fill", "load_profile",
           "validate", "verify"]
