"""Omtanke against a TF-IDF character n-gram baseline on the whole question set (issue #11).

Run with `pytest -s tests/knowledge/test_realworld.py` to see the figures. Both systems see the
same entries and the same rows; the baseline's answer threshold is chosen in its favour (the
best it can do on these very rows), Omtanke's thresholds are the shipped ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from knowledge.loader import KnowledgeBase, load_knowledge_base
from knowledge.matcher import Matcher
from tests.knowledge.baseline import TfidfBaseline
from tests.knowledge.questions import Question, held_out, load, offered


@dataclass(frozen=True)
class Figures:
    """Shares (0-1) over a set of rows."""

    top1: float
    top3: float
    rejection: float
    wrong_answers: int
    products: int
    offtopic: int

    def line(self, name: str) -> str:
        return (
            f"{name:<22} top-1 {self.top1:6.1%}  top-3 {self.top3:6.1%}  "
            f"off-topic rejection {self.rejection:6.1%}  confident wrong answers "
            f"{self.wrong_answers:3d}  (products {self.products}, off-topic {self.offtopic})"
        )


def _offtopic_rows(rows: list[Question]) -> list[Question]:
    """Rows that must not be offered an entry: off-topic or "do not answer" expectations."""
    return [
        q
        for q in rows
        if not q.product and any(e.split(":")[0] in {"!offtopic", "!fallback"} for e in q.expected)
    ]


def omtanke_figures(matcher: Matcher, rows: list[Question]) -> Figures:
    products = [q for q in rows if q.product]
    offtopic = _offtopic_rows(rows)
    top1 = top3 = wrong = 0
    for q in products:
        result = matcher.match(q.text)
        top1 += q.met(result)
        top3 += q.in_top3(result)
        wrong += result.kind == "answer" and result.entry_id not in q.ids
    rejected = 0
    for q in offtopic:
        result = matcher.match(q.text)
        rejected += not offered(result)
        wrong += result.kind == "answer"
    return Figures(
        top1 / max(1, len(products)),
        top3 / max(1, len(products)),
        rejected / max(1, len(offtopic)),
        wrong,
        len(products),
        len(offtopic),
    )


def baseline_threshold(baseline: TfidfBaseline, rows: list[Question]) -> float:
    """The answer threshold that suits the baseline best on these rows (top-1 + rejection)."""
    ranked = {q.text: baseline.rank(q.text) for q in rows}

    def merit(threshold: float) -> float:
        figures = baseline_figures(baseline, rows, threshold, ranked)
        return figures.top1 + figures.rejection

    return max((step / 100 for step in range(0, 81)), key=merit)


def baseline_figures(
    baseline: TfidfBaseline,
    rows: list[Question],
    threshold: float,
    ranked: dict[str, list[tuple[str, float]]] | None = None,
) -> Figures:
    """The baseline's figures when it answers at or above `threshold` and rejects below."""
    ranked = ranked if ranked is not None else {q.text: baseline.rank(q.text) for q in rows}
    products = [q for q in rows if q.product]
    offtopic = _offtopic_rows(rows)
    top1 = top3 = wrong = 0
    for q in products:
        shown = [e for e, s in ranked[q.text] if s >= threshold]
        hit = bool(shown) and shown[0] in q.ids
        top1 += hit or (not shown and any(e in {"!gap", "!fallback"} for e in q.expected))
        top3 += any(e in q.ids for e in shown[:3])
        wrong += bool(shown) and not hit
    rejected = sum(not any(s >= threshold for _, s in ranked[q.text]) for q in offtopic)
    wrong += len(offtopic) - rejected
    return Figures(
        top1 / max(1, len(products)),
        top3 / max(1, len(products)),
        rejected / max(1, len(offtopic)),
        wrong,
        len(products),
        len(offtopic),
    )


@pytest.fixture(scope="module")
def systems() -> tuple[KnowledgeBase, Matcher, TfidfBaseline]:
    report = load_knowledge_base()
    assert report.kb is not None, "\n".join(map(str, report.errors))
    return report.kb, Matcher(report.kb), TfidfBaseline(report.kb)


def test_question_sets_have_the_promised_size() -> None:
    realworld = held_out(["realworld.tsv"])
    assert len(realworld) >= 250
    assert all(q.source for q in realworld), "every real-world row names where it came from"
    from knowledge.text import detect_language

    assert sum(detect_language(q.text) == "da" for q in realworld) >= 100
    offtopic = _offtopic_rows(load())
    assert len(offtopic) >= 100 + 60  # the new set, plus the curated sets' off-topic rows


def test_omtanke_beats_the_tfidf_baseline(
    systems: tuple[KnowledgeBase, Matcher, TfidfBaseline],
) -> None:
    kb, matcher, baseline = systems
    whole = load()
    for q in whole:
        for entry_id in q.ids:
            assert entry_id in kb.entries, f"{q.where()}: unknown entry id {entry_id}"
    realworld = held_out(["realworld.tsv"])
    threshold = baseline_threshold(baseline, whole)
    lines = [f"baseline answers at cosine >= {threshold:.2f} (its best on the whole set)"]
    for name, rows in (("whole set", whole), ("real-world only", realworld)):
        ours, theirs = omtanke_figures(matcher, rows), baseline_figures(baseline, rows, threshold)
        lines += [
            f"-- {name} ({len(rows)} rows)",
            ours.line("Omtanke"),
            theirs.line("TF-IDF baseline"),
        ]
        if name == "whole set":
            whole_ours, whole_theirs = ours, theirs
    print("\n" + "\n".join(lines))
    assert whole_ours.top1 >= whole_theirs.top1 + 0.10, "\n".join(lines)
    assert whole_ours.rejection >= 0.99, "\n".join(lines)
