"""Who signs the I-131 by hand, and where: the boxes to flag before the client signs.

USCIS rejects a filing without the applicant's handwritten signature (8 CFR 103.2(a)(2)), and formfill
never writes a name into a signature box, so every filled form goes out with boxes a person must sign.
Which boxes exist, on which page, when each applies and who signs it (its `who`: alternatives with a condition,
the profile path of the signer's name and the label to show, e.g. a parent signing for a child) is data in the
field map (its "signatures" key, conditions in the rule language), so a new edition is a new map, not new code.
The package check and any review page call `signature_boxes`; `continuation_sheets` counts the extra pages a fill
adds, each of which is signed and dated too.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from formfill import plan as fill_plan
from formfill.errors import FormError
from formfill.fieldmap import FieldMap, matches
from formfill.pdf.blank import BlankForm
from formfill.plan import FillPlan
from formfill.profile_base import ProfileBase
from formfill.rules import Condition, holds, lookup, snapshot_of


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
    signer: str | None = None  # the name of the person who signs, as the profile gives it

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def described(self) -> str:
        """The label with the person who signs: `Applicant's signature (MARIA GARCIA signs)`."""
        return f"{self.label} ({self.signer} signs)" if self.signer else self.label


def person_name(name: Any) -> str | None:
    """`GIVEN MIDDLE FAMILY` from a name object (family/given/middle keys), the way the person signs."""
    if not isinstance(name, dict):
        return None
    parts = [name.get("given"), name.get("middle"), name.get("family")]
    return " ".join(str(p) for p in parts if p) or None


def _who(raw: dict[str, Any], data: dict[str, Any], where: str) -> tuple[str | None, str | None]:
    """(label, signer's name) from a signature entry's `who` alternatives: the first whose `when` holds."""
    for alt in raw.get("who", []):
        if not isinstance(alt, dict) or not isinstance(alt.get("name"), str):
            raise FormError(f"{where}: each 'who' alternative names the profile path of the signer's name ('name')")
        try:
            when = Condition(alt["when"]) if "when" in alt else None
        except ValueError as err:
            raise FormError(f"{where}: 'who' 'when': {err}") from None
        if holds(when, data):
            label = alt.get("label")
            return (str(label) if label else None), person_name(lookup(data, alt["name"]))
    return None, None


def signature_boxes(profile: ProfileBase, fmap: FieldMap, blank: BlankForm | None = None) -> list[SignatureBox]:
    """The signature boxes this profile's form needs signed, in form order.

    The applicant's box always; the interpreter's and preparer's when the profile fills those sections
    (the map's `when`). With a blank, each page number is read from the blank itself and a box the blank
    lacks is refused, so a map that drifted from its edition cannot send someone to the wrong page.
    """
    return boxes_for(snapshot_of(profile), fmap, blank)


def boxes_for(data: dict[str, Any], fmap: FieldMap, blank: BlankForm | None = None) -> list[SignatureBox]:
    """`signature_boxes` for a profile's dump (a plan's `data`)."""
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
        label, signer = _who(raw, data, f"The field map {fmap.path} 'signatures' entry {box.field}")
        box = SignatureBox(box.role, label or box.label, box.field, box.page, box.part, box.item, box.date_field,
                           signer)
        if blank is not None:
            info = blank.fields.get(box.field)
            if info is None:
                raise FormError(f"The field map {fmap.path} names signature box {box.field}, which {blank.source} "
                                "does not have")
            if info.page != box.page:
                box = SignatureBox(box.role, box.label, box.field, info.page, box.part, box.item, box.date_field,
                                   box.signer)
        boxes.append(box)
    return boxes


def continuation_sheets(profile: ProfileBase, blank: BlankForm) -> int:
    """How many continuation sheets a fill of this profile on this blank adds after the overflow part.

    This is the profile's one plan (formfill.plan.of: the one `formfill fill` writes), without writing a PDF.
    It raises the same ProfileError/FitError/FormError a fill would.
    """
    return len(fill_plan.of(profile, blank).pages)


def plan_boxes(made: FillPlan) -> list[SignatureBox]:
    """The signature boxes of a planned fill (its profile dump, map and blank), in form order."""
    return boxes_for(made.data, made.fmap, made.blank)


__all__ = ["SignatureBox", "boxes_for", "continuation_sheets", "person_name", "plan_boxes", "signature_boxes"]
