"""The Python API. The CLI is a thin shell over these functions; pipelines may call them directly.

    import formfill
    result = formfill.fill("client.json", form="i-131.pdf", output="client-i131.pdf")
    result.verification.ok   # True: every value was read back from the written file

Every fill is verified before it is delivered: a PDF that does not read back as planned is never
written to its destination.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from formfill import layout, loading
from formfill import plan as fill_plan
from formfill.blanks import expectations, identification_fields, load_blank
from formfill.editions.acceptance import REFUSE, acceptance, dates_for
from formfill.errors import (
    FormfillError,
    OutputExistsError,
    PackageError,
    Problem,
    ProfileError,
    UnsafeOutputError,
    VerificationError,
)
from formfill.fieldmap import FieldMap
from formfill.files import PART_SUFFIX, Identity, check_output, identities, read_bounded, write_atomic
from formfill.forms import find_blank, kept_files, open_blank
from formfill.layout import Plan
from formfill.loading import ProfileSource, load_profile
from formfill.pdf.blank import MAX_BLANK_BYTES, BlankForm
from formfill.pdf.verify import Verification, verify_bytes
from formfill.pdf.writer import fill_bytes, sheet_content
from formfill.plan import FillPlan
from formfill.profile_base import ProfileBase, attachment_paths


@dataclass
class FillResult:
    """What a fill produced. `data` is the verified PDF; `output` where it was written, if anywhere."""

    profile_id: str | None
    source: str
    form: str
    edition: str
    blank: str
    data: bytes
    verification: Verification
    output: Path | None = None
    values_written: int = 0
    part13_entries: int = 0
    continuation_sheets: int = 0
    notes: list[str] = field(default_factory=list)
    plan: FillPlan | None = field(default=None, repr=False, compare=False)  # what was written (formfill.plan)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.verification.ok,
            "id": self.profile_id,
            "input": self.source,
            "output": str(self.output) if self.output else None,
            "form": self.form,
            "edition": self.edition,
            "blank": self.blank,
            "values_written": self.values_written,
            "part13_entries": self.part13_entries,
            "continuation_sheets": self.continuation_sheets,
            "bytes": len(self.data),
            "verification": self.verification.to_dict(),
            "notes": self.notes,
        }


def validate(source: ProfileSource) -> list[Problem]:
    """Every problem with a profile (empty when it is valid). Unreadable files raise InputError."""
    try:
        load_profile(source)
    except ProfileError as err:
        return err.problems
    return []


def prepare(profile: ProfileBase, blank: BlankForm) -> tuple[FieldMap, Plan]:
    """Map a profile onto a blank and lay out every value (no I/O): the field map and the layout a fill writes
    (the profile's one plan, formfill.plan.of)."""
    made = fill_plan.of(profile, blank)
    return made.fmap, made.layout


def render(blank: BlankForm, the_plan: Plan) -> tuple[bytes, list[list[str]]]:
    """The filled PDF bytes for a plan, and the text of its continuation sheets."""
    pages = layout.sheets(the_plan)
    data = fill_bytes(blank, the_plan.field_values(),
                      [sheet_content(body, header, the_plan.footer) for header, body in pages])
    return data, [header + body for header, body in pages]


def read_back(
    data: bytes, fmap: FieldMap, the_plan: Plan, blank: BlankForm, sheets: list[list[str]], printed: bool = False
) -> Verification:
    """Read a written file back: fields and sheets with pdfplumber, and with pdfium what prints."""
    values = the_plan.field_values()
    result = verify_bytes(data, values, expectations(fmap), sheets, fmap.pages, blank)
    if printed:
        from formfill.pdf.printed import verify_printed

        result = verify_printed(data, blank, values, result, skip=identification_fields(fmap, blank))
    return result


def fill(
    profile: ProfileSource,
    form: str | os.PathLike[str] | BlankForm | None = None,
    output: str | os.PathLike[str] | None = None,
    overwrite: bool = False,
    *,
    printed: bool = False,
    flatten: bool = False,
    check_package: bool = False,
    attachments_root: str | os.PathLike[str] | None = None,
    protect: Mapping[Identity, str] | None = None,
    filing_date: dt.date | None = None,
) -> FillResult:
    """Fill the form a profile names, verify it by reading it back, and write it if `output` is given.

    `printed` also renders the pages with pdfium and checks every value is visible inside its box;
    `flatten` delivers a non-editable copy (the editable fill is verified first); `check_package`
    refuses to fill when the package check (formfill.checks.package) finds anything required missing,
    for `filing_date` (the postmark date; default today) and this blank's edition.
    The output is never one of the inputs (the profile file, the blank, an attachment, or a file in
    `protect`, see `identities`), a file formfill keeps (`guard_output`) nor anything but a regular file,
    even with `overwrite` (UnsafeOutputError, exit code 2).
    """
    loaded = load_profile(profile)
    # A named blank is opened first so the package check judges its edition; the default one is only looked
    # for (perhaps downloaded) once the package passes.
    blank = None if form is None else form if isinstance(form, BlankForm) else open_blank(find_blank(Path(form)))
    if check_package:
        from formfill.checks.package import check_package as run_check

        root = Path(attachments_root) if attachments_root is not None else None
        report = run_check(loaded.profile, base_dir=loaded.base_dir, attachments_root=root, form=blank,
                           filing_date=filing_date)
        if not report.ok:
            raise PackageError(f"{loaded.source}: the filing package is not complete; nothing was filled",
                               report.problems())
    if blank is None:
        blank = open_blank(find_blank(None, form_number=str(loaded.profile.form)))
    out_path = Path(output) if output is not None and str(output) != "-" else None
    protected: dict[Identity, str] = {}
    if out_path is not None:
        protected = guard_output(out_path, _input_files(profile, loaded, blank), overwrite=overwrite, what="the PDF",
                                 also=protect)
    accepted = edition_notes(blank, filing_date)
    made = fill_plan.of(loaded.profile, blank)  # the package check above counted its sheets on this same plan
    fmap, the_plan = made.fmap, made.layout
    data, sheets = render(blank, the_plan)
    verification = read_back(data, fmap, the_plan, blank, sheets, printed)
    if not verification.ok:
        raise VerificationError(
            f"{loaded.source}: the written form does not read back as planned; nothing was saved", verification.problems
        )
    result = FillResult(
        profile_id=loaded.profile.id,
        source=loaded.source,
        form=blank.form,
        edition=blank.edition,
        blank=blank.source,
        data=data,
        verification=verification,
        values_written=len(the_plan.placed),
        part13_entries=len(the_plan.continued),
        continuation_sheets=len(sheets),
        plan=made,
        notes=list(blank.notes) + accepted + list(loaded.notes)
              + [str(n) for n in made.notes]
              + ([] if check_package else _eligibility_notes(loaded.profile)),
    )
    if flatten:
        from formfill.pdf.printed import flatten as flatten_pdf
        from formfill.pdf.printed import printed_problems

        flat = flatten_pdf(data)
        problems = printed_problems(flat, blank, the_plan.field_values(), identification_fields(fmap, blank))
        if problems:
            raise VerificationError(
                f"{loaded.source}: the flattened copy does not print every value; nothing was saved", problems
            )
        result.data = flat
    result.notes.extend(the_plan.notes)  # what the layout shortened (Part 13's header)
    if out_path is not None:
        write_atomic(out_path, result.data, overwrite, protected, what="the PDF")
        result.output = out_path
    return result


@dataclass
class PackageResult:
    """What `package` wrote: the folder, its manifest (package.json) and the package check behind it."""

    output: Path
    manifest: dict[str, Any]
    ok: bool
    draft: bool

    def to_dict(self) -> dict[str, Any]:
        return {**self.manifest, "output": str(self.output)}


def package(
    profile: ProfileSource,
    output: str | os.PathLike[str],
    form: str | os.PathLike[str] | BlankForm | None = None,
    *,
    filing_date: dt.date | None = None,
    letterhead: str | os.PathLike[str] | None = None,
    draft: bool = False,
    overwrite: bool = False,
    attachments_root: str | os.PathLike[str] | None = None,
    rules: str | os.PathLike[str] | None = None,
    flatten: bool = False,
) -> PackageResult:
    """Assemble what is mailed for one profile into the folder `output`: cover-letter.docx, cover-letter.pdf,
    package.pdf (letter, payment and G-28, the filled and verified form, each exhibit behind its tab page) and
    package.json (the manifest).

    The package check runs first: when it finds errors nothing is written (PackageError, exit 1) unless
    `draft`, which stamps every page "DRAFT - NOT FOR FILING" and leaves unusable files out. Evidence is
    untrusted (formfill.pdf.assemble): a file that cannot go in is an EvidenceError naming it, and nothing is
    written. The folder is written all at once (formfill.files.write_folder_atomic). The form goes in as the
    verified fill (its boxes print formfill's own appearances); `flatten` puts in the flattened copy instead,
    checked as `fill --flatten` checks it (slower: every page is rendered).
    """
    from formfill.assembly.build import FILES, FilledForm, assemble
    from formfill.assembly.letter import read_template
    from formfill.checks.package import check_package, load_rules
    from formfill.files import write_folder_atomic

    loaded = load_profile(profile)
    out = Path(output)
    template = read_template(letterhead) if letterhead is not None else None
    blank = form if isinstance(form, BlankForm) else open_blank(
        find_blank(Path(form) if form is not None else None, form_number=str(loaded.profile.form)))
    root = Path(attachments_root) if attachments_root is not None else None
    rules_path = Path(rules) if rules is not None else None
    day = filing_date or dt.date.today()
    report = check_package(loaded, base_dir=loaded.base_dir, attachments_root=root, form=blank, filing_date=day,
                           rules=rules_path, keep_files=True)
    if not report.ok and not draft:
        raise PackageError(f"{loaded.source}: the filing package is not complete; nothing was written "
                           "(--draft assembles a stamped draft)", report.problems())
    _refuse_inputs_inside(out, _input_files(profile, loaded, blank)
                          + ([(os.fspath(letterhead), "the letterhead")] if letterhead is not None else []))
    filled = fill(loaded, form=blank, flatten=flatten, filing_date=day)
    pages = blank.page_count + filled.continuation_sheets
    built = assemble(loaded.profile, report, load_rules(rules_path), FilledForm(blank.form, blank.edition,
                     filled.data, pages, filled.continuation_sheets), day=day, draft=draft, template=template)
    write_folder_atomic(out, built.files, FILES, overwrite=overwrite, what="the package folder")
    return PackageResult(out, built.manifest, report.ok, draft)


def _refuse_inputs_inside(folder: Path, inputs: Iterable[tuple[str, str]]) -> None:
    """The package folder never holds an input: replacing it would remove the profile or the evidence."""
    try:
        target = folder.resolve()
    except (OSError, RuntimeError, ValueError):
        return
    for path, what in inputs:
        try:
            real = Path(path).resolve()
        except (OSError, RuntimeError, ValueError):
            continue
        if real == target or real.is_relative_to(target):
            raise UnsafeOutputError(f"cannot write the package folder {folder}: it holds {what}; choose another "
                                    "folder")


def edition_acceptance(form: str, edition: str, filing_date: dt.date | None) -> tuple[str, str] | None:
    """(severity, message) when the packages' acceptance dates for this edition exclude the filing date (default
    today, and the message says so), else None: what fill refuses or warns about, and review shows."""
    dates = dates_for(form, edition)
    if dates is None:
        return None
    return acceptance(form, edition, dates.accepted_from, dates.accepted_until, filing_date or dt.date.today(),
                      dates.source, estimated=dates.estimated, today=filing_date is None)


def edition_notes(blank: BlankForm, filing_date: dt.date | None) -> list[str]:
    """The packages' acceptance dates for this edition on the filing date: a warning note, or a refusal."""
    found = edition_acceptance(blank.form, blank.edition, filing_date)
    if found is None:
        return []
    severity, message = found
    if severity == REFUSE:
        raise PackageError(f"{blank.source}: {message}; nothing was filled", [Problem("edition", message)])
    return [message]


def _eligibility_notes(profile: ProfileBase) -> list[str]:
    """A plain fill does not refuse for eligibility (the package rules govern it) but says what they find."""
    try:
        from formfill.checks.eligibility import notes
    except ImportError:  # an installation without the package checks
        return []
    found = notes(profile)  # only the part of the rules eligibility reads: the whole package check costs more
    if found is None:  # a rules file only the whole reading takes (an older version) or can say what is wrong with
        from formfill.checks.package import eligibility_notes

        found = eligibility_notes(profile)
    return found


def verify(
    pdf: str | os.PathLike[str] | bytes, profile: ProfileSource, *, printed: bool = False, name: str | None = None
) -> Verification:
    """Check any filled form against a profile, exactly as every fill checks itself (`name`: what to call
    `pdf` given as bytes in a message)."""
    return verify_planned(pdf, profile, printed=printed, name=name)[0]


def verify_planned(
    pdf: str | os.PathLike[str] | bytes, profile: ProfileSource, *, printed: bool = False, name: str | None = None
) -> tuple[Verification, FillPlan]:
    """`verify`, and the plan it checked the file against (its `blank` is the filled file, opened once): a
    caller that goes on to show the file (review) reads that plan instead of planning again."""
    if isinstance(pdf, bytes):
        data, name = pdf, name or "<bytes>"
    else:
        name = str(pdf)
        data = read_bounded(pdf, MAX_BLANK_BYTES)  # a regular file only; load_blank refuses anything larger
    loaded = load_profile(profile)
    filled = load_blank(data, name, use_cache=False, pristine=False)  # a client's file: not a blank, not cached
    made = fill_plan.of(loaded.profile, filled)
    # Everything not planned must read as the pristine blank's defaults (from the field map).
    values = made.layout.field_values()
    result = verify_bytes(data, values, expectations(made.fmap), made.sheets, made.fmap.pages, source=name)
    if printed:
        from formfill.pdf.printed import verify_printed

        result = verify_printed(data, filled, values, result, skip=identification_fields(made.fmap, filled))
    return result, made


def _input_files(source: ProfileSource, loaded: loading.LoadedProfile, blank: BlankForm) -> list[tuple[str, str]]:
    """The files a fill reads, which its output must never replace: profile, blank and attachments."""
    files = [(blank.source, f"the blank form {blank.source}")]
    if isinstance(source, str | os.PathLike) and str(source) != "-":
        files.append((os.fspath(source), f"the profile {os.fspath(source)}"))
    elif isinstance(source, loading.LoadedProfile) and not source.source.startswith("<"):
        files.append((source.source, f"the profile {source.source}"))
    files += [(str(loaded.base_dir / a), f"the attachment {a}") for a in attachment_paths(loaded.profile)]
    return files


def guard_output(
    path: str | os.PathLike[str],
    inputs: Iterable[tuple[str | os.PathLike[str], str]] = (),
    *,
    overwrite: bool,
    what: str = "the output",
    also: Mapping[Identity, str] | None = None,
    hint: str = "",
) -> dict[Identity, str]:
    """The one check every command makes before it writes `path`; returns what `write_atomic` must protect.

    Refused (UnsafeOutputError, exit 2, naming the path), even with `overwrite`: anything but a regular
    file (a folder, /dev/null, a FIFO), the command's `inputs` and the files in `also`, and every file
    formfill keeps (formfill.forms.kept_files: the stored blanks of every forms folder, the cache entries,
    the field maps, the rules files). Files are compared by device and inode, so a symlink or a hard link
    to one of them is refused too. An existing file without `overwrite` is an OutputExistsError.
    """
    out = Path(path)
    protected = {**identities([*inputs, *kept_files()]), **(also or {})}
    check_output(out, protected, what=what, hint=hint)
    if not overwrite and os.path.lexists(out):
        raise OutputExistsError(f"{out} already exists; pass --overwrite to replace it")
    return protected


__all__ = [
    "PART_SUFFIX",
    "FillResult",
    "FormfillError",
    "Identity",
    "PackageResult",
    "UnsafeOutputError",
    "check_output",
    "fill",
    "guard_output",
    "identities",
    "load_profile",
    "package",
    "validate",
    "verify",
    "write_atomic",
]
