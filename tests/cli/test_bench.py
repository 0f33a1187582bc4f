"""`omtanke bench --quick --json`: the shape of its document and the parts that must be right.

Timings are the benchmark's business, not a test's: only correctness is asserted here (the
index agrees with scoring everything, every update answered, every question logged once).
"""

from __future__ import annotations

import json

import pytest

from tests.cli.test_cli import omtanke

pytestmark = pytest.mark.slow


def test_bench_quick_json() -> None:
    result = omtanke("bench", "--quick", "--json")
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    data = json.loads(result.stdout)
    assert set(data) == {
        "machine",
        "quick",
        "matching",
        "loading",
        "end_to_end",
        "writer",
        "cold_start",
        "goals",
    }
    assert data["quick"] is True
    assert data["machine"]["nproc"] >= 1
    assert [m["size"] for m in data["matching"]] == ["real", "10k"]
    for m in data["matching"]:
        assert m["agreement"] >= 0.995, m
        assert m["p50_ms"] > 0 and m["p99_ms"] >= m["p50_ms"] and m["brute_median_ms"] > 0
    assert [ld["entries"] for ld in data["loading"]] == [1000]
    for ld in data["loading"]:
        assert ld["first_start_s"] > 0 and ld["seconds"] > 0 and ld["reload_s"] > 0, ld
    e2e = data["end_to_end"]
    assert e2e["echo_answered_all"] is True
    assert e2e["omtanke_answered_all"] is True
    assert e2e["logged_exactly_once"] is True
    assert e2e["omtanke"]["rows"] == e2e["updates"]
    assert e2e["echo"]["messages"] == e2e["updates"]
    assert e2e["ratio"] > 0
    assert [w["database"] for w in data["writer"]] == ["SQLite", "PostgreSQL"]
    assert data["writer"][0]["rows_per_s"] > 0
    assert data["cold_start"]["answer_kind"] == "answer"
    assert data["cold_start"]["max_rss_mb"] > 0
    assert data["cold_start"]["first_ever_s"] > 0
    assert data["goals"]["agreement"]["met"] is True
