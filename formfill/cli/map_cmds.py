"""`formfill map draft|accept|check`: a new edition's package, drafted, reviewed and accepted as data."""

from __future__ import annotations

import sys
import time
from collections import Counter

import click

from formfill.cli.common import echo, emit_json, handle_errors, json_option


@click.group("map")
def map_group() -> None:
    """Draft, check and accept the form package of a new edition."""


@map_group.command("draft")
@click.argument("new_blank", type=click.Path(dir_okay=False))
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False),
              help="The folder to write the draft package into (new, or a draft folder to redo).")
@click.option("--from", "from_edition", default=None, help="The edition to start from (default: the newest).")
@json_option
@handle_errors()
def draft_cmd(new_blank: str, out_dir: str, from_edition: str | None, as_json: bool) -> None:
    """Propose the package for NEW_BLANK's edition by aligning its fields with the current edition's."""
    from formfill.editions.draft import proposal_doc
    from formfill.editions.workflow import draft

    started = time.monotonic()
    d = draft(new_blank, out_dir, from_edition)
    if as_json:
        emit_json({"ok": True, "form": d.form, "edition": d.edition, "output": out_dir,
                   "proposals": [proposal_doc(p) for p in d.proposals], "unplaced": d.unplaced})
        return
    counts = Counter(p.status for p in d.proposals)
    echo(f"Drafted Form {d.form} edition {d.edition} from {d.source_edition} into {out_dir} "
         f"in {time.monotonic() - started:.1f} s:")
    echo(f"  matched {counts['matched']}, review {counts['review']}, new {counts['new']}, "
         f"unplaced {len(d.unplaced)}")
    for p in d.proposals:
        if p.status == "review":
            echo(f"  review: {p.field} <- {p.source} ({p.confidence:.2f}; {'; '.join(p.evidence[:2])})")
    for u in d.unplaced:
        echo(f"  unplaced: {u['field']} (loses: {', '.join(u['profile'])})")
    echo(f"Decide each review proposal in {out_dir}/draft.json, then run `formfill map accept {out_dir}`.")


@map_group.command("accept")
@click.argument("folder", type=click.Path(file_okay=False))
@json_option
@handle_errors()
def accept_cmd(folder: str, as_json: bool) -> None:
    """Apply the decisions in FOLDER/draft.json and mark the package reviewed (refused while any remain)."""
    from formfill.editions.workflow import accept

    done = accept(folder)
    if as_json:
        emit_json({"ok": True, "form": done.form, "edition": done.edition, "output": folder,
                   "unfilled": done.unfilled, "unplaced": done.unplaced})
        return
    echo(f"Accepted Form {done.form} edition {done.edition} in {folder}: the package is reviewed.")
    if done.confirmed_from:
        echo(f"  first accepted day {done.confirmed_from} (the edition date, now confirmed by you): if USCIS "
             f"names another day, set accepted_from in {folder}/form.json; set the edition it supersedes' "
             f"accepted_until there once USCIS announces it.")
    for u in done.unplaced:
        echo(f"  unplaced: {u['field']} (loses: {', '.join(u['profile'])})")
    echo(f"Use it with `--map {folder}`, or copy the folder into the per-user packages folder.")
    sys.stdout.flush()


@map_group.command("check")
@click.argument("folder", type=click.Path(file_okay=False))
@click.option("--form", "blank", required=True, type=click.Path(dir_okay=False), help="The blank of the edition.")
@json_option
@handle_errors()
def check_cmd(folder: str, blank: str, as_json: bool) -> None:
    """Lint the package in FOLDER against the blank BLANK (exit 1 when anything is an error)."""
    from formfill.editions.workflow import check

    pkg, fmap, findings = check(folder, blank)
    errors = [f for f in findings if f.severity == "error"]
    if as_json:
        emit_json({"ok": not errors, "form": fmap.get("form"), "edition": fmap.get("edition"), "package": folder,
                   "status": fmap.get("status", "reviewed"), "findings": [f.to_dict() for f in findings]})
    else:
        for f in findings:
            echo(f"{f.severity}: {f.where}: {f.message}")
        warnings = len(findings) - len(errors)
        echo(f"{pkg.label}: Form {fmap.get('form')} edition {fmap.get('edition')} "
             f"({fmap.get('status', 'reviewed')}): {len(errors)} error(s), {warnings} warning(s).")
    if errors:
        sys.exit(1)


@map_group.command("review")
@click.argument("folder", type=click.Path(file_okay=False))
@click.option("--form", "blank", required=True, type=click.Path(dir_okay=False), help="The new edition's blank.")
@click.option("-o", "--output", default=None, help="Where to write the HTML (default: FOLDER/draft-review.html).")
@json_option
@handle_errors()
def review_cmd(folder: str, blank: str, output: str | None, as_json: bool) -> None:
    """Write the review page of the draft in FOLDER: every page of the new blank, each box outlined with its
    proposed profile path and status; the decisions to make, new questions and unplaced boxes listed."""
    from pathlib import Path

    from formfill.editions.workflow import review_page
    from formfill.files import write_atomic

    started = time.monotonic()
    page = review_page(folder, blank)
    target = Path(output) if output else Path(folder) / "draft-review.html"
    write_atomic(target, page.to_html().encode("utf-8"), overwrite=True, what="the review")
    counts = Counter(t.kind for t in page.todos)
    if as_json:
        emit_json({"ok": True, "form": page.form, "edition": page.edition, "output": str(target),
                   "boxes": len(page.boxes), "decide": counts["decide"], "unanswered": counts["unanswered"],
                   "unplaced": counts["unplaced"]})
        return
    echo(f"{target}: {len(page.pages)} pages, {len(page.boxes)} boxes; {counts['decide']} to decide, "
         f"{counts['unanswered']} new question(s), {counts['unplaced']} unplaced "
         f"({time.monotonic() - started:.1f} s)")


COMMANDS = [map_group]
