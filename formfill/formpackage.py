"""Form packages: one folder per form holding everything that is true of that form and its editions.

A package is a folder with a `form.json` (the spec, validated here), the fill map of each edition
formfill fills (`01-20-25.json`), read maps of older editions it only reads (`04-24-19.read.json`), the
package-check rules and the profile model the spec names. The engine takes a package and names no form:
the form number, how a blank states its edition, the overflow part and its markers all come from here.

Packages are discovered in package roots, scanned in order: the built-in root (the `field_maps/` shipped
inside formfill, or a source checkout's), the per-user packages folder (`$FORMFILL_HOME/packages`, else
`$XDG_DATA_HOME/formfill/packages`, else `~/.local/share/formfill/packages`), then every folder of
`FORMFILL_PACKAGES_DIR` (path-separated). Each subfolder of a root holding a `form.json` is a package; a
later root's package for the same form number replaces an earlier one (so a firm's copy of a package wins
over the built-in one). The built-in packages are found exactly the way a firm's own are.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import importlib.util
import json
import os
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from types import ModuleType
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from formfill.errors import FormError
from formfill.pdf.blank import EditionMarks

SPEC_FILE = "form.json"
PACKAGES_ENV = "FORMFILL_PACKAGES_DIR"
_EDITION = re.compile(r"\d{2}/\d{2}/\d{2}")


def _edition_date(value: str) -> str:
    if not _EDITION.fullmatch(value):
        raise ValueError(f"an edition is written mm/dd/yy as printed on the form, not {value!r}")
    return value


EditionDate = Annotated[str, AfterValidator(_edition_date)]
"""An edition as printed on the form (mm/dd/yy), checked once for every place a package names one."""


class _SpecModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Identification(_SpecModel):
    """How a blank states its form and edition: a barcode field's value, else the first page's footer.

    Templates use `{form}`, `{edition}` and (barcodes) `{page}`. They are patterns of the publisher's
    convention, not of one form: a blank of another form that follows it is recognised as that form, so the
    refusal can say which form it is.
    """

    barcode_field: str = Field(min_length=1)  # a substring of the barcode fields' names
    barcode_value: str = Field(min_length=1)
    footer_text: str = Field(min_length=1)

    @field_validator("barcode_value", "footer_text")
    @classmethod
    def _names_form_and_edition(cls, value: str) -> str:
        if "{form}" not in value or "{edition}" not in value:
            raise ValueError("a template names both {form} and {edition}")
        return value

    def marks(self) -> EditionMarks:
        """The templates as the plain patterns formfill.pdf.blank identifies a blank with."""
        return EditionMarks(
            barcode_field=self.barcode_field,
            barcode=_pattern(self.barcode_value, _BARCODE_SLOTS, literal=re.escape),
            footer=_pattern(self.footer_text, _FOOTER_SLOTS, literal=_words),
        )


# What a template's slots match: in a barcode value (matched whole) anything up to the separator, as the
# value splits; in the page's text (searched) a form number and an edition date as the publisher prints them.
_BARCODE_SLOTS = {"form": "(?P<form>.*?)", "edition": "(?P<edition>.*?)", "page": ".*"}
_FOOTER_SLOTS = {"form": r"(?P<form>[A-Z]{1,4}-\d+\w?)", "edition": r"(?P<edition>\d{2}/\d{2}/\d{2})", "page": r"\d+"}
_SLOT = re.compile(r"\{(form|edition|page)\}")


def _words(text: str) -> str:
    """Literal text of a footer, any run of white space matching any other (text extraction varies)."""
    return "".join(r"\s+" if chunk.isspace() else re.escape(chunk) for chunk in re.split(r"(\s+)", text) if chunk)


def _pattern(template: str, slots: dict[str, str], literal: Callable[[str], str]) -> str:
    parts = _SLOT.split(template)  # literal, slot, literal, slot, ...
    return "".join(slots[part] if i % 2 else literal(part) for i, part in enumerate(parts))


class OverflowMarkers(_SpecModel):
    continued_in: str = Field(min_length=1)  # ends a multiline box whose rest moves to the overflow part
    continuation: str = Field(min_length=1)  # starts the rest
    pointers: list[str] = Field(min_length=1)  # a single-line box whose value moved, longest first


class SheetHeaderLine(_SpecModel):
    label: str = Field(min_length=1)
    path: str = Field(min_length=1)  # the profile path printed after the label
    prefix: str = ""  # printed before a value (`A-`)
    absent: str = ""  # printed when the profile has no value


class Overflow(_SpecModel):
    """The form's own place for what does not fit its box, and the continuation sheets after it."""

    part: str = Field(min_length=1)
    title: str = Field(min_length=1)
    markers: OverflowMarkers
    sheet_title: str = Field(min_length=1)  # `{form}`, `{part}`, `{n}`, `{total}`
    sheet_header: list[SheetHeaderLine] = Field(min_length=1)
    # The signature line and the date line at the foot of every continuation sheet, as printed.
    sheet_footer: tuple[str, str] = ("Signature:", "Date of Signature (mm/dd/yyyy):")
    # The role (a fill map's `signatures` entry) whose signer signs and dates the sheets; None: the map's first.
    sheet_signer: str | None = None


