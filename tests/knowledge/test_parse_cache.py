"""The parse cache: unchanged files are reused (same objects, not parsed), changed ones parsed again,
and a load with the cache -- in memory or on disk, sound or damaged -- reports exactly what a load
without it reports."""

from __future__ import annotations

import datetime as dt
import gc
import os
import stat
from pathlib import Path

import pytest
import yaml

from knowledge import loader, parsecache
from knowledge.gcpause import collector_paused
from knowledge.loader import DEFAULT_DIR, LoadReport, load_knowledge_base
from tests.knowledge.conftest import TODAY, KbDir, entry_data


def three(kbdir: KbDir) -> KbDir:
    for name, title in (("cup", "Stanley cup"), ("sofa", "Corner sofa"), ("phone", "New phone")):
        kbdir.write(f"home/{name}.yaml", entry_data(title, aliases={"da": [], "en": [name]}))
    return kbdir


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """The bytes of every entry file the loader parses from now on."""
    seen: list[bytes] = []
    real = loader.parse_entry

    def counting(raw: bytes) -> parsecache.ParsedFile:
        seen.append(raw)
        return real(raw)

    monkeypatch.setattr(loader, "parse_entry", counting)
    return seen


def shown(report: LoadReport) -> list[str]:
    return [str(p) for p in report.problems]


# --- in memory: `previous=` ----------------------------------------------------------------------


def test_unchanged_files_give_the_same_entry_objects_and_are_not_parsed(
    kbdir: KbDir, parses: list[bytes]
) -> None:
    first = load_knowledge_base(three(kbdir).root, today=TODAY)
    assert first.kb is not None and first.parsed_files == 3 and len(parses) == 3
    second = load_knowledge_base(kbdir.root, today=TODAY, previous=first)
    assert second.kb is not None
    assert len(parses) == 3 and second.parsed_files == 0
    assert second.kb.version == first.kb.version
    for entry_id, record in first.kb.entries.items():
        assert second.kb.entries[entry_id].entry is record.entry
        assert second.kb.entries[entry_id] == record


def test_an_edited_file_is_parsed_again_and_only_it(kbdir: KbDir, parses: list[bytes]) -> None:
    first = load_knowledge_base(three(kbdir).root, today=TODAY)
    path = kbdir.write("home/sofa.yaml", entry_data("Sectional sofa"))
    second = load_knowledge_base(kbdir.root, today=TODAY, previous=first)
    assert second.kb is not None and first.kb is not None
    assert parses[3:] == [path.read_bytes()] and second.parsed_files == 1
    assert second.kb.entries["sofa"].entry.title.en == "Sectional sofa"
    assert second.kb.entries["cup"].entry is first.kb.entries["cup"].entry
    assert second.kb.version != first.kb.version


def test_deleted_and_added_files(kbdir: KbDir, parses: list[bytes]) -> None:
    first = load_knowledge_base(three(kbdir).root, today=TODAY)
    (kbdir.root / "home" / "phone.yaml").unlink()
    added = kbdir.write("tech/laptop.yaml", entry_data("Gaming laptop"))
    second = load_knowledge_base(kbdir.root, today=TODAY, previous=first)
    assert second.kb is not None
    assert sorted(second.kb.entries) == ["cup", "laptop", "sofa"]
    assert second.kb.entries["laptop"].category == "tech"
    assert parses[3:] == [added.read_bytes()]
    # The cache holds what this load read, so it does not grow with every edit.
    assert sorted(second.parsed) == sorted(
        parsecache.file_key((kbdir.root / rel).read_bytes())
        for rel in ("home/cup.yaml", "home/sofa.yaml", "tech/laptop.yaml")
    )


def test_the_same_bytes_under_another_name_are_checked_for_that_name(
    kbdir: KbDir, parses: list[bytes]
) -> None:
    first = load_knowledge_base(three(kbdir).root, today=TODAY)
    original = kbdir.root / "home" / "cup.yaml"
    copy = kbdir.write("tech/cup-copy.yaml", original.read_bytes())
    second = load_knowledge_base(kbdir.root, today=TODAY, previous=first)
    assert len(parses) == 3  # the copy's bytes are known
    lines = original.read_text(encoding="utf-8").splitlines()
    title, title_da = (
        lines.index("  en: Stanley cup") + 1,
        lines.index("  da: Stanley cup (da)") + 1,
    )
    alias = lines.index("  - cup") + 1
    assert shown(second) == [
        f"{copy}:{title_da}: alias 'Stanley cup (da)' is also used by 'cup' ({original}:{title_da})",
        f"{copy}:{title}: alias 'Stanley cup' is also used by 'cup' ({original}:{title})",
        f"{copy}:{alias}: alias 'cup' is also used by 'cup' ({original}:{alias})",
    ]
    assert shown(second) == shown(load_knowledge_base(kbdir.root, today=TODAY))


