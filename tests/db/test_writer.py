"""The write-behind logger on SQLite and PostgreSQL: exactly once, nothing lost."""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import json
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db import repo
from db.models import Feedback, Question, User
from db.records import from_json, to_json
from db.writer import (
    FeedbackLog,
    ForgetUser,
    LogWriter,
    QuestionLog,
    Record,
    UserSeen,
    apply_records,
    new_question_id,
)
from tests.db.fixtures import Database, Outage, TcpProxy

SM = async_sessionmaker[AsyncSession]
T0 = dt.datetime(2025, 3, 10, 12, tzinfo=dt.UTC)

# Fast retries so outages in tests last fractions of a second.
FAST: dict[str, Any] = {
    "flush_interval": 0.02,
    "min_backoff": 0.01,
    "max_backoff": 0.2,
    "write_timeout": 5.0,
}


def question(user: str = "u1", i: int = 0, **kw: Any) -> QuestionLog:
    fields: dict[str, Any] = {
        "id": new_question_id(),
        "user_key": user,
        "chat_type": "private",
        "text": f"spørgsmål {i}",
        "language": "da",
        "kind": "answer",
        "entry_id": "stanley-cup",
        "score": 0.9,
        "candidates": [{"id": "stanley-cup", "score": 0.9}],
        "kb_version": "kb-1",
        "latency_ms": 3,
        "created_at": T0 + dt.timedelta(milliseconds=i),
    }
    fields.update(kw)
    return QuestionLog(**fields)


def click(q: QuestionLog, helpful: bool = True, i: int = 0) -> FeedbackLog:
    return FeedbackLog(
        q.id, q.user_key, helpful, q.created_at + dt.timedelta(seconds=1, milliseconds=i)
    )


def conversation(n: int, users: int = 20) -> list[Record]:
    """n questions, each followed by its feedback click, and a sighting per user."""
    out: list[Record] = []
    for i in range(n):
        user = f"user{i % users}"
        q = question(user, i)
        out += [UserSeen(user, q.created_at, "da"), q, click(q, helpful=i % 3 != 0, i=i)]
    return out


async def counts(sm: SM) -> dict[str, int]:
    async with sm() as s:
        return {
            name: int(await s.scalar(select(func.count()).select_from(model)) or 0)
            for name, model in (("questions", Question), ("feedback", Feedback), ("users", User))
        }


async def question_ids(sm: SM) -> list[str]:
    async with sm() as s:
        return list(await s.scalars(select(Question.id)))


def spool_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_bytes().splitlines()] if path.exists() else []


async def submit_all(writer: LogWriter, records: list[Record], every: int = 100) -> None:
    """Submit like handlers do: the loop gets a turn now and then."""
    for i, r in enumerate(records, 1):
        writer.submit(r)
        if i % every == 0:
            await asyncio.sleep(0)


# --- throughput and exactly-once -----------------------------------------------


async def test_ten_thousand_records_exactly_once(db: Database, spool_path: Path) -> None:
    sm = db.sessionmaker()
    writer = LogWriter(sm, spool_path=spool_path, flush_interval=0.05)
    await writer.start()
    qs = [question(f"user{i % 50}", i) for i in range(10_000)]
    await submit_all(writer, list(qs))
    assert await writer.flush(timeout=40)
    await writer.stop()

    stats = writer.stats()
    assert (stats.written, stats.spooled, stats.retries, stats.queue_depth) == (10_000, 0, 0, 0)
    assert stats.healthy
    ids = await question_ids(sm)
    assert len(ids) == 10_000 and set(ids) == {q.id for q in qs}
    assert not spool_path.exists()


async def test_mixed_records_keep_their_order(db: Database, spool_path: Path) -> None:
    """Tiny batches split questions from their clicks; no click is lost as 'orphaned'."""
    sm = db.sessionmaker()
    records = conversation(300)
    async with LogWriter(sm, spool_path=spool_path, batch_size=7, **FAST) as writer:
        await submit_all(writer, records, every=5)
        assert await writer.flush(timeout=20)
    assert await counts(sm) == {"questions": 300, "feedback": 300, "users": 20}
    async with sm() as s:
        helpful = await s.scalar(select(func.count()).where(Feedback.helpful.is_(True)))
    assert helpful == 200


async def test_replaying_a_committed_batch_changes_nothing(sessionmaker: SM) -> None:
    """A batch whose commit outcome was unknown is retried whole: no duplicates."""
    batch = conversation(50)
    for _ in range(3):
        async with sessionmaker.begin() as s:
            await apply_records(s, batch)
    assert await counts(sessionmaker) == {"questions": 50, "feedback": 50, "users": 20}


