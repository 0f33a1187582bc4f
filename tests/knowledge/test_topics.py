"""Every topic of the curated topic list (A01–K23) is covered, and every named product is found."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from knowledge.loader import load_knowledge_base
from knowledge.matcher import Matcher

DATA = Path(__file__).resolve().parents[1] / "data" / "topic_products"
TOPIC_COUNTS = {
    "A": 18,
    "B": 17,
    "C": 14,
    "D": 11,
    "E": 14,
    "F": 11,
    "G": 10,
    "H": 8,
    "I": 6,
    "J": 9,
    "K": 23,
}
ALL_TOPICS = [
    f"{letter}{n:02d}" for letter, count in TOPIC_COUNTS.items() for n in range(1, count + 1)
]


@pytest.fixture(scope="module")
def coverage() -> tuple[dict[str, set[str]], Matcher]:
    report = load_knowledge_base()
    assert report.kb is not None
    by_topic: dict[str, set[str]] = {}
    for record in report.kb.entries.values():
        for topic in record.entry.topics:
            by_topic.setdefault(topic, set()).add(record.id)
    return by_topic, Matcher(report.kb)


def _products() -> dict[str, list[str]]:
    merged: dict[str, list[str]] = {}
    for path in sorted(DATA.glob("*.yaml")):
        for topic, names in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).items():
            merged.setdefault(str(topic), []).extend(str(n) for n in names)
    return merged


def test_every_topic_has_an_entry(coverage: tuple[dict[str, set[str]], Matcher]) -> None:
    by_topic, _ = coverage
    assert len(ALL_TOPICS) == 141
    missing = [t for t in ALL_TOPICS if t not in by_topic]
    assert missing == []
    unknown = sorted(set(by_topic) - set(ALL_TOPICS))
    assert unknown == []


def test_every_named_product_is_found(coverage: tuple[dict[str, set[str]], Matcher]) -> None:
    by_topic, matcher = coverage
    products = _products()
    assert set(products) == set(ALL_TOPICS), sorted(set(ALL_TOPICS) ^ set(products))
    misses = []
    total = 0
    for topic, names in products.items():
        for name in names:
            total += 1
            result = matcher.match(name)
            found = result.entry_id or (result.candidates[0].id if result.candidates else None)
            if found not in by_topic[topic]:
                misses.append(
                    f"{topic} {name!r} → {result.kind} {found} (want one of {sorted(by_topic[topic])})"
                )
    assert total >= 300
    assert misses == []
