"""Profile machinery every form's profile model shares: the strict base, value types, problem paths, dispatch.

A form's profile model lives with its form package (the spec's `model` names it); this module holds what
is true of every profile: unknown keys are errors, dates are ISO 8601, text and names are bounded and
printable, identifiers are normalised to how USCIS forms print them (formfill.identifiers), and every
problem is reported with its JSON path. `parse_profile` finds the model by the profile's `form` key.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import functools
import importlib
import re
from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from formfill import identifiers as ids
from formfill.errors import Problem, ProfileError
from formfill.formpackage import FormPackage, default_package, package_for

# --- value types ---------------------------------------------------------------------------------


def _iso_date(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        raise ValueError("dates are written YYYY-MM-DD (ISO 8601), for example 2026-12-20")
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"{value!r} is not a calendar date") from None


def _text(value: str) -> str:
    text = ids.printable_text(value)
    if not text:
        raise ValueError("cannot be empty; leave the key out or use null when it does not apply")
    return text


def _email(value: str) -> str:
    text = value.strip()
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}", text):
        raise ValueError("is not an email address")
    return text


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]
MAX_TEXT = 4000  # characters in one answer: about a continuation sheet; more belongs in a cover letter
Text = Annotated[str, Field(max_length=MAX_TEXT), AfterValidator(_text)]
MAX_NAME = 100  # characters in one part of a name: the boxes hold ~30; longer is a data error, not a name
NameText = Annotated[str, Field(max_length=MAX_NAME), AfterValidator(ids.person_name)]
ANumber = Annotated[str, AfterValidator(ids.a_number)]
SSN = Annotated[str, AfterValidator(ids.ssn)]
USPhone = Annotated[str, AfterValidator(ids.us_phone)]
AnyPhone = Annotated[str, AfterValidator(ids.any_phone)]
ReceiptNumber = Annotated[str, AfterValidator(ids.receipt_number)]
I94Number = Annotated[str, AfterValidator(ids.i94_number)]
USCISAccount = Annotated[str, AfterValidator(ids.uscis_account)]
ZipCode = Annotated[str, AfterValidator(ids.zip_code)]
Email = Annotated[str, AfterValidator(_email)]


# --- models --------------------------------------------------------------------------------------


class Strict(BaseModel):
    """Unknown keys are an error: a typo must never silently drop data."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class ProfileBase(Strict):
    """What every form's profile has: the contract's version, the firm's matter id and the form it is for.

    A form's model subclasses it and narrows `form` to its own number (`Literal["I-131"]`).
    """

    schema_version: Literal[1] = 1
    id: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    form: str


P = TypeVar("P", bound=ProfileBase)


def attachment_paths(profile: ProfileBase) -> list[str]:
    """The files a profile attaches: its model's `attachments` list (objects with a `path`), if it has one."""
    return [str(a.path) for a in getattr(profile, "attachments", None) or ()]


# --- problems ------------------------------------------------------------------------------------

_FRIENDLY = {
    "missing": "is required",
    "extra_forbidden": "is not a key of the profile (check the spelling; `formfill schema` lists the keys)",
}


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif str(part).startswith(("function-after", "function-before")):
            continue
        else:
            out += ("." if out else "") + str(part)
    return out


def problems_from_validation_error(err: ValidationError) -> list[Problem]:
    found: list[Problem] = []
    for e in err.errors(include_url=False):
        loc = tuple(p for p in e["loc"] if not (isinstance(p, str) and "[" in p and p[0].islower() and "-" in p))
        message = _FRIENDLY.get(e["type"]) or e["msg"].removeprefix("Value error, ")
        found.append(Problem(_path(loc), message, e["type"]))
    return found


# --- entry points --------------------------------------------------------------------------------


def package_of(data: Any) -> FormPackage:
    """The package a decoded profile is for: its `form` key, else (absent, or a form formfill has no package
    for) the default package, whose model then says which form it expects."""
    form = data.get("form") if isinstance(data, dict) else None
    pkg = package_for(form) if isinstance(form, str) else None
    return pkg if pkg is not None else default_package()


