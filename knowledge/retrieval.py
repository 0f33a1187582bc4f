"""A BM25 index over the entries' own words: titles, aliases, summaries and critiques.

Guarantees: built once per knowledge-base snapshot from per-entry documents (`TextDoc`, which a
rebuild after an edit reuses for every unchanged entry), and a query costs a few array
operations per question word, however many entries share that word: postings are numpy arrays
and the scores of all entries are computed at once (`TextScores`), so the matcher can take the
few entries worth ranking without touching the rest. The scores are the same, bit for bit, as
adding them up entry by entry in word order.

Terms are language-tagged Snowball stems (knowledge.text.stems): Danish text is indexed with
the Danish stemmer, English with the English one, and a question word is looked up in both, so
word order, plurals and Danish definite forms do not matter. A query word that is the head or
the modifier of a compound in an entry ("støvsugere" in "robotstøvsugere") counts at half weight.
"""

from __future__ import annotations

import bisect
import math
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from knowledge.frequency import COMMON_ZIPF, STOP_ZIPF, zipf
from knowledge.text import FILLER_WORDS, NEUTRAL_WORDS, SHOPPING_WORDS, Token, analyse, inflections

K1 = 1.2
B = 0.5
AFFIX_WEIGHT = 0.5
"""A compound part counts half: "støvsuger" is related to "robotstøvsuger", not the same."""
MIN_AFFIX = 4
"""Compound parts shorter than this ("sko", "bag") are too ambiguous to match inside words."""
MAX_WORDS = 62
"""Question words are tracked as bits of one integer per entry (a question has at most 40)."""
_CACHE_ELEMENTS = 1_000_000
"""Postings kept per index for words asked before (about 12 MB at most)."""

Ints = npt.NDArray[np.signedinteger[Any]]
"""Entry, alias or row numbers: int64, or int32 where many are kept (posting lists)."""
Floats = npt.NDArray[np.float64]
_NO_INTS: Ints = np.zeros(0, dtype=np.int64)
_NO_FLOATS: Floats = np.zeros(0, dtype=np.float64)


def _meaningful(tok: Token) -> bool:
    return (
        len(tok.text) > 1
        and not tok.text.isdigit()
        and tok.text not in FILLER_WORDS
        and zipf(tok.text) < STOP_ZIPF
    )


_TERMS: dict[Token, tuple[str, str] | None] = {}
_TERMS_MAX = 1 << 18


def _terms(tok: Token) -> tuple[str, str] | None:
    """The token's (Danish, English) index terms, or None when it carries no meaning; cached,
    as an index build meets the same words hundreds of thousands of times."""
    try:
        return _TERMS[tok]
    except KeyError:
        pass
    terms = (sys.intern(f"da:{tok.da}"), sys.intern(f"en:{tok.en}")) if _meaningful(tok) else None
    if len(_TERMS) >= _TERMS_MAX:
        _TERMS.clear()  # bounded, like the token cache it sits on
    _TERMS[tok] = terms
    return terms


def index_terms(tokens: Iterable[Token], lang: str) -> list[str]:
    """Language-tagged stems of entry text that carry meaning ("da:lobesko", "en:shoe")."""
    side = 0 if lang == "da" else 1
    return [terms[side] for tok in tokens if (terms := _terms(tok)) is not None]


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
    return list(words.values())[:MAX_WORDS]


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


@dataclass(frozen=True, slots=True)
class TextDoc:
    """One entry's indexed text: its terms with field-weighted counts, and its folded words."""

    terms: tuple[str, ...]
    counts: tuple[float, ...]
    length: float
    surface: tuple[str, ...]


def text_doc(
    fields: Sequence[tuple[str, str, float]],
    analysed: Callable[[str], list[Token]] = analyse,
) -> TextDoc:
    """The document for one entry from (language, text, field weight) triples; `analysed`
    gives a text's tokens (the matcher passes the ones it already has for the aliases)."""
    counts: dict[str, float] = {}
    length = 0.0
    surface: set[str] = set()
    for lang, text, weight in fields:
        tokens = analysed(text)
        surface.update(tok.text for tok in tokens)
        for term in index_terms(tokens, lang):
            counts[term] = counts.get(term, 0) + weight
            length += weight
    return TextDoc(
        tuple(counts),
        tuple(counts.values()),
        length,
        tuple(sorted(surface)),  # the words of cached tokens: already shared strings
    )


