"""Log records handed from the bot's handlers to the write-behind `LogWriter`.

Small, immutable, JSON-serialisable (the writer spools them to a file when
the database is away). They carry pseudonymous user keys only.

Every text a record holds is storable: `clean_text` runs on each string field
when a record is built, and so on every path into the database (a handler's
record, a spool line replayed after a restart, a rejected record re-imported).
PostgreSQL refuses U+0000 in text and neither database driver can encode a
lone surrogate; both become U+FFFD, so one odd message can never stop the log.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from db.models import QUESTION_KINDS

_QID = re.compile(r"^[0-9a-f]{32}$")
_SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT = "\ufffd"
# Keys a rejected-records file adds next to a record's own fields (see db.writer).
META_KEYS = frozenset({"reason", "rejected_at"})


def clean_text(text: str) -> str:
    """`text` with U+0000 and lone surrogates replaced by U+FFFD: encodable as UTF-8, storable.

    A surrogate pair split over two code points (as some JSON decoders leave it) is
    joined into its character. Pure and idempotent; a clean string is returned as is.
    """
    if _SURROGATE.search(text):
        # UTF-16 round trip: pairs become their character, lone halves U+FFFD.
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    if "\x00" in text:
        text = text.replace("\x00", REPLACEMENT)
    return text


def clean_json(value: Any) -> Any:
    """A JSON-like value with every string cleaned and non-finite floats made None."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {clean_text(str(k)): clean_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_json(v) for v in value]
    return value


def _clean_fields(record: Any, *names: str) -> None:
    """Clean the named string fields of a frozen record in place (in __post_init__)."""
    for name in names:
        value = getattr(record, name)
        if isinstance(value, str):
            cleaned = clean_text(value)
            if cleaned is not value:
                object.__setattr__(record, name, cleaned)


def new_question_id() -> str:
    """A fresh question id (uuid4 hex): the bot puts it in the feedback button."""
    return uuid.uuid4().hex


def _aware(name: str, value: dt.datetime) -> None:
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        raise ValueError(f"{name} must be a timezone-aware datetime")


@dataclass(frozen=True, slots=True)
class QuestionLog:
    """A question and how the bot handled it."""

    id: str
    user_key: str
    chat_type: str
    text: str
    language: str
    kind: str
    created_at: dt.datetime
    entry_id: str | None = None
    score: float | None = None
    candidates: list[dict[str, Any]] = field(default_factory=list)
    kb_version: str | None = None
    latency_ms: int | None = None

    def __post_init__(self) -> None:
        # Fail in the handler (a bug), not later in the writer where the row would be rejected.
        if not _QID.match(self.id):
            raise ValueError(f"question id must be 32 lowercase hex chars, got {self.id!r}")
        if self.kind not in QUESTION_KINDS:
            raise ValueError(f"kind must be one of {QUESTION_KINDS}, got {self.kind!r}")
        _aware("created_at", self.created_at)
        _clean_fields(self, "user_key", "chat_type", "text", "language", "entry_id", "kb_version")
        object.__setattr__(self, "candidates", clean_json(list(self.candidates)))
        if isinstance(self.score, float) and not math.isfinite(self.score):
            object.__setattr__(self, "score", None)

    def row(self) -> dict[str, Any]:
        """The `questions` row."""
        return {
            "id": self.id,
            "user_key": self.user_key,
            "chat_type": self.chat_type,
            "text": self.text,
            "language": self.language,
            "kind": self.kind,
            "entry_id": self.entry_id,
            "score": self.score,
            "candidates": list(self.candidates),
            "kb_version": self.kb_version,
            "latency_ms": self.latency_ms,
            "created_at": self.created_at,
        }


@dataclass(frozen=True, slots=True)
class FeedbackLog:
    """A helpful/not helpful click on the answer to `question_id`."""

    question_id: str
    user_key: str
    helpful: bool
    created_at: dt.datetime

    def __post_init__(self) -> None:
        _aware("created_at", self.created_at)
        _clean_fields(self, "question_id", "user_key")

    def row(self) -> dict[str, Any]:
        """The `feedback` row."""
        return {
            "question_id": self.question_id,
            "user_key": self.user_key,
            "helpful": self.helpful,
            "created_at": self.created_at,
        }


@dataclass(frozen=True, slots=True)
class UserSeen:
    """The user was active at `seen_at` (language: first guess for a new user)."""

    user_key: str
    seen_at: dt.datetime
    language: str | None = None

    def __post_init__(self) -> None:
        _aware("seen_at", self.seen_at)
        _clean_fields(self, "user_key", "language")

    def row(self) -> dict[str, Any]:
        """Input row for `repo.touch_users`."""
        return {"user_key": self.user_key, "language": self.language, "seen_at": self.seen_at}


@dataclass(frozen=True, slots=True)
class ForgetUser:
    """Delete the user's rows, in order: anything logged before it is deleted too.

    /forget should submit this as well as calling `repo.forget_user`, so that
    records still queued (or spooled) for the user do not reappear afterwards.
    """

    user_key: str

    def __post_init__(self) -> None:
        _clean_fields(self, "user_key")


Record = QuestionLog | FeedbackLog | UserSeen | ForgetUser

_TAGS: dict[type[Any], str] = {QuestionLog: "q", FeedbackLog: "f", UserSeen: "u", ForgetUser: "x"}


def to_json(record: Record) -> dict[str, Any]:
    """A JSON-ready dict with a type tag `t`."""
    if isinstance(record, QuestionLog):
        d = record.row()
        d["created_at"] = record.created_at.isoformat()
    elif isinstance(record, FeedbackLog):
        d = record.row()
        d["created_at"] = record.created_at.isoformat()
    elif isinstance(record, UserSeen):
        d = record.row()
        d["seen_at"] = record.seen_at.isoformat()
    else:
        d = {"user_key": record.user_key}
    d["t"] = _TAGS[type(record)]
    return d


def from_json(data: dict[str, Any]) -> Record:
    """The record `to_json` produced (a rejected record's extra keys are ignored)."""
    d = {k: v for k, v in data.items() if k not in META_KEYS}
    tag = d.pop("t")
    if tag == "q":
        d["created_at"] = dt.datetime.fromisoformat(d["created_at"])
        return QuestionLog(**d)
    if tag == "f":
        d["created_at"] = dt.datetime.fromisoformat(d["created_at"])
        return FeedbackLog(**d)
    if tag == "u":
        d["seen_at"] = dt.datetime.fromisoformat(d["seen_at"])
        return UserSeen(**d)
    if tag == "x":
        return ForgetUser(**d)
    raise ValueError(f"unknown record tag {tag!r}")
