"""Repository functions: a session plus keyword arguments, and never a commit.

The caller owns the unit of work (`async with sessionmaker.begin() as s:`).
Every statement here runs unchanged on SQLite and PostgreSQL; where the two
differ (row locking, date bucketing) both branches are written out.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Final, NamedTuple, TypeVar, cast

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Date,
    Table,
    and_,
    bindparam,
    case,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import REMINDER_OUTCOMES, Feedback, Question, Reminder, User
from db.records import clean_text

# Bound parameters per IN (...) list: far below SQLite's and asyncpg's limits.
IN_CHUNK: Final = 500
DEFAULT_CLAIM_LEASE: Final = dt.timedelta(minutes=10)
CLAIM_ROUNDS: Final = 5

QUESTION_COLUMNS: Final[tuple[str, ...]] = tuple(c.name for c in Question.__table__.columns)

_T = TypeVar("_T")

# Core tables for bulk DML (plain executemany, no ORM unit-of-work overhead).
_users = cast("Table", User.__table__)
_questions = cast("Table", Question.__table__)
_feedback = cast("Table", Feedback.__table__)
_reminders = cast("Table", Reminder.__table__)


class DailyCount(NamedTuple):
    """Questions per UTC day, by outcome."""

    day: dt.date
    answered: int
    suggestions: int
    unanswered: int


class AskedQuestion(NamedTuple):
    """A question as the curators see it: its text and who asked (pseudonymous)."""

    text: str
    user_key: str


class AnswerReview(NamedTuple):
    """An answer that may have been wrong: the question, the entry it got and the signals."""

    text: str
    entry_id: str
    score: float | None
    helpful: bool | None
    """The 👍 (True) / 👎 (False) click, None without one."""
    not_meant: bool
    """Someone pressed "Not what I meant" under it."""


class EntryQuestion(NamedTuple):
    """A question that reached one entry, with what people said about the answer."""

    text: str
    chat_type: str
    score: float | None
    helpful: bool | None
    not_meant: bool
    created_at: dt.datetime


class EntryQuality(NamedTuple):
    """How often an entry was the answer and what people said about it."""

    entry_id: str
    answers: int
    helpful: int
    not_helpful: int


def _chunks(items: Sequence[_T], size: int = IN_CHUNK) -> Iterator[Sequence[_T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _rowcount(result: Any) -> int:
    """Rows affected by an UPDATE/DELETE (session.execute is typed as plain Result)."""
    return int(cast("CursorResult[Any]", result).rowcount)


# --- users -------------------------------------------------------------------


async def touch_user(
    session: AsyncSession, *, user_key: str, language: str | None = None, now: dt.datetime
) -> None:
    """Record that the user was seen at `now` (creating them on first sight).

    `language` is only a first guess: it is stored for a new user, or one
    with none yet; an explicit choice is kept (see `set_user_language`).
    """
    await touch_users(session, rows=[{"user_key": user_key, "language": language, "seen_at": now}])


async def touch_users(session: AsyncSession, *, rows: Sequence[Mapping[str, Any]]) -> int:
    """Bulk `touch_user` for rows of {user_key, language, seen_at}; returns users inserted.

    Idempotent: replaying older sightings never moves `last_seen` back.
    """
    merged: dict[str, dict[str, Any]] = {}
    for row in rows:
        key, seen, lang = clean_text(row["user_key"]), row["seen_at"], row.get("language")
        lang = clean_text(lang) if isinstance(lang, str) else lang
        m = merged.get(key)
        if m is None:
            merged[key] = {"first": seen, "last": seen, "language": lang}
        else:
            m["first"] = min(m["first"], seen)
            m["last"] = max(m["last"], seen)
            m["language"] = lang or m["language"]
    if not merged:
        return 0

    existing: dict[str, tuple[str | None, dt.datetime, dt.datetime]] = {}
    keys = list(merged)
    for chunk in _chunks(keys):
        res = await session.execute(
            select(User.user_key, User.language, User.first_seen, User.last_seen).where(
                User.user_key.in_(chunk)
            )
        )
        for k, lang, first, last in res:
            existing[k] = (lang, first, last)

    new_rows = [
        {"user_key": k, "language": m["language"], "first_seen": m["first"], "last_seen": m["last"]}
        for k, m in merged.items()
        if k not in existing
    ]
    changed = []
    for k, (lang, first, last) in existing.items():
        m = merged[k]
        row = {
            "k": k,
            "lang": lang or m["language"],
            "first": min(first, m["first"]),
            "last": max(last, m["last"]),
        }
        if (row["lang"], row["first"], row["last"]) != (lang, first, last):
            changed.append(row)

    if new_rows:
        await session.execute(insert(_users), new_rows)
    if changed:
        await session.execute(
            update(_users)
            .where(_users.c.user_key == bindparam("k"))
            .values(
                language=bindparam("lang"),
                first_seen=bindparam("first"),
                last_seen=bindparam("last"),
            ),
            changed,
        )
    return len(new_rows)


async def get_user_language(session: AsyncSession, *, user_key: str) -> str | None:
    """The user's preferred language, or None if unknown."""
    return cast(
        "str | None",
        await session.scalar(select(User.language).where(User.user_key == user_key)),
    )


