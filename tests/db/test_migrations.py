"""Migrations: empty -> head on both backends, and the models match the migrations."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.pool import NullPool

from db import migrate
from db.models import Base
from tests.db.fixtures import Database

REPO = Path(__file__).resolve().parents[2]
TABLES = {"users", "questions", "feedback", "reminders"}


async def _tables(db: Database) -> set[str]:
    engine = db.engine(poolclass=NullPool)
    async with engine.connect() as conn:
        return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))


async def test_upgrade_from_empty_to_head_matches_models(empty_db: Database) -> None:
    engine = empty_db.engine(poolclass=NullPool)
    assert await migrate.current(engine) is None
    assert await _tables(empty_db) == set()

    await migrate.upgrade(engine)  # we are inside a running event loop here

    assert await migrate.current(engine) == migrate.head() == "0004"
    assert await _tables(empty_db) == TABLES | {"alembic_version"}
    assert set(Base.metadata.tables) == TABLES
    assert await migrate.diff(engine) == []
    # Idempotent: a second upgrade (every `omtanke run` does one) changes nothing.
    await migrate.upgrade(engine)
    assert await migrate.current(engine) == "0004"


async def test_diff_is_not_vacuous(db: Database) -> None:
    """compare_metadata really looks: drop an index and it is reported."""
    engine = db.engine(poolclass=NullPool)
    async with engine.begin() as conn:
        await conn.execute(text("DROP INDEX ix_questions_entry_id"))
    diffs = await migrate.diff(engine)
    assert [d[0] for d in diffs] == ["add_index"]
    assert diffs[0][1].name == "ix_questions_entry_id"


async def test_downgrade_to_base_and_back(db: Database) -> None:
    engine = db.engine(poolclass=NullPool)
    await migrate.downgrade(engine, "base")
    assert await migrate.current(engine) is None
    assert await _tables(db) == {"alembic_version"}
    await migrate.upgrade(engine)
    assert await migrate.diff(engine) == []


async def test_sqlite_foreign_keys_back_on_after_migrating(tmp_path: Path) -> None:
    """Migrations switch SQLite foreign keys off; the connection must get them back."""
    from db.engine import make_engine

    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'fk.db'}")  # pooled connection
    try:
        await migrate.upgrade(engine)
        async with engine.connect() as conn:
            assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1
    finally:
        await engine.dispose()


def test_migrations_ship_with_the_package() -> None:
    """Config is built in code from files pyproject's package-data includes."""
    assert migrate.MIGRATIONS_DIR == REPO / "db" / "migrations"
    for rel in ("env.py", "script.py.mako", "versions/0001_initial.py"):
        assert (migrate.MIGRATIONS_DIR / rel).is_file(), rel
    pyproject = (REPO / "pyproject.toml").read_text()
    for pattern in ('"migrations/*.py"', '"migrations/*.mako"', '"migrations/versions/*.py"'):
        assert pattern in pyproject


