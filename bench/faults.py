"""Fault measurements for README's "Guarantees": shutdown with a backlog, a slow chat, a 401.

`python bench/faults.py [slow|shutdown|all] [--updates N]` against the fake Bot API on loopback.
Not part of `make test` (the fault-injection tests check the same with generous bounds).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.telegram.fake_api import DEFAULT_TOKEN, FakeTelegramServer, make_user  # noqa: E402


def run_env(api: FakeTelegramServer, tmp: Path, **extra: str) -> dict[str, str]:
    """The environment of an `omtanke run` process against the fake server."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "DATABASE_", "WEBHOOK_", "SHUTDOWN_"))
    }
    env.update(
        TELEGRAM_BOT_TOKEN=DEFAULT_TOKEN,
        TELEGRAM_API_BASE_URL=api.base_url,
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp / 'run.db'}",
        SPOOL_PATH=str(tmp / "spool.jsonl"),
        OMTANKE_SECRET="bench-secret-not-for-production",
        WATCH_KNOWLEDGE="false",
        FLOOD_LIMIT="1000",
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


async def slow_chat(seconds: float = 5.0) -> float:
    """How long user B waits for an answer while user A's sendMessage hangs `seconds`."""
    from bot.core.settings import load_settings
    from bot.telegram.app import build_application
    from bot.telegram.lifecycle import running
    from db.migrate import upgrade

    with tempfile.TemporaryDirectory() as tmp:
        api = FakeTelegramServer()
        await api.start()
        settings = load_settings(
            telegram_bot_token=DEFAULT_TOKEN,
            telegram_api_base_url=api.base_url,
            database_url=f"sqlite+aiosqlite:///{tmp}/b.db",
            spool_path=Path(tmp) / "s.jsonl",
            omtanke_secret="bench",
            watch_knowledge=False,
        )
        await upgrade(settings.database_url)
        app = build_application(settings)
        a, b = make_user(7001, "A", "da"), make_user(7002, "B", "en")
        async with running(app, poll_timeout=1):
            await api.send_text("temu", user=b)  # warm up
            await api.wait_for("sendMessage", timeout=10)
            api.delay_next("sendMessage", seconds)
            await api.send_text("stanley cup", user=a)
            await api.wait_for("getUpdates", lambda c: bool(c.result), timeout=5)
            await asyncio.sleep(0.3)  # A's answer is now hanging
            start = time.perf_counter()
            await api.send_text("shein", user=b)
            await api.wait_for("sendMessage", lambda c: c.chat_id == b.id, timeout=30)
            waited = time.perf_counter() - start
        await api.stop()
    print(f"slow chat: user B waited {waited:.2f} s while user A's sendMessage hung {seconds:g} s")
    return waited


async def shutdown_backlog(n: int = 2500, after: float = 2.0, verbose: bool = False) -> None:
    """SIGTERM `after` s into answering `n` queued updates; time to exit and where each went."""
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        api = FakeTelegramServer()
        await api.start()
        users = [make_user(100_000 + i, f"U{i}", "da") for i in range(n)]
        for i, user in enumerate(users):
            await api.send_text(
                ("stanley cup", "temu", "shein?", "hvad med vejret")[i % 4], user=user
            )
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run",
            env=run_env(api, tmp), cwd=tmp,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        await api.wait_for("sendMessage", timeout=60)
        await asyncio.sleep(after)
        proc.send_signal(signal.SIGTERM)
        start = time.perf_counter()
        try:
            _, stderr = await asyncio.wait_for(proc.communicate(), timeout=180)
        except TimeoutError:
            proc.kill()
            _, stderr = await proc.communicate()
        took = time.perf_counter() - start
        answered = [c.chat_id for c in api.calls_of("sendMessage") if c.ok]
        handled_file = tmp / "spool.jsonl.handled"
        handled = (
            set(json.loads(handled_file.read_text())["handled"]) if handled_file.exists() else set()
        )
        pending = {u.update_id for u in api.pending_updates}
        to_answer = pending - handled
        lost = n - len(answered) - len(to_answer)
        rows = sqlite3.connect(tmp / "run.db").execute("select count(*) from questions").fetchone()
        spool = tmp / "spool.jsonl"
        spooled = len(spool.read_text().splitlines()) if spool.exists() else 0
        await api.stop()
    print(
        f"shutdown with {n} queued updates (SIGTERM {after:g} s after the first answer): "
        f"exit {proc.returncode} after {took:.1f} s; answered {len(answered)}, left for Telegram "
        f"{len(to_answer)} (+{len(handled)} answered, marked not to answer again), "
        f"lost or twice {lost}; question rows {rows[0]}, spool lines {spooled}"
    )
    if proc.returncode != 0 or verbose:
        print(stderr.decode()[-3000:])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", nargs="?", default="all", choices=["slow", "shutdown", "all"])
    parser.add_argument("--updates", type=int, default=2500)
    parser.add_argument("--after", type=float, default=2.0, help="seconds before SIGTERM")
    parser.add_argument("--verbose", action="store_true", help="print the bot's log")
    args = parser.parse_args()
    if args.what in ("slow", "all"):
        asyncio.run(slow_chat())
    if args.what in ("shutdown", "all"):
        asyncio.run(shutdown_backlog(args.updates, after=args.after, verbose=args.verbose))


if __name__ == "__main__":
    main()
