"""A loopback Telegram Bot API for the end-to-end benchmark: small, fast, and counting.

An asyncio HTTP/1.1 server (keep-alive, Content-Length bodies, form or JSON parameters) that
answers `getMe`, hands out queued updates through `getUpdates` (offset confirms, long polls
wait for new ones), and answers `sendMessage` and every other method with a valid result. It
counts the messages sent to each chat; `wait_answered` returns once every chat got at least as
many messages as it sent questions. It is deliberately cheap, so the bots are what is measured.

It runs in a process of its own (`RemoteApi`, or `python -m bot.cli.bench.apiserver`), like Telegram's
servers: its work is not billed to the bot under test, and a bot that keeps several requests in
flight gains what it would gain against the real API. The bench drives it through two control
routes: `POST /control/queue` (a JSON list of [user, text]) and `POST /control/wait` ({"timeout":
seconds}: blocks until every chat is answered, then returns the counts and the moment of the last
answer on the machine's monotonic clock, which `time.perf_counter` shares across processes).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import sys
import time
from collections import Counter
from typing import Any
from urllib.parse import parse_qsl

import httpx

TOKEN = "123456789:BENCHbenchBENCHbenchBENCHbenchBENCH"
BOT_USER = {
    "id": 123456789,
    "is_bot": True,
    "first_name": "Omtanke",
    "username": "omtanke_bench_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": True,
}


def user(user_id: int, lang: str) -> dict[str, Any]:
    """A Telegram user as the Bot API describes one."""
    return {"id": user_id, "is_bot": False, "first_name": f"U{user_id}", "language_code": lang}


class LoopbackApi:
    """The server; `await start()`, `queue(...)`, `await wait_answered()`, `await stop()`."""

    def __init__(self) -> None:
        self.pending: list[dict[str, Any]] = []
        self.asked: Counter[int] = Counter()  # questions queued per chat
        self.answered: Counter[int] = Counter()  # messages sent per chat
        self.calls: Counter[str] = Counter()
        self.last_answer: float | None = None
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._new_updates = asyncio.Event()
        self._progress = asyncio.Event()
        self._server: asyncio.Server | None = None
        self._conns: set[asyncio.Task[None]] = set()
        self.port = 0

    @property
    def base_url(self) -> str:
        """What the bot takes as TELEGRAM_API_BASE_URL."""
        return f"http://127.0.0.1:{self.port}/bot"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for task in list(self._conns):
                task.cancel()
            await asyncio.gather(*self._conns, return_exceptions=True)
            self._server = None

    def queue(self, chat: dict[str, Any], text: str) -> None:
        """A private message from `chat` (a user dict) waiting for getUpdates."""
        chat_id = chat["id"]
        self.asked[chat_id] += 1
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": chat["first_name"]},
            "from": chat,
            "text": text,
        }
        self.pending.append({"update_id": next(self._update_ids), "message": message})
        self._new_updates.set()

    def all_answered(self) -> bool:
        """Every chat got at least one message per question it asked."""
        return all(self.answered[c] >= n for c, n in self.asked.items())

    async def wait_answered(self, timeout: float) -> bool:  # noqa: ASYNC109 (a budget)
        """Until every question is answered (True) or `timeout` seconds passed (False)."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                while not self.all_answered():
                    self._progress.clear()
                    await self._progress.wait()
        return self.all_answered()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._conns.add(task)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                request_line, *header_lines = head.decode("latin-1").split("\r\n")
                headers = {}
                for line in header_lines:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                path = request_line.split(" ")[1].rstrip("/")
                method = path.rsplit("/", 1)[-1]
                if path.startswith("/control/"):
                    result = await self._control(method, json.loads(body or b"null"))
                else:
                    params = _params(method, body, headers.get("content-type", ""))
                    result = await self._call(method, params)
                payload = json.dumps({"ok": True, "result": result}).encode()
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    b"Content-Length: %d\r\n\r\n%s" % (len(payload), payload)
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self._conns.discard(task)
            writer.close()

    async def _control(self, route: str, body: Any) -> Any:
        if route == "queue":
            for chat, text in body:
                self.queue(chat, text)
            return len(self.pending)
        ok = await self.wait_answered(float(body["timeout"]))
        return {
            "answered_all": ok,
            "answered": {str(chat): n for chat, n in self.answered.items()},
            "last_answer": self.last_answer,
            "get_updates": self.calls["getUpdates"],
        }

    async def _call(self, method: str, params: dict[str, Any]) -> Any:
        self.calls[method] += 1
        if method == "getUpdates":
            return await self._get_updates(params)
        if method == "getMe":
            return BOT_USER
        if method in ("sendMessage", "editMessageText"):
            return self._sent(params)
        if method in ("getMyCommands", "deleteMyCommands"):
            return [] if method == "getMyCommands" else True
        return True  # setMyCommands, deleteWebhook, answerCallbackQuery, sendChatAction, …

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        if offset:
            self.pending = [u for u in self.pending if u["update_id"] >= offset]
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        if not self.pending and timeout > 0:
            self._new_updates.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await self._new_updates.wait()
        return self.pending[:limit]

    def _sent(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        self.answered[chat_id] += 1
        self.last_answer = time.perf_counter()
        self._progress.set()
        return {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": BOT_USER,
            "text": "ok",
        }


_CHAT_ID = re.compile(rb"(?:^|&)chat_id=(-?\d+)")


def _params(method: str, body: bytes, content_type: str) -> dict[str, Any]:
    if not body:
        return {}
    if content_type.startswith("application/json"):
        return dict(json.loads(body))
    if method in ("sendMessage", "editMessageText"):
        # Only the chat is needed; decoding a long reply would bill the bot for the server's work.
        match = _CHAT_ID.search(body)
        return {"chat_id": int(match.group(1))} if match else {}
    return dict(parse_qsl(body.decode("utf-8")))


async def serve_until_stdin_closes() -> None:
    """The server as a child process: prints its port, serves until the parent closes stdin."""
    api = LoopbackApi()
    await api.start()
    print(api.port, flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)
    await api.stop()


class RemoteApi:
    """A `LoopbackApi` in a child process, with the same interface as far as the bench uses it:
    `queue` collects, `wait_answered` sends the questions and waits for the answers."""

    def __init__(self) -> None:
        self.answered: Counter[int] = Counter()
        self.calls: Counter[str] = Counter()
        self.last_answer: float | None = None
        self._queued: list[tuple[dict[str, Any], str]] = []
        self._child: asyncio.subprocess.Process | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        """What the bot takes as TELEGRAM_API_BASE_URL."""
        return f"http://127.0.0.1:{self.port}/bot"

    async def start(self) -> None:
        self._child = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli.bench.apiserver",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        assert self._child.stdout is not None
        self.port = int(await self._child.stdout.readline())

    async def stop(self) -> None:
        if self._child is not None and self._child.stdin is not None:
            self._child.stdin.close()
            await self._child.wait()
            self._child = None

    def queue(self, chat: dict[str, Any], text: str) -> None:
        """A private message from `chat`, sent to the server by `wait_answered`."""
        self._queued.append((chat, text))

    async def wait_answered(self, timeout: float) -> bool:  # noqa: ASYNC109 (a budget)
        """Hand the queued questions to the server; wait until every one is answered."""
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{self.port}") as client:
            await client.post("/control/queue", json=self._queued)
            self._queued = []
            reply = await client.post(
                "/control/wait", json={"timeout": timeout}, timeout=timeout + 10
            )
        status = reply.json()["result"]
        self.answered = Counter({int(c): n for c, n in status["answered"].items()})
        self.calls["getUpdates"] = status["get_updates"]
        self.last_answer = status["last_answer"]
        return bool(status["answered_all"])
