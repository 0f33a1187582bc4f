"""The curators' worklist: unanswered questions grouped by product words, and answers that may
have been wrong.

Grouping: each question becomes the set of its product words – folded like the matcher folds
(`knowledge.text`), filler removed, Danish then English Snowball stems – and questions with the
same set form one group. A misspelt word joins the most asked word within one edit (found
through a deletion index, never by comparing every pair), and a group whose words include all
words of a smaller group joins that one, so "pastamaskine", "en god pastamaskine" and
"elektrisk pastamaskine" end up together. Each group is labelled with its most specific
question (the most product words), and the most asked groups come first.

Left out: commands ("/start"), and texts with no product word at all ("1", "lol", "🙂"); the
non-shopping kinds (small talk, empty, off-topic) never reach this module, the query asks only
for unanswered questions.

Bounds: at most `MAX_QUESTIONS` questions are read (the newest), each distinct text costs a few
dictionary look-ups per word and per subset of at most `MAX_SUBSET_WORDS` words, so 10,000
distinct questions group in a fraction of a second (`bench/gaps.py`). All functions here are
pure and deterministic; `build_worklist` reads the database and runs the grouping through the
`Offload` it is given, off the event loop.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.grouping import LABEL_CHARS, _others, group_texts
from bot.core.i18n import t
from bot.core.suspects import CLOSE_MARGIN, MAX_REVIEWS, Suspect, cluster_suspects
from db import repo
from knowledge.text import content_tokens

MAX_QUESTIONS: Final = 20_000
"""Unanswered questions read per worklist (the newest): bounds memory and time."""

# Words people type that are not about any product: chat noise, bot commands, tests.


@dataclass(frozen=True)
class Gap:
    """A group of unanswered questions about the same product words."""

    label: str
    """The group's most specific question."""
    count: int
    """Questions in the group."""
    users: int
    """Distinct people who asked them."""
    examples: list[str] = field(default_factory=list)
    """Other ways it was asked, most asked first."""

    def to_json(self) -> dict[str, Any]:
        """One group in `kb gaps --json`."""
        return {
            "question": self.label,
            "count": self.count,
            "users": self.users,
            "examples": self.examples,
        }


def cluster_gaps(questions: Sequence[tuple[str, str]]) -> list[Gap]:
    """Unanswered (text, user key) pairs as groups, most asked first."""
    texts = [text.strip() for text, _ in questions]
    gaps = []
    grouping = group_texts(texts)
    for members in grouping.groups:
        spellings = Counter(texts[i] for i in members)
        label = grouping.label(texts, members)
        users = len({questions[i][1] for i in members})
        gaps.append(Gap(label, len(members), users, _others(spellings, label)))
    return sorted(gaps, key=lambda g: (-g.count, -g.users, g.label))


@dataclass(frozen=True)
class EntryAsked:
    """One way a question reached an entry, with what people said about the answers."""

    question: str
    count: int
    helpful: int
    not_helpful: int
    not_meant: int
    lowest_score: float | None

    def to_json(self) -> dict[str, Any]:
        """One item in `kb gaps --entry ID --json`."""
        return {
            "question": self.question,
            "count": self.count,
            "helpful": self.helpful,
            "not_helpful": self.not_helpful,
            "not_meant": self.not_meant,
            "lowest_score": self.lowest_score,
        }


def entry_asked(rows: Sequence[repo.EntryQuestion]) -> list[EntryAsked]:
    """The questions that reached one entry, one line per wording (case and accents folded),
    most asked first; button presses (the user's own pick) are left out."""
    by_text: dict[str, list[repo.EntryQuestion]] = {}
    spellings: dict[str, Counter[str]] = {}
    for row in rows:
        if row.chat_type == "button":
            continue
        key = " ".join(content_tokens(row.text)) or row.text.strip().casefold()
        by_text.setdefault(key, []).append(row)
        spellings.setdefault(key, Counter())[row.text.strip()] += 1
    out = []
    for key, items in by_text.items():
        scores = [r.score for r in items if r.score is not None]
        out.append(
            EntryAsked(
                question=min(spellings[key].items(), key=lambda kv: (-kv[1], len(kv[0]), kv[0]))[0],
                count=len(items),
                helpful=sum(r.helpful is True for r in items),
                not_helpful=sum(r.helpful is False for r in items),
                not_meant=sum(r.not_meant for r in items),
                lowest_score=min(scores) if scores else None,
            )
        )
    return sorted(out, key=lambda e: (-e.count, -e.not_helpful, e.question))


