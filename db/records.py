"""Log records handed from the bot's handlers to the write-behind `LogWriter`.

Small, immutable, JSON-serialisable (the writer spools them to a file when
the database is away). They carry pseudonymous user keys only.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from db.models import QUESTION_KINDS

_QID = re.compile(r"^[0-9a-f]{32}$")


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
    """The record `to_json` produced."""
    d = dict(data)
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