async def test_a_rejected_record_does_not_block_the_rest(db: Database, spool_path: Path) -> None:
    sm = db.sessionmaker()
    good = [question("u", i) for i in range(10)]
    bad = question("u", 99, text=None)  # NOT NULL violation on both databases
    async with LogWriter(sm, spool_path=spool_path, batch_size=100, **FAST) as writer:
        for r in [*good[:5], bad, *good[5:]]:
            writer.submit(r)
        assert await writer.flush(timeout=10)
        stats = writer.stats()
    assert sorted(await question_ids(sm)) == sorted(q.id for q in good)
    assert stats.rejected == 1 and stats.written == 10
    rejected = spool_lines(Path(str(spool_path) + ".rejected"))
    assert [r["id"] for r in rejected] == [bad.id]


# --- outages, the memory bound and the spool -------------------------------------


async def test_past_the_memory_bound_records_spool_and_replay(
    outage: Outage, spool_path: Path
) -> None:
    writer = LogWriter(
        outage.db.sessionmaker(outage.db.engine(outage.url)),
        spool_path=spool_path,
        max_queue=100,
        batch_size=40,
        **FAST,
    )
    await writer.start()
    records = conversation(200)  # 600 records
    t = time.perf_counter()
    await submit_all(writer, records)
    assert time.perf_counter() - t < 1.0  # answers never wait for the database

    await asyncio.sleep(0.3)  # the writer keeps failing meanwhile
    stats = writer.stats()
    assert stats.written == 0 and stats.retries >= 1 and not stats.healthy
    # Past the bound memory moved to disk, and with the database down everything
    # after it went there at once: all of it, in order, fsync'd by group commit.
    assert stats.queue_depth == 0 and stats.spooled == 600 == stats.spool_pending
    assert stats.syncs >= 1
    assert [from_json(line) for line in spool_lines(spool_path)] == records

    await outage.up()
    assert await writer.flush(timeout=20)
    stats = writer.stats()
    assert stats.healthy and stats.written == 600 and stats.replayed == 600
    assert spool_path.stat().st_size == 0  # truncated once replayed
    await writer.stop()
    assert not spool_path.exists()
    assert await counts(outage.check_db.sessionmaker()) == {
        "questions": 200,
        "feedback": 200,  # spooled clicks followed their (queued or spooled) questions
        "users": 20,
    }


async def test_stop_while_down_spools_and_the_next_start_replays(
    outage: Outage, spool_path: Path
) -> None:
    down_sm = outage.db.sessionmaker(outage.db.engine(outage.url))
    first = LogWriter(down_sm, spool_path=spool_path, max_queue=50, **FAST)
    await first.start()
    records = conversation(80)  # 240 records: 50 in memory, 190 spooled
    await submit_all(first, records)
    await first.stop(timeout=0.3)
    late = question("late", 1000)
    first.submit(late)  # after stop: straight to the spool
    assert first.stats().spooled == 241

    # Memory went in front of the spool: the file holds everything in submission order.
    assert [from_json(line) for line in spool_lines(spool_path)] == [*records, late]

    await outage.up()
    second = LogWriter(outage.check_db.sessionmaker(), spool_path=spool_path, **FAST)
    async with second:
        assert await second.flush(timeout=20)
    assert second.stats().replayed == 241
    assert await counts(outage.check_db.sessionmaker()) == {
        "questions": 81,
        "feedback": 80,
        "users": 21 - 1,  # "late" only asked a question, no sighting
    }
    assert not spool_path.exists()


@pytest.mark.postgres
async def test_database_refusing_connections_mid_stream_loses_nothing(
    pg_db: Database, spool_path: Path
) -> None:
    """A real outage: a proxy in front of PostgreSQL drops every connection and
    refuses new ones for a while, in the middle of a stream of writes."""
    target = make_url(pg_db.url)
    proxy = TcpProxy(target.host or "127.0.0.1", target.port or 5432)
    await proxy.open()
    engine = pg_db.engine(pg_db.url_via("127.0.0.1", proxy.port))
    writer = LogWriter(
        pg_db.sessionmaker(engine), spool_path=spool_path, max_queue=300, batch_size=50, **FAST
    )
    await writer.start()
    qs = [question(f"user{i % 30}", i) for i in range(3000)]
    writer.submit(qs[0])
    assert await writer.flush(timeout=10)  # connected and writing before the outage
    durations: list[float] = []
    gc.disable()  # time submit(), not the garbage collector
    try:
        for i, q in enumerate(qs[1:], 1):
            if i == 800:
                await proxy.close()  # existing connections dropped, new ones refused
                down_at = writer.stats().written
                await asyncio.sleep(0.3)  # down for at least this long
            if i == 2200:
                await proxy.open()
            t = time.perf_counter()
            writer.submit(q)
            durations.append(time.perf_counter() - t)
            if i % 10 == 0:
                await asyncio.sleep(0.004)
        assert await writer.flush(timeout=30)
    finally:
        gc.enable()
        await writer.stop(timeout=5)
        await proxy.close()

    stats = writer.stats()
    assert 0 < down_at < 3000
    assert stats.retries > 0 and stats.spooled > 0 and stats.replayed == stats.spooled
    assert stats.written == 3000 and stats.rejected == 0
    assert proxy.connections > 1  # it really reconnected
    # Submitting never waited on the database, which was gone for >= 0.3 s.
    durations.sort()
    assert durations[int(len(durations) * 0.99)] < 0.005 and durations[-1] < 0.2
    ids = await question_ids(pg_db.sessionmaker())
    assert len(ids) == 3000 and set(ids) == {q.id for q in qs}


