"""Reuse the database fixtures (SQLite and PostgreSQL, clean schema per test)."""

from tests.db.conftest import db, empty_db, pg_problem, sessionmaker  # noqa: F401