@dataclass(frozen=True)
class Worklist:
    """Both sections of `kb gaps` and `/gaps` for one period."""

    days: int
    since: dt.datetime
    questions: int
    """Unanswered questions read (at most `MAX_QUESTIONS`)."""
    left_out: int
    """Of those, texts with no product word (commands, numbers, chat noise)."""
    gaps: list[Gap]
    close_below: float
    suspects: list[Suspect]
    truncated: bool = False
    """More unanswered questions exist than were read."""

    def to_json(self) -> dict[str, Any]:
        """The `kb gaps --json` object."""
        return {
            "days": self.days,
            "since": self.since.isoformat(),
            "unanswered_questions": self.questions,
            "left_out": self.left_out,
            "truncated": self.truncated,
            "groups": [g.to_json() for g in self.gaps],
            "close_below": self.close_below,
            "maybe_wrong": [s.to_json() for s in self.suspects],
        }


Offload = Callable[..., Awaitable[Any]]
"""Runs `fn(*args)` off the event loop and returns its result (e.g. `asyncio.to_thread`)."""


def period_start(days: int, now: dt.datetime) -> dt.datetime:
    """Midnight UTC at the start of a period of `days` whole days ending today."""
    today = now.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today - dt.timedelta(days=days - 1)


def _sections(
    asked: list[repo.AskedQuestion], reviews: list[repo.AnswerReview], close_below: float
) -> tuple[list[Gap], int, list[Suspect]]:
    """The CPU-heavy part of a worklist (run off the event loop)."""
    pairs = [(q.text, q.user_key) for q in asked]
    gaps = cluster_gaps(pairs)
    left_out = len(pairs) - sum(g.count for g in gaps)
    return gaps, left_out, cluster_suspects(reviews, close_below)


@dataclass(frozen=True)
class WorklistRows:
    """What a worklist is built from, as read from the database."""

    since: dt.datetime
    close_below: float
    asked: list[repo.AskedQuestion]
    reviews: list[repo.AnswerReview]
    truncated: bool


async def read_worklist(
    session: AsyncSession, *, since: dt.datetime, close_below: float
) -> WorklistRows:
    """Read a period's unanswered questions and doubtful answers (bounded, newest first)."""
    asked = await repo.unanswered_questions(session, since=since, limit=MAX_QUESTIONS + 1)
    reviews = await repo.answers_to_review(
        session, since=since, score_below=close_below, limit=MAX_REVIEWS
    )
    truncated = len(asked) > MAX_QUESTIONS
    return WorklistRows(since, close_below, asked[:MAX_QUESTIONS], reviews, truncated)


async def group_worklist(rows: WorklistRows, *, days: int, offload: Offload) -> Worklist:
    """Group what `read_worklist` read, in `offload` (off the event loop)."""
    gaps, left_out, suspects = await offload(_sections, rows.asked, rows.reviews, rows.close_below)
    return Worklist(
        days,
        rows.since,
        len(rows.asked),
        left_out,
        gaps,
        rows.close_below,
        suspects,
        rows.truncated,
    )


async def build_worklist(
    sessionmaker: async_sessionmaker[AsyncSession],
    days: int,
    *,
    answer_threshold: float,
    offload: Offload,
    now: dt.datetime | None = None,
) -> Worklist:
    """The worklist of the last `days` days (whole UTC days, like the statistics)."""
    since = period_start(days, now or dt.datetime.now(dt.UTC))
    async with sessionmaker() as session:
        rows = await read_worklist(
            session, since=since, close_below=answer_threshold + CLOSE_MARGIN
        )
    return await group_worklist(rows, days=days, offload=offload)


async def build_entry_list(
    sessionmaker: async_sessionmaker[AsyncSession],
    entry_id: str,
    days: int,
    *,
    now: dt.datetime | None = None,
) -> list[EntryAsked]:
    """The questions answered with `entry_id` in the period, one line per wording."""
    since = period_start(days, now or dt.datetime.now(dt.UTC))
    async with sessionmaker() as session:
        rows = await repo.entry_questions(
            session, entry_id=entry_id, since=since, limit=MAX_QUESTIONS
        )
    return entry_asked(rows)


def worklist_html(worklist: Worklist, lang: str, limit: int = 15) -> str:
    """The /gaps message: both sections as markup (every question escaped)."""
    lines = [f"<b>{escape(t('admin.gaps_title', lang, days=worklist.days))}</b>"]
    if worklist.gaps:
        summary = t(
            "admin.gaps_summary", lang, groups=len(worklist.gaps), questions=worklist.questions
        )
        lines.append(f"<i>{escape(summary)}</i>")
        for gap in worklist.gaps[:limit]:
            also = ""
            if gap.examples:
                also = f" <i>({escape(' · '.join(e[:40] for e in gap.examples))})</i>"
            lines.append(f"{gap.count}× {escape(gap.label[:LABEL_CHARS])}{also}")
    else:
        lines.append(escape(t("admin.gaps_none", lang)))
    if worklist.suspects:
        lines.append(f"\n<b>{escape(t('admin.suspects_title', lang))}</b>")
        for s in worklist.suspects[:limit]:
            lines.append(
                f"{s.count}× {escape(s.label[:60])} → <code>{escape(s.entry_id)}</code>"
                f" ({escape(s.signals(lang))})"
            )
    return "\n".join(lines)
