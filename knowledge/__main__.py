"""`python -m knowledge check|try` — the curator tools without the bot installed."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from knowledge.cards import load_cards
from knowledge.loader import DEFAULT_DIR, load_knowledge_base
from knowledge.matcher import Matcher


def main(argv: list[str] | None = None) -> int:
    """Validate the knowledge base, or show the top matches for a question."""
    parser = argparse.ArgumentParser(prog="python -m knowledge")
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="validate the knowledge base")
    check.add_argument("dir", nargs="?", type=Path)
    check.add_argument("--strict", action="store_true", help="treat warnings as errors")
    trial = sub.add_parser("try", help="top 5 entries for a question")
    trial.add_argument("question", nargs="+")
    args = parser.parse_args(argv)
    root = (
        args.dir
        if getattr(args, "dir", None)
        else Path(os.environ.get("KNOWLEDGE_DIR") or DEFAULT_DIR)
    )
    report = load_knowledge_base(root)
    for problem in report.problems:
        print(problem)
    if args.command == "check":
        kb = report.kb
        cards, card_problems = load_cards(
            root,
            entry_ids=set(kb.entries) if kb else None,
            folders={r.category for r in kb.entries.values()} if kb else None,
        )
        for problem in card_problems:
            print(problem)
        problems = [*report.problems, *card_problems]
        errors = sum(p.severity == "error" for p in problems)
        warnings = len(problems) - errors
        failed = bool(errors) or (args.strict and bool(warnings))
        count = len(kb.entries) if kb else 0
        print(f"{count} entries, {len(cards)} cards, {errors} errors, {warnings} warnings")
        return 1 if failed else 0
    if report.kb is None:
        return 1
    matcher = Matcher(report.kb)
    question = " ".join(args.question)
    result = matcher.match(question)
    print(f"kind={result.kind} entry={result.entry_id} score={result.score}")
    for c in matcher.rank(question, limit=5):
        print(f"  {c.score:5.1f}  {c.id:30s}  via '{c.alias}'")
    return 0


if __name__ == "__main__":
    sys.exit(main())
