"""Usage statistics for admins: one period's figures, the chart and the /stats caption.

A period of `days` is that many whole UTC days ending today. Besides the questions it shows
what the bot is for – the 30-day rule's outcome (reminders set, "still want it", "passed": a
purchase avoided, no answer) – and the 👍 share per verdict. The chart always carries the
totals; its time series starts at the first day with data (a new bot gets a totals panel, not
one bar against the right edge), and long periods are drawn per week or per month, never more
than `MAX_BARS` bars.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from html import escape
from typing import Any, Final, NamedTuple

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.gaps import (
    Gap,
    Offload,
    Worklist,
    group_worklist,
    period_start,
    read_worklist,
)
from bot.core.i18n import t
from bot.core.suspects import CLOSE_MARGIN
from db import repo

VERDICTS: Final[tuple[str, ...]] = ("skip", "think_twice", "ok_if_needed", "info")
"""Verdicts in the order the statistics list them (then `unknown`: entries since removed)."""


class Day(NamedTuple):
    """One UTC day: questions by outcome, reminders set and answered."""

    day: dt.date
    answered: int
    suggestions: int
    unanswered: int
    reminders_set: int = 0
    still_want: int = 0
    passed: int = 0

    @property
    def questions(self) -> int:
        """Product questions that day (answered, suggestions, unanswered)."""
        return self.answered + self.suggestions + self.unanswered


class VerdictShare(NamedTuple):
    """👍 and 👎 on answers with one verdict."""

    verdict: str
    helpful: int
    not_helpful: int

    @property
    def clicks(self) -> int:
        """All feedback clicks."""
        return self.helpful + self.not_helpful

    @property
    def share(self) -> float | None:
        """👍 share of the clicks, None without clicks."""
        return self.helpful / self.clicks if self.clicks else None


@dataclass
class StatsReport:
    """Everything /stats, `omtanke stats` and the HTML report show, for one period."""

    days: int
    since: dt.datetime
    summary: dict[str, int]
    daily: list[Day]
    top_entries: list[tuple[str, int]]
    worklist: Worklist
    reminders: dict[str, int]
    """set, still_want, passed, no_answer (delivered in the period), waiting (not yet due)."""
    verdicts: list[VerdictShare] = field(default_factory=list)
    entry_quality: list[tuple[str, int, int, int]] = field(default_factory=list)

    @property
    def answer_rate(self) -> float:
        """Answered share of product questions (answered + suggestions + unanswered)."""
        s = self.summary
        asked = s["answered"] + s["suggestions"] + s["unanswered"]
        return s["answered"] / asked if asked else 0.0

    @property
    def helpful_share(self) -> float:
        """👍 share of all feedback clicks."""
        s = self.summary
        clicks = s["helpful"] + s["not_helpful"]
        return s["helpful"] / clicks if clicks else 0.0

    @property
    def avoided_share(self) -> float | None:
        """Of the answered reminders, the share answered "passed"; None without answers."""
        answered = self.reminders["still_want"] + self.reminders["passed"]
        return self.reminders["passed"] / answered if answered else None

    def measures(self) -> list[tuple[str, int | str]]:
        """The key figures of the period as (label, value), for the CLI table and the HTML report."""
        s = self.summary
        return [
            ("questions", s["questions"]),
            ("answered", s["answered"]),
            ("suggestions", s["suggestions"]),
            ("unanswered", s["unanswered"]),
            ("small talk", s["smalltalk"]),
            ("off topic", s["offtopic"]),
            ("users", s["users"]),
            ("answer rate", f"{self.answer_rate:.0%}"),
            ("helpful (👍)", s["helpful"]),
            ("not helpful (👎)", s["not_helpful"]),
            ("helpful share", f"{self.helpful_share:.0%}"),
        ]

    def rule_measures(self) -> list[tuple[str, int | str]]:
        """The 30-day rule's outcome as (label, value)."""
        r = self.reminders
        avoided = self.avoided_share
        return [
            ("reminders set", r["set"]),
            ("answered “still want it”", r["still_want"]),
            ("answered “passed” (not bought)", r["passed"]),
            ("delivered, no answer yet", r["no_answer"]),
            ("passed share", "–" if avoided is None else f"{avoided:.0%}"),
            ("reminders waiting", r["waiting"]),
        ]

    @property
    def top_unanswered(self) -> list[Gap]:
        """The five most asked groups of unanswered questions."""
        return self.worklist.gaps[:5]

    def to_json(self) -> dict[str, Any]:
        """The `omtanke stats --json` object."""
        avoided = self.avoided_share
        return {
            "days": self.days,
            "since": self.since.isoformat(),
            **self.summary,
            "answer_rate": round(self.answer_rate, 4),
            "helpful_share": round(self.helpful_share, 4),
            "reminders": {
                **self.reminders,
                "passed_share": None if avoided is None else round(avoided, 4),
            },
            "verdicts": [
                {
                    "verdict": v.verdict,
                    "helpful": v.helpful,
                    "not_helpful": v.not_helpful,
                    "helpful_share": None if v.share is None else round(v.share, 4),
                }
                for v in self.verdicts
            ],
            "top_entries": [{"id": e, "count": n} for e, n in self.top_entries],
            "top_unanswered": [{"text": g.label, "count": g.count} for g in self.top_unanswered],
            "daily": [
                {
                    "day": d.day.isoformat(),
                    "answered": d.answered,
                    "suggestions": d.suggestions,
                    "unanswered": d.unanswered,
                    "reminders_set": d.reminders_set,
                    "still_want": d.still_want,
                    "passed": d.passed,
                }
                for d in self.daily
            ],
        }


