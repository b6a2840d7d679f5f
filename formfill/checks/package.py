"""Check a filing package: is every piece of evidence this request needs attached, usable and relevant?

What a request needs lives in the form package's `package-rules.json` (data a firm reviews and may replace
with its own stricter copy through `rules=`), never in branches here: this module only evaluates those rules against
one profile and checks each attached file as a file (exists, readable, what its bytes say it is, PDFs
open, passport photos pass the photo checks). Every finding carries the file path or the profile's JSON
path it is about, so a paralegal can act on it without reading code, and the primary source a lawyer can
look up.

The rules are read for one filing date (the postmark date): fees are dated rows, editions have acceptance
dates, and the intake preflight lists what USCIS rejects a paper filing for (unsigned boxes, the edition,
one payment per form, ...). Eligibility is law, so it lives here in the rules only, never in the profile
model, and a firm's rules file governs it.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from formfill.checks.checker import Checker
from formfill.checks.eligibility import as_notes, eligibility_found, rules_form
from formfill.checks.evidence import MAX_ATTACHMENT_BYTES, check_files, sniff
from formfill.checks.fees import fees
from formfill.checks.intake import eligibility, intake, notes
from formfill.checks.package_photos import check_photos
from formfill.checks.report import INTAKE_CODES, AttachmentResult, Finding, PackageReport, RequirementResult
from formfill.checks.requirements import requirements
from formfill.checks.rulesfile import (
    AssemblyRules,
    Rules,
    builtin_rules_name,
    default_rules_text,
    load_rules,
    parse_rules,
    upgrade_v2,
    upgrade_v3,
)
from formfill.errors import InputError
from formfill.formpackage import package_for
from formfill.forms import open_blank
from formfill.loading import ProfileSource, load_profile
from formfill.pdf.blank import BlankForm
from formfill.profile_base import ProfileBase
from formfill.rules import snapshot, snapshot_of

_ORDER = {"error": 0, "warning": 1, "info": 2}


def check_package(
    profile: ProfileSource,
    *,
    attachments_root: Path | None = None,
    rules: Path | None = None,
    base_dir: Path | None = None,
    today: dt.date | None = None,
    filing_date: dt.date | None = None,
    form: str | os.PathLike[str] | BlankForm | None = None,
    keep_files: bool = False,
) -> PackageReport:
    """Check the filing package a profile describes against the package rules.

    Relative attachment paths are read from the profile file's folder (`base_dir` overrides it, which
    matters for dict profiles, whose folder is the working directory). Fees, the edition and the intake
    rules are those of `filing_date` (the postmark date; default today). With `form` (a blank form),
    the edition is that blank's and the continuation sheets the fill would add are counted. With
    `keep_files` the report keeps the bytes of every file it read (`file_bytes`). An invalid
    profile raises ProfileError; an unreadable profile, rules file or blank raises InputError.
    """
    loaded = load_profile(profile)
    form_of = _this_form(loaded.profile, own_rules=rules is not None)
    rule_set = load_rules(rules, form_of)
    blank = None
    if form is not None:
        blank = form if isinstance(form, BlankForm) else open_blank(Path(form))
    day = today or dt.date.today()
    checker = Checker(loaded.profile, loaded.source, base_dir or loaded.base_dir, rule_set,
                      str(rules) if rules is not None else builtin_rules_name(form_of), attachments_root, day,
                      filing_date or day, blank)
    checker.keep_files = keep_files
    checker.filing_date_given = filing_date is not None
    check_files(checker)
    check_photos(checker)
    fee = fees(checker)
    required = requirements(checker)
    eligibility(checker)
    intake(checker)
    notes(checker)
    findings = sorted(checker.findings, key=lambda f: _ORDER[f.severity])
    return PackageReport(
        ok=not any(f.severity == "error" for f in findings),
        source=loaded.source, profile_id=loaded.profile.id, request=checker.request(),
        required=required, attachments=checker.attachments, findings=findings, fee=fee,
        rules=f"{rule_set.name} [{checker.rules_name}]", filing_date=checker.filing_date.isoformat(),
        edition=checker.edition, signatures=checker.signatures, photo_bytes=checker.photo_bytes,
        file_bytes=checker.file_bytes,
        intake_codes=INTAKE_CODES | {c.id for c in rule_set.intake.checks}
        | {f"{c.id}_overridden" for c in rule_set.intake.checks},
        form=form_of,
    )


def _this_form(profile: ProfileBase, own_rules: bool) -> str:
    """The form whose package rules check this profile: a form without package rules is refused by name."""
    form = rules_form(profile, own_rules)
    if form is None:
        pkg = package_for(str(profile.form))
        where = f" ({pkg.label}/form.json has no `package_rules`)" if pkg is not None else ""
        raise InputError(f"Form {profile.form}'s package ships no package rules{where}: there is nothing to check "
                         f"its filing package against; pass a rules file with --rules")
    return form


def eligibility_notes(profile: ProfileBase, *, rules: Path | None = None,
                      filing_date: dt.date | None = None) -> list[str]:
    """The eligibility problems the package rules find, without opening any file, as notes for a plain fill.

    A plain fill fills regardless (eligibility is counsel's call under the rules file); it says so out loud,
    and `formfill check` / `fill --check-package` refuse.
    """
    day = filing_date or dt.date.today()
    form = rules_form(profile)
    if form is None:
        return []  # a form without package rules: these rules are not its rules
    rule_set = load_rules(rules, form)
    data = snapshot(snapshot_of(profile), on=day)
    return as_notes(eligibility_found(data, rule_set.answers, rule_set.by_basis, rule_set.eligibility, day))


__all__ = ["INTAKE_CODES", "MAX_ATTACHMENT_BYTES", "AssemblyRules", "AttachmentResult", "Finding", "PackageReport",
           "RequirementResult", "Rules", "builtin_rules_name", "check_package", "default_rules_text",
           "eligibility_notes", "load_rules", "parse_rules", "sniff", "upgrade_v2", "upgrade_v3"]
