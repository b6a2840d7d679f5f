"""Eligibility and the intake preflight: the rules' checks on the filing date, the edition, who signs where,
the continuation sheets, and the processing notes (validity, expedite)."""

from __future__ import annotations

import re

from formfill.checks.checker import Checker
from formfill.checks.eligibility import Check, Found, checks_found, eligibility_found
from formfill.checks.facts import expedite_of
from formfill.editions.acceptance import REFUSE, acceptance, dates_for
from formfill.errors import FormfillError
from formfill.signing import continuation_sheets, signature_boxes


def report(c: Checker, found: list[Found]) -> None:
    """Add what formfill.checks.eligibility found to the check's findings, in order."""
    for f in found:
        c.add(f.code, f.severity, f.message, where=f.where, source=f.source, uncertain=f.uncertain)


def run_checks(c: Checker, checks: list[Check]) -> None:
    """Each check whose condition holds on the filing date is a finding (formfill.checks.eligibility)."""
    report(c, checks_found(checks, c.data, c.filing_date, c.answers.request))


def eligibility(c: Checker) -> None:
    """The basis's allowed purposes for the trip the form asks about, then the rules' eligibility checks."""
    report(c, eligibility_found(c.data, c.answers, c.rules.by_basis, c.rules.eligibility, c.filing_date))


def intake(c: Checker) -> None:
    """The intake preflight: what USCIS rejects a paper filing for, in the order a paralegal works."""
    rules = c.rules.intake
    run_checks(c, rules.checks)
    if c.edition is not None:
        edition_check(c, c.edition)
    fmap = c.fmap
    if fmap is None:
        c.add("no_field_map", "warning", f"formfill has no field map for Form {c.form} edition "
              f"{c.edition}: the signature boxes and pages cannot be listed", source=rules.signature.source)
        return
    try:
        c.signatures = signature_boxes(c.p, fmap, c.blank)
    except FormfillError as err:
        c.add("signature_boxes_unknown", "warning", f"the signature boxes cannot be listed: {err.message}",
              source=rules.signature.source)
    if c.signatures:
        boxes = "; ".join(f"{b.described} (page {b.page}, Part {b.part} item {b.item})" for b in c.signatures)
        c.add("sign_by_hand", "info",
              f"sign by hand in ink before mailing (a typed name or pasted image is not a signature, and USCIS "
              f"rejects the filing without it; the fee is not refunded): {boxes}",
              source=rules.signature.source, uncertain=rules.signature.uncertain)
    sheets = rules.continuation_sheets
    role = c.answer(c.answers.signer_role)
    who = "the applicant" if role is None or role == c.answers.self_signer else \
        f"the {role.replace('_', ' ')} who signs for the applicant"
    if c.blank is None:
        c.add("sign_continuation_sheets", "info",
              f"if the filled form has continuation sheets after {overflow(c)}, {who} signs and dates each "
              "one (give the blank form to count them)", source=sheets.source, uncertain=sheets.uncertain)
    else:
        try:
            count = continuation_sheets(c.p, c.blank)
        except FormfillError as err:
            c.add("fill_not_planned", "warning", f"the form cannot be laid out to count its continuation "
                  f"sheets: {err.message}", source=sheets.source)
        else:
            if count:
                c.add("sign_continuation_sheets", "info",
                      f"the fill adds {count} continuation sheet{'s' if count != 1 else ''} after "
                      f"{overflow(c)}: {who} signs and dates each one", source=sheets.source,
                      uncertain=sheets.uncertain)
    c.add("file_every_page", "info",
          f"file every page of the form: all {fmap.pages} pages of edition {fmap.edition}, including pages "
          f"without answers", source=rules.every_page.source, uncertain=rules.every_page.uncertain)


