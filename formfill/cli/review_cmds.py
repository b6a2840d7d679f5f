"""`formfill review`: one self-contained HTML page that shows every answer on the form itself."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from formfill import api
from formfill.cli.common import echo, emit_json, form_option, handle_errors, json_option, map_option
from formfill.masking import known_identifiers, mask_text
from formfill.profile_base import attachment_paths
from formfill.review import default_output, review


@click.command("review")
@click.argument("source", metavar="PROFILE.json|FILLED.pdf", type=str)
@click.option("--profile", "profile", type=str, default=None,
              help="With a filled PDF: the profile it was filled from (the PDF is verified against it first).")
@form_option
@click.option("-o", "--output", type=str, default=None,
              help="Where to write the HTML ('-' for stdout). Default: <profile file name>.review.html here.")
@click.option("--overwrite", is_flag=True, help="Replace the output file if it exists.")
@click.option("--check-package", is_flag=True, help="Add the package checklist, the fee and the passport photos.")
@click.option("--filing-date", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The date the filing is mailed (YYYY-MM-DD; default today): the edition's acceptance dates, "
                   "and with --check-package the fee.")
@click.option("--attachments-root", type=click.Path(file_okay=False), default=None,
              help="With --check-package: attachments must lie inside this folder.")
@click.option("--redact", is_flag=True, help="Mask SSNs and A-Numbers to their last 4 digits, also on the page images.")
@map_option
@json_option
@handle_errors()
def review_cmd(
    source: str,
    profile: str | None,
    form: str | None,
    output: str | None,
    overwrite: bool,
    check_package: bool,
    filing_date: dt.datetime | None,
    attachments_root: str | None,
    redact: bool,
    as_json: bool,
) -> None:
    """Write a review page for one filing: every page of the filled form with each written box outlined
    and numbered, a table of Part, item, question, answer and profile path, cross-references to the form's
    additional-information part and continuation sheets, and what still needs a human (signatures,
    unanswered items, notes).

    Give a profile (it is filled and verified in memory), or a filled PDF with --profile (it must verify
    against that profile, or nothing is written). With --json the review is printed as data and the HTML
    is written only when -o is given.
    """
    if profile is None and source.lower().endswith(".pdf"):
        raise click.UsageError("a filled PDF needs --profile PROFILE.json (the profile it was filled from)")
    if profile is not None and form is not None:
        raise click.UsageError("--form is for filling a profile; a filled PDF is reviewed as it is")
    if output == "-" and as_json:
        raise click.UsageError("--json and -o - both want stdout; write the HTML to a file instead")
    profile_arg = profile if profile is not None else source
    loaded = api.load_profile(profile_arg)
    target: str | None = output
    if target is None and not as_json:
        target = str(default_output(profile_arg, loaded.profile.id, known_identifiers(loaded.profile.model_dump())))
    inputs = [(profile_arg, f"the profile {profile_arg}"), (source, f"the input {source}")]
    inputs += [(form, f"the blank form {form}")] if form is not None else []
    inputs += [(str(loaded.base_dir / a), f"the attachment {a}") for a in attachment_paths(loaded.profile)]
    if target not in (None, "-"):  # before the work: a refusal costs nothing
        api.guard_output(str(target), inputs, overwrite=overwrite, what="the review")
    result = review(
        loaded,
        filled=source if profile is not None else None,
        form=form,
        check_package=check_package,
        filing_date=filing_date.date() if filing_date else None,
        attachments_root=attachments_root,
        redact=redact,
    )
    if target == "-":
        sys.stdout.write(result.to_html())
        sys.stdout.flush()
    elif target is not None:
        inputs += [(result.blank, f"the blank form {result.blank}")] if result.blank is not None else []
        protected = api.guard_output(target, inputs, overwrite=overwrite, what="the review")
        api.write_atomic(Path(target), result.to_html().encode("utf-8"), overwrite, protected, what="the review")
    if as_json:
        # A plain review shows identifiers as printed, as asked; a redacted one is masked already (its image
        # digests must stay as they are), all but the output's name.
        shown_target = mask_text(target) if redact and target is not None else target
        emit_json({**result.to_dict(), "output": shown_target}, mask=False)
        return
    if target == "-":
        return
    counts = {kind: sum(1 for t in result.todos if t.kind == kind and not t.optional) for kind in
              ("sign", "sign_sheet", "unanswered", "none", "skipped", "note")}
    optional = sum(1 for t in result.todos if t.kind == "unanswered" and t.optional)
    echo(f"{target}: review of {len(result.pages)} pages, {len(result.boxes)} boxes outlined"
         + (" (SSNs and A-Numbers masked)" if redact else "") + "; it contains personal data.")
    echo(f"  to do: {counts['sign']} signature(s), {counts['sign_sheet']} continuation sheet(s) to sign, "
         f"{counts['unanswered']} item(s) not answered, {optional} optional (\"if any\") item(s) left blank, "
         f"{counts['none']} answered none, {counts['skipped']} skipped, {counts['note']} note(s)")
    if result.acceptance is not None:
        echo(f"  warning: {result.acceptance}")
    if result.package is not None:
        echo(f"  package: {'complete' if result.package.get('ok') else 'INCOMPLETE'}")
