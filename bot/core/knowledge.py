"""The knowledge base a running process serves, swapped atomically on reload."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path

from knowledge.cards import CardRecord, load_cards
from knowledge.categories import CategoryIndex
from knowledge.entryparts import PartsStore
from knowledge.gcpause import collector_paused
from knowledge.loader import KnowledgeBase, LoadReport, Problem, load_knowledge_base
from knowledge.matcher import Matcher, Thresholds
from knowledge.parsecache import cache_path, write_cache

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Snapshot:
    """A knowledge base, its matcher and its category cards, swapped as one on reload."""

    kb: KnowledgeBase
    matcher: Matcher
    cards: dict[str, CardRecord] = field(default_factory=dict)
    categories: CategoryIndex = field(default_factory=lambda: CategoryIndex({}))


def build_snapshot(
    kb: KnowledgeBase,
    root: Path,
    thresholds: Thresholds,
    *,
    previous: Snapshot | None = None,
    store: PartsStore | None = None,
) -> tuple[Snapshot, list[Problem]]:
    """Index a loaded knowledge base and its category cards (cards with errors are left out).

    With the `previous` snapshot, the work for every entry object it already indexed is reused;
    `store` keeps the matcher's per-entry work across restarts (see `parts_store`).
    """
    folders = {r.category for r in kb.entries.values()}
    cards, problems = load_cards(root, entry_ids=set(kb.entries), folders=folders)
    with collector_paused:
        index = CategoryIndex(
            {cid: r.card for cid, r in cards.items()},
            kb,
            previous=previous.categories if previous is not None else None,
        )
        matcher = Matcher(
            kb, thresholds, previous=previous.matcher if previous else None, store=store
        )
    return Snapshot(kb, matcher, cards, index), problems


def parts_store(cache_dir: Path | None, root: Path) -> PartsStore | None:
    """The matcher's parts store for the knowledge folder `root`, beside its parse cache."""
    if cache_dir is None:
        return None
    return PartsStore(cache_path(cache_dir, root).with_suffix(".parts"))


class KnowledgeError(Exception):
    """The knowledge base has errors and cannot be served."""

    def __init__(self, report: LoadReport) -> None:
        super().__init__(f"{len(report.errors)} errors in the knowledge base")
        self.report = report


class KnowledgeHolder:
    """Holds the current snapshot; reloads build a new one aside and swap it atomically.

    A reload parses only the files whose bytes changed since the last load, and indexes only the
    entries that changed (`knowledge.parsecache`); `cache_dir` (KNOWLEDGE_CACHE_DIR) keeps the
    parsed files for the next process too, None keeps them in memory only.
    """

    def __init__(self, root: Path, thresholds: Thresholds, cache_dir: Path | None = None) -> None:
        self.root = root
        self.thresholds = thresholds
        self.cache_dir = cache_dir
        self._lock = asyncio.Lock()
        report = load_knowledge_base(self.root, cache_dir=cache_dir)
        if report.kb is None:
            raise KnowledgeError(report)
        # The parts store serves the start-up build; reloads reuse the previous snapshot, and
        # the next start works out again only what changed since the store was written.
        self.snapshot, self.card_problems = build_snapshot(
            report.kb, self.root, self.thresholds, store=parts_store(cache_dir, root)
        )
        self._log_card_problems()
        self.last_report = report

    async def reload(self) -> LoadReport:
        """Validate and index the files again (off the event loop); swap only when clean."""
        async with self._lock:
            report = await asyncio.to_thread(
                load_knowledge_base, self.root, previous=self.last_report
            )
            self.last_report = report
            if report.kb is not None:
                snapshot, self.card_problems = await asyncio.to_thread(
                    build_snapshot, report.kb, self.root, self.thresholds, previous=self.snapshot
                )
                # One assignment: questions in flight keep the snapshot they already read.
                self.snapshot = snapshot
                self._log_card_problems()
            if self.cache_dir is not None and report.parsed_files:
                # After the swap: writing every parsed file takes longer than the reload.
                await asyncio.to_thread(write_cache, self.cache_dir, self.root, report.parsed)
            return report

    def _log_card_problems(self) -> None:
        errors = [p for p in self.card_problems if p.severity == "error"]
        if errors:
            log.warning(
                "%d category cards have errors and are left out; run `omtanke kb check`",
                len(errors),
            )
