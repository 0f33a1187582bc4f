"""End to end: questions from many simulated users through the real bot, against an echo bot.

Both bots poll the same kind of loopback Bot API (`api.py`, in a process of its own, like
Telegram's servers) with the rate limiter off; all questions wait at the server when the clock
starts (a backlog: after a restart, or a burst), and
it stops at the last message that completes every chat's answers. Omtanke runs as `omtanke run`
builds it – `build_application`, our poller, per-chat ordering, matching, the write-behind log to
SQLite, reply rendering – and afterwards every question must be in the database exactly once.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.pool import NullPool

from bot.cli.bench.api import TOKEN, RemoteApi, user
from bot.cli.bench.common import real_questions
from bot.cli.bench.echo import build_echo, polling
from bot.core.knowledge import KnowledgeHolder
from bot.core.settings import Settings, load_settings
from bot.telegram.app import build_application
from bot.telegram.lifecycle import running
from db.engine import make_engine
from db.migrate import upgrade
from knowledge.synthetic import typo_questions

TIMEOUT = 300.0
"""Seconds a bot gets to answer the whole backlog before the run counts as failed."""


def questions(holder: KnowledgeHolder, count: int) -> list[str]:
    """`count` questions: the real sets (cycled), or typo questions outside a checkout."""
    pool = [q for q in real_questions() or [] if 3 < len(q.strip()) <= 1000 and q[0] != "/"]
    pool = pool or typo_questions(holder.snapshot.kb, count)
    return [pool[i % len(pool)] for i in range(count)]


def _load(api: RemoteApi, qs: list[str], users: int) -> None:
    people = [user(10_000 + i, "da" if i % 2 else "en") for i in range(users)]
    for i, question in enumerate(qs):
        api.queue(people[i % users], question)


async def echo_run(qs: list[str], users: int) -> dict[str, Any]:
    """The bare echo bot on the backlog."""
    api = RemoteApi()
    await api.start()
    try:
        app = build_echo(TOKEN, api.base_url)
        async with polling(app):
            started, cpu = time.perf_counter(), time.process_time()
            _load(api, qs, users)
            ok = await api.wait_answered(TIMEOUT)
            cpu = time.process_time() - cpu
        return _figures(api, started, cpu, ok, len(qs))
    finally:
        await api.stop()


async def omtanke_run(
    base: Settings, holder: KnowledgeHolder, qs: list[str], users: int, profile: bool
) -> dict[str, Any]:
    """Omtanke on the backlog; then the log is checked row by row in the database."""
    api = RemoteApi()
    await api.start()
    profiler = cProfile.Profile() if profile else None
    try:
        with tempfile.TemporaryDirectory(prefix="omtanke-bench-") as tmp:
            settings = _settings(base, api.base_url, Path(tmp))
            await upgrade(settings.database_url)
            app = build_application(settings, holder=holder)
            async with running(app, poll_timeout=1):
                if profiler is not None:
                    profiler.enable()
                started, cpu = time.perf_counter(), time.process_time()
                _load(api, qs, users)
                ok = await api.wait_answered(TIMEOUT)
                cpu = time.process_time() - cpu
                if profiler is not None:
                    profiler.disable()
            figures = _figures(api, started, cpu, ok, len(qs))
            logged = await _logged(settings.database_url)
        expected = Counter(q for q in qs)
        figures["rows"] = sum(logged.values())
        figures["logged_exactly_once"] = logged == expected
        if profiler is not None:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(40)
            figures["profile"] = out.getvalue()
        return figures
    finally:
        await api.stop()


def _settings(base: Settings, api_url: str, tmp: Path) -> Settings:
    return load_settings(
        telegram_bot_token=TOKEN,
        telegram_api_base_url=api_url,
        telegram_rate_limit=False,
        database_url=f"sqlite+aiosqlite:///{tmp / 'bench.db'}",
        spool_path=tmp / "spool.jsonl",
        omtanke_secret="omtanke-bench-pseudonym-key",
        knowledge_dir=base.knowledge_dir,
        match_answer_threshold=base.match_answer_threshold,
        match_suggest_threshold=base.match_suggest_threshold,
        flood_limit=1000,
        watch_knowledge=False,
        admin_ids="",
    )


async def _logged(url: str) -> Counter[str]:
    """How often each question text is in the `questions` table."""
    engine = make_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(text("SELECT text, count(*) FROM questions GROUP BY text"))
            return Counter({str(t): int(n) for t, n in rows})
    finally:
        await engine.dispose()


def _figures(api: RemoteApi, started: float, cpu: float, ok: bool, count: int) -> dict[str, Any]:
    """Throughput (wall clock from `started` to the server's last answer) and the bot's CPU
    time per update, from `cpu`, its CPU seconds for the whole backlog (other processes on the
    machine do not inflate it; the server's is not in it)."""
    seconds = max(1e-9, (api.last_answer or time.perf_counter()) - started)
    return {
        "updates": count,
        "answered_all": ok,
        "messages": sum(api.answered.values()),
        "seconds": round(seconds, 3),
        "updates_per_s": round(count / seconds, 1),
        "cpu_ms_per_update": round(cpu * 1000 / count, 3),
        "get_updates_calls": api.calls["getUpdates"],
    }


async def run(
    settings: Settings, *, count: int, users: int, rounds: int, profile: bool = False
) -> dict[str, Any]:
    """The echo bot and Omtanke, alternating `rounds` times; the best round of each."""
    holder = KnowledgeHolder(settings.knowledge_root, settings.thresholds)
    qs = questions(holder, count)
    echo: list[dict[str, Any]] = []
    ours: list[dict[str, Any]] = []
    for i in range(rounds):
        echo.append(await echo_run(qs, users))
        ours.append(await omtanke_run(settings, holder, qs, users, profile and i == rounds - 1))
    clock = time.process_time()
    for question in qs:  # the share of an update that is matching alone (warm, same questions)
        holder.snapshot.matcher.match(question)
    matching_ms = (time.process_time() - clock) * 1000 / len(qs)
    best_echo = max(echo, key=lambda r: r["updates_per_s"])
    best = max(ours, key=lambda r: r["updates_per_s"])
    return {
        "users": users,
        "updates": count,
        "rounds": rounds,
        "echo": best_echo,
        "omtanke": {k: v for k, v in best.items() if k != "profile"},
        "ratio": round(best["updates_per_s"] / best_echo["updates_per_s"], 3),
        "matching_cpu_ms_per_update": round(matching_ms, 3),
        "echo_answered_all": all(r["answered_all"] for r in echo),
        "omtanke_answered_all": all(r["answered_all"] for r in ours),
        "logged_exactly_once": all(r["logged_exactly_once"] for r in ours),
        "profile": next((r["profile"] for r in ours if "profile" in r), None),
    }
