"""Category cards: the packaged cards, and every problem reported as path:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.cards import CARDS_DIR, load_cards
from knowledge.loader import DEFAULT_DIR, load_knowledge_base
from tests.knowledge.conftest import TODAY, KbDir, entry_data


def card_data(**overrides: object) -> dict[str, object]:
    """A valid card as plain data; override fields per test."""
    data: dict[str, object] = {
        "title": {"da": "Møbler", "en": "Furniture"},
        "summary": {"da": "Brugt er godt.", "en": "Used is good."},
        "ladder": [
            {"kind": "use", "da": "Brug det, du har.", "en": "Use what you have."},
            {"kind": "secondhand", "da": "Køb brugt.", "en": "Buy used."},
            {"kind": "repair", "da": "Reparer.", "en": "Repair."},
        ],
        "check_used": [{"da": "Sid i den.", "en": "Sit in it."}],
        "sources": [{"publisher": "Schibsted", "title": "Second-hand report", "year": 2024}],
        "reviewed": TODAY.isoformat(),
        "vocabulary": {"da": ["sofa", "sovesofa"], "en": ["couch"]},
        "secondhand_sites": ["dba"],
    }
    data.update(overrides)
    return data


def test_packaged_cards_load_cleanly() -> None:
    report = load_knowledge_base(DEFAULT_DIR)
    assert report.kb is not None
    kb = report.kb
    cards, problems = load_cards(
        DEFAULT_DIR,
        entry_ids=set(kb.entries),
        folders={r.category for r in kb.entries.values()},
        today=TODAY,
    )
    assert [str(p) for p in problems] == []
    assert len(cards) == 15
    for record in cards.values():
        card = record.card
        assert card.sources and all(s.year for s in card.sources), record.id
        assert card.vocabulary.da and card.vocabulary.en, record.id
        assert card.secondhand_sites, record.id


def test_entry_loader_skips_underscore_folders(kbdir: KbDir) -> None:
    kbdir.write("home/stanley-cup.yaml", entry_data())
    kbdir.write(f"{CARDS_DIR}/furniture.yaml", card_data())
    report = load_knowledge_base(kbdir.root, today=TODAY)
    assert report.kb is not None, [str(p) for p in report.problems]
    assert list(report.kb.entries) == ["stanley-cup"]
    cards, problems = load_cards(kbdir.root, today=TODAY)
    assert list(cards) == ["furniture"] and problems == []


def test_no_cards_folder_is_no_cards(tmp_path: Path) -> None:
    assert load_cards(tmp_path) == ({}, [])


def _messages(kbdir: KbDir) -> list[str]:
    _cards, problems = load_cards(kbdir.root, entry_ids={"fast-furniture"}, folders={"home"})
    return [str(p) for p in problems]


def test_yaml_error_has_its_line(kbdir: KbDir) -> None:
    path = kbdir.write(f"{CARDS_DIR}/bad.yaml", "title:\n  da: a\n  en: b\nsummary: da: x\n")
    [message] = _messages(kbdir)
    assert message.startswith(
        f"{path}:4: YAML syntax error: the text contains ': ' (a colon and a space)"
    )


def test_unknown_field_points_at_its_line(kbdir: KbDir) -> None:
    path = kbdir.write(f"{CARDS_DIR}/furniture.yaml", card_data(vocabulary_da=["x"]))
    text = path.read_text(encoding="utf-8").splitlines()
    line = next(i for i, t in enumerate(text, 1) if t.startswith("vocabulary_da"))
    assert _messages(kbdir) == [
        f"{path}:{line}: unknown field 'vocabulary_da' (did you mean 'vocabulary'?)"
    ]


def test_ladder_out_of_order_is_an_error(kbdir: KbDir) -> None:
    ladder = [
        {"kind": "new", "da": "Nyt.", "en": "New."},
        {"kind": "use", "da": "Brug.", "en": "Use."},
        {"kind": "repair", "da": "Reparer.", "en": "Repair."},
    ]
    path = kbdir.write(f"{CARDS_DIR}/furniture.yaml", card_data(ladder=ladder))
    cards, problems = load_cards(kbdir.root)
    assert cards == {}
    assert [p.message for p in problems] == [
        "ladder: ladder must go in the order use → borrow/secondhand → repair → new"
    ]
    assert problems[0].path == str(path)


def test_same_word_in_two_cards_is_an_error_naming_both(kbdir: KbDir) -> None:
    first = kbdir.write(f"{CARDS_DIR}/furniture.yaml", card_data())
    second = kbdir.write(
        f"{CARDS_DIR}/garden.yaml",
        card_data(vocabulary={"da": ["havestol", "Sofa"], "en": []}),
    )
    cards, problems = load_cards(kbdir.root)
    first_line = next(
        i for i, t in enumerate(first.read_text().splitlines(), 1) if t.strip() == "- sofa"
    )
    second_line = next(
        i for i, t in enumerate(second.read_text().splitlines(), 1) if t.strip() == "- Sofa"
    )
    assert [str(p) for p in problems] == [
        f"{second}:{second_line}: 'Sofa' is also in card 'furniture' ({first}:{first_line})"
    ]
    assert list(cards) == ["furniture"]  # the card with the error is left out


def test_unknown_entries_and_folders_are_warnings(kbdir: KbDir) -> None:
    kbdir.write(
        f"{CARDS_DIR}/furniture.yaml",
        card_data(entries=["fast-furniture", "no-such-entry"], folders=["nope"]),
    )
    cards, problems = load_cards(kbdir.root, entry_ids={"fast-furniture"}, folders={"home"})
    assert list(cards) == ["furniture"]
    assert [(p.severity, p.message) for p in problems] == [
        ("warning", "entry 'no-such-entry' does not exist"),
        ("warning", "entry folder 'nope' does not exist"),
    ]


def test_an_entry_belongs_to_one_card(kbdir: KbDir) -> None:
    kbdir.write(f"{CARDS_DIR}/furniture.yaml", card_data(entries=["fast-furniture"]))
    kbdir.write(
        f"{CARDS_DIR}/garden.yaml",
        card_data(vocabulary={"da": ["havestol"], "en": []}, entries=["fast-furniture"]),
    )
    _cards, problems = load_cards(kbdir.root)
    assert len(problems) == 1
    assert "entry 'fast-furniture' is also listed by card 'furniture'" in problems[0].message


@pytest.mark.parametrize("name", ["Furniture.yaml", "møbler.yaml", "two words.yaml"])
def test_file_name_must_be_an_id(kbdir: KbDir, name: str) -> None:
    path = kbdir.write(f"{CARDS_DIR}/{name}", card_data())
    cards, problems = load_cards(kbdir.root)
    assert cards == {}
    assert [str(p) for p in problems] == [
        f"{path}:1: file name '{name}' is not a valid id: use lowercase letters, digits and dashes"
    ]


def test_missing_language_is_an_error(kbdir: KbDir) -> None:
    path = kbdir.write(f"{CARDS_DIR}/furniture.yaml", card_data(summary={"da": "Kun dansk."}))
    cards, problems = load_cards(kbdir.root)
    line = next(
        i for i, t in enumerate(path.read_text().splitlines(), 1) if t.startswith("summary")
    )
    assert cards == {}
    assert [str(p) for p in problems] == [
        f"{path}:{line}: summary: the English text ('en') is missing"
    ]


def test_filler_only_word_is_a_warning(kbdir: KbDir) -> None:
    kbdir.write(f"{CARDS_DIR}/furniture.yaml", card_data(vocabulary={"da": ["sofa", "skal jeg"]}))
    cards, problems = load_cards(kbdir.root)
    assert list(cards) == ["furniture"]
    assert [(p.severity, p.message) for p in problems] == [
        ("warning", "'skal jeg' is only question filler words and would never match")
    ]
