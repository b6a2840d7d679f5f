"""The built-in Form I-131 package's profile model, for the tests that exercise that form.

The one place the tests get it from: the very module the package's spec (`model`) loads, through the public
package API (formfill.formpackage.builtin_model_module), so tests use the classes the engine validates with.
"""

from __future__ import annotations

from formfill.formpackage import builtin_model_module

model = builtin_model_module("i-131")

Profile = model.Profile
parse_profile = model.parse_profile
ApplicationType = model.ApplicationType
Basis = model.Basis
Processing = model.Processing
Program = model.Program
PurposeCategory = model.PurposeCategory