async def test_alembic_cli_uses_async_env(tmp_path: Path) -> None:
    """Developers' path: `alembic -c db/alembic.ini` with DATABASE_URL, no running loop."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    alembic_ini = str(REPO / "db" / "alembic.ini")
    proc = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "alembic", "-c", alembic_ini, "upgrade", "head"),
        cwd=REPO,
        env={**os.environ, "DATABASE_URL": url},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode == 0, err.decode()
    assert "Running upgrade  -> 0001" in err.decode()
    assert await migrate.current(url) == "0004"
    assert await migrate.diff(url) == []


async def test_replicas_migrating_at_once_take_turns(empty_db: Database) -> None:
    # Two bot processes starting together on a fresh database: both succeed, one schema results.
    engines = [empty_db.engine(poolclass=NullPool) for _ in range(3)]
    await asyncio.gather(*(migrate.upgrade(e) for e in engines))
    assert await migrate.current(engines[0]) == migrate.head()
    assert await _tables(empty_db) == TABLES | {"alembic_version"}


async def test_0002_keeps_rows_and_accepts_the_new_kinds(empty_db: Database) -> None:
    engine = empty_db.engine(poolclass=NullPool)
    await migrate.upgrade(engine, "0001")
    insert = text(
        "insert into questions (id, user_key, chat_type, text, language, kind, score, kb_version, "
        "latency_ms, created_at, candidates) values (:id, 'k', 'private', 'q', 'da', :kind, 0, 'v', 1, :at, '[]')"
    )
    at = dt.datetime(2026, 11, 30, tzinfo=dt.UTC)
    async with engine.begin() as conn:
        await conn.execute(insert, {"id": "a" * 32, "kind": "answer", "at": at})
    await migrate.upgrade(engine)
    async with engine.begin() as conn:
        await conn.execute(insert, {"id": "b" * 32, "kind": "category", "at": at})
        await conn.execute(insert, {"id": "c" * 32, "kind": "offtopic", "at": at})
        kinds = (await conn.execute(text("select kind from questions order by id"))).scalars().all()
    assert kinds == ["answer", "category", "offtopic"]
    with pytest.raises(IntegrityError):
        async with engine.begin() as conn:
            await conn.execute(insert, {"id": "d" * 32, "kind": "nonsense", "at": at})


_QUESTION = (
    "INSERT INTO questions (id, user_key, chat_type, text, language, kind, candidates, created_at) "
    "VALUES (:id, 'u', 'private', :text, 'da', :kind, '[]', :at)"
)
_REMINDER = (
    "INSERT INTO reminders (user_key, chat_id, entry_id, language, due_at, state, created_at) "
    "VALUES ('u', 1, 'temu', 'da', :at, 'sent', :at)"
)


async def _execute(db: Database, sql: str, **params: object) -> None:
    engine = db.engine(poolclass=NullPool)
    async with engine.begin() as conn:
        await conn.execute(text(sql), params)


async def test_0003_keeps_rows_and_adds_the_clicks_and_outcomes(empty_db: Database) -> None:
    """0002 data survives 0003 (SQLite recreates the tables); the new columns start empty."""
    engine = empty_db.engine(poolclass=NullPool)
    await migrate.upgrade(engine, "0002")
    # Raw SQL: SQLite stores UTC text, asyncpg wants a datetime.
    when = dt.datetime(2026, 11, 1, 10, tzinfo=dt.UTC)
    at: object = when.strftime("%Y-%m-%d %H:%M:%S") if empty_db.backend == "sqlite" else when
    await _execute(empty_db, _QUESTION, id="a" * 32, text="pastamaskine", kind="fallback", at=at)
    await _execute(
        empty_db,
        "INSERT INTO feedback (question_id, user_key, helpful, created_at) "
        "VALUES (:id, 'u', false, :at)",
        id="a" * 32,
        at=at,
    )
    await _execute(empty_db, _REMINDER, at=at)

    await migrate.upgrade(engine, "0003")

    assert await migrate.current(engine) == "0003"
    assert await empty_db.scalar("select count(*) from feedback") == 1
    assert await empty_db.scalar("select text from questions") == "pastamaskine"
    assert await empty_db.scalar("select count(*) from questions where not_meant_at is null") == 1
    assert await empty_db.scalar("select count(*) from reminders where outcome is null") == 1
    # The kind constraint of 0002 survives the table rebuild.
    for sql, params in (
        (_QUESTION, {"id": "d" * 32, "text": "x", "kind": "bogus", "at": at}),
        ("UPDATE reminders SET outcome = 'maybe'", {}),
    ):
        with pytest.raises(IntegrityError):
            await _execute(empty_db, sql, **params)
    await _execute(empty_db, "UPDATE reminders SET outcome = 'passed', answered_at = due_at")
    await _execute(empty_db, "UPDATE questions SET not_meant_at = created_at")
    assert await empty_db.scalar("select outcome from reminders") == "passed"

    # Down again: the columns go, the rows stay.
    await migrate.downgrade(engine, "0002")
    assert await empty_db.scalar("select count(*) from questions") == 1
    assert await empty_db.scalar("select count(*) from feedback") == 1
    assert await empty_db.scalar("select count(*) from reminders") == 1


async def test_0004_keeps_feedback_and_keys_it_by_user(empty_db: Database) -> None:
    engine = empty_db.engine(poolclass=NullPool)
    await migrate.upgrade(engine, "0002")
    at = dt.datetime(2026, 11, 30, tzinfo=dt.UTC)
    question = text(
        "insert into questions (id, user_key, chat_type, text, language, kind, score, kb_version, "
        "latency_ms, created_at, candidates) values (:id, 'k', 'group', 'q', 'da', 'answer', 0, "
        "'v', 1, :at, '[]')"
    )
    click = text(
        "insert into feedback (question_id, user_key, helpful, created_at) values (:q, :u, :h, :at)"
    )
    async with engine.begin() as conn:
        await conn.execute(question, {"id": "a" * 32, "at": at})
        await conn.execute(click, {"q": "a" * 32, "u": "asker", "h": True, "at": at})
    await migrate.upgrade(engine, "0004")
    later = at + dt.timedelta(minutes=1)
    async with engine.begin() as conn:
        await conn.execute(click, {"q": "a" * 32, "u": "other", "h": False, "at": later})
        rows = (
            await conn.execute(text("select user_key, helpful from feedback order by user_key"))
        ).all()
    assert [(u, bool(h)) for u, h in rows] == [("asker", True), ("other", False)]
    with pytest.raises(IntegrityError):  # still one click per user
        async with engine.begin() as conn:
            await conn.execute(click, {"q": "a" * 32, "u": "asker", "h": False, "at": later})
    await migrate.downgrade(engine, "0002")  # the latest click per question survives
    async with engine.begin() as conn:
        rows = (await conn.execute(text("select user_key, helpful from feedback"))).all()
    assert [(u, bool(h)) for u, h in rows] == [("other", False)]
    await migrate.upgrade(engine)
    assert await migrate.diff(engine) == []