def test_a_broken_edit_gives_the_same_errors_then_the_fix_loads(kbdir: KbDir) -> None:
    first = load_knowledge_base(three(kbdir).root, today=TODAY)
    text = yaml.safe_dump(entry_data("Corner sofa"), allow_unicode=True, sort_keys=False)
    text = text.replace("verdict: skip\n", "verdict: skip\nverdict: info\n")
    path = kbdir.write("home/sofa.yaml", text)
    line = text.splitlines().index("verdict: info") + 1
    broken = load_knowledge_base(kbdir.root, today=TODAY, previous=first)
    assert broken.kb is None
    assert shown(broken) == [
        f"{path}:{line}: duplicate key 'verdict' (first defined on line {line - 1})"
    ]
    again = load_knowledge_base(kbdir.root, today=TODAY, previous=broken)
    assert again.parsed_files == 0 and shown(again) == shown(broken)
    kbdir.write("home/sofa.yaml", entry_data("Corner sofa", aliases={"da": [], "en": ["sofa"]}))
    fixed = load_knowledge_base(kbdir.root, today=TODAY, previous=again)
    assert fixed.kb is not None and first.kb is not None and fixed.parsed_files == 1
    assert fixed.kb.entries == first.kb.entries


def test_warnings_follow_the_date_not_the_cache(kbdir: KbDir) -> None:
    path = kbdir.write("home/cup.yaml", entry_data(reviewed="2024-01-15"))
    first = load_knowledge_base(kbdir.root, today=dt.date(2024, 6, 1))
    assert shown(first) == []
    later = load_knowledge_base(kbdir.root, today=dt.date(2026, 6, 1), previous=first)
    line = path.read_text(encoding="utf-8").splitlines().index("reviewed: '2024-01-15'") + 1
    assert later.parsed_files == 0
    assert shown(later) == [
        f"{path}:{line}: warning: reviewed 2024-01-15, more than 18 months ago: check the facts"
    ]


def test_a_file_with_many_errors_is_cut_off_the_same_way(kbdir: KbDir) -> None:
    data = entry_data(**{f"extra{i}": i for i in range(30)})
    path = kbdir.write("home/cup.yaml", {"id": "other", **data})
    fresh = load_knowledge_base(kbdir.root, today=TODAY)
    cached = load_knowledge_base(kbdir.root, today=TODAY, previous=fresh)
    assert len(fresh.problems) == 21 and cached.parsed_files == 0
    assert f"{path}:1: … and 11 more problems in this file" in shown(fresh)
    assert shown(cached) == shown(fresh)


# --- on disk: `cache_dir=` -----------------------------------------------------------------------


