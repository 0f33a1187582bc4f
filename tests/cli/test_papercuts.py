"""Small things that make the command line pleasant (issue: papercuts for operators and CLI users)."""

from __future__ import annotations

from pathlib import Path

from tests.cli.test_cli import ROOT, omtanke


def test_missing_batch_file_is_one_line() -> None:
    result = omtanke("ask", "--json", "--batch", "/nonexistent.txt")
    assert result.returncode == 2
    assert (
        result.stderr.decode().strip()
        == "omtanke: cannot read /nonexistent.txt: No such file or directory"
    )


def test_chart_into_a_missing_folder_fails_before_anything_is_printed(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 's.db'}"}
    assert omtanke("db", "upgrade", env=env, cwd=tmp_path).returncode == 0
    result = omtanke("stats", "--chart", "nodir/c.png", env=env, cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == b""
    assert (
        result.stderr.decode().strip()
        == "omtanke: cannot write the chart: folder nodir does not exist"
    )


def test_database_errors_are_one_line_without_background_link(tmp_path: Path) -> None:
    env = {
        "DATABASE_URL": "postgresql+asyncpg://nobody@127.0.0.1:1/none",
        "OMTANKE_SECRET": "x" * 40,
    }
    result = omtanke("stats", env=env, cwd=tmp_path)
    err = result.stderr.decode().strip()
    assert result.returncode == 2 and err.startswith("omtanke: cannot read statistics: ")
    assert (
        len(err.splitlines()) == 1
        and "Background on this error" not in err
        and "Traceback" not in err
    )


def test_doctor_shows_every_problem_as_a_line(tmp_path: Path) -> None:
    env = {
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'd.db'}",
        "TELEGRAM_BOT_TOKEN": "not-a-token",
        "OMTANKE_SECRET": "abc",
        "WEBHOOK_URL": "http://bot.example.org/telegram",
        "MATCH_ANSWER_THRESHOLD": "60",
        "MATCH_SUGGEST_THRESHOLD": "80",
    }
    result = omtanke("doctor", env=env, cwd=tmp_path)
    lines = result.stdout.decode().splitlines()
    assert result.returncode == 1
    assert (
        "FAIL  settings     TELEGRAM_BOT_TOKEN: does not look like a bot token from BotFather (digits:letters)"
        in lines
    )
    assert (
        "FAIL  mode         WEBHOOK_URL must be https:// for Telegram: http://bot.example.org/telegram"
        in lines
    )
    assert any(
        line.startswith(
            "FAIL  thresholds   MATCH_ANSWER_THRESHOLD (60) is below MATCH_SUGGEST_THRESHOLD (80)"
        )
        for line in lines
    )
    assert any(
        line.startswith("warn  secret       OMTANKE_SECRET has only 3 characters; use at least 32")
        for line in lines
    )
    assert any(
        line.startswith("ok    knowledge") for line in lines
    )  # the table goes on after a bad setting
    assert lines[-1] == "3 checks failed"


def test_stats_flags_have_help_and_the_title_does_not_wrap(tmp_path: Path) -> None:
    help_text = omtanke("stats", "--help").stdout.decode()
    for flag, words in (
        ("--days", "period"),
        ("--json", "JSON"),
        ("--csv", "CSV"),
        ("--chart", "PNG"),
        ("--html", "self-contained"),
    ):
        assert flag in help_text and words in help_text
    env = {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 's.db'}"}
    omtanke("db", "upgrade", env=env, cwd=tmp_path)
    out = omtanke("stats", "--days", "30", env=env, cwd=tmp_path).stdout.decode()
    assert out.splitlines()[0].startswith("Omtanke – last 30 days (since 20") and out.splitlines()[
        0
    ].endswith(")")
    gaps = omtanke("kb", "gaps", "--days", "1", env=env, cwd=tmp_path).stdout.decode()
    assert gaps.splitlines() == [
        "Unanswered questions, the last day: 0 groups from 0 questions",
        "",
        "Answered but maybe wrong (👎, “Not what I meant”, or a score under 90): 0",
    ]


def test_dotenv_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("RETENTION_DAYS=abc\n", encoding="utf-8")
    result = omtanke("kb", "stale", cwd=tmp_path)
    assert result.returncode == 2 and b"RETENTION_DAYS" in result.stderr


def test_setup_output_is_quiet() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    install_lines = [line for line in makefile.splitlines() if "pip install" in line]
    assert install_lines and all(" -qq " in line for line in install_lines)
