"""The terminal chat behaves like the bot: numbered buttons, commands, the same replies."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.cli.test_cli import omtanke


def test_chat_numbers_buttons_and_knows_the_commands(tmp_path: Path) -> None:
    db = tmp_path / "chat.db"
    lines = [
        "airfryr owla",  # → "did you mean" with the air fryer as option 1
        "1",  # pick it
        "/help",
        "/start",
        "2",  # the second example question of /start ("Er Temu ok?")
        "/topics",
        "99",  # no such button
        "/stats",
        "/nonsense",
    ]
    env = {"DATABASE_URL": f"sqlite+aiosqlite:///{db}", "WATCH_KNOWLEDGE": "false"}
    result = omtanke(
        "chat", stdin=("\n".join(lines) + "\n").encode(), env=env, cwd=tmp_path
    )  # then EOF
    out = result.stdout.decode()
    assert result.returncode == 0, result.stderr
    assert result.stderr.decode() == ""  # no log lines in the chat
    assert "Mente du…?\n  [1] Airfryer" in out
    assert "🤔 Tænk dig om · Airfryer" in out
    assert (
        "Sådan bruger du Omtanke" in out
        and "Eksempler:\n  [1] Skal jeg købe en Stanley-kop?\n  [2] Er Temu ok?" in out
    )
    assert "· Temu\n" in out
    assert "Vælg et emne:\n  [1]" in out
    assert "Der er ingen knap med det nummer" in out
    assert "omtanke stats" in out and "Den kommando kender jeg ikke" in out
    rows = (
        sqlite3.connect(db)
        .execute("select text, kind, entry_id, chat_type from questions order by created_at")
        .fetchall()
    )
    assert rows == [
        ("airfryr owla", "suggestions", None, "terminal"),
        ("Airfryer", "answer", "air-fryer", "button"),
        ("Er Temu ok?", "answer", "temu", "button"),
    ]


def test_chat_shows_category_cards_and_search_links(tmp_path: Path) -> None:
    env = {
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'chat.db'}",
        "WATCH_KNOWLEDGE": "false",
    }
    stdin = "skal jeg købe en gyngehest\nshould i buy a telescope\n".encode()
    out = omtanke("chat", stdin=stdin, env=env, cwd=tmp_path).stdout.decode()
    assert "Det præcise produkt har jeg ikke et kort om endnu" in out
    assert "🔗 ♻️ Brugt på DBA: https://www.dba.dk/recommerce/forsale/search?q=gyngehest" in out
    assert "🔗 ♻️ Used on DBA: https://www.dba.dk/recommerce/forsale/search?q=telescope" in out
