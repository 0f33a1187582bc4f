"""The write-behind log's throughput on SQLite and PostgreSQL, against one commit per row.

The writer gets `count` question records as fast as they can be submitted and the clock stops
when all are committed. The reference writes the same rows with the same repository function,
one transaction per row – what a handler that logs synchronously would cost. PostgreSQL runs in a
scratch schema dropped afterwards; when it cannot be reached that half is skipped with a note.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import NullPool

from db import repo
from db.engine import make_engine, make_sessionmaker
from db.migrate import upgrade
from db.writer import LogWriter, QuestionLog

PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


def _record(i: int, now: dt.datetime) -> QuestionLog:
    return QuestionLog(
        id=uuid.uuid4().hex,
        user_key="bench",
        chat_type="private",
        text=f"skal jeg købe en stanley cup {i}",
        language="da",
        kind="answer",
        entry_id="stanley-cup",
        score=99.0,
        candidates=[{"id": "stanley-cup", "score": 99.0}],
        created_at=now,
    )


async def _through_writer(engine: AsyncEngine, spool: Path, count: int) -> float:
    writer = LogWriter(make_sessionmaker(engine), spool_path=spool)
    await writer.start()
    now = dt.datetime.now(dt.UTC)
    started = time.perf_counter()
    for i in range(count):
        writer.submit(_record(i, now))
    if not await writer.flush(timeout=300):
        raise RuntimeError("the writer did not flush")
    seconds = time.perf_counter() - started
    await writer.stop()
    return seconds


async def _row_by_row(engine: AsyncEngine, count: int) -> float:
    sessionmaker = make_sessionmaker(engine)
    now = dt.datetime.now(dt.UTC)
    started = time.perf_counter()
    for i in range(count):
        async with sessionmaker() as session:
            await repo.add_questions(session, rows=[_record(i, now).row()])
            await session.commit()
    return time.perf_counter() - started


async def _measure(
    make: Callable[[], AsyncEngine], spool: Path, count: int, reference: int
) -> dict[str, Any]:
    engine = make()
    try:
        await upgrade(engine)
        writer_s = await _through_writer(engine, spool, count)
        row_s = await _row_by_row(engine, reference)
    finally:
        await engine.dispose()
    ours, ref = count / writer_s, reference / row_s
    return {
        "rows": count,
        "rows_per_s": round(ours),
        "reference_rows": reference,
        "reference_rows_per_s": round(ref),
        "ratio": round(ours / ref, 1),
    }


async def sqlite(count: int, reference: int) -> dict[str, Any]:
    """The writer on a SQLite file (WAL), as the bot uses it."""
    with tempfile.TemporaryDirectory(prefix="omtanke-bench-") as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/writer.db"
        figures = await _measure(lambda: make_engine(url), Path(tmp) / "spool", count, reference)
    return {"database": "SQLite", **figures}


async def postgresql(url: str, count: int, reference: int) -> dict[str, Any]:
    """The writer on a scratch PostgreSQL schema; a note instead when it is unreachable."""
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = make_engine(url, poolclass=NullPool, connect_args={"timeout": 3})
    try:
        async with admin.begin() as conn:
            await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # unreachable, refused, no such database: skip, say why
        await admin.dispose()
        return {"database": "PostgreSQL", "skipped": f"{type(exc).__name__}: {exc}"[:200]}
    args = {"server_settings": {"search_path": schema}}
    try:
        with tempfile.TemporaryDirectory(prefix="omtanke-bench-") as tmp:
            figures = await _measure(
                lambda: make_engine(url, connect_args=args), Path(tmp) / "spool", count, reference
            )
        return {"database": "PostgreSQL", **figures}
    finally:
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()