class Supersedes(_SpecModel):
    """An earlier edition this one replaces, and USCIS's last day for it: a new package ends the old edition
    without editing the package that holds it."""

    edition: EditionDate
    accepted_until: dt.date | None = None  # null until USCIS announces the day


class EditionSpec(_SpecModel):
    """One edition of the form: a fill map (formfill fills it) or a read map (formfill only reads it)."""

    edition: EditionDate
    fill_map: str | None = None
    read_map: str | None = None
    accepted_from: dt.date | None = None  # USCIS's first day of acceptance (a filing before it is warned about)
    accepted_until: dt.date | None = None  # its last day (a filing after it is refused)
    acceptance_source: str | None = None  # where the dates come from (uscis.gov/<form>, a Federal Register notice)
    acceptance_estimated: bool = False  # a draft's guess from the edition date, until a person accepts the package
    supersedes: list[Supersedes] = []

    @model_validator(mode="after")
    def _one_map(self) -> EditionSpec:
        if (self.fill_map is None) == (self.read_map is None):
            raise ValueError("an edition names exactly one of fill_map and read_map")
        return self


class Spec(_SpecModel):
    """`form.json`: see CONTRIBUTING.md "Form packages" for every key."""

    spec_version: Literal[1]
    form: str = Field(min_length=1)
    title: str = Field(min_length=1)
    about: str | None = None
    publisher_page: str = Field(min_length=1)
    blank_url: str = Field(min_length=1)
    blank_file: str = Field(min_length=1)  # `{edition}` with dashes: the stored blank's file name
    output_suffix: str = Field(min_length=1)  # a filled form's file name ends with this
    identification: Identification
    overflow: Overflow
    editions: list[EditionSpec] = Field(min_length=1)
    person_name: list[str] = Field(min_length=1)  # profile paths naming whom a filing is for (titles)
    extract_drops: dict[str, str] = {}  # profile path -> why `formfill extract` leaves it out of a renewal
    none_list: str | None = None  # the top-level profile key listing the "(if any)" items a profile answers none
    expedite_section: str | None = None  # the profile path of a request for expedited processing (review shows it)
    model: str = Field(min_length=1)  # `dotted.module:Class` or `model.py:Class` inside the package folder
    package_rules: str | None = None
    rules: str | None = None

    @model_validator(mode="after")
    def _unique_editions(self) -> Spec:
        seen = [e.edition for e in self.editions]
        twice = sorted({e for e in seen if seen.count(e) > 1})
        if twice:
            raise ValueError(f"editions lists {', '.join(twice)} more than once")
        return self


@dataclass(frozen=True)
class FormPackage:
    """A loaded, validated package folder."""

    root: Path
    spec: Spec
    label: str  # how messages name the folder: `field_maps/i-131` for the built-in ones, else its path
    _model: list[type[BaseModel]] = field(default_factory=list, compare=False, repr=False)

    @property
    def form(self) -> str:
        return self.spec.form

    @property
    def editions(self) -> list[str]:
        return [e.edition for e in self.spec.editions]

    @property
    def fill_maps(self) -> dict[str, Path]:
        """edition -> its fill map file."""
        return {e.edition: self.root / e.fill_map for e in self.spec.editions if e.fill_map}

    @property
    def read_maps(self) -> dict[str, Path]:
        """edition -> its read map file (editions formfill reads but never fills)."""
        return {e.edition: self.root / e.read_map for e in self.spec.editions if e.read_map}

    @property
    def package_rules(self) -> Path | None:
        return self.root / self.spec.package_rules if self.spec.package_rules else None

    @property
    def rules(self) -> Path | None:
        return self.root / self.spec.rules if self.spec.rules else None

    def file_label(self, path: Path) -> str:
        """A package file as messages name it (`field_maps/i-131/package-rules.json`)."""
        return f"{self.label}/{path.relative_to(self.root).as_posix()}"

    def model(self) -> type[BaseModel]:
        """The profile model class the spec names, imported once."""
        if not self._model:
            self._model.append(_load_model(self))
        return self._model[0]


# --- discovery ------------------------------------------------------------------------------------


