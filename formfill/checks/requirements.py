"""What evidence this request needs and which attachments meet it: the scopes of the rules it touches, the
explanation rule, the expedite request, the fee payment, and the attachments that support nothing."""

from __future__ import annotations

from typing import Literal

from formfill.checks.checker import Checker
from formfill.checks.facts import expedite_of, facts_stated
from formfill.checks.fees import money_words
from formfill.checks.report import RequirementResult
from formfill.checks.rulesfile import BasisScope, ExplanationRule, Scope
from formfill.rules import holds


def scopes(c: Checker) -> list[tuple[str, Scope, bool, ExplanationRule | None]]:
    """(label, scope, required?, the explanation rule that requires it) for every part of the rules this
    request touches."""
    kind, basis, answers = c.request_type, c.basis, c.answers
    out: list[tuple[str, Scope, bool, ExplanationRule | None]] = [("every filing", c.rules.every_filing, True,
                                                                    None)]
    type_scope = c.rules.by_application_type.get(kind)
    if type_scope is not None:
        out.append((f"application type {kind}", type_scope, True, None))
    else:
        c.add("no_rules", "info", f"the rules file has no entry for application type '{kind}'",
              where=answers.request)
    basis_scope: BasisScope | None = None
    if basis is not None:
        basis_scope = c.rules.by_basis.get(basis)
        if basis_scope is not None:
            out.append((f"basis {basis}", basis_scope, True, None))
        else:
            c.add("no_rules", "info", f"the rules file has no entry for basis '{basis}'", where=answers.basis)
    trip = c.trip
    if trip is not None and trip.purpose_category is not None:
        purpose = trip.purpose_category
        purpose_scope = c.rules.by_purpose.get(purpose)
        if purpose_scope is not None and trip.purpose_asked:
            by_basis = basis_scope is not None and basis_scope.purpose_evidence
            via = c.explanation if c.explanation is not None and c.explanation.purpose_evidence else None
            out.append((f"purpose {purpose}", purpose_scope, by_basis or via is not None,
                        None if by_basis else via))
        elif purpose_scope is not None:  # a trip the form does not ask about: its evidence supports it
            out.append((f"purpose {purpose}", purpose_scope, False, None))
    return out


def requirements(c: Checker) -> list[RequirementResult]:
    results: list[RequirementResult] = []
    relevant: set[str] = {str(k) for k in c.rules.always_relevant}
    facts: dict[str, list[str]] = {}  # attachment kind -> the facts of the profile it supports
    for label, scope, needed, via in scopes(c):
        relevant.update(str(k) for k in scope.also_supports)
        for req in scope.requirements:
            if not holds(req.when, c.data):
                continue
            relevant.update(str(k) for k in req.any_of)
            if not needed:
                if label.startswith("purpose "):  # evidence of the trip's purpose, not required here
                    for kind in req.any_of:
                        facts.setdefault(str(kind), []).append("trip_purpose")
                continue
            source, uncertain, severity = req.source, req.uncertain, req.severity
            if via is not None:  # the purpose's evidence, required by the explanation rule
                source = f"{req.source}; {via.source}" if via.source != req.source else req.source
                uncertain = uncertain or via.uncertain
                severity = "warning" if "warning" in (severity, via.severity) else "error"
            results.append(evaluate(c, req.id, req.description, [str(k) for k in req.any_of], req.count,
                                          source, label, uncertain, severity))
    rule = c.explanation
    if rule is not None and rule.statement is not None:
        kinds = [str(k) for k in rule.statement.any_of]
        relevant.update(kinds)
        results.append(evaluate(c, rule.statement.id, rule.statement.description, kinds, 1, rule.source,
                                      rule.label, rule.uncertain, rule.severity))
    expedite = expedite_requirement(c)
    if expedite is not None:
        relevant.update(expedite.any_of)
        results.append(expedite)
    for fact in facts_stated(c.rules.supports, c.data):
        for kind in fact.any_of:
            relevant.add(str(kind))
            facts.setdefault(str(kind), []).append(fact.id)
    fee_req = fee_requirement(c, relevant)
    if fee_req is not None:
        results.append(fee_req)
    for att in c.attachments:
        met = [r.id for r in results if att.kind in r.any_of and att.path in r.satisfied_by]
        att.supports = list(dict.fromkeys([*met, *facts.get(att.kind, [])]))
        att.relevant = att.kind in relevant
        if not att.relevant:
            c.add("unsupported_attachment", "warning",
                  f"this {att.kind} supports nothing this request needs ({c.describe_request()}); "
                  f"check it belongs in this package", path=att.path, where=f"attachments[{att.index}]")
    return results


