"""The edition commands' library side: find the blanks and packages, run the pure steps, write the folder."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

from formfill.blanks import load_blank
from formfill.editions.accept import Accepted, accept_folder, read_json
from formfill.editions.check import Finding, lint, model_paths
from formfill.editions.draft import DRAFT_FILE, Draft, make_draft, write_draft
from formfill.editions.items import printed_items
from formfill.editions.review_page import draft_review
from formfill.editions.widgets import widgets
from formfill.errors import FormError, FormfillError
from formfill.fieldmap import all_maps
from formfill.formpackage import SPEC_FILE, FormPackage, load_package, package_for, packages
from formfill.forms import open_blank, scan, search_dirs
from formfill.pdf.blank import BlankForm, read_file
from formfill.pdf.words import page_runs, page_texts
from formfill.review import Review


def _edition_key(edition: str) -> tuple[str, str, str]:
    mm, dd, yy = edition.split("/")
    return (yy, mm, dd)


def source_package(new_blank: BlankForm) -> FormPackage:
    pkg = package_for(new_blank.form) if new_blank.form else None
    if pkg is None:
        known = ", ".join(sorted(packages())) or "none"
        raise FormError(f"{new_blank.source}: no form package for Form {new_blank.form or '(no form number found)'}"
                        f" to draft from (packages: {known})")
    return pkg


def source_edition(form: str, wanted: str | None) -> str:
    """The edition to draft from: --from, else the newest reviewed edition formfill fills."""
    editions = sorted((e for (f, e), m in all_maps().items() if f == form and m.status != "draft"), key=_edition_key)
    if wanted is not None:
        if wanted not in editions:
            raise FormError(f"--from {wanted}: formfill fills no edition {wanted} of Form {form} "
                            f"(it fills {', '.join(editions) or 'none'})")
        return wanted
    if not editions:
        raise FormError(f"formfill fills no edition of Form {form} to draft from")
    return editions[-1]


def source_blank(form: str, edition: str, file_name: str | None = None) -> BlankForm:
    """The stored blank of the edition drafted from (FORMFILL_FORMS_DIR, the forms folder): by its usual file
    name first, else any blank of that edition found there."""
    if file_name:
        for d in search_dirs():
            path = d / file_name
            if path.is_file():
                with contextlib.suppress(FormfillError):
                    blank = open_blank(path)
                    if (blank.form, blank.edition) == (form, edition):
                        return blank
    for _, found in scan(search_dirs()):
        if isinstance(found, BlankForm) and (found.form, found.edition) == (form, edition):
            return found
    raise FormError(f"no blank of Form {form} edition {edition} in the forms folders "
                    f"({', '.join(str(d) for d in search_dirs())}): add it with `formfill forms add`")


def draft(new_blank_path: str | Path, out_dir: str | Path, from_edition: str | None = None) -> Draft:
    """Draft the package of the edition `new_blank_path` is, from the current one, into `out_dir`."""
    new_blank = load_blank(read_file(new_blank_path), str(new_blank_path))
    pkg = source_package(new_blank)
    edition = source_edition(pkg.form, from_edition)
    fmap = all_maps()[pkg.form, edition]
    source_map: dict[str, Any] = json.loads(Path(fmap.path).read_text(encoding="utf-8"))
    stored = pkg.spec.blank_file.format(edition=edition.replace("/", "-"))
    result = make_draft(pkg, source_map, source_blank(pkg.form, edition, stored), new_blank)
    write_draft(result, Path(out_dir), pkg)
    return result


def accept(folder: str | Path) -> Accepted:
    return accept_folder(Path(folder))


def check(folder: str | Path, blank_path: str | Path) -> tuple[FormPackage, dict[str, Any], list[Finding]]:
    """Lint the package in `folder` against the blank: (package, the map checked, findings)."""
    pkg = load_package(Path(folder))
    blank = load_blank(read_file(blank_path), str(blank_path))
    maps = pkg.fill_maps
    path = maps.get(blank.edition) or next(iter(maps.values()), None)
    if path is None:
        raise FormError(f"{pkg.label}/{SPEC_FILE}: the package lists no fill map")
    fmap = read_json(path, "fill map")
    known = model_paths(pkg.model().model_json_schema())
    marker = pkg.spec.identification.barcode_field
    barcodes = [str(v) for n, v in blank.values.items() if marker in n and v]
    items = printed_items(page_runs(blank.data, blank.source))
    findings = lint(fmap, widgets(blank), page_texts(blank.data, blank.source), known, blank.form, blank.edition,
                    barcodes, items)
    return pkg, fmap, findings


def review_page(folder: str | Path, blank_path: str | Path) -> Review:
    """The review page of the draft (or accepted package) in `folder` against its new blank."""
    pkg = load_package(Path(folder))
    draft_doc = read_json(Path(folder) / DRAFT_FILE, "draft.json")
    blank = load_blank(read_file(blank_path), str(blank_path))
    path = pkg.fill_maps.get(blank.edition)
    if path is None:
        raise FormError(f"{blank_path} is edition {blank.edition or '?'}; the package in {folder} fills "
                        f"{', '.join(pkg.fill_maps) or 'no edition'}")
    return draft_review(blank, draft_doc, read_json(path, "fill map"))