async def set_user_language(
    session: AsyncSession, *, user_key: str, language: str, now: dt.datetime
) -> None:
    """Store the user's explicit language choice (creating the user if needed)."""
    user_key, language = clean_text(user_key), clean_text(language)
    res = await session.execute(
        update(_users).where(_users.c.user_key == user_key).values(language=language, last_seen=now)
    )
    if _rowcount(res) == 0:
        await session.execute(
            insert(_users).values(
                user_key=user_key, language=language, first_seen=now, last_seen=now
            )
        )


# --- questions and feedback --------------------------------------------------


async def add_questions(session: AsyncSession, *, rows: Sequence[Mapping[str, Any]]) -> int:
    """Insert question rows (one Core INSERT, many rows); returns rows inserted.

    Ids already stored (or repeated in `rows`) are skipped, so replaying a
    batch that was in fact committed writes nothing twice.
    """
    unique: dict[str, dict[str, Any]] = {}
    for row in rows:
        full = {c: row.get(c) for c in QUESTION_COLUMNS}
        if full["candidates"] is None:
            full["candidates"] = []
        unique.setdefault(str(full["id"]), full)
    if not unique:
        return 0
    ids = list(unique)
    for chunk in _chunks(ids):
        res = await session.scalars(select(Question.id).where(Question.id.in_(chunk)))
        for qid in res:
            del unique[qid]
    if unique:
        await session.execute(insert(_questions), list(unique.values()))
    return len(unique)


async def question_candidates(session: AsyncSession, *, question_id: str) -> list[str]:
    """The entry ids that were close for a stored question, best first ([] if unknown).

    For "not what I meant" on a question another replica (or an earlier run) answered.
    """
    candidates = await session.scalar(select(Question.candidates).where(Question.id == question_id))
    return [str(c["id"]) for c in candidates or [] if isinstance(c, dict) and "id" in c]


async def mark_not_meant(session: AsyncSession, *, question_id: str, now: dt.datetime) -> bool:
    """Record a "Not what I meant" click on an answer (the first click counts).

    Returns False if the question is unknown (not stored yet, purged or forgotten) or
    was marked before.
    """
    res = await session.execute(
        update(_questions)
        .where(_questions.c.id == question_id, _questions.c.not_meant_at.is_(None))
        .values(not_meant_at=now)
    )
    return _rowcount(res) == 1


