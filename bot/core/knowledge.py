"""The knowledge base a running process serves, swapped atomically on reload."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from knowledge.loader import KnowledgeBase, LoadReport, load_knowledge_base
from knowledge.matcher import Matcher, Thresholds


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

    def __init__(self, root: Path, thresholds: Thresholds) -> None:
        self.root = root
        self.thresholds = thresholds
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
