"""Engine and session factory for SQLite (development) and PostgreSQL (production)."""

from __future__ import annotations

import contextlib
import os
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import StaticPool

DEFAULT_URL = "sqlite+aiosqlite:///omtanke.db"
SQLITE_BUSY_TIMEOUT_MS = 5000
PG_CONNECT_TIMEOUT_S = 10


def is_sqlite_memory(url: URL) -> bool:
    """Whether `url` names an in-memory SQLite database."""
    db = url.database or ""
    return db in ("", ":memory:") or "mode=memory" in db or url.query.get("mode") == "memory"


def create_private(path: str) -> None:
    """Create an empty file (an empty SQLite database) with mode 0600 if there is none yet."""
    if not path or path.startswith("file:"):
        return
    # Exists already, or its folder does not (SQLite reports that itself): leave it alone.
    with contextlib.suppress(FileExistsError, FileNotFoundError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def make_engine(url: str | URL, **kwargs: Any) -> AsyncEngine:
    """An async engine for `url`; extra keyword arguments go to `create_async_engine`.

    A SQLite file that does not exist yet is created readable by its owner only (0600, like the
    `.key` file and the spool; SQLite gives its -wal and -shm files the same mode).
    SQLite gets WAL (readers never block the writer), a 5 s busy timeout,
    enforced foreign keys and secure_delete on every connection. PostgreSQL gets a pre-ping so a
    connection dropped during an outage is replaced instead of failing a write,
    and a connect timeout so an unreachable server fails fast.
    """
    u = make_url(url)
    backend = u.get_backend_name()
    if backend == "sqlite":
        if is_sqlite_memory(u):
            # One shared connection, or every checkout would see its own empty database.
            kwargs.setdefault("poolclass", StaticPool)
        else:
            create_private(u.database or "")
        engine = create_async_engine(u, **kwargs)
        memory = is_sqlite_memory(u)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            try:
                if not memory:
                    cur.execute("PRAGMA journal_mode=WAL")
                cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
                cur.execute("PRAGMA foreign_keys=ON")
                # /forget and retention: overwrite deleted rows instead of leaving them in free pages.
                cur.execute("PRAGMA secure_delete=ON")
            finally:
                cur.close()

        return engine

    if backend == "postgresql":
        kwargs.setdefault("pool_pre_ping", True)
        if u.get_driver_name() == "asyncpg":
            connect_args = dict(kwargs.pop("connect_args", None) or {})
            connect_args.setdefault("timeout", PG_CONNECT_TIMEOUT_S)
            kwargs["connect_args"] = connect_args
    return create_async_engine(u, **kwargs)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for one unit of work each; objects stay usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)
