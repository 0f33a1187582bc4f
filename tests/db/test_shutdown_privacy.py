"""SIGTERM flushes the log; no table keeps a raw Telegram user id."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import signal
import sys
import textwrap
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db import repo
from db.models import Base, Question
from db.pseudonym import pseudonymise
from db.writer import FeedbackLog, ForgetUser, LogWriter, QuestionLog, UserSeen, new_question_id
from tests.db.fixtures import Database

REPO = Path(__file__).resolve().parents[2]
T0 = dt.datetime(2025, 3, 10, 12, tzinfo=dt.UTC)

SCRIPT = textwrap.dedent(
    """
    import asyncio, datetime as dt, json, signal, sys
    from pathlib import Path

    from db import LogWriter, QuestionLog, make_engine, make_sessionmaker, new_question_id

    async def main(url: str, schema: str, spool: str, n: int) -> None:
        kwargs = {"connect_args": {"server_settings": {"search_path": schema}}} if schema else {}
        engine = make_engine(url, **kwargs)
        # Nothing is written on its own for a minute: only the shutdown flush can do it.
        writer = LogWriter(make_sessionmaker(engine), spool_path=Path(spool),
                           flush_interval=60, batch_size=100_000)
        await writer.start()
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        ids = []
        for i in range(n):
            q = QuestionLog(id=new_question_id(), user_key="k" * 64, chat_type="private",
                            text=f"q{i}", language="da", kind="fallback",
                            created_at=dt.datetime.now(dt.UTC))
            writer.submit(q)
            ids.append(q.id)
        print(json.dumps({"ready": ids}), flush=True)
        await stop.wait()
        await writer.stop(timeout=20)
        await engine.dispose()
        print(json.dumps({"stats": writer.stats().written}), flush=True)

    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])))
    """
)


async def test_sigterm_flushes_the_queue(db: Database, tmp_path: Path) -> None:
    script = tmp_path / "bot_like.py"
    script.write_text(SCRIPT)
    spool = tmp_path / "omtanke.spool"
    proc = await asyncio.create_subprocess_exec(
        *(sys.executable, str(script), db.url, db.schema or "", str(spool), "2500"),
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        limit=1 << 20,  # the "ready" line lists 2500 ids
    )
    try:
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), timeout=30)
        ids = json.loads(line)["ready"]
        sm = db.sessionmaker()
        async with sm() as s:
            assert list(await s.scalars(select(Question.id))) == []  # all still queued
        proc.send_signal(signal.SIGTERM)
        out_b, err_b = await asyncio.wait_for(proc.communicate(), timeout=30)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    out, err = out_b.decode(), err_b.decode()
    assert proc.returncode == 0, err
    assert json.loads(out.strip().splitlines()[-1]) == {"stats": 2500}
    async with sm() as s:
        stored = list(await s.scalars(select(Question.id)))
    assert sorted(stored) == sorted(ids)
    assert not spool.exists()


def _values(row: Any) -> list[str]:
    out = []
    for v in row:
        out.append(json.dumps(v) if isinstance(v, list | dict) else str(v))
    return out


async def _where_is(sm: async_sessionmaker[AsyncSession], raw: int) -> set[str]:
    """Every table.column whose value contains the raw id (as text, anywhere)."""
    found = set()
    async with sm() as s:
        for table in Base.metadata.sorted_tables:
            result = await s.execute(select(table))
            for row in result:
                for col, value in zip(result.keys(), _values(row), strict=True):
                    if str(raw) in value:
                        found.add(f"{table.name}.{col}")
    return found


async def test_no_table_keeps_a_raw_telegram_id(db: Database, spool_path: Path) -> None:
    raw = 7_123_456_789  # a Telegram user id (private chat: chat id == user id)
    key = pseudonymise(b"s" * 32, raw)
    sm = db.sessionmaker()

    async with LogWriter(sm, spool_path=spool_path, flush_interval=0.02) as writer:
        q = QuestionLog(
            id=new_question_id(),
            user_key=key,
            chat_type="private",
            text="Hvad med en airfryer?",
            language="da",
            kind="answer",
            entry_id="air-fryer",
            score=0.8,
            candidates=[{"id": "air-fryer", "score": 0.8}],
            kb_version="1",
            latency_ms=5,
            created_at=T0,
        )
        for r in (UserSeen(key, T0, "da"), q, FeedbackLog(q.id, key, True, T0)):
            writer.submit(r)
        assert await writer.flush(timeout=10)
        async with sm.begin() as s:
            sent = await repo.create_reminder(
                s,
                user_key=key,
                chat_id=raw,
                entry_id="air-fryer",
                language="da",
                due_at=T0,
                now=T0,
            )
            pending = await repo.create_reminder(
                s,
                user_key=key,
                chat_id=raw,
                entry_id="air-fryer",
                language="da",
                due_at=T0 + dt.timedelta(days=30),
                now=T0,
            )
        # Only a pending reminder's chat id holds it ...
        assert await _where_is(sm, raw) == {"reminders.chat_id"}
        async with sm.begin() as s:
            await repo.claim_due_reminders(s, now=T0)
            await repo.mark_reminder_sent(s, reminder_id=sent, now=T0)
        assert await _where_is(sm, raw) == {"reminders.chat_id"}  # still the pending one

        # ... until /forget: repository now, and in the stream for anything still queued.
        writer.submit(ForgetUser(key))
        async with sm.begin() as s:
            counts = await repo.forget_user(s, user_key=key)
        assert await writer.flush(timeout=10)
    assert counts == {"feedback": 1, "questions": 1, "reminders": 2, "users": 1}
    assert pending != sent
    assert await _where_is(sm, raw) == set()


async def test_sent_reminder_forgets_its_chat_id(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    raw = 5_555_000_111
    async with sessionmaker.begin() as s:
        rid = await repo.create_reminder(
            s, user_key="k", chat_id=raw, entry_id="e", language="en", due_at=T0, now=T0
        )
    async with sessionmaker.begin() as s:
        [claimed] = await repo.claim_due_reminders(s, now=T0)
        assert claimed.chat_id == raw  # needed to deliver it
        await repo.mark_reminder_sent(s, reminder_id=rid, now=T0)
    assert await _where_is(sessionmaker, raw) == set()
