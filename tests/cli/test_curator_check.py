"""The curator's check: counts files, reports everything in one pass with hints, knows the topic
list, keeps the schema next to the entries, and writes a template entry."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from tests.cli.test_cli import ROOT, omtanke

ENTRIES = ROOT / "knowledge" / "entries"


def _copy(tmp_path: Path) -> Path:
    kb = tmp_path / "kb"
    shutil.copytree(ENTRIES, kb)
    return kb


def test_one_pass_with_hints_and_a_summary_of_files(tmp_path: Path) -> None:
    kb = _copy(tmp_path)
    total = len([p for p in kb.glob("*/*.yaml") if not p.parent.name.startswith("_")])
    (kb / "home" / "broken.yaml").write_text("title:\n\tda: x\n", encoding="utf-8")  # a tab
    water = kb / "food" / "bottled-water.yaml"
    water.write_text(
        water.read_text(encoding="utf-8").replace("related: [", "related: [stanly-cup, "),
        encoding="utf-8",
    )
    matcha = kb / "food" / "matcha.yaml"
    matcha.write_text(
        matcha.read_text(encoding="utf-8").replace("topics: [K11]", "topics: [K99]"),
        encoding="utf-8",
    )
    result = omtanke("kb", "check", str(kb))
    lines = result.stdout.decode().splitlines()
    assert result.returncode == 1
    assert any("broken.yaml:2:" in line and "tab" in line for line in lines)
    assert any(
        line.startswith(f"{water}:")
        and "'stanly-cup' does not exist (did you mean 'stanley-cup'?)" in line
        for line in lines
    )
    assert any(
        line.startswith(f"{matcha}:")
        and "topic 'K99' is not on the topic list (_topics.yaml)" in line
        for line in lines
    )
    assert (
        lines[-1]
        == f"FAILED: 3 files with errors (3 problems); {total - 2} of {total + 1} entry files are fine; 0 warnings ({kb})"
    )


def test_pointed_at_the_parent_folder_gives_one_hint() -> None:
    result = omtanke("kb", "check", str(ROOT / "knowledge"))
    out = result.stdout.decode().splitlines()
    assert result.returncode == 1 and len(out) == 2
    assert "the knowledge base seems to be" in out[0] and out[0].endswith(
        "point at that folder instead"
    )


def test_topic_list_is_published_and_complete() -> None:
    topics = yaml.safe_load((ENTRIES / "_topics.yaml").read_text(encoding="utf-8"))["topics"]
    assert len(topics) == 141 and topics["A01"] == "Temu"


def test_schema_travels_with_the_folder(tmp_path: Path) -> None:
    kb = _copy(tmp_path)
    first = (kb / "home" / "air-fryer.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert (
        first == "# yaml-language-server: $schema=../schema.json" and (kb / "schema.json").exists()
    )
    other = tmp_path / "other"
    other.mkdir()
    assert omtanke("kb", "schema", "--write", str(other)).returncode == 0
    assert (other / "schema.json").read_bytes() == omtanke("kb", "schema").stdout


def test_kb_new_writes_a_complete_template(tmp_path: Path) -> None:
    kb = _copy(tmp_path)
    env = {"KNOWLEDGE_DIR": str(kb)}
    result = omtanke("kb", "new", "home", "pizza-ovens", env=env)
    assert result.returncode == 0, result.stderr
    text = (kb / "home" / "pizza-ovens.yaml").read_text(encoding="utf-8")
    for field in (
        "title",
        "verdict",
        "summary",
        "critique",
        "alternatives",
        "ask_yourself",
        "aliases",
        "sources",
        "reviewed",
        "related",
        "topics",
    ):
        assert f"\n{field}:" in text
    assert "# skip | think_twice | ok_if_needed | info" in text
    assert omtanke("kb", "check", str(kb)).returncode == 0  # valid as written, ready to fill in
    again = omtanke("kb", "new", "home", "pizza-ovens", env=env)
    assert again.returncode == 2 and b"exists already" in again.stderr
    assert omtanke("kb", "new", "kitchen", "x", env=env).returncode == 2
