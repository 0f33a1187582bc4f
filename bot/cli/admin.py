"""Command-line tools for admins and operators: db upgrade/purge, stats, gaps, doctor."""

from __future__ import annotations

import argparse
import asyncio
import csv
import datetime as dt
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TextIO, TypeVar

from rich.console import Console
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cli.errors import CliError
from bot.core.services import DB_ERRORS
from bot.core.settings import Settings
from bot.core.stats import StatsReport, build_report, cluster_gaps, render_chart
from db import repo
from db.engine import make_engine, make_sessionmaker
from db.migrate import current, head, upgrade
from db.pseudonym import SecretRequired, key_path, resolve_secret
from knowledge.loader import load_knowledge_base

T = TypeVar("T")
Work = Callable[[async_sessionmaker[AsyncSession]], Awaitable[T]]


async def _with_db(settings: Settings, work: Work[T]) -> T:
    engine = make_engine(settings.database_url)
    try:
        return await work(make_sessionmaker(engine))
    finally:
        await engine.dispose()


def _db_failure(what: str, exc: BaseException) -> CliError:
    """One line naming what failed and why (SQLAlchemy's "Background on this error" cut off)."""
    detail = str(exc).split("\n")[0].split("(Background on this error")[0].strip()
    return CliError(f"{what}: {type(exc).__name__}: {detail[:200]}")


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


async def cmd_stats(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    """Usage statistics as a table, JSON or CSV; optionally a PNG chart."""
    if args.days < 1:
        raise CliError("--days must be at least 1")
    try:
        report = await _with_db(settings, lambda sm: build_report(sm, args.days))
    except DB_ERRORS as exc:
        raise _db_failure("cannot read statistics", exc) from None
    if args.chart:
        png = await asyncio.to_thread(render_chart, report, "en")
        await asyncio.to_thread(Path(args.chart).write_bytes, png)
    if args.entries:
        return _print_entries(report.entry_quality, args, out)
    if args.json:
        out.write(json.dumps(report.to_json(), ensure_ascii=False) + "\n")
    elif args.csv:
        writer = csv.writer(out)
        writer.writerow(["day", "answered", "suggestions", "unanswered"])
        for day, a, s, u in report.daily:
            writer.writerow([day.isoformat(), a, s, u])
    else:
        _print_table(report, out)
    if args.chart:
        print(f"chart written to {args.chart}", file=sys.stderr)
    return 0


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
    s = report.summary
    table = Table(title=f"Omtanke – last {report.days} days (since {report.since:%Y-%m-%d})")
    table.add_column("measure")
    table.add_column("value", justify="right")
    rows = [
        ("questions", s["questions"]),
        ("answered", s["answered"]),
        ("suggestions", s["suggestions"]),
        ("unanswered", s["unanswered"]),
        ("small talk", s["smalltalk"]),
        ("users", s["users"]),
        ("answer rate", f"{report.answer_rate:.0%}"),
        ("👍", s["helpful"]),
        ("👎", s["not_helpful"]),
        ("👍 share", f"{report.helpful_share:.0%}"),
        ("reminders pending", s["reminders_pending"]),
    ]
    for name, value in rows:
        table.add_row(name, str(value))
    console.print(table)
    for title, label, counts in (
        ("Top entries", "entry", report.top_entries),
        ("Top unanswered", "question", report.top_unanswered),
    ):
        if counts:
            ranked = Table(title=title)
            ranked.add_column(label)
            ranked.add_column("count", justify="right")
            for name, n in counts:
                ranked.add_row(name, str(n))
            console.print(ranked)


async def cmd_kb_gaps(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    """Unanswered questions grouped by similarity, most asked first."""
    since = dt.datetime.now(dt.UTC) - dt.timedelta(days=args.days)

    async def work(sessionmaker: async_sessionmaker[AsyncSession]) -> list[str]:
        async with sessionmaker() as session:
            return list(await repo.unanswered_texts(session, since=since))

    try:
        texts = await _with_db(settings, work)
    except DB_ERRORS as exc:
        raise _db_failure("cannot read questions", exc) from None
    gaps = cluster_gaps(texts)
    for gap in gaps:
        extra = f"   (also: {' | '.join(gap.examples)})" if gap.examples else ""
        out.write(f"{gap.count:5d}  {gap.text}{extra}\n")
    out.write(f"{len(gaps)} groups from {len(texts)} unanswered questions in {args.days} days\n")
    return 0


async def cmd_doctor(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    """One line per check: settings, token, secret, database, migrations, knowledge base."""
    failures = 0

    def line(ok: bool | None, name: str, detail: str) -> None:
        nonlocal failures
        mark = {True: "ok  ", False: "FAIL", None: "warn"}[ok]
        failures += ok is False
        out.write(f"{mark}  {name:<12} {detail}\n")

    line(True, "settings", "environment parsed")
    if settings.token is None:
        line(None, "token", "TELEGRAM_BOT_TOKEN not set: `omtanke run` starts the terminal chat")
    else:
        line(True, "token", "TELEGRAM_BOT_TOKEN has the BotFather format")
    mode = f"webhook {settings.webhook_url}" if settings.webhook_url else "polling"
    line(
        True,
        "mode",
        mode + (f", {len(settings.admin_ids)} admins" if settings.admin_ids else ", no admins"),
    )
    if settings.secret:
        line(True, "secret", "OMTANKE_SECRET set")
    elif settings.is_sqlite:
        path = key_path(settings.database_url)
        line(
            None,
            "secret",
            f"OMTANKE_SECRET not set: key file {path}{' exists' if path.exists() else ' will be created'}",
        )
    else:
        try:
            resolve_secret(settings.database_url, None)
        except SecretRequired as exc:
            line(False, "secret", str(exc))
    try:
        revision = await asyncio.wait_for(current(settings.database_url), timeout=10)
        line(True, "database", f"reachable ({settings.database_url.split('://')[0]})")
        newest = head()
        if revision == newest:
            line(True, "migrations", f"at head {newest}")
        else:
            line(
                False if revision else None,
                "migrations",
                f"at {revision or 'nothing'}, head is {newest}: run `omtanke db upgrade` (run does it on start)",
            )
    except DB_ERRORS as exc:
        line(False, "database", f"unreachable: {type(exc).__name__}: {str(exc)[:120]}")
    report = load_knowledge_base(settings.knowledge_root)
    if report.kb is not None:
        line(
            True,
            "knowledge",
            f"{len(report.kb.entries)} entries, {len(report.warnings)} warnings ({settings.knowledge_root})",
        )
    else:
        line(False, "knowledge", f"{len(report.errors)} errors: run `omtanke kb check`")
    out.write("all checks passed\n" if failures == 0 else f"{failures} checks failed\n")
    return 1 if failures else 0
