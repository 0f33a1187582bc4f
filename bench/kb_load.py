"""Knowledge-base load times: cold, with a warm disk cache, and a reload after one edited file.

Run: `.venv/bin/python bench/kb_load.py [--entries 10000]`. Writes a synthetic knowledge base of
that many entries (the real ones first, with the real category cards) to a temporary folder, then
times, each in a fresh process: a load without cache, a load that writes the disk cache, a load
from it; and in one process: a reload after editing one entry file, the category cards and index
(fresh, and from the previous index). Not a test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from knowledge.cards import load_cards  # noqa: E402
from knowledge.categories import CategoryIndex  # noqa: E402
from knowledge.loader import DEFAULT_DIR, load_knowledge_base  # noqa: E402
from knowledge.synthetic import write_entries  # noqa: E402


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


def in_process(root: Path, cache: Path) -> None:
    """Reload after one edit, and the category index, in one process."""
    first = load_knowledge_base(root, cache_dir=cache)
    assert first.kb is not None
    edited = sorted(root.glob("home/*.yaml"))[0]
    edited.write_text(edited.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    start = time.perf_counter()
    second = load_knowledge_base(root, cache_dir=cache, previous=first)
    print(
        f"reload after one edit: {time.perf_counter() - start:.2f} s "
        f"({second.parsed_files} files parsed)"
    )
    kb = second.kb
    assert kb is not None
    start = time.perf_counter()
    cards, _ = load_cards(
        root, entry_ids=set(kb.entries), folders={r.category for r in kb.entries.values()}
    )
    index = CategoryIndex({k: r.card for k, r in cards.items()}, kb)
    print(f"cards + category index, fresh: {time.perf_counter() - start:.2f} s")
    start = time.perf_counter()
    CategoryIndex({k: r.card for k, r in cards.items()}, kb, previous=index)
    print(f"category index from the previous one: {time.perf_counter() - start:.2f} s")


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
