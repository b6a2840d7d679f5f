"""The passport photos of a package: the photo checks (formfill.checks.photo) run on the very bytes read."""

from __future__ import annotations

from pathlib import Path

from formfill.checks.checker import Checker
from formfill.checks.rulesfile import Severity


def check_photos(c: Checker) -> None:
    photos = [a for a in c.attachments if a.kind in c.rules.photo_kinds and a.usable]
    if not photos:
        return
    try:
        from formfill.checks import photo
    except ImportError:
        c.add("photos_not_checked", "warning",
              "the passport photo checks are not available in this installation: the photos were checked "
              "as image files only (size, background and head position not checked)",
              where="attachments")
        return
    import tempfile

    # The photo checks read the very bytes checked above (a private copy), never the path again.
    with tempfile.TemporaryDirectory(prefix="formfill-photos-") as tmp:
        copies: list[str] = []
        for att in photos:
            copy = Path(tmp) / str(att.index) / Path(att.path).name
            copy.parent.mkdir(mode=0o700)
            copy.write_bytes(c.photo_bytes[att.index])
            copies.append(str(copy))
        reports = photo.check_photos(copies)
    by_file = dict(zip(copies, photos, strict=True))
    for att, report in zip(photos, reports, strict=False):
        if not report.readable:
            att.usable = False
        for f in report.findings:
            target = by_file.get(str(f.file)) if f.file else None
            target = target or att
            measured = f" (measured {f.measured}, required {f.required})" if f.measured is not None else ""
            severity: Severity = "error" if f.severity == "error" else "info" if f.severity == "info" else "warning"
            c.add(f"photo_{f.code}", severity, f"{f.message}{measured}",
                  path=target.path, where=f"attachments[{target.index}]", source=photo_source(c))
            if severity == "error":
                target.usable = False


def photo_source(c: Checker) -> str | None:
    """The photo rules' source is the passport-photo requirement's, wherever the rules file puts it."""
    scopes = [c.rules.every_filing, *c.rules.by_application_type.values()]
    return next((r.source for sc in scopes for r in sc.requirements if set(c.rules.photo_kinds) & set(r.any_of)),
                None)
