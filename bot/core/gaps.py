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
import functools
import itertools
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any, Final

import Stemmer
from rapidfuzz.distance import OSA, Indel
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.i18n import t
from db import repo
from knowledge.text import content_tokens

MAX_QUESTIONS: Final = 20_000
"""Unanswered questions read per worklist (the newest): bounds memory and time."""
MAX_REVIEWS: Final = 5_000
"""Answers to review read per worklist (the newest)."""
MAX_SUBSET_WORDS: Final = 6
"""Questions with more product words look for a smaller group through single words only."""
CLOSE_MARGIN: Final = 5.0
"""An answer scoring below the answer threshold plus this was a close call."""
LABEL_CHARS: Final = 80
"""A label longer than this is only used when the group has no shorter question."""

# Words people type that are not about any product: chat noise, bot commands, tests.
_NOISE: Final = frozenset(
    """start stop help hjaelp menu settings indstillinger test testing tester lol lmao rofl haha
    hahaha hehe hihi xd xdd omg wtf idk ok okay k kk hmm hm hmmm ja jo nej yes no nope yep yup
    asdf qwerty blabla bla spam hello hallo hej hey hi yo""".split()
)

_DA = Stemmer.Stemmer("danish")
_EN = Stemmer.Stemmer("english")


@functools.lru_cache(maxsize=65_536)
def stem(word: str) -> str:
    """A folded word's stem: Danish, then English ("pastamaskiner" and "sneakers" lose endings)."""
    return str(_EN.stemWord(_DA.stemWord(word)))


def _words(text: str) -> list[str]:
    """The folded words of `text` that can name a product (filler, numbers, noise removed)."""
    if text.lstrip().startswith("/"):
        return []
    return [w for w in content_tokens(text) if w not in _NOISE and not w.isdigit() and len(w) > 1]


def product_words(text: str) -> tuple[str, ...]:
    """The stems of the words in `text` that can name a product, in order, each once.

    Empty for a command ("/start"), and for texts of filler, numbers and chat noise only.
    """
    return tuple(dict.fromkeys(stem(w) for w in _words(text)))


def _joined(words: list[str], known: Counter[str]) -> tuple[str, ...]:
    """Stems of `words`, with two neighbours written apart joined when people also write
    them as one word ("robot plæneklipper" → "robotplæneklipper")."""
    out: list[str] = []
    i = 0
    while i < len(words):
        if i + 1 < len(words) and known[joined := stem(words[i] + words[i + 1])]:
            out.append(joined)
            i += 2
        else:
            out.append(stem(words[i]))
            i += 1
    return tuple(dict.fromkeys(out))


def is_shopping_text(text: str) -> bool:
    """True when the text has at least one word that could name a product."""
    return bool(product_words(text))


def _close(a: str, b: str) -> bool:
    """Two stems one typo apart: an added or missing letter (4+ letters), or a swapped or
    wrong letter (6+ letters). Shorter words must match exactly ("bold" is not "bord")."""
    shortest = min(len(a), len(b))
    if shortest >= 6 and OSA.distance(a, b, score_cutoff=1) <= 1:
        return True
    return shortest >= 4 and Indel.distance(a, b, score_cutoff=1) <= 1


def _deletions(word: str) -> list[str]:
    """`word` with one letter removed, each way (the keys of the typo index)."""
    return [word[:i] + word[i + 1 :] for i in range(len(word))]


class _Vocabulary:
    """Maps each stem to the most frequent stem one typo away (itself if none): the spelling
    a group is keyed by. Most frequent first, so typos map onto the common spelling."""

    def __init__(self, frequency: Counter[str]) -> None:
        self.canonical: dict[str, str] = {}
        index: dict[str, list[str]] = {}
        for word, _ in sorted(frequency.items(), key=lambda kv: (-kv[1], kv[0])):
            target = word
            if len(word) >= 4:
                seen: set[str] = set()
                for key in (word, *_deletions(word)):
                    for other in index.get(key, ()):
                        if other not in seen:
                            seen.add(other)
                            if _close(word, other):
                                target = other
                                break
                    if target != word:
                        break
            self.canonical[word] = target
            if target == word and len(word) >= 4:
                for key in (word, *_deletions(word)):
                    index.setdefault(key, []).append(word)

    def key(self, stems: tuple[str, ...]) -> frozenset[str]:
        """The group key of a question's stems."""
        return frozenset(self.canonical[s] for s in stems)


def _subsets(key: frozenset[str]) -> list[frozenset[str]]:
    """The proper, non-empty subsets of `key`, largest first (single words only for big keys)."""
    words = sorted(key)
    if len(words) > MAX_SUBSET_WORDS:
        return [frozenset((w,)) for w in words]
    return [
        frozenset(c)
        for size in range(len(words) - 1, 0, -1)
        for c in itertools.combinations(words, size)
    ]


