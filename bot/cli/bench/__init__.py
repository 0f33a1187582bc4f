"""`omtanke bench`: how fast Omtanke is, each figure against a reference from the same run.

Matching latency on one core against brute-force fuzzy matching (and the index's agreement
with scoring everything), load + index time against parsing the files, end-to-end updates/s
against a bare PTB echo bot on the same loopback Bot API, the write-behind log against one
commit per row, cold start and memory against importing PTB. `--quick` is small enough for CI;
`--json` prints one JSON document. Timings depend on the machine: compare the ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from typing import Any, TextIO

from bot.cli.bench import coldstart, e2e, loading, matching, writer
from bot.cli.bench.common import machine
from bot.cli.bench.report import goals, print_table
from bot.core.settings import Settings

_STARTED = time.perf_counter()


def _step(what: str) -> None:
    print(f"bench: {time.perf_counter() - _STARTED:5.1f} s {what}…", file=sys.stderr, flush=True)


def measure(settings: Settings, *, quick: bool, pg_url: str, profile: bool) -> dict[str, Any]:
    """Every figure; `quick`: fewer questions and smaller sizes (CI)."""
    root, thresholds = settings.knowledge_root, settings.thresholds
    figures: dict[str, Any] = {"machine": machine(), "quick": quick}
    sizes = [0, 10_000] if quick else [0, 10_000, 100_000]
    figures["matching"] = []
    for size in sizes:
        _step(f"matching, {size or 'real'} aliases")
        figures["matching"].append(matching.run(root, thresholds, size, quick=quick))
    figures["loading"] = []
    for count in [1_000] if quick else [1_000, 10_000]:
        _step(f"load + index, {count} entries")
        figures["loading"].append(loading.run(root, count))
    _step("end to end")
    figures["end_to_end"] = asyncio.run(
        e2e.run(
            settings,
            count=150 if quick else 600,
            users=20 if quick else 50,
            rounds=1 if quick else 3,
            profile=profile,
        )
    )
    rows, reference = (2_000, 200) if quick else (10_000, 1_000)
    _step("write-behind log")
    figures["writer"] = [
        asyncio.run(writer.sqlite(rows, reference)),
        asyncio.run(writer.postgresql(pg_url, rows, reference)),
    ]
    _step("cold start")
    figures["cold_start"] = coldstart.run(settings.knowledge_dir)
    figures["goals"] = goals(figures)
    return figures


def cmd_bench(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    """`omtanke bench [--quick] [--json]`."""
    pg_url = os.environ.get("OMTANKE_BENCH_PG_URL") or writer.PG_URL
    figures = measure(settings, quick=args.quick, pg_url=pg_url, profile=args.profile)
    profile = figures["end_to_end"].pop("profile", None)
    if args.json:
        out.write(json.dumps(figures, ensure_ascii=False) + "\n")
    else:
        print_table(figures, out)
    if profile:
        print(profile, file=sys.stderr)
    return 0
