"""The question sets in tests/data/questions and what their expectations mean.

A row is `question<TAB>expected[<TAB>source]`. `expected` is one or more alternatives joined by
`|`; the row is met when any alternative is:

* an entry id: the first entry offered (the answer, or the first "did you mean") is that entry;
* `!fallback`: nothing is offered (fallback, offtopic, smalltalk or empty) - "do not answer this";
* `!gap`: kind `fallback` exactly - a shopping question nobody has written about yet;
* `!offtopic` or `!offtopic:<reason>`: kind `offtopic` (with that reason);
* `!smalltalk`, `!empty`: that kind.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from knowledge.matcher import MatchResult

QUESTIONS = Path(__file__).resolve().parents[1] / "data" / "questions"
REJECTED = frozenset({"fallback", "offtopic", "smalltalk", "empty"})
HELD_OUT = frozenset({"realworld.tsv", "offtopic.tsv", "issue11.tsv"})
"""Sets collected for issue #11: measured, never tuned on row by row."""


@dataclass(frozen=True)
class Question:
    """One row of a question set."""

    file: str
    line: int
    text: str
    expected: tuple[str, ...]
    source: str = ""

    @property
    def product(self) -> bool:
        """True when the row expects an entry (its first alternative is an entry id)."""
        return not self.expected[0].startswith("!")

    @property
    def ids(self) -> list[str]:
        return [e for e in self.expected if not e.startswith("!")]

    def met(self, result: MatchResult) -> bool:
        """Whether the matcher's result meets any alternative of the row."""
        return any(_meets(alt, result) for alt in self.expected)

    def in_top3(self, result: MatchResult) -> bool:
        """Met, or one of the expected entries is among the first three offered."""
        return self.met(result) or any(i in offered(result)[:3] for i in self.ids)

    def where(self) -> str:
        return f"{self.file}:{self.line}"


def offered(result: MatchResult) -> list[str]:
    """The entries the bot shows for a result: the answer first, then "did you mean"."""
    if result.kind == "answer" and result.entry_id:
        return [result.entry_id, *(c.id for c in result.candidates)]
    if result.kind == "suggestions":
        return [c.id for c in result.candidates]
    return []


def _meets(alt: str, result: MatchResult) -> bool:
    if not alt.startswith("!"):
        shown = offered(result)
        return bool(shown) and shown[0] == alt
    kind, _, reason = alt[1:].partition(":")
    if kind == "fallback":
        return result.kind in REJECTED
    if kind == "gap":
        return result.kind == "fallback"
    if kind == "offtopic":
        return result.kind == "offtopic" and (not reason or result.offtopic_reason == reason)
    return result.kind == kind


def load(paths: Iterable[Path] | None = None) -> list[Question]:
    """All rows of the given files (default: every set), comments and blank lines skipped."""
    rows: list[Question] = []
    for path in sorted(paths if paths is not None else QUESTIONS.glob("*.tsv")):
        with path.open(encoding="utf-8") as fh:
            for n, row in enumerate(csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE), 1):
                if not row or not row[0].strip() or row[0].startswith("#"):
                    continue
                expected = tuple(e.strip() for e in row[1].split("|"))
                source = row[2].strip() if len(row) > 2 else ""
                rows.append(Question(path.name, n, row[0], expected, source))
    return rows


def curated() -> list[Question]:
    """The hand-written sets the matcher is tuned on (everything but the held-out sets)."""
    return load(p for p in QUESTIONS.glob("*.tsv") if p.name not in HELD_OUT)


def held_out(names: Sequence[str] = tuple(sorted(HELD_OUT))) -> list[Question]:
    return load(QUESTIONS / name for name in names)
