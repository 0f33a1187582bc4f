"""Typed PTB plumbing: the bot data, the per-update context and the application type."""

from __future__ import annotations

from typing import Any, TypeAlias

from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot, JobQueue

from bot.core.admin import Admin
from bot.core.conversation import Conversation, Who
from bot.core.knowledge import KnowledgeHolder
from bot.core.services import Services
from bot.core.settings import Settings


class BotData:
    """What the application keeps for its whole life (PTB's `bot_data`)."""

    def __init__(self) -> None:
        self.settings: Settings | None = None
        self.services: Services | None = None
        self.conversation: Conversation | None = None
        self.admin: Admin | None = None
        self.reminder_poll_seconds: float = 60.0
        self.stop_deadline: float | None = None  # loop time by which a stop must be done
        self.holder: KnowledgeHolder | None = None  # loaded before start (`omtanke run`)


class Context(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    """The context of one update; `who` is set by the identity handler before any other runs."""

    def __init__(
        self, application: Any, chat_id: int | None = None, user_id: int | None = None
    ) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)
        self.who: Who | None = None

    @property
    def services(self) -> Services:
        """The running services (created in post_init, before any update is handled)."""
        services = self.bot_data.services
        if services is None:
            raise RuntimeError("services are not running")
        return services

    @property
    def conversation(self) -> Conversation:
        """The core's conversation."""
        conversation = self.bot_data.conversation
        if conversation is None:
            raise RuntimeError("services are not running")
        return conversation

    @property
    def admin(self) -> Admin:
        """The core's admin actions."""
        admin = self.bot_data.admin
        if admin is None:
            raise RuntimeError("services are not running")
        return admin

    @property
    def user(self) -> Who:
        """The sender, as identified for this update."""
        if self.who is None:
            raise RuntimeError("update has no identified sender")
        return self.who


OmtankeApp: TypeAlias = Application[
    ExtBot[None], Context, dict[Any, Any], dict[Any, Any], BotData, JobQueue[Context]
]
"""The application type, with our context and bot data."""

CONTEXT_TYPES = ContextTypes(context=Context, bot_data=BotData)
