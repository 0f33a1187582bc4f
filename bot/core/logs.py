"""Logging set-up: one format, secrets redacted from every line, noisy libraries quieted."""

from __future__ import annotations

import logging
import re

TOKEN_PATTERN = re.compile(r"\d{3,15}:[A-Za-z0-9_-]{30,}")
"""A bot token anywhere in a text (httpx logs request URLs that contain it)."""


class RedactToken(logging.Filter):
    """Removes bot tokens from every log line."""

    pattern = TOKEN_PATTERN

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.pattern.search(message):
            record.msg = self.pattern.sub("<token>", message)
            record.args = None
        return True


def configure_logging(level: str) -> None:
    """Log to stderr with the token redacted; quiet the HTTP client's per-request lines."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    root.setLevel(level)
    for handler in root.handlers:
        if not any(isinstance(f, RedactToken) for f in handler.filters):
            handler.addFilter(RedactToken())
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    if level != "DEBUG":
        logging.getLogger("alembic").setLevel(logging.WARNING)  # one line per migration is noise
