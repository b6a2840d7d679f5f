"""`formfill check`: the filing-package checklist a paralegal reads before mailing."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from formfill.checks.package import PackageReport, check_package
from formfill.cli.common import emit_json, handle_errors, json_option

_MARK = {"error": "ERROR", "warning": "WARNING", "info": "note"}


def _money(amount: int | None, currency: str) -> str:
    if amount is None:
        return "amount not in the rules"
    return f"${amount:,}" if currency == "USD" else f"{amount:,} {currency}"


def render(report: PackageReport) -> list[str]:
    """The checklist as text lines: required items first, then files, findings, fee and notes."""
    req = report.request
    lines = [f"Package check: {report.source}" + (f" ({report.profile_id})" if report.profile_id else ""),
             f"Request: {req['summary']}" + (f"; departure {req['departure_date']} to {', '.join(req['countries'])}"
                                              if req["departure_date"] else ""),
             f"Rules: {report.rules}", "", "Required evidence"]
    for r in report.required:
        flag = " (uncertain: verify)" if r.uncertain else ""
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
    problems = [f for f in general if f.severity != "info"]
    if problems:
        lines += ["", "Eligibility and purpose"]
        lines += [f"  {_MARK[f.severity]}: {f.where + ': ' if f.where else ''}{f.message}" for f in problems]

    fee = report.fee
    lines += ["", "Fee"]
    amount = _money(fee.get("amount"), fee["currency"])
    online = f", {_money(fee['online_amount'], fee['currency'])} online" if fee.get("online_amount") else ""
    paper = " on paper" if fee.get("online_amount") else ""
    caveat = "; verify against Form G-1055" if fee.get("uncertain") else ""
    lines.append(f"  {amount}{paper}{online} (source: {fee['source_date']}{caveat})")
    if "fee_waiver_allowed" in fee:
        lines.append("  An I-912 fee waiver request is accepted instead of the fee." if fee["fee_waiver_allowed"]
                     else "  No fee waiver for this request: the fee must be paid.")
    lines += [f"  - {n}" for n in fee.get("notes", [])]

    notes = [f for f in general if f.severity == "info"]
    if notes:
        lines += ["", "Notes"] + [f"  - {f.message}" for f in notes]

    counts = report.counts()
    verdict = "COMPLETE" if report.ok else "INCOMPLETE"
    lines += ["", f"Result: {verdict}: {counts['error']} error(s), {counts['warning']} warning(s)"]
    return lines


@click.command()
@click.argument("profile", type=str)
@click.option("--attachments-root", type=click.Path(file_okay=False, exists=True, path_type=Path), default=None,
              help="Refuse attachments whose real path (symlinks resolved) is outside this folder.")
@click.option("--rules", "rules", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="A firm's own package rules file (same schema as the built-in package_rules.json).")
@json_option
@handle_errors()
def check(profile: str, attachments_root: Path | None, rules: Path | None, as_json: bool) -> None:
    """Check the filing package for PROFILE: required evidence, attached files, photos, eligibility, fee.

    Exit 0 when the package is complete, 1 when anything required is missing or invalid, 2 when the
    profile or the rules file cannot be read.
    """
    report = check_package(profile, attachments_root=attachments_root, rules=rules)
    if as_json:
        emit_json(report.to_dict())
    else:
        for line in render(report):
            click.echo(line)
    if not report.ok:
        sys.exit(1)


COMMANDS = [check]