async def set_feedback(
    session: AsyncSession, *, question_id: str, user_key: str, helpful: bool, now: dt.datetime
) -> bool:
    """Store a user's helpful/not helpful click; their later click replaces their earlier one.

    Each user has their own click on a question (another user's click never replaces it).
    Returns False if the question is unknown (e.g. purged or forgotten).
    """
    rows = [
        {"question_id": question_id, "user_key": user_key, "helpful": helpful, "created_at": now}
    ]
    return await set_feedbacks(session, rows=rows) == 1


async def set_feedbacks(session: AsyncSession, *, rows: Sequence[Mapping[str, Any]]) -> int:
    """Bulk `set_feedback`, applied in order; returns how many clicks were stored.

    Feedback on unknown questions is dropped. Idempotent: a click older than the
    same user's stored one does not overwrite it, so a replay cannot undo a later click.
    """
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for raw in rows:
        row = {**raw, "question_id": clean_text(raw["question_id"])}
        row["user_key"] = clean_text(row["user_key"])
        key = (row["question_id"], row["user_key"])
        prev = latest.get(key)
        if prev is None or row["created_at"] >= prev["created_at"]:
            latest[key] = row
    if not latest:
        return 0

    qids = sorted({qid for qid, _ in latest})
    known: set[str] = set()
    stored: dict[tuple[str, str], dt.datetime] = {}
    for chunk in _chunks(qids):
        known.update(await session.scalars(select(Question.id).where(Question.id.in_(chunk))))
        res = await session.execute(
            select(Feedback.question_id, Feedback.user_key, Feedback.created_at).where(
                Feedback.question_id.in_(chunk)
            )
        )
        stored.update({(qid, uk): at for qid, uk, at in res})

    inserts = [r for k, r in latest.items() if k[0] in known and k not in stored]
    updates = [
        {"qid": k[0], "uk": k[1], "helpful": r["helpful"], "at": r["created_at"]}
        for k, r in latest.items()
        if k in stored and r["created_at"] >= stored[k]
    ]
    if inserts:
        await session.execute(
            insert(_feedback),
            [
                {k: r[k] for k in ("question_id", "user_key", "helpful", "created_at")}
                for r in inserts
            ],
        )
    if updates:
        await session.execute(
            update(_feedback)
            .where(
                _feedback.c.question_id == bindparam("qid"),
                _feedback.c.user_key == bindparam("uk"),
            )
            .values(helpful=bindparam("helpful"), created_at=bindparam("at")),
            updates,
        )
    return len(inserts) + len(updates)


# --- reminders ---------------------------------------------------------------


async def create_reminder(
    session: AsyncSession,
    *,
    user_key: str,
    chat_id: int,
    entry_id: str,
    language: str,
    due_at: dt.datetime,
    now: dt.datetime,
) -> int:
    """Schedule a reminder; returns its id."""
    user_key, entry_id, language = clean_text(user_key), clean_text(entry_id), clean_text(language)
    res = await session.execute(
        insert(_reminders)
        .values(
            user_key=user_key,
            chat_id=chat_id,
            entry_id=entry_id,
            language=language,
            due_at=due_at,
            state="pending",
            created_at=now,
        )
        .returning(_reminders.c.id)
    )
    return int(res.scalar_one())


async def cancel_reminder(session: AsyncSession, *, reminder_id: int, user_key: str) -> bool:
    """Cancel the user's pending reminder (forgetting the chat id); False if none."""
    res = await session.execute(
        update(_reminders)
        .where(
            _reminders.c.id == reminder_id,
            _reminders.c.user_key == user_key,
            _reminders.c.state == "pending",
        )
        .values(state="cancelled", chat_id=None)
    )
    return _rowcount(res) == 1


def _claimable(now: dt.datetime, lease: dt.timedelta) -> ColumnElement[bool]:
    """Due and pending, or claimed so long ago that the claimer must have died."""
    return or_(
        and_(Reminder.state == "pending", Reminder.due_at <= now),
        and_(Reminder.state == "sending", Reminder.claimed_at < now - lease),
    )


