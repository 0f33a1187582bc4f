"""What the fake server records and raises: API errors, calls, uploads, webhook deliveries."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from telegram import (
    Message,
    Update,
)


class ApiError(Exception):
    """Raise from a custom method handler (see ``FakeTelegramServer.on``) to answer an error."""

    def __init__(
        self, error_code: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.parameters:
            data["parameters"] = self.parameters
        return data


def bad_request(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


def _entities_error(detail: str) -> ApiError:
    return bad_request(f"can't parse entities: {detail}")


@dataclass(frozen=True)
class UploadedFile:
    """One multipart part as received by the server."""

    field: str
    filename: str
    content_type: str
    data: bytes


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    data: bytes | None
    file_path: str
    mime_type: str | None = None


@dataclass
class Call:
    """One request the bot made, with the server's answer.

    ``params`` are JSON-decoded (``reply_markup``, ``entities``, ``results``, ``commands``, ...
    are dicts/lists; ints are ints). ``text`` is the raw text/caption the bot sent (HTML and
    all); ``message`` is the ``telegram.Message`` the server answered with (tags stripped,
    entities computed), for methods that return a message.
    """

    index: int
    method: str
    params: dict[str, Any]
    files: dict[str, UploadedFile] = field(default_factory=dict)
    http_status: int = 200
    result: Any = None
    error: dict[str, Any] | None = None
    message: Message | None = None
    token: str = ""

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def description(self) -> str | None:
        return None if self.error is None else self.error.get("description")

    @property
    def text(self) -> str | None:
        return self.params.get("text", self.params.get("caption"))

    @property
    def plain_text(self) -> str | None:
        """The text as the user sees it (HTML tags stripped, entities decoded)."""
        if self.message is None:
            return None
        return self.message.text if self.message.text is not None else self.message.caption

    @property
    def chat_id(self) -> int | str | None:
        return self.params.get("chat_id")

    @property
    def reply_markup(self) -> dict[str, Any] | None:
        markup = self.params.get("reply_markup")
        return markup if isinstance(markup, dict) else None

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """All inline keyboard buttons (as dicts), row by row."""
        markup = self.reply_markup or {}
        return [b for row in markup.get("inline_keyboard", []) for b in row]

    @property
    def callback_data(self) -> list[str]:
        return [b["callback_data"] for b in self.buttons if "callback_data" in b]

    def __repr__(self) -> str:
        status = "ok" if self.ok else f"{self.http_status} {self.description!r}"
        shown = {k: v for k, v in self.params.items() if k in ("chat_id", "text", "caption")}
        return f"<Call #{self.index} {self.method} {shown} -> {status}>"


@dataclass
class WebhookDelivery:
    update: Update
    status_code: int
    body: str


@dataclass
class _Fault:
    error_code: int | None
    description: str | None
    retry_after: float | None
    remaining: int
    delay: float = 0.0
