"""Fixtures: the real knowledge base's matcher, and a gate for tests that run Tesseract.

Without tesseract (or its Danish/English data, or the DejaVu fonts the corpus is drawn with) the
OCR tests are skipped locally with the reason and how to install it, and fail when `CI` is set:
.ci/run installs the packages, so in CI they must run.
"""

from __future__ import annotations

import os

import pytest

from bot.core.ocr import ocr_available
from knowledge.matcher import Matcher
from tests.screenshots.corpus import fonts_missing, knowledge_base


@pytest.fixture(scope="session")
def matcher() -> Matcher:
    """A matcher over the shipped knowledge base (the corpus expects its entry ids)."""
    return Matcher(knowledge_base())


@pytest.fixture(scope="session")
def ocr_problem() -> str | None:
    """Why screenshots cannot be read here, or None (checked once)."""
    return ocr_available() or fonts_missing()


@pytest.fixture(scope="session")
def needs_ocr(ocr_problem: str | None) -> None:
    """Skip (locally) or fail (CI) when Tesseract or the corpus fonts are missing."""
    if ocr_problem is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{ocr_problem} (CI is set: the OCR tests must run; see .ci/run)")
    pytest.skip(ocr_problem)
