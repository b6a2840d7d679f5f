"""`formfill check`: the filing-package checklist a paralegal reads before mailing."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import click

from formfill.checks.package import INTAKE_CODES, Finding, PackageReport, check_package
from formfill.cli.common import default_form, echo, emit_json, handle_errors, json_option, map_option

_MARK = {"error": "ERROR", "warning": "WARNING", "info": "note"}
FEE_CODES = {"fee_not_waivable", "fee_rules_expired", "fee_date_not_covered", "fee_waiver_requested"}
_UNCERTAIN = " (uncertain: verify)"


def _money(amount: int | None, currency: str) -> str:
    if amount is None:
        return "amount not in the rules"
    return f"${amount:,}" if currency == "USD" else f"{amount:,} {currency}"


def _finding(f: Finding) -> list[str]:
    flag = _UNCERTAIN if f.uncertain else ""
    lines = [f"  {_MARK[f.severity]}: {f.where + ': ' if f.where else ''}{f.message}{flag}"]
    if f.source:
        lines.append(f"      source: {f.source}")
    return lines


def _payment(p: dict[str, Any], currency: str) -> list[str]:
    waivable = "; fee waiver requested (nothing to enclose)" if p.get("waived") else "" if p["waivable"] \
        else "; not waivable"
    flag = _UNCERTAIN if p.get("uncertain") else ""
    lines = [f"  {_money(p['amount'], currency):>9}  {p['what']}{waivable}{flag}"]
    if p.get("note"):
        lines.append(f"             {p['note']}")
    lines.append(f"             source: {p['source']}")
    return lines


def render_fee(fee: dict[str, Any], form: str) -> list[str]:
    """The fee block: every payment due with this form (`I-131`) on the filing date, what to enclose now, later fees."""
    currency = fee["currency"]
    lines = [f"Fee (filing date {fee['filing_date']})"]
    for p in fee["payments"]:
        lines += _payment(p, currency)
    unknown = [p["what"] for p in fee["payments"] if p["amount"] is None and not p.get("waived")]
    if fee.get("waiver_requested"):
        waived = [p for p in fee["payments"] if p.get("waived")]
        covered = "; ".join(f"{p['what']} ({_money(p['amount'], currency)})" for p in waived)
        at_least = "at least " if unknown else ""
        lines.append(f"  Due now, to enclose with this {form}: {at_least}{_money(fee['due_now'], currency)} (a fee "
                     f"waiver is requested, Form I-912 attached, for: {covered})")
        return lines + _later_and_notes(fee, form, currency)
    total = _money(fee["total"], currency)
    if unknown:
        lines.append(f"  Total due with this {form}: at least {total} (the rules give no amount for: "
                     f"{'; '.join(unknown)})")
    else:
        lines.append(f"  Total due with this {form}: {total}")
    if fee.get("online_amount"):
        lines.append(f"  Filed online, the {form} filing fee is {_money(fee['online_amount'], currency)}.")
    if all(p["waivable"] for p in fee["payments"]):
        lines.append("  An I-912 fee waiver request is accepted instead of the fee.")
    elif fee["payments"][0]["waivable"]:
        lines.append("  An I-912 fee waiver request may cover the filing fee only; pay the fees marked not waivable.")
    else:
        lines.append("  No fee waiver for this request: the fee must be paid.")
    return lines + _later_and_notes(fee, form, currency)


def _later_and_notes(fee: dict[str, Any], form: str, currency: str) -> list[str]:
    """The fees billed after filing and the fee notes: the same end for a waived and a paid fee block."""
    lines: list[str] = []
    if fee["later"]:
        lines.append(f"  Billed later, not paid with the {form}:")
        for p in fee["later"]:
            lines += _payment(p, currency)
    return lines + [f"  - {n}" for n in fee.get("notes", [])]


def render(report: PackageReport) -> list[str]:
    """The checklist as text lines: required items, files, problems, the intake preflight, fees, notes."""
    req = report.request
    lines = [f"Package check: {report.source}" + (f" ({report.profile_id})" if report.profile_id else ""),
             f"Request: {req['summary']}" + (f"; departure {req['departure_date']} to {', '.join(req['countries'])}"
                                              if req["departure_date"] else ""),
             f"Filing date: {report.filing_date}" + (f"; Form {report.form or default_form()} edition {report.edition}"
                                                     if report.edition else ""),
             f"Rules: {report.rules}", "", "Required evidence"]
    for r in report.required:
        flag = _UNCERTAIN if r.uncertain else ""
        if r.missing:
            optional = " (recommended)" if r.severity != "error" else ""
            need = f"{r.count} x " if r.count > 1 else ""
            lines.append(f"  [MISSING] {r.description}{flag}{optional}: attach {need}{' or '.join(r.any_of)}")
            if r.satisfied_by:
                lines.append(f"            usable so far: {', '.join(r.satisfied_by)}")
            if r.unusable:
                lines.append(f"            attached but unusable: {', '.join(r.unusable)}")
        else:
            lines.append(f"  [ok]      {r.description}{flag}: {', '.join(r.satisfied_by)}")
        lines.append(f"            source: {r.source}")
    if not report.required:
        lines.append("  (nothing: the rules list no evidence for this request)")

    by_entry: dict[str, list[str]] = {}
    for f in report.findings:
        if f.path is not None and f.where is not None:
            by_entry.setdefault(f.where, []).append(f"{_MARK[f.severity]}: {f.message}")
    lines += ["", "Attachments"]
    for a in report.attachments:
        status = "ok" if a.usable and a.relevant else "unusable" if not a.usable else "not needed"
        supports = f" -> {', '.join(a.supports)}" if a.supports else ""
        lines.append(f"  [{status}] {a.path} ({a.kind}){': ' + a.detail if a.detail else ''}{supports}")
        for msg in by_entry.get(f"attachments[{a.index}]", []):
            lines.append(f"      {msg}")
    if not report.attachments:
        lines.append("  (none listed in the profile)")

    general = [f for f in report.findings if f.path is None and f.code != "missing_evidence"]
    intake_codes = report.intake_codes or INTAKE_CODES
    problems = [f for f in general if f.severity != "info" and f.code not in intake_codes | FEE_CODES]
    if problems:
        lines += ["", "Eligibility and purpose"]
        for f in problems:
            lines += _finding(f)

    intake = [f for f in general if f.code in intake_codes]
    if intake:
        lines += ["", "Before mailing (what USCIS rejects a paper filing for)"]
        for f in intake:
            if f.code == "sign_by_hand" and report.signatures:  # the boxes as a checklist, not one long line
                lines.append("  Sign by hand in ink (a typed name or pasted image is not a signature; USCIS rejects "
                             "the filing without it and keeps the fee):")
                lines += [f"  [ ] page {b.page}, Part {b.part} item {b.item}: {b.described}"
                          + (" and the date of signature" if b.date_field else "") for b in report.signatures]
                lines.append(f"      source: {f.source}")
            else:
                lines += _finding(f)

    lines += ["", *render_fee(report.fee, report.form or default_form())]
    for f in (f for f in general if f.code in FEE_CODES):
        lines += _finding(f)

    notes = [f for f in general if f.severity == "info" and f.code not in intake_codes | FEE_CODES]
    if notes:
        lines += ["", "Notes"]
        for f in notes:
            lines.append(f"  - {f.message}{_UNCERTAIN if f.uncertain else ''}")
            if f.source:
                lines.append(f"      source: {f.source}")

    counts = report.counts()
    verdict = "COMPLETE" if report.ok else "INCOMPLETE"
    lines += ["", f"Result: {verdict}: {counts['error']} error(s), {counts['warning']} warning(s)"]
    return lines


def _date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date written YYYY-MM-DD") from None


@click.command()
@click.argument("profile", type=str)
@click.option("--filing-date", callback=_date, default=None, metavar="YYYY-MM-DD",
              help="The postmark (or online submission) date the fees, edition and intake rules apply to "
                   "(default: today).")
@click.option("--form", "form", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The blank form to be filled: checks its edition and counts the continuation sheets "
                   "to sign.")
@click.option("--attachments-root", type=click.Path(file_okay=False, exists=True, path_type=Path), default=None,
              help="Refuse attachments whose real path (symlinks resolved) is outside this folder.")
@click.option("--rules", "rules", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="A firm's own package rules file (same schema as the built-in package-rules.json).")
@map_option
@json_option
@handle_errors()
def check(profile: str, filing_date: dt.date | None, form: Path | None, attachments_root: Path | None,
          rules: Path | None, as_json: bool) -> None:
    """Check the filing package for PROFILE: evidence, files, photos, eligibility, intake preflight, fees.

    Exit 0 when the package is complete, 1 when anything required is missing or invalid, 2 when the
    profile, the rules file or the blank cannot be read.
    """
    report = check_package(profile, attachments_root=attachments_root, rules=rules, filing_date=filing_date,
                           form=form)
    if as_json:
        emit_json(report.to_dict())
    else:
        for line in render(report):
            echo(line)
    if not report.ok:
        sys.exit(1)


COMMANDS = [check]
