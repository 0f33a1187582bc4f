"""The layers hold: `lint-imports` (the contracts in pyproject.toml) passes on the project and
fails on a copy with one deliberate upward import or cycle."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")


def _copy(tmp_path: Path) -> Path:
    for name in ("bot", "knowledge", "db"):
        shutil.copytree(
            ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("entries", "__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT), "--no-cache"], cwd=root, env=env, capture_output=True, text=True, timeout=120
    )


def test_the_project_keeps_its_contracts(tmp_path: Path) -> None:
    result = _lint(_copy(tmp_path))
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize(
    ("module", "bad_import", "broken"),
    [
        ("bot/core/advisor.py", "import bot.telegram.app", "the CLI sits on the Telegram glue"),
        ("bot/telegram/render.py", "import bot.cli.console", "the CLI sits on the Telegram glue"),
        ("bot/core/reply.py", "import telegram", "Only bot.telegram imports telegram"),
        ("knowledge/text.py", "import db.models", "never the reverse"),
        ("bot/core/actions.py", "import bot.core.conversation", "No import cycles"),
    ],
)
def test_a_bad_import_is_caught(tmp_path: Path, module: str, bad_import: str, broken: str) -> None:
    root = _copy(tmp_path)
    path = root / module
    path.write_text(
        path.read_text(encoding="utf-8") + f"\n{bad_import}  # deliberate\n", encoding="utf-8"
    )
    result = _lint(root)
    assert result.returncode == 1
    assert f"{broken}" in result.stdout and "BROKEN" in result.stdout