async def claim_due_reminders(
    session: AsyncSession,
    *,
    now: dt.datetime,
    limit: int = 50,
    lease: dt.timedelta = DEFAULT_CLAIM_LEASE,
) -> list[Reminder]:
    """Claim due reminders for sending: state becomes 'sending'; commit, send, then mark sent.

    Two replicas never claim the same row. PostgreSQL: the candidates are
    locked with FOR UPDATE SKIP LOCKED, so a concurrent claimer skips them.
    SQLite ignores FOR UPDATE; there each claim is a conditional
    `UPDATE ... WHERE state = <as read>`, and rowcount 0 means someone else
    won (SQLite serialises writers, so the loser sees the winner's commit).
    """
    dialect = session.get_bind().dialect.name
    claimed: list[int] = []
    # A SQLite claimer can lose every candidate to a concurrent one; it then looks
    # again rather than report "nothing due" while due reminders remain.
    for _ in range(CLAIM_ROUNDS):
        candidates = (
            select(Reminder.id, Reminder.state)
            .where(_claimable(now, lease))
            .order_by(Reminder.due_at, Reminder.id)
            .limit(limit)
        )
        if dialect == "postgresql":
            candidates = candidates.with_for_update(skip_locked=True)
        rows = (await session.execute(candidates)).all()
        if not rows:
            break
        for rid, state in rows:
            res = await session.execute(
                update(_reminders)
                .where(
                    _reminders.c.id == rid,
                    _reminders.c.state == state,
                    _claimable(now, lease),
                )
                .values(state="sending", claimed_at=now)
            )
            if _rowcount(res) == 1:
                claimed.append(rid)
        if claimed:
            break
    if not claimed:
        return []
    result = await session.scalars(
        select(Reminder)
        .where(Reminder.id.in_(claimed))
        .order_by(Reminder.due_at, Reminder.id)
        .execution_options(populate_existing=True)
    )
    return list(result)


async def mark_reminder_sent(session: AsyncSession, *, reminder_id: int, now: dt.datetime) -> bool:
    """Mark a claimed reminder delivered and drop its chat id; False if not found/pending."""
    res = await session.execute(
        update(_reminders)
        .where(_reminders.c.id == reminder_id, _reminders.c.state.in_(("sending", "pending")))
        .values(state="sent", sent_at=now, chat_id=None)
    )
    return _rowcount(res) == 1


async def answer_reminder(
    session: AsyncSession, *, reminder_id: int, user_key: str, outcome: str, now: dt.datetime
) -> bool:
    """Store the user's answer to their due reminder (`still_want` or `passed`).

    Only the reminder's own user, and only once it was delivered (sent, or being sent: the
    answer can arrive before the sender marks it sent). A later answer replaces an earlier
    one. Returns False when there is no such reminder to answer.
    """
    if outcome not in REMINDER_OUTCOMES:
        raise ValueError(f"outcome must be one of {REMINDER_OUTCOMES}, got {outcome!r}")
    res = await session.execute(
        update(_reminders)
        .where(
            _reminders.c.id == reminder_id,
            _reminders.c.user_key == user_key,
            _reminders.c.state.in_(("sent", "sending")),
        )
        .values(outcome=outcome, answered_at=now)
    )
    return _rowcount(res) == 1


async def pending_reminders(
    session: AsyncSession, *, user_key: str | None = None
) -> list[Reminder]:
    """Reminders not yet sent (pending or being sent), soonest first; optionally one user's."""
    stmt = select(Reminder).where(Reminder.state.in_(("pending", "sending")))
    if user_key is not None:
        stmt = stmt.where(Reminder.user_key == user_key)
    return list(await session.scalars(stmt.order_by(Reminder.due_at, Reminder.id)))


# --- privacy and retention ---------------------------------------------------


