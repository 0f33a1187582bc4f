"""The fake Bot API server itself: the HTTP routes, the method implementations and the
driving/observing API the tests use (see the package docstring for how to use it)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import inspect
import itertools
import json
import re
import socket
from collections.abc import AsyncIterator, Callable, Iterable
from typing import TYPE_CHECKING, Any

import httpx
import tornado.httpserver
import tornado.httputil
import tornado.iostream
import tornado.netutil
import tornado.web
from telegram import (
    AcceptedGiftTypes,
    Animation,
    Audio,
    CallbackQuery,
    Chat,
    ChatFullInfo,
    ChatMemberBanned,
    ChatMemberMember,
    ChatMemberUpdated,
    ChosenInlineResult,
    Document,
    File,
    InlineKeyboardMarkup,
    InlineQuery,
    Message,
    MessageEntity,
    PhotoSize,
    Sticker,
    TelegramObject,
    Update,
    User,
    Video,
    Voice,
    WebhookInfo,
)

if TYPE_CHECKING:
    from telegram.ext import Application, ApplicationBuilder


from tests.telegram.fake_api.builders import (
    _CHAT_ACTIONS,
    _DEFAULT_UPDATE_TYPES_EXCLUDED,
    _INT_OR_USERNAME_PARAMS,
    _NOT_MODIFIED,
    _QUERY_TOO_OLD,
    _STRING_PARAMS,
    BOT_FIRST_NAME,
    BOT_ID,
    BOT_USERNAME,
    DEFAULT_TOKEN,
    MAX_CALLBACK_DATA_BYTES,
    MAX_CAPTION_LENGTH,
    MAX_TEXT_LENGTH,
    TINY_OGG,
    TINY_PNG,
    _now,
    free_port,
    make_group,
    make_user,
    private_chat,
)
from tests.telegram.fake_api.markup import (
    _image_size,
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
    _Fault,
    bad_request,
)

MessageRef = Message | Update | Call | tuple[int, int]
ChatRef = Chat | int | None
Handler = Callable[[dict[str, Any], dict[str, UploadedFile]], Any]


class _ApiRequestHandler(tornado.web.RequestHandler):
    def initialize(self, server: FakeTelegramServer) -> None:
        self.server = server

    async def get(self, token: str, method: str) -> None:
        status, payload = await self.server._handle_request(token, method, self.request)
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        with contextlib.suppress(tornado.iostream.StreamClosedError):
            await self.finish(json.dumps(payload, ensure_ascii=False))

    post = get

    def on_connection_close(self) -> None:  # the bot gave up on a long poll; nothing to do
        pass


class _FileRequestHandler(tornado.web.RequestHandler):
    def initialize(self, server: FakeTelegramServer) -> None:
        self.server = server

    async def get(self, token: str, file_path: str) -> None:
        stored = next((f for f in self.server.files.values() if f.file_path == file_path), None)
        if stored is None or stored.data is None:
            self.set_status(404)
            await self.finish(
                json.dumps({"ok": False, "error_code": 404, "description": "Not Found"})
            )
            return
        self.set_header("Content-Type", stored.mime_type or "application/octet-stream")
        await self.finish(stored.data)


class FakeTelegramServer:
    """A loopback Telegram Bot API for one test. ``await start()`` / ``await stop()``."""

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        bot_id: int = BOT_ID,
        bot_username: str = BOT_USERNAME,
        bot_first_name: str = BOT_FIRST_NAME,
        check_token: bool = False,
        strict_chats: bool = False,
        host: str = "127.0.0.1",
    ) -> None:
        self.token = token
        self.check_token = check_token
        #: if True, sending to a chat the server never saw answers 400 "chat not found"
        self.strict_chats = strict_chats
        self.host = host
        self.port = 0
        self.bot_user = User(
            id=bot_id,
            first_name=bot_first_name,
            is_bot=True,
            username=bot_username,
            can_join_groups=True,
            can_read_all_group_messages=False,
            supports_inline_queries=True,
        )
        self.default_user = make_user(1001, "Alice", "en", username="alice_tester")

        self.calls: list[Call] = []
        self.pending_updates: list[Update] = []  # not yet confirmed by getUpdates' offset
        self.sent_updates: list[Update] = []  # everything the driving helpers produced
        self.deliveries: list[WebhookDelivery] = []
        self.internal_errors: list[BaseException] = []
        self.files: dict[str, StoredFile] = {}
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}
        self.bot_profile: dict[str, str] = {}
        self.callback_answers: dict[str, dict[str, Any]] = {}
        self.inline_answers: dict[str, dict[str, Any]] = {}
        self.blocked: set[int] = set()

        self.webhook_url: str | None = None
        self.webhook_secret: str | None = None
        self.webhook_max_connections = 40
        self.allowed_updates: list[str] | None = None

        self._messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._chats: dict[int, Chat] = {}
        self._next_message_id: dict[int, int] = {}
        self._update_ids = itertools.count(1)
        self._ids = itertools.count(1)
        self._callback_queries: dict[str, bool] = {}  # id -> answered
        self._inline_queries: dict[str, bool] = {}
        self._faults: dict[str, list[_Fault]] = {}
        self._custom: dict[str, Handler] = {}
        self._consumed: set[int] = set()
        self._updates_changed = asyncio.Event()
        self._calls_changed = asyncio.Event()
        self._closing = False
        self._http: tornado.httpserver.HTTPServer | None = None
        self._client: httpx.AsyncClient | None = None
        self._builtin: dict[str, Callable[..., Any]] = {
            "getMe": self._get_me,
            "logOut": self._true,
            "close": self._true,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "deleteMessages": self._delete_messages,
            "answerCallbackQuery": self._answer_callback_query,
            "answerInlineQuery": self._answer_inline_query,
            "sendPhoto": self._send_media,
            "sendDocument": self._send_media,
            "sendSticker": self._send_media,
            "sendVoice": self._send_media,
            "sendAudio": self._send_media,
            "sendVideo": self._send_media,
            "sendAnimation": self._send_media,
            "sendChatAction": self._send_chat_action,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setChatMenuButton": self._set_chat_menu_button,
            "getChatMenuButton": self._get_chat_menu_button,
            "setMyDescription": self._set_profile,
            "setMyShortDescription": self._set_profile,
            "setMyName": self._set_profile,
            "getMyDescription": self._get_profile,
            "getMyShortDescription": self._get_profile,
            "getMyName": self._get_profile,
            "getFile": self._get_file,
            "getChat": self._get_chat,
            "pinChatMessage": self._true,
            "unpinChatMessage": self._true,
            "setMessageReaction": self._true,
        }
        self._canonical = {name.lower(): name for name in self._builtin}

    # ---- lifecycle ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    async def start(self) -> FakeTelegramServer:
        app = tornado.web.Application(
            [
                (r"/bot([^/]*)/([A-Za-z0-9_]+)/?", _ApiRequestHandler, {"server": self}),
                (r"/file/bot([^/]*)/(.+)", _FileRequestHandler, {"server": self}),
            ],
            log_function=lambda handler: None,
        )
        sockets = tornado.netutil.bind_sockets(0, self.host, family=socket.AF_INET)
        self.port = int(sockets[0].getsockname()[1])
        self._http = tornado.httpserver.HTTPServer(app)
        self._http.add_sockets(sockets)
        self._client = httpx.AsyncClient(timeout=10, trust_env=False)
        self._closing = False
        return self

    async def stop(self) -> None:
        self._closing = True
        self._notify_updates()
        if self._http is not None:
            self._http.stop()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._http.close_all_connections(), 3)
            self._http = None
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def __aenter__(self) -> FakeTelegramServer:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # convenience constructors, so tests need not import this module
    make_user = staticmethod(make_user)
    make_group = staticmethod(make_group)
    free_port = staticmethod(free_port)

    def app_builder(self) -> ApplicationBuilder[Any, Any, Any, Any, Any, Any]:
        """``Application.builder()`` already pointed at this server (token, base urls)."""
        from telegram.ext import Application

        return (
            Application.builder()
            .token(self.token)
            .base_url(self.base_url)
            .base_file_url(self.base_file_url)
        )

    @contextlib.asynccontextmanager
    async def running(
        self,
        app: Application[Any, Any, Any, Any, Any, Any],
        *,
        webhook: bool = False,
        secret_token: str | None = "fake_api_secret",
        poll_timeout: int = 1,
    ) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
        """Run ``app`` the way ``run_polling``/``run_webhook`` would, inside the test's loop.

        Order as in PTB: initialize, post_init, updater.start_polling (poll_interval=0) or
        start_webhook (127.0.0.1, free port, ``secret_token``), start; on exit updater.stop,
        stop, post_stop, shutdown, post_shutdown.
        """
        updater = app.updater
        if updater is None:
            raise ValueError("the Application was built with .updater(None)")
        await app.initialize()
        try:
            if app.post_init:
                await app.post_init(app)
            if webhook:
                port = free_port(self.host)
                await updater.start_webhook(
                    listen=self.host,
                    port=port,
                    url_path="webhook",
                    webhook_url=f"http://{self.host}:{port}/webhook",
                    secret_token=secret_token,
                )
            else:
                await updater.start_polling(poll_interval=0, timeout=poll_timeout)
            await app.start()
            try:
                yield app
            finally:
                if updater.running:
                    await updater.stop()
                if app.running:
                    await app.stop()
                if app.post_stop:
                    await app.post_stop(app)
        finally:
            if updater.running:
                await updater.stop()
            await app.shutdown()
            if app.post_shutdown:
                await app.post_shutdown(app)

    # ---- configuration -------------------------------------------------------------------------

    def on(self, method: str, handler: Handler) -> None:
        """Add or override a method: ``handler(params, files)`` (sync or async) returns the
        result (JSON-able or a TelegramObject) or raises ``ApiError``."""
        name = self._canon(method) or method
        self._custom[name] = handler
        self._canonical[name.lower()] = name

    def fail_next(
        self,
        method: str,
        error_code: int = 429,
        retry_after: float | None = 1,
        *,
        times: int = 1,
        description: str | None = None,
    ) -> None:
        """The next ``times`` calls of ``method`` ("*" = any method) fail with ``error_code``.

        429 answers ``{"description": "Too Many Requests: retry after N",
        "parameters": {"retry_after": N}}``; other codes use the usual descriptions
        (400 Bad Request, 403 Forbidden, 500 Internal Server Error, ...).
        """
        name = "*" if method == "*" else (self._canon(method) or method)
        self._faults.setdefault(name, []).append(
            _Fault(error_code, description, retry_after if error_code == 429 else None, times)
        )

    def delay_next(self, method: str, seconds: float, *, times: int = 1) -> None:
        """Answer the next ``times`` calls of ``method`` only after ``seconds``."""
        name = "*" if method == "*" else (self._canon(method) or method)
        self._faults.setdefault(name, []).append(_Fault(None, None, None, times, seconds))

    def clear(self) -> None:
        """Forget recorded calls (messages, chats and webhook state stay)."""
        self.calls.clear()
        self._consumed.clear()

    # ---- observing -----------------------------------------------------------------------------

    def calls_of(self, method: str, predicate: Callable[[Call], bool] | None = None) -> list[Call]:
        name = self._canon(method) or method
        return [c for c in self.calls if c.method == name and (predicate is None or predicate(c))]

    async def wait_for(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - the API the tests asked for
    ) -> Call:
        """The first call of ``method`` matching ``predicate`` not yet returned by ``wait_for``.

        Already recorded calls count, so there is no race with the bot. Consecutive
        ``wait_for("sendMessage")`` return consecutive messages. Failed calls (429, 400, ...)
        match too: check ``call.ok``. Raises AssertionError after ``timeout`` seconds.
        """
        name = self._canon(method) or method
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for call in self.calls:
                if (
                    call.index not in self._consumed
                    and call.method == name
                    and (predicate is None or predicate(call))
                ):
                    self._consumed.add(call.index)
                    return call
            remaining = deadline - loop.time()
            if remaining <= 0:
                recent = [c for c in self.calls if c.method != "getUpdates"][-10:]
                raise AssertionError(
                    f"no {name} call{' matching the predicate' if predicate else ''} within "
                    f"{timeout}s; recent calls: {recent}; internal errors: {self.internal_errors}"
                )
            event = self._calls_changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    async def expect_no_call(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        within: float = 0.3,
    ) -> None:
        """Assert that no (not yet consumed) matching call arrives within ``within`` seconds."""
        try:
            call = await self.wait_for(method, predicate, timeout=within)
        except AssertionError:
            return
        raise AssertionError(f"unexpected call: {call!r}")

    def message(self, chat: ChatRef | User, message_id: int) -> Message | None:
        """The current state of a stored message (None if deleted/unknown)."""
        data = self._messages.get((self._chat_id(chat), message_id))
        return None if data is None else Message.de_json(data, None)

    def history(self, chat: ChatRef | User = None) -> list[Message]:
        """What the chat shows now (user and bot messages, after edits and deletions)."""
        chat_id = self._chat_id(chat)
        keys = sorted(k for k in self._messages if k[0] == chat_id)
        return [Message.de_json(self._messages[k], None) for k in keys]

    # ---- driving -------------------------------------------------------------------------------

    async def send_text(
        self,
        text: str,
        user: User | None = None,
        chat: ChatRef = None,
        *,
        reply_to: MessageRef | None = None,
        entities: Iterable[MessageEntity] | None = None,
    ) -> Update:
        """A user writes ``text`` (private chat by default). Commands, @mentions and URLs get
        their entities like in real Telegram; pass ``entities`` to override."""
        ents = list(entities) if entities is not None else detect_entities(text)
        return await self._user_message(user, chat, reply_to, text=text, entities=ents or None)

    async def send_sticker(
        self,
        emoji: str = "👍",
        user: User | None = None,
        chat: ChatRef = None,
        *,
        set_name: str | None = "TestStickers",
        is_animated: bool = False,
        is_video: bool = False,
    ) -> Update:
        file_id, unique = self._store_file("sticker", None, "sticker.webp", "image/webp")
        sticker = Sticker(
            file_id=file_id,
            file_unique_id=unique,
            width=512,
            height=512,
            is_animated=is_animated,
            is_video=is_video,
            type=Sticker.REGULAR,
            emoji=emoji,
            set_name=set_name,
        )
        return await self._user_message(user, chat, None, sticker=sticker)

    async def send_photo(
        self,
        data: bytes = TINY_PNG,
        user: User | None = None,
        chat: ChatRef = None,
        *,
        caption: str | None = None,
    ) -> Update:
        """A user sends a photo; the bytes can be downloaded via getFile (largest size)."""
        width, height = _image_size(data) or (800, 600)
        thumb_width = min(90, width)
        sizes = [
            self._photo_size(data, thumb_width, max(1, thumb_width * height // max(width, 1))),
            self._photo_size(data, width, height),
        ]
        return await self._user_message(
            user, chat, None, photo=sizes, caption=caption,
            caption_entities=detect_entities(caption) if caption else None,
        )  # fmt: skip

    async def send_voice(
        self,
        data: bytes = TINY_OGG,
        user: User | None = None,
        chat: ChatRef = None,
        *,
        duration: int = 2,
    ) -> Update:
        file_id, unique = self._store_file("voice", data, "voice.oga", "audio/ogg")
        voice = Voice(file_id, unique, duration, mime_type="audio/ogg", file_size=len(data))
        return await self._user_message(user, chat, None, voice=voice)

    async def send_document(
        self,
        data: bytes = b"hello\n",
        user: User | None = None,
        chat: ChatRef = None,
        *,
        file_name: str = "notes.txt",
        mime_type: str = "text/plain",
        caption: str | None = None,
    ) -> Update:
        file_id, unique = self._store_file("document", data, file_name, mime_type)
        doc = Document(
            file_id, unique, file_name=file_name, mime_type=mime_type, file_size=len(data)
        )
        return await self._user_message(user, chat, None, document=doc, caption=caption)

    async def edit_text(
        self,
        message: MessageRef,
        new_text: str,
        *,
        entities: Iterable[MessageEntity] | None = None,
    ) -> Update:
        """The user edits one of their own text messages (an ``edited_message`` update)."""
        chat_id, message_id = self._message_key(message)
        data = self._messages.get((chat_id, message_id))
        if data is None:
            raise AssertionError(f"message {message_id} in chat {chat_id} not found")
        ents = list(entities) if entities is not None else detect_entities(new_text)
        data = dict(data, text=new_text, edit_date=int(_now().timestamp()))
        data.pop("entities", None)
        if ents:
            data["entities"] = [e.to_dict() for e in ents]
        self._messages[(chat_id, message_id)] = data
        update = Update(next(self._update_ids), edited_message=Message.de_json(data, None))
        return await self._deliver(update)

    async def inline_query(
        self,
        query: str,
        user: User | None = None,
        *,
        offset: str = "",
        chat_type: str | None = "sender",
    ) -> Update:
        query_id = str(next(self._ids) + 10**15)
        self._inline_queries[query_id] = False
        iq = InlineQuery(query_id, user or self.default_user, query, offset, chat_type=chat_type)
        return await self._deliver(Update(next(self._update_ids), inline_query=iq))

    async def chosen_inline_result(
        self,
        result_id: str,
        query: str = "",
        user: User | None = None,
        *,
        inline_message_id: str | None = None,
    ) -> Update:
        chosen = ChosenInlineResult(
            result_id, user or self.default_user, query, inline_message_id=inline_message_id
        )
        return await self._deliver(Update(next(self._update_ids), chosen_inline_result=chosen))

    async def click(
        self,
        message: MessageRef,
        callback_data: str | None = None,
        user: User | None = None,
        *,
        text: str | None = None,
        check: bool = True,
    ) -> Update:
        """A user presses an inline button of a bot message (identified by ``callback_data`` or
        by the button ``text``). The callback query carries the message as it is *now* (after
        edits). With ``check`` (default) the button must exist on the message."""
        chat_id, message_id = self._message_key(message)
        data = self._messages.get((chat_id, message_id))
        if data is None:
            raise AssertionError(f"message {message_id} in chat {chat_id} not found (deleted?)")
        buttons = [
            b for row in data.get("reply_markup", {}).get("inline_keyboard", []) for b in row
        ]
        if text is not None:
            button = next((b for b in buttons if b.get("text") == text), None)
            if button is None or "callback_data" not in button:
                raise AssertionError(f"no callback button {text!r}; buttons: {buttons}")
            callback_data = button["callback_data"]
        if callback_data is None:
            raise TypeError("click() needs callback_data or text")
        if check and not any(b.get("callback_data") == callback_data for b in buttons):
            raise AssertionError(
                f"message {message_id} has no button with callback_data {callback_data!r}; "
                f"buttons: {buttons}"
            )
        query_id = str(next(self._ids) + 10**15)
        self._callback_queries[query_id] = False
        query = CallbackQuery(
            id=query_id,
            from_user=user or self.default_user,
            chat_instance=str(-chat_id * 7 + 1),
            message=Message.de_json(data, None),
            data=callback_data,
        )
        return await self._deliver(Update(next(self._update_ids), callback_query=query))

    async def block(self, user: User | None = None) -> Update:
        """The user blocks the bot: my_chat_member update; later sends answer 403."""
        user = user or self.default_user
        self.blocked.add(user.id)
        return await self._member_change(user, blocked=True)

    async def unblock(self, user: User | None = None) -> Update:
        user = user or self.default_user
        self.blocked.discard(user.id)
        return await self._member_change(user, blocked=False)

    async def send_update(self, update: Update | dict[str, Any]) -> Update:
        """Deliver any update (a dict without ``update_id`` gets the next id)."""
        if isinstance(update, dict):
            update = Update.de_json({"update_id": next(self._update_ids), **update}, None)
        return await self._deliver(update)

    # ---- driving internals ---------------------------------------------------------------------

    async def _user_message(
        self, user: User | None, chat: ChatRef, reply_to: MessageRef | None, **content: Any
    ) -> Update:
        user = user or self.default_user
        resolved = self._register_chat(private_chat(user) if chat is None else chat)
        reply = None
        if reply_to is not None:
            reply = self._stored_message(*self._message_key(reply_to), nested=True)
        msg = Message(
            message_id=self._new_message_id(resolved.id),
            date=_now(),
            chat=resolved,
            from_user=user,
            reply_to_message=reply,
            **content,
        )
        self._messages[(resolved.id, msg.message_id)] = msg.to_dict()
        return await self._deliver(Update(next(self._update_ids), message=msg))

    async def _member_change(self, user: User, *, blocked: bool) -> Update:
        bot = self.bot_user
        member = ChatMemberMember(bot)
        banned = ChatMemberBanned(bot, until_date=dtm.datetime.fromtimestamp(0, dtm.UTC))
        change = ChatMemberUpdated(
            chat=self._register_chat(private_chat(user)),
            from_user=user,
            date=_now(),
            old_chat_member=member if blocked else banned,
            new_chat_member=banned if blocked else member,
        )
        return await self._deliver(Update(next(self._update_ids), my_chat_member=change))

    def _photo_size(self, data: bytes, width: int, height: int) -> PhotoSize:
        file_id, unique = self._store_file("photo", data, "photo.jpg", "image/jpeg")
        return PhotoSize(file_id, unique, width, height, file_size=len(data))

    async def _deliver(self, update: Update) -> Update:
        self.sent_updates.append(update)
        if not self._allowed(update):
            return update  # dropped, like Telegram does for types not in allowed_updates
        if self.webhook_url:
            assert self._client is not None, "server not started"
            headers = {"Content-Type": "application/json"}
            if self.webhook_secret:
                headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook_secret
            body = json.dumps(update.to_dict(), ensure_ascii=False).encode()
            response = await self._client.post(self.webhook_url, content=body, headers=headers)
            self.deliveries.append(WebhookDelivery(update, response.status_code, response.text))
        else:
            self.pending_updates.append(update)
            self._notify_updates()
        return update

    def _allowed(self, update: Update) -> bool:
        kind = next(k for k in update.to_dict() if k != "update_id")
        if self.allowed_updates:
            return kind in self.allowed_updates
        return kind not in _DEFAULT_UPDATE_TYPES_EXCLUDED

    def _notify_updates(self) -> None:
        self._updates_changed.set()
        self._updates_changed = asyncio.Event()

    # ---- HTTP entry point ------------------------------------------------------------------

    def _canon(self, method: str) -> str | None:
        return self._canonical.get(method.lower())

    async def _handle_request(
        self, token: str, method: str, request: tornado.httputil.HTTPServerRequest
    ) -> tuple[int, dict[str, Any]]:
        name = self._canon(method)
        call = Call(index=-1, method=name or method, params={}, token=token)
        try:
            call.params, call.files = self._parse_request(request)
            if self.check_token and token != self.token:
                raise ApiError(401, "Unauthorized")
            if name is None:
                raise ApiError(404, "Not Found: method not found")
            await self._apply_faults(name)
            result = await self._run(name, call.params, call.files)
            if isinstance(result, Message):
                call.message = result
            if isinstance(result, TelegramObject):
                result = result.to_dict()
            elif isinstance(result, list):
                result = [r.to_dict() if isinstance(r, TelegramObject) else r for r in result]
            call.result = result
            payload: dict[str, Any] = {"ok": True, "result": result}
        except ApiError as exc:
            call.http_status, call.error = exc.error_code, exc.payload()
            payload = call.error
        except Exception as exc:
            self.internal_errors.append(exc)
            call.http_status = 500
            call.error = {
                "ok": False,
                "error_code": 500,
                "description": f"Internal Server Error: fake_api failed: {exc!r}",
            }
            payload = call.error
        call.index = len(self.calls)
        self.calls.append(call)
        self._calls_changed.set()
        self._calls_changed = asyncio.Event()
        return call.http_status, payload

    def _parse_request(
        self, request: tornado.httputil.HTTPServerRequest
    ) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
        raw: dict[str, Any] = {k: v[-1].decode() for k, v in request.query_arguments.items()}
        files: dict[str, UploadedFile] = {}
        content_type = request.headers.get("Content-Type", "")
        if request.body:
            if content_type.split(";")[0].strip().lower() == "application/json":
                try:
                    body = json.loads(request.body)
                except ValueError as exc:
                    raise bad_request("can't parse JSON request body") from exc
                if not isinstance(body, dict):
                    raise bad_request("JSON request body must be an object")
                raw.update(body)
            else:
                args: dict[str, list[bytes]] = {}
                parts: dict[str, list[tornado.httputil.HTTPFile]] = {}
                tornado.httputil.parse_body_arguments(content_type, request.body, args, parts)
                raw.update({k: v[-1].decode() for k, v in args.items()})
                for name, uploads in parts.items():
                    up = uploads[-1]
                    files[name] = UploadedFile(name, up.filename, up.content_type, up.body)
        return {k: self._decode_param(k, v) for k, v in raw.items()}, files

    @staticmethod
    def _decode_param(name: str, value: Any) -> Any:
        if not isinstance(value, str) or name in _STRING_PARAMS:
            return value
        if name in _INT_OR_USERNAME_PARAMS:
            try:
                return int(value)
            except ValueError:
                return value
        try:
            return json.loads(value)
        except ValueError:
            return value

    async def _apply_faults(self, name: str) -> None:
        for key in (name, "*"):
            queue = self._faults.get(key)
            if not queue:
                continue
            fault = queue[0]
            fault.remaining -= 1
            if fault.remaining <= 0:
                queue.pop(0)
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.error_code is None:
                continue
            code = fault.error_code
            if code == 429:
                retry = fault.retry_after or 1
                retry_val = int(retry) if float(retry).is_integer() else retry
                raise ApiError(
                    429,
                    fault.description or f"Too Many Requests: retry after {retry_val}",
                    {"retry_after": retry_val},
                )
            default = {
                400: "Bad Request: injected failure",
                401: "Unauthorized",
                403: "Forbidden: bot was blocked by the user",
                404: "Not Found",
                409: "Conflict: terminated by other getUpdates request",
                500: "Internal Server Error",
                502: "Bad Gateway",
            }.get(code, f"Error {code}")
            raise ApiError(code, fault.description or default)

    async def _run(self, name: str, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        if name in self._custom:
            result = self._custom[name](params, files)
            return await result if inspect.isawaitable(result) else result
        return await self._builtin[name](name, params, files)

    # ---- chats and messages ----------------------------------------------------------------

    def _register_chat(self, chat: Chat | int) -> Chat:
        if isinstance(chat, int):
            return self._resolve_chat(chat)
        self._chats[chat.id] = chat
        return chat

    def _chat_id(self, chat: ChatRef | User) -> int:
        if chat is None:
            return self.default_user.id
        return chat if isinstance(chat, int) else chat.id

    def _resolve_chat(self, chat_id: Any) -> Chat:
        if chat_id is None or chat_id == "":
            raise bad_request("chat_id is empty")
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            for chat in self._chats.values():
                if chat.username and chat.username.lower() == chat_id[1:].lower():
                    return chat
            raise bad_request("chat not found")
        try:
            chat_id = int(chat_id)
        except (TypeError, ValueError) as exc:
            raise bad_request("chat not found") from exc
        if chat_id in self._chats:
            return self._chats[chat_id]
        if self.strict_chats:
            raise bad_request("chat not found")
        if chat_id > 0:
            chat = Chat(chat_id, Chat.PRIVATE, first_name=f"User{chat_id}")
        elif str(chat_id).startswith("-100"):
            chat = Chat(chat_id, Chat.SUPERGROUP, title=f"Group {chat_id}")
        else:
            chat = Chat(chat_id, Chat.GROUP, title=f"Group {chat_id}")
        self._chats[chat_id] = chat
        return chat

    def _target_chat(self, params: dict[str, Any]) -> Chat:
        chat = self._resolve_chat(params.get("chat_id"))
        if chat.type == Chat.PRIVATE and chat.id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    def _new_message_id(self, chat_id: int) -> int:
        self._next_message_id[chat_id] = self._next_message_id.get(chat_id, 0) + 1
        return self._next_message_id[chat_id]

    def _message_key(self, ref: MessageRef) -> tuple[int, int]:
        if isinstance(ref, tuple):
            return ref
        if isinstance(ref, Call):
            if ref.message is None:
                raise AssertionError(f"{ref!r} did not return a message")
            ref = ref.message
        if isinstance(ref, Update):
            msg = ref.effective_message
            if msg is None:
                raise AssertionError(f"update {ref.update_id} has no message")
            ref = msg
        return ref.chat.id, ref.message_id

    def _stored_message(self, chat_id: int, message_id: int, *, nested: bool = False) -> Message:
        data = self._messages.get((chat_id, message_id))
        if data is None:
            raise AssertionError(f"message {message_id} in chat {chat_id} not found")
        if nested:  # Telegram never nests reply_to_message twice
            data = {k: v for k, v in data.items() if k != "reply_to_message"}
        return Message.de_json(data, None)

    def _reply_target(self, chat: Chat, params: dict[str, Any]) -> Message | None:
        reply = params.get("reply_parameters")
        if isinstance(reply, dict):
            message_id, allow = reply.get("message_id"), reply.get("allow_sending_without_reply")
            chat_id = reply.get("chat_id", chat.id)
        elif params.get("reply_to_message_id") is not None:
            message_id = params["reply_to_message_id"]
            allow, chat_id = params.get("allow_sending_without_reply"), chat.id
        else:
            return None
        key = (self._resolve_chat(chat_id).id, int(message_id or 0))
        if key not in self._messages:
            if allow:
                return None
            raise bad_request("message to be replied not found")
        return self._stored_message(*key, nested=True)

    def _format(
        self,
        text: str,
        parse_mode: Any,
        entities: Any,
        *,
        empty_error: str = "message text is empty",
    ) -> tuple[str, list[MessageEntity]]:
        if entities:
            plain, ents = text, list(entities)
        elif not parse_mode:
            plain, ents = text, []
        elif str(parse_mode).lower() == "html":
            plain, ents = parse_html(text)
        elif str(parse_mode).lower() == "markdownv2":
            check_markdown_v2(text)
            plain, ents = text, []
        elif str(parse_mode).lower() == "markdown":
            plain, ents = text, []
        else:
            raise bad_request("unsupported parse_mode")
        if empty_error and not plain.strip():
            raise bad_request(empty_error)
        return plain, [
            e if isinstance(e, MessageEntity) else MessageEntity.de_json(e, None) for e in ents
        ]

    @staticmethod
    def _check_markup(markup: Any) -> InlineKeyboardMarkup | None:
        """Validate reply_markup; return the inline keyboard (the only kind a Message shows)."""
        if not isinstance(markup, dict) or "inline_keyboard" not in markup:
            return None
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise bad_request(
                'can\'t parse inline keyboard: field "inline_keyboard" must be an Array of Arrays'
            )
        for row in rows:
            for button in row:
                if not isinstance(button, dict) or not button.get("text"):
                    raise bad_request("BUTTON_TEXT_INVALID")
                kinds = [k for k in button if k != "text"]
                if not kinds:
                    raise bad_request(
                        "can't parse inline keyboard button: Text buttons are unallowed in the "
                        "inline keyboard"
                    )
                if "callback_data" in button:
                    data = str(button["callback_data"]).encode()
                    if not 1 <= len(data) <= MAX_CALLBACK_DATA_BYTES:
                        raise bad_request("BUTTON_DATA_INVALID")
                if "url" in button and not re.match(
                    r"^(https?://[^\s/$.?#][^\s]*|tg://\S+)$", str(button["url"])
                ):
                    raise bad_request(f"inline keyboard button URL '{button['url']}' is invalid")
        return InlineKeyboardMarkup.de_json(markup, None)

    def _store_message(self, msg: Message) -> Message:
        self._messages[(msg.chat.id, msg.message_id)] = msg.to_dict()
        return msg

    def _editable(self, params: dict[str, Any]) -> tuple[tuple[int, int], dict[str, Any]] | None:
        """None for inline messages; otherwise the stored bot message to edit."""
        if params.get("inline_message_id"):
            return None
        chat = self._resolve_chat(params.get("chat_id"))
        key = (chat.id, int(params.get("message_id") or 0))
        data = self._messages.get(key)
        if data is None:
            raise bad_request("message to edit not found")
        if data.get("from", {}).get("id") != self.bot_user.id:
            raise bad_request("message can't be edited")
        return key, data

    def _store_file(
        self, kind: str, data: bytes | None, filename: str, mime_type: str | None
    ) -> tuple[str, str]:
        n = next(self._ids)
        file_id = f"{kind.upper()}-{n:06d}-fake-file-id"
        unique = f"U{kind[:3]}{n:06d}"
        ext = filename.rsplit(".", 1)[-1] if "." in filename else "bin"
        path = f"{kind}s/file_{n}.{ext}"
        self.files[file_id] = StoredFile(file_id, unique, data, path, mime_type)
        return file_id, unique

    # ---- method implementations --------------------------------------------------------------

    async def _true(self, name: str, params: dict[str, Any], files: Any) -> bool:
        return True

    async def _get_me(self, name: str, params: dict[str, Any], files: Any) -> User:
        return self.bot_user

    async def _get_updates(self, name: str, params: dict[str, Any], files: Any) -> list[Update]:
        if self.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
            )
        offset = int(params.get("offset") or 0)
        limit = max(1, min(100, int(params.get("limit") or 100)))
        timeout = float(params.get("timeout") or 0)
        if params.get("allowed_updates") is not None:
            self.allowed_updates = list(params["allowed_updates"]) or None
        if offset > 0:
            self.pending_updates = [u for u in self.pending_updates if u.update_id >= offset]
        elif offset < 0:
            self.pending_updates = self.pending_updates[offset:]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            self.pending_updates = [u for u in self.pending_updates if self._allowed(u)]
            remaining = deadline - loop.time()
            if self.pending_updates or self._closing or remaining <= 0:
                return self.pending_updates[:limit]
            event = self._updates_changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    async def _set_webhook(self, name: str, params: dict[str, Any], files: Any) -> bool:
        url = params.get("url") or ""
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise bad_request("secret token contains unallowed characters")
        if url and not re.match(r"^https?://", url):
            raise bad_request(
                "bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
            )
        if params.get("drop_pending_updates"):
            self.pending_updates.clear()
        if params.get("allowed_updates") is not None:
            self.allowed_updates = list(params["allowed_updates"]) or None
        self.webhook_url = url or None
        self.webhook_secret = secret if url else None
        self.webhook_max_connections = int(params.get("max_connections") or 40)
        return True

    async def _delete_webhook(self, name: str, params: dict[str, Any], files: Any) -> bool:
        if params.get("drop_pending_updates"):
            self.pending_updates.clear()
        self.webhook_url = None
        self.webhook_secret = None
        return True

    async def _get_webhook_info(self, name: str, params: dict[str, Any], files: Any) -> WebhookInfo:
        return WebhookInfo(
            url=self.webhook_url or "",
            has_custom_certificate=False,
            pending_update_count=0 if self.webhook_url else len(self.pending_updates),
            max_connections=self.webhook_max_connections if self.webhook_url else None,
            allowed_updates=self.allowed_updates,
        )

    async def _send_message(self, name: str, params: dict[str, Any], files: Any) -> Message:
        chat = self._target_chat(params)
        text = params.get("text")
        if text is None:
            raise bad_request("message text is empty")
        plain, entities = self._format(str(text), params.get("parse_mode"), params.get("entities"))
        if len(plain) > MAX_TEXT_LENGTH:
            raise bad_request("message is too long")
        markup = self._check_markup(params.get("reply_markup"))
        reply_to = self._reply_target(chat, params)
        msg = Message(
            message_id=self._new_message_id(chat.id),
            date=_now(),
            chat=chat,
            from_user=self.bot_user,
            text=plain,
            entities=entities or None,
            reply_markup=markup,
            reply_to_message=reply_to,
        )
        return self._store_message(msg)

    async def _edit_message_text(self, name: str, params: dict[str, Any], files: Any) -> Any:
        plain, entities = self._format(
            str(params.get("text") or ""), params.get("parse_mode"), params.get("entities")
        )
        if len(plain) > MAX_TEXT_LENGTH:
            raise bad_request("message is too long")
        markup = self._check_markup(params.get("reply_markup"))
        target = self._editable(params)
        if target is None:
            return True
        key, data = target
        if "text" not in data:
            raise bad_request("there is no text in the message to edit")
        return self._apply_edit(key, data, {"text": plain, "entities": entities, "markup": markup})

    async def _edit_message_caption(self, name: str, params: dict[str, Any], files: Any) -> Any:
        plain, entities = self._format(
            str(params.get("caption") or ""),
            params.get("parse_mode"),
            params.get("caption_entities"),
            empty_error="",
        )
        if len(plain) > MAX_CAPTION_LENGTH:
            raise bad_request("message caption is too long")
        markup = self._check_markup(params.get("reply_markup"))
        target = self._editable(params)
        if target is None:
            return True
        key, data = target
        if "text" in data:
            raise bad_request("there is no caption in the message to edit")
        return self._apply_edit(
            key, data, {"caption": plain, "caption_entities": entities, "markup": markup}
        )

    async def _edit_message_reply_markup(
        self, name: str, params: dict[str, Any], files: Any
    ) -> Any:
        markup = self._check_markup(params.get("reply_markup"))
        target = self._editable(params)
        if target is None:
            return True
        key, data = target
        return self._apply_edit(key, data, {"markup": markup})

    def _apply_edit(
        self, key: tuple[int, int], data: dict[str, Any], changes: dict[str, Any]
    ) -> Message:
        new = {k: v for k, v in data.items() if k not in ("reply_markup", "edit_date")}
        markup = changes.pop("markup")
        if markup is not None:
            new["reply_markup"] = markup.to_dict()
        for field_name, value in changes.items():
            new.pop(field_name, None)
            if isinstance(value, list):
                if value:
                    new[field_name] = [e.to_dict() for e in value]
            elif value:
                new[field_name] = value
        if all(new.get(k) == data.get(k) for k in set(new) | set(data) if k != "edit_date"):
            raise bad_request(_NOT_MODIFIED.removeprefix("Bad Request: "))
        new["edit_date"] = int(_now().timestamp())
        msg = Message.de_json(new, None)
        self._messages[key] = msg.to_dict()
        return msg

    async def _delete_message(self, name: str, params: dict[str, Any], files: Any) -> bool:
        chat = self._resolve_chat(params.get("chat_id"))
        key = (chat.id, int(params.get("message_id") or 0))
        if self._messages.pop(key, None) is None:
            raise bad_request("message to delete not found")
        return True

    async def _delete_messages(self, name: str, params: dict[str, Any], files: Any) -> bool:
        chat = self._resolve_chat(params.get("chat_id"))
        for message_id in params.get("message_ids") or []:
            self._messages.pop((chat.id, int(message_id)), None)
        return True

    async def _answer_callback_query(self, name: str, params: dict[str, Any], files: Any) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        if self._callback_queries.get(query_id, True):
            raise bad_request(_QUERY_TOO_OLD.removeprefix("Bad Request: "))
        if len(str(params.get("text") or "")) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        self._callback_queries[query_id] = True
        self.callback_answers[query_id] = params
        return True

    async def _answer_inline_query(self, name: str, params: dict[str, Any], files: Any) -> bool:
        query_id = str(params.get("inline_query_id") or "")
        if self._inline_queries.get(query_id, True):
            raise bad_request(_QUERY_TOO_OLD.removeprefix("Bad Request: "))
        results = params.get("results")
        if not isinstance(results, list):
            raise bad_request("results must be an Array")
        if len(results) > 50:
            raise bad_request("RESULTS_TOO_MUCH")
        ids = [str(r.get("id", "")) for r in results]
        if any(not i or len(i.encode()) > 64 for i in ids):
            raise bad_request("RESULT_ID_INVALID")
        if len(set(ids)) != len(ids):
            raise bad_request("RESULT_ID_DUPLICATE")
        for result in results:
            self._check_markup(result.get("reply_markup"))
            content = result.get("input_message_content") or {}
            if "message_text" in content:
                plain, _ = self._format(
                    content["message_text"], content.get("parse_mode"), content.get("entities")
                )
                if len(plain) > MAX_TEXT_LENGTH:
                    raise bad_request("MESSAGE_TOO_LONG")
        self._inline_queries[query_id] = True
        self.inline_answers[query_id] = params
        return True

    async def _send_media(
        self, name: str, params: dict[str, Any], files: dict[str, UploadedFile]
    ) -> Message:
        kind = name.removeprefix("send").lower()  # photo, document, sticker, voice, ...
        chat = self._target_chat(params)
        caption, caption_entities = None, None
        if params.get("caption"):
            caption, caption_entities = self._format(
                str(params["caption"]),
                params.get("parse_mode"),
                params.get("caption_entities"),
                empty_error="",
            )
            if len(caption) > MAX_CAPTION_LENGTH:
                raise bad_request("message caption is too long")
        markup = self._check_markup(params.get("reply_markup"))
        reply_to = self._reply_target(chat, params)
        upload: UploadedFile | None = files.get(kind)
        ref = params.get(kind)
        if isinstance(ref, str) and ref.startswith("attach://"):
            upload = files.get(ref.removeprefix("attach://"))
            if upload is None:
                raise bad_request(f"file for attach://{ref.removeprefix('attach://')} not found")
        data: bytes | None = None
        filename, mime = f"{kind}.bin", None
        if upload is not None:
            if not upload.data:
                raise bad_request("file must be non-empty")
            data, filename, mime = upload.data, upload.filename, upload.content_type
            if kind == "photo" and _image_size(data) is None:
                raise bad_request("IMAGE_PROCESS_FAILED")
            file_id, unique = self._store_file(kind, data, filename, mime)
        elif isinstance(ref, str) and ref in self.files:
            stored = self.files[ref]
            file_id, unique, data = stored.file_id, stored.file_unique_id, stored.data
        elif isinstance(ref, str) and re.match(r"^https?://", ref):
            file_id, unique = self._store_file(kind, None, ref.rsplit("/", 1)[-1], None)
        elif ref:
            raise bad_request("wrong file identifier/HTTP URL specified")
        else:
            raise bad_request(f"there is no {kind} in the request")
        size = len(data) if data else None
        duration = int(params.get("duration") or 1)
        width, height = (_image_size(data) if data else None) or (800, 600)
        media: dict[str, Any] = {
            "photo": lambda: [PhotoSize(file_id, unique, width, height, file_size=size)],
            "document": lambda: Document(file_id, unique, filename, mime, size),
            "sticker": lambda: Sticker(
                file_id, unique, 512, 512, False, False, Sticker.REGULAR, file_size=size
            ),
            "voice": lambda: Voice(file_id, unique, duration, mime or "audio/ogg", size),
            "audio": lambda: Audio(file_id, unique, duration, file_name=filename, file_size=size),
            "video": lambda: Video(file_id, unique, width, height, duration, file_size=size),
            "animation": lambda: Animation(
                file_id, unique, width, height, duration, file_size=size
            ),
        }
        msg = Message(
            message_id=self._new_message_id(chat.id),
            date=_now(),
            chat=chat,
            from_user=self.bot_user,
            caption=caption or None,
            caption_entities=caption_entities or None,
            reply_markup=markup,
            reply_to_message=reply_to,
            **{kind: media[kind]()},
        )
        return self._store_message(msg)

    async def _send_chat_action(self, name: str, params: dict[str, Any], files: Any) -> bool:
        self._target_chat(params)
        if params.get("action") not in _CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    @staticmethod
    def _commands_key(params: dict[str, Any]) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    async def _set_my_commands(self, name: str, params: dict[str, Any], files: Any) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("commands must be an Array of at most 100 BotCommand")
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command", ""))):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise bad_request("command description must be non-empty")
        self.commands[self._commands_key(params)] = commands
        return True

    async def _get_my_commands(
        self, name: str, params: dict[str, Any], files: Any
    ) -> list[dict[str, Any]]:
        return self.commands.get(self._commands_key(params), [])

    async def _delete_my_commands(self, name: str, params: dict[str, Any], files: Any) -> bool:
        self.commands.pop(self._commands_key(params), None)
        return True

    async def _set_chat_menu_button(self, name: str, params: dict[str, Any], files: Any) -> bool:
        chat_id = params.get("chat_id")
        if chat_id is not None:
            chat_id = self._resolve_chat(chat_id).id
        self.menu_buttons[chat_id] = params.get("menu_button") or {"type": "default"}
        return True

    async def _get_chat_menu_button(
        self, name: str, params: dict[str, Any], files: Any
    ) -> dict[str, Any]:
        chat_id = params.get("chat_id")
        if chat_id is not None:
            chat_id = self._resolve_chat(chat_id).id
        button = self.menu_buttons.get(chat_id) or self.menu_buttons.get(None)
        return button if button and button.get("type") != "default" else {"type": "commands"}

    async def _set_profile(self, name: str, params: dict[str, Any], files: Any) -> bool:
        field_name = {
            "setMyDescription": "description",
            "setMyShortDescription": "short_description",
        }.get(name, "name")
        key = f"{field_name}:{params.get('language_code') or ''}"
        self.bot_profile[key] = str(params.get(field_name) or "")
        return True

    async def _get_profile(self, name: str, params: dict[str, Any], files: Any) -> dict[str, str]:
        field_name = {
            "getMyDescription": "description",
            "getMyShortDescription": "short_description",
        }.get(name, "name")
        key = f"{field_name}:{params.get('language_code') or ''}"
        default = self.bot_user.first_name if field_name == "name" else ""
        return {field_name: self.bot_profile.get(key, default)}

    async def _get_file(self, name: str, params: dict[str, Any], files: Any) -> File:
        stored = self.files.get(str(params.get("file_id") or ""))
        if stored is None:
            raise bad_request("invalid file_id")
        size = len(stored.data) if stored.data is not None else None
        return File(stored.file_id, stored.file_unique_id, size, stored.file_path)

    async def _get_chat(self, name: str, params: dict[str, Any], files: Any) -> ChatFullInfo:
        chat = self._resolve_chat(params.get("chat_id"))
        return ChatFullInfo(
            id=chat.id,
            type=chat.type,
            accent_color_id=0,
            max_reaction_count=11,
            accepted_gift_types=AcceptedGiftTypes(True, True, True, True, False),
            title=chat.title,
            username=chat.username,
            first_name=chat.first_name,
            last_name=chat.last_name,
        )
