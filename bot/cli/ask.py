"""`omtanke ask` and the curators' `omtanke kb …` tools."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from bot.cli.console import console_for, print_reply
from bot.cli.errors import CliError
from bot.core.advisor import Advisor, entry_json
from bot.core.knowledge import KnowledgeError, KnowledgeHolder
from bot.core.ocr import ScreenshotError, ocr_available
from bot.core.replies import reply_for
from bot.core.screenshot import read_screenshot
from bot.core.settings import Settings
from knowledge.cards import load_cards
from knowledge.jsonschema import entry_schema_json
from knowledge.lint import common_word_alias_warnings
from knowledge.loader import STALE_AFTER_DAYS, load_knowledge_base
from knowledge.schema import ENTRY_ID_PATTERN


def load_holder(settings: Settings) -> KnowledgeHolder:
    """The knowledge base, or a CliError after listing its first errors on stderr."""
    try:
        return KnowledgeHolder(
            settings.knowledge_root, settings.thresholds, settings.knowledge_cache_dir
        )
    except KnowledgeError as exc:
        for problem in exc.report.errors[:20]:
            print(problem, file=sys.stderr)
        raise CliError(
            f"the knowledge base has {len(exc.report.errors)} errors; run `omtanke kb check`"
        ) from None


def _batch_lines(source: str) -> Iterator[str]:
    """Input lines exactly as given: only \\n separates lines (so odd control characters or
    Unicode line separators inside a line never change the count); invalid UTF-8 is replaced."""
    raw = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
    lines = raw.decode("utf-8", errors="replace").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for line in lines:
        yield line.removesuffix("\r")


def cmd_ask(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    """Answer one question, one per input line with --batch, or a screenshot with --image."""
    advisor = Advisor(load_holder(settings))
    if args.image:
        return _ask_image(args, settings, advisor, out)
    if args.batch:
        try:
            questions: Iterator[str] = iter(list(_batch_lines(args.batch)))
        except OSError as exc:
            raise CliError(f"cannot read {args.batch}: {exc.strerror or exc}") from None
    else:
        if not args.question:
            raise CliError("give a question, e.g. omtanke ask is temu ok, or --batch FILE")
        questions = iter([" ".join(args.question)])
    console = console_for(out)
    for question in questions:
        answer = advisor.answer(question, preference=args.lang)
        if args.json:
            out.write(json.dumps(answer.to_json(), ensure_ascii=False) + "\n")
        else:
            # The same Reply the bot sends; `ask` only shows it (nothing is logged, no buttons work).
            print_reply(console, reply_for(answer, reminder_days=settings.reminder_days))
    out.flush()
    return 0


def _ask_image(args: argparse.Namespace, settings: Settings, advisor: Advisor, out: TextIO) -> int:
    """What the bot reads in a screenshot and its answer (`{"reading": …, "answer": …}` as JSON)."""
    problem = ocr_available()
    if problem:
        raise CliError(problem)
    try:
        data = Path(args.image).read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read {args.image}: {exc.strerror or exc}") from None
    try:
        reading = read_screenshot(
            data, advisor.holder.snapshot.matcher, " ".join(args.question) or None
        )
    except ScreenshotError as exc:
        raise CliError(f"cannot read the picture: {exc}") from None
    answer = (
        advisor.answer(reading.product_text, preference=args.lang) if reading.product_text else None
    )
    if args.json:
        data_out = {"reading": reading.to_json(), "answer": answer.to_json() if answer else None}
        out.write(json.dumps(data_out, ensure_ascii=False) + "\n")
        return 0
    console = console_for(out)
    if answer is None:
        console.print(f"nothing product-like found ({len(reading.lines)} lines read)")
        return 0
    console.print(
        f"read: {reading.product_text}"
        + (f"  (shop: {reading.shop_name})" if reading.shop_name else "")
    )
    print_reply(console, reply_for(answer, reminder_days=settings.reminder_days))
    return 0


def cmd_kb_check(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    """Validate the knowledge base; exit 1 on errors (or warnings with --strict)."""
    root = Path(args.dir) if args.dir else settings.knowledge_root
    report = load_knowledge_base(root, cache_dir=settings.knowledge_cache_dir)
    problems = list(report.problems)
    notes = []
    if report.kb is not None:
        kb = report.kb
        folders = {r.category for r in kb.entries.values()}
        problems += load_cards(root, entry_ids=set(kb.entries), folders=folders)[1]
        # Everyday-word aliases are worth a look, not a failure: many are meant ("sofa", "tv").
        notes = common_word_alias_warnings(kb)
    for problem in problems:
        out.write(f"{problem}\n")
    for note in notes:
        out.write(f"{note}\n".replace("warning: ", "note: ", 1))
    errors = [p for p in problems if p.severity == "error"]
    warnings = [p for p in problems if p.severity != "error"]
    failed = bool(errors) or (args.strict and bool(warnings))
    if report.kb is not None:
        status = "FAILED" if failed else "ok"
        out.write(
            f"{status}: {len(report.kb.entries)} entries, {len(errors)} errors, {len(warnings)} "
            f"warnings, {len(notes)} notes on everyday-word aliases ({root})\n"
        )
        return 1 if failed else 0
    bad_files = {p.path for p in errors}
    fine = max(0, report.entry_files - len(bad_files))
    files = "1 file" if len(bad_files) == 1 else f"{len(bad_files)} files"
    out.write(
        f"FAILED: {files} with errors ({len(errors)} problems); {fine} of {report.entry_files} "
        f"entry files are fine; {len(warnings)} warnings ({root})\n"
    )
    return 1


def cmd_kb_try(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    """Top 5 entries for a question, with the alias or title that matched."""
    holder = load_holder(settings)
    question = " ".join(args.question)
    result = holder.snapshot.matcher.match(question)
    out.write(
        f"kind: {result.kind}  language: {result.language or '?'}  "
        f"(answer ≥ {holder.thresholds.answer}, suggest ≥ {holder.thresholds.suggest})\n"
    )
    ranked = holder.snapshot.matcher.rank(question, limit=5)
    if not ranked:
        out.write("no entry matched any word of the question\n")
    for i, c in enumerate(ranked, 1):
        out.write(f"{i}. {c.score:5.1f}  {c.id:<32} matched '{c.alias}'\n")
    return 0


def cmd_kb_export(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    """All entries as one JSON array."""
    kb = load_holder(settings).snapshot.kb
    rows = [entry_json(r) for r in sorted(kb.entries.values(), key=lambda r: r.id)]
    out.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
    return 0


def cmd_kb_schema(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    """The JSON schema for entry files: printed, or written into a knowledge folder (--write)."""
    if args.write is None:
        out.write(entry_schema_json())
        return 0
    target = Path(args.write or settings.knowledge_root) / "schema.json"
    try:
        target.write_text(entry_schema_json(), encoding="utf-8")
    except OSError as exc:
        raise CliError(f"cannot write {target}: {exc.strerror or exc}") from None
    out.write(f"wrote {target}\n")
    return 0


def cmd_kb_new(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    """Write a template entry `CATEGORY/ID.yaml` with every field explained."""
    root = settings.knowledge_root
    if not re.match(ENTRY_ID_PATTERN, args.id) or not re.match(ENTRY_ID_PATTERN, args.category):
        raise CliError(
            "CATEGORY and ID are lowercase letters and digits with dashes, e.g. home air-fryer"
        )
    known = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("_"))
    if args.category not in known:
        raise CliError(f"no category '{args.category}' in {root}; one of: {', '.join(known)}")
    path = root / args.category / f"{args.id}.yaml"
    if path.exists():
        raise CliError(f"{path} exists already")
    today = dt.date.today().isoformat()
    path.write_text(ENTRY_TEMPLATE.replace("{today}", today), encoding="utf-8")
    out.write(f"wrote {path} – fill it in, then run `omtanke kb check`\n")
    return 0


ENTRY_TEMPLATE = """\
# yaml-language-server: $schema=../schema.json
# A new entry: replace every TODO in both languages, delete what you do not need, then run
# `omtanke kb check`. Danish is written, not translated; never shame the reader.
title:                      # the product, brand or shop as people call it
  da: TODO
  en: TODO
