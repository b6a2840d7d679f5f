"""The fees of a filing on its filing date: the form's own fee and the fees added by law, from dated rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from formfill.checks.checker import Checker
from formfill.checks.rulesfile import DatedRow, FeeEntry, FeeRow, RowT
from formfill.rules import age_on, holds, lookup


def fees(c: Checker) -> dict[str, Any]:
    """Every payment due with this form on the filing date, and the fees billed later, from dated rows."""
    fees, day, kind = c.rules.fees, c.filing_date, c.request_type
    doc: dict[str, Any] = {"filing_date": day.isoformat(), "application_type": kind,
                           "currency": fees.currency, "payments": [], "later": []}
    notes = [n.message for n in fees.notes if holds(n.when, c.data)]
    schedule = dated(c, fees.schedules, f"the {c.form} filing fee", strict=True)
    entry = schedule.by_application_type.get(kind) if schedule is not None else None
    filing: dict[str, Any] = {"id": fees.filing_fee_id, "what": f"Form {c.form} filing fee ({words(kind)})",
                              "amount": None, "waivable": True, "source": fees.source, "source_date": None,
                              "uncertain": True}
    if schedule is not None:
        filing.update(source=schedule.source, source_date=schedule.source_date.isoformat(),
                      uncertain=schedule.uncertain or expired(c, schedule),
                      effective_from=schedule.from_.isoformat())
    waiver_kinds = {str(k) for k in fees.requirement.waiver_kinds}
    waiver_attached = any(kind_ in waiver_kinds for kind_, _ in c.attached())
    if entry is not None:
        filing.update(amount=fee_amount(c, entry), waivable=entry.fee_waiver_allowed)
        if entry.online_amount is not None and not (waiver_attached and entry.fee_waiver_allowed):
            filing["what"] += f", on paper ({money_words(entry.online_amount)} if filed online)"
        if entry.note:
            notes.insert(0, entry.note)
        if entry.under_16_amount is not None and date_of_birth(c) is None:
            notes.append(f"{money_words(entry.under_16_amount)} for applicants under 16 (no date of birth in "
                         f"the profile)")
    elif schedule is not None:
        notes.insert(0, "the rules file has no fee for this application type")
    doc["payments"].append(filing)
    for row in additional(c):
        item = {"id": row.id, "what": row.what, "amount": row.amount, "waivable": row.waivable,
                "source": row.source, "source_date": row.source_date.isoformat(),
                "uncertain": row.uncertain or expired(c, row), "effective_from": row.from_.isoformat()}
        if row.note:
            item["note"] = row.note
        if row.due == "with_filing":
            doc["payments"].append(item)
            rejected = row.rejected_without_from is not None and day >= row.rejected_without_from
            when = ("USCIS rejects a filing without it" if rejected else
                    f"USCIS rejects filings without it from {row.rejected_without_from}"
                    if row.rejected_without_from else "it is due with the filing")
            c.add("fee_not_waivable", "info",
                  f"{row.what}: {money_words(row.amount)} is due with this {c.form} and no fee waiver "
                  f"covers it; {when}", where="fee", source=row.source, uncertain=item["uncertain"])
        else:
            doc["later"].append(item)
    known = [p["amount"] for p in doc["payments"] if p["amount"] is not None]
    waiver(c, doc, waiver_attached and bool(filing["waivable"]))
    doc.update(total=sum(known), total_complete=len(known) == len(doc["payments"]), notes=notes,
               # the form's own fee, as the document gave it before dated rows
               amount=filing["amount"], online_amount=entry.online_amount if entry else None,
               fee_waiver_allowed=filing["waivable"], source=filing["source"],
               source_date=filing["source_date"], uncertain=filing["uncertain"])
    c.fee_doc = doc
    return doc


def waiver(c: Checker, doc: dict[str, Any], requested: bool) -> None:
    """A fee waiver request attached for a request that allows one: the fees it covers are requested to be
    waived (nothing to enclose for them), the others stay due now, and the filing goes on paper."""
    rule = c.rules.fees.waiver
    for p in doc["payments"]:
        p["waived"] = requested and bool(p["waivable"])
    due = [p for p in doc["payments"] if not p["waived"]]
    doc.update(waiver_requested=requested,
               due_now=sum(p["amount"] for p in due if p["amount"] is not None),
               due_now_complete=all(p["amount"] is not None for p in due),
               paper_only=requested and (rule is None or rule.paper_only))
    if requested and rule is not None:
        c.add("fee_waiver_requested", "info", rule.message, where="fee", source=rule.source,
              uncertain=rule.uncertain)


def expired(c: Checker, row: DatedRow) -> bool:
    return row.expiring and row.until is not None and c.filing_date > row.until


def dated(c: Checker, rows: Sequence[RowT], what: str, strict: bool) -> RowT | None:
    """The row for the filing date. Past an expiring row with no successor the row still applies, with a
    warning; with `strict` (the filing fee itself) a date no row covers is a warning too, never a default."""
    day = c.filing_date
    for row in rows:
        if row.from_ <= day and (row.until is None or day <= row.until):
            return row
    earlier = sorted((r for r in rows if r.from_ <= day), key=lambda r: r.from_)
    if earlier and earlier[-1].expiring:
        row = earlier[-1]
        c.add("fee_rules_expired", "warning",
              f"the rules' row for {what} is marked as expiring after {row.until}; its amount "
              f"is shown for the filing date {day} but may have changed: verify it against Form G-1055",
              where="fee", source=row.source, uncertain=True)
        return row
    if strict:
        first = min((r.from_ for r in rows), default=None)
        why = (f"before the earliest row ({first})" if first is not None and day < first
               else "in no row of the rules")
        c.add("fee_date_not_covered", "warning",
              f"the filing date {day} is {why} for {what}: the rules give no amount for it; check Form G-1055 "
              f"for that date", where="fee", source=c.rules.fees.source, uncertain=True)
    return None


def additional(c: Checker) -> list[FeeRow]:
    applies = [r for r in c.rules.fees.additional if holds(r.when, c.data)]
    out: list[FeeRow] = []
    for rid in dict.fromkeys(r.id for r in applies):
        same = [r for r in applies if r.id == rid]
        row = dated(c, same, same[0].what, strict=False)
        if row is not None:
            out.append(row)
    return out


def fee_amount(c: Checker, entry: FeeEntry) -> int | None:
    program = c.answer(c.answers.program)
    if program is not None and program in entry.by_program:
        return entry.by_program[program]
    dob = date_of_birth(c)
    if entry.under_16_amount is not None and dob is not None and age_on(dob, c.filing_date) < 16:
        return entry.under_16_amount
    return entry.amount



def date_of_birth(c: Checker) -> dt.date | None:
    found = lookup(c.data, c.answers.date_of_birth) if c.answers.date_of_birth else None
    return found if isinstance(found, dt.date) else None


def words(kind: str) -> str:
    return str(kind).replace("_", " ").replace("re parole", "re-parole").replace("tps", "TPS").replace("lpr", "LPR")


def money_words(amount: int | None) -> str:
    return "an amount not in the rules" if amount is None else f"${amount:,}"
