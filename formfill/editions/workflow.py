"""The edition commands' library side: find the blanks and packages, run the pure steps, write the folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from formfill.editions.accept import Accepted, accept_folder
from formfill.editions.draft import Draft, make_draft, write_draft
from formfill.errors import FormError
from formfill.fieldmap import all_maps
from formfill.formpackage import FormPackage, package_for, packages
from formfill.forms import scan, search_dirs
from formfill.pdf.blank import BlankForm, load_blank, read_file


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


def source_blank(form: str, edition: str) -> BlankForm:
    """The stored blank of the edition drafted from (FORMFILL_FORMS_DIR, the forms folder)."""
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
    result = make_draft(pkg, source_map, source_blank(pkg.form, edition), new_blank)
    write_draft(result, Path(out_dir), pkg)
    return result


def accept(folder: str | Path) -> Accepted:
    return accept_folder(Path(folder))
