"""The profile model of the toy Form T-1 (a pet permit), copied into the toy package as its `model.py`.

It uses only formfill.profile_base, as a firm's own form package would: the engine finds it through the
package spec (`"model": "model.py:Profile"`), never by name.
"""

from __future__ import annotations

from typing import Literal

from pydantic import StrictBool

from formfill.profile_base import IsoDate, NameText, ProfileBase, Strict, Text


class Name(Strict):
    family: NameText
    given: NameText


class Owner(Strict):
    name: Name
    permit_number: Text | None = None  # a comb box of 9 characters


class Pet(Strict):
    name: Text
    kind: Literal["dog", "cat", "bird"]
    vaccinated: StrictBool | None = None
    license: Literal["New", "Renewal"]
    previous_license: Text | None = None
    history: Text | None = None  # a small multiline box: a long history continues in Part 4


class Profile(ProfileBase):
    """One application for the toy Form T-1."""

    form: Literal["T-1"] = "T-1"
    owner: Owner
    pet: Pet
    signature_date: IsoDate | None = None
