"""The log never blocks and never loses: poison records, kill -9, a hung database.

Fault injection on SQLite and PostgreSQL (issue #15). Bounds are checked with
generous margins; the counts are exact.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import re
import signal
import sys
import textwrap
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.engine import make_url

from db import repo
from db.models import Question
from db.records import clean_json, clean_text, from_json, to_json
from db.writer import LogWriter, QuestionLog, UserSeen, is_permanent
from tests.db.fixtures import Database, Outage
from tests.db.test_writer import FAST, SM, T0, click, counts, question, question_ids, spool_lines

REPO = Path(__file__).resolve().parents[2]

# Any Unicode, with NUL and surrogates (lone, or pairs split over two code points) frequent.
ANY_CHAR = st.one_of(
    st.characters(codec=None),
    st.characters(categories=["Cs"]),
    st.sampled_from(["\x00", "\ud83d", "\ude00", "\ufffd", "ø"]),
)
ANY_TEXT = st.text(alphabet=ANY_CHAR, max_size=20_000)


def storable(s: str) -> bool:
    """What both databases accept: valid UTF-8 and no U+0000."""
    s.encode("utf-8")  # raises on a surrogate
    return "\x00" not in s


# --- clean_text ----------------------------------------------------------------


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ANY_TEXT)
def test_clean_text_makes_any_text_storable_and_is_idempotent(text: str) -> None:
    cleaned = clean_text(text)
    assert storable(cleaned)
    assert clean_text(cleaned) == cleaned
    if storable_or_false(text):
        assert cleaned is text  # clean text is left alone (no copy)


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 20_000), st.sampled_from(["\x00", "\ud800", "a\udfff", "\ud83d\ude00"]))
def test_clean_text_on_long_hostile_text(n: int, unit: str) -> None:
    text = (unit * n)[:20_000]
    cleaned = clean_text(text)
    assert storable(cleaned) and clean_text(cleaned) == cleaned


def storable_or_false(s: str) -> bool:
    try:
        return storable(s)
    except UnicodeEncodeError:
        return False


def test_clean_text_exact() -> None:
    assert clean_text("a\x00b") == "a\ufffdb"
    assert clean_text("\ud800x\udfff") == "\ufffdx\ufffd"
    # A pair split over two code points is joined, not destroyed.
    assert clean_text("\ud83d\ude00") == "\U0001f600"
    assert clean_text("skal jeg købe en Stanley cup? 🥤") == "skal jeg købe en Stanley cup? 🥤"
    assert clean_json({"id": "a\x00", "score": float("nan"), "x": ["\ud800"]}) == {
        "id": "a\ufffd",
        "score": None,
        "x": ["\ufffd"],
    }


def test_records_are_clean_on_every_path() -> None:
    """Built by a handler, or replayed from a spool line an older version wrote."""
    q = question(text="a\x00b\ud800", language="d\x00", candidates=[{"id": "x\x00", "score": 1.0}])
    assert (q.text, q.language, q.candidates) == (
        "a\ufffdb\ufffd",
        "d\ufffd",
        [{"id": "x\ufffd", "score": 1.0}],
    )
    raw = to_json(question())
    raw["text"] = "gammel\x00spool\udc80"
    assert from_json(json.loads(json.dumps(raw))).text == "gammel\ufffdspool\ufffd"
    assert UserSeen("k\x00", T0).user_key == "k\ufffd"
    assert click(question(user="k\ud800")).user_key == "k\ufffd"


# --- poison records ------------------------------------------------------------


def poison(kind: str, i: int) -> QuestionLog:
    """A record the database refuses, slipped past cleaning as a bug elsewhere could."""
    q = question("poison", i)
    if kind == "nul":
        object.__setattr__(q, "text", "før\x00efter")
    elif kind == "surrogate":
        object.__setattr__(q, "text", "halv \ud800 emoji")
    elif kind == "null":
        object.__setattr__(q, "text", None)
    elif kind == "overflow":
        object.__setattr__(q, "latency_ms", 2**70)
    return q


# Which database refuses which poison (SQLite stores U+0000 as is).
REFUSED_BY = {
    "nul": {"postgresql"},
    "surrogate": {"sqlite", "postgresql"},
    "null": {"sqlite", "postgresql"},
    "overflow": {"sqlite", "postgresql"},
}
REASON = {
    "nul": "0x00",
    "surrogate": "surrogate|argument",
    "null": "null",
    "overflow": "too large|argument",
}


@pytest.mark.parametrize("kind", sorted(REFUSED_BY))
async def test_a_poison_record_is_set_aside_and_the_log_goes_on(
    db: Database, spool_path: Path, kind: str
) -> None:
    """Two poison records in a batch of 500: the 498 others are written, each poison
    is set aside with its reason, and the writer stays healthy (issue #15, case 1)."""
    sm = db.sessionmaker()
    records = [question(f"u{i % 7}", i) for i in range(500)]
    bad = {137: poison(kind, 137), 400: poison(kind, 400)}
    records = [bad.get(i, r) for i, r in enumerate(records)]
    after = [question("after", 1000 + i) for i in range(20)]
    async with LogWriter(sm, spool_path=spool_path, batch_size=500, **FAST) as writer:
        for r in records:
            writer.submit(r)
        assert await writer.flush(timeout=30)
        for r in after:
            writer.submit(r)
        assert await writer.flush(timeout=30)
        stats = writer.stats()

    refused = db.backend in REFUSED_BY[kind]
    stored = set(await question_ids(sm))
    good = {r.id for r in [*records, *after]} - ({q.id for q in bad.values()} if refused else set())
    assert stored == good
    assert stats.healthy and stats.queue_depth == 0 and stats.spool_pending == 0
    rejected = spool_lines(writer.rejected_path)
    assert stats.rejected == len(rejected) == (2 if refused else 0)
    if refused:
        assert [r["id"] for r in rejected] == [bad[137].id, bad[400].id]
        for line in rejected:
            assert re.search(REASON[kind], line["reason"], re.IGNORECASE)
            assert "[SQL:" not in line["reason"]
            assert line["rejected_at"]
            # The record is kept whole, ready to be re-imported once fixed.
            assert from_json(line).id == line["id"]
        # Bisection, not one transaction per record: ~2·log2(500) per poison.
        assert stats.retries <= 2 * 2 * 10


async def test_u0000_and_surrogates_from_users_are_stored_not_refused(
    db: Database, spool_path: Path
) -> None:
    """The realistic path: the text is cleaned when the record is built."""
    sm = db.sessionmaker()
    texts = ["skal jeg købe\x00 en airfryer", "halv emoji \ud83d", "\ud83d\ude00 hel emoji"]
    qs = [question("u", i, text=t, kind="fallback", entry_id=None) for i, t in enumerate(texts)]
    async with LogWriter(sm, spool_path=spool_path, **FAST) as writer:
        for q in qs:
            writer.submit(q)
        assert await writer.flush(timeout=10)
        assert writer.stats().rejected == 0
    async with sm() as s:
        stored = set(await s.scalars(select(Question.text)))
        gaps = await repo.top_unanswered(s, since=T0 - dt.timedelta(days=1))
    assert stored == {
        "skal jeg købe\ufffd en airfryer",
        "halv emoji \ufffd",
        "\U0001f600 hel emoji",
    }
    assert {text for text, _ in gaps} == stored  # the curators' gap list reads them back


async def test_a_poisoned_spool_replays_everything_else(db: Database, spool_path: Path) -> None:
    """Last run's spool holds a U+0000 text (an older version) and a record the
    database refuses: the first is cleaned, the second set aside, the rest written,
    and the spool is emptied instead of replaying the same bad batch forever."""
    before = [question("u", i) for i in range(30)]
    nul_line = to_json(question("u", 30))
    nul_line["text"] = "gammel\x00tekst"
    refused = to_json(question("u", 31))
    refused["text"] = None
    after = [question("u", 32 + i) for i in range(30)]
    spool_path.parent.mkdir(parents=True)
    spool_path.write_bytes(
        b"".join(
            json.dumps(d).encode() + b"\n"
            for d in [*map(to_json, before), nul_line, refused, *map(to_json, after)]
        )
        + b'{"t":"q","id":"torn'
    )
    sm = db.sessionmaker()
    async with LogWriter(sm, spool_path=spool_path, **FAST) as writer:
        assert await writer.flush(timeout=20)
        stats = writer.stats()
    assert sorted(await question_ids(sm)) == sorted(
        [q.id for q in [*before, *after]] + [nul_line["id"]]
    )
    assert stats.replayed == 61 and stats.rejected == 2  # the refused record, the torn line
    lines = spool_lines(writer.rejected_path)  # unreadable lines are set aside as they are read
    assert [line["t"] for line in lines] == ["raw", "q"]
    assert lines[0]["reason"].startswith("unreadable spool line") and "torn" in lines[0]["line"]
    assert lines[1]["id"] == refused["id"] and "IntegrityError" in lines[1]["reason"]
    assert not spool_path.exists()


def test_error_classification() -> None:
    """Connection trouble is waited out; bad data is permanent."""
    import sqlite3

    from sqlalchemy.exc import DBAPIError, OperationalError

    class PgError(Exception):
        def __init__(self, sqlstate: str) -> None:
            self.sqlstate = sqlstate

    def wrapped(orig: Exception) -> DBAPIError:
        return DBAPIError("INSERT ...", {}, orig)

    assert is_permanent(wrapped(PgError("22021")))  # U+0000
    assert is_permanent(wrapped(PgError("23502")))  # NOT NULL
    assert not is_permanent(wrapped(PgError("08006")))  # connection failure
    assert not is_permanent(wrapped(PgError("57P01")))  # admin shutdown
    assert not is_permanent(wrapped(PgError("42P01")))  # table missing: not migrated yet
    assert not is_permanent(ConnectionRefusedError(111, "refused"))
    assert not is_permanent(TimeoutError())
    assert not is_permanent(
        OperationalError("x", {}, sqlite3.OperationalError("unable to open database file"))
    )
    assert is_permanent(UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed"))
    assert not is_permanent(ValueError("no active connection"))


# --- kill -9 while the database is down ----------------------------------------------

KILL_SCRIPT = textwrap.dedent(
    """
    import asyncio, datetime as dt, sys
    from pathlib import Path

    from db import LogWriter, QuestionLog, make_engine, make_sessionmaker, new_question_id

    async def main(url: str, schema: str, spool: str) -> None:
        kwargs = {"connect_args": {"server_settings": {"search_path": schema}}} if schema else {}
        engine = make_engine(url, **kwargs)
        writer = LogWriter(make_sessionmaker(engine), spool_path=Path(spool),
                           flush_interval=0.05, min_backoff=0.05, max_backoff=0.2,
                           write_timeout=5, sync_interval=0.2)
        await writer.start()
        i = 0
        while True:  # a steady stream of questions until SIGKILL
            q = QuestionLog(id=new_question_id(), user_key="k" * 64, chat_type="private",
                            text=f"q{i}", language="da", kind="fallback",
                            created_at=dt.datetime.now(dt.UTC))
            writer.submit(q)
            s = writer.stats()
            # The id is printed only after submit() returned: the handler has answered.
            print(q.id, s.written, s.spooled, int(s.healthy), flush=True)
            i += 1
            await asyncio.sleep(0.002)

    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3]))
    """
)


async def run_until_killed(
    db: Database,
    url: str,
    spool: Path,
    tmp_path: Path,
    kill_after: int,
    at_line: dict[int, Callable[[], Any]] | None = None,
) -> list[list[str]]:
    """Run the writer script, SIGKILL it after `kill_after` acknowledged records."""
    script = tmp_path / "killed_bot.py"
    script.write_text(KILL_SCRIPT)
    proc = await asyncio.create_subprocess_exec(
        *(sys.executable, str(script), url, db.schema or "", str(spool)),
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    acked: list[list[str]] = []
    try:
        assert proc.stdout is not None
        while len(acked) < kill_after:
            line = await asyncio.wait_for(proc.stdout.readline(), timeout=30)
            assert line, (await proc.stderr.read()).decode() if proc.stderr else "no output"
            acked.append(line.decode().split())
            if at_line and len(acked) in at_line:
                await at_line[len(acked)]()
        assert proc.returncode is None  # still running: only SIGKILL ends it
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        if proc.returncode is None:
            proc.kill()
        await proc.wait()
    return acked


async def replay(check: Database, spool: Path) -> tuple[set[str], Any]:
    sm: SM = check.sessionmaker()
    async with LogWriter(sm, spool_path=spool, **FAST) as writer:
        assert await writer.flush(timeout=60)
        stats = writer.stats()
    return set(await question_ids(sm)), stats


async def test_kill_9_while_the_database_is_down_loses_nothing(
    outage: Outage, spool_path: Path, tmp_path: Path
) -> None:
    """Issue #15 case 2 (it lost 100 of 100): now every acknowledged record is on
    disk the moment the outage is noticed, so SIGKILL loses none of them."""
    acked = await run_until_killed(outage.db, outage.url, spool_path, tmp_path, kill_after=600)
    ids = [a[0] for a in acked]
    assert acked[-1][3] == "0"  # the writer knew the database was down
    assert all(a[1] == "0" for a in acked)  # nothing could be written
    await outage.up()
    stored, stats = await replay(outage.check_db, spool_path)
    lost = set(ids) - stored
    assert len(lost) == 0, f"{len(lost)} of {len(ids)} acknowledged records lost"
    # The child wrote some it could not acknowledge before it died; no more than that.
    assert stats.replayed >= len(ids) and stored >= set(ids)
    assert stats.rejected == 0


@pytest.mark.postgres
async def test_kill_9_soon_after_the_database_goes_away_loses_nothing(
    pg_db: Database, spool_path: Path, tmp_path: Path
) -> None:
    """PostgreSQL goes away mid-stream (connections cut, new ones refused); the
    process is SIGKILLed 300 records later: the memory queue was moved to the
    spool at the first failure and everything after went there at once."""
    from tests.db.fixtures import TcpProxy

    target = make_url(pg_db.url)
    proxy = TcpProxy(target.host or "127.0.0.1", target.port or 5432)
    await proxy.open()
    url = pg_db.url_via("127.0.0.1", proxy.port)
    try:
        acked = await run_until_killed(
            pg_db, url, spool_path, tmp_path, kill_after=600, at_line={300: proxy.close}
        )
    finally:
        await proxy.close()
    ids = [a[0] for a in acked]
    written_before = int(acked[299][1])
    assert written_before > 0  # it really was writing before the outage
    assert acked[-1][3] == "0"
    stored, stats = await replay(pg_db, spool_path)
    lost = set(ids) - stored
    assert len(lost) == 0, f"{len(lost)} of {len(ids)} acknowledged records lost"
    assert stats.rejected == 0


# --- a database that hangs ------------------------------------------------------------


class Blackhole:
    """A TCP server that accepts connections and never answers: a hung database."""

    def __init__(self) -> None:
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: list[asyncio.StreamWriter] = []

    async def __aenter__(self) -> Blackhole:
        async def hold(_r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
            self._writers.append(w)

        self._server = await asyncio.start_server(hold, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for w in self._writers:
            w.transport.abort()
        await self._server.wait_closed()


@pytest.fixture
async def hung_pg(pg_db: Database) -> AsyncIterator[tuple[Database, str]]:
    """PostgreSQL's URL pointed at a server that never answers."""
    async with Blackhole() as hole:
        yield pg_db, pg_db.url_via("127.0.0.1", hole.port)


@pytest.mark.postgres
async def test_a_hung_database_spills_to_disk_and_stop_keeps_its_deadline(
    hung_pg: tuple[Database, str], spool_path: Path
) -> None:
    """No error ever comes back (a 60 s write timeout): after `spill_after` the
    records are on disk anyway, and stop() returns by its deadline."""
    db, url = hung_pg
    sm = db.sessionmaker(db.engine(url, connect_args={"timeout": 60}))
    writer = LogWriter(sm, spool_path=spool_path, flush_interval=0.05, write_timeout=60)
    await writer.start()
    records = [question("u", i) for i in range(200)]
    for r in records[:100]:
        writer.submit(r)
    for _ in range(500):  # the write hangs; wait for the group-commit task's spill
        if writer.stats().spills:
            break
        await asyncio.sleep(0.02)
    stats = writer.stats()
    assert stats.spills == 1 and stats.retries == 0 and stats.queue_depth == 0
    for r in records[100:]:
        writer.submit(r)  # straight to the spool now
    assert [from_json(x) for x in spool_lines(spool_path)] == records

    t = time.monotonic()
    await writer.stop(deadline=asyncio.get_running_loop().time() + 1.0)
    elapsed = time.monotonic() - t
    assert elapsed < 3.0  # hung and all on disk: it need not even wait for the 1 s deadline
    assert [from_json(x) for x in spool_lines(spool_path)] == records

    stored, stats = await replay(db, spool_path)
    assert stored == {r.id for r in records} and stats.replayed == 200


async def test_stop_while_down_returns_after_one_attempt(outage: Outage, spool_path: Path) -> None:
    """With the database down, stop() does not wait out its timeout."""
    sm = outage.db.sessionmaker(outage.db.engine(outage.url))
    writer = LogWriter(sm, spool_path=spool_path, flush_interval=60, min_backoff=5.0)
    await writer.start()
    records = [question("u", i) for i in range(1500)]
    for r in records:
        writer.submit(r)
    t = time.monotonic()
    await writer.stop(timeout=30)
    assert time.monotonic() - t < 10.0  # not the 30 s timeout
    assert writer.stats().spooled == 1500
    assert [from_json(x) for x in spool_lines(spool_path)] == records
    await outage.up()
    stored, _ = await replay(outage.check_db, spool_path)
    assert stored == {r.id for r in records}
    assert (await counts(outage.check_db.sessionmaker()))["questions"] == 1500


async def test_a_stop_mid_replay_resumes_where_it_stopped(db: Database, spool_path: Path) -> None:
    """The spool's read offset survives a clean stop, so the next start does not
    write the replayed head again (it would be harmless, only slow)."""
    records = [question(f"u{i % 9}", i) for i in range(6000)]
    spool_path.parent.mkdir(parents=True)
    spool_path.write_bytes(b"".join(json.dumps(to_json(r)).encode() + b"\n" for r in records))
    sm = db.sessionmaker()
    first = LogWriter(sm, spool_path=spool_path, batch_size=50, **FAST)
    await first.start()
    for _ in range(3000):  # until some 500 are replayed (bounded: a failure, not a hang)
        if first.stats().replayed >= 500:
            break
        await asyncio.sleep(0.01)
    await first.stop(timeout=0.3)  # far from done
    done = first.stats().replayed
    assert 500 <= done < 6000 and first.stats().spool_pending == 6000 - done

    second = LogWriter(sm, spool_path=spool_path, batch_size=500, **FAST)
    await second.start()
    assert second.stats().spool_pending == 6000 - done
    assert await second.flush(timeout=60)
    await second.stop()
    assert second.stats().replayed == 6000 - done
    assert set(await question_ids(sm)) == {r.id for r in records}
    assert not spool_path.exists() and not spool_path.with_name("omtanke.spool.offset").exists()
