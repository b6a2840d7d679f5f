"""Compatibility: the I-131 profile model lives in its form package, `field_maps/i-131/model.py`.

The engine modules that still type against its vocabularies (the I-131 package check, formfill.checks.package
and formfill.checks.facts, until the package check is generic) and older callers import them from here. The
names are the package model module's own objects (the very classes its spec's `model` loads), never copies.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from formfill.formpackage import builtin_model_module

_FOLDER = "i-131"  # the built-in package whose model this module stands for

if TYPE_CHECKING:  # mypy checks the model file itself ([tool.mypy] files in pyproject), as the module `model`
    from model import *  # noqa: F403
else:
    _module = builtin_model_module(_FOLDER)
    globals().update({name: value for name, value in vars(_module).items() if not name.startswith("_")})
