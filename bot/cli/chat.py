"""The terminal chat: the bot's conversation in a terminal, logging to the same database.

It behaves like the bot: the same replies, numbered buttons (type the number to press one),
the user commands, hot reload of KNOWLEDGE_DIR. Log lines below ERROR stay out of the chat.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import threading
from collections.abc import Callable
from typing import TextIO

from rich.console import Console

from bot.cli.console import console_for, markup_to_rich, print_reply
from bot.core.actions import Action, Remind
from bot.core.admin import reload_summary
from bot.core.buttons import press
from bot.core.conversation import Conversation, Who
from bot.core.i18n import t
from bot.core.reply import Reply
from bot.core.services import Services, close_services, open_services
from bot.core.settings import Settings
from bot.core.watch import start_watching
from knowledge.loader import LoadReport

LOCAL_USER_ID = 0
"""The terminal user's stand-in Telegram id (pseudonymised like any other)."""
QUIT = frozenset({"quit", "exit", "afslut", ":q", "/quit"})
ADMIN_ONLY = frozenset({"/stats", "/gaps", "/reload"})

Command = Callable[[Conversation, Who], Reply]
COMMANDS: dict[str, Command] = {
    "/start": Conversation.start,
    "/help": Conversation.help,
    "/topics": Conversation.topics,
    "/emner": Conversation.topics,
    "/language": Conversation.language_menu,
    "/sprog": Conversation.language_menu,
    "/privacy": Conversation.privacy,
    "/forget": Conversation.forget_confirm,
}


class TerminalChat:
    """One person chatting in a terminal."""

    def __init__(self, services: Services, console: Console, lang: str | None) -> None:
        self.services = services
        self.conversation = Conversation(services)
        self.console = console
        self.lang = lang
        self.choices: list[Action] = []

    async def who(self) -> Who:
        """The terminal user (a --lang choice wins over a stored one)."""
        who = await self.conversation.identify(LOCAL_USER_ID, app_lang=self.lang)
        if self.lang:
            return Who(who.key, self.lang, self.lang, self.lang)
        return who

    async def handle(self, line: str) -> bool:
        """React to one input line; False when the user wants to stop."""
        text = line.strip()
        if not text:
            return True
        if text.lower() in QUIT:
            return False
        who = await self.who()
        if text.isdigit() and self.choices:
            await self.press(who, int(text))
        elif text.startswith("/"):
            self.command(who, text.split()[0].lower())
        else:
            self.show(self.conversation.ask(who, text, chat_type="terminal"))
        return True

    async def press(self, who: Who, number: int) -> None:
        """Press the button numbered `number` in the last reply."""
        if not 1 <= number <= len(self.choices):
            self.console.print(
                f"[dim]{t('terminal.no_choice', who.lang, n=len(self.choices))}[/dim]"
            )
            return
        action = self.choices[number - 1]
        if isinstance(action, Remind):
            self.console.print(f"[dim]{t('terminal.telegram_only', who.lang)}[/dim]")
            return
        reply = await press(self.conversation, who, action)
        if reply is not None:
            self.show(reply)

    def command(self, who: Who, name: str) -> None:
        """A slash command: the user commands work, admin commands point to the CLI."""
        if name in COMMANDS:
            self.show(COMMANDS[name](self.conversation, who))
        elif name in ADMIN_ONLY:
            self.console.print(markup_to_rich(t("terminal.admin", who.lang)))
        else:
            self.console.print(markup_to_rich(t("terminal.unknown", who.lang)))

    def show(self, reply: Reply) -> None:
        """Print a reply and remember its buttons for the next number typed."""
        choices = print_reply(self.console, reply)
        if choices or reply.kind not in {"feedback"}:
            self.choices = choices


def _read_lines(
    stdin: TextIO, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[str | None]
) -> None:
    # A daemon thread: Ctrl-C ends the chat at once instead of waiting for Enter.
    for line in iter(stdin.readline, ""):
        loop.call_soon_threadsafe(queue.put_nowait, line)
    loop.call_soon_threadsafe(queue.put_nowait, None)


async def run_terminal_chat(
    settings: Settings, lang: str | None, *, stdin: TextIO | None = None, out: TextIO | None = None
) -> int:
    """Read lines until EOF, `quit` or Ctrl-C; answer each like the bot."""
    stdin = stdin or sys.stdin
    console = console_for(out or sys.stdout)
    logging.getLogger().setLevel(logging.ERROR)  # warnings would land in the middle of the chat
    services = await open_services(settings)
    chat = TerminalChat(services, console, lang)
    interactive = stdin.isatty()

    async def notify(report: LoadReport) -> None:
        console.print(markup_to_rich(reload_summary(report, lang or "da")))

    if settings.watch_knowledge:
        start_watching(services, notify)
    console.print(markup_to_rich(t("terminal.welcome", lang or "da")))
    queue: asyncio.Queue[str | None] = asyncio.Queue()
    reader = threading.Thread(
        target=_read_lines, args=(stdin, asyncio.get_running_loop(), queue), daemon=True
    )
    reader.start()
    try:
        while True:
            if interactive:
                console.print("› ", end="")
            line = await queue.get()
            if line is None or not await chat.handle(line):
                break
    finally:
        with contextlib.suppress(asyncio.CancelledError):
            await close_services(services)
    return 0
