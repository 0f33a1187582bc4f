"""Hot reload: watch KNOWLEDGE_DIR and swap in a new knowledge base when files change.

A broken edit keeps the old knowledge base and is reported through `notify`. The watcher survives
anything: a reload that raises (whatever the loader does with a hostile file) is reported to
`notify` like a broken edit, with its cause; a failing `notify` is logged; a failing watch (the
folder gone, too many files) is logged and watched again after 5 s. Later edits still go live.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from watchfiles import awatch

from bot.core.services import Services
from knowledge.loader import LoadReport, Problem

log = logging.getLogger(__name__)

Notify = Callable[[LoadReport], Awaitable[None]]
"""Told about every reload whose files have errors."""


def _is_knowledge_file(_change: Any, path: str) -> bool:
    return path.endswith((".yaml", ".yml"))


async def watch_knowledge(services: Services, notify: Notify, *, debounce_ms: int = 400) -> None:
    """Reload on every settled change; a broken edit keeps the old KB and calls `notify`."""
    root = services.holder.root
    changes = awatch(root, watch_filter=_is_knowledge_file, debounce=debounce_ms, recursive=True)
    async for _ in changes:
        try:
            report = await services.holder.reload()
        except Exception as exc:  # the loader should report, not raise; if it raises, say so
            log.warning(
                "knowledge reload failed (%s: %s); still serving the old one",
                type(exc).__name__,
                exc,
            )
            report = LoadReport(
                None, [Problem(str(root), 1, f"reload failed: {type(exc).__name__}: {exc}"[:300])]
            )
        if report.kb is not None:
            log.info("knowledge base reloaded: %d entries", len(report.kb.entries))
            continue
        log.warning("knowledge edit has %d errors; still serving the old one", len(report.errors))
        try:
            await notify(report)
        except Exception as exc:
            log.warning("could not report the broken edit (%s: %s)", type(exc).__name__, exc)


def start_watching(services: Services, notify: Notify) -> None:
    """Run the watcher as a background task of the running process."""
    services.spawn(_guarded(services, notify))


async def _guarded(services: Services, notify: Notify) -> None:
    while True:
        try:
            await watch_knowledge(services, notify)
            return
        except Exception as exc:
            log.warning(
                "knowledge watcher failed (%s: %s); watching again in 5 s", type(exc).__name__, exc
            )
            await asyncio.sleep(5)
