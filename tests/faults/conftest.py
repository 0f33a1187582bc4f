"""The fault suite reuses the end-to-end harness of tests/bot (a running bot on the fake API)."""

from tests.bot.conftest import bot

__all__ = ["bot"]