def test_a_new_process_reads_the_disk_cache(kbdir: KbDir, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = load_knowledge_base(three(kbdir).root, today=TODAY, cache_dir=cache)
    (stored,) = cache.iterdir()
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    second = load_knowledge_base(kbdir.root, today=TODAY, cache_dir=cache)
    assert second.kb is not None and first.kb is not None
    assert second.parsed_files == 0
    assert second.kb.entries == first.kb.entries
    assert second.kb.version == first.kb.version
    assert stored.stat().st_mtime_ns == next(cache.iterdir()).stat().st_mtime_ns  # not rewritten


def test_the_disk_cache_keeps_errors_and_lines(kbdir: KbDir, tmp_path: Path) -> None:
    three(kbdir).write(
        "home/bad.yaml", entry_data(verdict="maybe", aliases={"da": [], "en": ["cup"]})
    )
    fresh = load_knowledge_base(kbdir.root, today=TODAY)
    load_knowledge_base(kbdir.root, today=TODAY, cache_dir=tmp_path)
    cached = load_knowledge_base(kbdir.root, today=TODAY, cache_dir=tmp_path)
    assert cached.parsed_files == 0 and cached.kb is None
    assert shown(cached) == shown(fresh) and len(shown(fresh)) == 1


def damage(cache_file: Path, how: str) -> None:
    raw = cache_file.read_bytes()
    header, _, body = raw.partition(b"\n")
    if how == "garbage":
        cache_file.write_bytes(os.urandom(4096))
    elif how == "truncated":
        cache_file.write_bytes(raw[: len(raw) // 2])
    elif how == "empty":
        cache_file.write_bytes(b"")
    elif how == "one byte changed":
        cache_file.write_bytes(raw[:-10] + bytes([raw[-10] ^ 1]) + raw[-9:])
    elif how == "other format":
        cache_file.write_bytes(header.replace(b" 1 ", b" 2 ") + b"\n" + body)
    elif how == "foreign json with a good header":
        body = b'{"format": 1, "fingerprint": "x", "files": {"a": 1}}'
        cache_file.write_bytes(parsecache._header(body) + b"\n" + body)
    elif how == "a folder":
        cache_file.unlink()
        cache_file.mkdir()
    elif how == "a symlink":
        cache_file.unlink()
        cache_file.symlink_to(DEFAULT_DIR / "_categories.yaml")


@pytest.mark.parametrize(
    "how",
    [
        "garbage",
        "truncated",
        "empty",
        "one byte changed",
        "other format",
        "foreign json with a good header",
        "a folder",
        "a symlink",
    ],
)
def test_a_damaged_cache_is_ignored(kbdir: KbDir, tmp_path: Path, how: str) -> None:
    cache = tmp_path / "cache"
    fresh = load_knowledge_base(three(kbdir).root, today=TODAY, cache_dir=cache)
    (cache_file,) = cache.iterdir()
    damage(cache_file, how)
    loaded = load_knowledge_base(kbdir.root, today=TODAY, cache_dir=cache)
    assert loaded.parsed_files == 3
    assert loaded.kb is not None and fresh.kb is not None
    assert loaded.kb.entries == fresh.kb.entries and shown(loaded) == shown(fresh)
    if how != "a folder":  # replaced by a sound cache
        assert load_knowledge_base(kbdir.root, today=TODAY, cache_dir=cache).parsed_files == 0


def test_a_cache_of_other_loader_code_is_ignored(
    kbdir: KbDir, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_knowledge_base(three(kbdir).root, today=TODAY, cache_dir=tmp_path)
    monkeypatch.setattr(parsecache, "fingerprint", lambda: "other code")
    assert load_knowledge_base(kbdir.root, today=TODAY, cache_dir=tmp_path).parsed_files == 3


def test_a_cache_dir_that_cannot_be_written_only_turns_caching_off(
    kbdir: KbDir, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    for cache in (blocker / "cache", blocker):
        report = load_knowledge_base(three(kbdir).root, today=TODAY, cache_dir=cache)
        assert report.kb is not None and report.problems == [] and report.parsed_files == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "entries"]  # no stray file


# --- the parsers and the collector ---------------------------------------------------------------


def test_the_fast_parser_gives_what_the_guarded_one_gives() -> None:
    files = sorted(DEFAULT_DIR.rglob("*.yaml"))
    assert len(files) > 200
    for path in files:
        text = path.read_text(encoding="utf-8")
        guarded = loader._parse_with(loader._LOADER, text, fast=False)
        if not loader._MARKERS & set(text):
            assert loader._parse_with(loader._CSafeLoader, text, fast=True) == guarded, path
        assert loader._parse_yaml(text) == guarded, path


def test_text_with_an_ampersand_loads_through_the_guarded_parser(kbdir: KbDir) -> None:
    kbdir.write("home/cup.yaml", entry_data("Tips & tricks *for* cups"))
    report = load_knowledge_base(kbdir.root, today=TODAY)
    assert report.kb is not None
    assert report.kb.entries["cup"].entry.title.en == "Tips & tricks *for* cups"


def test_the_collector_is_paused_only_while_loading(kbdir: KbDir) -> None:
    assert gc.isenabled()
    with collector_paused:
        assert not gc.isenabled()
        with collector_paused:
            load_knowledge_base(kbdir.root, today=TODAY)
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        load_knowledge_base(kbdir.root, today=TODAY)
        assert not gc.isenabled()  # someone else's choice is kept
    finally:
        gc.enable()


def forge(cache: Path, **update: object) -> None:
    """Rewrite every stored file of the cache with `update`, under a header that fits."""
    (cache_file,) = cache.iterdir()
    stored = parsecache._CacheFile.model_validate_json(cache_file.read_bytes().partition(b"\n")[2])
    files = {key: item.model_copy(update=update) for key, item in stored.files.items()}
    body = stored.model_copy(update={"files": files}).model_dump_json().encode()
    cache_file.write_bytes(parsecache._header(body) + b"\n" + body)


def test_a_cache_with_a_good_header_but_nonsense_inside_does_not_crash(
    kbdir: KbDir, tmp_path: Path
) -> None:
    path = three(kbdir).write("home/lamp.yaml", entry_data("Odd lamp", related=["nowhere"]))
    line = len(path.read_text(encoding="utf-8").splitlines())
    problem = f"{path}:{line}: related entry 'nowhere' does not exist"
    cache = tmp_path / "cache"
    assert shown(load_knowledge_base(kbdir.root, today=TODAY, cache_dir=cache)) == [problem]
    forge(cache, alias_keys=["a"])  # cannot fit the entries: they are parsed again
    loaded = load_knowledge_base(kbdir.root, today=TODAY, cache_dir=cache)
    assert loaded.parsed_files == 4 and shown(loaded) == [problem]
    forge(cache, lines='[["x"]]')  # a line map that is no line map: every line is 1
    loaded = load_knowledge_base(kbdir.root, today=TODAY, cache_dir=cache)
    assert loaded.parsed_files == 0 and shown(loaded) == [problem.replace(f":{line}:", ":1:")]
