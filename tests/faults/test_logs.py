"""Secrets never reach a log line: message, arguments, exception text, traceback, any handler."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from telegram import Update
from telegram.error import InvalidToken

from bot.core.logs import protect, redact, scrub
from bot.core.settings import database_password, load_settings
from tests.telegram.fake_api import DEFAULT_TOKEN, make_user, private_chat

WEBHOOK_SECRET = "hook_secret_0123456789"
DB_URL = "postgresql+asyncpg://omtanke:p%40ss-w0rd!@db:5432/omtanke"


@pytest.fixture
def lines() -> Iterator[list[str]]:
    """Every formatted line of a handler added *after* the protection was installed."""
    settings = load_settings(
        telegram_bot_token=DEFAULT_TOKEN,
        webhook_secret_token=WEBHOOK_SECRET,
        database_url=DB_URL,
        omtanke_secret="omtanke-secret-for-the-log-test",
    )
    protect(settings.secrets)
    seen: list[str] = []
    handler = logging.Handler()
    handler.setFormatter(logging.Formatter("%(name)s %(message)s"))
    handler.emit = lambda record: seen.append(handler.format(record))  # type: ignore[method-assign]
    root = logging.getLogger()
    root.addHandler(handler)
    old = root.level
    root.setLevel(logging.DEBUG)
    try:
        yield seen
    finally:
        root.removeHandler(handler)
        root.setLevel(old)
        protect([])


def assert_clean(text: str) -> None:
    for secret in (
        DEFAULT_TOKEN,
        DEFAULT_TOKEN.split(":")[1],
        WEBHOOK_SECRET,
        "p%40ss-w0rd!",
        "omtanke-secret-for-the-log-test",
    ):
        assert secret not in text, secret


def test_secrets_in_messages_arguments_and_tracebacks_are_redacted(lines: list[str]) -> None:
    log = logging.getLogger("omtanke.anything")
    log.warning("token %s and secret %s", DEFAULT_TOKEN, WEBHOOK_SECRET)
    log.warning(f"connecting to {DB_URL} failed")
    log.warning("the secret part alone: %s", DEFAULT_TOKEN.split(":")[1])
    try:
        raise InvalidToken(f"The token `{DEFAULT_TOKEN}` was rejected by the server.")
    except InvalidToken:
        log.exception("start failed")
    log.error("as an argument: %r", RuntimeError(f"boom {WEBHOOK_SECRET}"), stack_info=True)
    text = "\n".join(lines)
    assert "InvalidToken" in text and "Traceback" in text and "Stack (most recent" in text
    assert "<token>" in text and "<redacted>" in text
    assert "postgresql+asyncpg://omtanke:<redacted>@db:5432/omtanke" in text
    assert_clean(text)


def test_telegram_records_carry_no_payload(lines: list[str]) -> None:
    user = make_user(424_242_424, "Privat", "da", username="privat_person")
    update = Update.de_json(
        {
            "update_id": 77,
            "message": {
                "message_id": 1,
                "date": 1_700_000_000,
                "chat": private_chat(user).to_dict(),
                "from": user.to_dict(),
                "text": "min hemmelige tekst",
            },
        },
        None,
    )
    ptb = logging.getLogger("telegram.ext.Application")
    ptb.debug("Processing update %s", update)
    logging.getLogger("telegram.Bot").debug(
        "Calling Bot API endpoint `%s` with parameters `%s`",
        "setWebhook",
        {"url": "https://bot.example.org/telegram", "secret_token": WEBHOOK_SECRET},
    )
    logging.getLogger("telegram.Bot").debug(
        "Call to Bot API endpoint `%s` finished with return value `%s`",
        "getUpdates",
        [update.to_dict()],
    )
    logging.getLogger("telegram.ext.Updater").debug("Getting updates: %s", [77, 78])
    text = "\n".join(lines)
    assert "Processing update <Update 77: message>" in text
    assert (
        "Calling Bot API endpoint `setWebhook` with parameters `<parameters: url, secret_token>`"
        in text
    )
    assert "finished with return value `<list of 1>`" in text
    assert "Getting updates: [77, 78]" in text
    for private in ("424242424", "Privat", "privat_person", "min hemmelige tekst"):
        assert private not in text
    assert_clean(text)


def test_database_records_carry_no_parameters(lines: list[str]) -> None:
    logging.getLogger("aiosqlite").debug(
        "executing %s", ("INSERT INTO questions VALUES (?)", ("min hemmelige tekst",))
    )
    logging.getLogger("sqlalchemy.engine.Engine").info("[generated] %r", ("min hemmelige tekst",))
    assert "hemmelige" not in "\n".join(lines)


def test_redact_and_database_password() -> None:
    assert database_password(DB_URL) == "p%40ss-w0rd!"
    assert database_password("sqlite+aiosqlite:///omtanke.db") is None
    assert redact(f"GET /bot{DEFAULT_TOKEN}/getMe") == "GET /bot<token>/getMe"
    assert redact("redis://:hunter2@cache:6379/0") == "redis://:<redacted>@cache:6379/0"


def test_a_record_is_scrubbed_once_and_keeps_a_bad_format_readable() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "%d items", ("many",), None)
    scrub(record)
    assert record.getMessage() == "%d items ('many',)"
    assert scrub(record) is record


def test_an_uncaught_exception_is_logged_scrubbed(lines: list[str]) -> None:
    import sys

    try:
        raise RuntimeError(f"database at {DB_URL} refused")
    except RuntimeError:
        sys.excepthook(*sys.exc_info())
    text = "\n".join(lines)
    assert "uncaught exception" in text and "Traceback" in text
    assert_clean(text)
