"""The `omtanke` command line: asking, the terminal chat, curator and admin tools, running."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from bot import __version__
from bot.core import Advisor, Answer, KnowledgeError, KnowledgeHolder, entry_json
from bot.settings import Settings, SettingsError, load_settings
from knowledge.loader import DEFAULT_DIR, load_knowledge_base
from knowledge.matcher import Thresholds


class CliError(Exception):
    """A problem to show as one line (exit 2), never a traceback."""


def _thresholds(settings: Settings) -> Thresholds:
    return Thresholds(
        answer=settings.match_answer_threshold, suggest=settings.match_suggest_threshold
    )


def knowledge_dir(settings: Settings) -> Path:
    """KNOWLEDGE_DIR, or the entries shipped with the package."""
    return settings.knowledge_dir or DEFAULT_DIR


def _holder(settings: Settings) -> KnowledgeHolder:
    try:
        return KnowledgeHolder(knowledge_dir(settings), _thresholds(settings))
    except KnowledgeError as exc:
        for problem in exc.report.errors[:20]:
            print(problem, file=sys.stderr)
        raise CliError(
            f"the knowledge base has {len(exc.report.errors)} errors; run `omtanke kb check`"
        ) from None


# --- ask ----------------------------------------------------------------------------------------


def _batch_lines(source: str) -> Iterator[str]:
    """Input lines exactly as given: only \\n separates lines (so odd control characters or
    Unicode line separators inside a line never change the count); invalid UTF-8 is replaced."""
    raw = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
    text = raw.decode("utf-8", errors="replace")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for line in lines:
        yield line.removesuffix("\r")


def cmd_ask(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    """Answer one question, or one per input line with --batch."""
    advisor = Advisor(_holder(settings))
    if args.batch:
        try:
            questions: Iterator[str] = _batch_lines(args.batch)
        except OSError as exc:
            raise CliError(f"cannot read {args.batch}: {exc.strerror or exc}") from None
    else:
        if not args.question:
            raise CliError("give a question, e.g. omtanke ask is temu ok, or --batch FILE")
        questions = iter([" ".join(args.question)])
    console = None if args.json else _console(out)
    for question in questions:
        answer = advisor.answer(question, preference=args.lang)
        if args.json:
            out.write(json.dumps(answer.to_json(), ensure_ascii=False) + "\n")
        else:
            assert console is not None
            _print_answer(console, answer)
    out.flush()
    return 0


def _console(out: TextIO) -> Any:
    from rich.console import Console

    return Console(file=out, highlight=False, soft_wrap=False)


def _print_answer(console: Any, answer: Answer) -> None:
    from rich.markup import escape
    from rich.panel import Panel

    from bot.i18n import t
    from bot.render import card_text

    lang = answer.lang
    kind = answer.result.kind
    if answer.record is not None:
        body = []
        for section in card_text(answer.record, lang):
            body.append(f"[bold]{escape(section.heading)}[/bold]")
            body.extend(escape(line) for line in section.lines)
            body.append("")
        if answer.candidates:
            others = ", ".join(r.entry.title.get(lang) for r in answer.candidates)
            body.append(f"[dim]{escape(t('suggestions', lang))} {escape(others)}[/dim]")
        title = escape(answer.record.entry.title.get(lang))
        console.print(Panel("\n".join(body).rstrip(), title=f"[bold]{title}[/bold]", expand=False))
    elif kind == "suggestions":
        names = "\n".join(f"• {escape(r.entry.title.get(lang))}" for r in answer.candidates)
        console.print(f"{escape(t('suggestions', lang))}\n{names}")
    elif kind == "smalltalk":
        text = t("help", lang) if answer.result.smalltalk == "help" else t(
            f"smalltalk.{answer.result.smalltalk}", lang
        )
        console.print(escape(_strip_html(text)))
    elif kind == "empty":
        console.print(escape(t("empty", lang)))
    else:
        tips = "\n".join(f"• {tip.en if lang == 'en' else tip.da}" for tip in answer.kb.tips[:3])
        console.print(escape(t("fallback", lang) + "\n" + tips))


def _strip_html(text: str) -> str:
    import re
    from html import unescape

    return unescape(re.sub(r"<[^>]+>", "", text))


# --- kb -----------------------------------------------------------------------------------------


def cmd_kb_check(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    """Validate the knowledge base; exit 1 on errors (or warnings with --strict)."""
    root = Path(args.dir) if args.dir else knowledge_dir(settings)
    report = load_knowledge_base(root)
    for problem in report.problems:
        out.write(f"{problem}\n")
    count = len(report.kb.entries) if report.kb else 0
    failed = bool(report.errors) or (args.strict and bool(report.warnings))
    status = "FAILED" if failed else "ok"
    out.write(
        f"{status}: {count} entries, {len(report.errors)} errors, "
        f"{len(report.warnings)} warnings ({root})\n"
    )
    return 1 if failed else 0


def cmd_kb_try(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    """Top 5 entries for a question, with the alias or title that matched."""
    holder = _holder(settings)
    question = " ".join(args.question)
    snapshot = holder.snapshot
    result = snapshot.matcher.match(question)
    out.write(
        f"kind: {result.kind}  language: {result.language or '?'}  "
        f"(answer ≥ {holder.thresholds.answer}, suggest ≥ {holder.thresholds.suggest})\n"
    )
    ranked = snapshot.matcher.rank(question, limit=5)
    if not ranked:
        out.write("no entry matched any word of the question\n")
    for i, c in enumerate(ranked, 1):
        out.write(f"{i}. {c.score:5.1f}  {c.id:<32} matched '{c.alias}'\n")
    return 0


def cmd_kb_export(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    """All entries as one JSON array."""
    holder = _holder(settings)
    rows = [entry_json(r) for r in sorted(holder.snapshot.kb.entries.values(), key=lambda r: r.id)]
    out.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
    return 0


def cmd_kb_schema(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    """The JSON schema for entry files (knowledge/schema.json)."""
    from knowledge.jsonschema import entry_schema_json

    out.write(entry_schema_json())
    return 0


def cmd_kb_stale(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    """Entries whose review is older than 18 months, oldest first."""
    import datetime as dt

    from knowledge.loader import STALE_AFTER_DAYS

    holder = _holder(settings)
    today = dt.date.today()
    stale = sorted(
        (r for r in holder.snapshot.kb.entries.values()
         if (today - r.entry.reviewed).days > STALE_AFTER_DAYS),
        key=lambda r: (r.entry.reviewed, r.id),
    )
    for r in stale:
        out.write(f"{r.entry.reviewed.isoformat()}  {r.id:<32} {r.path}\n")
    out.write(f"{len(stale)} stale entries (of {len(holder.snapshot.kb.entries)})\n")
    return 0


# --- parser -------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every command."""
    parser = argparse.ArgumentParser(
        prog="omtanke",
        description="Omtanke – sustainable shopping advice in the spirit of de-influencing.",
    )
    parser.add_argument("--version", action="version", version=f"omtanke {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    ask = sub.add_parser("ask", help="answer one question (or many with --batch)")
    ask.add_argument("question", nargs="*", help="the question")
    ask.add_argument("--lang", choices=["da", "en"], help="answer language (default: detected)")
    ask.add_argument("--json", action="store_true", help="one JSON object per answer")
    ask.add_argument("--batch", metavar="FILE", help="one question per line; '-' for stdin")
    ask.set_defaults(func=cmd_ask)

    chat = sub.add_parser("chat", help="a terminal chat with the bot's pipeline")
    chat.add_argument("--lang", choices=["da", "en"], help="answer language (default: detected)")
    chat.set_defaults(func=_lazy("bot.terminal", "cmd_chat"))

    run = sub.add_parser("run", help="run the Telegram bot (terminal chat without a token)")
    run.set_defaults(func=_lazy("bot.app", "cmd_run"))

    kb = sub.add_parser("kb", help="knowledge-base tools for curators")
    kb_sub = kb.add_subparsers(dest="kb_command", metavar="KB_COMMAND", required=True)
    check = kb_sub.add_parser("check", help="validate the entries (exit 1 on errors)")
    check.add_argument("dir", nargs="?", help="knowledge directory (default: KNOWLEDGE_DIR)")
    check.add_argument("--strict", action="store_true", help="treat warnings as errors")
    check.set_defaults(func=cmd_kb_check)
    trial = kb_sub.add_parser("try", help="top 5 entries for a question, with scores")
    trial.add_argument("question", nargs="+")
    trial.set_defaults(func=cmd_kb_try)
    export = kb_sub.add_parser("export", help="all entries as a JSON array")
    export.set_defaults(func=cmd_kb_export)
    schema = kb_sub.add_parser("schema", help="print the JSON schema for entry files")
    schema.set_defaults(func=cmd_kb_schema)
    stale = kb_sub.add_parser("stale", help="entries not reviewed for 18 months")
    stale.set_defaults(func=cmd_kb_stale)
    gaps = kb_sub.add_parser("gaps", help="unanswered questions, grouped by similarity")
    gaps.add_argument("--days", type=int, default=30)
    gaps.set_defaults(func=_lazy("bot.admin_cli", "cmd_kb_gaps"))

    db = sub.add_parser("db", help="database tools")
    db_sub = db.add_subparsers(dest="db_command", metavar="DB_COMMAND", required=True)
    upgrade = db_sub.add_parser("upgrade", help="run the migrations up to the newest")
    upgrade.set_defaults(func=_lazy("bot.admin_cli", "cmd_db_upgrade"))
    purge = db_sub.add_parser("purge", help="delete questions and feedback older than N days")
    purge.add_argument("--older-than", type=int, metavar="DAYS", required=True)
    purge.set_defaults(func=_lazy("bot.admin_cli", "cmd_db_purge"))

    stats = sub.add_parser("stats", help="usage statistics")
    stats.add_argument("--days", type=int, default=30)
    fmt = stats.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true")
    fmt.add_argument("--csv", action="store_true")
    stats.add_argument("--chart", metavar="FILE.png")
    stats.add_argument("--entries", action="store_true", help="per-entry answers and 👍/👎")
    stats.set_defaults(func=_lazy("bot.admin_cli", "cmd_stats"))

    doctor = sub.add_parser("doctor", help="check settings, database, migrations and entries")
    doctor.set_defaults(func=_lazy("bot.admin_cli", "cmd_doctor"))
    return parser


def _lazy(module: str, name: str) -> Any:
    """Import heavy commands (telegram, sqlalchemy, matplotlib) only when they run."""

    def call(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
        import importlib

        func = getattr(importlib.import_module(module), name)
        result = func(args, settings, out)
        if asyncio.iscoroutine(result):
            result = asyncio.run(result)
        return int(result or 0)

    return call


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `omtanke` command."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8", errors="replace")
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        settings = load_settings()
        return int(args.func(args, settings, sys.stdout) or 0)
    except (SettingsError, CliError) as exc:
        print(f"omtanke: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
