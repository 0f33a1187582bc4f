"""Knowledge-base load times: cold, with a warm disk cache, and a reload after one edited file.

Run: `.venv/bin/python bench/kb_load.py [--entries 10000]`. Writes a synthetic knowledge base of
that many entries (the real ones first, with the real category cards) to a temporary folder, then
times, each in a fresh process: a load without cache, a load that writes the disk cache, a load
from it; and in one process: a reload after editing one entry file, writing the disk cache, the
category cards, the category index and the matcher (fresh, and from the previous one). Each step in
one process starts after a full garbage collection. Not a test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import gc
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from knowledge.cards import load_cards  # noqa: E402
from knowledge.categories import CategoryIndex  # noqa: E402
from knowledge.loader import DEFAULT_DIR, load_knowledge_base  # noqa: E402
from knowledge.matcher import Matcher  # noqa: E402
from knowledge.parsecache import write_cache  # noqa: E402
from knowledge.synthetic import write_entries  # noqa: E402

T = TypeVar("T")


def make_kb(folder: Path, count: int) -> None:
    """A knowledge base of `count` entries with the real cards and topic list."""
    kb = load_knowledge_base().kb
    assert kb is not None
    write_entries(folder, kb, count)
    shutil.copytree(DEFAULT_DIR / "_cards", folder / "_cards")
    shutil.copy(DEFAULT_DIR / "_topics.yaml", folder / "_topics.yaml")


def timed_load(root: Path, cache: Path | None) -> None:
    """One load in this process (run in a child): print its time."""
    start = time.perf_counter()
    report = load_knowledge_base(root, cache_dir=cache)
    took = time.perf_counter() - start
    assert report.kb is not None, report.errors[:3]
    print(f"{took:.2f} s ({report.parsed_files} files parsed)")


def timed(label: str, work: Callable[[], T]) -> T:
    """Run `work` after a full collection (so earlier garbage is not its cost); print the time."""
    gc.collect()
    start = time.perf_counter()
    result = work()
    print(f"{label}: {time.perf_counter() - start:.2f} s")
    return result


def in_process(root: Path, cache: Path) -> None:
    """A reload after one edit, writing the cache, and the indexes, in one process."""
    first = load_knowledge_base(root, cache_dir=cache)
    assert first.kb is not None
    edited = sorted(root.glob("home/*.yaml"))[0]
    edited.write_text(edited.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    second = timed("reload after one edit", lambda: load_knowledge_base(root, previous=first))
    print(f"  ({second.parsed_files} files parsed)")
    timed("writing the disk cache", lambda: write_cache(cache, root, second.parsed))
    kb = second.kb
    assert kb is not None
    folders = {r.category for r in kb.entries.values()}
    cards = timed(
        "category cards", lambda: load_cards(root, entry_ids=set(kb.entries), folders=folders)[0]
    )
    by_id = {k: r.card for k, r in cards.items()}
    index = timed("category index, fresh", lambda: CategoryIndex(by_id, first.kb))
    timed("category index from the previous one", lambda: CategoryIndex(by_id, kb, previous=index))
    matcher = timed("matcher, fresh", lambda: Matcher(first.kb))
    timed("matcher from the previous one", lambda: Matcher(kb, previous=matcher))


def child(*args: str) -> None:
    subprocess.run([sys.executable, __file__, *args], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--run", nargs=2, metavar=("ROOT", "CACHE"), help=argparse.SUPPRESS)
    parser.add_argument("--reload", nargs=2, metavar=("ROOT", "CACHE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        timed_load(Path(args.run[0]), Path(args.run[1]) if args.run[1] != "-" else None)
        return
    if args.reload:
        in_process(Path(args.reload[0]), Path(args.reload[1]))
        return
    with tempfile.TemporaryDirectory() as tmp:
        root, cache = Path(tmp) / "kb", Path(tmp) / "cache"
        make_kb(root, args.entries)
        print(f"{args.entries} entries")
        for label, where in (
            ("cold, no cache", "-"),
            ("cold, writing the cache", str(cache)),
            ("warm (disk cache, new process)", str(cache)),
        ):
            print(f"{label}: ", end="", flush=True)
            child("--run", str(root), where)
        child("--reload", str(root), str(cache))


if __name__ == "__main__":
    main()
