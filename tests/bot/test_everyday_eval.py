"""Everyday purchases through the whole pipeline (matcher, entries, category cards, second-hand).

Two sets: tests/data/everyday.tsv (written with the cards) and tests/data/everyday_heldout.tsv
(written without looking at the cards' vocabularies). A question counts as right when its entry
belongs to the expected category card, or the expected category card answers it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.core.advisor import Advisor
from bot.core.knowledge import KnowledgeHolder
from bot.core.settings import load_settings

DATA = Path(__file__).resolve().parents[1] / "data"


@dataclass(frozen=True)
class Row:
    question: str
    category: str
    used: bool


def _rows(name: str) -> list[Row]:
    rows = []
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        rows.append(Row(cols[0], cols[1], cols[-1].strip() == "y"))
    return rows


@pytest.fixture(scope="module")
def advisor() -> Advisor:
    settings = load_settings()
    return Advisor(KnowledgeHolder(settings.knowledge_root, settings.thresholds))


def _category_of(advisor: Advisor, question: str) -> tuple[str | None, bool]:
    answer = advisor.answer(question)
    categories = advisor.holder.snapshot.categories
    if answer.record is not None:
        found = categories.card_for_entry(answer.record.id, answer.record.category)
    elif answer.card is not None:
        found = answer.card.id
    else:
        found = None
    return found, bool(answer.secondhand)


@pytest.mark.parametrize("name", ["everyday.tsv", "everyday_heldout.tsv"])
def test_everyday_purchases_get_category_advice_and_a_search(advisor: Advisor, name: str) -> None:
    rows = _rows(name)
    assert len(rows) >= 100
    right, misses, searchable, searched = 0, [], 0, 0
    for row in rows:
        found, has_search = _category_of(advisor, row.question)
        if found == row.category:
            right += 1
            if row.used:
                searchable += 1
                searched += has_search
        else:
            misses.append(f"{row.question!r}: {found} (want {row.category})")
    share, search_share = right / len(rows), searched / max(searchable, 1)
    print(
        f"\n{name}: right category {right}/{len(rows)} = {share:.1%}; search {searched}/{searchable} = {search_share:.1%}"
    )
    print("\n".join(misses))
    assert share >= 0.90, misses
    assert search_share >= 0.90
