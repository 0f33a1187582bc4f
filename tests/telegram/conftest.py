"""Fixtures for end-to-end tests of the bot against the fake Telegram Bot API server."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

try:  # tests/ and tests/telegram/ are packages (both have __init__.py)
    from .fake_api import FakeTelegramServer
except ImportError:  # rootdir-style: this directory is on sys.path, no package
    from fake_api import FakeTelegramServer  # type: ignore[no-redef]


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeTelegramServer]:
    """A started fake Bot API server on 127.0.0.1, stopped after the test.

    Fails the test at teardown if the fake itself crashed while answering a request.
    """
    server = FakeTelegramServer()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
    assert not server.internal_errors, f"fake_api crashed: {server.internal_errors!r}"
