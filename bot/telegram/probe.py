"""Ask Telegram whether the bot token works (`getMe`), for `omtanke doctor`."""

from __future__ import annotations

from typing import Literal

from telegram import Bot
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.request import HTTPXRequest

from bot.core.settings import Settings

TokenCheck = tuple[Literal["ok", "rejected", "unreachable"], str]


PROBE_SECONDS = 5.0
"""How long the doctor waits for Telegram."""


async def check_token(settings: Settings) -> TokenCheck:
    """("ok", "@username"), ("rejected", reason) or ("unreachable", reason); never the token."""
    token = settings.token
    if token is None:
        return "unreachable", "no token"
    request = HTTPXRequest(connect_timeout=PROBE_SECONDS, read_timeout=PROBE_SECONDS)
    base_url = settings.telegram_api_base_url or "https://api.telegram.org/bot"
    bot = Bot(token, base_url=base_url, request=request)
    try:
        me = await bot.get_me()
    except InvalidToken:
        return "rejected", "Telegram rejected TELEGRAM_BOT_TOKEN – check it with BotFather"
    except NetworkError as exc:
        return "unreachable", f"Telegram unreachable ({type(exc).__name__})"
    except TelegramError as exc:
        return "unreachable", f"Telegram answered with an error ({type(exc).__name__})"
    finally:
        await request.shutdown()
    return "ok", f"@{me.username}"
