"""Logging set-up: one format; no secret and no update payload ever reaches a log line.

Guarantees, for every record of every logger on every handler (also handlers added later): a
bot token (anything token-shaped), the webhook secret, OMTANKE_SECRET and the password of a
database URL are replaced in its message, its arguments, its exception text and its stack. The
work happens when the record is made (`logging.setLogRecordFactory`), so no handler or formatter
ever sees the clear text; `RedactSecrets` does the same as a handler filter.

Records of python-telegram-bot, its HTTP client and the database drivers carry no payloads, at
any level: Telegram objects, request and query parameters and results in their arguments become a
summary (`<Update 12: message>`, `<parameters: chat_id, text>`), so DEBUG says which update and
which endpoint, never a user's id, name or text.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
import traceback
from collections.abc import Callable, Iterable, Mapping
from typing import Any

TOKEN_PATTERN = re.compile(r"\d{3,15}:[A-Za-z0-9_-]{30,}")
"""A bot token anywhere in a text (httpx logs request URLs that contain it)."""
URL_PASSWORD = re.compile(r"(\b[A-Za-z][\w+.-]*://[^:/@\s]*:)[^@\s/]+@")
"""The password of a `scheme://user:password@host` URL."""
REDACTED = "<redacted>"
PAYLOAD_LOGGERS = ("telegram", "httpx", "httpcore", "tornado", "aiosqlite", "sqlalchemy", "asyncpg")
"""Loggers whose arguments may carry update payloads, request or query parameters."""

_secrets: list[str] = []
_base_factory: Callable[..., logging.LogRecord] | None = None


def set_secrets(secrets: Iterable[str]) -> None:
    """The literal secret values to redact besides anything token- or password-shaped."""
    # Longest first, so a secret containing another is replaced whole.
    _secrets[:] = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)


def redact(text: str) -> str:
    """`text` without secrets."""
    text = TOKEN_PATTERN.sub("<token>", text)
    text = URL_PASSWORD.sub(rf"\1{REDACTED}@", text)
    for secret in _secrets:
        text = text.replace(secret, REDACTED)
    return text


def summary(value: Any) -> Any:
    """A log argument of a Telegram library without its payload (plain scalars stay)."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return (
            value
            if len(value) <= 80 and not any(c in value for c in "{[\n")
            else (f"<{len(value)} characters>")
        )
    if isinstance(value, BaseException):
        return value
    update_id = getattr(value, "update_id", None)
    if isinstance(update_id, int) and hasattr(value, "to_dict"):
        kinds = [k for k in value.to_dict() if k != "update_id"]
        return f"<Update {update_id}: {kinds[0] if kinds else 'empty'}>"
    if isinstance(value, Mapping):
        return f"<parameters: {', '.join(str(k) for k in value)}>"
    if isinstance(value, list | tuple) and all(isinstance(v, int) for v in value):
        return value  # update ids
    if isinstance(value, list | tuple | set | frozenset | bytes | bytearray):
        return f"<{type(value).__name__} of {len(value)}>"
    return f"<{type(value).__name__}>"


def scrub(record: logging.LogRecord) -> logging.LogRecord:
    """Remove secrets (and, for Telegram libraries, payloads) from a record, once."""
    if getattr(record, "scrubbed", False):
        return record
    if record.args and record.name.startswith(PAYLOAD_LOGGERS):
        args = record.args
        if isinstance(args, Mapping):
            record.args = {k: summary(v) for k, v in args.items()}
        else:
            record.args = tuple(summary(a) for a in args)
    try:
        message = record.getMessage()
    except Exception:  # a bad format string: keep what can be shown
        message = f"{record.msg!s} {record.args!r}"
    record.msg, record.args = redact(message), None
    if record.exc_info and record.exc_info[0] is not None:
        text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        record.exc_text = redact(text)
        record.exc_info = None  # the text above is all any handler gets
    elif record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    record.scrubbed = True
    return record


class RedactSecrets(logging.Filter):
    """Handler filter: `scrub` every record that reaches the handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        scrub(record)
        return True


RedactToken = RedactSecrets
"""The earlier name of `RedactSecrets`."""


def _scrubbing_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
    assert _base_factory is not None
    return scrub(_base_factory(*args, **kwargs))


def _log_uncaught(kind: type[BaseException], exc: BaseException, tb: Any) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, exc, tb)
        return
    logging.getLogger("omtanke").critical("uncaught exception", exc_info=(kind, exc, tb))


def _log_uncaught_in_thread(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is not None:
        logging.getLogger("omtanke").critical(
            "uncaught exception in thread %s",
            args.thread.name if args.thread else "?",
            exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
        )


def protect(secrets: Iterable[str] = ()) -> None:
    """Scrub every record from now on (idempotent; a later call replaces the secrets).

    Uncaught exceptions (main thread and other threads) are logged too, so their traceback is
    scrubbed like any other instead of being printed as it is.
    """
    global _base_factory
    set_secrets(secrets)
    if _base_factory is None:
        _base_factory = logging.getLogRecordFactory()
        logging.setLogRecordFactory(_scrubbing_factory)
        sys.excepthook = _log_uncaught
        threading.excepthook = _log_uncaught_in_thread


def configure_logging(level: str, secrets: Iterable[str] = ()) -> None:
    """Log to stderr without secrets; quiet the HTTP client's per-request lines."""
    protect(secrets)
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    root.setLevel(level)
    for handler in root.handlers:
        if not any(isinstance(f, RedactSecrets) for f in handler.filters):
            handler.addFilter(RedactSecrets())
    for noisy in ("httpx", "httpcore", "aiosqlite"):  # a line per request or cursor call
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if level != "DEBUG":
        logging.getLogger("alembic").setLevel(logging.WARNING)  # one line per migration is noise