async def test_stop_flushes_everything(db: Database, spool_path: Path) -> None:
    sm = db.sessionmaker()
    # Nothing would be written for a minute: stop() has to do it.
    writer = LogWriter(sm, spool_path=spool_path, flush_interval=60, batch_size=100_000)
    await writer.start()
    records = conversation(400)
    await submit_all(writer, records)
    await asyncio.sleep(0.05)
    assert (await counts(sm))["questions"] == 0
    await writer.stop(timeout=20)
    assert await counts(sm) == {"questions": 400, "feedback": 400, "users": 20}
    assert writer.stats().spooled == 0 and not spool_path.exists()


async def test_torn_spool_line_is_skipped(db: Database, spool_path: Path) -> None:
    """A crash mid-append leaves half a line; the rest of the spool still replays."""
    a, b = question("u", 1), question("u", 2)
    spool_path.parent.mkdir(parents=True)
    good = b"".join(json.dumps(to_json(r)).encode() + b"\n" for r in (a, b))
    spool_path.write_bytes(good + json.dumps(to_json(question("u", 3))).encode()[:40])
    sm = db.sessionmaker()
    async with LogWriter(sm, spool_path=spool_path, **FAST) as writer:
        assert await writer.flush(timeout=10)
    assert sorted(await question_ids(sm)) == sorted([a.id, b.id])


async def test_forget_in_the_stream_deletes_what_was_queued_before(
    db: Database, spool_path: Path
) -> None:
    sm = db.sessionmaker()
    mine, theirs, after = question("me", 1), question("them", 2), question("me", 3)
    async with LogWriter(sm, spool_path=spool_path, **FAST) as writer:
        for r in (UserSeen("me", T0), mine, click(mine), theirs, ForgetUser("me"), after):
            writer.submit(r)
        assert await writer.flush(timeout=10)
    assert sorted(await question_ids(sm)) == sorted([theirs.id, after.id])
    assert await counts(sm) == {"questions": 2, "feedback": 0, "users": 0}


async def test_records_validate_early() -> None:
    with pytest.raises(ValueError, match="kind"):
        question(kind="maybe")
    with pytest.raises(ValueError, match="32"):
        question(id="not-a-uuid")
    with pytest.raises(ValueError, match="timezone"):
        question(created_at=dt.datetime(2025, 1, 1))
    r = question()
    assert from_json(json.loads(json.dumps(to_json(r)))) == r


async def test_repo_and_writer_agree_on_feedback(sessionmaker: SM) -> None:
    """The writer's bulk path and the repository's single call are the same rules."""
    q = question()
    async with sessionmaker.begin() as s:
        await apply_records(s, [q, click(q, helpful=True)])
        assert await repo.set_feedback(
            s, question_id=q.id, user_key="u1", helpful=False, now=T0 + dt.timedelta(hours=1)
        )
        await apply_records(s, [click(q, helpful=True)])  # older than the stored click
    async with sessionmaker() as s:
        assert (await s.scalar(select(Feedback.helpful))) is False


async def test_last_runs_spool_goes_first_even_before_start(db: Database, spool_path: Path) -> None:
    """A click submitted before start() for a question still in last run's spool."""
    q = question("u", 1)
    spool_path.parent.mkdir(parents=True)
    spool_path.write_bytes(json.dumps(to_json(q)).encode() + b"\n")
    sm = db.sessionmaker()
    writer = LogWriter(sm, spool_path=spool_path, flush_interval=60)
    writer.submit(click(q, helpful=False))  # must queue behind the spooled question
    await writer.start()
    assert await writer.flush(timeout=10)  # flush() does not wait for the 60 s batch window
    await writer.stop()
    assert await counts(sm) == {"questions": 1, "feedback": 1, "users": 0}


async def test_one_spool_one_writer(sessionmaker: SM, spool_path: Path) -> None:
    first = LogWriter(sessionmaker, spool_path=spool_path)
    await first.start()
    second = LogWriter(sessionmaker, spool_path=spool_path)
    with pytest.raises(RuntimeError, match="in use"):
        await second.start()
    await first.stop()
    await second.start()  # free again once the first one stopped
    await second.stop()