async def forget_user(session: AsyncSession, *, user_key: str) -> dict[str, int]:
    """Delete everything stored about one user (/forget); returns rows deleted per table.

    Includes feedback others gave on this user's questions (it describes them too).
    """
    theirs = select(Question.id).where(Question.user_key == user_key)
    counts = {
        "feedback": _rowcount(
            await session.execute(
                delete(_feedback).where(
                    or_(_feedback.c.user_key == user_key, _feedback.c.question_id.in_(theirs))
                )
            )
        ),
        "questions": _rowcount(
            await session.execute(delete(_questions).where(_questions.c.user_key == user_key))
        ),
        "reminders": _rowcount(
            await session.execute(delete(_reminders).where(_reminders.c.user_key == user_key))
        ),
        "users": _rowcount(
            await session.execute(delete(_users).where(_users.c.user_key == user_key))
        ),
    }
    return counts


async def purge_older_than(session: AsyncSession, *, cutoff: dt.datetime) -> dict[str, int]:
    """Retention: delete what is older than `cutoff`; returns rows deleted per table.

    Questions and feedback by time (feedback on a purged question goes with it),
    finished (sent/cancelled) reminders, and users not seen since `cutoff`
    who have no reminder still to come.
    """
    old_questions = select(Question.id).where(Question.created_at < cutoff)
    feedback = await session.execute(
        delete(_feedback).where(
            or_(_feedback.c.created_at < cutoff, _feedback.c.question_id.in_(old_questions))
        )
    )
    questions = await session.execute(delete(_questions).where(_questions.c.created_at < cutoff))
    reminders = await session.execute(
        delete(_reminders).where(
            _reminders.c.state.in_(("sent", "cancelled")), _reminders.c.created_at < cutoff
        )
    )
    open_reminder = exists().where(
        Reminder.user_key == User.user_key, Reminder.state.in_(("pending", "sending"))
    )
    users = await session.execute(delete(_users).where(_users.c.last_seen < cutoff, ~open_reminder))
    return {
        "questions": _rowcount(questions),
        "feedback": _rowcount(feedback),
        "reminders": _rowcount(reminders),
        "users": _rowcount(users),
    }


# --- statistics (admins) and curation ----------------------------------------


def _count_kind(kind: str) -> ColumnElement[int]:
    """SUM(CASE kind = ... ) — portable conditional count (no FILTER needed)."""
    return func.coalesce(func.sum(case((Question.kind == kind, 1), else_=0)), 0)


