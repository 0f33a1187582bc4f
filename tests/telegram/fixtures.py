"""Fixtures for end-to-end tests of the bot against the fake Telegram Bot API server."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.telegram.fake_api import FakeTelegramServer


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
