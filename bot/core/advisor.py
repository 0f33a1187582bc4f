"""The pipeline shared by the Telegram bot and the terminal chat: question in, answer out."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

from bot.core.knowledge import KnowledgeHolder
from knowledge.loader import KnowledgeBase
from knowledge.matcher import MatchResult
from knowledge.schema import EntryRecord

MAX_INPUT_CHARS = 1000
"""Incoming questions are cut to this; nobody asks about a product in word 500."""


def clip_input(text: str, limit: int = MAX_INPUT_CHARS) -> tuple[str, bool]:
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

    def to_json(self) -> dict[str, Any]:
        """The `omtanke ask --json` shape."""
        return {
            "query": self.query,
            "lang": self.lang,
            "kind": self.result.kind,
            "entry": entry_json(self.record) if self.record is not None else None,
            "score": round(self.result.score, 1),
            "candidates": [
                {"id": c.id, "score": round(c.score, 1)} for c in self.result.candidates
            ],
        }


def entry_json(record: EntryRecord) -> dict[str, Any]:
    """An entry with its id and category, as JSON-ready data."""
    return {"id": record.id, "category": record.category, **record.entry.model_dump(mode="json")}


class Advisor:
    """Answers questions from the current knowledge snapshot."""

    def __init__(self, holder: KnowledgeHolder) -> None:
        self.holder = holder

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
        )
