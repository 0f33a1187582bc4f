"""Alembic environment: async engine, the bot's settings, batch mode for SQLite.

Two ways in:
* `db.migrate.upgrade()` (the bot, tests) passes a live connection in
  `config.attributes["connection"]`; nothing here touches the event loop.
* The `alembic` CLI (developers) gets no connection; we open one with
  `asyncio.run`, from the URL in `config.attributes["url"]`, the
  `sqlalchemy.url` option or `DATABASE_URL`.
"""

from __future__ import annotations

import asyncio
import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool

from db.engine import DEFAULT_URL, make_engine
from db.models import Base

config = context.config
target_metadata = Base.metadata

if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def database_url() -> str:
    """The URL to migrate: explicit attribute, ini option, environment, default."""
    return str(
        config.attributes.get("url")
        or config.get_main_option("sqlalchemy.url")
        or os.environ.get("DATABASE_URL")
        or DEFAULT_URL
    )


def run_migrations_offline() -> None:
    """Emit SQL to stdout (`alembic upgrade --sql`) instead of running it."""
    url = database_url()
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        render_as_batch=url.startswith("sqlite"),
    )
    with context.begin_transaction():
        context.run_migrations()


def do_run_migrations(connection: Connection) -> None:
    """Run the migrations on `connection`; the caller commits."""
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things; batch mode recreates the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_async_migrations() -> None:
    """CLI path: own engine and connection, committed at the end."""
    from db.migrate import run_on_connection

    engine = make_engine(database_url(), poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            await run_on_connection(conn, do_run_migrations)
    finally:
        await engine.dispose()


def run_migrations_online() -> None:
    """Use the caller's connection if given, else connect ourselves."""
    connection = config.attributes.get("connection")
    if connection is not None:
        do_run_migrations(connection)
        return
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(run_async_migrations())
        return
    raise RuntimeError(
        "alembic called inside a running event loop: use `await db.migrate.upgrade()`"
    )


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
