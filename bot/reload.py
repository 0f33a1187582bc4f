"""Hot reload: watch KNOWLEDGE_DIR and swap in a new knowledge base when files change."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram.error import TelegramError

from bot.services import Services

log = logging.getLogger(__name__)


def _is_knowledge_file(_change: Any, path: str) -> bool:
    return path.endswith((".yaml", ".yml"))


async def watch_knowledge(app: Any, services: Services, *, debounce_ms: int = 400) -> None:
    """Reload on every settled change; a broken edit keeps the old KB and tells the admins."""
    from watchfiles import awatch

    from bot.admin import reload_summary

    root = services.holder.root
    async for _changes in awatch(root, watch_filter=_is_knowledge_file, debounce=debounce_ms, recursive=True):
        report = await services.holder.reload()
        if report.kb is not None:
            log.info("knowledge base reloaded: %d entries", len(report.kb.entries))
            continue
        log.warning("knowledge base edit has %d errors; still serving the old one", len(report.errors))
        for admin_id in services.settings.admin_ids:
            lang = (await services.language_of(services.user_key(admin_id))) or "da"
            try:
                await app.bot.send_message(admin_id, reload_summary(report, lang))
            except TelegramError as exc:
                log.warning("could not tell an admin about the broken edit: %s", exc)


def start_watching(app: Any, services: Services) -> None:
    """Run the watcher as a background task of the running bot."""
    services.spawn(_guarded(app, services))


async def _guarded(app: Any, services: Services) -> None:
    try:
        await watch_knowledge(app, services)
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("the knowledge watcher stopped; /reload still works")
