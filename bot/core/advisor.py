"""The pipeline shared by the Telegram bot and the terminal chat: question in, answer out."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

from bot.core.knowledge import KnowledgeHolder, Snapshot
from knowledge.cards import CardRecord
from knowledge.loader import KnowledgeBase
from knowledge.matcher import MatchResult
from knowledge.schema import EntryRecord
from knowledge.secondhand import SecondhandLink, for_category, for_entry, for_fallback
from knowledge.text import MAX_QUERY_CHARS


def clip_input(text: str, limit: int = MAX_QUERY_CHARS) -> tuple[str, bool]:
    """The question cut to `limit` characters (on a word border), and whether it was cut."""
    if len(text) <= limit:
        return text, False
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit], True


def choose_language(
    detected: str | None, *, preference: str | None = None, telegram_code: str | None = None
) -> str:
    """The reply language: an explicit choice wins; then a clearly Danish or English question;
    then the language of the user's Telegram app; Danish when nothing is known."""
    if preference in ("da", "en"):
        return preference
    if detected in ("da", "en"):
        return detected
    if telegram_code:
        return "da" if telegram_code.lower().startswith("da") else "en"
    return "da"


@dataclass(frozen=True)
class Answer:
    """The core's answer to one question."""

    question_id: str
    query: str
    lang: str
    result: MatchResult
    record: EntryRecord | None
    candidates: list[EntryRecord]
    kb: KnowledgeBase
    latency_ms: float
    truncated: bool
    kind: str
    """The matcher's kind, or `category` when a category card answers an unknown product."""
    card: CardRecord | None = None
    """The category card that answers (kind `category`)."""
    secondhand: tuple[SecondhandLink, ...] = ()
    """Second-hand searches built from the user's own product words."""

    def to_json(self) -> dict[str, Any]:
        """The `omtanke ask --json` shape."""
        return {
            "query": self.query,
            "lang": self.lang,
            "kind": self.kind,
            "entry": entry_json(self.record) if self.record is not None else None,
            "category": self.card.id if self.card is not None else None,
            "offtopic_reason": self.result.offtopic_reason,
            "score": round(self.result.score, 1),
            "candidates": [
                {"id": c.id, "score": round(c.score, 1)} for c in self.result.candidates
            ],
            "secondhand": [dict(link) for link in self.secondhand],
        }


def entry_json(record: EntryRecord) -> dict[str, Any]:
    """An entry with its id and category, as JSON-ready data."""
    return {"id": record.id, "category": record.category, **record.entry.model_dump(mode="json")}


class Advisor:
    """Answers questions from the current knowledge snapshot."""

    def __init__(self, holder: KnowledgeHolder) -> None:
        self.holder = holder

    def links_for(self, record: EntryRecord, query: str) -> list[SecondhandLink]:
        """Second-hand searches for an entry shown without a question of its own."""
        return _entry_links(self.holder.snapshot, record, query)

    def answer(
        self, text: str, *, preference: str | None = None, telegram_code: str | None = None
    ) -> Answer:
        """Match one question and pick the language of the reply."""
        started = time.perf_counter()
        snapshot = self.holder.snapshot
        query, truncated = clip_input(text or "")
        result = snapshot.matcher.match(query)
        lang = choose_language(result.language, preference=preference, telegram_code=telegram_code)
        record = snapshot.kb.get(result.entry_id) if result.entry_id else None
        candidates = [r for c in result.candidates if (r := snapshot.kb.get(c.id)) is not None]
        kind, card, secondhand = _category_and_secondhand(snapshot, query, result, record)
        return Answer(
            question_id=uuid.uuid4().hex,
            query=query,
            lang=lang,
            result=result,
            record=record,
            candidates=candidates,
            kb=snapshot.kb,
            latency_ms=(time.perf_counter() - started) * 1000,
            truncated=truncated,
            kind=kind,
            card=card,
            secondhand=tuple(secondhand),
        )


def _entry_links(snapshot: Snapshot, record: EntryRecord, query: str) -> list[SecondhandLink]:
    card_id = snapshot.categories.card_for_entry(record.id, record.category)
    card = snapshot.categories.cards.get(card_id) if card_id else None
    return for_entry(record, query, card)


def _category_and_secondhand(
    snapshot: Snapshot, query: str, result: MatchResult, record: EntryRecord | None
) -> tuple[str, CardRecord | None, list[SecondhandLink]]:
    """A product no entry answers gets its category's card (an unsure "did you mean" too: its
    options stay as buttons under the card); answers and cards get second-hand links."""
    if record is not None:
        return result.kind, None, _entry_links(snapshot, record, query)
    # The matcher calls a message off-topic when nothing in it looks like shopping to it; the
    # category vocabulary still knows products ("a tent for hiking", "en hoodie").
    maybe_product = result.kind == "offtopic" and result.offtopic_reason == "other"
    if result.kind not in {"fallback", "suggestions"} and not maybe_product:
        return result.kind, None, []
    match = snapshot.categories.classify(query)
    if match is None:
        return result.kind, None, for_fallback(query) if result.kind == "fallback" else []
    card_record = snapshot.cards[match.card_id]
    return "category", card_record, for_category(query, match, card_record.card)
