"""Fixtures: every db test runs on SQLite and on PostgreSQL, each in a clean schema.

PostgreSQL comes from OMTANKE_TEST_PG_URL (default: local server, trust auth).
Unreachable: the PostgreSQL half is skipped locally but fails when `CI` is set.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.pool import NullPool

from db import migrate
from db.engine import make_engine, make_sessionmaker

PG_URL = os.environ.get("OMTANKE_TEST_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


async def _pg_reachable() -> str | None:
    engine = make_engine(PG_URL, poolclass=NullPool, connect_args={"timeout": 3})
    try:
        async with engine.connect() as conn:
            await conn.execute(text("select 1"))
        return None
    except Exception as exc:  # any failure means "not usable here"
        return f"{type(exc).__name__}: {exc}"
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def pg_problem() -> str | None:
    """Why PostgreSQL cannot be used, or None if it can (checked once)."""
    return asyncio.run(_pg_reachable())


def require_pg(problem: str | None) -> None:
    """Skip (locally) or fail (CI) when PostgreSQL is unreachable."""
    if problem is None:
        return
    msg = f"PostgreSQL unreachable at {PG_URL}: {problem}"
    if os.environ.get("CI"):
        pytest.fail(f"{msg} (CI is set: PostgreSQL tests must run)")
    pytest.skip(msg)


@dataclass
class Database:
    """One clean database (SQLite file or PostgreSQL schema) for one test."""

    backend: str
    url: str
    connect_args: dict[str, Any]
    path: Path | None = None  # SQLite file
    schema: str | None = None  # PostgreSQL schema
    _engines: list[AsyncEngine] = field(default_factory=list)

    def engine(self, url: str | None = None, **kwargs: Any) -> AsyncEngine:
        """A new engine on this database (another 'bot replica'); disposed after the test."""
        if self.connect_args:
            kwargs.setdefault("connect_args", dict(self.connect_args))
        engine = make_engine(url or self.url, **kwargs)
        self._engines.append(engine)
        return engine

    def sessionmaker(self, engine: AsyncEngine | None = None) -> async_sessionmaker[AsyncSession]:
        """Sessions on `engine` (default: a fresh engine on this database)."""
        return make_sessionmaker(engine or self.engine())

    def url_via(self, host: str, port: int) -> str:
        """This database's URL through another host/port (the outage proxy)."""
        return make_url(self.url).set(host=host, port=port).render_as_string(hide_password=False)

    async def dispose(self) -> None:
        for engine in self._engines:
            await engine.dispose()
        self._engines.clear()

    async def scalar(self, sql: str, **params: Any) -> Any:
        """Run one query on a short-lived engine and return the scalar."""
        engine = self.engine(poolclass=NullPool)
        async with engine.connect() as conn:
            return (await conn.execute(text(sql), params)).scalar()


@asynccontextmanager
async def clean_database(
    backend: str, tmp_path: Path, pg_problem: str | None
) -> AsyncIterator[Database]:
    """A clean, unmigrated database: a SQLite file, or a fresh PostgreSQL schema."""
    if backend == "sqlite":
        path = tmp_path / "omtanke.db"
        db = Database("sqlite", f"sqlite+aiosqlite:///{path}", {}, path=path)
        try:
            yield db
        finally:
            await db.dispose()
        return

    require_pg(pg_problem)
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = make_engine(PG_URL, poolclass=NullPool)
    async with admin.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    db = Database(
        "postgresql",
        PG_URL,
        {"server_settings": {"search_path": schema}},
        schema=schema,
    )
    try:
        yield db
    finally:
        await db.dispose()
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


@pytest.fixture(params=BACKENDS)
async def empty_db(
    request: pytest.FixtureRequest, tmp_path: Path, pg_problem: str | None
) -> AsyncIterator[Database]:
    """A clean, unmigrated database on each backend."""
    async with clean_database(request.param, tmp_path, pg_problem) as db:
        yield db


@pytest.fixture
async def pg_db(tmp_path: Path, pg_problem: str | None) -> AsyncIterator[Database]:
    """A clean PostgreSQL schema migrated to head (for PostgreSQL-only tests)."""
    async with clean_database("postgresql", tmp_path, pg_problem) as db:
        await migrate.upgrade(db.engine(poolclass=NullPool))
        yield db


@pytest.fixture
async def db(empty_db: Database) -> Database:
    """A clean database migrated to head."""
    engine = empty_db.engine(poolclass=NullPool)
    await migrate.upgrade(engine)
    return empty_db


@pytest.fixture
def sessionmaker(db: Database) -> async_sessionmaker[AsyncSession]:
    """Sessions on the migrated test database."""
    return db.sessionmaker()


class TcpProxy:
    """A TCP forwarder on 127.0.0.1 that can refuse connections and drop live ones.

    Closed, nothing listens on its port, so connecting is refused, exactly
    like a database that is down.
    """

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self.connections = 0

    async def open(self) -> None:
        self._server = await asyncio.start_server(
            self._handle, "127.0.0.1", self.port, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        """Stop listening and cut every live connection (both directions)."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for w in list(self._writers):
            w.transport.abort()
        self._writers.clear()
        for t in list(self._tasks):
            t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self.connections += 1
        self._writers.update((writer, up_writer))
        for src, dst in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.create_task(self._pipe(src, dst))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _pipe(self, src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
        try:
            while data := await src.read(65536):
                dst.write(data)
                await dst.drain()
        except (OSError, asyncio.CancelledError):
            pass
        finally:
            dst.transport.abort()
            self._writers.discard(dst)


@dataclass
class Outage:
    """A way to make the test database unreachable and bring it back.

    PostgreSQL: the writer connects through a `TcpProxy` (closed = refused).
    SQLite: the writer's database lives in a directory that does not exist
    yet ("unable to open database file"); `up()` creates and migrates it.
    """

    db: Database
    url: str
    up: Callable[[], Any]
    down: Callable[[], Any] | None  # None: cannot go down again (SQLite)
    check_db: Database


@pytest.fixture
async def outage(db: Database, tmp_path: Path) -> AsyncIterator[Outage]:
    """Starts DOWN; `await outage.up()` makes it reachable."""
    if db.backend == "postgresql":
        u = make_url(db.url)
        proxy = TcpProxy(u.host or "127.0.0.1", u.port or 5432)
        await proxy.open()  # learn a port, then refuse on it
        await proxy.close()
        try:
            yield Outage(db, db.url_via("127.0.0.1", proxy.port), proxy.open, proxy.close, db)
        finally:
            await proxy.close()
        return

    path = tmp_path / "not-yet" / "omtanke.db"
    later = Database("sqlite", f"sqlite+aiosqlite:///{path}", {}, path=path)

    async def up() -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        await migrate.upgrade(later.url)

    try:
        yield Outage(db, later.url, up, None, later)
    finally:
        await later.dispose()


@pytest.fixture
def spool_path(tmp_path: Path) -> Path:
    """Where a writer spools (the writer creates the folder)."""
    return tmp_path / "spool" / "omtanke.spool"
