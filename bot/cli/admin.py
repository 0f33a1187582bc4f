"""Command-line tools for admins and operators: db upgrade/purge, stats, gaps, doctor."""

from __future__ import annotations

import argparse
import asyncio
import csv
import datetime as dt
import json
import sys
from collections.abc import Awaitable, Callable
from difflib import get_close_matches
from pathlib import Path
from typing import TextIO, TypeVar

from rich.console import Console
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cli.errors import CliError, one_line
from bot.core.admin import MAX_DAYS
from bot.core.chart import render_chart
from bot.core.gaps import Worklist, build_entry_list, build_worklist
from bot.core.report_html import report_html
from bot.core.services import DB_ERRORS
from bot.core.settings import Settings
from bot.core.stats import StatsReport, build_report
from db import repo
from db.engine import make_engine, make_sessionmaker
from db.migrate import current, upgrade
from knowledge.loader import KnowledgeBase, load_knowledge_base

T = TypeVar("T")
Work = Callable[[async_sessionmaker[AsyncSession]], Awaitable[T]]


async def _with_db(settings: Settings, work: Work[T]) -> T:
    engine = make_engine(settings.database_url)
    try:
        return await work(make_sessionmaker(engine))
    finally:
        await engine.dispose()


def _db_failure(what: str, exc: BaseException) -> CliError:
    """One line naming what failed and why."""
    return CliError(f"{what}: {one_line(exc)}")