def verdict_shares(
    quality: list[repo.EntryQuality], verdict_of: Mapping[str, str]
) -> list[VerdictShare]:
    """👍/👎 per verdict, in `VERDICTS` order; `unknown` for entries no longer in the base."""
    totals: dict[str, list[int]] = {v: [0, 0] for v in (*VERDICTS, "unknown")}
    for q in quality:
        counts = totals[verdict_of.get(q.entry_id, "unknown")]
        counts[0] += q.helpful
        counts[1] += q.not_helpful
    return [VerdictShare(v, h, n) for v, (h, n) in totals.items() if v != "unknown" or h + n > 0]


async def build_report(
    sessionmaker: async_sessionmaker[AsyncSession],
    days: int,
    *,
    answer_threshold: float = 85.0,
    verdict_of: Mapping[str, str] | None = None,
    offload: Offload | None = None,
    now: dt.datetime | None = None,
) -> StatsReport:
    """Query the database for one period (one read-only session), then group the worklist
    through `offload` (default: a worker thread)."""
    now = now or dt.datetime.now(dt.UTC)
    since = period_start(days, now)
    end_of_today = since + dt.timedelta(days=days)
    async with sessionmaker() as session:
        summary = await repo.stats_summary(session, since=since)
        daily = await repo.daily_counts(session, since=since, until=end_of_today)
        per_day = await repo.daily_reminders(session, since=since, until=end_of_today)
        top = await repo.top_entries(session, since=since, limit=5)
        quality = await repo.entry_quality(session, since=since)
        reminders = await repo.reminder_outcomes(session, since=since)
        rows = await read_worklist(
            session, since=since, close_below=answer_threshold + CLOSE_MARGIN
        )
    worklist = await group_worklist(rows, days=days, offload=offload or asyncio.to_thread)
    return StatsReport(
        days=days,
        since=since,
        summary=summary,
        daily=[
            Day(d.day, d.answered, d.suggestions, d.unanswered, *per_day.get(d.day, (0, 0, 0)))
            for d in daily
        ],
        top_entries=list(top),
        worklist=worklist,
        reminders=reminders,
        verdicts=verdict_shares(quality, verdict_of or {}),
        entry_quality=[(q.entry_id, q.answers, q.helpful, q.not_helpful) for q in quality],
    )


# --- the chart -------------------------------------------------------------------------------


# --- the caption -----------------------------------------------------------------------------


def verdict_line(report: StatsReport, lang: str) -> str:
    """👍 share per verdict, compact: "🛑 67% (3) · 🤔 50% (2)"; empty without clicks."""
    parts = []
    for v in report.verdicts:
        if v.share is None:
            continue
        icon = t(f"verdict.{v.verdict}", lang).split(" ")[0] if v.verdict != "unknown" else "?"
        parts.append(f"{icon} {v.share:.0%} ({v.clicks})")
    return " · ".join(parts)


def _totals(report: StatsReport, lang: str) -> list[str]:
    """The caption's lines of totals: questions, outcomes, rates, the 30-day rule."""
    s, r = report.summary, report.reminders
    kinds = {k: s[k] for k in ("answered", "suggestions", "unanswered")}
    rates = {
        "rate": f"{report.answer_rate:.0%}",
        "helpful": f"{report.helpful_share:.0%}",
        "clicks": s["helpful"] + s["not_helpful"],
    }
    rule = {k: r[k] for k in ("set", "passed", "still_want", "no_answer")}
    return [
        escape(t("stats.totals", lang, questions=s["questions"], users=s["users"])),
        escape(t("stats.kinds", lang, **kinds)),
        escape(t("stats.rates", lang, **rates)),
        escape(t("stats.reminders", lang, **rule)),
    ]


def caption_html(report: StatsReport, lang: str, titles: dict[str, str]) -> str:
    """The /stats caption (≤ 1024 characters, Telegram's caption limit)."""
    lines = [f"<b>{escape(t('stats.title', lang, days=report.days))}</b>", *_totals(report, lang)]
    by_verdict = verdict_line(report, lang)
    if by_verdict:
        lines.append(escape(t("stats.verdicts", lang, shares=by_verdict)))
    if report.top_entries:
        lines.append(f"\n<b>{escape(t('stats.top_entries', lang))}</b>")
        lines += [f"{n}× {escape(titles.get(e, e))}" for e, n in report.top_entries]
    if report.top_unanswered:
        lines.append(f"\n<b>{escape(t('stats.top_unanswered', lang))}</b>")
        lines += [f"{g.count}× {escape(g.label[:60])}" for g in report.top_unanswered]
    # Too long (many long titles): drop whole lines from the end, never cut inside markup.
    while len("\n".join(lines)) > 1024 and len(lines) > 1:
        lines.pop()
    return "\n".join(lines)
