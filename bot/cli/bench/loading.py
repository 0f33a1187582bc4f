"""Load and index time of a knowledge base of 1k and 10k entries, each in a fresh process.

The entries are written once to a temporary folder (`knowledge.synthetic.write_entries`). A
child runs what a start runs – `load_knowledge_base` and `build_snapshot` with a cache folder
(KNOWLEDGE_CACHE_DIR) – first with an empty cache folder (a first start, which also fills it),
then again (a restart: the usual case). A third child edits one entry and reloads the way the
running bot does (`previous=`: only the changed file parsed, only its entry analysed). The
reference is a child that only reads and parses the same files with PyYAML's C loader: the
least any loader of these files must do.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from bot.cli.bench.common import emit, run_child
from bot.core.knowledge import build_snapshot, parts_store
from knowledge.loader import load_knowledge_base
from knowledge.matcher import Thresholds
from knowledge.synthetic import write_entries


def load_and_index(root: Path, cache: Path) -> dict[str, Any]:
    """What a start does with the files: validate, load, index (matcher, category cards)."""
    started = time.perf_counter()
    report = load_knowledge_base(root, cache_dir=cache)
    loaded = time.perf_counter()
    if report.kb is None:
        raise SystemExit(f"{len(report.errors)} errors: {report.errors[:3]}")
    snapshot, _ = build_snapshot(report.kb, root, Thresholds(), store=parts_store(cache, root))
    done = time.perf_counter()
    return {
        "entries": len(snapshot.kb.entries),
        "load_s": round(loaded - started, 3),
        "index_s": round(done - loaded, 3),
        "seconds": round(done - started, 3),
    }


def reload_one_edit(root: Path, cache: Path) -> dict[str, Any]:
    """A hot reload after one entry file was edited, as the running bot does it."""
    report = load_knowledge_base(root, cache_dir=cache)
    assert report.kb is not None
    snapshot, _ = build_snapshot(report.kb, root, Thresholds(), store=parts_store(cache, root))
    path = next(root.rglob(f"{max(report.kb.entries)}.yaml"))
    path.write_text(path.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    started = time.perf_counter()
    again = load_knowledge_base(root, previous=report)
    assert again.kb is not None and again.parsed_files == 1
    build_snapshot(again.kb, root, Thresholds(), previous=snapshot)
    return {"seconds": round(time.perf_counter() - started, 3)}


def parse_only(root: Path) -> dict[str, Any]:
    """The reference: every YAML file read and parsed with the C loader, nothing else."""
    started = time.perf_counter()
    count = 0
    for path in sorted(root.rglob("*.yaml")):
        with path.open("rb") as fh:
            yaml.load(fh, Loader=yaml.CSafeLoader)
        count += 1
    return {"files": count, "seconds": round(time.perf_counter() - started, 3)}


def run(source: Path, count: int) -> dict[str, Any]:
    """Load + index of `count` entries (first start, restart, reload after an edit) against
    parsing the same files, each in a fresh child."""
    report = load_knowledge_base(source)
    assert report.kb is not None, report.errors
    with tempfile.TemporaryDirectory(prefix="omtanke-bench-kb-") as tmp:
        root, cache = Path(tmp) / "entries", Path(tmp) / "cache"
        write_entries(root, report.kb, count)
        first = run_child(["-m", __name__, "load", str(root), str(cache)]).result
        restart = run_child(["-m", __name__, "load", str(root), str(cache)]).result
        edit = run_child(["-m", __name__, "reload", str(root), str(cache)]).result
        ref = run_child(["-m", __name__, "parse", str(root), ""]).result
    return {
        "entries": restart["entries"],
        "load_s": restart["load_s"],
        "index_s": restart["index_s"],
        "seconds": restart["seconds"],
        "first_start_s": first["seconds"],
        "reload_s": edit["seconds"],
        "yaml_parse_s": ref["seconds"],
        "ratio": round(restart["seconds"] / ref["seconds"], 2) if ref["seconds"] else None,
    }


if __name__ == "__main__":
    what, folder, cache_dir = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    if what == "load":
        emit(load_and_index(folder, cache_dir))
    elif what == "reload":
        emit(reload_one_edit(folder, cache_dir))
    else:
        emit(parse_only(folder))
