"""Statistics checked against a database filled with known questions and reminders (both
backends): the figures, the 30-day rule, 👍 per verdict, the chart's bars and the caption."""

from __future__ import annotations

import datetime as dt
import json
import struct
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from bot.core.chart import MAX_BARS, bars, render_chart, series_to_draw
from bot.core.stats import Day, build_report, caption_html
from tests.admin.data import NOW, REMINDERS_30, VERDICT_OF, fill


async def test_report_numbers(sessionmaker: Any) -> None:
    await fill(sessionmaker)
    report = await build_report(sessionmaker, 30, verdict_of=VERDICT_OF, now=NOW)
    data = report.to_json()
    figures = (
        "questions",
        "answered",
        "suggestions",
        "unanswered",
        "smalltalk",
        "offtopic",
        "users",
        "helpful",
        "not_helpful",
    )
    assert {k: data[k] for k in figures} == {
        "questions": 21,
        "answered": 9,
        "suggestions": 1,
        "unanswered": 9,
        "smalltalk": 1,
        "offtopic": 1,
        "users": 8,
        "helpful": 4,
        "not_helpful": 4,
    }
    assert data["answer_rate"] == round(9 / 19, 4)
    assert data["reminders"] == {**REMINDERS_30, "passed_share": round(2 / 3, 4)}
    # skip: stanley-cup 👍 1 👎 1; think_twice: temu 👍 1, coffee-capsules 👍 1 👎 3 (the
    # button's 👎 included); unknown: fast-fashion 👍 1.
    assert data["verdicts"] == [
        {"verdict": "skip", "helpful": 1, "not_helpful": 1, "helpful_share": 0.5},
        {"verdict": "think_twice", "helpful": 2, "not_helpful": 3, "helpful_share": 0.4},
        {"verdict": "ok_if_needed", "helpful": 0, "not_helpful": 0, "helpful_share": None},
        {"verdict": "info", "helpful": 0, "not_helpful": 0, "helpful_share": None},
        {"verdict": "unknown", "helpful": 1, "not_helpful": 0, "helpful_share": 1.0},
    ]
    assert data["top_entries"] == [
        {"id": "coffee-capsules", "count": 4},
        {"id": "fast-fashion", "count": 2},
        {"id": "stanley-cup", "count": 2},
        {"id": "temu", "count": 1},
    ]
    assert data["top_unanswered"] == [
        {"text": "elektrisk pastamaskine til frisk pasta", "count": 4},
        {"text": "robotplæneklipper", "count": 2},
    ]
    daily = {d["day"]: d for d in data["daily"]}
    assert len(daily) == 30
    today, yesterday = NOW.date(), NOW.date() - dt.timedelta(days=1)
    assert {k: daily[today.isoformat()][k] for k in ("reminders_set", "still_want", "passed")} == {
        "reminders_set": 2,
        "still_want": 1,
        "passed": 0,
    }
    assert daily[yesterday.isoformat()]["passed"] == 1
    assert sum(d["reminders_set"] for d in data["daily"]) == REMINDERS_30["set"]
    assert sum(d["answered"] + d["suggestions"] + d["unanswered"] for d in data["daily"]) == 19

    caption = caption_html(report, "en", {"coffee-capsules": "Coffee capsules"})
    assert "Questions: 21 · users: 8" in caption
    assert "⏳ 30-day rule: 5 set · 2 passed · 1 still want it · 1 no answer" in caption
    assert "👍 by verdict: 🛑 50% (2) · 🤔 40% (5) · ? 100% (1)" in caption
    assert "4× Coffee capsules" in caption and "4× elektrisk pastamaskine" in caption
    assert len(caption) <= 1024
    png = render_chart(report, "da")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", png[16:24]) == (1000, 460)


async def test_a_new_bot_and_an_empty_one(sessionmaker: Any) -> None:
    """No data at all, then one question today: totals only, no lone bar at the edge."""
    empty = await build_report(sessionmaker, 30, now=NOW)
    assert empty.summary["questions"] == 0 and empty.reminders["set"] == 0
    assert series_to_draw(empty.daily, 30)[1] == []
    assert render_chart(empty, "en").startswith(b"\x89PNG")
    assert "Questions: 0" in caption_html(empty, "en", {})
    one_day = [Day(NOW.date(), 3, 1, 2)]
    assert series_to_draw(one_day, 30) == ("day", [])


