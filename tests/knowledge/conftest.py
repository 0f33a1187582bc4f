"""Fixtures: a small, valid knowledge directory written to a temp folder per test."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

TODAY = dt.date(2026, 11, 28)


def entry_data(title_en: str = "Stanley cup", **overrides: object) -> dict[str, object]:
    """A valid entry as plain data; override fields per test."""
    data: dict[str, object] = {
        "title": {"da": title_en + " (da)", "en": title_en},
        "verdict": "skip",
        "summary": {"da": "Brug den du har.", "en": "Use the one you have."},
        "critique": {"da": "Kort kritik.", "en": "Short critique."},
        "alternatives": [
            {"kind": "use", "da": "Brug din egen.", "en": "Use your own."},
            {"kind": "secondhand", "da": "Køb brugt.", "en": "Buy used."},
        ],
        "ask_yourself": {"da": "Har jeg en?", "en": "Do I have one?"},
        "aliases": {"da": [], "en": []},
        "sources": [{"publisher": "Tænk", "title": "Test", "year": 2024}],
        "reviewed": TODAY.isoformat(),
    }
    data.update(overrides)
    return data


class KbDir:
    """Writes entry files into a temporary knowledge directory."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        (root / "_categories.yaml").write_text(
            "home: {da: Hjem, en: Home}\ntech: {da: Teknik, en: Tech}\n", encoding="utf-8"
        )

    def write(self, rel: str, content: str | bytes | dict[str, object]) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, dict):
            content = yaml.safe_dump(content, allow_unicode=True, sort_keys=False)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path


@pytest.fixture
def kbdir(tmp_path: Path) -> KbDir:
    return KbDir(tmp_path / "entries")
