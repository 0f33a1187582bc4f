"""The pipeline shared by the Telegram bot and the terminal chat: question in, answer out."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.render import clip_input
from knowledge.loader import DEFAULT_DIR, KnowledgeBase, LoadReport, load_knowledge_base
from knowledge.matcher import Matcher, MatchResult, Thresholds
from knowledge.schema import EntryRecord

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Snapshot:
    """A knowledge base and its matcher, swapped as one so no question sees half of each."""

    kb: KnowledgeBase
    matcher: Matcher


class KnowledgeError(Exception):
    """The knowledge base has errors and cannot be served."""

    def __init__(self, report: LoadReport) -> None:
        super().__init__(f"{len(report.errors)} errors in the knowledge base")
        self.report = report


class KnowledgeHolder:
    """Holds the current snapshot; reloads build a new one aside and swap it atomically."""

    def __init__(self, root: Path | None, thresholds: Thresholds | None = None) -> None:
        self.root = root or DEFAULT_DIR
        self.thresholds = thresholds or Thresholds()
        self._lock = asyncio.Lock()
        report = load_knowledge_base(self.root)
        if report.kb is None:
            raise KnowledgeError(report)
        self.snapshot = Snapshot(report.kb, Matcher(report.kb, self.thresholds))
        self.last_report = report

    async def reload(self) -> LoadReport:
        """Validate and index the files again (off the event loop); swap only when clean."""
        async with self._lock:
            report = await asyncio.to_thread(load_knowledge_base, self.root)
            self.last_report = report
            if report.kb is not None:
                matcher = await asyncio.to_thread(Matcher, report.kb, self.thresholds)
                # One assignment: questions in flight keep the snapshot they already read.
                self.snapshot = Snapshot(report.kb, matcher)
            return report


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
        entry = None
        if self.record is not None:
            entry = entry_json(self.record)
        return {
            "query": self.query,
            "lang": self.lang,
            "kind": self.result.kind,
            "entry": entry,
            "score": round(self.result.score, 1),
            "candidates": [{"id": c.id, "score": round(c.score, 1)} for c in self.result.candidates],
        }


def entry_json(record: EntryRecord) -> dict[str, Any]:
    """An entry with its id and category, as JSON-ready data."""
    return {"id": record.id, "category": record.category, **record.entry.model_dump(mode="json")}


def choose_language(
    result_language: str | None, *, preference: str | None = None, telegram_code: str | None = None
) -> str:
    """An explicit choice wins; then a clearly Danish/English question; then Telegram's language."""
    if preference in ("da", "en"):
        return preference
    if result_language in ("da", "en"):
        return result_language
    if telegram_code:
        return "da" if telegram_code.lower().startswith("da") else "en"
    return "da"


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
