"""What each entry file's bytes gave when parsed, kept by their SHA-256 (in memory and on disk).

A file whose bytes are unchanged is not parsed or validated again: the loader takes its
`ParsedFile` -- the same `Entry` object within one process, so per-entry work of the matcher is
reused too -- and checks only what depends on the file's name, on other files or on the date.

The disk cache is one file per knowledge folder, `kb-<hash of the folder>.cache` in a cache
directory the caller names. Guarantees: it never makes a load fail or differ from a load without
it. A file that is missing, unreadable, truncated, corrupt, of another format or written by other
loader or schema code (`fingerprint()`) is ignored; what is read is validated again by the schema.
It is written whole (a temporary file renamed over the old one) with mode 0600 in a directory made
0700; a directory that cannot be written only turns caching off (logged at debug level).
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import stat
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pydantic
import yaml
from pydantic import BaseModel, ConfigDict

from knowledge.schema import Entry

log = logging.getLogger(__name__)

FORMAT: Literal[1] = 1
"""The layout of a cache file; a file of another format is ignored."""
MAX_CACHE_BYTES = 512 * 1024 * 1024
"""A cache file larger than this is not read (10,000 entries take about 40 MB)."""
_MAGIC = b"omtanke-knowledge-cache"
# Code whose change can change what a file parses to: the cache of older code is ignored.
_CODE = ("loader.py", "parsecache.py", "schema.py", "text.py", "folding.py", "frequency.py")

YamlPath = tuple[str | int, ...]
Finding = tuple[int, str]
"""(line, message) of a problem found in a file."""


@dataclass(eq=False)
class ParsedFile:
    """What one entry file's bytes give, whatever the file is called and wherever it lies."""

    entry: Entry | None
    """The validated entry, or None when the file has errors."""
    declared: str | None
    """The `id:` written in the file (as text), or None."""
    declared_is_text: bool
    errors: tuple[Finding, ...]
    """Errors reading, parsing or validating the file, in the order found."""
    more: int
    """Errors beyond those, only counted (a garbage file gives thousands)."""
    warnings: tuple[Finding, ...]
    """Warnings that depend on the text alone (not on the date or other files)."""
    alias_keys: tuple[str, ...]
    """`alias_key` of each title and alias, in the order of `loader._alias_positions`."""
    _lines: dict[YamlPath, int] | str
    """Line of each key path; kept as JSON text until first needed when read from disk."""

    @property
    def lines(self) -> dict[YamlPath, int]:
        """The line on which each key path (("aliases", "da", 2), …) starts."""
        if isinstance(self._lines, str):
            self._lines = _decode_lines(self._lines)
        return self._lines

    def compact(self) -> None:
        """Keep the line map as JSON text until it is needed again (a tenth of the memory)."""
        self._lines = self.lines_json()

    def lines_json(self) -> str:
        """The line map as compact JSON: [[line, *path], …]."""
        if isinstance(self._lines, str):
            return self._lines
        rows = [[line, *path] for path, line in self._lines.items()]
        return json.dumps(rows, ensure_ascii=False, separators=(",", ":"))


def _decode_lines(text: str) -> dict[YamlPath, int]:
    """The line map from `lines_json`; empty (every line 1) for a text not written by it."""
    try:
        rows = json.loads(text)
    except ValueError:
        return {}
    out: dict[YamlPath, int] = {}
    for row in rows if isinstance(rows, list) else ():
        if not (isinstance(row, list) and row and type(row[0]) is int):
            return {}
        if not all(type(part) in (str, int) for part in row[1:]):
            return {}
        out[tuple(row[1:])] = row[0]
    return out


def file_key(raw: bytes) -> str:
    """The cache key of a file's bytes: their SHA-256 in hex."""
    return hashlib.sha256(raw).hexdigest()


