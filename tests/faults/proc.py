"""Run the real `omtanke run` process against the fake Bot API: start, signal, wait, read logs."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tests.telegram.fake_api import DEFAULT_TOKEN, FakeTelegramServer

ROOT = Path(__file__).resolve().parents[2]
SECRET = "fault-suite-secret-not-for-production"


def bot_env(api: FakeTelegramServer, tmp: Path, **extra: str) -> dict[str, str]:
    """The environment of `omtanke run` against `api`, with its files in `tmp`."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "DATABASE_", "WEBHOOK_", "SHUTDOWN_", "LOG_", "FLOOD_"))
    }
    env.update(
        TELEGRAM_BOT_TOKEN=DEFAULT_TOKEN,
        TELEGRAM_API_BASE_URL=api.base_url,
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp / 'run.db'}",
        SPOOL_PATH=str(tmp / "spool.jsonl"),
        OMTANKE_SECRET=SECRET,
        WATCH_KNOWLEDGE="false",
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


@dataclass
class BotProcess:
    """A running `omtanke run`; its stderr goes to a file (a pipe could fill and block it)."""

    proc: asyncio.subprocess.Process
    log_path: Path

    @property
    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    async def wait_for_log(self, text: str, timeout: float = 30) -> None:  # noqa: ASYNC109
        """Until `text` appears in the log (AssertionError after `timeout` s)."""
        end = time.monotonic() + timeout
        while text not in self.log:
            if self.proc.returncode is not None or time.monotonic() > end:
                raise AssertionError(f"{text!r} not logged; log:\n{self.log[-3000:]}")
            await asyncio.sleep(0.05)

    async def exit_code(self, timeout: float = 60) -> int:  # noqa: ASYNC109
        """Wait for the process to end; kill it (and fail) after `timeout` s."""
        try:
            return await asyncio.wait_for(self.proc.wait(), timeout)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()
            raise AssertionError(
                f"still running after {timeout} s; log:\n{self.log[-3000:]}"
            ) from None

    async def stop(self, timeout: float = 60) -> tuple[int, float]:  # noqa: ASYNC109
        """SIGTERM; (exit code, seconds until it ended)."""
        start = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        code = await self.exit_code(timeout)
        return code, time.monotonic() - start


async def start_bot(
    api: FakeTelegramServer, tmp: Path, *args: str, log_name: str = "bot.log", **extra: str
) -> BotProcess:
    """`omtanke run` (or another command given as `args`) in `tmp`."""
    log_path = tmp / log_name
    with log_path.open("wb") as log:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", *(args or ("run",)),
            env=bot_env(api, tmp, **extra), cwd=tmp,
            stdout=asyncio.subprocess.DEVNULL, stderr=log,
        )  # fmt: skip
    return BotProcess(proc, log_path)


def question_rows(tmp: Path) -> int:
    """Questions stored in the process's SQLite database."""
    with sqlite3.connect(tmp / "run.db") as db:
        return int(db.execute("select count(*) from questions").fetchone()[0])


def answered_chats(api: FakeTelegramServer) -> list[int]:
    """The chat of every answer sent, in order."""
    return [c.chat_id for c in api.calls_of("sendMessage") if c.ok and c.chat_id is not None]


def pending_senders(api: FakeTelegramServer) -> list[int]:
    """The sender of every update Telegram still holds (not confirmed)."""
    return [u.effective_user.id for u in api.pending_updates if u.effective_user]