def _days(n: int, per_day: int = 1) -> list[Day]:
    first = NOW.date() - dt.timedelta(days=n - 1)
    return [Day(first + dt.timedelta(days=i), per_day, 0, 0) for i in range(n)]


def test_long_periods_are_drawn_per_week_or_month_and_capped() -> None:
    unit, daily = bars(_days(90), 90)
    assert (unit, len(daily)) == ("day", 90)
    unit, weekly = bars(_days(365), 365)
    assert unit == "week" and len(weekly) in (53, 54)
    assert sum(b.answered for b in weekly) == 365
    assert all(b.start.weekday() == 0 for b in weekly)
    unit, monthly = bars(_days(3650), 3650)
    assert unit == "month" and len(monthly) == MAX_BARS
    assert all(b.start.day == 1 for b in monthly)
    # The newest months are kept; the series starts at the first month with data.
    assert monthly[-1].start == NOW.date().replace(day=1)
    # A bot 150 days old, looked at over ten years: the months before it are not drawn.
    quiet = [Day(d.day, 0, 0, 0) for d in _days(3650)[:-150]]
    unit, shown = series_to_draw(quiet + _days(150), 3650)
    assert unit == "month" and len(shown) in (5, 6, 7)
    assert shown[0].answered > 0 and sum(b.answered for b in shown) == 150
    # 40 days are two months at most: too few bars to say anything, the totals speak alone.
    assert series_to_draw(quiet[110:] + _days(40), 3650) == ("month", [])


@pytest.mark.parametrize("fmt", ["--json", "--csv", None])
async def test_cli_stats_on_sqlite(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fmt: str | None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = await _cli_database(tmp_path, monkeypatch)
    assert url
    chart = tmp_path / "chart.png"
    args = ["stats", "--days", "30", "--chart", str(chart)] + ([fmt] if fmt else [])
    code = await _run_cli(args)
    out = capsys.readouterr().out
    assert code == 0
    assert chart.read_bytes().startswith(b"\x89PNG")
    if fmt == "--json":
        data = json.loads(out)
        assert (data["questions"], data["answered"], data["unanswered"], data["users"]) == (
            21,
            9,
            9,
            8,
        )
        assert data["reminders"] == {**REMINDERS_30, "passed_share": 0.6667}
        assert data["top_unanswered"][0]["count"] == 4
    elif fmt == "--csv":
        lines = out.splitlines()
        assert lines[0] == "day,answered,suggestions,unanswered,reminders_set,still_want,passed"
        assert len(lines) == 31
        rows = [line.split(",") for line in lines[1:]]
        assert sum(int(r[4]) for r in rows) == 5 and sum(int(r[6]) for r in rows) == 2
    else:
        assert "answer rate" in out and "coffee-capsules" in out
        assert "answered “passed” (not bought) │     2" in out
        # The real knowledge base: fast-fashion is think_twice too.
        assert "think_twice  │  3 │  3 │      50%" in out
    assert await _run_cli(["stats", "--entries", "--json"]) == 0
    entries = json.loads(capsys.readouterr().out)
    assert entries[0] == {
        "id": "coffee-capsules",
        "answers": 4,
        "helpful": 1,
        "not_helpful": 3,
    }
    assert await _run_cli(["db", "purge", "--older-than", "30"]) == 0
    assert "questions: 1" in capsys.readouterr().out


async def _cli_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A migrated SQLite file with the known data, set as DATABASE_URL."""
    from db.engine import make_engine, make_sessionmaker
    from db.migrate import upgrade

    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    await upgrade(url)
    engine = make_engine(url)
    await fill(make_sessionmaker(engine))
    await engine.dispose()
    monkeypatch.setenv("DATABASE_URL", url)
    return url


async def _run_cli(args: list[str]) -> int:
    import asyncio

    return await asyncio.to_thread(main, args)
