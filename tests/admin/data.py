"""Known data for the statistics, the worklist and the report: every count the tests assert
can be worked out from this file by hand (the comments do it)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db import repo

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)

VERDICT_OF = {
    "stanley-cup": "skip",
    "temu": "think_twice",
    "coffee-capsules": "think_twice",
    "shein": "skip",
}
"""The verdicts of these entries in the knowledge base, but for fast-fashion (think_twice),
left out to stand for an entry removed since: its clicks count as `unknown`."""


def q(
    kind: str,
    text: str,
    user: str,
    *,
    entry: str | None = None,
    score: float | None = None,
    days_ago: float = 0,
    chat_type: str = "private",
) -> dict[str, Any]:
    """A questions row."""
    return {
        "id": uuid.uuid4().hex,
        "user_key": user,
        "chat_type": chat_type,
        "text": text,
        "language": "da",
        "kind": kind,
        "entry_id": entry,
        "score": score if score is not None else (100.0 if entry else 0.0),
        "candidates": [],
        "kb_version": "test",
        "latency_ms": 3,
        "created_at": NOW - dt.timedelta(days=days_ago),
    }


# Within the last 30 days: 9 answers, 1 suggestion, 9 unanswered, 1 small talk, 1 off topic.
QUESTIONS: list[tuple[dict[str, Any], bool | None, bool]] = [
    # (row, feedback: True 👍 / False 👎 / None, "not what I meant" clicked)
    (q("answer", "stanley cup", "u1", entry="stanley-cup"), True, False),
    (q("answer", "stanley", "u2", entry="stanley-cup", days_ago=1), False, False),
    (q("answer", "er temu ok?", "u2", entry="temu", days_ago=2), True, False),
    (q("suggestions", "stanley eller owala", "u3", days_ago=1), None, False),
    # Unanswered: one pasta-machine group (4 questions, 4 people) …
    (q("fallback", "skal jeg købe en pastamaskine?", "u1"), None, False),
    (q("fallback", "Pastamaskine", "u3", days_ago=3), None, False),
    (q("fallback", "en god pastamaskine", "u4"), None, False),
    (q("fallback", "elektrisk pastamaskine til frisk pasta", "u2"), None, False),
    # … a robot-mower group, written as one word and as two (2 questions, 2 people) …
    (q("fallback", "robotplæneklipper", "u1"), None, False),
    (q("fallback", "robot plæneklipper", "u5", days_ago=4), None, False),
    # … and three messages with no product word: left out.
    (q("fallback", "/start", "u1"), None, False),
    (q("fallback", "1", "u2"), None, False),
    (q("fallback", "lol", "u3"), None, False),
    # Not shopping at all: neither unanswered nor a gap.
    (q("smalltalk", "hej", "u1"), None, False),
    (q("offtopic", "hvad bliver vejret i morgen", "u5"), None, False),
    # Answered but maybe wrong: coffee capsules for pasta machines (👎 2, one "not meant") …
    (q("answer", "en god pastamaskine", "u6", entry="coffee-capsules", score=86.0), False, True),
    (q("answer", "god pastamaskine?", "u7", entry="coffee-capsules", score=95.0), False, False),
    # … while "kaffekapsler" got 👍 and a full score: fine.
    (q("answer", "kaffekapsler", "u8", entry="coffee-capsules"), True, False),
    # A close call (88 < 85 + 5) without feedback is listed; one with 👍 is not.
    (q("answer", "fleecetrøje", "u8", entry="fast-fashion", score=88.0), None, False),
    (q("answer", "fleece jakke", "u7", entry="fast-fashion", score=87.0), True, False),
    # A card opened from a button is the user's own pick, not a match: 👎 counts for the
    # entry's quality, but it is no "maybe wrong" answer.
    (
        q("answer", "Kaffekapsler", "u6", entry="coffee-capsules", chat_type="button"),
        False,
        False,
    ),
    # Outside a 30-day period.
    (q("answer", "shein", "u4", entry="shein", days_ago=40), False, False),
]

# (user, created days ago, sent days ago or None, outcome, answered days ago, cancelled)
REMINDERS: list[tuple[str, float, float | None, str | None, float, bool]] = [
    ("u1", 5, 1, "passed", 1, False),  # set, passed
    ("u2", 3, 0.5, "still_want", 0, False),  # set, still want
    ("u3", 0, 0, None, 0, False),  # set, delivered today, no answer
    ("u4", 0, None, None, 0, False),  # set, waiting
    ("u5", 45, 15, "passed", 15, False),  # set before the period, passed within it
    ("u6", 60, 35, "passed", 35, False),  # all before the period
    ("u7", 2, None, None, 0, True),  # set, then cancelled
]
REMINDERS_30 = {"set": 5, "still_want": 1, "passed": 2, "no_answer": 1, "waiting": 1}


async def fill(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """Store QUESTIONS (with their clicks) and REMINDERS."""
    rows = [row for row, _, _ in QUESTIONS]
    async with sessionmaker() as session:
        for user in sorted({r["user_key"] for r in rows}):
            await repo.touch_user(session, user_key=user, now=NOW)
        await repo.add_questions(session, rows=rows)
        for row, helpful, not_meant in QUESTIONS:
            if helpful is not None:
                await repo.set_feedback(
                    session,
                    question_id=row["id"],
                    user_key=row["user_key"],
                    helpful=helpful,
                    now=row["created_at"],
                )
            if not_meant:
                await repo.mark_not_meant(session, question_id=row["id"], now=row["created_at"])
        for user, created, sent, outcome, answered, cancelled in REMINDERS:
            at = NOW - dt.timedelta(days=created)
            rid = await repo.create_reminder(
                session,
                user_key=user,
                chat_id=1,
                entry_id="stanley-cup",
                language="da",
                due_at=NOW - dt.timedelta(days=sent)
                if sent is not None
                else NOW + dt.timedelta(days=30),
                now=at,
            )
            if cancelled:
                assert await repo.cancel_reminder(session, reminder_id=rid, user_key=user)
            if sent is not None:
                sent_at = NOW - dt.timedelta(days=sent)
                assert await repo.mark_reminder_sent(session, reminder_id=rid, now=sent_at)
            if outcome is not None:
                assert await repo.answer_reminder(
                    session,
                    reminder_id=rid,
                    user_key=user,
                    outcome=outcome,
                    now=NOW - dt.timedelta(days=answered),
                )
        await session.commit()
