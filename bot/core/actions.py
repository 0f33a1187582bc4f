"""Button payloads: one typed class per button, packed into Telegram's 64-byte callback data.

Each class knows its prefix, how to pack itself, the regular expression its payloads match and
how to parse one back (refusing anything else: forged, truncated or oversized data). The field
types decide the format: `str` is an id (letters, digits, `-`, `_`), `int` a non-negative number
of at most 15 digits, `bool` is `0`/`1`, a `Literal` one of its values.
"""

from __future__ import annotations

import dataclasses
import re
import typing
from dataclasses import dataclass
from functools import cache
from typing import Any, ClassVar, Literal, Self

MAX_BYTES = 64
"""Telegram's limit for callback data."""

_FIELD_PATTERNS: dict[object, str] = {
    str: r"[A-Za-z0-9_-]{1,48}",
    int: r"\d{1,15}",
    bool: r"[01]",
}


class Action:
    """Base of every button payload (a frozen dataclass with a `prefix`)."""

    prefix: ClassVar[str]

    def pack(self) -> str:
        """The callback data; ValueError if it would not fit or would not parse back."""
        values = [_dump(getattr(self, f.name)) for f in dataclasses.fields(self)]  # type: ignore[arg-type]
        data = ":".join([self.prefix, *values])
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
        if not self.pattern().fullmatch(data):
            raise ValueError(f"callback data does not match its own format: {data!r}")
        return data

    @classmethod
    @cache
    def pattern(cls) -> re.Pattern[str]:
        """The payloads of this button and nothing else."""
        hints = typing.get_type_hints(cls)
        parts = [re.escape(cls.prefix)]
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            parts.append(f"({_field_pattern(hints[f.name])})")
        return re.compile("^" + ":".join(parts) + "$")

    @classmethod
    def parse(cls, data: str) -> Self:
        """The button behind `data`; ValueError for anything this class did not pack."""
        if len(data.encode()) > MAX_BYTES or not (match := cls.pattern().fullmatch(data)):
            raise ValueError(f"not a {cls.__name__} payload")
        hints = typing.get_type_hints(cls)
        values = [
            _load(hints[f.name], raw)
            for f, raw in zip(dataclasses.fields(cls), match.groups(), strict=True)  # type: ignore[arg-type]
        ]
        return cls(*values)


def _field_pattern(hint: Any) -> str:
    if typing.get_origin(hint) is Literal:
        return "|".join(re.escape(str(v)) for v in typing.get_args(hint))
    return _FIELD_PATTERNS[hint]


def _dump(value: object) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def _load(hint: Any, raw: str) -> object:
    if hint is bool:
        return raw == "1"
    if hint is int:
        return int(raw)
    return raw


@dataclass(frozen=True)
class Feedback(Action):
    """👍 or 👎 under an answer."""

    prefix: ClassVar[str] = "fb"
    helpful: bool
    question_id: str


@dataclass(frozen=True)
class ShowEntry(Action):
    """A suggestion, related entry or topic: show its card."""

    prefix: ClassVar[str] = "e"
    entry_id: str


@dataclass(frozen=True)
class ShowRelated(Action):
    """The entries related to one."""

    prefix: ClassVar[str] = "rel"
    entry_id: str


@dataclass(frozen=True)
class NotMeant(Action):
    """The other candidates of a question."""

    prefix: ClassVar[str] = "nm"
    question_id: str


@dataclass(frozen=True)
class Remind(Action):
    """The 30-day rule: remind me about this entry later."""

    prefix: ClassVar[str] = "rm"
    entry_id: str


@dataclass(frozen=True)
class CancelReminder(Action):
    """Cancel a reminder just set."""

    prefix: ClassVar[str] = "rc"
    reminder_id: int


@dataclass(frozen=True)
class StillWant(Action):
    """A due reminder answered "yes, I still want it"."""

    prefix: ClassVar[str] = "ry"
    reminder_id: int


@dataclass(frozen=True)
class Passed(Action):
    """A due reminder answered "no, it passed" (a purchase avoided)."""

    prefix: ClassVar[str] = "rn"
    reminder_id: int


@dataclass(frozen=True)
class SetLanguage(Action):
    """Dansk or English."""

    prefix: ClassVar[str] = "lang"
    lang: Literal["da", "en"]


@dataclass(frozen=True)
class TopicsHome(Action):
    """The list of categories."""

    prefix: ClassVar[str] = "tl"


@dataclass(frozen=True)
class TopicsPage(Action):
    """One page of a category's entries."""

    prefix: ClassVar[str] = "tc"
    category: str
    page: int


@dataclass(frozen=True)
class Forget(Action):
    """The answer to /forget's confirmation."""

    prefix: ClassVar[str] = "fg"
    answer: Literal["yes", "no"]


@dataclass(frozen=True)
class Example(Action):
    """One of the example questions of /start and /help."""

    prefix: ClassVar[str] = "ex"
    index: int


@dataclass(frozen=True)
class StatsPeriod(Action):
    """Admins: /stats for another period."""

    prefix: ClassVar[str] = "adm:stats"
    days: int


ALL_ACTIONS: tuple[type[Action], ...] = (
    Feedback,
    ShowEntry,
    ShowRelated,
    NotMeant,
    Remind,
    CancelReminder,
    StillWant,
    Passed,
    SetLanguage,
    TopicsHome,
    TopicsPage,
    Forget,
    Example,
    StatsPeriod,
)
"""Every button payload; their patterns never overlap (a test checks)."""
