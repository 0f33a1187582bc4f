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

from bot.cli.errors import CliError, one_line
from bot.core.heartbeat import STALE_AFTER, heartbeat_age
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


MIN_SECRET_CHARS = 32
"""A shorter OMTANKE_SECRET is too easy to guess for a key."""


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


async def cmd_stats(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    """Usage statistics as a table, JSON or CSV; optionally a PNG chart."""
    if args.days < 1:
        raise CliError("--days must be at least 1")
    chart = Path(args.chart) if args.chart else None
    if chart is not None and not chart.parent.is_dir():
        raise CliError(f"cannot write the chart: folder {chart.parent} does not exist")
    try:
        report = await _with_db(settings, lambda sm: build_report(sm, args.days))
    except DB_ERRORS as exc:
        raise _db_failure("cannot read statistics", exc) from None
    if chart is not None:
        png = await asyncio.to_thread(render_chart, report, "en")
        try:
            await asyncio.to_thread(chart.write_bytes, png)
        except OSError as exc:
            raise CliError(f"cannot write the chart to {chart}: {exc.strerror or exc}") from None
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
    if chart is not None:
        print(f"chart written to {chart}", file=sys.stderr)
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
    # The period as a heading of its own: as a table title it would wrap in the narrow table.
    console.print(f"[bold]Omtanke – last {report.days} days (since {report.since:%Y-%m-%d})[/bold]")
    table = Table()
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
    days = "1 day" if args.days == 1 else f"{args.days} days"
    out.write(f"{len(gaps)} groups from {len(texts)} unanswered questions in the last {days}\n")
    return 0


class Checks:
    """The doctor's table: one line per check, counting failures."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.failures = 0

    def line(self, ok: bool | None, name: str, detail: str) -> None:
        """ok (True), FAIL (False) or warn (None), the check's name and what was found."""
        mark = {True: "ok  ", False: "FAIL", None: "warn"}[ok]
        self.failures += ok is False
        self.out.write(f"{mark}  {name:<12} {detail}\n")


async def cmd_doctor(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    """One line per check: settings, token, mode, secret, database, migrations, knowledge base."""
    checks = Checks(out)
    problems: list[str] = getattr(args, "settings_problems", [])
    for problem in problems:
        checks.line(False, "settings", problem)
    if not problems:
        checks.line(True, "settings", "environment parsed")
    await _check_token(
        checks, settings, token_problem=any(p.startswith("TELEGRAM_BOT_TOKEN") for p in problems)
    )
    _check_mode(checks, settings)
    _check_polling(checks, settings)
    if any(p.startswith("DATABASE_URL") for p in problems):
        checks.line(None, "database", "skipped: DATABASE_URL is invalid")
    else:
        _check_secret(checks, settings)
        await _check_database(checks, settings)
    report = load_knowledge_base(settings.knowledge_root)
    if report.kb is not None:
        detail = f"{len(report.kb.entries)} entries, {len(report.warnings)} warnings ({settings.knowledge_root})"
        checks.line(True, "knowledge", detail)
    else:
        checks.line(False, "knowledge", f"{len(report.errors)} errors: run `omtanke kb check`")
    failures = checks.failures
    out.write("all checks passed\n" if failures == 0 else f"{failures} checks failed\n")
    return 1 if failures else 0


async def _check_token(checks: Checks, settings: Settings, *, token_problem: bool) -> None:
    if token_problem:
        return  # already a failed settings line
    if settings.token is None:
        checks.line(
            None, "token", "TELEGRAM_BOT_TOKEN not set: `omtanke run` starts the terminal chat"
        )
        return
    # Imported here: python-telegram-bot is only needed when there is a token to check.
    from bot.telegram.probe import check_token

    outcome, detail = await check_token(settings)
    checks.line({"ok": True, "rejected": False, "unreachable": None}[outcome], "token", detail)


def _check_mode(checks: Checks, settings: Settings) -> None:
    admins = f", {len(settings.admin_ids)} admins" if settings.admin_ids else ", no admins"
    if settings.webhook_url and not settings.webhook_url.startswith("https://"):
        checks.line(
            False, "mode", f"WEBHOOK_URL must be https:// for Telegram: {settings.webhook_url}"
        )
    else:
        mode = f"webhook {settings.webhook_url}" if settings.webhook_url else "polling"
        checks.line(True, "mode", mode + admins)
    if settings.match_answer_threshold < settings.match_suggest_threshold:
        checks.line(
            False,
            "thresholds",
            f"MATCH_ANSWER_THRESHOLD ({settings.match_answer_threshold:g}) is below "
            f"MATCH_SUGGEST_THRESHOLD ({settings.match_suggest_threshold:g}): no question would get a 'did you mean'",
        )


def _check_polling(checks: Checks, settings: Settings) -> None:
    """The heartbeat a polling `omtanke run` leaves (no line when none is running or it stopped)."""
    if settings.webhook_url:
        return
    age = heartbeat_age(settings.heartbeat_path)
    if age is None:
        return
    if age > STALE_AFTER:
        checks.line(
            False,
            "polling",
            f"no successful getUpdates for {age:.0f} s ({settings.heartbeat_path}): "
            "the bot is stuck, cannot reach Telegram, or was killed",
        )
    else:
        checks.line(True, "polling", f"last successful getUpdates {age:.0f} s ago")


def _check_secret(checks: Checks, settings: Settings) -> None:
    secret = settings.secret
    if secret:
        if len(secret) < MIN_SECRET_CHARS:
            checks.line(
                None,
                "secret",
                f"OMTANKE_SECRET has only {len(secret)} characters; use at least {MIN_SECRET_CHARS} "
                "(`openssl rand -hex 32`) – changing it later unlinks every stored user",
            )
        else:
            checks.line(True, "secret", "OMTANKE_SECRET set")
    elif settings.is_sqlite:
        path = key_path(settings.database_url)
        state = "exists" if path.exists() else "will be created"
        checks.line(None, "secret", f"OMTANKE_SECRET not set: key file {path} {state}")
    else:
        try:
            resolve_secret(settings.database_url, None)
        except SecretRequired as exc:
            checks.line(False, "secret", str(exc))


async def _check_database(checks: Checks, settings: Settings) -> None:
    try:
        revision = await asyncio.wait_for(current(settings.database_url), timeout=10)
    except DB_ERRORS as exc:
        checks.line(False, "database", f"unreachable: {one_line(exc)}")
        return
    checks.line(True, "database", f"reachable ({settings.database_url.split('://')[0]})")
    newest = head()
    if revision == newest:
        checks.line(True, "migrations", f"at head {newest}")
    else:
        checks.line(
            False if revision else None,
            "migrations",
            f"at {revision or 'nothing'}, head is {newest}: run `omtanke db upgrade` (run does it on start)",
        )