class _Postings:
    """term → (documents, counts) as slices of two flat arrays (compressed rows)."""

    def __init__(self, terms: list[str], term_ids: Ints, docs: Ints, counts: Floats) -> None:
        """One posting per (term_ids[k], docs[k], counts[k]), in ascending document order;
        `terms[i]` is the term numbered i. Rows come out in the order of `terms`."""
        order = np.argsort(term_ids, kind="stable")  # stable: documents stay ascending
        sizes = np.bincount(term_ids, minlength=len(terms))
        self.start = np.zeros(len(terms) + 1, dtype=np.int64)
        np.cumsum(sizes, out=self.start[1:])
        self.docs: Ints = docs[order]
        self.counts: Floats = counts[order] if len(counts) else _NO_FLOATS
        # term → row number; the row's bounds are read from `start` (no tuple per term).
        self.row = {term: i for i, term in enumerate(terms)}

    def __contains__(self, term: str) -> bool:
        return term in self.row

    def docs_of(self, term: str) -> Ints:
        i = self.row.get(term)
        if i is None:
            return _NO_INTS
        return self.docs[self.start[i] : self.start[i + 1]]

    def get(self, term: str) -> tuple[Ints, Floats]:
        i = self.row.get(term)
        if i is None:
            return _NO_INTS, _NO_FLOATS
        a, b = self.start[i], self.start[i + 1]
        return self.docs[a:b], self.counts[a:b]

    def size(self, term: str) -> int:
        i = self.row[term]
        return int(self.start[i + 1] - self.start[i])


class TextScores:
    """BM25 coverage of one question for every entry at once (arrays over the entries hit)."""

    def __init__(
        self,
        index: TextIndex,
        words: list[str],
        hits: Ints,
        coverage: Floats,
        known: Floats,
        bm25: Floats,
        matched: Ints,
        exact: Ints,
    ) -> None:
        self.index = index
        self.words = words
        self.hits = hits
        """Entry numbers (positions in `index.ids`, which is sorted) that share a word."""
        self.coverage = coverage
        self.known = known
        self.bm25 = bm25
        self.matched = matched
        """Per hit: bit j set when question word j is found in the entry."""
        self.exact = exact
        self._where = {int(d): i for i, d in enumerate(hits.tolist())} if len(hits) < 64 else None

    def __len__(self) -> int:
        return len(self.hits)

    def position(self, doc: int) -> int | None:
        """Where entry number `doc` is in `hits`, or None when it shares no word."""
        if self._where is not None:
            return self._where.get(doc)
        i = int(np.searchsorted(self.hits, doc))
        return i if i < len(self.hits) and int(self.hits[i]) == doc else None

    def get(self, entry_id: str) -> TextHit | None:
        """The entry's text hit, or None when it shares no word with the question."""
        doc = self.index.number.get(entry_id)
        i = None if doc is None else self.position(doc)
        return None if i is None else self.hit(i)

    def hit(self, i: int) -> TextHit:
        """The `TextHit` of the `i`-th entry hit."""
        matched = int(self.matched[i])
        exact = int(self.exact[i]) & matched
        return TextHit(
            self.index.ids[int(self.hits[i])],
            float(self.coverage[i]),
            float(self.bm25[i]),
            self._words(matched),
            float(self.known[i]),
            self._words(exact),
        )

    def _words(self, bits: int) -> frozenset[str]:
        return frozenset(w for j, w in enumerate(self.words) if bits >> j & 1)

    def all(self) -> dict[str, TextHit]:
        """Every entry that shares at least one word with the question."""
        return {h.entry_id: h for h in map(self.hit, range(len(self.hits)))}

    def top_two(self) -> list[float]:
        """The two best coverages (fewer when fewer entries are hit), best first."""
        if len(self.coverage) <= 2:
            return sorted(self.coverage.tolist(), reverse=True)
        part = np.partition(self.coverage, len(self.coverage) - 2)[-2:]
        return sorted(part.tolist(), reverse=True)


