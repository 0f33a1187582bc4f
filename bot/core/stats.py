"""Usage statistics for admins and the curators' gap list: queries, chart and text."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from html import escape
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.i18n import t
from db import repo
from knowledge.text import fold


@dataclass
class StatsReport:
    """Everything /stats and `omtanke stats` show, for one period."""

    days: int
    since: dt.datetime
    summary: dict[str, int]
    daily: list[tuple[dt.date, int, int, int]]
    top_entries: list[tuple[str, int]]
    top_unanswered: list[tuple[str, int]]
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

    def to_json(self) -> dict[str, Any]:
        """The `omtanke stats --json` object."""
        return {
            "days": self.days,
            "since": self.since.isoformat(),
            **self.summary,
            "answer_rate": round(self.answer_rate, 4),
            "helpful_share": round(self.helpful_share, 4),
            "top_entries": [{"id": e, "count": n} for e, n in self.top_entries],
            "top_unanswered": [{"text": q, "count": n} for q, n in self.top_unanswered],
            "daily": [
                {"day": d.isoformat(), "answered": a, "suggestions": s, "unanswered": u}
                for d, a, s, u in self.daily
            ],
        }


async def build_report(
    sessionmaker: async_sessionmaker[AsyncSession], days: int, *, now: dt.datetime | None = None
) -> StatsReport:
    """Query the database for one period (one session, read only)."""
    now = now or dt.datetime.now(dt.UTC)
    since = (now - dt.timedelta(days=days)).replace(
        hour=0, minute=0, second=0, microsecond=0
    ) + dt.timedelta(days=1)
    async with sessionmaker() as session:
        summary = await repo.stats_summary(session, since=since)
        end_of_today = now.replace(hour=0, minute=0, second=0, microsecond=0) + dt.timedelta(days=1)
        daily = await repo.daily_counts(session, since=since, until=end_of_today)
        top = await repo.top_entries(session, since=since, limit=5)
        texts = await repo.unanswered_texts(session, since=since)
        quality = await repo.entry_quality(session, since=since)
    return StatsReport(
        days=days,
        since=since,
        summary=summary,
        daily=[(d.day, d.answered, d.suggestions, d.unanswered) for d in daily],
        top_entries=list(top),
        # Grouped like /gaps (accents, case, punctuation and near-duplicates folded together).
        top_unanswered=[(g.text, g.count) for g in cluster_gaps(texts)[:5]],
        entry_quality=[(q.entry_id, q.answers, q.helpful, q.not_helpful) for q in quality],
    )


def render_chart(report: StatsReport, lang: str) -> bytes:
    """Questions per day, stacked by outcome, as a PNG (matplotlib's Agg backend, no display)."""
    # Imported here: matplotlib costs ~0.5 s of start-up that only admins' charts need.
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(8, 4), dpi=100)
    ax = fig.subplots()
    days: list[Any] = [d for d, *_ in report.daily]
    answered = [a for _, a, _, _ in report.daily]
    suggestions = [s for _, _, s, _ in report.daily]
    unanswered = [u for _, _, _, u in report.daily]
    labels = t("stats.chart", lang).split("|")
    if days:
        ax.bar(days, answered, color="#2e7d32", label=labels[0])
        ax.bar(days, suggestions, bottom=answered, color="#f9a825", label=labels[1])
        bottoms = [a + s for a, s in zip(answered, suggestions, strict=True)]
        ax.bar(days, unanswered, bottom=bottoms, color="#c62828", label=labels[2])
        ax.legend(loc="upper left")
    ax.set_title(f"Omtanke – {labels[3]} ({report.days} d)")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    fig.autofmt_xdate()
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def caption_html(report: StatsReport, lang: str, titles: dict[str, str]) -> str:
    """The /stats caption (≤ 1024 characters, Telegram's caption limit)."""
    s = report.summary
    lines = [
        f"<b>{escape(t('stats.title', lang, days=report.days))}</b>",
        escape(t("stats.totals", lang, questions=s["questions"], users=s["users"])),
        escape(
            t(
                "stats.kinds",
                lang,
                answered=s["answered"],
                suggestions=s["suggestions"],
                unanswered=s["unanswered"],
            )
        ),
        escape(
            t(
                "stats.rates",
                lang,
                rate=f"{report.answer_rate:.0%}",
                helpful=f"{report.helpful_share:.0%}",
                clicks=s["helpful"] + s["not_helpful"],
            )
        ),
    ]
    if report.top_entries:
        lines.append(f"\n<b>{escape(t('stats.top_entries', lang))}</b>")
        lines += [f"{n}× {escape(titles.get(e, e))}" for e, n in report.top_entries]
    if report.top_unanswered:
        lines.append(f"\n<b>{escape(t('stats.top_unanswered', lang))}</b>")
        lines += [f"{n}× {escape(q[:60])}" for q, n in report.top_unanswered]
    text = "\n".join(lines)
    return text if len(text) <= 1024 else text[:1020] + "…"


@dataclass
class Gap:
    """A group of similar unanswered questions."""

    text: str
    count: int
    examples: list[str]


def cluster_gaps(texts: list[str], threshold: float = 80.0) -> list[Gap]:
    """Group similar unanswered questions (rapidfuzz token-set ratio), most asked first."""
    counts: dict[str, list[str]] = {}
    for text in texts:
        key = fold(text)
        if key:
            counts.setdefault(key, []).append(text.strip())
    clusters: list[tuple[str, list[str]]] = []
    for key, originals in sorted(counts.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        for rep, members in clusters:
            if fuzz.token_set_ratio(key, rep) >= threshold:
                members.extend(originals)
                break
        else:
            clusters.append((key, list(originals)))
    gaps = []
    for _, members in clusters:
        distinct = list(dict.fromkeys(members))
        gaps.append(Gap(text=distinct[0], count=len(members), examples=distinct[1:4]))
    return sorted(gaps, key=lambda g: (-g.count, g.text))


def gaps_html(gaps: list[Gap], lang: str, days: int, limit: int = 20) -> str:
    """The /gaps message."""
    if not gaps:
        return escape(t("admin.gaps_none", lang))
    head = f"<b>{escape(t('admin.gaps_title', lang, days=days))}</b>"
    lines = [head]
    for gap in gaps[:limit]:
        extra = (
            f" <i>({escape(' · '.join(e[:40] for e in gap.examples))})</i>" if gap.examples else ""
        )
        lines.append(f"{gap.count}× {escape(gap.text[:80])}{extra}")
    return "\n".join(lines)
