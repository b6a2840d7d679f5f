"""A second, toy form package built by the tests: Form T-1, a two-page pet permit, with everything a package holds.

It proves the seam of issue 18: the engine fills, verifies, reviews, extracts and batches a form it has never
heard of, from data alone. `build(folder)` writes:

- `blanks/t-1_01-01-26.pdf`: a small fillable PDF written object by object (no pypdf private API): text
  fields (one with a MaxLen, one comb), a checkbox group, a stand-alone checkbox, a choice list, a signature
  field, a small multiline box, and on page 2 the overflow part (Part 4) with two blocks; each page carries
  a `TagCode` identification field (`TOY:T-1:01/01/26:<page>`) and a footer (`Toy form T-1, edition 01/01/26`);
- `packages/t-1/`: `form.json` (its own number, edition, overflow part, markers, sheet title and header,
  signature role, person name), the fill map `01-01-26.json` (fields, group, skip rule with a conflict,
  signatures, blank defaults, Part 4 blocks), `rules.json` (a consistency rule in the one rule language) and
  `model.py` (tests/toyform_model.py, a pydantic model on formfill.profile_base).

Point FORMFILL_PACKAGES_DIR at `packages/` and the engine finds it the way it finds the built-in I-131.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.helpers import raw_pdf

FORM = "T-1"
EDITION = "01/01/26"
BLANK_NAME = "t-1_01-01-26.pdf"
MODEL = Path(__file__).with_name("toyform_model.py")

# The markers of the toy's overflow part: unlike any I-131 marker, so a test can tell whose were used.
CONTINUED_IN = "[more in Part 4]"
CONTINUATION = "[more]"
POINTERS = ["[see Part 4]", "[P4]"]
SHEET_TITLE = "Toy Form {form}, Part {part} (more room) - extra sheet {n} of {total}"

SHEET_FOOTER = ("Owner's signature:", "Date signed (mm/dd/yyyy):")

SKIP_MESSAGE = "a new permit has no previous permit number: remove pet.previous_license"
RULE_MESSAGE = "a dog's permit needs its rabies vaccination (Part 2, Item 3)"

FLAG_READ_ONLY = 1
FLAG_MULTILINE = 1 << 12
FLAG_COMB = 1 << 24
FLAG_COMBO = 1 << 17


@dataclass(frozen=True)
class Box:
    """One field of the toy blank: its name, kind, page and rectangle, and what the blank holds."""

    name: str
    kind: str  # text | check | choice | sig
    page: int
    rect: tuple[float, float, float, float]
    flags: int = 0
    max_len: int | None = None
    value: str | None = None
    on: str = "Yes"
    options: tuple[str, ...] = ()


BOXES = (
    Box("P1_Family", "text", 1, (72, 700, 300, 718)),
    Box("P1_Given", "text", 1, (320, 700, 540, 718)),
    Box("P1_Permit", "text", 1, (72, 670, 252, 688), FLAG_COMB, 9),
    Box("P2_PetName", "text", 1, (72, 630, 300, 648), max_len=20),
    Box("P2_Dog", "check", 1, (72, 600, 84, 612), on="Dog"),
    Box("P2_Cat", "check", 1, (120, 600, 132, 612), on="Cat"),
    Box("P2_Bird", "check", 1, (168, 600, 180, 612), on="Bird"),
    Box("P2_Vaccinated", "check", 1, (72, 570, 84, 582)),
    Box("P2_License", "choice", 1, (72, 540, 200, 558), FLAG_COMBO, options=("New", "Renewal")),
    Box("P2_Previous", "text", 1, (220, 540, 400, 558)),
    Box("P2_History", "text", 1, (72, 470, 400, 506), FLAG_MULTILINE),
    Box("TagCode1", "text", 1, (480, 20, 590, 30), FLAG_READ_ONLY, value=f"TOY:{FORM}:{EDITION}:1"),
    Box("P3_Signature", "sig", 2, (72, 700, 300, 718)),
    Box("P3_Date", "text", 2, (320, 700, 420, 718)),
    Box("P4_Family", "text", 2, (72, 660, 180, 678)),
    *(Box(f"P4_B{b}_{key}", "text", 2, (x0, y - 100 * (b - 1), x1, y + 16 - 100 * (b - 1)))
      for b in (1, 2) for key, x0, x1, y in (("Page", 72, 102, 620), ("Part", 110, 140, 620),
                                             ("Item", 150, 180, 620))),
    *(Box(f"P4_B{b}_Text", "text", 2, (72, 572 - 100 * (b - 1), 540, 608 - 100 * (b - 1)), FLAG_MULTILINE)
      for b in (1, 2)),
    Box("TagCode2", "text", 2, (480, 20, 590, 30), FLAG_READ_ONLY, value=f"TOY:{FORM}:{EDITION}:2"),
)

PAGE_TEXT = {  # above the boxes (the printed check finds any text drawn inside a box)
    1: ["Toy Form T-1. Pet Permit", "Part 1. Owner: 1. family name, 2. given name, 3. permit number",
        "Part 2. Pet: 1. name, 2. dog/cat/bird, 3. vaccinated, 4. new or renewal, 5. previous, 6. history"],
    2: ["Part 3. Owner's Signature", "Part 4. Additional Information"],
}
FOOTER = f"Toy form {FORM}, edition {EDITION}"


def _pdf_string(text: str) -> bytes:
    return b"(" + text.encode("latin-1").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _stream(content: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n" % (len(content), extra) + content + b"\nendstream"


def _page_content(page: int) -> bytes:
    lines = [b"BT /F1 10 Tf"]
    for n, text in enumerate(PAGE_TEXT[page]):
        lines.append(b"1 0 0 1 72 %d Tm " % (760 - 14 * n) + _pdf_string(text) + b" Tj")
    lines.append(b"1 0 0 1 72 24 Tm " + _pdf_string(FOOTER) + b" Tj ET")
    return b"\n".join(lines)


def blank_pdf() -> bytes:
    """The toy blank, written object by object with a classic cross-reference table."""
    objects: dict[int, bytes] = {}
    catalog, pages, acro, page1, page2, font, on_ap, off_ap, content1, content2 = range(1, 11)
    first_field = 11
    refs = {box.name: first_field + i for i, box in enumerate(BOXES)}
    objects[catalog] = b"<< /Type /Catalog /Pages %d 0 R /AcroForm %d 0 R >>" % (pages, acro)
    objects[pages] = b"<< /Type /Pages /Kids [%d 0 R %d 0 R] /Count 2 >>" % (page1, page2)
    fields = b" ".join(b"%d 0 R" % refs[b.name] for b in BOXES)
    objects[acro] = (b"<< /Fields [" + fields + b"] /DR << /Font << /Cour %d 0 R >> >> /DA (/Cour 10 Tf 0 g) >>"
                     % font)
    for page, obj, content in ((1, page1, content1), (2, page2, content2)):
        annots = b" ".join(b"%d 0 R" % refs[b.name] for b in BOXES if b.page == page)
        objects[obj] = (b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
                        b"/Resources << /Font << /F1 %d 0 R >> >> /Annots [" % (pages, content, font)
                        + annots + b"] >>")
        objects[content] = _stream(_page_content(page))
    widths = b" ".join([b"600"] * 224)
    objects[font] = (b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding /WinAnsiEncoding "
                     b"/FirstChar 32 /LastChar 255 /Widths [" + widths + b"] >>")
    bbox = b"/Type /XObject /Subtype /Form /BBox [0 0 12 12] "
    objects[on_ap] = _stream(b"0 g 2 2 8 8 re f", bbox)
    objects[off_ap] = _stream(b"", bbox)
    for box in BOXES:
        objects[refs[box.name]] = _field(box, page1 if box.page == 1 else page2, on_ap, off_ap)
    return raw_pdf([objects[n] for n in sorted(objects)])


def _field(box: Box, page: int, on_ap: int, off_ap: int) -> bytes:
    rect = b"[%s]" % b" ".join(b"%g" % v for v in box.rect)
    head = b"<< /Type /Annot /Subtype /Widget /F 4 /T " + _pdf_string(box.name) + b" /Rect " + rect + \
        b" /P %d 0 R " % page
    if box.kind == "check":
        return head + b"/FT /Btn /AS /Off /AP << /N << /%s %d 0 R /Off %d 0 R >> >> >>" % (
            box.on.encode(), on_ap, off_ap)
    if box.kind == "sig":
        return head + b"/FT /Sig >>"
    body = head + b"/DA (/Cour 10 Tf 0 g) /Ff %d " % box.flags
    if box.kind == "choice":
        body += b"/FT /Ch /Opt [" + b" ".join(_pdf_string(o) for o in box.options) + b"] "
    else:
        body += b"/FT /Tx "
    if box.max_len is not None:
        body += b"/MaxLen %d " % box.max_len
    if box.value is not None:  # an identification field: its value is data, its appearance draws nothing
        body += b"/V " + _pdf_string(box.value) + b" /AP << /N %d 0 R >> " % off_ap
    return body + b">>"



# --- the package -----------------------------------------------------------------------------------


def spec() -> dict[str, Any]:
    return {
        "spec_version": 1,
        "form": FORM,
        "title": "Toy Pet Permit",
        "about": "A toy form built by the tests: the proof that a second form needs no engine change.",
        "publisher_page": "http://127.0.0.1:9/t-1",
        "blank_url": "http://127.0.0.1:9/t-1.pdf",
        "blank_file": "t-1_{edition}.pdf",
        "output_suffix": ".t-1.pdf",
        "identification": {"barcode_field": "TagCode", "barcode_value": "TOY:{form}:{edition}:{page}",
                           "footer_text": "Toy form {form}, edition {edition}"},
        "overflow": {
            "part": "4",
            "title": "Additional Information",
            "markers": {"continued_in": CONTINUED_IN, "continuation": CONTINUATION, "pointers": POINTERS},
            "sheet_title": SHEET_TITLE,
            "sheet_header": [{"label": "Owner's family name", "path": "owner.name.family"},
                             {"label": "Permit number", "path": "owner.permit_number", "prefix": "T",
                              "absent": "not yet"}],
            "sheet_footer": list(SHEET_FOOTER),
            "sheet_signer": "owner",
        },
        "editions": [{"edition": EDITION, "fill_map": "01-01-26.json"}],
        "person_name": ["owner.name.family", "owner.name.given"],
        "extract_drops": {"signature_date": "dropped: a renewal is signed anew"},
        "model": "model.py:Profile",
        "rules": "rules.json",
    }


def _text(name: str, page: int, part: str, item: str, path: str, **extra: Any) -> dict[str, Any]:
    return {"field": name, "page": page, "part": part, "item": item, "text": path, **extra}


def fill_map() -> dict[str, Any]:
    kinds = [("P2_Dog", "dog", "Dog"), ("P2_Cat", "cat", "Cat"), ("P2_Bird", "bird", "Bird")]
    return {
        "form": FORM,
        "edition": EDITION,
        "title": "Toy Pet Permit",
        "pages": 2,
        "identify": {"barcode_value_prefix": f"TOY:{FORM}:{EDITION}:", "footer_text": FOOTER},
        "blank_defaults": {"TagCode1": f"TOY:{FORM}:{EDITION}:1", "TagCode2": f"TOY:{FORM}:{EDITION}:2"},
        "signature_fields": ["P3_Signature"],
        "signatures": [{"role": "owner", "label": "Owner's signature", "field": "P3_Signature",
                        "date_field": "P3_Date", "page": 2, "part": "3", "item": "1",
                        "who": [{"name": "owner.name"}]}],
        "unfilled_fields": [],
        "additional_information": {
            "page": 2, "part": "4",
            "blocks": [{"page": f"P4_B{b}_Page", "part": f"P4_B{b}_Part", "item": f"P4_B{b}_Item",
                        "text": f"P4_B{b}_Text"} for b in (1, 2)],
        },
        "overflow_rows": [],
        "ruled_line_pitch": None,
        "skip": [{
            "id": "part2_item5_renewals_only", "part": "2", "items": ["5"], "when": {"pet.license": "New"},
            "instruction": "Renewals only: give the number of the permit you renew", "instruction_page": 1,
            "conflict": {"path": "pet.previous_license", "message": SKIP_MESSAGE},
        }],
        "questions": {"1": {"1": "Owner's family name", "2": "Owner's given name", "3": "Permit number"},
                      "2": {"1": "Pet's name", "2": "Kind of pet", "3": "Vaccinated against rabies",
                            "4": "New permit or renewal", "5": "Previous permit number", "6": "History"},
                      "3": {"2": "Date of signature"}},
        "fields": [
            _text("P1_Family", 1, "1", "1", "owner.name.family"),
            _text("P1_Given", 1, "1", "2", "owner.name.given"),
            _text("P1_Permit", 1, "1", "3", "owner.permit_number"),
            _text("P2_PetName", 1, "2", "1", "pet.name"),
            *({"field": f, "page": 1, "part": "2", "item": "2", "check": {"pet.kind": v}, "group": "pet_kind",
               "option": o} for f, v, o in kinds),
            {"field": "P2_Vaccinated", "page": 1, "part": "2", "item": "3", "check": {"pet.vaccinated": True}},
            {"field": "P2_License", "page": 1, "part": "2", "item": "4", "choice": "pet.license"},
            _text("P2_Previous", 1, "2", "5", "pet.previous_license"),
            _text("P2_History", 1, "2", "6", "pet.history"),
            _text("P3_Date", 2, "3", "2", "signature_date", format="date"),
            _text("P4_Family", 2, "4", "1", "owner.name.family"),
        ],
    }


def rules() -> dict[str, Any]:
    return {
        "schema_version": 1,
        "about": "The toy form's rules between answers, in formfill's one rule language.",
        "rules": [{
            "id": "dogs_are_vaccinated",
            "path": "pet.vaccinated",
            "when": {"pet.kind": "dog"},
            "require": {"pet.vaccinated": True},
            "message": RULE_MESSAGE,
            "source": "Toy Form T-1 (edition 01/01/26), page 1, Part 2 item 3",
        }],
    }


@dataclass(frozen=True)
class Toy:
    """Where `build` put the toy: its packages root (FORMFILL_PACKAGES_DIR), package folder and blank."""

    packages: Path
    package: Path
    blank: Path
    forms: Path


def build(folder: Path) -> Toy:
    """Write the toy package and its blank under `folder`."""
    packages = folder / "packages"
    package = packages / "t-1"
    package.mkdir(parents=True)
    (package / "form.json").write_text(json.dumps(spec(), indent=2), encoding="utf-8")
    (package / "01-01-26.json").write_text(json.dumps(fill_map(), indent=2), encoding="utf-8")
    (package / "rules.json").write_text(json.dumps(rules(), indent=2), encoding="utf-8")
    shutil.copyfile(MODEL, package / "model.py")
    forms = folder / "blanks"
    forms.mkdir()
    blank = forms / BLANK_NAME
    blank.write_bytes(blank_pdf())
    return Toy(packages, package, blank, forms)


def profile(**changes: Any) -> dict[str, Any]:
    """A valid toy profile; `changes` replace top-level sections (`pet={...}`)."""
    data: dict[str, Any] = {
        "schema_version": 1,
        "id": "toy-1",
        "form": FORM,
        "owner": {"name": {"family": "RIVERA", "given": "ANA"}, "permit_number": "PX2045ABC"},
        "pet": {"name": "BISCUIT", "kind": "dog", "vaccinated": True, "license": "Renewal",
                "previous_license": "T-998877", "history": "Adopted in 2024."},
        "signature_date": "2026-12-01",
    }
    data.update(changes)
    return data


LONG_HISTORY = " ".join(
    f"In year {n} the pet lived at address number {n} and was seen by the vet on a sunny day." for n in range(1, 30))


__all__ = ["BLANK_NAME", "EDITION", "FORM", "LONG_HISTORY", "Toy", "blank_pdf", "build", "fill_map", "profile",
           "rules", "spec"]
