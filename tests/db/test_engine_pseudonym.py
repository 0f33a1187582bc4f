"""Engine settings and pseudonymous user keys."""

from __future__ import annotations

import datetime as dt
import stat
from pathlib import Path

import pytest
from sqlalchemy import select, text

from db import Base, User, make_engine, make_sessionmaker
from db.pseudonym import SecretRequired, key_path, pseudonymise, resolve_secret

NOW = dt.datetime(2025, 3, 1, 12, tzinfo=dt.UTC)


async def test_sqlite_file_engine_settings(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    try:
        async with engine.connect() as conn:
            pragma = {
                name: (await conn.execute(text(f"PRAGMA {name}"))).scalar()
                for name in ("journal_mode", "busy_timeout", "foreign_keys", "secure_delete")
            }
        assert pragma == {
            "journal_mode": "wal",
            "busy_timeout": 5000,
            "foreign_keys": 1,
            "secure_delete": 1,
        }
    finally:
        await engine.dispose()


async def test_in_memory_sqlite_is_one_database_across_sessions() -> None:
    engine = make_engine("sqlite+aiosqlite://")
    try:
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        sm = make_sessionmaker(engine)
        async with sm.begin() as s:
            s.add(User(user_key="k", language="da", first_seen=NOW, last_seen=NOW))
        async with sm() as s:
            user = await s.scalar(select(User))
        assert user is not None
        assert user.first_seen == NOW
        assert user.first_seen.tzinfo is dt.UTC  # read back aware, though SQLite stores text
    finally:
        await engine.dispose()


def test_pseudonymise_is_keyed_and_stable() -> None:
    a = pseudonymise(b"k" * 32, 123456789)
    assert a == pseudonymise(b"k" * 32, 123456789)
    assert len(a) == 64 and int(a, 16) >= 0
    assert a != pseudonymise(b"j" * 32, 123456789)  # another key, another pseudonym
    assert a != pseudonymise(b"k" * 32, 123456780)
    assert "123456789" not in a


def test_resolve_secret_uses_the_given_secret() -> None:
    secret = "a-long-random-secret-value-0123456789"
    key, notice = resolve_secret("postgresql+asyncpg://db/x", secret)
    assert key == secret.encode()
    assert notice is None
    _, short = resolve_secret("sqlite+aiosqlite:///x.db", "short")
    assert short is not None and "OMTANKE_SECRET" in short


def test_resolve_secret_generates_a_key_file_once(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'data' / 'omtanke.db'}"
    path = tmp_path / "data" / "omtanke.db.key"
    assert key_path(url) == path

    key, notice = resolve_secret(url, None)
    assert len(key) == 32
    assert notice is not None and "generated" in notice and str(path) in notice
    assert "\n" not in notice
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    again, notice2 = resolve_secret(url, "")  # an empty OMTANKE_SECRET counts as unset
    assert again == key
    assert notice2 is not None and "generated" not in notice2 and str(path) in notice2

    path.chmod(0o644)  # a careless copy: tightened, key unchanged
    assert resolve_secret(url, None)[0] == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert list(path.parent.iterdir()) == [path]  # no temp files left behind


def test_resolve_secret_refuses_a_damaged_key_file(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'omtanke.db'}"
    key_path(url).write_text("")
    with pytest.raises(ValueError, match="empty or truncated"):
        resolve_secret(url, None)


def test_resolve_secret_in_memory_is_random_per_process() -> None:
    a, notice = resolve_secret("sqlite+aiosqlite://", None)
    b, _ = resolve_secret("sqlite+aiosqlite:///:memory:", None)
    assert a == b and len(a) == 32
    assert notice is not None and "this process" in notice


def test_resolve_secret_required_for_postgresql() -> None:
    with pytest.raises(SecretRequired) as err:
        resolve_secret("postgresql+asyncpg://u@db/omtanke", None)
    message = str(err.value)
    assert "OMTANKE_SECRET" in message and "\n" not in message


async def test_sqlite_database_is_created_private(tmp_path: Path) -> None:
    """The database file (and its WAL) is 0600 like the key file and the spool, whatever umask."""
    import os

    from db.engine import make_engine
    from db.migrate import upgrade

    old = os.umask(0o022)
    try:
        engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'private.db'}")
        try:
            await upgrade(engine)
            async with engine.connect() as conn:
                await conn.exec_driver_sql("select count(*) from questions")
                modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in tmp_path.iterdir()}
        finally:
            await engine.dispose()
    finally:
        os.umask(old)
    data = {name: mode for name, mode in modes.items() if not name.endswith(".lock")}
    assert data == {"private.db": 0o600, "private.db-wal": 0o600, "private.db-shm": 0o600}
