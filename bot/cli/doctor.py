"""`omtanke doctor`: one line per check, every problem a failed line, exit 1 when one fails."""

from __future__ import annotations

import argparse
import asyncio
from typing import TextIO

from bot.cli.errors import one_line
from bot.core.heartbeat import STALE_AFTER, heartbeat_age
from bot.core.ocr import ocr_available
from bot.core.services import DB_ERRORS
from bot.core.settings import Settings
from db.migrate import current, head
from db.pseudonym import SecretRequired, key_path, resolve_secret
from knowledge.loader import load_knowledge_base

MIN_SECRET_CHARS = 32
"""A shorter OMTANKE_SECRET is too easy to guess for a key."""


class Checks:
    """The doctor's table: one line per check, counting failures."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.failures = 0

    def line(self, ok: bool | None, name: str, detail: str) -> None:
        """ok (True), FAIL (False) or warn (None), the check's name and what was found."""
        mark = {True: "ok  ", False: "FAIL", None: "warn"}[ok]
        self.failures += ok is False
        self.out.write(f"{mark}  {name:<12} {detail}\n")


async def cmd_doctor(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    """One line per check: settings, token, mode, secret, database, migrations, knowledge base."""
    checks = Checks(out)
    problems: list[str] = getattr(args, "settings_problems", [])
    for problem in problems:
        checks.line(False, "settings", problem)
    if not problems:
        checks.line(True, "settings", "environment parsed")
    await _check_token(
        checks, settings, token_problem=any(p.startswith("TELEGRAM_BOT_TOKEN") for p in problems)
    )
    _check_mode(checks, settings)
    _check_polling(checks, settings)
    if any(p.startswith("DATABASE_URL") for p in problems):
        checks.line(None, "database", "skipped: DATABASE_URL is invalid")
    else:
        _check_secret(checks, settings)
        await _check_database(checks, settings)
    ocr = ocr_available()
    checks.line(
        None if ocr else True, "pictures", ocr or "tesseract reads Danish and English screenshots"
    )
    report = load_knowledge_base(settings.knowledge_root, cache_dir=settings.knowledge_cache_dir)
    if report.kb is not None:
        detail = f"{len(report.kb.entries)} entries, {len(report.warnings)} warnings ({settings.knowledge_root})"
        checks.line(True, "knowledge", detail)
    else:
        checks.line(False, "knowledge", f"{len(report.errors)} errors: run `omtanke kb check`")
    failures = checks.failures
    out.write("all checks passed\n" if failures == 0 else f"{failures} checks failed\n")
    return 1 if failures else 0


async def _check_token(checks: Checks, settings: Settings, *, token_problem: bool) -> None:
    if token_problem:
        return  # already a failed settings line
    if settings.token is None:
        checks.line(
            None, "token", "TELEGRAM_BOT_TOKEN not set: `omtanke run` starts the terminal chat"
        )
        return
    # Imported here: python-telegram-bot is only needed when there is a token to check.
    from bot.telegram.probe import check_token

    outcome, detail = await check_token(settings)
    checks.line({"ok": True, "rejected": False, "unreachable": None}[outcome], "token", detail)


def _check_mode(checks: Checks, settings: Settings) -> None:
    admins = f", {len(settings.admin_ids)} admins" if settings.admin_ids else ", no admins"
    if settings.webhook_url and not settings.webhook_url.startswith("https://"):
        checks.line(
            False, "mode", f"WEBHOOK_URL must be https:// for Telegram: {settings.webhook_url}"
        )
    else:
        mode = f"webhook {settings.webhook_url}" if settings.webhook_url else "polling"
        checks.line(True, "mode", mode + admins)
    if settings.match_answer_threshold < settings.match_suggest_threshold:
        checks.line(
            False,
            "thresholds",
            f"MATCH_ANSWER_THRESHOLD ({settings.match_answer_threshold:g}) is below "
            f"MATCH_SUGGEST_THRESHOLD ({settings.match_suggest_threshold:g}): no question would get a 'did you mean'",
        )


def _check_polling(checks: Checks, settings: Settings) -> None:
    """The heartbeat a polling `omtanke run` leaves (no line when none is running or it stopped)."""
    if settings.webhook_url:
        return
    age = heartbeat_age(settings.heartbeat_path)
    if age is None:
        return
    if age > STALE_AFTER:
        checks.line(
            False,
            "polling",
            f"no successful getUpdates for {age:.0f} s ({settings.heartbeat_path}): "
            "the bot is stuck, cannot reach Telegram, or was killed",
        )
    else:
        checks.line(True, "polling", f"last successful getUpdates {age:.0f} s ago")


def _check_secret(checks: Checks, settings: Settings) -> None:
    secret = settings.secret
    if secret:
        if len(secret) < MIN_SECRET_CHARS:
            checks.line(
                None,
                "secret",
                f"OMTANKE_SECRET has only {len(secret)} characters; use at least {MIN_SECRET_CHARS} "
                "(`openssl rand -hex 32`) – changing it later unlinks every stored user",
            )
        else:
            checks.line(True, "secret", "OMTANKE_SECRET set")
    elif settings.is_sqlite:
        path = key_path(settings.database_url)
        state = "exists" if path.exists() else "will be created"
        checks.line(None, "secret", f"OMTANKE_SECRET not set: key file {path} {state}")
    else:
        try:
            resolve_secret(settings.database_url, None)
        except SecretRequired as exc:
            checks.line(False, "secret", str(exc))


async def _check_database(checks: Checks, settings: Settings) -> None:
    try:
        revision = await asyncio.wait_for(current(settings.database_url), timeout=10)
    except DB_ERRORS as exc:
        checks.line(False, "database", f"unreachable: {one_line(exc)}")
        return
    checks.line(True, "database", f"reachable ({settings.database_url.split('://')[0]})")
    newest = head()
    if revision == newest:
        checks.line(True, "migrations", f"at head {newest}")
    else:
        checks.line(
            False if revision else None,
            "migrations",
            f"at {revision or 'nothing'}, head is {newest}: run `omtanke db upgrade` (run does it on start)",
        )
