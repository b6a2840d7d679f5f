"""The state one package check works on: the profile's snapshot, the rules, the filing date, the edition, the
findings; and which field map the filing uses."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from formfill.checks.facts import answer, trip_of
from formfill.checks.report import AttachmentResult, Finding
from formfill.checks.rulesfile import Rules, Severity
from formfill.errors import FormError
from formfill.fieldmap import FieldMap, all_maps, for_form
from formfill.formpackage import package_for
from formfill.pdf.blank import BlankForm
from formfill.profile_base import ProfileBase
from formfill.rules import holds, snapshot, snapshot_of
from formfill.signing import SignatureBox


class Checker:
    """One package check in progress: the profile, the rules, the filing date, and what has been found so far.

    The concerns (evidence, photos, fees, requirements, eligibility and intake) are functions of it in their
    own modules; check_package runs them in order."""

    def __init__(self, profile: ProfileBase, source: str, base_dir: Path, rules: Rules, rules_name: str,
                 attachments_root: Path | None, today: dt.date, filing_date: dt.date, blank: BlankForm | None) -> None:
        self.p, self.source, self.base_dir, self.rules, self.rules_name = profile, source, base_dir, rules, rules_name
        self.root = attachments_root
        self.today, self.filing_date, self.blank = today, filing_date, blank
        self.filing_date_given = True  # False: the filing date is today's by default, and messages say so
        self.form = str(profile.form)
        self.package = package_for(self.form)
        self.fmap = blank_map(blank, self.form) if blank is not None else filing_map(rules, filing_date, self.form)
        self.edition = blank.edition if blank is not None else self.fmap.edition if self.fmap is not None else None
        self.signatures: list[SignatureBox] = []
        self.fee_doc: dict[str, Any] = {}
        # One dump of the profile for every condition, each evaluated once, on the filing date.
        self.data: dict[str, Any] = snapshot(snapshot_of(profile), on=filing_date)
        rule = rules.explanation
        self.explanation = rule if rule is not None and holds(rule.when, self.data) else None
        self.answers = rules.answers
        self.trip = trip_of(self.data, self.answers)
        self.findings: list[Finding] = []
        self.attachments: list[AttachmentResult] = []
        self.photo_bytes: dict[int, bytes] = {}  # attachment index -> the bytes checked (photos only)
        self.keep_files = False
        self.file_bytes: dict[int, bytes] = {}  # with keep_files: every file read, for the package assembly

    def add(self, code: str, severity: Severity, message: str, **kw: Any) -> None:
        self.findings.append(Finding(code, severity, message, **kw))

    def answer(self, path: str | None) -> str | None:
        """The profile's answer at a path the rules name (text), None when it gives none."""
        return answer(self.data, path)

    @property
    def request_type(self) -> str:
        return self.answer(self.answers.request) or ""

    @property
    def basis(self) -> str | None:
        return self.answer(self.answers.basis)

    def attached(self) -> list[tuple[str, str]]:
        """(kind, path) of each attachment the profile lists, in order."""
        if self.answers.attachment_kind is None:
            return []  # the form's profiles list no attachments
        key = self.answers.attachment_kind.rsplit(".", 1)[-1]
        items = self.data.get("attachments") or []
        return [(str(item.get(key)), str(item.get("path"))) for item in items if isinstance(item, dict)]

    def describe_request(self) -> str:
        parts = [self.request_type.replace("_", " ").replace("re parole", "re-parole")]
        if self.basis is not None:
            parts.append(f"basis {self.basis}")
        trip = self.trip
        if trip is not None and trip.purpose_category is not None:
            parts.append(f"purpose {trip.purpose_category}")
        return ", ".join(parts)

    def request(self) -> dict[str, Any]:
        trip = self.trip
        return {
            "application_type": self.request_type, "basis": self.basis or None,
            "purpose_category": trip.purpose_category if trip else None,
            "departure_date": trip.departure_date.isoformat() if trip else None,
            "countries": list(trip.countries) if trip else [],
            "summary": self.describe_request(),
        }


def _edition_date(edition: str) -> dt.date:
    month, day, year = (int(x) for x in edition.split("/"))
    return dt.date(2000 + year, month, day)


def blank_map(blank: BlankForm, form: str) -> FieldMap | None:
    """The blank's field map; None for an edition of `form` formfill cannot fill (its edition is still checked)."""
    try:
        return for_form(blank)
    except FormError:
        if blank.form == form and blank.edition:
            return None
        raise


def filing_map(rules: Rules, day: dt.date, form: str) -> FieldMap | None:
    """The edition of `form` formfill would fill for a filing on `day`: the one the rules accept that day, else
    the newest it has a field map for (the edition check then says it is not accepted)."""
    maps = sorted((m for (number, _), m in all_maps().items() if number == form),
                  key=lambda m: _edition_date(m.edition) if re.fullmatch(r"\d\d/\d\d/\d\d", m.edition)
                  else dt.date.min)
    accepted = {e.edition for e in rules.editions if (e.accepted_from is None or e.accepted_from <= day)
                and (e.accepted_until is None or day <= e.accepted_until)}
    return next((m for m in reversed(maps) if m.edition in accepted), maps[-1] if maps else None)
