"""Shared fixtures for the whole suite: databases (SQLite and PostgreSQL) and the fake Bot API."""

pytest_plugins = ["tests.db.fixtures", "tests.telegram.fixtures", "tests.screenshots.fixtures"]