def parse_profile(data: Any) -> ProfileBase:
    """Validate a decoded JSON profile with its form's model; raise ProfileError listing every problem."""
    if not isinstance(data, dict):
        raise ProfileError("A profile is a JSON object", [Problem("", "expected a JSON object at the top level")])
    return model_parser(package_of(data))(data)


def model_parser(pkg: FormPackage) -> Callable[[Any], ProfileBase]:
    """The model module's own `parse_profile`, if it has one; else the engine's: the model's validation, then
    the form's rules between answers (its package's `rules.json` and its maps' skip conflicts)."""
    model = pkg.model()
    parse = getattr(importlib.import_module(model.__module__), "parse_profile", None)
    if callable(parse):
        return parse  # type: ignore[no-any-return]
    if not issubclass(model, ProfileBase):
        raise ProfileError(f"{pkg.label}: the model {model.__name__} does not derive from ProfileBase")
    return functools.partial(validate_with_rules, model)


def validate_with_rules(model: type[P], data: Any) -> P:
    """Validate a decoded JSON profile with `model`, then check its form's rules; every problem at once.

    A profile whose values break the model is still checked against the rules without its broken keys, so
    one run reports both (a rule about a section whose key was already reported is not said twice).
    """
    if not isinstance(data, dict):
        raise ProfileError("A profile is a JSON object", [Problem("", "expected a JSON object at the top level")])
    try:
        profile = model.model_validate(data)
    except ValidationError as err:
        found = problems_from_validation_error(err)
        with contextlib.suppress(RecursionError):  # a pathologically nested value: its problem is reported already
            found += _rules_despite(model, data, err, found)
        raise ProfileError("The profile has problems", found) from None
    except RecursionError:
        raise ProfileError("The profile is nested too deeply", [Problem("", "nested too deeply to be a profile")]) \
            from None
    found = form_rule_problems(profile)
    if found:
        raise ProfileError("The profile has problems", found)
    return profile


def form_rule_problems(profile: ProfileBase) -> list[Problem]:
    """What a validated profile breaks among its form's rules (formfill.formrules), each rule once."""
    from formfill import formrules  # the form layer sits above the profile machinery

    return [found.problem() for found in formrules.check(profile, profile.form)]


def _rules_despite(model: type[ProfileBase], data: dict[str, Any], err: ValidationError,
                   found: list[Problem]) -> list[Problem]:
    """The form's rules, checked on the profile without its broken keys, so all problems show at once."""
    trimmed = copy.deepcopy(data)
    for e in err.errors(include_url=False):
        parent: Any = trimmed
        loc = [p for p in e["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
        for part in loc[:-1]:
            try:
                parent = parent[part]
            except (KeyError, IndexError, TypeError):
                parent = None
                break
        if isinstance(parent, dict) and loc:
            parent.pop(loc[-1], None)
    try:
        profile = model.model_validate(trimmed)
    except ValidationError:
        return []  # a required answer is broken: the structural problems must be fixed first
    seen = [p.path for p in found]

    def already_said(path: str) -> bool:  # a rule about a section whose key was already reported
        return any(s == path or s.startswith((path + ".", path + "[")) for s in seen)

    return [p for p in form_rule_problems(profile) if not already_said(p.path)]


def json_schema(form: str | None = None) -> dict[str, Any]:
    """The JSON Schema of a form's profile (default: the default package's form)."""
    pkg = package_for(form) if form else default_package()
    if pkg is None:
        raise ProfileError(f"formfill has no package for Form {form}")
    schema = pkg.model().model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = f"formfill applicant profile for Form {pkg.form}"
    return schema


__all__ = [
    "MAX_NAME",
    "MAX_TEXT",
    "SSN",
    "ANumber",
    "AnyPhone",
    "Email",
    "I94Number",
    "IsoDate",
    "NameText",
    "ProfileBase",
    "ReceiptNumber",
    "Strict",
    "Text",
    "USCISAccount",
    "USPhone",
    "ZipCode",
    "attachment_paths",
    "form_rule_problems",
    "json_schema",
    "model_parser",
    "package_of",
    "parse_profile",
    "problems_from_validation_error",
    "validate_with_rules",
]
