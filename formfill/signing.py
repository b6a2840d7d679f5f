"""Who signs the I-131 by hand, and where: the boxes to flag before the client signs.

USCIS rejects a filing without the applicant's handwritten signature (8 CFR 103.2(a)(2)), and formfill
never writes a name into a signature box, so every filled form goes out with boxes a person must sign.
Which boxes exist, on which page and when each applies is data in the field map (its "signatures" key,
conditions written like the map's own `when`), so a new edition is a new map, not new code. The package
check and any review page call `signature_boxes`; `continuation_sheets` counts the extra pages a fill adds,
each of which is signed and dated too.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from formfill import layout
from formfill.errors import FormError
from formfill.fieldmap import FieldMap, for_form, matches, resolve
from formfill.pdf.blank import BlankForm
from formfill.profile_base import ProfileBase


@dataclass(frozen=True)
class SignatureBox:
    """One box a person signs by hand: whose it is, what to tell them, and where it is on the form."""

    role: str  # applicant | interpreter | preparer
    label: str
    field: str
    page: int
    part: str
    item: str
    date_field: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def signature_boxes(profile: ProfileBase, fmap: FieldMap, blank: BlankForm | None = None) -> list[SignatureBox]:
    """The signature boxes this profile's form needs signed, in form order.

    The applicant's box always; the interpreter's and preparer's when the profile fills those sections
    (the map's `when`). With a blank, each page number is read from the blank itself and a box the blank
    lacks is refused, so a map that drifted from its edition cannot send someone to the wrong page.
    """
    data = profile.model_dump()
    boxes: list[SignatureBox] = []
    for raw in fmap.signatures:
        try:
            when = tuple(dict(raw.get("when", {})).items())
            box = SignatureBox(role=str(raw["role"]), label=str(raw.get("label") or f"{raw['role']}'s signature"),
                               field=str(raw["field"]), page=int(raw["page"]), part=str(raw["part"]),
                               item=str(raw["item"]), date_field=raw.get("date_field"))
        except (KeyError, TypeError, ValueError) as err:
            raise FormError(f"The field map {fmap.path} has an invalid 'signatures' entry: {err}") from None
        if when and not matches(data, when):
            continue
        if blank is not None:
            info = blank.fields.get(box.field)
            if info is None:
                raise FormError(f"The field map {fmap.path} names signature box {box.field}, which {blank.source} "
                                "does not have")
            if info.page != box.page:
                box = SignatureBox(box.role, box.label, box.field, info.page, box.part, box.item, box.date_field)
        boxes.append(box)
    return boxes


def continuation_sheets(profile: ProfileBase, blank: BlankForm) -> int:
    """How many continuation sheets a fill of this profile on this blank adds after Part 13.

    This is the layout `formfill fill` uses (field map, then layout), without writing a PDF. It raises
    the same ProfileError/FitError/FormError a fill would.
    """
    fmap = for_form(blank)
    data = profile.model_dump()
    the_plan = layout.plan(blank, fmap, resolve(fmap, data, blank), data)
    return len(layout.sheets(the_plan))


__all__ = ["SignatureBox", "continuation_sheets", "signature_boxes"]
