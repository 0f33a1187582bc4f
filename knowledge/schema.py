"""The entry schema curators write in YAML, as pydantic v2 models."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

LANGS: tuple[str, ...] = ("da", "en")
Lang = Literal["da", "en"]

NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
ENTRY_ID_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
"""Entry, card and folder ids: lowercase letters and digits in dash-separated words."""
EntryId = Annotated[str, StringConstraints(pattern=ENTRY_ID_PATTERN)]
TopicId = Annotated[str, StringConstraints(pattern=r"^[A-Z][0-9]{2}$")]


class Strict(BaseModel):
    """Base: unknown fields are errors, so a typo never silently drops content."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class LocalizedText(Strict):
    """The same text in Danish and English (both required)."""

    da: NonEmpty
    en: NonEmpty

    def get(self, lang: str) -> str:
        """The text in `lang`, Danish for anything else but English."""
        return self.en if lang == "en" else self.da


class Verdict(StrEnum):
    """The short verdict shown first on the answer card."""

    SKIP = "skip"
    THINK_TWICE = "think_twice"
    OK_IF_NEEDED = "ok_if_needed"
    INFO = "info"


class AlternativeKind(StrEnum):
    """Kinds of greener alternative, in the order the bot presents them."""

    USE = "use"
    BORROW = "borrow"
    SECONDHAND = "secondhand"
    REPAIR = "repair"
    NEW = "new"

    @property
    def rank(self) -> int:
        """Position in the ladder use → borrow/second-hand → repair → buy better new."""
        return _RANK[self]


_RANK = {
    AlternativeKind.USE: 0,
    AlternativeKind.BORROW: 1,
    AlternativeKind.SECONDHAND: 1,
    AlternativeKind.REPAIR: 2,
    AlternativeKind.NEW: 3,
}


class Alternative(Strict):
    """One greener alternative, in both languages."""

    kind: AlternativeKind
    da: NonEmpty
    en: NonEmpty

    def get(self, lang: str) -> str:
        """The text in `lang`."""
        return self.en if lang == "en" else self.da


class Source(Strict):
    """A named source for the facts in an entry."""

    publisher: NonEmpty
    title: NonEmpty
    year: int | None = Field(default=None, ge=1900, le=2100)
    url: Annotated[str, StringConstraints(pattern=r"^https?://\S+$")] | None = None


class Aliases(Strict):
    """What people type, per language. Titles are aliases automatically."""

    da: list[NonEmpty] = Field(default_factory=list)
    en: list[NonEmpty] = Field(default_factory=list)

    def all(self) -> list[str]:
        """Danish then English aliases."""
        return [*self.da, *self.en]


SecondhandSite = Literal["dba", "vinted", "trendsales", "reshopper"]


class Secondhand(Strict):
    """Where a second-hand search for this product makes sense, and what to search for."""

    query: NonEmpty
    sites: list[SecondhandSite] = Field(min_length=1)


class Entry(Strict):
    """One curated knowledge-base entry (one YAML file; the file name is its id)."""

    title: LocalizedText
    verdict: Verdict
    summary: LocalizedText = Field(
        description="One line under the verdict: the gist of the advice."
    )
    critique: LocalizedText = Field(description="Why reconsider: 2-4 short sentences with facts.")
    alternatives: list[Alternative] = Field(min_length=2)
    ask_yourself: LocalizedText
    aliases: Aliases
    sources: list[Source] = Field(
        min_length=1, description="Where the facts come from: at least one, info entries too."
    )
    reviewed: dt.date
    related: list[EntryId] = Field(default_factory=list)
    topics: list[TopicId] = Field(default_factory=list)
    secondhand: Secondhand | None = None
    shop: bool = Field(
        default=False,
        description="A shop or chain: when a question also names a product with an entry of its "
        "own ('en airfryer hos Power'), the product's entry answers and this one is offered beside it.",
    )

    @field_validator("alternatives")
    @classmethod
    def _ladder_order(cls, value: list[Alternative]) -> list[Alternative]:
        ranks = [a.kind.rank for a in value]
        if ranks != sorted(ranks):
            raise ValueError(
                "alternatives must go in the order use → borrow/secondhand → repair → new"
            )
        return value


class EntryRecord(BaseModel):
    """A validated entry together with where it lives."""

    model_config = ConfigDict(frozen=True)

    id: str
    category: str
    entry: Entry
    path: str


class Category(Strict):
    """Display names for a category folder (from `_categories.yaml`)."""

    da: NonEmpty
    en: NonEmpty
    emoji: str = ""
    order: int = 100


class Tip(Strict):
    """A general de-influencing tip shown when the bot has no entry (from `_tips.yaml`)."""

    da: NonEmpty
    en: NonEmpty
