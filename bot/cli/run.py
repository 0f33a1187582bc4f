"""`omtanke run` and `omtanke chat`: migrate, then the Telegram bot or the terminal chat."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TextIO

from bot.cli.chat import run_terminal_chat
from bot.cli.errors import CliError, one_line
from bot.core.knowledge import KnowledgeError, KnowledgeHolder
from bot.core.logs import configure_logging
from bot.core.services import DB_ERRORS
from bot.core.settings import Settings
from db.migrate import upgrade
from db.pseudonym import SecretRequired, resolve_secret


def prepare(settings: Settings) -> None:
    """Check the secret and run the migrations (on every start: a deploy never meets an old schema)."""
    try:
        resolve_secret(settings.database_url, settings.secret)
    except SecretRequired as exc:
        raise CliError(str(exc)) from None
    try:
        asyncio.run(upgrade(settings.database_url))
    except DB_ERRORS as exc:
        raise CliError(f"cannot prepare the database ({one_line(exc)})") from None


def cmd_chat(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    """`omtanke chat`: the terminal chat."""
    prepare(settings)
    try:
        return asyncio.run(run_terminal_chat(settings, args.lang, out=out))
    except KeyboardInterrupt:
        return 0


def knowledge_or_report(settings: Settings) -> KnowledgeHolder | None:
    """The knowledge base, or None after listing every error as `path:line: message` on stderr."""
    try:
        return KnowledgeHolder(
            settings.knowledge_root, settings.thresholds, settings.knowledge_cache_dir
        )
    except KnowledgeError as exc:
        for problem in exc.report.errors:
            print(problem, file=sys.stderr)
        print(
            f"omtanke: the knowledge base has {len(exc.report.errors)} errors "
            f"({settings.knowledge_root}); not starting",
            file=sys.stderr,
        )
        return None


def cmd_run(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    """`omtanke run`: the Telegram bot with a token, else the terminal chat.

    Exit 1 when the knowledge base has errors (each listed as `path:line`), 78 when Telegram
    rejects the token, 0 after SIGTERM/SIGINT.
    """
    configure_logging(settings.log_level, settings.secrets)
    holder = knowledge_or_report(settings)
    if holder is None:
        return 1
    prepare(settings)
    if settings.token is None:
        out.write("TELEGRAM_BOT_TOKEN is not set: starting the terminal chat instead.\n")
        out.flush()
        try:
            return asyncio.run(run_terminal_chat(settings, None, out=out))
        except KeyboardInterrupt:
            return 0
    # Imported here: python-telegram-bot adds ~0.4 s that only `run` with a token needs.
    from bot.telegram.serve import run_bot

    return run_bot(settings, holder)
