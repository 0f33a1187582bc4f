"""The knowledge base a running process serves, swapped atomically on reload."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path

from knowledge.cards import CardRecord, load_cards
from knowledge.categories import CategoryIndex
from knowledge.loader import KnowledgeBase, LoadReport, Problem, load_knowledge_base
from knowledge.matcher import Matcher, Thresholds

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Snapshot:
    """A knowledge base, its matcher and its category cards, swapped as one on reload."""

    kb: KnowledgeBase
    matcher: Matcher
    cards: dict[str, CardRecord] = field(default_factory=dict)
    categories: CategoryIndex = field(default_factory=lambda: CategoryIndex({}))


def build_snapshot(
    kb: KnowledgeBase, root: Path, thresholds: Thresholds
) -> tuple[Snapshot, list[Problem]]:
    """Index a loaded knowledge base and its category cards (cards with errors are left out)."""
    folders = {r.category for r in kb.entries.values()}
    cards, problems = load_cards(root, entry_ids=set(kb.entries), folders=folders)
    index = CategoryIndex({cid: r.card for cid, r in cards.items()}, kb)
    return Snapshot(kb, Matcher(kb, thresholds), cards, index), problems


class KnowledgeError(Exception):
    """The knowledge base has errors and cannot be served."""

    def __init__(self, report: LoadReport) -> None:
        super().__init__(f"{len(report.errors)} errors in the knowledge base")
        self.report = report


class KnowledgeHolder:
    """Holds the current snapshot; reloads build a new one aside and swap it atomically."""

    def __init__(self, root: Path, thresholds: Thresholds) -> None:
        self.root = root
        self.thresholds = thresholds
        self._lock = asyncio.Lock()
        report = load_knowledge_base(self.root)
        if report.kb is None:
            raise KnowledgeError(report)
        self.snapshot, self.card_problems = build_snapshot(report.kb, self.root, self.thresholds)
        self._log_card_problems()
        self.last_report = report

    async def reload(self) -> LoadReport:
        """Validate and index the files again (off the event loop); swap only when clean."""
        async with self._lock:
            report = await asyncio.to_thread(load_knowledge_base, self.root)
            self.last_report = report
            if report.kb is not None:
                snapshot, self.card_problems = await asyncio.to_thread(
                    build_snapshot, report.kb, self.root, self.thresholds
                )
                # One assignment: questions in flight keep the snapshot they already read.
                self.snapshot = snapshot
                self._log_card_problems()
            return report

    def _log_card_problems(self) -> None:
        errors = [p for p in self.card_problems if p.severity == "error"]
        if errors:
            log.warning(
                "%d category cards have errors and are left out; run `omtanke kb check`",
                len(errors),
            )
