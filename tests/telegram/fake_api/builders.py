"""Test data: the fake bot's identity, users and chats, small helpers."""

from __future__ import annotations

import datetime as dtm
import socket

from telegram import (
    Chat,
    User,
)

BOT_ID = 999
BOT_USERNAME = "omtanke_test_bot"
BOT_FIRST_NAME = "Omtanke Test"
DEFAULT_TOKEN = f"{BOT_ID}:AAFakeTokenForOmtankeTests_0123456789"

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64

# The smallest valid PNG (1x1, transparent) - handy for send_photo and for bots sending images.
TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000005000175a7d9f60000000049454e44ae426082"
)
TINY_OGG = b"OggS\x00\x02" + b"\x00" * 58  # enough to look like a voice note

_DEFAULT_UPDATE_TYPES_EXCLUDED = {"chat_member", "message_reaction", "message_reaction_count"}
_CHAT_ACTIONS = {
    "typing",
    "upload_photo",
    "record_video",
    "upload_video",
    "record_voice",
    "upload_voice",
    "upload_document",
    "choose_sticker",
    "find_location",
    "record_video_note",
    "upload_video_note",
}
# Parameters that are plain strings in the Bot API: never JSON-decode them (a text "123" or
# "true" must stay a string). Everything else sent form-encoded is JSON-decoded when possible.
_STRING_PARAMS = {
    "text", "caption", "parse_mode", "query", "callback_query_id", "inline_query_id", "url",
    "secret_token", "ip_address", "action", "language_code", "next_offset", "switch_pm_text",
    "switch_pm_parameter", "inline_message_id", "message_effect_id", "business_connection_id",
    "emoji", "title", "description", "short_description", "name", "file_id", "question",
    "explanation", "address", "first_name", "last_name", "phone_number", "vcard", "custom_title",
    "payload", "currency", "provider_token", "start_parameter", "sticker_set_name", "performer",
    "photo", "document", "sticker", "voice", "audio", "video", "animation", "video_note",
    "thumbnail", "cover", "file_name", "foursquare_id", "foursquare_type", "google_place_id",
    "google_place_type",
}  # fmt: skip
_INT_OR_USERNAME_PARAMS = {"chat_id", "from_chat_id"}

_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
_QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"


# --------------------------------------------------------------------------------------------
# small public helpers


def make_user(
    id: int,
    first_name: str = "Test",
    language_code: str | None = "en",
    *,
    username: str | None = None,
    last_name: str | None = None,
    is_premium: bool | None = None,
) -> User:
    """A human Telegram user."""
    return User(
        id=id,
        first_name=first_name,
        is_bot=False,
        last_name=last_name,
        username=username,
        language_code=language_code,
        is_premium=is_premium,
    )


def make_group(
    id: int = -1001234567890,
    title: str = "Test group",
    *,
    type: str = Chat.SUPERGROUP,
    username: str | None = None,
) -> Chat:
    """A group or supergroup chat (ids of supergroups start with -100)."""
    return Chat(id=id, type=type, title=title, username=username)


def private_chat(user: User) -> Chat:
    return Chat(
        id=user.id,
        type=Chat.PRIVATE,
        first_name=user.first_name,
        last_name=user.last_name,
        username=user.username,
    )


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free right now (for the bot's webhook server)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of MessageEntity offsets."""
    return len(text.encode("utf-16-le")) // 2


def _now() -> dtm.datetime:
    return dtm.datetime.now(dtm.UTC).replace(microsecond=0)