@cache
def builtin_root() -> Path | None:
    """The packages shipped with formfill (inside the wheel), else a source checkout's `field_maps/`
    (found once: where formfill is installed does not change while it runs)."""
    packaged = resources.files("formfill") / "field_maps"
    if packaged.is_dir():
        return Path(str(packaged))
    checkout = Path(__file__).resolve().parent.parent / "field_maps"
    return checkout if checkout.is_dir() else None


def user_packages_dir() -> Path:
    """The per-user packages folder, next to the per-user forms folder."""
    home = os.environ.get("FORMFILL_HOME")
    if home:
        return Path(home) / "packages"
    data = os.environ.get("XDG_DATA_HOME")
    root = Path(data) if data else Path.home() / ".local" / "share"
    return root / "formfill" / "packages"


def package_roots() -> list[Path]:
    """Where packages are looked for, in order (a later root's package for a form replaces an earlier one)."""
    return list(roots_now())


def roots_now() -> tuple[Path, ...]:
    """package_roots() as a tuple, computed once per environment (this is asked on every lookup)."""
    env = os.environ
    return _roots(env.get("FORMFILL_HOME"), env.get("XDG_DATA_HOME"), env.get("HOME"), env.get(PACKAGES_ENV))


@cache
def _roots(home: str | None, data: str | None, user: str | None, extra: str | None) -> tuple[Path, ...]:
    roots: list[Path] = []
    builtin = builtin_root()
    if builtin is not None:
        roots.append(builtin)
    roots.append(user_packages_dir())
    roots.extend(Path(p) for p in (extra or "").split(os.pathsep) if p)
    return tuple(roots)


_EXPLICIT: list[Path] = []  # package folders named on the command line (`--map DIR`): found last, so they win


def use_package(folder: str | os.PathLike[str]) -> FormPackage:
    """Use the package in `folder` (`--map DIR`) ahead of every root's; it is validated now."""
    path = Path(folder)
    if not (path / SPEC_FILE).is_file():
        raise FormError(f"{path}: not a form package (no {SPEC_FILE} in it)")
    pkg = load_package(path)
    if path not in _EXPLICIT:
        _EXPLICIT.append(path)
    return pkg


@contextlib.contextmanager
def using_package(folder: str | os.PathLike[str]) -> Iterator[FormPackage]:
    """Use the package in `folder` for the duration of a `with` block (a library's `--map DIR`)."""
    path = Path(folder)
    added = path not in _EXPLICIT
    pkg = use_package(path)
    try:
        yield pkg
    finally:
        if added and path in _EXPLICIT:
            _EXPLICIT.remove(path)


def explicit_packages() -> tuple[Path, ...]:
    return tuple(_EXPLICIT)


def packages() -> dict[str, FormPackage]:
    """Every package found, by form number (a later one for the same form wins)."""
    return {pkg.form: pkg for pkg in all_packages()}


def all_packages() -> list[FormPackage]:
    """Every package found, in discovery order: each edition of a form may come from a different folder."""
    return _packages(roots_now(), builtin_root(), explicit_packages(), stamp())


def stamp() -> tuple[tuple[str, int], ...]:
    """What the packages outside the built-in root look like now (file, mtime): a package drafted, edited or
    accepted since it was read is read again, within one process too."""
    builtin = builtin_root()
    folders = [*(p for r in roots_now() if r != builtin and r.is_dir() for p in r.iterdir()), *_EXPLICIT]
    out: list[tuple[str, int]] = []
    for folder in folders:
        with contextlib.suppress(OSError):
            out += [(str(f), f.stat().st_mtime_ns) for f in sorted(folder.glob("*.json"))]
    return tuple(out)


def edition_spec(form: str, edition: str) -> EditionSpec | None:
    """The spec of one edition of a form (the last package listing it wins), with its acceptance dates."""
    found = None
    for pkg in all_packages():
        if pkg.form == form:
            found = next((e for e in pkg.spec.editions if e.edition == edition), found)
    return found


def package_for(form: str) -> FormPackage | None:
    return packages().get(form)


def default_package() -> FormPackage:
    """The form a command means when nothing names one: the first package of the built-in root."""
    found = packages()
    builtin = builtin_root()
    first = next((p for p in found.values() if builtin is not None and p.root.parent == builtin), None)
    if first is None:
        first = next(iter(found.values()), None)
    if first is None:
        raise FormError(f"no form package found (looked in {', '.join(str(r) for r in package_roots())})")
    return first


def edition_marks() -> tuple[EditionMarks, ...]:
    """How blanks state their edition, for every package found (formfill.blanks.load_blank hands them to
    formfill.pdf.blank.load_blank)."""
    return tuple(dict.fromkeys(p.spec.identification.marks() for p in packages().values()))


