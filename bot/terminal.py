"""`omtanke chat`: the bot's pipeline in a terminal, logging to the same database."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TextIO

from bot.settings import Settings

LOCAL_USER_ID = 0
"""The terminal user's stand-in Telegram id (pseudonymised like any other)."""


async def run_terminal_chat(settings: Settings, lang: str | None, *, stdin: TextIO | None = None, out: TextIO | None = None) -> int:
    """Read questions line by line until EOF, `quit` or Ctrl-C; answer each like the bot."""
    from bot.cli import _console, _print_answer
    from bot.services import close_services, open_services

    stdin = stdin or sys.stdin
    out = out or sys.stdout
    console = _console(out)
    services = await open_services(settings)
    key = services.user_key(LOCAL_USER_ID)
    interactive = stdin.isatty()
    console.print(
        "[bold]Omtanke[/bold] 🌱 – skriv et spørgsmål / type a question ([dim]quit[/dim] to stop)"
    )
    try:
        while True:
            if interactive:
                out.write("› ")
                out.flush()
            line = await asyncio.to_thread(stdin.readline)
            if not line:
                break
            question = line.rstrip("\n")
            if question.strip().lower() in {"quit", "exit", "afslut", ":q"}:
                break
            answer = services.advisor.answer(question, preference=lang)
            services.log_answer(answer, user_key=key, chat_type="terminal")
            _print_answer(console, answer)
    except KeyboardInterrupt:
        pass
    finally:
        await close_services(services)
    return 0


def cmd_chat(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    """`omtanke chat` (migrations first, so a fresh machine just works)."""
    from bot.app import upgrade_database
    from bot.cli import CliError

    try:
        asyncio.run(upgrade_database(settings))
    except Exception as exc:
        raise CliError(f"cannot prepare the database ({type(exc).__name__}: {exc})") from None
    return asyncio.run(run_terminal_chat(settings, args.lang, out=out))
