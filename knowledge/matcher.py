"""Match a shopper's question to the best knowledge-base entry (pure; rapidfuzz scoring)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA

from knowledge.loader import KnowledgeBase, alias_key, alias_text, entry_aliases, is_strict
from knowledge.text import (
    FILLER_WORDS,
    detect_language,
    has_content,
    smalltalk_intent,
    tokens,
)

WEAK_WORDS = frozenset({"it", "on"})

Kind = Literal["answer", "suggestions", "fallback", "smalltalk", "empty"]


@dataclass(frozen=True)
class Thresholds:
    """Named scores (0-100) that decide the kind of result; tuned on tests/data/questions."""

    answer: float = 85.0
    """A best score at or above this is a confident answer."""
    suggest: float = 72.0
    """Scores between `suggest` and `answer` are offered as "did you mean"."""
    ambiguity_margin: float = 3.0
    """An answer-level score this close to a different entry's score (on the same words) is ambiguous."""
    max_candidates: int = 3


@dataclass(frozen=True)
class Candidate:
    """One entry considered for a question."""

    id: str
    score: float
    alias: str
    """The title or alias that matched."""
    start: int = 0
    """Token position in the question where it matched (for telling two products apart)."""
    end: int = 0


@dataclass(frozen=True)
class MatchResult:
    """What the matcher concluded about a question."""

    query: str
    kind: Kind
    entry_id: str | None = None
    score: float = 0.0
    candidates: list[Candidate] = field(default_factory=list)
    language: str | None = None
    """'da' or 'en' when the question clearly reads as one of them."""
    smalltalk: str | None = None
    """greeting | thanks | help | bye, for kind 'smalltalk'."""


@dataclass(frozen=True)
class _Alias:
    key: str
    text: str
    entry_id: str
    words: int
    strict: bool = False


class Matcher:
    """Scores a question against every title and alias of a knowledge base."""

    def __init__(self, kb: KnowledgeBase, thresholds: Thresholds | None = None) -> None:
        self.kb = kb
        self.thresholds = thresholds or Thresholds()
        seen: set[tuple[str, str]] = set()
        aliases: list[_Alias] = []
        for entry_id, record in kb.entries.items():
            for _lang, text in entry_aliases(record.entry):
                key = alias_key(text)
                if key and (key, entry_id) not in seen:
                    seen.add((key, entry_id))
                    shown = alias_text(text)
                    words = max(1, len(shown.split()))
                    aliases.append(_Alias(key, shown, entry_id, words, is_strict(text)))
        self._aliases = aliases
        self._keys = [a.key for a in aliases]
        self._max_words = max((a.words for a in aliases), default=1) + 1

    def match(self, query: str) -> MatchResult:
        """Classify and match one question."""
        language = detect_language(query)
        if not has_content(query):
            return MatchResult(query=query, kind="empty", language=language)
        ranked = self.rank(query)
        t = self.thresholds
        best = ranked[0] if ranked else None
        if best is not None and best.score >= t.answer:
            others = [c for c in ranked[1:] if c.score >= t.suggest][: t.max_candidates]
            rival = others[0] if others else None
            ambiguous = (
                rival is not None
                and best.score - rival.score < t.ambiguity_margin
                and _overlaps(best, rival)
                and not _covers_more(best, rival)
                and best.score < 100
            )
            if not ambiguous:
                return MatchResult(query, "answer", best.id, best.score, others, language=language)
        if best is not None and best.score >= t.suggest:
            top = [c for c in ranked if c.score >= t.suggest][: t.max_candidates]
            return MatchResult(query, "suggestions", None, best.score, top, language=language)
        intent = smalltalk_intent(query)
        if intent is not None:
            return MatchResult(query, "smalltalk", language=language, smalltalk=intent)
        return MatchResult(
            query, "fallback", None, best.score if best else 0.0, ranked[:3], language=language
        )

    def rank(self, query: str, limit: int = 10) -> list[Candidate]:
        """Entries by their best-matching alias, best first."""
        words = tokens(query)
        content = [(i, w) for i, w in enumerate(words) if w not in FILLER_WORDS]
        if not content or not self._keys:
            return []
        windows: list[tuple[str, int, int]] = []
        for start in range(len(content)):
            for size in range(1, self._max_words + 1):
                part = content[start : start + size]
                if len(part) < size:
                    break
                windows.append(("".join(w for _, w in part), part[0][0], part[-1][0] + 1))
        # "it" and "on" stay matchable (the brands "On", "it bag") but do not count as content
        # for coverage: "is coach worth it" is about coach and nothing else.
        content_chars = sum(len(w) for _, w in content if w not in WEAK_WORDS) or 1
        scores = process.cdist(
            [w[0] for w in windows],
            self._keys,
            scorer=OSA.normalized_similarity,
            score_cutoff=0.5,
            dtype=np.float32,
            workers=1,
        )
        best: dict[str, Candidate] = {}
        rows, cols = np.nonzero(scores)
        for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
            alias = self._aliases[c]
            window, start, end = windows[r]
            if alias.strict and len(window) < content_chars:
                continue  # an everyday word ("coach", "rains") counts only as the whole question
            similarity = float(scores[r, c]) * 100
            if similarity < 100:
                # A typo in a short word is usually another word ("table" is not "tablet"):
                # short aliases must match exactly, medium ones pay for each edit.
                if len(alias.key) <= 4:
                    continue
                if len(alias.key) <= 7:
                    similarity *= 0.92
            # Explaining more of the question is a (small) plus: it breaks ties between
            # "stanley" and "stanley cup" without letting long questions sink good hits.
            coverage = min(1.0, len(window) / content_chars)
            score = round(similarity * (0.92 + 0.08 * coverage), 1)
            current = best.get(alias.entry_id)
            if current is None or (score, len(alias.key)) > (current.score, len(current.alias)):
                best[alias.entry_id] = Candidate(alias.entry_id, score, alias.text, start, end)
        return sorted(best.values(), key=lambda c: (-c.score, c.start, c.id))[:limit]


def _overlaps(a: Candidate, b: Candidate) -> bool:
    return a.start < b.end and b.start < a.end


def _covers_more(a: Candidate, b: Candidate) -> bool:
    """True when `a` matched a strictly longer stretch of the question, or a longer alias."""
    wider = a.start <= b.start and b.end <= a.end and (a.end - a.start) > (b.end - b.start)
    return wider or len(a.alias) > len(b.alias) + 2
