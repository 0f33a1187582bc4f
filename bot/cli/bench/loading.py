"""Load and index time of a knowledge base of 1k and 10k entries, each in a fresh process.

The entries are written once to a temporary folder (`knowledge.synthetic.write_entries`); a
child then runs what a start runs – `load_knowledge_base` and `build_snapshot` – and a second
child only reads and parses the same files with PyYAML's C loader (the reference: the least any
loader of these files must do).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from bot.cli.bench.common import emit, run_child
from bot.core.knowledge import build_snapshot
from knowledge.loader import load_knowledge_base
from knowledge.matcher import Thresholds
from knowledge.synthetic import write_entries


def load_and_index(root: Path) -> dict[str, Any]:
    """What a start does with the files: validate, load, index (matcher, category cards)."""
    started = time.perf_counter()
    report = load_knowledge_base(root)
    loaded = time.perf_counter()
    if report.kb is None:
        raise SystemExit(f"{len(report.errors)} errors: {report.errors[:3]}")
    snapshot, _ = build_snapshot(report.kb, root, Thresholds())
    done = time.perf_counter()
    return {
        "entries": len(snapshot.kb.entries),
        "load_s": round(loaded - started, 3),
        "index_s": round(done - loaded, 3),
        "seconds": round(done - started, 3),
    }


def parse_only(root: Path) -> dict[str, Any]:
    """The reference: every YAML file read and parsed with the C loader, nothing else."""
    started = time.perf_counter()
    count = 0
    for path in sorted(root.rglob("*.yaml")):
        with path.open("rb") as fh:
            yaml.load(fh, Loader=yaml.CSafeLoader)
        count += 1
    return {"files": count, "seconds": round(time.perf_counter() - started, 3)}


def run(source: Path, count: int, *, again: bool = True) -> dict[str, Any]:
    """Load + index of `count` entries against parsing the same files, each in a fresh child;
    `again`: a second start on the same files too (what a parse cache would speed up)."""
    report = load_knowledge_base(source)
    assert report.kb is not None, report.errors
    with tempfile.TemporaryDirectory(prefix="omtanke-bench-kb-") as tmp:
        root = Path(tmp) / "entries"
        write_entries(root, report.kb, count)
        full = run_child(["-m", __name__, "load", str(root)]).result
        second = run_child(["-m", __name__, "load", str(root)]).result if again else None
        ref = run_child(["-m", __name__, "parse", str(root)]).result
    return {
        "entries": full["entries"],
        "load_s": full["load_s"],
        "index_s": full["index_s"],
        "seconds": full["seconds"],
        "second_start_s": second["seconds"] if second else None,
        "yaml_parse_s": ref["seconds"],
        "ratio": round(full["seconds"] / ref["seconds"], 2) if ref["seconds"] else None,
    }


if __name__ == "__main__":
    what, folder = sys.argv[1], Path(sys.argv[2])
    emit(load_and_index(folder) if what == "load" else parse_only(folder))
