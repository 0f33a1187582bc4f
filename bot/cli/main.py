"""The `omtanke` entry point: the argument parser and the dispatch to each command."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from bot import __version__
from bot.cli import admin, ask, bench, doctor, run
from bot.cli.errors import CliError
from bot.core.logs import protect
from bot.core.settings import Settings, SettingsError, load_settings, load_settings_leniently

Command = Callable[[argparse.Namespace, Settings, TextIO], Any]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every command."""
    parser = argparse.ArgumentParser(
        prog="omtanke",
        description="Omtanke – sustainable shopping advice in the spirit of de-influencing.",
    )
    parser.add_argument("--version", action="version", version=f"omtanke {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("ask", help="answer one question (or many with --batch)")
    p.add_argument("question", nargs="*", help="the question")
    p.add_argument("--lang", choices=["da", "en"], help="answer language (default: detected)")
    p.add_argument("--json", action="store_true", help="one JSON object per answer")
    p.add_argument("--batch", metavar="FILE", help="one question per line; '-' for stdin")
    p.add_argument(
        "--image", metavar="FILE", help="a screenshot to read (the words, if any, are its caption)"
    )
    p.set_defaults(func=ask.cmd_ask)

    p = sub.add_parser("chat", help="a terminal chat with the bot's pipeline")
    p.add_argument("--lang", choices=["da", "en"], help="answer language (default: detected)")
    p.set_defaults(func=run.cmd_chat)

    p = sub.add_parser("run", help="run the Telegram bot (terminal chat without a token)")
    p.set_defaults(func=run.cmd_run)

    kb = sub.add_parser("kb", help="knowledge-base tools for curators")
    kb_sub = kb.add_subparsers(dest="kb_command", metavar="KB_COMMAND", required=True)
    p = kb_sub.add_parser("check", help="validate the entries (exit 1 on errors)")
    p.add_argument("dir", nargs="?", help="knowledge directory (default: KNOWLEDGE_DIR)")
    p.add_argument("--strict", action="store_true", help="treat warnings as errors")
    p.set_defaults(func=ask.cmd_kb_check)
    p = kb_sub.add_parser("try", help="top 5 entries for a question, with scores")
    p.add_argument("question", nargs="+")
    p.set_defaults(func=ask.cmd_kb_try)
    p = kb_sub.add_parser("export", help="all entries as a JSON array")
    p.set_defaults(func=ask.cmd_kb_export)
    p = kb_sub.add_parser("schema", help="print the JSON schema for entry files (or --write it)")
    p.add_argument(
        "--write",
        nargs="?",
        const="",
        metavar="DIR",
        help="write schema.json into DIR (default: KNOWLEDGE_DIR) instead of printing it",
    )
    p.set_defaults(func=ask.cmd_kb_schema)
    p = kb_sub.add_parser(
        "new", help="write a template entry CATEGORY/ID.yaml, every field explained"
    )
    p.add_argument("category")
    p.add_argument("id")
    p.set_defaults(func=ask.cmd_kb_new)
    p = kb_sub.add_parser("stale", help="entries not reviewed for 18 months")
    p.set_defaults(func=ask.cmd_kb_stale)
    p = kb_sub.add_parser(
        "gaps",
        help="the curators' worklist: unanswered questions by product, answers maybe wrong",
    )
    p.add_argument("--days", type=int, default=30, help="look back this many days (default 30)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument(
        "--entry", metavar="ID", help="instead: the questions that were answered with entry ID"
    )
    p.set_defaults(func=admin.cmd_kb_gaps)

    db = sub.add_parser("db", help="database tools")
    db_sub = db.add_subparsers(dest="db_command", metavar="DB_COMMAND", required=True)
    p = db_sub.add_parser("upgrade", help="run the migrations up to the newest")
    p.set_defaults(func=admin.cmd_db_upgrade)
    p = db_sub.add_parser("purge", help="delete questions and feedback older than N days")
    p.add_argument("--older-than", type=int, metavar="DAYS", required=True)
    p.set_defaults(func=admin.cmd_db_purge)

    p = sub.add_parser("stats", help="usage statistics")
    p.add_argument("--days", type=int, default=30, help="the period in days (default 30)")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print one JSON object")
    fmt.add_argument(
        "--csv", action="store_true", help="print the daily counts (questions, reminders) as CSV"
    )
    p.add_argument("--chart", metavar="FILE.png", help="also write the chart as a PNG file")
    p.add_argument(
        "--html",
        metavar="FILE.html",
        help="also write a self-contained report page (chart, tables, worklist)",
    )
    p.add_argument("--entries", action="store_true", help="per-entry answers and 👍/👎")
    p.set_defaults(func=admin.cmd_stats)

    p = sub.add_parser("bench", help="benchmarks, each against a reference from the same run")
    p.add_argument("--quick", action="store_true", help="small sizes, for CI (about 20-30 s)")
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.add_argument(
        "--profile",
        action="store_true",
        help="cProfile the end-to-end run (on stderr; its ratio then means nothing)",
    )
    p.set_defaults(func=bench.cmd_bench)

    p = sub.add_parser("doctor", help="check settings, database, migrations and entries")
    p.set_defaults(func=doctor.cmd_doctor)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `omtanke` command."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8", errors="replace")
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Command | None = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 0
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        if func is doctor.cmd_doctor:
            # The doctor shows every bad setting as a failed line instead of stopping at the first.
            settings, args.settings_problems = load_settings_leniently()
        else:
            settings = load_settings()
        protect(settings.secrets)  # no secret in any log line from here on
        result = func(args, settings, sys.stdout)
        if asyncio.iscoroutine(result):
            result = asyncio.run(result)
        return int(result or 0)
    except (SettingsError, CliError) as exc:
        print(f"omtanke: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
