"""The curators' worklist: grouping by product words, "answered but maybe wrong", the questions
that reached one entry – on known data, on SQLite and PostgreSQL, and through the CLI."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.core import gaps, grouping
from bot.core.gaps import (
    Gap,
    build_entry_list,
    build_worklist,
    cluster_gaps,
    worklist_html,
)
from bot.core.grouping import product_words
from bot.core.offload import Busy, Offload
from bot.core.suspects import cluster_suspects
from db import repo
from db.models import Question
from tests.admin.data import NOW, fill
from tests.admin.test_stats import _cli_database, _run_cli

# --- grouping (pure) -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["/start", "/start@omtanke_bot", "1", "42 42", "lol", "LOL!!", "🙂", "ok", "skal jeg?"]
)
def test_texts_without_a_product_word_are_left_out(text: str) -> None:
    assert product_words(text) == ()
    assert cluster_gaps([(text, "u1")]) == []


def test_product_words_are_folded_stemmed_and_without_filler() -> None:
    assert product_words("Skal jeg købe en PASTAMASKINE?") == ("pastamaskin",)
    assert product_words("pastamaskiner") == product_words("pastamaskinen") == ("pastamaskin",)
    # "løbeskoene" folds to "lobeskone" (ø → o, then "oe" → "o"), one letter from "lobesko":
    # the typo rule puts them together.
    assert [g.count for g in cluster_gaps(ask("løbeskoene", "løbesko", "loebesko"))] == [3]
    assert product_words("should I buy sneakers") == product_words("sneaker") == ("sneak",)
    assert product_words("iphone 15 til 5000 kr") == ("iphon", "kr")


def ask(*texts: str) -> list[tuple[str, str]]:
    """Each text asked by its own person."""
    return [(text, f"u{i}") for i, text in enumerate(texts)]


def test_questions_group_by_product_words_most_asked_first() -> None:
    found = cluster_gaps(
        ask(
            "pastamaskine",
            "en god pastamaskine",
            "Pastamaskiner?",
            "pastamaskne",  # a typo: one letter missing
            "psatamaskine",  # a typo: two letters swapped
            "skal jeg købe en elektrisk pastamaskine?",
            "robotplæneklipper",
            "robot plæneklipper",  # a compound written apart
            "bold",
            "bord",  # one letter from "bold", but short words must match exactly
            "/start",
            "lol",
        )
    )
    assert found == [
        Gap(
            "skal jeg købe en elektrisk pastamaskine?",
            6,
            6,
            ["Pastamaskiner?", "en god pastamaskine", "pastamaskine"],
        ),
        Gap("robotplæneklipper", 2, 2, ["robot plæneklipper"]),
        Gap("bold", 1, 1, []),
        Gap("bord", 1, 1, []),
    ]


def test_a_group_counts_questions_and_people() -> None:
    found = cluster_gaps(
        [("airfryer", "u1"), ("airfryer", "u1"), ("Airfryer!", "u1"), ("airfryers", "u2")]
    )
    assert found == [Gap("airfryer", 4, 2, ["Airfryer!", "airfryers"])]


def test_the_label_is_the_most_specific_question_but_not_a_rant() -> None:
    rant = "jeg leder efter en pastamaskine til min mor som elsker italiensk mad og frisk pasta"
    found = cluster_gaps(ask("pastamaskine", "manuel pastamaskine med klemme", rant))
    assert len(rant) > gaps.LABEL_CHARS
    assert [(g.label, g.count) for g in found] == [("manuel pastamaskine med klemme", 3)]


def test_grouping_is_linear_not_pairwise(monkeypatch: pytest.MonkeyPatch) -> None:
    """10,000 distinct questions: the typo check runs only on look-up hits, never on all pairs."""
    calls = 0
    close = grouping._close

    def counting(a: str, b: str) -> bool:
        nonlocal calls
        calls += 1
        return close(a, b)

    monkeypatch.setattr(grouping, "_close", counting)
    texts = [f"produkt{i:05d}x maskine" for i in range(10_000)]
    found = cluster_gaps(ask(*texts))
    assert sum(g.count for g in found) == 10_000
    # Pairwise would be ~50 million checks; a deletion index needs a few per word.
    assert calls < 200_000


def review(
    text: str, entry: str, score: float, helpful: bool | None = None, not_meant: bool = False
) -> repo.AnswerReview:
    return repo.AnswerReview(text, entry, score, helpful, not_meant)


def test_suspects_group_per_entry_and_rank_by_complaints() -> None:
    found = cluster_suspects(
        [
            review("fleecetrøje", "fast-fashion", 88.0),
            review("en god pastamaskine", "coffee-capsules", 86.0, False, True),
            review("pastamaskiner", "coffee-capsules", 97.0, False),
            review("pastamaskine", "stanley-cup", 99.0, None, True),
        ],
        close_below=90.0,
    )
    assert [(s.label, s.entry_id, s.count, s.signals()) for s in found] == [
        ("pastamaskiner", "coffee-capsules", 2, "👎 2, not meant 1, score 86"),
        ("pastamaskine", "stanley-cup", 1, "not meant 1"),
        ("fleecetrøje", "fast-fashion", 1, "score 88"),
    ]
    assert found[0].signals("da") == "👎 2, “ikke det, jeg mente” 1, score 86"


# --- on the database -------------------------------------------------------------------------

EXPECTED = {
    "unanswered_questions": 9,
    "left_out": 3,
    "truncated": False,
    "groups": [
        {
            "question": "elektrisk pastamaskine til frisk pasta",
            "count": 4,
            "users": 4,
            "examples": ["Pastamaskine", "en god pastamaskine", "skal jeg købe en pastamaskine?"],
        },
        {
            "question": "robotplæneklipper",
            "count": 2,
            "users": 2,
            "examples": ["robot plæneklipper"],
        },
    ],
    "close_below": 90.0,
    "maybe_wrong": [
        {
            "question": "god pastamaskine?",
            "entry": "coffee-capsules",
            "count": 2,
            "not_helpful": 2,
            "not_meant": 1,
            "close_score": 1,
            "lowest_score": 86.0,
            "examples": ["en god pastamaskine"],
        },
        {
            "question": "stanley",
            "entry": "stanley-cup",
            "count": 1,
            "not_helpful": 1,
            "not_meant": 0,
            "close_score": 0,
            "lowest_score": 100.0,
            "examples": [],
        },
        {
            "question": "fleecetrøje",
            "entry": "fast-fashion",
            "count": 1,
            "not_helpful": 0,
            "not_meant": 0,
            "close_score": 1,
            "lowest_score": 88.0,
            "examples": [],
        },
    ],
}


async def test_worklist_on_known_data(sessionmaker: Any) -> None:
    await fill(sessionmaker)
    worklist = await build_worklist(
        sessionmaker, 30, answer_threshold=85.0, offload=asyncio.to_thread, now=NOW
    )
    data = worklist.to_json()
    assert data["days"] == 30
    assert {k: v for k, v in data.items() if k not in ("days", "since")} == EXPECTED
    html = worklist_html(worklist, "en")
    assert "4× elektrisk pastamaskine til frisk pasta" in html
    assert (
        "2× god pastamaskine? → <code>coffee-capsules</code> (👎 2, not meant 1, score 86)" in html
    )
    # One day back: the 3- and 4-day-old questions drop out.
    day = await build_worklist(
        sessionmaker, 1, answer_threshold=85.0, offload=asyncio.to_thread, now=NOW
    )
    assert [(g.label, g.count) for g in day.gaps] == [
        ("elektrisk pastamaskine til frisk pasta", 3),
        ("robotplæneklipper", 1),
    ]


async def test_only_the_newest_questions_are_read(
    sessionmaker: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    await fill(sessionmaker)
    monkeypatch.setattr(gaps, "MAX_QUESTIONS", 5)
    worklist = await build_worklist(
        sessionmaker, 30, answer_threshold=85.0, offload=asyncio.to_thread, now=NOW
    )
    assert worklist.truncated and worklist.questions == 5


async def test_the_questions_that_reached_one_entry(sessionmaker: Any) -> None:
    await fill(sessionmaker)
    asked = await build_entry_list(sessionmaker, "coffee-capsules", 30, now=NOW)
    # The button press ("Kaffekapsler" from a suggestion) is the user's pick, not a question.
    assert [a.to_json() for a in asked] == [
        {
            "question": "god pastamaskine?",
            "count": 2,
            "helpful": 0,
            "not_helpful": 2,
            "not_meant": 1,
            "lowest_score": 86.0,
        },
        {
            "question": "kaffekapsler",
            "count": 1,
            "helpful": 1,
            "not_helpful": 0,
            "not_meant": 0,
            "lowest_score": 100.0,
        },
    ]
    assert await build_entry_list(sessionmaker, "no-such-entry", 30, now=NOW) == []


async def test_not_meant_is_recorded_once_and_only_for_stored_questions(sessionmaker: Any) -> None:
    await fill(sessionmaker)
    async with sessionmaker() as s:
        qid = await s.scalar(select(Question.id).where(Question.text == "kaffekapsler"))
    async with sessionmaker.begin() as s:
        assert await repo.mark_not_meant(s, question_id=qid, now=NOW)
        assert not await repo.mark_not_meant(s, question_id=qid, now=NOW + dt.timedelta(1))
        assert not await repo.mark_not_meant(s, question_id="f" * 32, now=NOW)
    async with sessionmaker() as s:
        rows = await repo.answers_to_review(s, since=NOW - dt.timedelta(1), score_below=0, limit=9)
    # 👍 and a full score, but someone said "not what I meant": now it is listed.
    assert ("kaffekapsler", "coffee-capsules", True, True) in [
        (r.text, r.entry_id, r.helpful, r.not_meant) for r in rows
    ]


async def test_a_reminder_is_answered_by_its_own_user_once_delivered(sessionmaker: Any) -> None:
    async with sessionmaker.begin() as s:
        rid = await repo.create_reminder(
            s, user_key="u1", chat_id=7, entry_id="temu", language="da", due_at=NOW, now=NOW
        )
        # Not delivered yet: nothing to answer.
        assert not await repo.answer_reminder(
            s, reminder_id=rid, user_key="u1", outcome="passed", now=NOW
        )
        await repo.mark_reminder_sent(s, reminder_id=rid, now=NOW)
        assert not await repo.answer_reminder(
            s, reminder_id=rid, user_key="someone-else", outcome="passed", now=NOW
        )
        assert await repo.answer_reminder(
            s, reminder_id=rid, user_key="u1", outcome="still_want", now=NOW
        )
        # Changing one's mind replaces the answer.
        assert await repo.answer_reminder(
            s, reminder_id=rid, user_key="u1", outcome="passed", now=NOW
        )
        with pytest.raises(ValueError):
            await repo.answer_reminder(s, reminder_id=rid, user_key="u1", outcome="maybe", now=NOW)
        counts = await repo.reminder_outcomes(s, since=NOW - dt.timedelta(days=1))
    assert counts == {"set": 1, "still_want": 0, "passed": 1, "no_answer": 0, "waiting": 0}


# --- the command line ------------------------------------------------------------------------


async def test_cli_kb_gaps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    await _cli_database(tmp_path, monkeypatch)
    assert await _run_cli(["kb", "gaps", "--days", "30"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "Unanswered questions, the last 30 days: 2 groups from 9 questions "
        "(3 without a product word left out)",
        "count  people  question",
        "    4       4  elektrisk pastamaskine til frisk pasta   "
        "(also: Pastamaskine | en god pastamaskine | skal jeg købe en pastamaskine?)",
        "    2       2  robotplæneklipper   (also: robot plæneklipper)",
        "",
        "Answered but maybe wrong (👎, “Not what I meant”, or a score under 90): 3",
        "count  question → entry",
        "    2  god pastamaskine? → coffee-capsules (👎 2, not meant 1, score 86)",
        "    1  stanley → stanley-cup (👎 1)",
        "    1  fleecetrøje → fast-fashion (score 88)",
    ]
    assert await _run_cli(["kb", "gaps", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {k: v for k, v in data.items() if k not in ("days", "since")} == EXPECTED
    assert await _run_cli(["kb", "gaps", "--days", "1"]) == 0
    assert capsys.readouterr().out.startswith("Unanswered questions, the last day: 2 groups")

    assert await _run_cli(["kb", "gaps", "--entry", "coffee-capsules"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "Questions answered with coffee-capsules, the last 30 days: 3 questions in 2 wordings",
        "count   👍   👎  not meant  lowest score  question",
        "    2    0    2          1            86  god pastamaskine?",
        "    1    1    0          0           100  kaffekapsler",
    ]
    assert await _run_cli(["kb", "gaps", "--entry", "coffee-capsule", "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out) == {"entry": "coffee-capsule", "days": 30, "questions": []}
    assert "no entry 'coffee-capsule'" in captured.err
    assert "did you mean coffee-capsules" in captured.err


# --- off the event loop ----------------------------------------------------------------------


async def test_offload_runs_in_its_own_thread_and_refuses_a_pile_up() -> None:
    offload = Offload(threads=1, queue=1)
    release = threading.Event()
    names: list[str] = []

    def slow() -> str:
        names.append(threading.current_thread().name)
        release.wait(10)
        return "done"

    first = asyncio.ensure_future(offload(slow))
    second = asyncio.ensure_future(offload(slow))
    await asyncio.sleep(0.05)
    with pytest.raises(Busy):
        await offload(slow)  # one running, one waiting: the third is refused at once
    release.set()
    assert await asyncio.gather(first, second) == ["done", "done"]
    assert all(n.startswith("omtanke-admin") for n in names)
    assert await offload(sum, [1, 2]) == 3  # slots are free again
    offload.shutdown()
