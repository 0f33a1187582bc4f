"""What the matcher works out from one entry alone, and a store that keeps it across restarts.

Building the matcher for a large knowledge base is mostly this per-entry work: analysing every
title, alias, summary and critique in both languages. It depends on the entry and on the code
that analyses it, nothing else, so it is done once per entry version:

* within a process, a rebuild after an edit reuses the parts of every entry whose object is
  unchanged (`previous` in `build_parts`);
* across restarts, a `PartsStore` file keeps the parts by a fingerprint of the entry's content.

Guarantees of the store: it can only ever save time, never change an answer. An entry's parts
are found only under the BLAKE2 hash of its id and content, and the whole file only under a
hash of the analysing code; the file carries a checksum of its payload, so a truncated, edited
or foreign file is ignored as a whole; it is unpickled without any classes (plain tuples,
strings and numbers only), so it cannot run code. Writes are atomic (temporary file, then
rename) and private (0600). A store that cannot be read or written is left alone with a debug
log line: the matcher is built as without it.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import os
import pickle
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from knowledge.loader import alias_key, alias_text, entry_aliases, is_strict
from knowledge.retrieval import TextDoc, text_doc
from knowledge.schema import Entry, EntryRecord
from knowledge.text import FILLER_WORDS, Token, analyse

log = logging.getLogger(__name__)


class Alias(NamedTuple):
    """One title or alias as the matcher compares it."""

    key: str
    text: str
    entry_id: str
    words: int
    strict: bool = False
    vocabulary: tuple[str, ...] = ()
    """Folded words of the alias: an everyday word may only take part in a typo match if the
    alias itself contains it ("coach bagg" → "coach bag")."""


AliasParts = tuple[Alias, str, str, tuple[str, ...]]
"""(alias, stem key, phrase key or "", reversed compound-head forms)."""


@dataclass(frozen=True, slots=True)
class EntryParts:
    """What the matcher derives from one entry alone (reused while the entry is unchanged)."""

    entry: Entry
    aliases: tuple[AliasParts, ...]
    """One per distinct alias key."""
    doc: TextDoc


def entry_parts(entry_id: str, entry: Entry) -> EntryParts:
    """Analyse one entry's names and texts."""
    seen: set[str] = set()
    aliases: list[AliasParts] = []
    analysed: dict[str, list[Token]] = {}

    def tokens_of(text: str) -> list[Token]:
        # Titles and aliases are both names and indexed text: analyse each text once.
        tokens = analysed.get(text)
        if tokens is None:
            tokens = analysed[text] = analyse(text)
        return tokens

    for lang, text in entry_aliases(entry):
        key = alias_key(text)
        if not key or key in seen:
            continue
        seen.add(key)
        shown = alias_text(text)
        tokens = tokens_of(shown)
        words = [tok.text for tok in tokens]
        alias = Alias(
            sys.intern(key),
            shown,
            entry_id,
            max(1, len(shown.split())),
            is_strict(text),
            tuple(dict.fromkeys(sys.intern(w) for w in words)),  # a tuple: a quarter of a set
        )
        skey = sys.intern(f"{lang}:{stem_key(tokens, lang)}")
        full = "".join(words)
        phrase = full if len(words) > 1 and full != key else ""  # "bedst før": "før" is filler
        heads = tuple(dict.fromkeys((key[::-1], skey[3:][::-1]))) if len(words) == 1 else ()
        aliases.append((alias, skey, phrase, heads))
    return EntryParts(entry, tuple(aliases), text_doc(entry_fields(entry), tokens_of))


def stem_key(tokens: list[Token], lang: str) -> str:
    """The stems of a name's content words, run together ("løbeskoene" → "lobesko")."""
    content = [t for t in tokens if t.text not in FILLER_WORDS] or tokens
    return "".join(t.da if lang == "da" else t.en for t in content)


def entry_fields(entry: Entry) -> list[tuple[str, str, float]]:
    """An entry's texts with BM25 field weights: names count three times the prose."""
    fields: list[tuple[str, str, float]] = []
    for lang in ("da", "en"):
        # Whole weights: the counts they add up to stay small ints, which Python shares.
        fields.append((lang, entry.title.get(lang), 3))
        fields.append((lang, entry.summary.get(lang), 1))
        fields.append((lang, entry.critique.get(lang), 1))
        fields.extend((lang, alias_text(a), 3) for a in getattr(entry.aliases, lang))
    return fields