@cache
def _packages(roots: tuple[Path, ...], builtin: Path | None, explicit: tuple[Path, ...] = (),
              _stamp: tuple[tuple[str, int], ...] = ()) -> list[FormPackage]:
    found: list[FormPackage] = []
    for root in roots:
        if not root.is_dir():
            continue
        for folder in sorted(p for p in root.iterdir() if (p / SPEC_FILE).is_file()):
            label = f"field_maps/{folder.name}" if root == builtin else str(folder)
            found.append(load_package(folder, label))
    found.extend(load_package(folder) for folder in explicit)
    return found


# --- loading --------------------------------------------------------------------------------------


def load_package(folder: Path, label: str | None = None) -> FormPackage:
    """Read and validate a package folder; a broken one is refused with its file and key named."""
    name = label or str(folder)
    spec_path = folder / SPEC_FILE
    shown = f"{name}/{SPEC_FILE}"
    try:
        data = json.loads(spec_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise FormError(f"{shown}: not valid JSON (line {err.lineno}, column {err.colno}: {err.msg})") from None
    except (OSError, UnicodeDecodeError) as err:
        raise FormError(f"{shown}: the form package spec cannot be read ({err})") from None
    try:
        spec = Spec.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        key = _json_path(first["loc"]) or "(the whole file)"
        raise FormError(f"{shown}: not a valid form package spec: {key}: {_reason(first)}") from None
    for key, rel in _files(spec):
        if not (folder / rel).is_file():
            raise FormError(f"{shown}: {key} names {rel!r}, which is not a file in {name}")
    return FormPackage(root=folder, spec=spec, label=name)


def _files(spec: Spec) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for i, e in enumerate(spec.editions):
        if e.fill_map:
            out.append((f"editions[{i}].fill_map", e.fill_map))
        if e.read_map:
            out.append((f"editions[{i}].read_map", e.read_map))
    if spec.package_rules:
        out.append(("package_rules", spec.package_rules))
    if spec.rules:
        out.append(("rules", spec.rules))
    return out


def _json_path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _reason(error: Any) -> str:
    if error["type"] == "extra_forbidden":
        return "not a key of a form package spec"
    if error["type"] == "missing":
        return "required"
    return str(error["msg"]).removeprefix("Value error, ")


def builtin_model_module(folder: str) -> ModuleType:
    """The model module of the built-in package in `folder` (the same module its spec's `model` loads)."""
    root = builtin_root()
    if root is None or not (root / folder / SPEC_FILE).is_file():
        raise FormError(f"formfill has no built-in form package {folder!r}")
    model = load_package(root / folder, f"field_maps/{folder}").model()
    return sys.modules[model.__module__]


def _same_file(loaded: Path, path: Path) -> bool:
    """Whether the module loaded from `loaded` is the model in `path`: the same file, or a byte-identical copy
    (a drafted edition's package copies its form's model.py; one form keeps one set of model classes)."""
    if loaded == path:
        return True
    try:
        return loaded.is_file() and loaded.read_bytes() == path.read_bytes()
    except OSError:
        return False


def _load_model(pkg: FormPackage) -> type[BaseModel]:
    """Import `module:Class` (a dotted module, or a `.py` file inside the package folder)."""
    target, _, cls_name = pkg.spec.model.partition(":")
    shown = f"{pkg.label}/{SPEC_FILE}: model"
    if not cls_name:
        raise FormError(f"{shown}: {pkg.spec.model!r} is not `module:Class`")
    if target.endswith(".py"):
        path = pkg.root / target
        module_name = "formfill_packages." + re.sub(r"\W", "_", pkg.form.lower()) + "." + Path(target).stem
        module = sys.modules.get(module_name)
        if module is None or not _same_file(Path(getattr(module, "__file__", "") or ""), path):
            loader = importlib.util.spec_from_file_location(module_name, path)
            if loader is None or loader.loader is None or not path.is_file():
                raise FormError(f"{shown}: {target} is not a file in {pkg.label}")
            module = importlib.util.module_from_spec(loader)
            sys.modules[module_name] = module
            loader.loader.exec_module(module)
    else:
        try:
            module = importlib.import_module(target)
        except ImportError as err:
            raise FormError(f"{shown}: cannot import {target} ({err})") from None
    cls = getattr(module, cls_name, None)
    if not (isinstance(cls, type) and issubclass(cls, BaseModel)):
        raise FormError(f"{shown}: {target} has no pydantic model {cls_name}")
    return cls


__all__ = [
    "PACKAGES_ENV",
    "SPEC_FILE",
    "EditionSpec",
    "FormPackage",
    "Identification",
    "Overflow",
    "Spec",
    "Supersedes",
    "all_packages",
    "builtin_model_module",
    "builtin_root",
    "default_package",
    "edition_marks",
    "edition_spec",
    "explicit_packages",
    "load_package",
    "package_for",
    "package_roots",
    "packages",
    "stamp",
    "use_package",
    "user_packages_dir",
    "using_package",
]
