"""Unit tests of the core's rules: flood gate, reply language, the group "addressed" rule,
button payloads, the string catalogue and the kinds the database accepts."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from telegram import Chat, Message, MessageEntity, User

from bot.core import actions
from bot.core.actions import (
    ALL_ACTIONS,
    MAX_BYTES,
    CancelReminder,
    Feedback,
    SetLanguage,
    TopicsHome,
)
from bot.core.advisor import choose_language
from bot.core.i18n import CATALOGUE
from bot.core.services import FloodGate
from bot.telegram.gate import addressed_text
from db.models import QUESTION_KINDS
from knowledge.matcher import Kind
from knowledge.schema import AlternativeKind, Verdict
from knowledge.text import _SMALLTALK_RAW

BOT = User(999, "Omtanke", is_bot=True, username="OmtankeBot")
PERSON = User(5, "Freja", is_bot=False, language_code="da")
ROOT = Path(__file__).resolve().parents[2]


# --- flood gate ------------------------------------------------------------------------------


def test_flood_gate_window_notice_then_silence() -> None:
    gate = FloodGate(limit=3, window=60)
    assert [gate.check("u", now=t) for t in (0, 1, 2)] == ["ok", "ok", "ok"]
    assert gate.check("u", now=3) == "notice"
    assert gate.check("u", now=4) == "drop"
    assert gate.check("other", now=4) == "ok"  # per user
    assert gate.check("u", now=61) == "ok"  # the first hit left the window
    gate.prune(now=1000)
    assert gate.check("u", now=1000) == "ok"


# --- reply language --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("detected", "preference", "app", "expected"),
    [
        ("en", "da", "en", "da"),  # an explicit choice wins
        ("en", None, "da", "en"),  # then a clearly English question
        (None, None, "da-DK", "da"),  # then the app's language
        (None, None, "DA", "da"),  # (case does not matter)
        (None, None, "en-GB", "en"),
        (None, None, "de", "en"),  # other languages get English
        (None, None, None, "da"),  # nothing known: Danish
    ],
)
def test_reply_language_rule(
    detected: str | None, preference: str | None, app: str | None, expected: str
) -> None:
    assert choose_language(detected, preference=preference, telegram_code=app) == expected


# --- addressed to the bot --------------------------------------------------------------------


def _message(text: str, chat_type: str, **kw: typing.Any) -> Message:
    chat = Chat(-100 if chat_type != "private" else 5, chat_type)
    return Message(1, None, chat, from_user=PERSON, text=text, **kw)  # type: ignore[arg-type]


def test_private_messages_are_always_addressed() -> None:
    assert addressed_text(_message("er temu ok", "private"), BOT.id, BOT.username) == "er temu ok"


def test_group_messages_need_a_mention_or_a_reply() -> None:
    assert addressed_text(_message("er temu ok", "group"), BOT.id, BOT.username) is None
    mention = _message(
        "@omtantebot er temu ok",
        "group",
        entities=[MessageEntity(MessageEntity.MENTION, 0, 12)],
    )
    assert addressed_text(mention, BOT.id, BOT.username) is None  # someone else's bot
    mention = _message(
        "@OmtankeBot er temu ok",
        "supergroup",
        entities=[MessageEntity(MessageEntity.MENTION, 0, 11)],
    )
    assert addressed_text(mention, BOT.id, BOT.username) == "  er temu ok"
    from_bot = Message(0, None, Chat(-100, "group"), from_user=BOT, text="card")  # type: ignore[arg-type]
    reply = _message("og shein?", "group", reply_to_message=from_bot)
    assert addressed_text(reply, BOT.id, BOT.username) == "og shein?"
    other = Message(0, None, Chat(-100, "group"), from_user=PERSON, text="hi")  # type: ignore[arg-type]
    assert (
        addressed_text(_message("og shein?", "group", reply_to_message=other), BOT.id, BOT.username)
        is None
    )


# --- button payloads -------------------------------------------------------------------------


def test_payloads_round_trip_and_fit() -> None:
    feedback = Feedback(True, "a" * 32)
    assert feedback.pack() == "fb:1:" + "a" * 32
    assert Feedback.parse(feedback.pack()) == feedback
    assert SetLanguage.parse("lang:en") == SetLanguage("en")
    assert TopicsHome.parse("tl") == TopicsHome()
    for cls in ALL_ACTIONS:
        assert cls.pattern().pattern.startswith("^" + re.escape(cls.prefix))


@pytest.mark.parametrize(
    "data",
    [
        "",
        "fb",
        "fb:2:abc",
        "fb:1:" + "a" * 60,
        "lang:de",
        "rc:" + "9" * 30,
        "rc:-1",
        "rc:1:2",
        "tl:x",
        "e:../x",
    ],
)
def test_forged_payloads_are_refused(data: str) -> None:
    for cls in ALL_ACTIONS:
        with pytest.raises(ValueError):
            cls.parse(data)


def test_packing_refuses_oversized_or_unparseable_payloads() -> None:
    with pytest.raises(ValueError):
        actions.ShowEntry("x" * 70).pack()
    with pytest.raises(ValueError):
        actions.ShowEntry("no spaces").pack()
    assert len(CancelReminder(10**14).pack().encode()) <= MAX_BYTES


def test_button_patterns_never_overlap() -> None:
    samples = {
        Feedback: "fb:0:q1", actions.ShowEntry: "e:temu", actions.ShowRelated: "rel:temu",
        actions.NotMeant: "nm:q1", actions.Remind: "rm:temu", CancelReminder: "rc:1",
        actions.StillWant: "ry:1", actions.Passed: "rn:1", SetLanguage: "lang:da", TopicsHome: "tl",
        actions.TopicsPage: "tc:home:0", actions.Forget: "fg:yes", actions.Example: "ex:0",
        actions.StatsPeriod: "adm:stats:7",
    }  # fmt: skip
    assert set(samples) == set(ALL_ACTIONS)
    for owner, data in samples.items():
        assert [cls for cls in ALL_ACTIONS if cls.pattern().fullmatch(data)] == [owner]


# --- strings and kinds -----------------------------------------------------------------------

DYNAMIC = {
    "verdict.": {v.value for v in Verdict},
    "alt.": {k.value for k in AlternativeKind},
    "smalltalk.": set(_SMALLTALK_RAW) - {"help"},
    "cmd.": {"start", "help", "topics", "language", "privacy", "forget", "stats", "gaps", "reload"},
}


def test_every_string_used_exists_and_none_is_unused() -> None:
    files = [p for p in (ROOT / "bot").rglob("*.py") if p.name != "i18n.py"]
    source = "\n".join(p.read_text(encoding="utf-8") for p in files)
    called = set(re.findall(r"""\bt\(\s*["']([a-z_]+(?:\.[a-z_]+)*)["']""", source))
    assert called - set(CATALOGUE) == set()  # every t("key") exists
    # A key is used when its literal appears in the code (t("x") or key = "x"), or when the code
    # builds it from a prefix and one of the values that prefix takes.
    literals = set(re.findall(r"""["']([a-z_]+(?:\.[a-z_]+)+|[a-z_]+)["']""", source))
    expected = (literals & set(CATALOGUE)) | {
        prefix + name for prefix, names in DYNAMIC.items() for name in names
    }
    assert set(CATALOGUE) == expected


def test_matcher_kinds_are_the_kinds_the_database_accepts() -> None:
    # The core adds `category` (a category card) to what the matcher produces.
    assert set(typing.get_args(Kind)) | {"category"} == set(QUESTION_KINDS)


# --- the payload codec, property-based ---------------------------------------------------------


IDS = st.from_regex(r"[A-Za-z0-9_-]{1,48}", fullmatch=True)


@given(helpful=st.booleans(), question_id=IDS, reminder=st.integers(0, 10**15 - 1))
def test_codec_round_trips(helpful: bool, question_id: str, reminder: int) -> None:
    for action in (
        Feedback(helpful, question_id),
        CancelReminder(reminder),
        actions.ShowEntry(question_id),
    ):
        data = action.pack()
        assert len(data.encode()) <= MAX_BYTES
        assert type(action).parse(data) == action


@given(st.text(max_size=200))
def test_codec_parses_anything_or_refuses(data: str) -> None:
    for cls in ALL_ACTIONS:
        try:
            action = cls.parse(data)
        except ValueError:
            continue
        assert action.pack() == data  # only what it would have packed itself
