"""A review drawn as one self-contained HTML page: the form's pages with every box outlined and numbered, the
to-do lists, the package section, one table of boxes per page."""

from __future__ import annotations

import base64
import html
from typing import Any

from formfill.review_data import Box, Page, Rect, ReviewData, Todo

# --- HTML ----------------------------------------------------------------------------------------

_CSS = """
:root { color-scheme: light; }
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Arial, sans-serif; color: #111; background: #fff;
       max-width: 1100px; margin: 0 auto; padding: 12px 16px; }
h1 { font-size: 22px; margin: 8px 0; } h2 { font-size: 18px; margin: 18px 0 8px; } h3 { font-size: 15px; }
.pii { border: 2px solid #b00000; background: #fff1f1; padding: 8px 12px; margin: 8px 0; }
.meta { color: #333; }
.sheet { position: relative; max-width: 920px; margin: 0 auto; border: 1px solid #888; }
.sheet img { display: block; width: 100%; height: auto; }
.box { position: absolute; box-sizing: border-box; border: 1.5px solid #d40000; text-decoration: none; }
.box.check { border-color: #007a1f; }
.box.xref { border-color: #0050c8; border-width: 2px; }
/* A box's number sits beside it, never above it: above a box is the label the reviewer reads. */
.box span { position: absolute; right: 100%; top: 50%; transform: translateY(-50%); margin-right: 1px;
            background: #d40000; color: #fff; font: bold 9px/11px Arial, sans-serif; padding: 0 2px; border-radius: 2px;
            white-space: nowrap; }
.box.check span { background: #007a1f; } .box.xref span { background: #0050c8; }
.sig { position: absolute; box-sizing: border-box; border: 2px dashed #e07000; background: rgba(255, 190, 0, .18); }
.sig span { position: absolute; left: 2px; bottom: 1px; color: #a04000; font: bold 10px Arial, sans-serif; }
table { border-collapse: collapse; width: 100%; font-size: 12.5px; margin: 8px 0 16px; }
th, td { border: 1px solid #b8b8b8; padding: 3px 6px; vertical-align: top; text-align: left; }
th { background: #eee; }
td.n { white-space: nowrap; font-weight: bold; } td.answer { font-family: "Courier New", monospace;
       white-space: pre-wrap; } td.src { font-family: monospace; font-size: 11.5px; color: #333; }
:target { outline: 3px solid #ffb000; }
ul.todo li { margin: 3px 0; } .k { font-weight: bold; }
.ok { color: #007a1f; font-weight: bold; } .bad { color: #b00000; font-weight: bold; }
.photo { display: flex; gap: 12px; align-items: flex-start; margin: 8px 0; }
.photo img { width: 120px; height: auto; border: 1px solid #888; }
@media print {
  @page { size: letter; margin: 0.4in; }
  body { max-width: none; padding: 0; font-size: 10.5px; }
  section.page { break-before: page; }
  figure { break-inside: avoid; margin: 0; }
  .sheet { max-width: 7.1in; border: none; }
  table { font-size: 9.5px; } tr { break-inside: avoid; } thead { display: table-header-group; }
  a { color: inherit; text-decoration: none; }
  .box span, .sig, .pii { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _links(numbers: list[int]) -> str:
    return ", ".join(f'<a href="#b{n}">box {n}</a>' for n in numbers)


def html_page(r: ReviewData) -> str:
    """The review as one self-contained HTML file: images as data: URIs, no scripts, prints from a browser."""
    out: list[str] = [
        "<!DOCTYPE html>",
        "<!-- Contains personal data: a formfill review of one filing. Share it only with people working on it. -->",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="robots" content="noindex">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; "
        "style-src 'unsafe-inline'\">",
        f"<title>{_e(r.title)}</title>", f"<style>{_CSS}</style></head><body>",
        '<div class="pii"><strong>Contains personal data.</strong> '
        + ("SSNs and A-Numbers are masked to their last 4 digits; names, addresses and dates are not. "
           if r.redacted else "SSNs and A-Numbers are shown as printed on the form, so the reviewer can check them. ")
        + "Share it only with people working on this filing.</div>",
        f"<h1>{_e(r.title)}</h1>",
        *([f'<p class="bad"><strong>Warning:</strong> {_e(r.acceptance)}</p>'] if r.acceptance else []),
        f'<p class="meta">Profile: {_e(r.source)}'
        + (f" &middot; reviewed file: {_e(r.filled)} (verified against the profile)" if r.filled else
           " &middot; filled and verified in memory")
        + f" &middot; {len([p for p in r.pages if p.kind == 'form'])} form pages, "
          f"{len([p for p in r.pages if p.kind != 'form'])} continuation sheet(s), {len(r.boxes)} boxes.</p>",
        '<nav><a href="#todo">What still needs a human</a>'
        + (' &middot; <a href="#package">The package</a>' if r.package is not None else "")
        + " &middot; pages: " + " ".join(f'<a href="#p{p.number}">{p.number}</a>' for p in r.pages) + "</nav>",
    ]
    out += _todo_html(r, ("decide", "unplaced", "sign", "sign_sheet", "unanswered", "none"))
    if r.package is not None:
        out += _package_html(r)  # above the long list of skipped items: it is what the paralegal acts on
    out += _todo_html(r, ("skipped", "note"), section=False)
    by_page: dict[int, list[Box]] = {}
    for b in r.boxes:
        by_page.setdefault(b.page, []).append(b)
    sigs = [t for t in r.todos if t.kind == "sign" and t.rect]
    for page in r.pages:
        out += _page_html(page, by_page.get(page.number, []), [t for t in sigs if t.page == page.number])
    out.append("</body></html>")
    return "\n".join(out)


_TODO_HEADS = {"decide": "Decide (an edition draft's proposals a person must accept, point elsewhere or leave "
                         "unfilled)",
               "unplaced": "Old boxes with no home on this edition (their profile values will not print)",
               "sign": "Sign by hand", "sign_sheet": "Continuation sheets to sign and date",
               "unanswered": "Not answered by the profile (confirm it does not apply, or complete the profile)",
               "none": "Answered \u201cnone\u201d by the profile (left blank on the form, as it expects)",
               "skipped": "Skipped as the form's instructions say", "note": "Notes"}


def _todo_html(r: ReviewData, kinds: tuple[str, ...], section: bool = True) -> list[str]:
    """The to-do lists of these kinds; optional "(if any)" items left blank and items answered "none" are one
    line each, so the questions that need an answer stand out."""
    out = ['<section id="todo"><h2>What still needs a human</h2>'] if section else ['<section id="todo-rest">']
    for kind in kinds:
        items = [t for t in r.todos if t.kind == kind]
        if not items and kind not in ("sign", "unanswered"):
            continue
        out.append(f"<h3>{_e(_TODO_HEADS[kind])}</h3><ul class=\"todo\">")
        grouped = [t for t in items if kind == "none" or t.optional]
        for t in (t for t in items if t not in grouped):
            link = f' (<a href="#p{t.page}">page {t.page}</a>)' if t.page else ""
            out.append(f"<li>{_e(t.message)}{link}</li>")
        if grouped:
            what = "none: " if kind == "none" else (
                "optional (\u201cif any\u201d) items left blank; say \u201cnone\u201d in the profile's `none` list "
                "if the person has none: ")
            out.append(f'<li class="grouped">{_e(what)}' + "; ".join(
                f'<a href="#p{t.page}">Part {_e(t.part)}, Item {_e(t.item)}</a> ({_e(t.question or "")})'
                for t in grouped) + "</li>")
        if not items:
            out.append("<li>nothing</li>")
        out.append("</ul>")
    out.append("</section>")
    return out


def _money(amount: Any, currency: str) -> str:
    if amount is None:
        return "amount not in the rules"
    return f"${amount:,}" if currency == "USD" else f"{amount:,} {currency}"


def _package_html(r: ReviewData) -> list[str]:
    p = r.package or {}
    verdict = '<span class="ok">COMPLETE</span>' if p.get("ok") else '<span class="bad">INCOMPLETE</span>'
    out = ['<section id="package"><h2>The package</h2>', f"<p>{verdict}: {_e(p.get('request', {}).get('summary', ''))}"
           f" &middot; rules: {_e(p.get('rules', ''))}</p>",
           "<table><thead><tr><th>Required</th><th>Status</th><th>Satisfied by</th><th>Unusable</th></tr></thead>"
           "<tbody>"]
    for req in p.get("required", []):
        status = '<span class="bad">MISSING</span>' if req["missing"] else '<span class="ok">satisfied</span>'
        if req["missing"] and req.get("severity") != "error":
            status += " (recommended)"
        out.append(f"<tr><td>{_e(req['description'])}{_sourced(req)}</td><td>{status}</td>"
                   f"<td>{_e(', '.join(req['satisfied_by']) or ('attach ' + ' or '.join(req['any_of'])))}</td>"
                   f"<td>{_e(', '.join(req.get('unusable', [])))}</td></tr>")
    out.append("</tbody></table>")
    unusable = [a for a in p.get("attachments", []) if not a.get("usable")]
    if unusable:
        out.append("<h3>Unusable attachments</h3><ul>")
        out += [f"<li>{_e(a['path'])} ({_e(a['kind'])}){': ' + _e(a['detail']) if a.get('detail') else ''}</li>"
                for a in unusable]
        out.append("</ul>")
    out += _index_html(p.get("exhibit_index", []))
    out += _fee_html(p.get("fee", {}), r.form,
                     [f for f in p.get("findings", []) if f.get("code") == "fee_waiver_requested"])
    out += _expedite_html(p)
    if p.get("before_mailing"):
        out.append("<h3>Before mailing</h3><ul>")
        out += [f"<li><span class=\"k\">{_e(f['severity'])}</span>: {_e(f['message'])}{_sourced(f)}</li>"
                for f in p["before_mailing"]]
        out.append("</ul>")
    shown = {f.get("code") for f in p.get("before_mailing", [])} | {"expedite_requested", "expedite_suggested"}
    findings = [f for f in p.get("findings", []) if f.get("severity") in ("error", "warning")
                and not str(f.get("code", "")).startswith("photo_") and f.get("code") not in shown]
    if findings:
        out.append("<h3>Findings</h3><ul>")
        out += [f"<li><span class=\"k\">{_e(f['severity'])}</span>: {_e(f['message'])}{_sourced(f)}</li>"
                for f in findings]
        out.append("</ul>")
    if r.photos:
        out.append("<h3>Passport photos</h3>")
    for ph in r.photos:
        img = (f'<img alt="{_e(ph.path)}" src="data:image/jpeg;base64,{base64.b64encode(ph.thumbnail).decode()}">'
               if ph.thumbnail else "<div>(no preview)</div>")
        verdicts = "".join(f"<li><span class=\"k\">{_e(v['severity'])}</span>: {_e(v['message'])}</li>"
                           for v in ph.verdicts) or "<li>passes the photo checks</li>"
        status = '<span class="ok">usable</span>' if ph.usable else '<span class="bad">unusable</span>'
        out.append(f'<div class="photo">{img}<div><strong>{_e(ph.path)}</strong>: {status}<ul>{verdicts}</ul>'
                   "</div></div>")
    out.append("</section>")
    return out


def _index_html(index: list[dict[str, Any]]) -> list[str]:
    """The stack `formfill package` would print: payment and G-28, the form, each exhibit by letter, the
    items enclosed but not printed."""
    if not index:
        return []
    roles = {"payment": "before the form", "representation": "before the form", "physical": "enclosed, not printed"}
    out = ["<h3>Exhibit index</h3><table><thead><tr><th>Exhibit</th><th>What it is</th><th>Requirement it meets</th>"
           "<th>File</th></tr></thead><tbody>"]
    for e in index:
        label = f"Exhibit {e['letter']}" if e.get("letter") else roles.get(e["role"], e["role"])
        missing = "" if e.get("included") else ' <span class="bad">(unusable: not included)</span>'
        out.append(f"<tr><td>{_e(label)}</td><td>{_e(e['title'])}{missing}</td>"
                   f"<td>{_e(e.get('requirement') or 'supporting evidence')}</td><td>{_e(e['path'])}</td></tr>")
    out.append("</tbody></table>")
    return out


def _sourced(rule: dict[str, Any]) -> str:
    """A requirement's or finding's primary source, flagged when the rules mark it uncertain."""
    flag = " (uncertain: verify)" if rule.get("uncertain") else ""
    return f"<br><small>source: {_e(rule['source'])}{flag}</small>" if rule.get("source") else _e(flag)


def _fee_html(fee: dict[str, Any], form: str, waiver: list[dict[str, Any]] | None = None) -> list[str]:
    """Every payment due with this form on the filing date, what to enclose now and the fees billed later, each
    sourced; with a fee waiver request, what it covers and that the filing goes on paper (no online price)."""
    currency = fee.get("currency", "USD")
    dated = f" (filing date {fee['filing_date']})" if fee.get("filing_date") else ""

    def rows(payments: list[dict[str, Any]]) -> list[str]:
        return [f"<tr><td>{_e(q['what'])}{'<br>' + _e(q['note']) if q.get('note') else ''}</td>"
                f"<td>{_e(_money(q.get('amount'), currency))}</td>"
                f"<td>{'waiver requested' if q.get('waived') else 'yes' if q.get('waivable') else 'no'}</td>"
                f"<td>{_e(q.get('source', ''))}{' (uncertain: verify)' if q.get('uncertain') else ''}</td></tr>"
                for q in payments]

    head = "<table><thead><tr><th>Payment</th><th>Amount</th><th>Waivable</th><th>Source</th></tr></thead><tbody>"
    out = [f"<h3>Fee{_e(dated)}</h3>", head, *rows(fee.get("payments", [])), "</tbody></table>"]
    if fee.get("waiver_requested"):
        covered = "; ".join(f"{q['what']} ({_money(q.get('amount'), currency)})" for q in fee.get("payments", [])
                            if q.get("waived"))
        at_least = "" if fee.get("due_now_complete", True) else "at least "
        due = _e(at_least + _money(fee.get("due_now"), currency))
        out.append(f"<p>Due now, to enclose with this {_e(form)}: {due} "
                   f"(a fee waiver is requested, Form I-912 attached, for: {_e(covered)})</p>")
        out += [f"<p>{_e(f['message'])}{_sourced(f)}</p>" for f in waiver or []]
        if fee.get("later"):
            later = f"<p>Billed later, not paid with the {_e(form)}:</p>"
            out += [later, head, *rows(fee["later"]), "</tbody></table>"]
        if fee.get("notes"):
            out.append("<ul>" + "".join(f"<li>{_e(n)}</li>" for n in fee["notes"]) + "</ul>")
        return out
    at_least = "" if fee.get("total_complete", True) else "at least "
    online = (f"; filed online, the {form} filing fee is {_money(fee['online_amount'], currency)}"
              if fee.get("online_amount") else "")
    out.append(f"<p>Total due with this {_e(form)}: {_e(at_least + _money(fee.get('total'), currency) + online)}</p>")
    if fee.get("later"):
        out += [f"<p>Billed later, not paid with the {_e(form)}:</p>", head, *rows(fee["later"]), "</tbody></table>"]
    if fee.get("notes"):
        out.append("<ul>" + "".join(f"<li>{_e(n)}</li>" for n in fee["notes"]) + "</ul>")
    return out


def _expedite_html(p: dict[str, Any]) -> list[str]:
    """The expedite request the profile makes (its ground, explanation and how it is made), or the suggestion
    to make one."""
    request = p.get("expedite")
    said = [f for f in p.get("findings", []) if f.get("code") in ("expedite_requested", "expedite_suggested")]
    if request is None and not said:
        return []
    out = ["<h3>Expedite request</h3>"]
    if request is not None:
        out.append(f"<p>Ground: {_e(str(request['ground']).replace('_', ' '))}. Explanation: "
                   f"{_e(request['explanation'])}</p>")
    out += [f"<p><span class=\"k\">{_e(f['severity'])}</span>: {_e(f['message'])}{_sourced(f)}</p>" for f in said]
    return out


def _pct(page: Page, rect: Rect) -> str:
    x0, y0, x1, y1 = rect
    return (f"left:{x0 / page.width * 100:.3f}%;top:{(page.height - y1) / page.height * 100:.3f}%;"
            f"width:{(x1 - x0) / page.width * 100:.3f}%;height:{(y1 - y0) / page.height * 100:.3f}%")


def _page_html(page: Page, boxes: list[Box], sigs: list[Todo]) -> list[str]:
    what = "form page" if page.kind == "form" else f"continuation sheet {page.sheet}"
    src = base64.b64encode(page.png).decode()
    out = [f'<section class="page" id="p{page.number}"><h2>Page {page.number} ({what})</h2><figure>',
           f'<div class="sheet"><img alt="page {page.number} of the filled form" width="{page.pixels[0]}" '
           f'height="{page.pixels[1]}" src="data:image/png;base64,{src}">']
    for b in boxes:
        cls = "box check" if b.kind == "check" else "box xref" if b.continues_in or b.continued_from else "box"
        out.append(f'<a class="{cls}" id="b{b.number}" href="#r{b.number}" style="{_pct(page, b.rect)}" '
                   f'title="{b.number}: Part {_e(b.part)} Item {_e(b.item)}"><span>{b.number}</span></a>')
    for t in sigs:
        assert t.rect is not None
        out.append(f'<div class="sig" style="{_pct(page, t.rect)}"><span>SIGN HERE ({_e(t.source)})</span></div>')
    out.append("</div></figure>")
    if boxes:
        out.append("<table><thead><tr><th>#</th><th>Part</th><th>Item</th><th>Question</th><th>Answer as printed</th>"
                   "<th>Profile path</th></tr></thead><tbody>")
        for b in boxes:
            refs = ""
            if b.continues_in:
                refs += f"<br>continues in {_links(b.continues_in)}"
            if b.continued_from:
                refs += f"<br>continued from {_links(b.continued_from)}"
            out.append(f'<tr id="r{b.number}"><td class="n"><a href="#b{b.number}">{b.number}</a></td>'
                       f"<td>{_e(b.part)}</td><td>{_e(b.item)}</td><td>{_e(b.question)}</td>"
                       f'<td class="answer">{_e(b.answer)}{refs}</td><td class="src">{_e(b.source)}</td></tr>')
        out.append("</tbody></table>")
    else:
        out.append("<p>Nothing is written on this page.</p>")
    out.append("</section>")
    return out


__all__ = ["html_page"]
