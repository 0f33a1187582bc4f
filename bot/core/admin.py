"""Admin actions: statistics with a chart, the curators' worklist and reloading the entries.

Every action checks `Who.is_admin` itself, so a forged button from anyone else is refused.
Database reads are bounded in time; grouping the worklist and drawing the chart run in the
services' small admin thread pool (`Services.cpu`), never on the event loop, and a burst of
requests beyond its bound gets a "busy, try again" instead of piling up.
"""

from __future__ import annotations

import asyncio
from html import escape

from bot.core import actions as act
from bot.core.chart import render_chart
from bot.core.conversation import Who
from bot.core.gaps import build_worklist, worklist_html
from bot.core.i18n import t
from bot.core.offload import Busy
from bot.core.reply import Button, Reply, rows
from bot.core.services import DB_ERRORS, Services, database_unavailable
from bot.core.stats import build_report, caption_html
from knowledge.loader import LoadReport

PERIODS = (7, 30, 90)
MAX_DAYS = 3650


def clamp_days(value: int) -> int:
    """A period in days, kept between 1 and ten years."""
    return max(1, min(value, MAX_DAYS))


def refused(who: Who, *, button: bool = False) -> Reply:
    """What a non-admin gets: a message for a command, an alert for a (forged) button."""
    if button:
        return Reply("", kind="admin", toast=t("admin.only", who.lang), alert=True)
    return Reply(t("admin.only", who.lang), kind="admin")


class Admin:
    """The admin commands, on top of the services."""

    def __init__(self, services: Services) -> None:
        self.services = services

    async def stats(self, who: Who, days: int) -> Reply:
        """A chart (totals, the 30-day rule, questions over time) and a caption with the figures."""
        if not who.is_admin:
            return refused(who)
        services = self.services
        days = clamp_days(days)
        kb = services.holder.snapshot.kb
        try:
            await services.writer.flush(timeout=2.0)
            report = await asyncio.wait_for(
                build_report(
                    services.sessionmaker,
                    days,
                    answer_threshold=services.settings.match_answer_threshold,
                    verdict_of={rid: r.entry.verdict.value for rid, r in kb.entries.items()},
                    offload=services.cpu,
                ),
                timeout=15,
            )
            png = await services.cpu(render_chart, report, who.lang)
        except Busy:
            return Reply(t("admin.busy", who.lang), kind="stats")
        except DB_ERRORS as exc:
            database_unavailable("stats", exc)
            return Reply(t("error", who.lang), kind="stats")
        titles = {rid: r.entry.title.get(who.lang) for rid, r in kb.entries.items()}
        periods = rows([Button(f"{d} d", act.StatsPeriod(d)) for d in PERIODS], len(PERIODS))
        return Reply(caption_html(report, who.lang, titles), periods, kind="stats", photo=png)

    async def stats_period(self, who: Who, action: act.StatsPeriod) -> Reply:
        """The period buttons under the chart."""
        if not who.is_admin:
            return refused(who, button=True)
        return await self.stats(who, action.days)

    async def gaps(self, who: Who, days: int) -> Reply:
        """The curators' worklist: unanswered questions by product, and answers maybe wrong."""
        if not who.is_admin:
            return refused(who)
        services = self.services
        days = clamp_days(days)
        try:
            await services.writer.flush(timeout=2.0)
            worklist = await asyncio.wait_for(
                build_worklist(
                    services.sessionmaker,
                    days,
                    answer_threshold=services.settings.match_answer_threshold,
                    offload=services.cpu,
                ),
                timeout=15,
            )
        except Busy:
            return Reply(t("admin.busy", who.lang), kind="gaps")
        except DB_ERRORS as exc:
            database_unavailable("gaps", exc)
            return Reply(t("error", who.lang), kind="gaps")
        return Reply(worklist_html(worklist, who.lang), kind="gaps")

    async def reload(self, who: Who) -> Reply:
        """Reload the knowledge base now and report the entry count or the errors."""
        if not who.is_admin:
            return refused(who)
        report = await self.services.holder.reload()
        return Reply(reload_summary(report, who.lang), kind="reload")


SUMMARY_ERRORS = 10
"""Errors listed in a reload summary (the rest are counted)."""
SUMMARY_LINE = 300
"""Characters per listed error: 10 × 300 plus the heading stays under Telegram's 4,096."""


def reload_summary(report: LoadReport, lang: str) -> str:
    """The result of a reload as markup: entry count, or the first errors with path:line.

    Always one Telegram message: at most `SUMMARY_ERRORS` errors of `SUMMARY_LINE` characters.
    """
    if report.kb is not None:
        warn = t("admin.reload_warnings", lang, n=len(report.warnings)) if report.warnings else ""
        return t("admin.reload_ok", lang, count=len(report.kb.entries), warnings=warn)
    head = t("admin.reload_failed", lang)
    lines = [
        escape(_shorten(str(p), SUMMARY_LINE), quote=False) for p in report.errors[:SUMMARY_ERRORS]
    ]
    more = len(report.errors) - len(lines)
    if more > 0:
        lines.append(f"… +{more}")
    return head + "\n<code>" + "\n".join(lines) + "</code>"


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
