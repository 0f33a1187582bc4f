"""A small BM25 index over the entries' own words: titles, aliases, summaries and critiques.

Guarantees: pure Python, built once per knowledge-base snapshot (a fraction of a second for a
few hundred entries), and a query costs a few dict lookups per word plus a pass over the
postings of those words. Terms are language-tagged Snowball stems (knowledge.text.stems): Danish
text is indexed with the Danish stemmer, English with the English one, and a question word is
looked up in both, so word order, plurals and Danish definite forms do not matter. A query word that is the head or the modifier of a compound in an entry
("støvsugere" in "robotstøvsugere") counts at half weight.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from knowledge.frequency import COMMON_ZIPF, STOP_ZIPF, zipf
from knowledge.text import FILLER_WORDS, NEUTRAL_WORDS, SHOPPING_WORDS, Token, analyse, inflections

K1 = 1.2
B = 0.5
AFFIX_WEIGHT = 0.5
"""A compound part counts half: "støvsuger" is related to "robotstøvsuger", not the same."""
MIN_AFFIX = 4
"""Compound parts shorter than this ("sko", "bag") are too ambiguous to match inside words."""


def _meaningful(tok: Token) -> bool:
    return (
        len(tok.text) > 1
        and not tok.text.isdigit()
        and tok.text not in FILLER_WORDS
        and zipf(tok.text) < STOP_ZIPF
    )


def index_terms(tokens: Iterable[Token], lang: str) -> list[str]:
    """Language-tagged stems of entry text that carry meaning ("da:lobesko", "en:shoe")."""
    return [f"{lang}:{tok.da if lang == 'da' else tok.en}" for tok in tokens if _meaningful(tok)]


@dataclass(frozen=True)
class QueryWord:
    """A word of a question and the index terms it may meet (its Danish and English stems)."""

    text: str
    forms: tuple[str, ...]
    optional: bool = False
    """Context or shopping words ("datter", "worth", "brugt"): they count for an entry that
    has them and never against one that does not."""
    everyday: bool = False
    """An everyday word: it meets entries only as itself or a plain inflection (stems of everyday
    words collide: "table"/"tablet"), never as part of a compound ("maskine"/"kaffemaskine")."""


def query_terms(tokens: Iterable[Token]) -> list[QueryWord]:
    """Distinct meaningful words of a question, each with the index terms it may meet."""
    words: dict[str, QueryWord] = {}
    for tok in tokens:
        if _meaningful(tok) and tok.text not in words:
            words[tok.text] = QueryWord(
                tok.text,
                (f"da:{tok.da}", f"en:{tok.en}"),
                optional=tok.text in NEUTRAL_WORDS or tok.text in SHOPPING_WORDS,
                everyday=zipf(tok.text) >= COMMON_ZIPF,
            )
    return list(words.values())


@dataclass(frozen=True)
class TextHit:
    """How well one entry's text covers a question."""

    entry_id: str
    coverage: float
    """Share (0-1) of the question's informative weight found in the entry, saturated by BM25."""
    bm25: float
    matched: frozenset[str]
    """The question words (folded) found in the entry, exactly or as part of a compound."""
    known_coverage: float = 0.0
    """Coverage counting only words some entry uses: a headline's unrelated words ("vagthund",
    "politiet") say nothing for or against any entry."""
    exact: frozenset[str] = frozenset()
    """The matched question words found as whole words, not only inside a compound."""


