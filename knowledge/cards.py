"""Category cards: general advice for a kind of product, used when no entry matches.

One YAML file per card in `<knowledge dir>/_cards/<id>.yaml` (the entry loader skips `_`-folders).
`load_cards` validates every file like the entry loader does and reports each problem as
`path:line: message`; a card with an error is left out, the others still load.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from pydantic import Field, field_validator

from knowledge.loader import (
    STALE_AFTER_DAYS,
    Problem,
    YamlPath,
    _describe,
    _Problems,
    _read_yaml,
    _validate,
    display_path,
)
from knowledge.schema import (
    ENTRY_ID_PATTERN,
    Alternative,
    LocalizedText,
    NonEmpty,
    SecondhandSite,
    Source,
    Strict,
)
from knowledge.text import FILLER_WORDS, fold

CARDS_DIR = "_cards"
_ID = re.compile(ENTRY_ID_PATTERN)


class Vocabulary(Strict):
    """Generic product words per language ("sovesofa", "tørretumbler"; "freezer", "duvet")."""

    da: list[NonEmpty] = Field(default_factory=list)
    en: list[NonEmpty] = Field(default_factory=list)

    def pairs(self) -> list[tuple[str, str]]:
        """(language, word) pairs, Danish first."""
        return [("da", w) for w in self.da] + [("en", w) for w in self.en]


class CategoryCard(Strict):
    """A general card for one kind of product (one YAML file; the file name is its id)."""

    title: LocalizedText
    emoji: str = ""
    order: int = 100
    summary: LocalizedText = Field(description="One line: the gist for this kind of product.")
    ladder: list[Alternative] = Field(
        min_length=3, description="Use → borrow/second-hand → repair → buy better new, in order."
    )
    check_used: list[LocalizedText] = Field(
        min_length=1, description="What to check when buying this kind of product used."
    )
    labels: list[LocalizedText] = Field(
        default_factory=list, description="Labels and marks that matter for this kind of product."
    )
    sources: list[Source] = Field(min_length=1)
    reviewed: dt.date
    vocabulary: Vocabulary = Field(description="Generic product nouns that mean this category.")
    no_secondhand: Vocabulary = Field(
        default_factory=Vocabulary,
        description="Words of this category for which a second-hand search makes no sense "
        "(hygiene, safety, consumables): they classify, but get no search links.",
    )
    entries: list[NonEmpty] = Field(
        default_factory=list, description="Entry ids whose aliases also mean this category."
    )
    folders: list[NonEmpty] = Field(
        default_factory=list,
        description="Entry folders whose entries all belong to this category.",
    )
    secondhand_sites: list[SecondhandSite] = Field(
        default_factory=list, description="Second-hand sites to search, best first."
    )

    @field_validator("ladder")
    @classmethod
    def _ladder_order(cls, value: list[Alternative]) -> list[Alternative]:
        ranks = [a.kind.rank for a in value]
        if ranks != sorted(ranks):
            raise ValueError("ladder must go in the order use → borrow/secondhand → repair → new")
        return value


@dataclass(frozen=True)
class CardRecord:
    """A validated card together with where it lives."""

    id: str
    card: CategoryCard
    path: str


def word_key(word: str) -> str:
    """The form in which vocabulary is compared: folded, without spaces."""
    return "".join(fold(word).split())


def load_cards(
    root: Path | str,
    *,
    entry_ids: Collection[str] | None = None,
    folders: Collection[str] | None = None,
    today: dt.date | None = None,
) -> tuple[dict[str, CardRecord], list[Problem]]:
    """Load and validate every card in `root/_cards`; the cards that are valid, and all problems.

    With `entry_ids` / `folders` (from the loaded knowledge base), references to entries or
    folders that do not exist are reported as warnings.
    """
    today = today or dt.date.today()
    problems = _Problems()
    cards: dict[str, CardRecord] = {}
    lines_by_id: dict[str, dict[YamlPath, int]] = {}
    folder = Path(root) / CARDS_DIR
    if not folder.is_dir():
        return {}, []
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.is_dir():
            continue
        if path.suffix != ".yaml":
            problems.add(path, 1, "cards are .yaml files (this file is not loaded)", "warning")
            continue
        card_id = path.stem
        if not _ID.fullmatch(card_id):
            problems.add(
                path,
                1,
                f"file name '{path.name}' is not a valid id: use lowercase letters, digits and dashes",
            )
            continue
        parsed = _read_yaml(path, problems)
        if parsed is None:
            continue
        data, lines, _raw = parsed
        if not isinstance(data, dict):
            problems.add(path, 1, f"a card must be a mapping of fields, not {_describe(data)}")
            continue
        card = _validate(CategoryCard, data, lines, path, problems)
        if card is None:
            continue
        cards[card_id] = CardRecord(card_id, card, display_path(path))
        lines_by_id[card_id] = lines
        _card_warnings(card, lines, path, problems, today, entry_ids, folders)
    _vocabulary_clashes(cards, lines_by_id, problems)
    _shared_references(cards, lines_by_id, problems)
    broken = {p.path for p in problems.items if p.severity == "error"}
    valid = {k: r for k, r in cards.items() if r.path not in broken}
    items = sorted(set(problems.items), key=lambda p: (p.path, p.line, p.message))
    return valid, items


def _card_warnings(
    card: CategoryCard,
    lines: dict[YamlPath, int],
    path: Path,
    problems: _Problems,
    today: dt.date,
    entry_ids: Collection[str] | None,
    folders: Collection[str] | None,
) -> None:
    if (today - card.reviewed).days > STALE_AFTER_DAYS:
        problems.add(
            path,
            lines.get(("reviewed",), 1),
            f"reviewed {card.reviewed.isoformat()}, more than 18 months ago: check the facts",
            "warning",
        )
    for i, source in enumerate(card.sources):
        if source.year is None:
            problems.add(
                path,
                lines.get(("sources", i), 1),
                f"source '{source.title}' has no year",
                "warning",
            )
    for field in ("vocabulary", "no_secondhand"):
        words: Vocabulary = getattr(card, field)
        for lang in ("da", "en"):
            for i, word in enumerate(getattr(words, lang)):
                folded = fold(word).split()
                if not folded or all(w in FILLER_WORDS for w in folded):
                    problems.add(
                        path,
                        lines.get((field, lang, i), 1),
                        f"'{word}' is only question filler words and would never match",
                        "warning",
                    )
    if entry_ids is not None:
        for i, entry_id in enumerate(card.entries):
            if entry_id not in entry_ids:
                problems.add(
                    path,
                    lines.get(("entries", i), 1),
                    f"entry '{entry_id}' does not exist",
                    "warning",
                )
    if folders is not None:
        for i, name in enumerate(card.folders):
            if name not in folders:
                problems.add(
                    path,
                    lines.get(("folders", i), 1),
                    f"entry folder '{name}' does not exist",
                    "warning",
                )


def _vocabulary_clashes(
    cards: dict[str, CardRecord], lines_by_id: dict[str, dict[YamlPath, int]], problems: _Problems
) -> None:
    """A word may mean one category only: the same word in two cards would be a coin toss."""
    owner: dict[str, tuple[str, str, int]] = {}
    for card_id, record in cards.items():
        lines = lines_by_id[card_id]
        for field in ("vocabulary", "no_secondhand"):
            words: Vocabulary = getattr(record.card, field)
            for lang in ("da", "en"):
                for i, word in enumerate(getattr(words, lang)):
                    key = word_key(word)
                    if not key:
                        continue
                    line = lines.get((field, lang, i), 1)
                    if key in owner and owner[key][0] != card_id:
                        other, other_path, other_line = owner[key]
                        problems.add(
                            Path(record.path),
                            line,
                            f"'{word}' is also in card '{other}' ({other_path}:{other_line})",
                        )
                    owner.setdefault(key, (card_id, record.path, line))


def _shared_references(
    cards: dict[str, CardRecord], lines_by_id: dict[str, dict[YamlPath, int]], problems: _Problems
) -> None:
    """An entry or folder belongs to one card, so every entry has one category."""
    for field, what in (("entries", "entry"), ("folders", "entry folder")):
        owner: dict[str, tuple[str, str, int]] = {}
        for card_id, record in cards.items():
            for i, ref in enumerate(getattr(record.card, field)):
                line = lines_by_id[card_id].get((field, i), 1)
                if ref in owner and owner[ref][0] != card_id:
                    other, other_path, other_line = owner[ref]
                    problems.add(
                        Path(record.path),
                        line,
                        f"{what} '{ref}' is also listed by card '{other}' "
                        f"({other_path}:{other_line})",
                    )
                else:
                    owner.setdefault(ref, (card_id, record.path, line))
