"""Settings, built once from environment variables and passed down (never read as globals)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from db.engine import DEFAULT_URL
from knowledge.loader import DEFAULT_DIR
from knowledge.matcher import Thresholds

CACHE_OFF = frozenset({"", "off", "none", "no", "false", "0"})
"""Values of KNOWLEDGE_CACHE_DIR that turn the disk cache off."""
TOKEN_PATTERN = re.compile(r"^\d{3,15}:[A-Za-z0-9_-]{30,}$")


class SettingsError(Exception):
    """A missing or malformed setting, as one line that names it (never its secret value)."""


class Settings(BaseSettings):
    """Everything Omtanke can be told from the environment; see README's settings table."""

    # `.env` in the working directory is read too (the environment wins), so `make run` finds the
    # token a newcomer put there; tests pass their values explicitly.
    model_config = SettingsConfigDict(
        extra="ignore",
        case_sensitive=False,
        frozen=True,
        env_file=".env",
        env_file_encoding="utf-8",
    )

    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str | None = None
    # Telegram's limits (PTB's AIORateLimiter); off only for a self-hosted or test Bot API.
    telegram_rate_limit: bool = True
    database_url: str = DEFAULT_URL
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    knowledge_dir: Path | None = None
    knowledge_cache_dir: Annotated[Path | None, NoDecode] = Field(
        default_factory=lambda: default_cache_dir()
    )
    omtanke_secret: SecretStr | None = None
    retention_days: int = Field(default=365, ge=1, le=3650)
    reminder_days: int = Field(default=30, ge=1, le=365)
    reminder_poll_seconds: float = Field(default=60.0, ge=0.1, le=3600)
    flood_limit: int = Field(default=20, ge=1, le=1000)
    flood_window_seconds: int = Field(default=60, ge=1, le=3600)
    webhook_url: str | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    webhook_secret_token: SecretStr | None = None
    spool_path: Path = Path("omtanke-spool.jsonl")
    log_level: str = "INFO"
    match_answer_threshold: float = Field(default=85.0, ge=0, le=100)
    match_suggest_threshold: float = Field(default=72.0, ge=0, le=100)
    watch_knowledge: bool = True
    shutdown_seconds: float = Field(default=20.0, ge=1, le=300)

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: Any) -> Any:
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace(";", ",").split(",") if p.strip()]
            if not all(re.fullmatch(r"-?\d+", p) for p in parts):
                raise ValueError("must be Telegram user ids separated by commas, e.g. 123,456")
            return frozenset(int(p) for p in parts)
        return value

    @field_validator("knowledge_cache_dir", mode="before")
    @classmethod
    def _cache_off(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip().lower() in CACHE_OFF:
            return None
        return value

    @field_validator("telegram_bot_token", mode="before")
    @classmethod
    def _token_format(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        text = value.get_secret_value() if isinstance(value, SecretStr) else str(value).strip()
        if not TOKEN_PATTERN.match(text):
            raise ValueError("does not look like a bot token from BotFather (digits:letters)")
        return text

    @field_validator("telegram_api_base_url", "webhook_url", mode="before")
    @classmethod
    def _http_url(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if not re.match(r"^https?://[^\s/]+", str(value)):
            raise ValueError("must be an http:// or https:// address")
        return str(value).strip().rstrip("/")

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if not re.match(r"^(sqlite\+aiosqlite|postgresql\+asyncpg)://", value):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value

    @field_validator("webhook_secret_token", mode="before")
    @classmethod
    def _secret_token(cls, value: Any) -> Any:
        if value is None or value == "":
            return None
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(value)):
            raise ValueError("may only contain A-Z, a-z, 0-9, _ and - (1-256 characters)")
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
        return level

    @property
    def token(self) -> str | None:
        """The bot token, or None for the terminal chat."""
        return self.telegram_bot_token.get_secret_value() if self.telegram_bot_token else None

    @property
    def secret(self) -> str | None:
        """OMTANKE_SECRET in clear text (for the pseudonymisation key), or None."""
        return self.omtanke_secret.get_secret_value() if self.omtanke_secret else None

    @property
    def webhook_secret(self) -> str | None:
        """WEBHOOK_SECRET_TOKEN in clear text, or None."""
        token = self.webhook_secret_token
        return token.get_secret_value() if token else None

    @property
    def secrets(self) -> list[str]:
        """Every secret value set (token, webhook secret, OMTANKE_SECRET, database password)."""
        values = [
            self.token,
            self.webhook_secret,
            self.secret,
            database_password(self.database_url),
        ]
        if self.token:
            values.append(self.token.partition(":")[2])  # the part that makes a token secret
        return [v for v in values if v]

    @property
    def heartbeat_path(self) -> Path:
        """Touched on every successful getUpdates while polling (read by `omtanke doctor`)."""
        return self.spool_path.with_name(self.spool_path.name + ".heartbeat")

    @property
    def handled_path(self) -> Path:
        """Ids of updates handled past the confirmed offset at a stop (so none is answered twice)."""
        return self.spool_path.with_name(self.spool_path.name + ".handled")

    @property
    def thresholds(self) -> Thresholds:
        """The matcher's answer and suggestion scores."""
        return Thresholds(answer=self.match_answer_threshold, suggest=self.match_suggest_threshold)

    @property
    def knowledge_root(self) -> Path:
        """KNOWLEDGE_DIR, or the entries shipped with the package."""
        return self.knowledge_dir or DEFAULT_DIR

    @property
    def is_sqlite(self) -> bool:
        """True for the embedded database."""
        return self.database_url.startswith("sqlite")

    @property
    def webhook_path(self) -> str:
        """The URL path the webhook listens on (taken from WEBHOOK_URL)."""
        if not self.webhook_url:
            return ""
        match = re.match(r"^https?://[^/]+(/.*)?$", self.webhook_url)
        return (match.group(1) or "/telegram").lstrip("/") if match else "telegram"


def default_cache_dir() -> Path | None:
    """`$XDG_CACHE_HOME/omtanke`, else `~/.cache/omtanke`; None when there is no home folder."""
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    if base and os.path.isabs(base):
        return Path(base) / "omtanke"
    try:
        return Path.home() / ".cache" / "omtanke"
    except RuntimeError:  # no HOME and no password-file entry
        return None


def database_password(url: str) -> str | None:
    """The password in a database URL (`scheme://user:password@host/db`), or None."""
    netloc = url.partition("://")[2].split("/", 1)[0]
    userinfo, at, _host = netloc.rpartition("@")
    return userinfo.partition(":")[2] or None if at else None


def _problem(error: Any) -> tuple[str | None, str]:
    name = str(error["loc"][0]) if error["loc"] else None
    message = str(error["msg"]).removeprefix("Value error, ")
    return name, f"{(name or 'SETTINGS').upper()}: {message}"


def load_settings_leniently(**overrides: Any) -> tuple[Settings, list[str]]:
    """Settings with every malformed variable replaced by its default, and the one-line errors.

    For `omtanke doctor`, which reports each bad setting instead of stopping at the first.
    """
    problems: list[str] = []
    for _ in range(len(Settings.model_fields) + 1):
        try:
            return Settings(**overrides), problems
        except ValidationError as exc:
            for error in exc.errors():
                name, line = _problem(error)
                if name not in Settings.model_fields:
                    raise SettingsError(line) from None
                problems.append(line)
                overrides[name] = Settings.model_fields[name].get_default(call_default_factory=True)
    raise SettingsError("SETTINGS: cannot be parsed")


def load_settings(**overrides: Any) -> Settings:
    """Build the settings once; a bad value becomes a SettingsError naming the variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise SettingsError(_problem(exc.errors()[0])[1]) from None