verdict: think_twice        # skip | think_twice | ok_if_needed | info
summary:                    # one line under the verdict: the gist of the advice
  da: TODO
  en: TODO
critique:                   # why reconsider: 2-4 short sentences, facts with their year and source
  da: >-
    TODO
  en: >-
    TODO
alternatives:               # in ladder order: use -> borrow/secondhand -> repair -> new (last)
  - kind: use
    da: TODO
    en: TODO
  - kind: secondhand        # or borrow
    da: TODO
    en: TODO
  - kind: repair
    da: TODO
    en: TODO
  - kind: new
    da: TODO
    en: TODO
ask_yourself:               # one question the reader can ask themself
  da: TODO
  en: TODO
aliases:                    # what people type: plurals, no-æøå spellings, typos; '=word' = strict
  da: [TODO]
  en: [TODO]
sources:                    # at least one; a url only for a page you found and read yourself
  - publisher: TODO
    title: TODO
    year: 2026
reviewed: {today}           # the day you checked the facts
related: []                 # ids of related entries
topics: []                  # ids from _topics.yaml, e.g. [A01]
# secondhand:               # a second-hand search for this product
#   query: TODO
#   sites: [dba, vinted]    # dba | vinted | trendsales | reshopper
# shop: true                # a shop or chain: a product named beside it answers instead
"""


def cmd_kb_stale(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    """Entries whose review is older than 18 months, oldest first."""
    kb = load_holder(settings).snapshot.kb
    today = dt.date.today()
    stale = sorted(
        (r for r in kb.entries.values() if (today - r.entry.reviewed).days > STALE_AFTER_DAYS),
        key=lambda r: (r.entry.reviewed, r.id),
    )
    for r in stale:
        out.write(f"{r.entry.reviewed.isoformat()}  {r.id:<32} {r.path}\n")
    out.write(f"{len(stale)} stale entries (of {len(kb.entries)})\n")
    return 0