class TextIndex:
    """BM25 over weighted fields of each entry; terms are language-tagged stems."""

    def __init__(self, docs: Mapping[str, TextDoc]) -> None:
        """`docs` maps an entry id to its document (see `text_doc`)."""
        self.ids = sorted(docs)
        self.number = {entry_id: i for i, entry_id in enumerate(self.ids)}
        ordered = [docs[entry_id] for entry_id in self.ids]
        # Flat arrays, one element per (entry, term): numbering the terms is the only step per
        # element in Python; grouping them into rows is numpy's.
        terms: dict[str, int] = {}
        number = terms.setdefault
        term_ids = np.fromiter(
            (number(t, len(terms)) for doc in ordered for t in doc.terms), dtype=np.int64
        )
        counts = np.fromiter((c for doc in ordered for c in doc.counts), dtype=np.float64)
        per_doc = np.repeat(  # int32 entry numbers: indexes only, half the memory
            np.arange(len(ordered), dtype=np.int32), [len(doc.terms) for doc in ordered]
        )
        self.postings = _Postings(list(terms), term_ids, per_doc, counts)
        words: dict[str, int] = {}
        number = words.setdefault
        word_ids = np.fromiter(
            (number(w, len(words)) for doc in ordered for w in doc.surface), dtype=np.int64
        )
        # int32: entry numbers of the surface words, only ever compared (half the memory).
        per_doc = np.repeat(
            np.arange(len(ordered), dtype=np.int32), [len(doc.surface) for doc in ordered]
        )
        self.surface = _Postings(list(words), word_ids, per_doc, _NO_FLOATS)
        lengths = [doc.length or 1.0 for doc in ordered]
        n = max(1, len(self.ids))
        self.avg_length = sum(lengths) / n if lengths else 1.0
        self.norms: Floats = np.array(
            [K1 * (1 - B + B * length / self.avg_length) for length in lengths], dtype=np.float64
        )
        sizes = np.diff(self.postings.start).tolist()
        self.idf = {t: _idf(n, df) for t, df in zip(terms, sizes, strict=True)}
        self.max_idf = math.log(1 + (n + 0.5) / 0.5)
        # Terms sorted forwards and backwards, for "which terms start or end with this part".
        self._forward = sorted(terms)
        self._backward = sorted(t[:3] + t[:2:-1] for t in terms)
        self._cache: dict[tuple[str, tuple[str, ...], bool], tuple[Ints, Floats, Ints]] = {}
        self._cached = 0

    def weight(self, word: QueryWord) -> float:
        """How informative a question word is: its best IDF, or the maximum for unknown words."""
        known = [self.idf[f] for f in word.forms if f in self.idf]
        return max(known) if known else self.max_idf

    def affix_terms(self, form: str) -> list[str]:
        """Terms of which `form` is a compound part: a prefix or suffix of 4 or more letters,
        with at least 3 more letters in the term ("da:robot" in "da:robotstovsug")."""
        tag, word = form[:3], form[3:]
        if len(word) < MIN_AFFIX:
            return []
        out = [t for t in _starting(self._forward, form) if len(t) - len(form) >= 3]
        back = tag + word[::-1]
        out += [
            t[:3] + t[:2:-1] for t in _starting(self._backward, back) if len(t) - len(back) >= 3
        ]
        return out

    def _parts(self, form: str) -> list[str]:
        """Index terms a long question word is built from ("festivalgæster" → "festival")."""
        tag, word = form[:3], form[3:]
        if len(word) < 2 * MIN_AFFIX:
            return []
        pieces = {word[:size] for size in range(MIN_AFFIX + 1, len(word) - 2)}
        pieces |= {word[-size:] for size in range(MIN_AFFIX + 1, len(word) - 2)}
        return [tag + p for p in pieces if tag + p in self.postings]

    def found(self, word: QueryWord) -> tuple[Ints, Floats, Ints]:
        """(entries, best count, entries that have the word whole) for one question word.

        An entry counts by the best of: one of the word's stems (full count), or a term the
        word is a compound part of, or a part of the word (half count). An everyday word counts
        only as itself or a plain inflection, in entries whose text has such a form.
        """
        key = (word.text, word.forms, word.everyday)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        doc_parts: list[Ints] = []
        count_parts: list[Floats] = []
        for form in dict.fromkeys(word.forms):
            docs, counts = self.postings.get(form)
            if len(docs):
                doc_parts.append(docs)
                count_parts.append(counts)
        exact = (
            doc_parts[0]
            if len(doc_parts) == 1
            else np.unique(np.concatenate(doc_parts))
            if doc_parts
            else _NO_INTS
        )
        if not word.everyday:
            parts = dict.fromkeys(
                t for form in word.forms for t in (*self.affix_terms(form), *self._parts(form))
            )
            for term in parts:
                docs, counts = self.postings.get(term)
                doc_parts.append(docs)
                count_parts.append(counts * AFFIX_WEIGHT)
        if not doc_parts:
            result = (_NO_INTS, _NO_FLOATS, exact)
        elif len(doc_parts) == 1:
            result = (doc_parts[0], count_parts[0], exact)
        else:
            docs = np.concatenate(doc_parts)
            counts = np.concatenate(count_parts)
            order = np.argsort(docs, kind="stable")
            docs, counts = docs[order], counts[order]
            starts = np.flatnonzero(np.r_[True, docs[1:] != docs[:-1]])
            result = (docs[starts], np.maximum.reduceat(counts, starts), exact)
        if word.everyday and len(result[0]):
            allowed = [self.surface.docs_of(f) for f in inflections(word.text)]
            keep = np.isin(result[0], np.concatenate(allowed))
            result = (result[0][keep], result[1][keep], exact)
        self._cached += len(result[0]) + len(exact)
        if self._cached > _CACHE_ELEMENTS:
            self._cache.clear()
            self._cached = 0
        self._cache[key] = result
        return result

    def scores(self, words: Sequence[QueryWord]) -> TextScores:
        """BM25 coverage of the question for every entry that shares at least one word."""
        n = len(self.ids)
        names = [w.text for w in words]
        if not words or not n:
            return TextScores(
                self, names, _NO_INTS, _NO_FLOATS, _NO_FLOATS, _NO_FLOATS, _NO_INTS, _NO_INTS
            )
        weights = [self.weight(w) for w in words]
        required = sum(w for word, w in zip(words, weights, strict=True) if not word.optional)
        score = np.zeros(n, dtype=np.float64)
        extra = np.zeros(n, dtype=np.float64)
        matched = np.zeros(n, dtype=np.int64)
        exact = np.zeros(n, dtype=np.int64)
        known = 0.0
        hit = np.zeros(n, dtype=np.bool_)
        any_hit = False
        for j, (word, weight) in enumerate(zip(words, weights, strict=True)):
            docs, counts, whole = self.found(word)
            bit = np.int64(1 << j)
            if len(whole):
                exact[whole] |= bit
            if not len(docs):
                continue
            if not word.optional:
                known += weight
            # Saturated term frequency in 0..1: one title/alias hit (weight 3) is worth most.
            score[docs] += weight * counts / (counts + self.norms[docs])
            if word.optional:
                extra[docs] += weight
            matched[docs] |= bit
            hit[docs] = True
            any_hit = True
        if not any_hit:
            return TextScores(
                self, names, _NO_INTS, _NO_FLOATS, _NO_FLOATS, _NO_FLOATS, _NO_INTS, _NO_INTS
            )
        docs = np.flatnonzero(hit)
        s = score[docs]
        e = extra[docs]
        need = required + e
        need[need == 0.0] = 1.0
        have = known + e
        have[have == 0.0] = 1.0
        return TextScores(
            self,
            names,
            docs,
            np.round(s / need, 4),
            np.round(s / have, 4),
            np.round(s * (K1 + 1), 4),
            matched[docs],
            exact[docs],
        )

    def search(self, words: Sequence[QueryWord]) -> dict[str, TextHit]:
        """Entries that share at least one word with the question, with coverage and BM25."""
        return self.scores(words).all()


def _starting(terms: list[str], prefix: str) -> list[str]:
    """The terms of a sorted list that start with `prefix`."""
    lo = bisect.bisect_left(terms, prefix)
    hi = bisect.bisect_left(terms, prefix + "\U0010ffff", lo)
    return terms[lo:hi]


def _idf(n: int, df: int) -> float:
    return math.log(1 + (n - df + 0.5) / (df + 0.5))
