"""Matching latency on one core, against brute force, and the index's agreement with scoring all.

Run as a child (`python -m bot.cli.bench.matching JSON`), one per knowledge-base size, so each
size starts with a clean heap; the child pins itself to one core. The reference is rapidfuzz's
`process.extractOne(question, every alias key, scorer=fuzz.WRatio)` on the same questions, in
the same process: what "fuzzy match against every alias" costs.
"""

from __future__ import annotations

import gc
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process

from bot.cli.bench.common import (
    emit,
    percentile,
    pin_to_one_core,
    real_questions,
    rss_bytes,
    run_child,
)
from knowledge.frequency import zipf, zipf_in
from knowledge.loader import KnowledgeBase, alias_key, entry_aliases, load_knowledge_base
from knowledge.matcher import Matcher, Thresholds
from knowledge.memory import return_free_memory
from knowledge.synthetic import grow, typo_questions


def measure(params: dict[str, Any]) -> dict[str, Any]:
    """Latency, brute force and agreement for one size (`aliases` 0: the real base alone)."""
    core = pin_to_one_core()
    report = load_knowledge_base(Path(params["root"]))
    if report.kb is None:
        raise SystemExit(f"the knowledge base has {len(report.errors)} errors")
    kb = grow(report.kb, params["aliases"]) if params["aliases"] else report.kb
    keys = sorted({alias_key(a) for r in kb.entries.values() for _, a in entry_aliases(r.entry)})
    questions, source = _questions(kb, params)
    thresholds = Thresholds(**params["thresholds"])
    zipf("a"), zipf_in("a", "da")  # the word lists: a fixed cost, not the index's per alias
    gc.collect()
    return_free_memory()  # or the build could fill pages the loading freed, unseen
    resident = rss_bytes()
    started = time.perf_counter()
    matcher = Matcher(kb, thresholds)
    build_s = time.perf_counter() - started
    gc.collect()
    index_bytes = rss_bytes() - resident  # what the index adds to the process, allocator included
    times = _latencies(matcher, questions, params["rounds"])
    brute = _brute_force(keys, questions[: params["brute"]])
    exhaustive = Matcher(kb, thresholds, exhaustive=True)
    checked = questions[: params["agree"]]
    same = sum(_top1(matcher, q) == _top1(exhaustive, q) for q in checked)
    p50, p99 = percentile(times, 0.50), percentile(times, 0.99)
    brute_ms = statistics.median(brute)
    return {
        "size": "real" if not params["aliases"] else f"{params['aliases'] // 1000}k",
        "entries": len(kb.entries),
        "aliases": len(keys),
        "questions": len(questions),
        "question_source": source,
        "rounds": params["rounds"],
        "core": core,
        "build_s": round(build_s, 3),
        "index_bytes_per_alias": round(index_bytes / len(keys)) if resident else None,
        "p50_ms": round(p50, 3),
        "p99_ms": round(p99, 3),
        "max_ms": round(max(times), 3),
        "brute_median_ms": round(brute_ms, 3),
        "brute_questions": len(brute),
        "speedup_median": round(brute_ms / p50, 1) if p50 else None,
        "speedup_p99": round(brute_ms / p99, 1) if p99 else None,
        "agreement": round(same / len(checked), 4) if checked else None,
        "agreement_questions": len(checked),
    }


def _questions(kb: KnowledgeBase, params: dict[str, Any]) -> tuple[list[str], str]:
    count = params["questions"]
    if not params["aliases"]:
        real = real_questions()
        if real:
            return real[:count], "tests/data/questions"
    return typo_questions(kb, count), "knowledge.synthetic.typo_questions"


def _latencies(matcher: Matcher, questions: list[str], rounds: int) -> list[float]:
    for question in questions:  # warm-up: stems, word frequencies, lazy tables
        matcher.match(question)
    times: list[float] = []
    clock = time.perf_counter
    for _ in range(rounds):
        for question in questions:
            t0 = clock()
            matcher.match(question)
            times.append((clock() - t0) * 1000)
    return times


def _brute_force(keys: list[str], questions: list[str]) -> list[float]:
    """Milliseconds per question of fuzzy matching against every alias key (the reference)."""
    times = []
    for question in questions:
        t0 = time.perf_counter()
        process.extractOne(question, keys, scorer=fuzz.WRatio)
        times.append((time.perf_counter() - t0) * 1000)
    return times


def _top1(matcher: Matcher, question: str) -> tuple[str, str | None]:
    result = matcher.match(question)
    return result.kind, result.entry_id


def run(root: Path, thresholds: Thresholds, aliases: int, *, quick: bool) -> dict[str, Any]:
    """The figures for one size, from a fresh child process."""
    params = {
        "root": str(root),
        "aliases": aliases,
        "thresholds": {"answer": thresholds.answer, "suggest": thresholds.suggest},
        "questions": 300 if quick else 1000,
        "rounds": 2 if quick else 3,
        "brute": 15 if quick else (40 if aliases >= 100_000 else 100),
        "agree": 300 if quick else (400 if aliases >= 100_000 else 1000),
    }
    return dict(run_child(["-m", __name__, json.dumps(params)]).result)


if __name__ == "__main__":
    emit(measure(json.loads(sys.argv[1])))