def expedite_requirement(c: Checker) -> RequirementResult | None:
    """With an expedite request, evidence of its ground (an expedite_evidence attachment, or evidence already
    attached that shows the ground) is required."""
    request, rules = expedite_of(c.data, c.answers), c.rules.expedite
    if request is None:
        return None
    ground = rules.grounds.get(request[0]) if rules is not None else None
    if rules is None or ground is None:
        c.add("expedite_ground_unknown", "warning", f"the rules file says nothing about the expedite ground "
              f"'{request[0]}': its evidence is not checked", where=f"{c.answers.expedite}.ground", uncertain=True)
        return None
    kinds = [str(k) for k in ground.evidence]
    return evaluate(c, "expedite_evidence", f"Evidence of the expedite ground: {ground.description}", kinds, 1,
                          rules.source, "expedite request", rules.uncertain, "error")


def evaluate(c: Checker, rid: str, description: str, kinds: list[str], count: int, source: str, scope: str,
              uncertain: bool, severity: Literal["error", "warning"]) -> RequirementResult:
    matching = [a for a in c.attachments if a.kind in kinds]
    good = list(dict.fromkeys(a.path for a in matching if a.usable))
    unusable = [a.path for a in matching if not a.usable and a.path not in good]
    result = RequirementResult(rid, description, kinds, count, good, len(good) < count, source, scope,
                               uncertain, severity, unusable)
    if result.missing:
        have = f" ({len(good)} of {count} usable)" if count > 1 else ""
        extra = f"; attached but unusable: {', '.join(unusable)}" if unusable else ""
        c.add("missing_evidence", severity,
              f"missing: {description}{have}; attach {' or '.join(kinds)}{extra}",
              where="attachments", requirement=rid, source=source, uncertain=uncertain)
    return result

# fees


def fee_requirement(c: Checker, relevant: set[str]) -> RequirementResult | None:
    fees = c.rules.fees
    req = fees.requirement
    payment = [str(k) for k in req.payment_kinds]
    waiver = [str(k) for k in req.waiver_kinds]
    relevant.update(payment + waiver)
    due = [p for p in c.fee_doc["payments"] if p["amount"] != 0]
    if not due:
        return None
    filing = c.fee_doc["payments"][0]
    unwaivable = [p for p in due if not p["waivable"]]
    kinds = payment + ([] if unwaivable else waiver)
    waivers = [att for att in c.attachments if att.kind in waiver]
    for att in waivers if unwaivable else []:
        if filing in unwaivable:
            c.add("fee_waiver_not_accepted", "error",
                  f"a fee waiver is not available for a {c.request_type}; pay the fee",
                  path=att.path, where=f"attachments[{att.index}]", source=filing["source"])
        for p in unwaivable:
            if p is not filing:
                c.add("fee_waiver_partial", "warning",
                      f"a fee waiver request never covers {p['what']} ({money_words(p['amount'])}): pay it "
                      f"(attach the fee_payment)", path=att.path, where=f"attachments[{att.index}]",
                      source=p["source"])
    if not unwaivable:
        description = req.description
    elif filing in unwaivable:
        description = "The filing fee (Form G-1450 or a check); no fee waiver for this request"
    else:
        names = "; ".join(f"{p['what']} ({money_words(p['amount'])})" for p in unwaivable)
        description = (f"The fee payment (Form G-1450 or a check); an I-912 fee waiver request may cover the "
                       f"filing fee but never {names}")
    source = "; ".join(dict.fromkeys([fees.source, *(p["source"] for p in unwaivable)]))
    return evaluate(c, req.id, description, kinds, 1, source, "fees",
                          any(p["uncertain"] for p in due), "error")
