"""Statistics and gaps checked against a database filled with known questions (both backends)."""

from __future__ import annotations

import datetime as dt
import json
import struct
import uuid
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from bot.core.stats import build_report, caption_html, cluster_gaps, render_chart
from db import repo

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


def q(
    kind: str, *, entry: str | None = None, user: str = "u1", text: str = "x", days_ago: float = 0
) -> dict[str, Any]:
    return {
        "id": uuid.uuid4().hex,
        "user_key": user,
        "chat_type": "private",
        "text": text,
        "language": "da",
        "kind": kind,
        "entry_id": entry,
        "score": 100.0 if entry else 0.0,
        "candidates": [],
        "kb_version": "test",
        "latency_ms": 3,
        "created_at": NOW - dt.timedelta(days=days_ago),
    }


async def fill(sessionmaker: Any) -> list[dict[str, Any]]:
    rows = [
        q("answer", entry="stanley-cup", user="u1"),
        q("answer", entry="stanley-cup", user="u2", days_ago=1),
        q("answer", entry="temu", user="u2", days_ago=2),
        q("suggestions", user="u3", days_ago=1),
        q("fallback", user="u1", text="hvad bliver vejret i morgen"),
        q("fallback", user="u3", text="Hvad bliver vejret i morgen?", days_ago=3),
        q("fallback", user="u3", text="tell me a joke", days_ago=3),
        q("smalltalk", user="u1", text="hej"),
        q("answer", entry="shein", user="u4", days_ago=40),  # outside a 30-day period
    ]
    async with sessionmaker() as session:
        now = NOW
        for user in ("u1", "u2", "u3", "u4"):
            await repo.touch_user(session, user_key=user, now=now)
        await repo.add_questions(session, rows=rows)
        await repo.set_feedback(
            session, question_id=rows[0]["id"], user_key="u1", helpful=True, now=now
        )
        await repo.set_feedback(
            session, question_id=rows[1]["id"], user_key="u2", helpful=False, now=now
        )
        await repo.set_feedback(
            session, question_id=rows[2]["id"], user_key="u2", helpful=True, now=now
        )
        await session.commit()
    return rows


async def test_report_numbers(sessionmaker: Any) -> None:
    await fill(sessionmaker)
    report = await build_report(sessionmaker, 30, now=NOW)
    data = report.to_json()
    assert {
        k: data[k]
        for k in (
            "questions",
            "answered",
            "suggestions",
            "unanswered",
            "smalltalk",
            "users",
            "helpful",
            "not_helpful",
        )
    } == {
        "questions": 8,
        "answered": 3,
        "suggestions": 1,
        "unanswered": 3,
        "smalltalk": 1,
        "users": 3,
        "helpful": 2,
        "not_helpful": 1,
    }
    assert data["answer_rate"] == round(3 / 7, 4)
    assert data["top_entries"][0] == {"id": "stanley-cup", "count": 2}
    assert data["top_unanswered"][0]["count"] == 2
    assert sum(d["answered"] + d["suggestions"] + d["unanswered"] for d in data["daily"]) == 7
    caption = caption_html(report, "en", {"stanley-cup": "Stanley cup"})
    assert "Questions: 8" in caption and "2× Stanley cup" in caption and len(caption) <= 1024
    png = render_chart(report, "da")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (800, 400)


def test_gap_clustering() -> None:
    gaps = cluster_gaps(
        [
            "hvad bliver vejret i morgen",
            "Hvad bliver vejret i morgen?",
            "vejret i morgen",
            "tell me a joke",
            "🙂",
        ]
    )
    assert gaps[0].count == 3 and gaps[0].text.lower().startswith("hvad bliver vejret")
    assert [g.count for g in gaps] == [3, 1]


@pytest.mark.parametrize("fmt", ["--json", "--csv", None])
async def test_cli_stats_on_sqlite(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fmt: str | None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from db.engine import make_engine, make_sessionmaker
    from db.migrate import upgrade

    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    await upgrade(url)
    engine = make_engine(url)
    await fill(make_sessionmaker(engine))
    await engine.dispose()
    monkeypatch.setenv("DATABASE_URL", url)
    chart = tmp_path / "chart.png"
    args = ["stats", "--days", "30", "--chart", str(chart)] + ([fmt] if fmt else [])
    code = await _run_cli(args)
    out = capsys.readouterr().out
    assert code == 0
    assert chart.read_bytes().startswith(b"\x89PNG")
    if fmt == "--json":
        data = json.loads(out)
        assert (data["questions"], data["answered"], data["unanswered"], data["users"]) == (
            8,
            3,
            3,
            3,
        )
        assert data["top_unanswered"][0]["count"] == 2
    elif fmt == "--csv":
        assert out.splitlines()[0] == "day,answered,suggestions,unanswered"
    else:
        assert "answer rate" in out and "stanley-cup" in out
    assert await _run_cli(["stats", "--entries", "--json"]) == 0
    entries = json.loads(capsys.readouterr().out)
    assert entries[0]["id"] == "stanley-cup" and entries[0]["not_helpful"] == 1
    assert await _run_cli(["kb", "gaps", "--days", "30"]) == 0
    gaps = capsys.readouterr().out
    assert "    2  hvad bliver vejret i morgen" in gaps.lower()
    assert await _run_cli(["db", "purge", "--older-than", "30"]) == 0
    assert "questions: 1" in capsys.readouterr().out


async def _run_cli(args: list[str]) -> int:
    import asyncio

    return await asyncio.to_thread(main, args)