async def stats_summary(session: AsyncSession, *, since: dt.datetime) -> dict[str, int]:
    """Usage since `since`: question counts per outcome, users, feedback, latency."""
    q = (
        await session.execute(
            select(
                func.count(Question.id),
                _count_kind("answer"),
                _count_kind("suggestions"),
                _count_kind("fallback"),
                _count_kind("smalltalk"),
                _count_kind("empty"),
                _count_kind("offtopic"),
                func.count(func.distinct(Question.user_key)),
                func.avg(Question.latency_ms),
            ).where(Question.created_at >= since)
        )
    ).one()
    f = (
        await session.execute(
            select(
                func.coalesce(func.sum(case((Feedback.helpful.is_(True), 1), else_=0)), 0),
                func.coalesce(func.sum(case((Feedback.helpful.is_(False), 1), else_=0)), 0),
            ).where(Feedback.created_at >= since)
        )
    ).one()
    new_users = await session.scalar(
        select(func.count()).select_from(User).where(User.first_seen >= since)
    )
    pending = await session.scalar(
        select(func.count()).select_from(Reminder).where(Reminder.state == "pending")
    )
    return {
        "questions": int(q[0]),
        "answered": int(q[1]),
        "suggestions": int(q[2]),
        "unanswered": int(q[3]),
        "smalltalk": int(q[4]),
        "empty": int(q[5]),
        "offtopic": int(q[6]),
        "users": int(q[7]),
        "new_users": int(new_users or 0),
        "helpful": int(f[0]),
        "not_helpful": int(f[1]),
        "avg_latency_ms": round(float(q[8])) if q[8] is not None else 0,
        "reminders_pending": int(pending or 0),
    }


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """SUM(CASE WHEN condition THEN 1 ELSE 0 END), 0 for no rows."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


async def reminder_outcomes(session: AsyncSession, *, since: dt.datetime) -> dict[str, int]:
    """The 30-day rule since `since`: reminders set, answers, delivered but unanswered, waiting.

    `set` counts reminders created since `since`; `still_want` and `passed` count answers
    given since then (a purchase avoided is `passed`); `no_answer` counts reminders delivered
    since then that nobody answered; `waiting` counts the reminders not yet due (any age).
    """
    row = (
        await session.execute(
            select(
                _count_if(Reminder.created_at >= since),
                _count_if(and_(Reminder.outcome == "still_want", Reminder.answered_at >= since)),
                _count_if(and_(Reminder.outcome == "passed", Reminder.answered_at >= since)),
                _count_if(
                    and_(
                        Reminder.state == "sent",
                        Reminder.outcome.is_(None),
                        Reminder.sent_at >= since,
                    )
                ),
                _count_if(Reminder.state.in_(("pending", "sending"))),
            )
        )
    ).one()
    keys = ("set", "still_want", "passed", "no_answer", "waiting")
    return {k: int(v) for k, v in zip(keys, row, strict=True)}


def _utc_day(session: AsyncSession, column: Any = Question.created_at) -> ColumnElement[Any]:
    """The UTC calendar day of a timestamp column (default `Question.created_at`), per dialect."""
    if session.get_bind().dialect.name == "postgresql":
        # timestamptz -> UTC wall clock -> date, whatever the session TimeZone is.
        return func.timezone("UTC", column).cast(Date)
    # SQLite stores UTC text 'YYYY-MM-DD HH:MM:SS...'; date() keeps the day part.
    return func.date(column)


def _as_date(value: Any) -> dt.date:
    return dt.date.fromisoformat(value) if isinstance(value, str) else cast("dt.date", value)


async def daily_reminders(
    session: AsyncSession, *, since: dt.datetime, until: dt.datetime
) -> dict[dt.date, tuple[int, int, int]]:
    """Per UTC day from `since` to `until`: reminders set, answered "still want", "passed".

    Only days with something to count are present.
    """
    out: dict[dt.date, list[int]] = {}
    set_day = _utc_day(session, Reminder.created_at).label("day")
    rows = await session.execute(
        select(set_day, func.count(Reminder.id))
        .where(Reminder.created_at >= since, Reminder.created_at < until)
        .group_by(set_day)
    )
    for day, n in rows:
        out.setdefault(_as_date(day), [0, 0, 0])[0] = int(n)
    answer_day = _utc_day(session, Reminder.answered_at).label("day")
    rows = await session.execute(
        select(
            answer_day,
            _count_if(Reminder.outcome == "still_want"),
            _count_if(Reminder.outcome == "passed"),
        )
        .where(Reminder.answered_at >= since, Reminder.answered_at < until)
        .group_by(answer_day)
    )
    for day, still, passed in rows:
        counts = out.setdefault(_as_date(day), [0, 0, 0])
        counts[1], counts[2] = int(still), int(passed)
    return {day: (a, b, c) for day, (a, b, c) in out.items()}


async def daily_counts(
    session: AsyncSession, *, since: dt.datetime, until: dt.datetime | None = None
) -> list[DailyCount]:
    """Answered/suggestions/unanswered per UTC day from `since`, zero days included.

    Days run up to `until` if given, else to the last day with questions.
    """
    day = _utc_day(session).label("day")
    stmt = select(
        day, _count_kind("answer"), _count_kind("suggestions"), _count_kind("fallback")
    ).where(Question.created_at >= since)
    if until is not None:
        stmt = stmt.where(Question.created_at < until)
    rows = (await session.execute(stmt.group_by(day).order_by(day))).all()
    by_day: dict[dt.date, DailyCount] = {}
    for d, a, s, u in rows:
        date = dt.date.fromisoformat(d) if isinstance(d, str) else d
        by_day[date] = DailyCount(date, int(a), int(s), int(u))
    first = since.astimezone(dt.UTC).date()
    if until is not None:
        last = (until.astimezone(dt.UTC) - dt.timedelta(microseconds=1)).date()
    elif by_day:
        last = max(by_day)
    else:
        return []
    out = []
    d = first
    while d <= last:
        out.append(by_day.get(d, DailyCount(d, 0, 0, 0)))
        d += dt.timedelta(days=1)
    return out


async def top_entries(
    session: AsyncSession, *, since: dt.datetime, limit: int = 10
) -> list[tuple[str, int]]:
    """The entries most often given as the answer since `since`: (entry_id, count)."""
    n = func.count(Question.id).label("n")
    rows = await session.execute(
        select(Question.entry_id, n)
        .where(
            Question.kind == "answer",
            Question.entry_id.is_not(None),
            Question.created_at >= since,
        )
        .group_by(Question.entry_id)
        .order_by(n.desc(), Question.entry_id)
        .limit(limit)
    )
    return [(str(e), int(c)) for e, c in rows]


_SPACE = re.compile(r"\s+")


def normalise_text(text: str) -> str:
    """Casefolded, whitespace-collapsed text, for grouping similar questions."""
    return _SPACE.sub(" ", text).strip().casefold()


async def unanswered_texts(session: AsyncSession, *, since: dt.datetime) -> list[str]:
    """Texts of questions no entry answered since `since` (general tips or only a category
    card: both are products the curators could write about), oldest first."""
    res = await session.scalars(
        select(Question.text)
        .where(Question.kind.in_(("fallback", "category")), Question.created_at >= since)
        .order_by(Question.created_at, Question.id)
    )
    return list(res)


async def unanswered_questions(
    session: AsyncSession, *, since: dt.datetime, limit: int
) -> list[AskedQuestion]:
    """The newest `limit` questions the bot could not answer since `since`, newest first.

    Kinds `fallback` (general tips) and `category` (only a category card): products no entry
    covers yet. Small talk, empty and off-topic messages are never gaps.
    """
    res = await session.execute(
        select(Question.text, Question.user_key)
        .where(Question.kind.in_(("fallback", "category")), Question.created_at >= since)
        .order_by(Question.created_at.desc(), Question.id)
        .limit(limit)
    )
    return [AskedQuestion(str(text), str(user)) for text, user in res]


async def answers_to_review(
    session: AsyncSession, *, since: dt.datetime, score_below: float, limit: int
) -> list[AnswerReview]:
    """Answers since `since` that may have been wrong, newest first (at most `limit`).

    An answer is included when it got 👎, a "Not what I meant" click, or a score below
    `score_below` without a 👍. Cards opened from a button (chat_type `button`) are the
    user's own pick, not a match, and are left out.
    """
    not_thumbs_up = or_(Feedback.helpful.is_(None), Feedback.helpful.is_(False))
    res = await session.execute(
        select(
            Question.text,
            Question.entry_id,
            Question.score,
            Feedback.helpful,
            Question.not_meant_at.is_not(None),
        )
        .select_from(Question)
        .outerjoin(Feedback, Feedback.question_id == Question.id)
        .where(
            Question.kind == "answer",
            Question.entry_id.is_not(None),
            Question.chat_type != "button",
            Question.created_at >= since,
            or_(
                Feedback.helpful.is_(False),
                Question.not_meant_at.is_not(None),
                and_(Question.score < score_below, not_thumbs_up),
            ),
        )
        .order_by(Question.created_at.desc(), Question.id)
        .limit(limit)
    )
    return [
        AnswerReview(str(t), str(e), None if s is None else float(s), h, bool(nm))
        for t, e, s, h, nm in res
    ]


async def entry_questions(
    session: AsyncSession, *, entry_id: str, since: dt.datetime, limit: int
) -> list[EntryQuestion]:
    """The questions answered with `entry_id` since `since`, newest first (at most `limit`)."""
    res = await session.execute(
        select(
            Question.text,
            Question.chat_type,
            Question.score,
            Feedback.helpful,
            Question.not_meant_at.is_not(None),
            Question.created_at,
        )
        .select_from(Question)
        .outerjoin(Feedback, Feedback.question_id == Question.id)
        .where(
            Question.kind == "answer",
            Question.entry_id == entry_id,
            Question.created_at >= since,
        )
        .order_by(Question.created_at.desc(), Question.id)
        .limit(limit)
    )
    return [
        EntryQuestion(str(t), str(c), None if s is None else float(s), h, bool(nm), at)
        for t, c, s, h, nm, at in res
    ]


async def top_unanswered(
    session: AsyncSession, *, since: dt.datetime, limit: int = 20
) -> list[tuple[str, int]]:
    """The most frequent unanswered questions: (text, count), most frequent first.

    Grouped in Python by casefolded text: SQLite's lower() only folds ASCII,
    which would split "Æbler" from "æbler".
    """
    texts = await unanswered_texts(session, since=since)
    counts: Counter[str] = Counter()
    shown: dict[str, Counter[str]] = {}
    for t in texts:
        key = normalise_text(t)
        if not key:
            continue
        counts[key] += 1
        shown.setdefault(key, Counter())[t.strip()] += 1
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    # Show the spelling people used most for each group.
    return [(shown[k].most_common(1)[0][0], n) for k, n in ranked]


async def entry_quality(
    session: AsyncSession, *, since: dt.datetime | None = None
) -> list[EntryQuality]:
    """Per answered entry: answers, helpful, not helpful; worst helpful-ratio first.

    Entries nobody rated come last, most answered first.
    """
    stmt = (
        select(
            Question.entry_id,
            func.count(func.distinct(Question.id)),  # a question rated by several users counts once
            func.coalesce(func.sum(case((Feedback.helpful.is_(True), 1), else_=0)), 0),
            func.coalesce(func.sum(case((Feedback.helpful.is_(False), 1), else_=0)), 0),
        )
        .select_from(Question)
        .outerjoin(Feedback, Feedback.question_id == Question.id)
        .where(Question.kind == "answer", Question.entry_id.is_not(None))
        .group_by(Question.entry_id)
    )
    if since is not None:
        stmt = stmt.where(Question.created_at >= since)
    rows = [
        EntryQuality(str(e), int(a), int(h), int(n)) for e, a, h, n in await session.execute(stmt)
    ]

    def rank(q: EntryQuality) -> tuple[int, float, int, int, str]:
        rated = q.helpful + q.not_helpful
        if rated == 0:
            return (1, 0.0, 0, -q.answers, q.entry_id)
        return (0, q.helpful / rated, -q.not_helpful, -q.answers, q.entry_id)

    return sorted(rows, key=rank)


__all__ = [
    "AnswerReview",
    "AskedQuestion",
    "DailyCount",
    "EntryQuality",
    "EntryQuestion",
    "add_questions",
    "answer_reminder",
    "answers_to_review",
    "cancel_reminder",
    "claim_due_reminders",
    "create_reminder",
    "daily_counts",
    "daily_reminders",
    "entry_quality",
    "entry_questions",
    "forget_user",
    "get_user_language",
    "mark_not_meant",
    "mark_reminder_sent",
    "normalise_text",
    "pending_reminders",
    "purge_older_than",
    "question_candidates",
    "reminder_outcomes",
    "set_feedback",
    "set_feedbacks",
    "set_user_language",
    "stats_summary",
    "top_entries",
    "top_unanswered",
    "touch_user",
    "touch_users",
    "unanswered_questions",
    "unanswered_texts",
]
