"""Run the Alembic migrations from code (`omtanke db upgrade`, `omtanke run`).

The Alembic `Config` is built here, pointing at the `migrations` folder
beside this file, so it works from an installed wheel without an ini file.
Everything is async: alembic's synchronous API runs on an async connection
via `run_sync`, so calling `upgrade()` from inside a running loop is fine.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.pool import NullPool

from db.engine import make_engine
from db.models import Base

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    """An Alembic config for our migrations (URL passed as an attribute, never %-interpolated)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        cfg.attributes["url"] = url
    return cfg


MIGRATION_LOCK_ID = (
    7_266_836_251  # any constant shared by every Omtanke process ("omtanke" on a keypad)
)


def head() -> str:
    """The newest revision id in the migrations folder."""
    rev = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if rev is None:
        raise RuntimeError(f"no migrations found in {MIGRATIONS_DIR}")
    return rev


@asynccontextmanager
async def _connect(target: str | AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection to `target`; an engine we created is disposed afterwards."""
    engine = make_engine(target, poolclass=NullPool) if isinstance(target, str) else target
    try:
        async with engine.connect() as conn:
            yield conn
    finally:
        if isinstance(target, str):
            await engine.dispose()


async def run_on_connection(conn: AsyncConnection, fn: Callable[[Connection], Any]) -> None:
    """Run synchronous alembic work `fn` on `conn` and commit.

    On SQLite foreign keys are switched off meanwhile: batch mode copies a
    table and drops the original, which with foreign keys on would cascade.
    """
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:
        await conn.exec_driver_sql("PRAGMA foreign_keys=OFF")  # outside any transaction: effective
    try:
        await conn.run_sync(fn)
        await conn.commit()
    except BaseException:
        await conn.rollback()
        raise
    finally:
        if sqlite:
            try:
                await conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                await conn.commit()
            except Exception:
                # Never hand a pooled connection back with foreign keys off.
                await conn.invalidate()
                raise


async def upgrade(url: str | AsyncEngine, revision: str = "head") -> None:
    """Migrate the database at `url` (or behind an engine) up to `revision`."""

    def run(sync_conn: Connection) -> None:
        if sync_conn.dialect.name == "postgresql":
            # Replicas starting together take turns; the later ones then find the schema at head.
            # The lock belongs to this transaction and ends with its commit or rollback.
            sync_conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_ID})")
        cfg = alembic_config()
        cfg.attributes["connection"] = sync_conn
        command.upgrade(cfg, revision)

    async with _sqlite_file_lock(url), _connect(url) as conn:
        await run_on_connection(conn, run)


@asynccontextmanager
async def _sqlite_file_lock(target: str | AsyncEngine) -> AsyncIterator[None]:
    """On a SQLite file, processes migrating at once take turns (a lock file beside it).

    SQLite answers "database is locked" rather than waiting when two transactions that
    both read first then want to write meet, so the busy timeout alone does not serialise them.
    """
    url = make_url(target) if isinstance(target, str) else target.url
    path = url.database if url.get_backend_name() == "sqlite" else None
    if not path or path == ":memory:" or path.startswith("file:"):
        yield
        return
    import fcntl

    lock_path = Path(path).with_name(Path(path).name + ".migrate.lock")
    with lock_path.open("a") as handle:
        await asyncio.to_thread(fcntl.flock, handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


async def downgrade(url: str | AsyncEngine, revision: str) -> None:
    """Migrate down to `revision` ("base" for an empty schema)."""

    def run(sync_conn: Connection) -> None:
        cfg = alembic_config()
        cfg.attributes["connection"] = sync_conn
        command.downgrade(cfg, revision)

    async with _connect(url) as conn:
        await run_on_connection(conn, run)


async def current(url: str | AsyncEngine) -> str | None:
    """The revision the database is at, or None if it was never migrated."""

    def get(sync_conn: Connection) -> str | None:
        return MigrationContext.configure(sync_conn).get_current_revision()

    async with _connect(url) as conn:
        rev: str | None = await conn.run_sync(get)
        await conn.rollback()
        return rev


async def diff(url: str | AsyncEngine) -> list[Any]:
    """Differences between the database schema and the models (empty = in sync)."""

    def compare(sync_conn: Connection) -> list[Any]:
        ctx = MigrationContext.configure(sync_conn, opts={"compare_type": True})
        return list(compare_metadata(ctx, Base.metadata))

    async with _connect(url) as conn:
        result: list[Any] = await conn.run_sync(compare)
        await conn.rollback()
        return result
