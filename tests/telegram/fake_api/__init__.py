"""A small fake Telegram Bot API server for end-to-end tests.

The bot under test keeps its real :class:`telegram.ext.Application`; only the network end is
swapped::

    app = (
        Application.builder()
        .token(server.token)
        .base_url(server.base_url)            # f"{server.url}/bot"
        .base_file_url(server.base_file_url)  # f"{server.url}/file/bot"
        .build()
    )

The server listens on 127.0.0.1 (free port) inside the running event loop (tornado). Every
answer is built from PTB's own classes (``Message``, ``User``, ``Chat``, ``Update``, ...)
serialised with ``.to_dict()``, so the JSON has the real shape.

Driving the bot: ``send_text``, ``send_sticker``, ``send_photo``, ``send_voice``,
``send_document``, ``edit_text``, ``inline_query``, ``chosen_inline_result``, ``click``,
``block``/``unblock``, ``send_update``. In polling mode they queue an update for getUpdates; once
the bot has called setWebhook they POST it to the webhook URL (with the secret token header).

Running the bot: ``async with server.running(app):`` (or ``running(app, webhook=True)``) does
what ``run_polling``/``run_webhook`` do (hooks included) without blocking the test.

Observing the bot: ``calls`` (every request, in order), ``calls_of``, ``wait_for``,
``expect_no_call``, ``history`` (what the chat shows now), ``files`` (uploaded bytes).

Misbehaving on purpose: ``fail_next`` (429 with retry_after, 400, 403, 500, ...), ``delay_next``;
plus cheap validations of the real server (text length, callback_data length, HTML entities,
MarkdownV2 reserved characters, "message is not modified", unknown callback query ids, ...).
"""

from tests.telegram.fake_api.builders import (
    BOT_FIRST_NAME,
    BOT_ID,
    BOT_USERNAME,
    DEFAULT_TOKEN,
    MAX_CALLBACK_DATA_BYTES,
    MAX_CAPTION_LENGTH,
    MAX_TEXT_LENGTH,
    TINY_OGG,
    TINY_PNG,
    free_port,
    make_group,
    make_user,
    private_chat,
    utf16_len,
)
from tests.telegram.fake_api.markup import (
    check_markdown_v2,
    detect_entities,
    parse_html,
)
from tests.telegram.fake_api.records import (
    ApiError,
    Call,
    StoredFile,
    UploadedFile,
    WebhookDelivery,
    bad_request,
)
from tests.telegram.fake_api.server import (
    ChatRef,
    FakeTelegramServer,
    Handler,
    MessageRef,
)

__all__ = [
    "BOT_FIRST_NAME",
    "BOT_ID",
    "BOT_USERNAME",
    "DEFAULT_TOKEN",
    "MAX_CALLBACK_DATA_BYTES",
    "MAX_CAPTION_LENGTH",
    "MAX_TEXT_LENGTH",
    "TINY_OGG",
    "TINY_PNG",
    "ApiError",
    "Call",
    "ChatRef",
    "FakeTelegramServer",
    "Handler",
    "MessageRef",
    "StoredFile",
    "UploadedFile",
    "WebhookDelivery",
    "bad_request",
    "check_markdown_v2",
    "detect_entities",
    "free_port",
    "make_group",
    "make_user",
    "parse_html",
    "private_chat",
    "utf16_len",
]