async def cmd_db_upgrade(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    """Run the migrations to the newest revision."""
    try:
        await upgrade(settings.database_url)
        revision = await current(settings.database_url)
    except DB_ERRORS as exc:
        raise _db_failure("migration failed", exc) from None
    out.write(f"database is at revision {revision}\n")
    return 0


async def cmd_db_purge(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    """Delete questions and feedback older than N days."""
    if args.older_than < 1:
        raise CliError("--older-than must be at least 1 day")
    cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(days=args.older_than)

    async def work(sessionmaker: async_sessionmaker[AsyncSession]) -> dict[str, int]:
        async with sessionmaker() as session:
            counts = await repo.purge_older_than(session, cutoff=cutoff)
            await session.commit()
            return dict(counts)

    try:
        counts = await _with_db(settings, work)
    except DB_ERRORS as exc:
        raise _db_failure("purge failed", exc) from None
    summary = ", ".join(f"{k}: {v}" for k, v in counts.items())
    out.write(f"deleted rows older than {cutoff:%Y-%m-%d %H:%M} UTC – {summary}\n")
    return 0


async def _report(settings: Settings, days: int, kb: KnowledgeBase | None) -> StatsReport:
    verdict_of = {rid: r.entry.verdict.value for rid, r in kb.entries.items()} if kb else {}
    threshold = settings.match_answer_threshold
    try:
        return await _with_db(
            settings,
            lambda sm: build_report(sm, days, answer_threshold=threshold, verdict_of=verdict_of),
        )
    except DB_ERRORS as exc:
        raise _db_failure("cannot read statistics", exc) from None


async def cmd_stats(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    """Usage statistics as a table, JSON or CSV; optionally a PNG chart and an HTML report."""
    if args.days < 1:
        raise CliError("--days must be at least 1")
    days = min(args.days, MAX_DAYS)
    chart = Path(args.chart) if args.chart else None
    html = Path(args.html) if getattr(args, "html", None) else None
    for target, what in ((chart, "the chart"), (html, "the report")):
        if target is not None and not target.parent.is_dir():
            raise CliError(f"cannot write {what}: folder {target.parent} does not exist")
    # The verdicts and titles come from the knowledge base; statistics work without it.
    kb = (
        await asyncio.to_thread(
            load_knowledge_base, settings.knowledge_root, cache_dir=settings.knowledge_cache_dir
        )
    ).kb
    report = await _report(settings, days, kb)
    png = await asyncio.to_thread(render_chart, report, "en") if chart or html else b""
    if chart is not None:
        _write(chart, png, "the chart")
    if html is not None:
        titles = {rid: r.entry.title.get("en") for rid, r in kb.entries.items()} if kb else {}
        _write(html, report_html(report, png, titles).encode(), "the report")
    if args.entries:
        return _print_entries(report.entry_quality, args, out)
    if args.json:
        out.write(json.dumps(report.to_json(), ensure_ascii=False) + "\n")
    elif args.csv:
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        for d in report.daily:
            writer.writerow([d.day.isoformat(), *d[1:]])
    else:
        _print_table(report, out)
    for target, what in ((chart, "chart"), (html, "report")):
        if target is not None:
            print(f"{what} written to {target}", file=sys.stderr)
    return 0


CSV_COLUMNS = (
    "day",
    "answered",
    "suggestions",
    "unanswered",
    "reminders_set",
    "still_want",
    "passed",
)
"""`omtanke stats --csv`: one row per day of the period."""


def _write(path: Path, data: bytes, what: str) -> None:
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise CliError(f"cannot write {what} to {path}: {exc.strerror or exc}") from None


def _print_entries(
    rows: list[tuple[str, int, int, int]], args: argparse.Namespace, out: TextIO
) -> int:
    if args.json:
        out.write(
            json.dumps(
                [{"id": e, "answers": a, "helpful": h, "not_helpful": n} for e, a, h, n in rows]
            )
            + "\n"
        )
        return 0
    if args.csv:
        writer = csv.writer(out)
        writer.writerow(["entry", "answers", "helpful", "not_helpful"])
        writer.writerows(rows)
        return 0
    table = Table(title="Entries, worst 👍 ratio first")
    for col in ("entry", "answers", "👍", "👎"):
        table.add_column(col, justify="left" if col == "entry" else "right")
    for e, a, h, n in rows:
        table.add_row(e, str(a), str(h), str(n))
    Console(file=out).print(table)
    return 0


def _print_table(report: StatsReport, out: TextIO) -> None:
    console = Console(file=out)
    # The period as a heading of its own: as a table title it would wrap in the narrow table.
    console.print(f"[bold]Omtanke – last {report.days} days (since {report.since:%Y-%m-%d})[/bold]")
    table = Table()
    table.add_column("measure")
    table.add_column("value", justify="right")
    rows = report.measures() + report.rule_measures()
    for name, value in rows:
        table.add_row(name, str(value))
    console.print(table)
    verdicts = Table(title="👍 share by verdict")
    for col in ("verdict", "👍", "👎", "👍 share"):
        verdicts.add_column(col, justify="left" if col == "verdict" else "right")
    for v in report.verdicts:
        share = "–" if v.share is None else f"{v.share:.0%}"
        verdicts.add_row(v.verdict, str(v.helpful), str(v.not_helpful), share)
    console.print(verdicts)
    for title, label, counts in (
        ("Top entries", "entry", report.top_entries),
        ("Top unanswered", "question", [(g.label, g.count) for g in report.top_unanswered]),
    ):
        if counts:
            ranked = Table(title=title)
            ranked.add_column(label)
            ranked.add_column("count", justify="right")
            for name, n in counts:
                ranked.add_row(name, str(n))
            console.print(ranked)


def _period(days: int) -> str:
    """ "the last day" / "the last 30 days"."""
    return "the last day" if days == 1 else f"the last {days} days"


async def cmd_kb_gaps(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    """The curators' worklist, or the questions that reached one entry (--entry)."""
    if args.days < 1:
        raise CliError("--days must be at least 1")
    args.days = min(args.days, MAX_DAYS)
    if args.entry:
        return await _entry_questions(args, settings, out)
    threshold = settings.match_answer_threshold
    try:
        worklist = await _with_db(
            settings,
            lambda sm: build_worklist(
                sm, args.days, answer_threshold=threshold, offload=asyncio.to_thread
            ),
        )
    except DB_ERRORS as exc:
        raise _db_failure("cannot read questions", exc) from None
    if args.json:
        out.write(json.dumps(worklist.to_json(), ensure_ascii=False) + "\n")
        return 0
    print_worklist(worklist, out)
    return 0


def print_worklist(worklist: Worklist, out: TextIO) -> None:
    """Both sections of the worklist as plain text (easy to copy into an issue or a chat)."""
    left_out = (
        f" ({worklist.left_out} without a product word left out)" if worklist.left_out else ""
    )
    out.write(
        f"Unanswered questions, {_period(worklist.days)}: {len(worklist.gaps)} groups from "
        f"{worklist.questions} questions{left_out}\n"
    )
    if worklist.truncated:
        out.write(f"(only the newest {worklist.questions} questions were read)\n")
    if worklist.gaps:
        out.write("count  people  question\n")
    for gap in worklist.gaps:
        also = f"   (also: {' | '.join(gap.examples)})" if gap.examples else ""
        out.write(f"{gap.count:5d}  {gap.users:6d}  {gap.label}{also}\n")
    out.write(
        f"\nAnswered but maybe wrong (👎, “Not what I meant”, or a score under "
        f"{worklist.close_below:g}): {len(worklist.suspects)}\n"
    )
    if worklist.suspects:
        out.write("count  question → entry\n")
    for s in worklist.suspects:
        out.write(f"{s.count:5d}  {s.label} → {s.entry_id} ({s.signals()})\n")


async def _entry_questions(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    entry_id = args.entry
    report = await asyncio.to_thread(
        load_knowledge_base, settings.knowledge_root, cache_dir=settings.knowledge_cache_dir
    )
    if report.kb is not None and report.kb.get(entry_id) is None:
        close = get_close_matches(entry_id, list(report.kb.entries), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        print(f"note: no entry {entry_id!r} in the knowledge base{hint}", file=sys.stderr)
    try:
        asked = await _with_db(settings, lambda sm: build_entry_list(sm, entry_id, args.days))
    except DB_ERRORS as exc:
        raise _db_failure("cannot read questions", exc) from None
    if args.json:
        data = {
            "entry": entry_id,
            "days": args.days,
            "questions": [a.to_json() for a in asked],
        }
        out.write(json.dumps(data, ensure_ascii=False) + "\n")
        return 0
    total = sum(a.count for a in asked)
    out.write(
        f"Questions answered with {entry_id}, {_period(args.days)}: {total} questions "
        f"in {len(asked)} wordings\n"
    )
    if asked:
        out.write("count   👍   👎  not meant  lowest score  question\n")
    for a in asked:
        score = "" if a.lowest_score is None else f"{a.lowest_score:g}"
        out.write(
            f"{a.count:5d}  {a.helpful:3d}  {a.not_helpful:3d}  {a.not_meant:9d}  {score:>12}  "
            f"{a.question}\n"
        )
    return 0