def build_parts(
    entries: Mapping[str, EntryRecord],
    previous: Mapping[str, EntryParts],
    store: PartsStore | None = None,
) -> dict[str, EntryParts]:
    """The parts of every entry: reused from `previous` (same entry object), found in `store`
    (same content), or worked out; the store is brought up to date when anything was new."""
    parts: dict[str, EntryParts] = {}
    missing: list[str] = []
    for entry_id, record in entries.items():
        old = previous.get(entry_id)
        if old is not None and old.entry is record.entry:
            parts[entry_id] = old
        else:
            missing.append(entry_id)
    if store is None or not missing:
        for entry_id in missing:
            parts[entry_id] = entry_parts(entry_id, entries[entry_id].entry)
        return _in_order(parts, entries)
    stored = store.read()
    keys = {entry_id: _fingerprint(entry_id, r.entry) for entry_id, r in entries.items()}
    computed = 0
    for entry_id in missing:
        entry = entries[entry_id].entry
        found = _thaw(stored.get(keys[entry_id]), entry)
        if found is None:
            found = entry_parts(entry_id, entry)
            computed += 1
        parts[entry_id] = found
    if computed or set(stored) != set(keys.values()):
        store.write({keys[entry_id]: _freeze(p) for entry_id, p in parts.items()})
    return _in_order(parts, entries)


def _in_order(parts: dict[str, EntryParts], entries: Mapping[str, Any]) -> dict[str, EntryParts]:
    """In the knowledge base's order: alias numbers, and so ties, do not depend on reuse."""
    return {entry_id: parts[entry_id] for entry_id in entries}


def _fingerprint(entry_id: str, entry: Entry) -> bytes:
    content = entry.__pydantic_serializer__.to_json(entry)
    return hashlib.blake2b(entry_id.encode() + b"\0" + content, digest_size=16).digest()


def _freeze(parts: EntryParts) -> tuple[Any, ...]:
    """Plain tuples only: the store's unpickler refuses every class."""
    doc = parts.doc
    return (
        tuple((tuple(a), skey, phrase, heads) for a, skey, phrase, heads in parts.aliases),
        (doc.terms, doc.counts, doc.length, doc.surface),
    )


def _thaw(frozen: Any, entry: Entry) -> EntryParts | None:
    if frozen is None:
        return None
    try:
        aliases, (terms, counts, length, surface) = frozen
        return EntryParts(
            entry,
            tuple((Alias(*a), s, p, tuple(h)) for a, s, p, h in aliases),
            TextDoc(tuple(terms), tuple(counts), float(length), tuple(surface)),
        )
    except (TypeError, ValueError):  # the checksum makes this unlikely; recompute if so
        return None


_MAGIC = b"omtanke-parts\n"
_FORMAT = 2
_CODE_FILES = ("entryparts.py", "text.py", "folding.py", "retrieval.py", "frequency.py")


def _code_version() -> bytes:
    """A hash of the code that decides what the parts are."""
    digest = hashlib.blake2b(str(_FORMAT).encode(), digest_size=16)
    here = Path(__file__).resolve().parent
    for name in _CODE_FILES:
        digest.update((here / name).read_bytes())
    return digest.digest()


class _PlainUnpickler(pickle.Unpickler):
    """Unpickles tuples, lists, dicts, strings, bytes and numbers; refuses every class."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"{module}.{name}: the parts store holds no classes")


class PartsStore:
    """One file with the frozen parts of a knowledge base's entries, by content fingerprint."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._code = _code_version()

    def read(self) -> dict[bytes, Any]:
        """The stored parts, or {} when the file is missing, unreadable, foreign or damaged."""
        try:
            blob = self.path.read_bytes()
        except OSError as exc:
            log.debug("no matcher parts read from %s: %s", self.path, exc.strerror or exc)
            return {}
        head = len(_MAGIC) + 32
        if not blob.startswith(_MAGIC) or len(blob) < head:
            return {}
        code, check, payload = blob[len(_MAGIC) : head - 16], blob[head - 16 : head], blob[head:]
        if code != self._code or hashlib.blake2b(payload, digest_size=16).digest() != check:
            return {}
        try:
            data = _PlainUnpickler(io.BytesIO(payload)).load()
        except (pickle.UnpicklingError, EOFError, ValueError, TypeError, MemoryError) as exc:
            log.debug("matcher parts in %s ignored: %s", self.path, exc)
            return {}
        return data if isinstance(data, dict) else {}

    def write(self, parts: dict[bytes, Any]) -> None:
        """Replace the file atomically (readers see the old or the new one, never a mix)."""
        payload = pickle.dumps(parts, protocol=5)
        check = hashlib.blake2b(payload, digest_size=16).digest()
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            tmp.unlink(missing_ok=True)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(_MAGIC + self._code + check)
                fh.write(payload)
            os.replace(tmp, self.path)
        except OSError as exc:
            log.debug("matcher parts not stored in %s: %s", self.path, exc.strerror or exc)
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