class TextIndex:
    """BM25 over weighted fields of each entry; terms are language-tagged stems."""

    def __init__(self, docs: dict[str, Sequence[tuple[str, str, float]]]) -> None:
        """`docs` maps an entry id to (language, text, field weight) triples."""
        self.ids = list(docs)
        postings: dict[str, dict[int, float]] = defaultdict(dict)
        lengths: list[float] = []
        self.surface: list[frozenset[str]] = []
        for i, entry_id in enumerate(self.ids):
            length = 0.0
            surface: set[str] = set()
            for lang, text, weight in docs[entry_id]:
                tokens = analyse(text)
                surface.update(tok.text for tok in tokens)
                for term in index_terms(tokens, lang):
                    postings[term][i] = postings[term].get(i, 0.0) + weight
                    length += weight
            lengths.append(length or 1.0)
            self.surface.append(frozenset(surface))
        self.postings = dict(postings)
        n = max(1, len(self.ids))
        self.avg_length = sum(lengths) / n if lengths else 1.0
        self.norms = [K1 * (1 - B + B * length / self.avg_length) for length in lengths]
        self.idf = {
            t: math.log(1 + (n - len(p) + 0.5) / (len(p) + 0.5)) for t, p in self.postings.items()
        }
        self.max_idf = math.log(1 + (n + 0.5) / 0.5)
        affixes: dict[str, set[str]] = defaultdict(set)
        for term in self.postings:
            tag, word = term[:3], term[3:]
            for size in range(MIN_AFFIX, len(word) - 2):
                affixes[tag + word[:size]].add(term)
                affixes[tag + word[-size:]].add(term)
        self.affixes = {k: frozenset(v) for k, v in affixes.items()}

    def weight(self, word: QueryWord) -> float:
        """How informative a question word is: its best IDF, or the maximum for unknown words."""
        known = [self.idf[f] for f in word.forms if f in self.idf]
        return max(known) if known else self.max_idf

    def search(self, words: Sequence[QueryWord]) -> dict[str, TextHit]:
        """Entries that share at least one word with the question, with coverage and BM25."""
        if not words:
            return {}
        weights = [self.weight(w) for w in words]
        required = sum(w for word, w in zip(words, weights, strict=True) if not word.optional)
        scores: dict[int, float] = defaultdict(float)
        extra: dict[int, float] = defaultdict(float)
        known = 0.0
        matched: dict[int, set[str]] = defaultdict(set)
        exact: dict[int, set[str]] = defaultdict(set)
        for word, weight in zip(words, weights, strict=True):
            found: dict[int, float] = {}
            for form in word.forms:
                for doc, tf in self.postings.get(form, {}).items():
                    found[doc] = max(found.get(doc, 0.0), tf)
                    exact[doc].add(word.text)
                if word.everyday:
                    continue
                for part in (*self.affixes.get(form, ()), *self._parts(form)):
                    for doc, tf in self.postings[part].items():
                        found[doc] = max(found.get(doc, 0.0), tf * AFFIX_WEIGHT)
            if word.everyday:
                forms = inflections(word.text)
                found = {d: tf for d, tf in found.items() if forms & self.surface[d]}
            if found and not word.optional:
                known += weight
            for doc, tf in found.items():
                # Saturated term frequency in 0..1: one title/alias hit (weight 3) is worth most.
                gain = weight * tf / (tf + self.norms[doc])
                scores[doc] += gain
                if word.optional:
                    extra[doc] += weight
                matched[doc].add(word.text)
        return {
            self.ids[doc]: TextHit(
                self.ids[doc],
                round(score / ((required + extra[doc]) or 1.0), 4),
                round(score * (K1 + 1), 4),
                frozenset(matched[doc]),
                round(score / ((known + extra[doc]) or 1.0), 4),
                frozenset(exact[doc] & matched[doc]),
            )
            for doc, score in scores.items()
        }

    def _parts(self, form: str) -> list[str]:
        """Index terms a long question word is built from ("festivalgæster" → "festival")."""
        tag, word = form[:3], form[3:]
        if len(word) < 2 * MIN_AFFIX:
            return []
        pieces = {word[:size] for size in range(MIN_AFFIX + 1, len(word) - 2)}
        pieces |= {word[-size:] for size in range(MIN_AFFIX + 1, len(word) - 2)}
        return [tag + p for p in pieces if tag + p in self.postings]
