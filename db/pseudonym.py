"""Pseudonymous user keys: HMAC-SHA256 of the Telegram id under a secret key.

Without the key, a stored `user_key` cannot be linked back to a Telegram
account (a plain hash could: Telegram ids are few enough to enumerate).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from sqlalchemy.engine import make_url

from db.engine import is_sqlite_memory

SECRET_ENV = "OMTANKE_SECRET"
KEY_BYTES = 32
MIN_SECRET_CHARS = 16

_process_key: bytes | None = None


class SecretRequired(RuntimeError):
    """No OMTANKE_SECRET for a database whose key we must not invent."""


def pseudonymise(key: bytes, telegram_id: int) -> str:
    """The user key for `telegram_id`: HMAC-SHA256 hex (64 chars)."""
    return hmac.new(key, str(int(telegram_id)).encode("ascii"), hashlib.sha256).hexdigest()


def resolve_secret(database_url: str, secret: str | None) -> tuple[bytes, str | None]:
    """The HMAC key to use, and a one-line notice to print (or None).

    With `secret`: its UTF-8 bytes. Without: SQLite files get a random key,
    generated once and kept beside the database in `<db>.key` (mode 600);
    in-memory SQLite gets a random key for this process; anything else
    (PostgreSQL) raises `SecretRequired`, because a key invented on one
    replica would not match the others' and would be lost with the container.
    """
    if secret is not None and secret.strip():
        notice = None
        if len(secret) < MIN_SECRET_CHARS:
            notice = (
                f"warning: {SECRET_ENV} is shorter than {MIN_SECRET_CHARS} characters; "
                "use a long random value (e.g. `openssl rand -hex 32`)"
            )
        return secret.encode("utf-8"), notice

    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        raise SecretRequired(
            f"{SECRET_ENV} is required with {url.get_backend_name()}: set it to a long random "
            "value (e.g. `openssl rand -hex 32`) and keep it; it pseudonymises user ids"
        )
    if is_sqlite_memory(url):
        global _process_key
        if _process_key is None:
            _process_key = secrets.token_bytes(KEY_BYTES)
        return _process_key, (
            f"{SECRET_ENV} not set; using a random key for this process (in-memory database)"
        )

    path = key_path(database_url)
    key, created = _load_or_create_key(path)
    if created:
        return key, f"{SECRET_ENV} not set; generated a random key, kept in {path} (mode 600)"
    return key, f"{SECRET_ENV} not set; using the key kept in {path}"


def key_path(database_url: str) -> Path:
    """Where the generated key for a SQLite file database lives: `<db>.key`."""
    database = make_url(database_url).database or ""
    if database.startswith("file:"):  # SQLite URI filename: strip scheme and query
        database = database[len("file:") :].split("?", 1)[0]
    return Path(database + ".key").absolute()


def _load_or_create_key(path: Path) -> tuple[bytes, bool]:
    """Read the key file, or create it atomically; True if created."""
    with contextlib.suppress(FileNotFoundError):
        return _read_key(path), False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(secrets.token_hex(KEY_BYTES) + "\n")
            f.flush()
            os.fsync(f.fileno())
        try:
            # link() fails if the file exists: a concurrent starter's key wins, never half a file.
            os.link(tmp, path)
        except FileExistsError:
            return _read_key(path), False
    finally:
        tmp.unlink(missing_ok=True)
    return _read_key(path), True


def _read_key(path: Path) -> bytes:
    """The key stored in `path`, tightening its mode to 600 if it was looser."""
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)
    text = path.read_text(encoding="ascii").strip()
    if len(text) < 2 * MIN_SECRET_CHARS:
        raise ValueError(f"key file {path} is empty or truncated; restore it or delete it")
    return bytes.fromhex(text)
