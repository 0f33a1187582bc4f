"""The statistics chart: questions per day (week, month) stacked by outcome, with totals, as a PNG."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any, Final, NamedTuple

from bot.core.i18n import t
from bot.core.stats import Day, StatsReport

MAX_BARS: Final = 120
"""The chart never draws more bars than this (ten years by month)."""
MIN_SERIES: Final = 3
"""With data on fewer days than this the chart shows the totals alone."""


DAILY_UP_TO: Final = 92
"""Periods up to this many days are drawn per day; up to `WEEKLY_UP_TO` per week; else per month."""


WEEKLY_UP_TO: Final = 731


class Bar(NamedTuple):
    """One bar of the time series: a day, week or month."""

    start: dt.date
    answered: int
    suggestions: int
    unanswered: int


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def bars(daily: list[Day], days: int) -> tuple[str, list[Bar]]:
    """The period's days as bars: ('day' | 'week' | 'month', at most `MAX_BARS` bars).

    Days are summed per ISO week (Monday) or calendar month for long periods; the newest
    bars are kept when there would be more than `MAX_BARS`.
    """
    if days <= DAILY_UP_TO:
        unit = "day"
    elif days <= WEEKLY_UP_TO:
        unit = "week"
    else:
        unit = "month"
    sums: dict[dt.date, list[int]] = {}
    for d in daily:
        if unit == "day":
            key = d.day
        elif unit == "week":
            key = d.day - dt.timedelta(days=d.day.weekday())
        else:
            key = _month_start(d.day)
        counts = sums.setdefault(key, [0, 0, 0])
        counts[0] += d.answered
        counts[1] += d.suggestions
        counts[2] += d.unanswered
    out = [Bar(k, *v) for k, v in sorted(sums.items())]
    return unit, out[-MAX_BARS:]


def series_to_draw(daily: list[Day], days: int) -> tuple[str, list[Bar]]:
    """The bars the chart draws: from the first with data to today; none when data covers
    fewer than `MIN_SERIES` bars (the totals panel then speaks alone)."""
    unit, all_bars = bars(daily, days)
    first = next(
        (i for i, b in enumerate(all_bars) if b.answered + b.suggestions + b.unanswered), None
    )
    if first is None or len(all_bars) - first < MIN_SERIES:
        return unit, []
    return unit, all_bars[first:]


def _tick_label(start: dt.date, unit: str) -> str:
    if unit == "month":
        return start.strftime("%Y-%m")
    return start.strftime("%d.%m")


QUESTION_COLORS = ("#2e7d32", "#f9a825", "#c62828")
RULE_COLORS = ("#546e7a", "#2e7d32", "#8d6e63", "#b0bec5")


def render_chart(report: StatsReport, lang: str) -> bytes:
    """The statistics as a PNG: totals (questions, the 30-day rule) and the time series."""
    # Imported here: matplotlib costs ~0.5 s of start-up that only admins' charts need.
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    s, r = report.summary, report.reminders
    q_labels = t("stats.chart", lang).split("|")
    r_labels = t("stats.chart_reminders", lang).split("|")
    unit, series = series_to_draw(report.daily, report.days)
    # Constrained layout keeps long labels ("Passed (not bought)") inside the picture.
    fig = Figure(figsize=(10, 4.6), dpi=100, layout="constrained")
    grid = fig.add_gridspec(2, 2, width_ratios=(1, 1.9)) if series else fig.add_gridspec(2, 1)
    ax_q, ax_r = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[1, 0])
    asked = s["answered"] + s["suggestions"] + s["unanswered"]
    rate = f"{report.answer_rate:.0%}"
    values = [s["answered"], s["suggestions"], s["unanswered"]]
    title = t("stats.chart_questions", lang, n=asked, rate=rate)
    _totals(ax_q, q_labels[:3], values, QUESTION_COLORS, title)
    values = [r["set"], r["passed"], r["still_want"], r["no_answer"]]
    _totals(ax_r, r_labels[:4], values, RULE_COLORS, r_labels[4])
    if series:
        _series(fig.add_subplot(grid[:, 1]), series, unit, q_labels, lang)
    first = report.since.date()
    last = first + dt.timedelta(days=report.days - 1)
    span = {"first": f"{first:%d.%m.%Y}", "last": f"{last:%d.%m.%Y}"}
    fig.suptitle(
        t("stats.chart_title", lang, days=report.days, **span), fontsize=12, x=0.02, ha="left"
    )
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def _totals(
    ax: Any, labels: list[str], values: list[int], palette: tuple[str, ...], title: str
) -> None:
    """Horizontal bars with their numbers: the period's totals, first value on top."""
    from matplotlib.ticker import MaxNLocator

    positions = list(range(len(values)))[::-1]
    ax.barh(positions, values, color=palette, height=0.6)
    ax.set_yticks(positions, labels)
    top = max(values) if any(values) else 1
    ax.set_xlim(0, top * 1.25)
    for y, v in zip(positions, values, strict=True):
        ax.text(v + top * 0.02, y, str(v), va="center", fontsize=9)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=4))
    ax.set_title(title, fontsize=10, loc="left")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _series(ax: Any, series: list[Bar], unit: str, labels: list[str], lang: str) -> None:
    """Questions per day (week, month), stacked by outcome, at most eight tick labels."""
    from matplotlib.ticker import MaxNLocator

    x = list(range(len(series)))
    answered = [b.answered for b in series]
    suggestions = [b.suggestions for b in series]
    unanswered = [b.unanswered for b in series]
    ax.bar(x, answered, 0.8, color=QUESTION_COLORS[0], label=labels[0])
    ax.bar(x, suggestions, 0.8, bottom=answered, color=QUESTION_COLORS[1], label=labels[1])
    bottoms = [a + b for a, b in zip(answered, suggestions, strict=True)]
    ax.bar(x, unanswered, 0.8, bottom=bottoms, color=QUESTION_COLORS[2], label=labels[2])
    ticks = x[:: max(1, -(-len(series) // 8))]
    ax.set_xticks(ticks, [_tick_label(series[i].start, unit) for i in ticks], fontsize=8)
    ax.set_xlim(-0.6, len(series) - 0.4)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    per = t("stats.chart_per", lang).split("|")[("day", "week", "month").index(unit)]
    ax.set_title(f"{labels[3]} {per}", fontsize=10, loc="left")
    # Above the bars, next to the title: never on top of the data.
    ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=3, fontsize=8, frameon=False)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
