"""Repository functions, identical on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import Any

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db import repo
from db.models import Feedback, Question, Reminder, User
from tests.db.fixtures import Database

UTC = dt.UTC
T0 = dt.datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
CPH = dt.timezone(dt.timedelta(hours=2))  # Danish summer time, to check UTC normalisation

SM = async_sessionmaker[AsyncSession]


def qrow(user: str = "u1", kind: str = "answer", at: dt.datetime = T0, **kw: Any) -> dict[str, Any]:
    """A questions row with sensible defaults."""
    row: dict[str, Any] = {
        "id": uuid.uuid4().hex,
        "user_key": user,
        "chat_type": "private",
        "text": "Skal jeg købe en Stanley cup?",
        "language": "da",
        "kind": kind,
        "entry_id": "stanley-cup" if kind == "answer" else None,
        "score": 0.93 if kind == "answer" else None,
        "candidates": [{"id": "stanley-cup", "score": 0.93}, {"id": "tumbler", "score": 0.41}],
        "kb_version": "kb-1",
        "latency_ms": 12,
        "created_at": at,
    }
    row.update(kw)
    return row


async def count(sm: SM, model: type[Any]) -> int:
    async with sm() as s:
        return int(await s.scalar(select(func.count()).select_from(model)) or 0)


# --- users -------------------------------------------------------------------


async def test_touch_user_creates_then_updates(sessionmaker: SM) -> None:
    async with sessionmaker.begin() as s:
        await repo.touch_user(s, user_key="u1", language="en", now=T0)
    async with sessionmaker.begin() as s:
        await repo.touch_user(s, user_key="u1", language="da", now=T0 + dt.timedelta(hours=1))
        # A replayed, older sighting never moves last_seen back.
        await repo.touch_user(s, user_key="u1", now=T0 - dt.timedelta(days=1))
    async with sessionmaker() as s:
        user = await s.get(User, "u1")
        assert user is not None
        assert user.language == "en"  # the first guess stays; only set_user_language changes it
        assert user.first_seen == T0 - dt.timedelta(days=1)
        assert user.last_seen == T0 + dt.timedelta(hours=1)
        assert user.last_seen.tzinfo is UTC


async def test_user_language(sessionmaker: SM) -> None:
    async with sessionmaker.begin() as s:
        assert await repo.get_user_language(s, user_key="nobody") is None
        await repo.set_user_language(s, user_key="u2", language="en", now=T0)  # creates
        await repo.touch_user(s, user_key="u3", now=T0)
    async with sessionmaker.begin() as s:
        await repo.set_user_language(s, user_key="u2", language="da", now=T0)  # updates
        assert await repo.get_user_language(s, user_key="u3") is None
    async with sessionmaker() as s:
        assert await repo.get_user_language(s, user_key="u2") == "da"
    assert await count(sessionmaker, User) == 2


async def test_repository_never_commits(sessionmaker: SM) -> None:
    async with sessionmaker() as s:
        await repo.touch_user(s, user_key="u1", now=T0)
        await repo.add_questions(s, rows=[qrow()])
        await s.rollback()
    assert await count(sessionmaker, User) == 0
    assert await count(sessionmaker, Question) == 0


# --- questions and feedback --------------------------------------------------


async def test_add_questions_bulk_and_replay_safe(sessionmaker: SM) -> None:
    rows = [qrow(user=f"u{i % 7}", at=T0 + dt.timedelta(seconds=i)) for i in range(1200)]
    async with sessionmaker.begin() as s:
        assert await repo.add_questions(s, rows=rows) == 1200
    async with sessionmaker.begin() as s:
        # Replaying (part of) a batch that was committed inserts nothing twice.
        assert await repo.add_questions(s, rows=[*rows[:600], rows[0]]) == 0
        extra = qrow()
        assert await repo.add_questions(s, rows=[*rows[1000:], extra, extra]) == 1
    assert await count(sessionmaker, Question) == 1201


async def test_question_round_trip(sessionmaker: SM) -> None:
    at = dt.datetime(2025, 6, 1, 1, 30, tzinfo=CPH)  # 23:30 UTC the day before
    row = qrow(at=at, text="Hvad med æbler? 🍎")
    async with sessionmaker.begin() as s:
        await repo.add_questions(s, rows=[row])
    async with sessionmaker() as s:
        q = await s.get(Question, row["id"])
    assert q is not None
    assert q.created_at == at and q.created_at.tzinfo is UTC
    assert q.created_at.hour == 23
    assert q.candidates == row["candidates"]
    assert q.text == "Hvad med æbler? 🍎"
    assert q.score == pytest.approx(0.93)


async def test_question_candidates(sessionmaker: SM) -> None:
    row = qrow()
    async with sessionmaker.begin() as s:
        await repo.add_questions(s, rows=[row, qrow(candidates=None)])
    async with sessionmaker() as s:
        assert await repo.question_candidates(s, question_id=row["id"]) == [
            "stanley-cup",
            "tumbler",
        ]
        assert await repo.question_candidates(s, question_id="0" * 32) == []


async def test_constraints_hold_on_both(sessionmaker: SM) -> None:
    with pytest.raises(IntegrityError):
        async with sessionmaker.begin() as s:
            await repo.add_questions(s, rows=[qrow(kind="nonsense")])
    with pytest.raises(IntegrityError):  # feedback needs its question (SQLite: foreign_keys=ON)
        async with sessionmaker.begin() as s:
            s.add(Feedback(question_id="0" * 32, user_key="u", helpful=True, created_at=T0))
    with pytest.raises(StatementError, match="naive"):
        async with sessionmaker.begin() as s:
            await repo.add_questions(s, rows=[qrow(at=dt.datetime(2025, 1, 1))])


async def test_feedback_one_per_question_last_click_wins(sessionmaker: SM) -> None:
    q = qrow()
    async with sessionmaker.begin() as s:
        await repo.add_questions(s, rows=[q])
    async with sessionmaker.begin() as s:
        assert await repo.set_feedback(s, question_id=q["id"], user_key="u1", helpful=True, now=T0)
    later = T0 + dt.timedelta(minutes=1)
    async with sessionmaker.begin() as s:
        assert await repo.set_feedback(
            s, question_id=q["id"], user_key="u1", helpful=False, now=later
        )
        # An older click arriving late (a replay) does not undo the newer one.
        assert not await repo.set_feedback(
            s, question_id=q["id"], user_key="u1", helpful=True, now=T0
        )
        assert not await repo.set_feedback(
            s, question_id="f" * 32, user_key="u1", helpful=True, now=T0
        )
    async with sessionmaker() as s:
        rows = (await s.scalars(select(Feedback))).all()
    assert [(f.question_id, f.helpful, f.created_at) for f in rows] == [(q["id"], False, later)]


async def test_feedback_is_per_user_nobody_overwrites_another(sessionmaker: SM) -> None:
    q = qrow()
    later = T0 + dt.timedelta(minutes=1)
    async with sessionmaker.begin() as s:
        await repo.add_questions(s, rows=[q])
        assert await repo.set_feedback(
            s, question_id=q["id"], user_key="asker", helpful=True, now=T0
        )
        # Someone else in the group rates the same answer later: a row of their own.
        assert await repo.set_feedback(
            s, question_id=q["id"], user_key="other", helpful=False, now=later
        )
    async with sessionmaker.begin() as s:  # the writer's bulk path, one batch with both users
        stored = await repo.set_feedbacks(
            s,
            rows=[
                {"question_id": q["id"], "user_key": "other", "helpful": True, "created_at": later},
                {"question_id": q["id"], "user_key": "asker", "helpful": True, "created_at": T0},
            ],
        )
    assert stored == 2  # both are (re)stored: same time, same values – idempotent
    async with sessionmaker() as s:
        rows = (await s.scalars(select(Feedback).order_by(Feedback.user_key))).all()
        quality = await repo.entry_quality(s)
    assert [(f.user_key, f.helpful) for f in rows] == [("asker", True), ("other", True)]
    # One answer, rated by two people: counted once as an answer, twice as helpful.
    assert quality == [("stanley-cup", 1, 2, 0)]


async def test_deleting_a_question_cascades_to_feedback(sessionmaker: SM) -> None:
    q = qrow()
    async with sessionmaker.begin() as s:
        await repo.add_questions(s, rows=[q])
        await repo.set_feedback(s, question_id=q["id"], user_key="u1", helpful=True, now=T0)
    async with sessionmaker.begin() as s:
        await s.execute(delete(Question).where(Question.id == q["id"]))
    assert await count(sessionmaker, Feedback) == 0


# --- reminders ---------------------------------------------------------------


async def _reminder(
    s: AsyncSession, user: str = "u1", due: dt.datetime = T0, chat: int = 42
) -> int:
    return await repo.create_reminder(
        s, user_key=user, chat_id=chat, entry_id="stanley-cup", language="da", due_at=due, now=T0
    )


async def test_reminder_lifecycle(sessionmaker: SM) -> None:
    async with sessionmaker.begin() as s:
        due = await _reminder(s, due=T0)
        later = await _reminder(s, due=T0 + dt.timedelta(days=30))
        other = await _reminder(s, user="u2", due=T0 - dt.timedelta(hours=1))
    assert len({due, later, other}) == 3

    async with sessionmaker.begin() as s:
        assert [r.id for r in await repo.pending_reminders(s)] == [other, due, later]
        assert [r.id for r in await repo.pending_reminders(s, user_key="u1")] == [due, later]
        assert not await repo.cancel_reminder(s, reminder_id=later, user_key="u2")  # not theirs
        assert await repo.cancel_reminder(s, reminder_id=later, user_key="u1")
        assert not await repo.cancel_reminder(s, reminder_id=later, user_key="u1")  # already

    async with sessionmaker.begin() as s:
        claimed = await repo.claim_due_reminders(s, now=T0, limit=10)
    assert [(r.id, r.state, r.chat_id) for r in claimed] == [
        (other, "sending", 42),
        (due, "sending", 42),
    ]
    assert claimed[0].due_at.tzinfo is UTC

    async with sessionmaker.begin() as s:
        assert await repo.claim_due_reminders(s, now=T0, limit=10) == []  # claimed already
        assert await repo.mark_reminder_sent(s, reminder_id=due, now=T0)
        assert not await repo.mark_reminder_sent(s, reminder_id=later, now=T0)  # cancelled

    async with sessionmaker() as s:
        rows = {r.id: r for r in await s.scalars(select(Reminder))}
    assert (rows[due].state, rows[due].chat_id, rows[due].sent_at) == ("sent", None, T0)
    assert (rows[later].state, rows[later].chat_id) == ("cancelled", None)
    assert rows[other].state == "sending" and rows[other].chat_id == 42


async def test_stale_claim_is_reclaimed_after_the_lease(sessionmaker: SM) -> None:
    async with sessionmaker.begin() as s:
        rid = await _reminder(s)
        assert [r.id for r in await repo.claim_due_reminders(s, now=T0)] == [rid]
    lease = dt.timedelta(minutes=10)
    async with sessionmaker.begin() as s:  # the claimer died before sending
        assert (
            await repo.claim_due_reminders(s, now=T0 + dt.timedelta(minutes=5), lease=lease) == []
        )
        again = await repo.claim_due_reminders(s, now=T0 + dt.timedelta(minutes=11), lease=lease)
    assert [(r.id, r.claimed_at) for r in again] == [(rid, T0 + dt.timedelta(minutes=11))]


async def test_concurrent_claimers_never_share_a_reminder(db: Database) -> None:
    """Two bot replicas (separate engines and connections) claim concurrently."""
    sm = db.sessionmaker()
    n = 120
    async with sm.begin() as s:
        ids = {await _reminder(s, user=f"u{i}", due=T0 - dt.timedelta(seconds=i)) for i in range(n)}

    replicas = [db.sessionmaker(), db.sessionmaker()]

    async def claimer(sm: SM) -> list[int]:
        got: list[int] = []
        while True:
            async with sm.begin() as s:
                batch = await repo.claim_due_reminders(s, now=T0, limit=7)
            if not batch:
                return got
            got += [r.id for r in batch]
            await asyncio.sleep(0)

    results = await asyncio.gather(*(claimer(replicas[i % 2]) for i in range(4)))
    claimed = [rid for r in results for rid in r]
    assert sorted(claimed) == sorted(ids)  # every reminder claimed exactly once
    assert sum(1 for r in results if r) >= 2  # and the work really was shared


# --- privacy and retention ---------------------------------------------------


async def test_forget_user(sessionmaker: SM) -> None:
    mine, theirs = qrow(user="me"), qrow(user="them")
    async with sessionmaker.begin() as s:
        await repo.touch_user(s, user_key="me", now=T0)
        await repo.touch_user(s, user_key="them", now=T0)
        await repo.add_questions(s, rows=[mine, qrow(user="me"), theirs])
        # In a group, someone else rates my answer and I rate theirs.
        await repo.set_feedback(s, question_id=mine["id"], user_key="them", helpful=True, now=T0)
        await repo.set_feedback(s, question_id=theirs["id"], user_key="me", helpful=False, now=T0)
        await _reminder(s, user="me")
        await _reminder(s, user="them")

    async with sessionmaker.begin() as s:
        counts = await repo.forget_user(s, user_key="me")
    assert counts == {"feedback": 2, "questions": 2, "reminders": 1, "users": 1}

    async with sessionmaker() as s:
        assert await s.scalar(select(func.count()).where(Question.user_key == "me")) == 0
        assert [q for q in await s.scalars(select(Question.id))] == [theirs["id"]]
        assert await s.get(User, "them") is not None
        assert len((await s.scalars(select(Reminder))).all()) == 1
    async with sessionmaker.begin() as s:
        assert await repo.forget_user(s, user_key="me") == dict.fromkeys(counts, 0)


async def test_purge_older_than(sessionmaker: SM) -> None:
    cutoff = T0
    old, new = qrow(at=T0 - dt.timedelta(days=400)), qrow(at=T0 + dt.timedelta(days=1))
    async with sessionmaker.begin() as s:
        await repo.add_questions(s, rows=[old, new])
        await repo.set_feedback(
            s, question_id=old["id"], user_key="u", helpful=True, now=T0 + dt.timedelta(days=2)
        )
        await repo.set_feedback(
            s, question_id=new["id"], user_key="u", helpful=True, now=T0 + dt.timedelta(days=2)
        )
        await repo.touch_user(s, user_key="gone", now=T0 - dt.timedelta(days=400))
        await repo.touch_user(s, user_key="waiting", now=T0 - dt.timedelta(days=400))
        await repo.touch_user(s, user_key="active", now=T0 + dt.timedelta(days=1))
        await _reminder(s, user="waiting", due=T0 + dt.timedelta(days=5))  # still pending
        sent = await repo.create_reminder(
            s,
            user_key="active",
            chat_id=1,
            entry_id="e",
            language="da",
            due_at=T0 - dt.timedelta(days=390),
            now=T0 - dt.timedelta(days=399),
        )
        await repo.mark_reminder_sent(s, reminder_id=sent, now=T0 - dt.timedelta(days=390))

    async with sessionmaker.begin() as s:
        counts = await repo.purge_older_than(s, cutoff=cutoff)
    assert counts == {"questions": 1, "feedback": 1, "reminders": 1, "users": 1}
    async with sessionmaker() as s:
        assert list(await s.scalars(select(Question.id))) == [new["id"]]
        assert list(await s.scalars(select(Feedback.question_id))) == [new["id"]]
        assert sorted(await s.scalars(select(User.user_key))) == ["active", "waiting"]
        assert [r.state for r in await s.scalars(select(Reminder))] == ["pending"]


# --- statistics --------------------------------------------------------------


@pytest.fixture
async def traffic(sessionmaker: SM) -> dict[str, list[dict[str, Any]]]:
    """Three days of traffic: day 1 and day 3 busy, day 2 silent."""
    d1, d3 = T0, T0 + dt.timedelta(days=2)
    rows = [
        qrow(user="a", at=d1, entry_id="stanley-cup"),
        qrow(user="a", at=d1, entry_id="stanley-cup"),
        qrow(user="b", at=d1, entry_id="air-fryer"),
        qrow(user="b", at=d1, kind="suggestions"),
        qrow(user="c", at=d1, kind="fallback", text="Æbler fra Chile?"),
        qrow(user="c", at=d3, kind="fallback", text="  æbler   fra chile? "),
        qrow(user="c", at=d3 + dt.timedelta(minutes=1), kind="fallback", text="Er pels ok?"),
        qrow(user="a", at=d3, kind="smalltalk", text="hej"),
        qrow(user="d", at=d3, entry_id="air-fryer"),
        qrow(user="d", at=d3, entry_id="air-fryer"),
        qrow(user="d", at=d3, entry_id="phone"),
        # 00:30 in Copenhagen on day 4 is still day 3 in UTC.
        qrow(
            user="d",
            at=dt.datetime(2025, 3, 13, 0, 30, tzinfo=dt.timezone(dt.timedelta(hours=1))),
            entry_id="phone",
        ),
        qrow(user="old", at=T0 - dt.timedelta(days=30), kind="fallback", text="gammel"),
    ]
    async with sessionmaker.begin() as s:
        await repo.add_questions(s, rows=rows)
        answers = [r for r in rows if r["kind"] == "answer" and r["user_key"] != "old"]
        votes = {0: True, 1: True, 2: False, 5: False, 6: True}  # index in answers -> helpful
        for i, helpful in votes.items():
            await repo.set_feedback(
                s, question_id=answers[i]["id"], user_key="x", helpful=helpful, now=d3
            )
        await repo.touch_user(s, user_key="a", now=d1)
    return {"rows": rows, "answers": answers}


async def test_stats_summary(sessionmaker: SM, traffic: dict[str, Any]) -> None:
    async with sessionmaker() as s:
        stats = await repo.stats_summary(s, since=T0 - dt.timedelta(hours=1))
    assert stats == {
        "questions": 12,
        "answered": 7,
        "suggestions": 1,
        "unanswered": 3,
        "smalltalk": 1,
        "empty": 0,
        "offtopic": 0,
        "users": 4,
        "new_users": 1,
        "helpful": 3,
        "not_helpful": 2,
        "avg_latency_ms": 12,
        "reminders_pending": 0,
    }


async def test_daily_counts_in_utc_with_empty_days(
    sessionmaker: SM, traffic: dict[str, Any]
) -> None:
    since = dt.datetime(2025, 3, 10, tzinfo=UTC)
    async with sessionmaker() as s:
        days = await repo.daily_counts(s, since=since)
        bounded = await repo.daily_counts(s, since=since, until=since + dt.timedelta(days=5))
    assert days == [
        (dt.date(2025, 3, 10), 3, 1, 1),
        (dt.date(2025, 3, 11), 0, 0, 0),
        (dt.date(2025, 3, 12), 4, 0, 2),
    ]
    assert (
        len(bounded) == 5 and bounded[:3] == days and bounded[4] == (dt.date(2025, 3, 14), 0, 0, 0)
    )
    assert days[0].answered == 3  # named fields too


async def test_top_entries_and_unanswered(sessionmaker: SM, traffic: dict[str, Any]) -> None:
    since = T0 - dt.timedelta(hours=1)
    async with sessionmaker() as s:
        assert await repo.top_entries(s, since=since, limit=2) == [("air-fryer", 3), ("phone", 2)]
        assert await repo.unanswered_texts(s, since=since) == [
            "Æbler fra Chile?",
            "  æbler   fra chile? ",
            "Er pels ok?",
        ]
        top = await repo.top_unanswered(s, since=since, limit=10)
    # Danish letters fold together (SQLite's lower() would not).
    assert top == [("Æbler fra Chile?", 2), ("Er pels ok?", 1)]


async def test_entry_quality_worst_first(sessionmaker: SM, traffic: dict[str, Any]) -> None:
    async with sessionmaker() as s:
        quality = await repo.entry_quality(s)
        recent = await repo.entry_quality(s, since=T0 + dt.timedelta(days=1))
    # air-fryer: 3 answers, 0 helpful / 1 not; phone: 2 answers, 1/1; stanley: 2 answers, 2/0.
    assert quality == [("air-fryer", 3, 0, 1), ("phone", 2, 1, 1), ("stanley-cup", 2, 2, 0)]
    assert recent == [("phone", 2, 1, 1), ("air-fryer", 2, 0, 0)]
