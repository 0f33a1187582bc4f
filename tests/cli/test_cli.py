"""The `omtanke` command line as curators and tests use it (real subprocesses, real files)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def omtanke(
    *args: str,
    stdin: bytes | None = None,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[bytes]:
    full_env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "KNOWLEDGE_", "DATABASE_"))
    }
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        env=full_env,
        cwd=cwd or ROOT,
        timeout=120,
        check=False,
    )


def test_version_and_help() -> None:
    assert omtanke("--version").stdout.decode().startswith("omtanke ")
    for args in (
        ["--help"],
        ["ask", "--help"],
        ["kb", "check", "--help"],
        ["kb", "try", "--help"],
        ["stats", "--help"],
        ["db", "purge", "--help"],
        ["run", "--help"],
        ["doctor", "--help"],
    ):
        result = omtanke(*args)
        assert result.returncode == 0 and b"usage:" in result.stdout, args


def test_ask_json() -> None:
    result = omtanke("ask", "--json", "skal", "jeg", "købe", "en", "stanley", "kop?")
    data = json.loads(result.stdout)
    assert data["kind"] == "answer" and data["lang"] == "da"
    assert data["entry"]["id"] == "stanley-cup" and data["entry"]["title"]["en"] == "Stanley cup"
    assert data["entry"]["verdict"] in {"skip", "think_twice", "ok_if_needed", "info"}
    assert set(data) == {
        "query",
        "lang",
        "kind",
        "entry",
        "category",
        "offtopic_reason",
        "score",
        "candidates",
        "secondhand",
    }
    english = json.loads(omtanke("ask", "--json", "--lang", "en", "temu").stdout)
    assert english["lang"] == "en" and english["entry"]["id"] == "temu"


def test_ask_card_is_readable() -> None:
    out = omtanke("ask", "--lang", "en", "is", "temu", "ok").stdout.decode()
    assert "Temu" in out and "Why reconsider" in out and "Ask yourself" in out


def test_batch_on_hostile_input_keeps_one_line_per_input(tmp_path: Path) -> None:
    lines = [
        "stanley cup",
        "",
        "\x00\x01\x02\x1b[31m temu \x7f",
        "x" * 20_000,
        "temu " * 4000,
        "\u202e\u200f\u200b shein \u202c",
        "🛍️🛍️🤷‍♀️",
        "   ",
        "<b>&amp;</b> \"'` ; DROP TABLE questions; --",
        "مرحبا stanley",
        "line with \x0b vertical tab and \x0c form feed and \u2028 separator",
        "\ud7ff\ufffd",
        "is temu ok",
    ]
    raw = ("\n".join(lines) + "\n").encode("utf-8") + b"\xff\xfe not utf8\n\r\n"
    path = tmp_path / "questions.txt"
    path.write_bytes(raw)
    for source, stdin in ((str(path), None), ("-", raw)):
        result = omtanke("ask", "--json", "--batch", source, stdin=stdin)
        assert result.returncode == 0, result.stderr
        out = result.stdout.decode("utf-8").split("\n")
        assert out[-1] == ""
        rows = [json.loads(line) for line in out[:-1]]
        assert len(rows) == len(lines) + 2
        assert rows[0]["entry"]["id"] == "stanley-cup"
        assert rows[1]["kind"] == "empty" and rows[7]["kind"] == "empty"
        assert rows[2]["entry"]["id"] == "temu"
        assert rows[5]["entry"]["id"] == "shein"
        assert rows[6]["kind"] == "empty"
        assert rows[12]["entry"]["id"] == "temu"
        assert len(rows[3]["query"]) <= 1000


def test_kb_check_exit_codes_and_strict(tmp_path: Path) -> None:
    ok = omtanke("kb", "check", "--strict")
    assert ok.returncode == 0 and b"0 errors, 0 warnings" in ok.stdout
    kb = tmp_path / "kb"
    (kb / "home").mkdir(parents=True)
    good = (ROOT / "knowledge/entries/home/stanley-cup.yaml").read_text(encoding="utf-8")
    stale = re.sub(r"^reviewed: .*$", "reviewed: 2020-01-01", good, count=1, flags=re.M)
    (kb / "home" / "stanley-cup.yaml").write_text(stale, encoding="utf-8")
    warn = omtanke("kb", "check", str(kb))
    assert warn.returncode == 0 and b"warning: reviewed 2020-01-01" in warn.stdout
    assert omtanke("kb", "check", "--strict", str(kb)).returncode == 1
    (kb / "home" / "broken.yaml").write_text("title: {da: x\n", encoding="utf-8")
    bad = omtanke("kb", "check", str(kb))
    assert bad.returncode == 1 and b"broken.yaml:" in bad.stdout and b"Traceback" not in bad.stderr
    # KNOWLEDGE_DIR selects the knowledge base for every command; a broken one is one clear line.
    result = omtanke("ask", "stanley", env={"KNOWLEDGE_DIR": str(kb)})
    assert result.returncode == 2 and b"run `omtanke kb check`" in result.stderr
    assert b"Traceback" not in result.stderr


def test_kb_try_export_stale() -> None:
    out = omtanke("kb", "try", "stanly", "kop").stdout.decode()
    assert "1. " in out and "stanley-cup" in out and "matched" in out
    export = json.loads(omtanke("kb", "export").stdout)
    assert len(export) >= 130
    first = export[0]
    assert {
        "id",
        "category",
        "title",
        "verdict",
        "critique",
        "alternatives",
        "aliases",
        "sources",
        "reviewed",
    } <= set(first)
    assert "0 stale entries" in omtanke("kb", "stale").stdout.decode()


def test_schema_json_is_current() -> None:
    result = omtanke("kb", "schema")
    assert result.stdout.decode() == (ROOT / "knowledge" / "entries" / "schema.json").read_text(
        encoding="utf-8"
    ), "knowledge/entries/schema.json is stale: run `make schema`"


def test_bad_setting_is_one_line(tmp_path: Path) -> None:
    result = omtanke("ask", "temu", env={"TELEGRAM_BOT_TOKEN": "not-a-token"})
    assert result.returncode == 2
    assert (
        result.stderr.decode().strip()
        == "omtanke: TELEGRAM_BOT_TOKEN: does not look like a bot token from BotFather (digits:letters)"
    )
    result = omtanke("ask", "temu", env={"ADMIN_IDS": "12,abc"})
    assert (
        result.returncode == 2
        and b"ADMIN_IDS" in result.stderr
        and b"Traceback" not in result.stderr
    )
    # The doctor shows a bad setting as a failed line of its table (and skips what depends on it).
    result = omtanke("doctor", env={"DATABASE_URL": "mysql://x"}, cwd=tmp_path)
    out = result.stdout.decode()
    assert result.returncode == 1 and "FAIL  settings     DATABASE_URL: must start with" in out
    assert "database     skipped" in out and not list(tmp_path.iterdir())


def test_postgres_needs_a_secret(tmp_path: Path) -> None:
    result = omtanke(
        "run",
        env={"DATABASE_URL": "postgresql+asyncpg://postgres@127.0.0.1:5432/test"},
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert (
        b"OMTANKE_SECRET" in result.stderr and len(result.stderr.decode().strip().splitlines()) == 1
    )


def test_terminal_chat_uses_the_pipeline_and_database(tmp_path: Path) -> None:
    db = tmp_path / "chat.db"
    env = {"DATABASE_URL": f"sqlite+aiosqlite:///{db}"}
    result = omtanke(
        "run", stdin="skal jeg købe en stanley kop?\nhej\nquit\n".encode(), env=env, cwd=tmp_path
    )
    out = result.stdout.decode()
    assert result.returncode == 0, result.stderr
    assert "terminal chat" in out and "Stanley-kop" in out and "Hvad overvejer du" in out
    assert (tmp_path / "chat.db.key").exists()
    assert oct((tmp_path / "chat.db.key").stat().st_mode & 0o777) == "0o600"
    import sqlite3

    rows = (
        sqlite3.connect(db)
        .execute("select kind, entry_id, chat_type from questions order by created_at")
        .fetchall()
    )
    assert rows == [("answer", "stanley-cup", "terminal"), ("smalltalk", None, "terminal")]


@pytest.mark.parametrize("question", ["", "   "])
def test_ask_without_question(question: str) -> None:
    result = omtanke("ask", *([question] if question else []))
    assert result.returncode in (0, 2) and b"Traceback" not in result.stderr


def test_doctor_reports_each_check(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'doc.db'}"}
    before = omtanke("doctor", env=env, cwd=tmp_path)
    out = before.stdout.decode()
    assert (
        before.returncode == 0 and "warn  migrations   at nothing" in out
    )  # run migrates on start
    assert omtanke("db", "upgrade", env=env, cwd=tmp_path).returncode == 0
    after = omtanke("doctor", env={**env, "TELEGRAM_BOT_TOKEN": "123456:" + "A" * 35}, cwd=tmp_path)
    out = after.stdout.decode()
    assert after.returncode == 0, out
    for name in ("settings", "token", "mode", "secret", "database", "migrations", "knowledge"):
        assert any(line.split()[1:2] == [name] for line in out.splitlines()), name
    assert "A" * 35 not in out
    down = omtanke(
        "doctor",
        env={
            "DATABASE_URL": "postgresql+asyncpg://nobody@127.0.0.1:1/none",
            "OMTANKE_SECRET": "x" * 32,
        },
        cwd=tmp_path,
    )
    assert down.returncode == 1 and "FAIL  database     unreachable" in down.stdout.decode()