@dataclass(frozen=True)
class Grouping:
    """`group_texts`' result: groups of indexes into the texts, and each text's product words."""

    groups: list[list[int]]
    """Groups in no particular order; indexes ascending within a group."""
    words: list[tuple[str, ...]]
    """Each text's product words (stems, compounds joined): how specific it is."""

    def label(self, texts: Sequence[str], members: list[int]) -> str:
        """A group's most specific question: the most product words (up to 6), short enough,
        most asked, shortest."""
        count = Counter(texts[i] for i in members)
        specific = {texts[i]: min(len(self.words[i]), 6) for i in members}

        def rank(text: str) -> tuple[bool, int, int, int, str]:
            return (len(text) > LABEL_CHARS, -specific[text], -count[text], len(text), text)

        return min(count, key=rank)


def group_texts(texts: Sequence[str]) -> Grouping:
    """`texts` grouped by product words; texts without one are in no group."""
    words_of = [_words(t) for t in texts]
    frequency: Counter[str] = Counter(stem(w) for words in words_of for w in set(words))
    stems_of = [_joined(words, frequency) for words in words_of]
    vocabulary = _Vocabulary(frequency)
    by_key: dict[frozenset[str], list[int]] = {}
    for i, stems in enumerate(stems_of):
        if stems:
            by_key.setdefault(vocabulary.key(stems), []).append(i)
    # Fewest words first, then most asked: the groups form around the plainest product names.
    order = sorted(by_key, key=lambda k: (len(k), -len(by_key[k]), sorted(k)))
    groups: dict[frozenset[str], list[int]] = {}
    home_of: dict[frozenset[str], frozenset[str]] = {}  # every key seen -> its group's key
    for key in order:
        smaller = next((s for s in _subsets(key) if s in home_of), None) if len(key) > 1 else None
        if smaller is None:
            home_of[key] = key
            groups[key] = list(by_key[key])
        else:
            home_of[key] = home_of[smaller]
            groups[home_of[key]].extend(by_key[key])
    return Grouping([sorted(members) for members in groups.values()], stems_of)


def _others(spellings: Counter[str], label: str, limit: int = 3) -> list[str]:
    """Other spellings of a group, most asked first."""
    ranked = sorted(spellings.items(), key=lambda kv: (-kv[1], kv[0]))
    return [text for text, _ in ranked if text != label][:limit]


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
class Suspect:
    """Answers with one entry that may have been wrong, grouped by the question's words."""

    label: str
    entry_id: str
    count: int
    """Answers in the group."""
    not_helpful: int
    """👎 clicks."""
    not_meant: int
    """"Not what I meant" clicks."""
    close: int
    """Answers whose score was below the close-call line."""
    lowest_score: float | None
    examples: list[str] = field(default_factory=list)

    def signals(self, lang: str = "en") -> str:
        """What makes it suspect, e.g. "👎 2, not meant 1, score 86"."""
        parts = []
        if self.not_helpful:
            parts.append(f"👎 {self.not_helpful}")
        if self.not_meant:
            parts.append(t("admin.signal_not_meant", lang, n=self.not_meant))
        if self.close and self.lowest_score is not None:
            parts.append(t("admin.signal_score", lang, score=f"{self.lowest_score:g}"))
        return ", ".join(parts)

    def to_json(self) -> dict[str, Any]:
        """One item in `kb gaps --json` under `maybe_wrong`."""
        return {
            "question": self.label,
            "entry": self.entry_id,
            "count": self.count,
            "not_helpful": self.not_helpful,
            "not_meant": self.not_meant,
            "close_score": self.close,
            "lowest_score": self.lowest_score,
            "examples": self.examples,
        }


def cluster_suspects(reviews: Sequence[repo.AnswerReview], close_below: float) -> list[Suspect]:
    """Answers to review, grouped per entry and question words; most complaints first."""
    by_entry: dict[str, list[repo.AnswerReview]] = {}
    for review in reviews:
        by_entry.setdefault(review.entry_id, []).append(review)
    suspects = []
    for entry_id, items in by_entry.items():
        texts = [r.text.strip() for r in items]
        grouping = group_texts(texts)
        groups = list(grouping.groups)
        grouped = {i for members in groups for i in members}
        # An answered question always named something; keep any without product words alone.
        groups += [[i] for i in range(len(items)) if i not in grouped]
        for members in groups:
            chosen = [items[i] for i in members]
            spellings = Counter(texts[i] for i in members)
            label = grouping.label(texts, members)
            scores = [r.score for r in chosen if r.score is not None]
            suspects.append(
                Suspect(
                    label=label,
                    entry_id=entry_id,
                    count=len(chosen),
                    not_helpful=sum(r.helpful is False for r in chosen),
                    not_meant=sum(r.not_meant for r in chosen),
                    close=sum(r.score is not None and r.score < close_below for r in chosen),
                    lowest_score=min(scores) if scores else None,
                    examples=_others(spellings, label),
                )
            )

    def rank(s: Suspect) -> tuple[int, int, float, str, str]:
        low = s.lowest_score if s.lowest_score is not None else 100.0
        return (-(s.not_helpful + s.not_meant), -s.count, low, s.entry_id, s.label)

    return sorted(suspects, key=rank)


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
