"""Shared parts of the benchmark: the machine, percentiles, child processes and question sets.

Every figure is measured against a reference taken in the same run, so a busy machine slows
both alike and the ratio stays honest; the absolute numbers are printed too.
"""

from __future__ import annotations

import csv
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

QUESTION_SETS = Path("tests/data/questions")
"""The real question sets, relative to a source checkout (not part of the installed package)."""


def machine() -> dict[str, Any]:
    """Where the figures were taken: cores, CPU model, load average, Python."""
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.partition(":")[2].strip()
                break
    except OSError:
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return {
        "nproc": len(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else os.cpu_count(),
        "cpu": model,
        "load": [round(x, 2) for x in load],
        "python": platform.python_version(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def percentile(values: list[float], share: float) -> float:
    """The value below which `share` of `values` lie (nearest rank; 0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def pin_to_one_core() -> int | None:
    """Pin this process to one core (like a small VM); the core, or None where unsupported."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    core = max(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {core})
    return core


def _status_kib(field: str) -> int | None:
    """A memory figure of this process from /proc/self/status, in KiB (None without /proc)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def rss_bytes() -> int:
    """This process's resident memory now (VmRSS), 0 where /proc is missing."""
    return (_status_kib("VmRSS") or 0) * 1024


def peak_rss_mb() -> float:
    """This process's peak resident memory in MiB (VmHWM: since its exec, not its fork)."""
    peak = _status_kib("VmHWM")
    if peak is not None:
        return peak / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass(frozen=True)
class ChildRun:
    """A finished child process: its JSON output, when it was spawned, wall time, peak memory."""

    result: Any
    spawned: float
    """time.time() just before the spawn (a child reports its own moments on the same clock)."""
    seconds: float
    max_rss_mb: float


def run_child(args: list[str], *, timeout: float = 600) -> ChildRun:
    """Run `python args…` in a fresh interpreter; the last line of its stdout is read as JSON.

    `max_rss_mb` comes from wait4() on that child alone (RUSAGE_CHILDREN would give the largest
    of all children so far); Linux carries the parent's peak over the fork into it, so a child
    that reports its own `peak_rss_mb()` is the figure to use.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        spawned = time.time()
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, *args], stdout=out, stderr=err)
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - started > timeout:
                proc.kill()
                raise TimeoutError(f"{' '.join(args)} took more than {timeout:.0f} s")
            time.sleep(0.005)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        text = out.read().decode("utf-8", "replace")
        if proc.returncode != 0:
            tail = err.read().decode("utf-8", "replace").strip()[-800:]
            raise RuntimeError(f"{' '.join(args)} failed ({proc.returncode}): {tail}")
    lines = [line for line in text.splitlines() if line.strip()]
    result = json.loads(lines[-1]) if lines else None
    return ChildRun(result, spawned, seconds, usage.ru_maxrss / 1024)


def real_questions(root: Path | None = None) -> list[str] | None:
    """Every question of the real sets in tests/data/questions, or None outside a checkout."""
    candidates = [root] if root else [Path.cwd(), Path(__file__).resolve().parents[3]]
    for base in candidates:
        folder = base / QUESTION_SETS
        if folder.is_dir():
            out: list[str] = []
            for path in sorted(folder.glob("*.tsv")):
                with path.open(encoding="utf-8") as fh:
                    for row in csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
                        if row and row[0].strip() and not row[0].startswith("#"):
                            out.append(row[0])
            return out
    return None


def emit(result: Any) -> None:
    """A child's answer: one JSON line on stdout."""
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()