@functools.lru_cache(maxsize=1)
def fingerprint() -> str:
    """A hash of the code and library versions that decide what a file parses to."""
    digest = hashlib.sha256(f"{FORMAT} {sys.version_info[:2]}".encode())
    digest.update(f"pydantic {pydantic.VERSION} yaml {yaml.__version__}".encode())
    digest.update(b"libyaml" if getattr(yaml, "__with_libyaml__", False) else b"python")
    here = Path(__file__).parent
    for name in _CODE:
        try:
            digest.update(name.encode() + b"\0" + (here / name).read_bytes())
        except OSError:  # no source to hash (a frozen build): never trust an old cache
            digest.update(os.urandom(16))
    return digest.hexdigest()


class _Stored(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    entry: Entry | None
    declared: str | None
    declared_is_text: bool
    errors: list[tuple[int, str]]
    more: int
    warnings: list[tuple[int, str]]
    alias_keys: list[str]
    lines: str


class _CacheFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal[1]
    fingerprint: str
    files: dict[str, _Stored]


def cache_path(cache_dir: Path, root: Path) -> Path:
    """The cache file for the knowledge folder `root` (one per folder)."""
    name = hashlib.sha256(os.path.realpath(root).encode()).hexdigest()[:16]
    return cache_dir / f"kb-{name}.cache"


def read_cache(cache_dir: Path, root: Path) -> dict[str, ParsedFile]:
    """The parsed files cached for `root` by file key; empty when there is no valid cache."""
    path = cache_path(cache_dir, root)
    try:
        body = _read_checked(path)
        stored = _CacheFile.model_validate_json(body)
    except (OSError, ValueError) as exc:  # pydantic's ValidationError is a ValueError
        log.debug("knowledge cache %s ignored: %s", path, exc)
        return {}
    if stored.fingerprint != fingerprint():
        log.debug("knowledge cache %s ignored: written by other code", path)
        return {}
    return {key: _from_stored(item) for key, item in stored.files.items()}


def _read_checked(path: Path) -> bytes:
    """The body of a cache file whose header names this format and the body's SHA-256."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_CACHE_BYTES:
            raise ValueError("not a regular file of a sensible size")
        header = f.readline(len(_MAGIC) + 80).rstrip(b"\n")
        body = f.read(MAX_CACHE_BYTES)
    if header != _header(body):
        raise ValueError("not a cache file of this format, or damaged")
    return body


def _header(body: bytes) -> bytes:
    return b"%s %d %s" % (_MAGIC, FORMAT, hashlib.sha256(body).hexdigest().encode())


def write_cache(cache_dir: Path, root: Path, files: dict[str, ParsedFile]) -> bool:
    """Store `files` as the cache for `root`, replacing the old one whole; False if it cannot."""
    stored = _CacheFile(
        format=FORMAT,
        fingerprint=fingerprint(),
        files={key: _to_stored(item) for key, item in files.items()},
    )
    body = stored.model_dump_json().encode()
    path = cache_path(cache_dir, root)
    tmp = ""
    try:
        cache_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=f".{path.name}.", suffix=".tmp")
        # mkstemp makes it 0600. No fsync: a file cut short by a crash fails its header's hash
        # and is ignored, which costs one slow start, not a slower reload every time.
        with os.fdopen(fd, "wb") as f:
            f.write(_header(body) + b"\n")
            f.write(body)
        os.replace(tmp, path)
        return True
    except OSError as exc:
        log.debug("knowledge cache not written to %s: %s", cache_dir, exc)
        if tmp:
            Path(tmp).unlink(missing_ok=True)
        return False


def _to_stored(item: ParsedFile) -> _Stored:
    return _Stored.model_construct(
        entry=item.entry,
        declared=item.declared,
        declared_is_text=item.declared_is_text,
        errors=list(item.errors),
        more=item.more,
        warnings=list(item.warnings),
        alias_keys=list(item.alias_keys),
        lines=item.lines_json(),
    )


def _from_stored(item: _Stored) -> ParsedFile:
    return ParsedFile(
        entry=item.entry,
        declared=item.declared,
        declared_is_text=item.declared_is_text,
        errors=tuple(item.errors),
        more=item.more,
        warnings=tuple(item.warnings),
        alias_keys=tuple(item.alias_keys),
        _lines=item.lines,
    )
