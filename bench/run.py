"""Benchmarks: matcher latency and memory, write-behind throughput, end-to-end bot throughput.

Run with `make bench` (figures go in README's "Performance" section). Not part of `make test`.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import datetime as dt
import os
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from knowledge.loader import load_knowledge_base  # noqa: E402
from knowledge.matcher import Matcher  # noqa: E402


def questions() -> list[str]:
    out = []
    for path in sorted((ROOT / "tests/data/questions").glob("*.tsv")):
        with path.open(encoding="utf-8") as fh:
            for row in csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
                if row and row[0].strip() and not row[0].startswith("#"):
                    out.append(row[0])
    return out


def bench_matcher() -> None:
    t0 = time.perf_counter()
    report = load_knowledge_base()
    load_s = time.perf_counter() - t0
    assert report.kb is not None
    tracemalloc.start()
    matcher = Matcher(report.kb)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    qs = questions()
    for q in qs[:50]:
        matcher.match(q)
    times = []
    for _ in range(3):
        for q in qs:
            s = time.perf_counter()
            matcher.match(q)
            times.append((time.perf_counter() - s) * 1000)
    times.sort()
    long_q = "skal jeg købe " + "en meget lang besked " * 300 + " stanley"
    s = time.perf_counter()
    for _ in range(20):
        matcher.match(long_q)
    long_ms = (time.perf_counter() - s) * 1000 / 20
    aliases = sum(len(r.entry.aliases.all()) + 2 for r in report.kb.entries.values())
    print(
        f"knowledge base: {len(report.kb.entries)} entries, {aliases} titles+aliases, load+validate {load_s * 1000:.0f} ms, matcher index {peak / 1024:.0f} KiB"
    )
    print(
        f"matcher: {len(times)} matches, mean {statistics.mean(times):.2f} ms, p50 {times[len(times) // 2]:.2f} ms, p95 {times[int(len(times) * 0.95)]:.2f} ms, max {times[-1]:.2f} ms; 20,000-char message {long_ms:.2f} ms"
    )


async def bench_writer(engine: object, label: str, n: int = 10_000) -> None:
    from db.engine import make_sessionmaker
    from db.migrate import upgrade
    from db.records import QuestionLog
    from db.writer import LogWriter

    await upgrade(engine)  # type: ignore[arg-type]
    sm = make_sessionmaker(engine)  # type: ignore[arg-type]
    with tempfile.TemporaryDirectory() as tmp:
        writer = LogWriter(sm, spool_path=Path(tmp) / "spool.jsonl")
        await writer.start()
        now = dt.datetime.now(dt.UTC)
        s = time.perf_counter()
        for i in range(n):
            writer.submit(
                QuestionLog(
                    id=uuid.uuid4().hex,
                    user_key="bench",
                    chat_type="private",
                    text=f"q{i}",
                    language="da",
                    kind="answer",
                    entry_id="temu",
                    score=99.0,
                    created_at=now,
                )
            )
        submit_s = time.perf_counter() - s
        assert await writer.flush(timeout=120)
        total = time.perf_counter() - s
        await writer.stop()
    print(
        f"writer ({label}): {n} records, submit {submit_s * 1e6 / n:.1f} µs/record, all committed after {total:.2f} s = {n / total:,.0f} rows/s"
    )


async def bench_bot(n: int = 300) -> None:
    from bot.core.settings import load_settings
    from bot.telegram.app import build_application
    from bot.telegram.lifecycle import running
    from db.migrate import upgrade
    from tests.telegram.fake_api import DEFAULT_TOKEN, FakeTelegramServer, make_user

    qs = [q for q in questions() if len(q) > 3][:n]
    with tempfile.TemporaryDirectory() as tmp:
        api = FakeTelegramServer()
        await api.start()
        settings = load_settings(
            telegram_bot_token=DEFAULT_TOKEN,
            telegram_api_base_url=api.base_url,
            database_url=f"sqlite+aiosqlite:///{tmp}/b.db",
            spool_path=Path(tmp) / "s.jsonl",
            omtanke_secret="bench",
            flood_limit=1000,
            watch_knowledge=False,
        )
        await upgrade(settings.database_url)
        app = build_application(settings)
        async with running(app, poll_timeout=1):
            users = [make_user(10_000 + i, f"U{i}", "da" if i % 2 else "en") for i in range(20)]
            s = time.perf_counter()
            for i, q in enumerate(qs):
                await api.send_text(q, user=users[i % len(users)])
            while len([c for c in api.calls if c.method == "sendMessage"]) < len(qs):
                await asyncio.sleep(0.01)
            elapsed = time.perf_counter() - s
        await api.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"bot end-to-end (polling, fake Bot API on loopback, SQLite log): {len(qs)} questions in {elapsed:.2f} s = {len(qs) / elapsed:.0f} answers/s; process max RSS {rss:.0f} MiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--pg",
        default=os.environ.get(
            "OMTANKE_TEST_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
        ),
    )
    args = parser.parse_args()
    print(
        f"# Omtanke benchmarks, {dt.date.today()}, {os.cpu_count()} cores, Python {sys.version.split()[0]}"
    )
    bench_matcher()
    bench_gaps()
    asyncio.run(bench_sqlite_writer())
    try:
        asyncio.run(bench_pg_writer(args.pg))
    except OSError as exc:  # a bench without PostgreSQL still reports the rest
        print(f"writer (PostgreSQL): skipped ({type(exc).__name__}: {exc})")
    asyncio.run(bench_bot())


def bench_gaps() -> None:
    """The curators' worklist: 10,000 distinct unanswered questions grouped (bench/gaps.py)."""
    sys.path.insert(0, str(ROOT / "bench"))
    import gaps as bench

    bench.main()


async def bench_sqlite_writer() -> None:
    from db.engine import make_engine

    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite+aiosqlite:///{tmp}/w.db")
        try:
            await bench_writer(engine, "SQLite file, WAL")
        finally:
            await engine.dispose()


async def bench_pg_writer(url: str) -> None:
    """The writer on a scratch PostgreSQL schema, dropped afterwards."""
    from sqlalchemy import text

    from db.engine import make_engine

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(url)
    async with admin.begin() as conn:
        await conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine = make_engine(url, connect_args={"server_settings": {"search_path": schema}})
    try:
        await bench_writer(engine, "PostgreSQL 15, loopback")
    finally:
        await engine.dispose()
        async with admin.begin() as conn:
            await conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        await admin.dispose()


if __name__ == "__main__":
    main()
