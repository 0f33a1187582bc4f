"""The statistics as one self-contained HTML page (`omtanke stats --html FILE`).

Guarantees: the page needs nothing but itself – the chart is an inline base64 PNG, the style
is inline, there are no scripts and no external links – so it can be mailed on or opened
offline; every piece of text from users, curators or the database is HTML-escaped.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterable, Sequence
from html import escape

from bot.core.stats import StatsReport

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto;
       max-width: 70rem; padding: 0 1rem; color: #1b1b1b; background: #fff; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #ddd; padding-bottom: .2rem; }
p.meta { color: #555; margin-top: 0; }
img.chart { max-width: 100%; height: auto; border: 1px solid #eee; }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
th, td { padding: .25rem .7rem; border-bottom: 1px solid #eee; text-align: left;
         vertical-align: top; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
.also { color: #666; font-size: .9em; }
.grid { display: flex; flex-wrap: wrap; gap: 0 3rem; }
"""


def _cell(value: object) -> str:
    text = escape(str(value))
    return f'<td class="n">{text}</td>' if isinstance(value, int | float) else f"<td>{text}</td>"


def _table(headers: Sequence[str], rows: Iterable[Sequence[object]], numeric: set[int]) -> str:
    head = "".join(
        f'<th class="n">{escape(h)}</th>' if i in numeric else f"<th>{escape(h)}</th>"
        for i, h in enumerate(headers)
    )
    body = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _percent(share: float | None) -> str:
    return "–" if share is None else f"{share:.0%}"


def report_html(
    report: StatsReport,
    chart_png: bytes,
    titles: dict[str, str],
    *,
    generated: dt.datetime | None = None,
) -> str:
    """The report page for one period: chart, figures, the 30-day rule, verdicts, entries and
    the curators' worklist."""
    parts = _head(report, generated or dt.datetime.now(dt.UTC))
    if chart_png:
        data = base64.b64encode(chart_png).decode("ascii")
        parts.append(
            f'<img class="chart" alt="Questions and the 30-day rule, {report.days} days" '
            f'src="data:image/png;base64,{data}">'
        )
    parts += _figures(report) + _entries(report, titles) + _worklist(report)
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _head(report: StatsReport, generated: dt.datetime) -> list[str]:
    first = report.since.date()
    last = first + dt.timedelta(days=report.days - 1)
    return [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Omtanke – statistics, {report.days} days</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>Omtanke – the last {report.days} days</h1>",
        f'<p class="meta">{first:%Y-%m-%d} to {last:%Y-%m-%d} (UTC) · generated '
        f"{generated:%Y-%m-%d %H:%M} UTC</p>",
    ]


def _figures(report: StatsReport) -> list[str]:
    verdicts = [(v.verdict, v.helpful, v.not_helpful, _percent(v.share)) for v in report.verdicts]
    return [
        '<div class="grid"><section><h2>Questions</h2>',
        _table(("measure", "value"), report.measures(), {1}),
        "</section><section><h2>The 30-day rule</h2>",
        _table(("measure", "value"), report.rule_measures(), {1}),
        "</section><section><h2>Helpful share by verdict</h2>",
        _table(("verdict", "helpful", "not helpful", "share"), verdicts, {1, 2, 3}),
        "</section></div>",
    ]


def _entries(report: StatsReport, titles: dict[str, str]) -> list[str]:
    parts: list[str] = []
    if report.top_entries:
        top = [(titles.get(e, e), e, n) for e, n in report.top_entries]
        parts += ["<h2>Top entries</h2>", _table(("entry", "id", "answers"), top, {2})]
    rated = [q for q in report.entry_quality if q[2] + q[3] > 0][:20]
    if rated:
        parts += [
            "<h2>Entries, worst helpful share first</h2>",
            _table(("entry", "answers", "helpful", "not helpful"), rated, {1, 2, 3}),
        ]
    return parts


def _worklist(report: StatsReport) -> list[str]:
    work = report.worklist
    parts = [
        f"<h2>Unanswered questions by product ({len(work.gaps)} groups from "
        f"{work.questions} questions)</h2>"
    ]
    if work.gaps:
        body = "".join(_gap_row(g.count, g.users, g.label, g.examples) for g in work.gaps[:50])
        parts.append(
            '<table><thead><tr><th class="n">count</th><th class="n">people</th>'
            f"<th>question</th></tr></thead><tbody>{body}</tbody></table>"
        )
    else:
        parts.append("<p>None in the period.</p>")
    parts.append(
        f"<h2>Answered but maybe wrong (not helpful, “Not what I meant”, or a score under "
        f"{work.close_below:g})</h2>"
    )
    if work.suspects:
        rows = [(x.count, x.label, x.entry_id, x.signals()) for x in work.suspects[:50]]
        parts.append(_table(("count", "question", "entry", "why"), rows, {0}))
    else:
        parts.append("<p>None in the period.</p>")
    return parts


def _gap_row(count: int, users: int, label: str, examples: Sequence[str]) -> str:
    also = f'<div class="also">also: {escape(" | ".join(examples))}</div>' if examples else ""
    return (
        f'<tr><td class="n">{count}</td><td class="n">{users}</td>'
        f"<td>{escape(label)}{also}</td></tr>"
    )
