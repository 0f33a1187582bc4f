"""The polling heartbeat: a file touched on every successful getUpdates, read by `omtanke doctor`.

The file exists while a polling process runs (a clean stop removes it), so a stale one means a
process that is stuck, cannot reach Telegram, or was killed. Its modification time is the
heartbeat; it is touched at most once a second.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

log = logging.getLogger(__name__)

STALE_AFTER = 60.0
"""Seconds without a successful getUpdates after which polling counts as stalled (a long poll
lasts at most 10 s plus timeouts; backoff after errors is at most 30 s)."""


class Heartbeat:
    """Touches `path` when told, at most every `every` seconds."""

    def __init__(self, path: Path, every: float = 1.0) -> None:
        self.path = path
        self.every = every
        self._last = 0.0
        self._failed = False

    def beat(self) -> None:
        """Record a successful getUpdates."""
        now = time.monotonic()
        if now - self._last < self.every:
            return
        self._last = now
        try:
            if self.path.exists():
                os.utime(self.path)
            else:
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(fd, "w") as fh:
                    fh.write(f"omtanke polling heartbeat, pid {os.getpid()}\n")
            self._failed = False
        except OSError as exc:
            if not self._failed:  # one line per failure streak, not one per poll
                log.warning("cannot write the polling heartbeat %s (%s)", self.path, exc)
            self._failed = True

    def clear(self) -> None:
        """Remove the file (a clean stop: nothing is polling any more)."""
        try:
            self.path.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("cannot remove the polling heartbeat %s (%s)", self.path, exc)


def heartbeat_age(path: Path, now: float | None = None) -> float | None:
    """Seconds since the last heartbeat, or None when no polling process left a file."""
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return None
    return max(0.0, (time.time() if now is None else now) - mtime)
