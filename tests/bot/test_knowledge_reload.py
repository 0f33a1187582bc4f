"""KnowledgeHolder.reload: only changed files are parsed, unchanged entries keep their objects, the
work runs in a worker thread, and a broken edit keeps the snapshot that is being served."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path
from typing import Any

import pytest

from bot.core import knowledge as holder_module
from bot.core.knowledge import KnowledgeHolder
from bot.core.settings import load_settings
from knowledge import entryparts
from knowledge.loader import DEFAULT_DIR, load_knowledge_base
from knowledge.matcher import Thresholds


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    root = tmp_path / "entries"
    shutil.copytree(DEFAULT_DIR, root)
    return root


def retitle(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


async def test_a_reload_parses_only_the_edited_file_and_keeps_the_other_entries(
    kb_dir: Path, tmp_path: Path
) -> None:
    holder = KnowledgeHolder(kb_dir, Thresholds(), cache_dir=tmp_path / "cache")
    before = holder.snapshot
    retitle(kb_dir / "home" / "stanley-cup.yaml", "en: Stanley cup", "en: Stanley tumbler cup")
    report = await holder.reload()
    after = holder.snapshot
    assert report.parsed_files == 1 and after is not before
    assert after.kb.entries["stanley-cup"].entry.title.en == "Stanley tumbler cup"
    changed = [
        entry_id
        for entry_id, record in after.kb.entries.items()
        if record.entry is not before.kb.entries[entry_id].entry
    ]
    assert changed == ["stanley-cup"]
    assert after.matcher.match("stanley tumbler cup").entry_id == "stanley-cup"
    question = "skal jeg købe en ny sofa"
    assert after.categories.classify(question) == before.categories.classify(question)
    # The disk cache was brought up to date after the swap: a new process parses nothing.
    restarted = KnowledgeHolder(kb_dir, Thresholds(), cache_dir=tmp_path / "cache")
    assert restarted.last_report.parsed_files == 0
    assert restarted.snapshot.kb.entries == after.kb.entries


async def test_a_new_process_loads_from_the_disk_cache(kb_dir: Path, tmp_path: Path) -> None:
    first = KnowledgeHolder(kb_dir, Thresholds(), cache_dir=tmp_path / "cache")
    assert first.last_report.parsed_files == first.last_report.entry_files
    second = KnowledgeHolder(kb_dir, Thresholds(), cache_dir=tmp_path / "cache")
    assert second.last_report.parsed_files == 0
    assert second.snapshot.kb.entries == first.snapshot.kb.entries


async def test_a_broken_edit_keeps_the_served_snapshot_with_the_same_errors(
    kb_dir: Path,
) -> None:
    holder = KnowledgeHolder(kb_dir, Thresholds())
    good = holder.snapshot
    path = kb_dir / "home" / "stanley-cup.yaml"
    clean = path.read_text(encoding="utf-8")
    verdict = _line(path, "verdict")
    retitle(path, "verdict: ", "verdict: info\nverdict: ")
    broken = await holder.reload()
    assert broken.kb is None and holder.snapshot is good
    assert broken.parsed_files == 1
    assert [str(p) for p in broken.errors] == [
        f"{path}:{verdict + 1}: duplicate key 'verdict' (first defined on line {verdict})"
    ]
    assert broken.problems == load_knowledge_base(kb_dir).problems
    path.write_text(clean, encoding="utf-8")
    fixed = await holder.reload()
    assert fixed.kb is not None and holder.snapshot is not good
    assert holder.snapshot.kb.entries == good.kb.entries


def _line(path: Path, key: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(n for n, text in enumerate(lines, 1) if text.startswith(f"{key}:"))


async def test_the_reload_runs_in_worker_threads(
    kb_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    holder = KnowledgeHolder(kb_dir, Thresholds())
    threads: list[str] = []

    def recorded(function: Any) -> Any:
        def run(*args: Any, **kwargs: Any) -> Any:
            threads.append(function.__name__)
            assert threading.current_thread() is not threading.main_thread()
            return function(*args, **kwargs)

        return run

    for name in ("load_knowledge_base", "build_snapshot"):
        monkeypatch.setattr(holder_module, name, recorded(getattr(holder_module, name)))
    retitle(kb_dir / "home" / "stanley-cup.yaml", "en: Stanley cup", "en: Stanley mug")
    await holder.reload()
    assert threads == ["load_knowledge_base", "build_snapshot"]


@pytest.mark.parametrize("value", ["off", "OFF", "", " ", "none", "false", "0"])
def test_knowledge_cache_dir_can_be_turned_off(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KNOWLEDGE_CACHE_DIR", value)
    assert load_settings().knowledge_cache_dir is None


def test_knowledge_cache_dir_default_and_explicit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KNOWLEDGE_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert load_settings().knowledge_cache_dir == tmp_path / "xdg" / "omtanke"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert load_settings().knowledge_cache_dir == tmp_path / "home" / ".cache" / "omtanke"
    monkeypatch.setenv("KNOWLEDGE_CACHE_DIR", str(tmp_path / "mine"))
    assert load_settings().knowledge_cache_dir == tmp_path / "mine"


def test_a_new_process_reads_the_matcher_parts_from_the_cache_folder(
    kb_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = KnowledgeHolder(kb_dir, Thresholds(), cache_dir=tmp_path / "cache")
    assert sorted(p.suffix for p in (tmp_path / "cache").iterdir()) == [".cache", ".parts"]
    worked_out: list[str] = []
    original = entryparts.entry_parts

    def counting(entry_id: str, entry: Any) -> entryparts.EntryParts:
        worked_out.append(entry_id)
        return original(entry_id, entry)

    monkeypatch.setattr(entryparts, "entry_parts", counting)
    second = KnowledgeHolder(kb_dir, Thresholds(), cache_dir=tmp_path / "cache")
    assert worked_out == []
    question = "skal jeg købe en stanley cup"
    assert second.snapshot.matcher.match(question) == first.snapshot.matcher.match(question)
    # Without a cache folder every entry is worked out again.
    KnowledgeHolder(kb_dir, Thresholds(), cache_dir=None)
    assert len(worked_out) == len(first.snapshot.kb.entries)
