"""Curator warnings about aliases that are everyday words (knowledge.lint)."""

from __future__ import annotations

from knowledge.lint import common_word_alias_warnings
from knowledge.loader import load_knowledge_base
from tests.knowledge.conftest import TODAY, KbDir, entry_data


def test_everyday_aliases_are_warned_with_file_line_and_frequency(kbdir: KbDir) -> None:
    kbdir.write(
        "tech/laptops.yaml",
        entry_data(
            "Laptops",
            aliases={"da": ["bærbar computer"], "en": ["computer", "=coach", "owala freesip"]},
        ),
    )
    kbdir.write("home/hm.yaml", entry_data("H&M", aliases={"da": ["H&M"], "en": ["bedst før"]}))
    report = load_knowledge_base(kbdir.root, today=TODAY)
    assert report.kb is not None, report.problems
    warnings = common_word_alias_warnings(report.kb)
    found = {(p.path.rsplit("/", 1)[-1], p.line, p.message.split("'")[1]) for p in warnings}
    laptops = kbdir.root / "tech/laptops.yaml"
    computer_line = next(
        n for n, line in enumerate(laptops.read_text().splitlines(), 1) if "- computer" in line
    )
    assert ("laptops.yaml", computer_line, "computer") in found
    assert {name for _, _, name in found} == {"computer", "H&M", "bedst før"}  # not "=coach"
    assert all(p.severity == "warning" for p in warnings)
    computer = next(p for p in warnings if "'computer'" in p.message)
    assert "frequency 5.0 on the Zipf scale in English" in computer.message
    hm = next(p for p in warnings if "'H&M'" in p.message)
    assert "everyday word 'hm'" in hm.message


def test_the_real_knowledge_base_has_only_known_everyday_aliases() -> None:
    report = load_knowledge_base()
    assert report.kb is not None
    warnings = common_word_alias_warnings(report.kb)
    assert all(p.path.endswith(".yaml") and p.line > 1 for p in warnings)
    assert any("'hm'" in p.message for p in warnings)  # "H&M" is typed "hm", an interjection
