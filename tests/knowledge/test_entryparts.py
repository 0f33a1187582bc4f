"""The parts store: matcher work per entry kept across restarts, never changing an answer."""

from __future__ import annotations

import hashlib
import os
import pickle
import stat
from dataclasses import replace
from pathlib import Path

import pytest

from knowledge import entryparts
from knowledge.entryparts import PartsStore
from knowledge.loader import KnowledgeBase, load_knowledge_base
from knowledge.matcher import Matcher
from tests.knowledge.questions import load

QUESTIONS = [q.text for q in load()][::7]


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    report = load_knowledge_base()
    assert report.kb is not None
    return report.kb


@pytest.fixture(scope="module")
def expected(kb: KnowledgeBase) -> list[tuple[object, ...]]:
    return _answers(Matcher(kb))


@pytest.fixture
def computed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ids of the entries whose parts were worked out (not reused or read from a store)."""
    calls: list[str] = []
    original = entryparts.entry_parts

    def counting(entry_id: str, entry: object) -> entryparts.EntryParts:
        calls.append(entry_id)
        return original(entry_id, entry)  # type: ignore[arg-type]

    monkeypatch.setattr(entryparts, "entry_parts", counting)
    return calls


def _answers(matcher: Matcher) -> list[tuple[object, ...]]:
    out: list[tuple[object, ...]] = []
    for q in QUESTIONS:
        r = matcher.match(q)
        out.append((r.kind, r.entry_id, r.score, [(c.id, c.score) for c in r.candidates]))
    return out


def test_a_second_build_reads_every_entry_from_the_store(
    kb: KnowledgeBase, expected: list[tuple[object, ...]], computed: list[str], tmp_path: Path
) -> None:
    store = tmp_path / "cache" / "parts"
    first = Matcher(kb, store=PartsStore(store))
    assert len(computed) == len(kb.entries)
    assert stat.S_IMODE(store.stat().st_mode) == 0o600
    computed.clear()
    second = Matcher(kb, store=PartsStore(store))
    assert computed == []
    assert _answers(first) == expected
    assert _answers(second) == expected


def test_an_edited_entry_is_worked_out_again_and_stored(
    kb: KnowledgeBase, computed: list[str], tmp_path: Path
) -> None:
    store = PartsStore(tmp_path / "parts")
    Matcher(kb, store=store)
    record = kb.entries["stanley-cup"]
    edited_entry = record.entry.model_copy(
        update={"aliases": record.entry.aliases.model_copy(update={"en": ["zorbly flask"]})}
    )
    edited_record = record.model_copy(update={"entry": edited_entry})
    edited = replace(kb, entries={**kb.entries, "stanley-cup": edited_record})
    computed.clear()
    matcher = Matcher(edited, store=store)
    assert computed == ["stanley-cup"]
    assert matcher.match("zorbly flask").entry_id == "stanley-cup"
    computed.clear()
    Matcher(edited, store=store)
    assert computed == []


@pytest.mark.parametrize(
    "damage",
    ["garbage", "truncated", "flipped", "empty", "other code"],
)
def test_a_damaged_store_is_ignored_and_rewritten(
    kb: KnowledgeBase,
    expected: list[tuple[object, ...]],
    computed: list[str],
    tmp_path: Path,
    damage: str,
) -> None:
    path = tmp_path / "parts"
    Matcher(kb, store=PartsStore(path))
    blob = path.read_bytes()
    if damage == "garbage":
        blob = os.urandom(4096)
    elif damage == "truncated":
        blob = blob[: len(blob) // 2]
    elif damage == "flipped":
        at = len(blob) - 100
        blob = blob[:at] + bytes([blob[at] ^ 0x01]) + blob[at + 1 :]
    elif damage == "empty":
        blob = b""
    else:
        blob = blob[:14] + bytes(16) + blob[30:]
    path.write_bytes(blob)
    computed.clear()
    matcher = Matcher(kb, store=PartsStore(path))
    assert len(computed) == len(kb.entries)
    assert _answers(matcher) == expected
    computed.clear()
    Matcher(kb, store=PartsStore(path))
    assert computed == []


class _Boom:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, ("touch /tmp/omtanke-should-not-exist",))


def test_a_store_with_a_class_in_it_is_refused_without_running_it(
    kb: KnowledgeBase, expected: list[tuple[object, ...]], tmp_path: Path
) -> None:
    path = tmp_path / "parts"
    store = PartsStore(path)
    Matcher(kb, store=store)
    header = path.read_bytes()[:30]
    payload = pickle.dumps({b"x": _Boom()}, protocol=5)
    check = hashlib.blake2b(payload, digest_size=16).digest()
    path.write_bytes(header + check + payload)  # a valid checksum: only the class is wrong
    assert store.read() == {}
    assert not Path("/tmp/omtanke-should-not-exist").exists()
    assert _answers(Matcher(kb, store=store)) == expected


def test_a_store_that_cannot_be_written_only_costs_time(
    kb: KnowledgeBase, expected: list[tuple[object, ...]], tmp_path: Path
) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    matcher = Matcher(kb, store=PartsStore(blocked / "parts"))
    assert _answers(matcher) == expected
    assert not (blocked / "parts").exists()