def edition_check(c: Checker, edition: str) -> None:
    day = c.filing_date
    form = c.blank.form if c.blank is not None else c.fmap.form if c.fmap is not None else ""
    dates = dates_for(form, edition)  # the form packages' own dates, a newer edition's `supersedes` included
    if dates is not None and (dates.accepted_from or dates.accepted_until):
        found = acceptance(form, edition, dates.accepted_from, dates.accepted_until, day, dates.source,
                           estimated=dates.estimated, today=not c.filing_date_given)
        if found is not None:
            c.add("edition_not_accepted", "error" if found[0] == REFUSE else "warning", found[1],
                  where="edition", source=dates.source, uncertain=dates.estimated)
        return
    row = next((e for e in c.rules.editions if e.edition == edition), None)
    if row is None:
        c.add("edition_unknown", "warning",
              f"the rules do not say when edition {edition} of Form {c.form} is accepted: check "
              f"{publisher_page(c)} before mailing", where="edition", uncertain=True)
        return
    early = row.accepted_from is not None and day < row.accepted_from
    late = row.accepted_until is not None and day > row.accepted_until
    if early or late:
        span = (f"from {row.accepted_from}" if row.accepted_from else "") + (
            f"{' ' if row.accepted_from else ''}until {row.accepted_until}" if row.accepted_until else "")
        c.add("edition_not_accepted", "warning" if row.uncertain else "error",
              f"edition {edition} of Form {c.form} is accepted {span}, not on the filing date {day}: USCIS "
              f"rejects a filing on an edition it does not accept", where="edition", source=row.source,
              uncertain=row.uncertain)


def overflow(c: Checker) -> str:
    """`Part 13`: where the form continues long answers (its package's overflow part)."""
    return f"Part {c.package.spec.overflow.part}" if c.package is not None else "the form's last part"


def publisher_page(c: Checker) -> str:
    """`uscis.gov/i-131`: where the publisher lists the form's editions (its package's spec)."""
    page = c.package.spec.publisher_page if c.package is not None else "uscis.gov"
    return re.sub(r"^https?://(www\.)?", "", page)


def notes(c: Checker) -> None:
    proc = c.rules.processing
    validity = proc.validity.get(c.request_type)
    if validity:
        c.add("validity", "info", f"the document is {validity}", source=proc.source,
              uncertain=proc.uncertain)
    expedite_notes(c)


def expedite_notes(c: Checker) -> None:
    """A departure inside the usual processing time from the filing date, with no expedite requested, is a
    warning naming the grounds; a requested expedite is repeated with how it is made."""
    proc, rules, request = c.rules.processing, c.rules.expedite, expedite_of(c.data, c.answers)
    if request is not None and rules is not None and request[0] in rules.grounds:
        ground, explanation = request
        how = f"; {rules.how}" if rules.how else ""
        source = "; ".join(s for s in (rules.source, rules.how_source) if s)
        c.add("expedite_requested", "info",
              f"expedite requested on the ground: {rules.grounds[ground].description} "
              f"({explanation}){how}", where=c.answers.expedite, source=source, uncertain=rules.uncertain)
    trip = c.trip
    if trip is None:
        return
    if (trip.departure_date - c.today).days < 0:
        c.add("departure_passed", "warning", f"the departure date {trip.departure_date} has passed",
              where=trip.departure_path)
        return
    days = (trip.departure_date - c.filing_date).days
    if request is not None or not 0 <= days < proc.usual_days:
        return
    quick = (f" (an expedite usually takes about {proc.expedited_days} days; sooner than that, ask for an "
             f"emergency appointment at a USCIS field office)" if proc.expedited_days else "")
    words = [g.description for g in rules.grounds.values()] if rules is not None else proc.expedite_grounds
    grounds = "; ".join(words) or "see the USCIS expedite criteria"
    c.add("expedite_suggested", "warning",
          f"departure {trip.departure_date} is {days} days away from the filing date {c.filing_date}, "
          f"sooner than the usual processing time of about {proc.usual_days} days, and no expedite is "
          f"requested: consider an expedite request (give `expedite` with its ground and explanation) or an "
          f"emergency appointment{quick}. Expedite grounds: {grounds}",
          where=trip.departure_path, source=proc.usual_days_source or proc.source, uncertain=proc.uncertain)
