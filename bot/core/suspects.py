"""Answers that were maybe wrong: a 👎, a "Not what I meant" click, or a score close to the threshold."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from bot.core.grouping import _others, group_texts
from bot.core.i18n import t
from db import repo

MAX_REVIEWS: Final = 5_000
"""Answers to review read per worklist (the newest)."""


CLOSE_MARGIN: Final = 5.0
"""An answer scoring below the answer threshold plus this was a close call."""


@dataclass(frozen=True)
class Suspect:
    """Answers with one entry that may have been wrong, grouped by the question's words."""

    label: str
    entry_id: str
    count: int
    """Answers in the group."""
    not_helpful: int
    """👎 clicks."""
    not_meant: int
    """"Not what I meant" clicks."""
    close: int
    """Answers whose score was below the close-call line."""
    lowest_score: float | None
    examples: list[str] = field(default_factory=list)

    def signals(self, lang: str = "en") -> str:
        """What makes it suspect, e.g. "👎 2, not meant 1, score 86"."""
        parts = []
        if self.not_helpful:
            parts.append(f"👎 {self.not_helpful}")
        if self.not_meant:
            parts.append(t("admin.signal_not_meant", lang, n=self.not_meant))
        if self.close and self.lowest_score is not None:
            parts.append(t("admin.signal_score", lang, score=f"{self.lowest_score:g}"))
        return ", ".join(parts)

    def to_json(self) -> dict[str, Any]:
        """One item in `kb gaps --json` under `maybe_wrong`."""
        return {
            "question": self.label,
            "entry": self.entry_id,
            "count": self.count,
            "not_helpful": self.not_helpful,
            "not_meant": self.not_meant,
            "close_score": self.close,
            "lowest_score": self.lowest_score,
            "examples": self.examples,
        }


def cluster_suspects(reviews: Sequence[repo.AnswerReview], close_below: float) -> list[Suspect]:
    """Answers to review, grouped per entry and question words; most complaints first."""
    by_entry: dict[str, list[repo.AnswerReview]] = {}
    for review in reviews:
        by_entry.setdefault(review.entry_id, []).append(review)
    suspects = []
    for entry_id, items in by_entry.items():
        texts = [r.text.strip() for r in items]
        grouping = group_texts(texts)
        groups = list(grouping.groups)
        grouped = {i for members in groups for i in members}
        # An answered question always named something; keep any without product words alone.
        groups += [[i] for i in range(len(items)) if i not in grouped]
        for members in groups:
            chosen = [items[i] for i in members]
            spellings = Counter(texts[i] for i in members)
            label = grouping.label(texts, members)
            scores = [r.score for r in chosen if r.score is not None]
            suspects.append(
                Suspect(
                    label=label,
                    entry_id=entry_id,
                    count=len(chosen),
                    not_helpful=sum(r.helpful is False for r in chosen),
                    not_meant=sum(r.not_meant for r in chosen),
                    close=sum(r.score is not None and r.score < close_below for r in chosen),
                    lowest_score=min(scores) if scores else None,
                    examples=_others(spellings, label),
                )
            )

    def rank(s: Suspect) -> tuple[int, int, float, str, str]:
        low = s.lowest_score if s.lowest_score is not None else 100.0
        return (-(s.not_helpful + s.not_meant), -s.count, low, s.entry_id, s.label)

    return sorted(suspects, key=rank)
