"""Match a shopper's question to the best knowledge-base entry (pure; rapidfuzz + BM25).

Two signals meet in one 0-100 score per entry:

* the alias signal: every window of the question's words against every title and alias, by
  exact text, by stem ("owalas" → "owala", "løbeskoene" → "løbesko"), by compound head
  ("støvsugere" → "robotstøvsugere") and by typo-tolerant similarity;
* the text signal: BM25 over each entry's titles, aliases, summaries and critiques in both
  languages (knowledge.retrieval), which finds entries from the words they use and tells how
  much of the question an entry explains.

Everyday words are guarded systematically with word frequencies (knowledge.frequency): an
everyday word never carries a typo match to a different word ("weather" is not "leather"), and
an alias that is an everyday word ("computer", "hm") needs the rest of the question to fit the
entry. Such weak hits are never offered as "did you mean". The kinds keep their meaning:
`answer` only when one entry clearly wins, `suggestions` for plausible entries, `fallback` for a
shopping question nobody has written about yet, `offtopic` for messages that are not about
shopping (with a reason), `smalltalk` and `empty` as before.
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
import numpy.typing as npt
from rapidfuzz import process
from rapidfuzz.distance import OSA

from knowledge.entryparts import Alias, EntryParts, PartsStore, build_parts, stem_key
from knowledge.frequency import COMMON_ALIAS_ZIPF, COMMON_ZIPF, zipf
from knowledge.gcpause import collector_paused
from knowledge.loader import KnowledgeBase
from knowledge.memory import return_free_memory
from knowledge.retrieval import (
    Ints,
    QueryWord,
    TextDoc,
    TextHit,
    TextIndex,
    TextScores,
    query_terms,
)
from knowledge.text import (
    FILLER_WORDS,
    FUNCTION_WORDS,
    JUDGING_WORDS,
    NEUTRAL_WORDS,
    SHOPPING_WORDS,
    Token,
    analyse,
    detect_language,
    fold,
    has_content,
    inflections,
    is_howto,
    is_inflection,
    is_mash,
    offtopic_phrase,
    offtopic_reason,
    smalltalk_intent,
)

WEAK_WORDS = frozenset({"it", "on"})

Kind = Literal["answer", "suggestions", "fallback", "smalltalk", "empty", "offtopic"]

Source = Literal["alias", "stem", "compound", "fuzzy", "text"]

TYPO_CUTOFF = 0.75
"""OSA similarity below which a near-miss is not considered a typo at all."""

_NO_INTS: Ints = np.zeros(0, dtype=np.int64)

_COMPARISON = frozenset(fold("eller or vs versus kontra el kontra mod og and").split())


@dataclass(frozen=True)
class Thresholds:
    """Named scores (0-100) that decide the kind of result; tuned on tests/data/questions."""

    answer: float = 85.0
    """A best score at or above this is a confident answer."""
    suggest: float = 72.0
    """Scores between `suggest` and `answer` are offered as "did you mean"."""
    ambiguity_margin: float = 3.0
    """An answer-level score this close to a different entry's score (on the same words) is ambiguous."""
    max_candidates: int = 3
    stem_score: float = 97.0
    """An alias met through stems ("owalas", "løbeskoene") instead of letter for letter."""
    compound_score: float = 80.0
    """A rare word that is the head of an alias compound ("støvsugere" → "robotstøvsugere")."""
    text_floor: float = 50.0
    text_span: float = 40.0
    """Text-only score: `text_floor + text_span * coverage` (coverage 0-1 from BM25)."""
    text_answer_coverage: float = 0.8
    """A text-only answer needs this coverage and two matched words; less gives suggestions."""
    text_suggest_coverage: float = 0.35
    """A text-only "did you mean" needs this coverage, two matched words and a clear lead."""
    text_everyday_coverage: float = 0.6
    """A text-only "did you mean" found through everyday words only must cover this much."""
    text_lead: float = 1.3
    """How far (coverage ratio) the best entry's text must be ahead of the next entry's."""
    wider_cover: float = 0.15
    """A rival whose own text covers this much more of the question (and explains a word the
    best leaves open) means there is no clear winner."""
    explains_more: float = 0.3
    """A rival that explains this much more of the question (coverage) makes an answer unclear."""


@dataclass(frozen=True)
class Candidate:
    """One entry considered for a question."""

    id: str
    score: float
    alias: str
    """The title or alias that matched (for text-only hits: the entry's English title)."""
    start: int = 0
    """Token position in the question where it matched (for telling two products apart)."""
    end: int = 0
    source: Source = "alias"
    """How the entry was found: alias text, stems, compound head, typo match, or entry text."""
    coverage: float = 0.0
    """Share of the question's informative words the entry's own text explains (0-1)."""
    weak: bool = False
    """Only an everyday word or one short typo supports it: never offered to the user."""
    explains: frozenset[str] = frozenset()
    """The question's words (folded) this entry accounts for, by alias or by its own text."""
    plain: bool = False
    """Found through everyday words only ("brugt tøj", "ipad"), not a rare name ("shein")."""


@dataclass(frozen=True)
class MatchResult:
    """What the matcher concluded about a question."""

    query: str
    kind: Kind
    entry_id: str | None = None
    score: float = 0.0
    candidates: list[Candidate] = field(default_factory=list)
    language: str | None = None
    """'da' or 'en' when the question clearly reads as one of them."""
    smalltalk: str | None = None
    """greeting | thanks | help | bye, for kind 'smalltalk'."""
    offtopic_reason: str | None = None
    """For kind 'offtopic': bare_buy | number | mash | chitchat | weather | time | joke |
    homework | other (see knowledge.text.OFFTOPIC_REASONS). `bare_buy` is a lone "skal jeg
    købe" / "should I buy": ask what they are considering."""


@dataclass
class _Hit:
    score: float
    alias: Alias
    start: int
    end: int
    source: Source
    everyday: bool = False
    """Matched through one everyday word (or interjection): needs support from the rest."""
    short_typo: bool = False


EXACT_ONLY = 4
"""Keys of this many letters or fewer only ever match letter for letter: no typo pairs."""


def letter_pairs(text: str) -> list[str]:
    """The neighbouring letters of `text$` as unordered pairs ("ab" and "ba" are one pair),
    each numbered by its occurrence ("aa1", "aa2")."""
    seen: dict[str, int] = {}
    out: list[str] = []
    shared = _PAIR_NAMES.setdefault  # a few thousand distinct names, shared by all keys
    for a, b in zip(text, text[1:] + "$", strict=True):
        pair = a + b if a <= b else b + a
        n = seen.get(pair, 0) + 1
        seen[pair] = n
        name = pair + str(n)
        out.append(shared(name, name))
    return out


_PAIR_NAMES: dict[str, str] = {}


@functools.cache
def _least_shared(length: int) -> int:
    """The fewest pairs of `text$` a key within the typo cutoff shares with a window of
    `length` letters and the same first letter (see `_TypoIndex`)."""
    top = int(length / TYPO_CUTOFF)
    return min(m - 2 * (m // 4) for m in range(length, max(length, top) + 1))


Positions = npt.NDArray[np.int32]

Rows = int | tuple[int, ...]
"""Alias numbers under one key: most keys have one, kept as a bare int (a tuple per alias
would cost 48 bytes each at 100k aliases)."""


def _packed(table: dict[str, list[int]]) -> dict[str, Rows]:
    return {key: rows[0] if len(rows) == 1 else tuple(rows) for key, rows in table.items()}


def _rows(table: dict[str, Rows], key: str) -> tuple[int, ...]:
    rows = table.get(key, ())
    return (rows,) if isinstance(rows, int) else rows


_LARGE = 1000
"""Entries from which a build returns its freed temporaries to the system (cheap either way)."""

_FEW = 64
"""Candidates cdist scores faster than the typo index would narrow them down."""

SHARED_RARE = 3
"""Pairs every candidate must share among the rarer pairs of a window (see `candidates`)."""


class _TypoIndex:
    """Alias keys by first letter and letter pairs: the candidates for a typo match.

    Exact, not a heuristic. Take the neighbouring letters of `^key$` as unordered pairs (so a
    swap of two letters keeps the pair it swaps): one edit (a changed, missing or extra letter,
    or two neighbours swapped) breaks at most two such pairs. So if the OSA distance between a
    window and a key is at most k, they share at least max(len) + 1 - 2k pairs, and a
    similarity of TYPO_CUTOFF allows k = max(len) // 4. Keys are grouped by first letter (the
    exhaustive scorer compares only those), so the first pair "^a" is always shared and not
    stored: max(len) - 2k of the rest (`_least_shared`). Counting shared pairs over the
    postings of the window's own pairs therefore finds every key the exhaustive scorer would
    accept; the few that pass are then scored exactly. Keys of 4 letters or fewer are left
    out: they only ever match letter for letter.
    """

    def __init__(self, keys: list[str]) -> None:
        groups: dict[str, list[int]] = {}
        for index, key in enumerate(keys):
            if len(key) > EXACT_ONLY:
                groups.setdefault(key[0], []).append(index)
        self.groups: dict[str, tuple[Ints, Ints, dict[str, Positions], int, int]] = {}
        for first, indexes in groups.items():
            postings: dict[str, list[int]] = {}
            for position, index in enumerate(indexes):
                for pair in letter_pairs(keys[index]):
                    row = postings.get(pair)
                    if row is None:
                        postings[pair] = [position]
                    else:
                        row.append(position)
            sizes = [len(keys[i]) for i in indexes]
            self.groups[first] = (
                np.array(indexes, dtype=np.int64),
                np.array(sizes, dtype=np.int64),
                # int32: positions within one first letter; half the memory of int64.
                {pair: np.array(row, dtype=np.int32) for pair, row in postings.items()},
                min(sizes),
                max(sizes),
            )

    def candidates(self, window: str) -> Ints:
        """Aliases (ascending) whose key may be within the typo cutoff of `window`.

        A key that shares T of the window's pairs shares at least T - s of them when s pairs
        are left out: so the most common pairs (the longest postings) are not read, as long as
        every key must still share `SHARED_RARE` of the others.
        """
        group = self.groups.get(window[:1])
        if group is None:
            return _NO_INTS
        indexes, lengths, postings, shortest, longest = group
        size = len(window)
        if size * TYPO_CUTOFF > longest or size / TYPO_CUTOFF < shortest:
            return _NO_INTS
        pairs = letter_pairs(window)
        rows = sorted((row for p in pairs if (row := postings.get(p)) is not None), key=len)
        least = _least_shared(size)
        skipped = min(max(0, least - SHARED_RARE), len(rows))
        rows = rows[: len(rows) - skipped]
        if not rows:
            return _NO_INTS
        shared = np.bincount(np.concatenate(rows), minlength=len(indexes))
        found = np.flatnonzero(shared >= least - skipped)
        if not len(found):
            return _NO_INTS
        length = lengths[found]
        most = np.maximum(length, size)
        keep = (
            (length >= size * TYPO_CUTOFF)
            & (length <= size / TYPO_CUTOFF)
            & (shared[found] >= most - 2 * (most // 4) - skipped)
        )
        chosen: Ints = indexes[found[keep]]
        return chosen


class Matcher:
    """Scores a question against the titles and aliases of a knowledge base, and its text.

    Built once per knowledge-base version. Each question is scored exactly as if every alias and
    every entry were scored, but only a small candidate set is: typo matches come from an index
    of letter pairs that provably holds every alias within the typo cutoff (`_TypoIndex`), and
    of the entries the text signal finds, only those that can still reach the top `limit` are
    combined (see `rank`). `exhaustive=True` scores everything, as the reference the index is
    tested against. `previous`: a matcher of an earlier version of the same knowledge base whose
    per-entry work (alias analysis, entry texts) is reused for every unchanged entry; `store`:
    a file that keeps that work across restarts (knowledge.entryparts.PartsStore).
    """

    def __init__(
        self,
        kb: KnowledgeBase,
        thresholds: Thresholds | None = None,
        *,
        exhaustive: bool = False,
        previous: Matcher | None = None,
        store: PartsStore | None = None,
    ) -> None:
        self.kb = kb
        self.thresholds = thresholds or Thresholds()
        self.exhaustive = exhaustive
        with collector_paused:  # the build makes millions of acyclic objects
            self._build(kb, previous, store)
        if len(kb.entries) >= _LARGE:
            return_free_memory()  # the build's temporaries, or the process keeps its peak

    def _build(self, kb: KnowledgeBase, previous: Matcher | None, store: PartsStore | None) -> None:
        self._parts: dict[str, EntryParts] = build_parts(
            kb.entries, previous._parts if previous is not None else {}, store
        )
        aliases: list[Alias] = []
        stem_keys: dict[str, list[int]] = {}
        head_forms: list[tuple[str, int]] = []
        phrases: dict[str, list[int]] = {}
        docs: dict[str, TextDoc] = {}
        for entry_id, parts in self._parts.items():
            docs[entry_id] = parts.doc
            for alias, skey, full, heads in parts.aliases:
                index = len(aliases)
                aliases.append(alias)
                stem_keys.setdefault(skey, []).append(index)
                if full:
                    phrases.setdefault(full, []).append(index)
                head_forms.extend((form, index) for form in heads)
        self._aliases = aliases
        self._keys = [a.key for a in aliases]
        # Candidate keys are picked by index array: numpy gathers them without a Python loop.
        self._key_array: npt.NDArray[np.object_] = np.array(self._keys, dtype=object)
        by_key: dict[str, list[int]] = {}
        for index, alias in enumerate(aliases):
            by_key.setdefault(alias.key, []).append(index)
        # Tuples: a third smaller than lists, and there is one per alias.
        self._by_key = _packed(by_key)
        self._alias_words = frozenset(w for a in aliases for w in a.vocabulary)
        # An everyday word in a window is never a typo: only aliases that contain it can be a
        # typo match of that window (`_typo_allowed`), so those are the only candidates.
        # By first letter too: a typo match keeps it (as in `_key_groups`).
        with_word: dict[tuple[str, str], list[int]] = {}
        for index, alias in enumerate(aliases):
            if len(alias.key) > EXACT_ONLY:
                for word in alias.vocabulary:
                    if zipf(word) >= COMMON_ZIPF:
                        with_word.setdefault((alias.key[0], word), []).append(index)
        self._with_everyday = {k: np.array(rows, dtype=np.int64) for k, rows in with_word.items()}
        self._key_lengths = np.array([len(k) for k in self._keys], dtype=np.int64)
        self._key_groups_cache: dict[tuple[int, str], tuple[list[str], list[int]]] | None = None
        self._typos = None if self.exhaustive else _TypoIndex(self._keys)
        self._stem_keys = _packed(stem_keys)
        # Compound heads: "robotstøvsuger" answers to "støvsuger" (one-word aliases), found by
        # the reversed forms in sorted order.
        head_forms.sort()
        self._head_forms = [form for form, _ in head_forms]
        self._head_aliases = [index for _, index in head_forms]
        self._phrases = _packed(phrases)
        self._max_words = max((a.words for a in aliases), default=1) + 1
        self._index = TextIndex(docs)
        self._titles = {entry_id: r.entry.title.en for entry_id, r in kb.entries.items()}
        names: dict[str, dict[str, None]] = {}
        for alias in aliases:
            names.setdefault(alias.entry_id, {}).update(dict.fromkeys(alias.vocabulary))
        # Tuples: an entry's name words are few, and a set of them costs four times as much.
        self._names: dict[str, tuple[str, ...]] = {e: tuple(words) for e, words in names.items()}
        named_by: dict[str, int] = {}
        naming: dict[str, list[str]] = {}
        for entry_id, vocabulary in self._names.items():
            for word in vocabulary:
                named_by[word] = named_by.get(word, 0) + 1
                naming.setdefault(word, []).append(entry_id)
        self._named_by = named_by
        self._naming = naming

    @property
    def _key_groups(self) -> dict[tuple[int, str], tuple[list[str], list[int]]]:
        """Aliases by first letter and key length, for each window length the OSA cutoff can
        still reach (the exhaustive reference only; built on first use)."""
        if self._key_groups_cache is None:
            # People rarely mistype the first letter of a name ("stanly", "owalla").
            groups: dict[tuple[int, str], tuple[list[str], list[int]]] = {}
            longest = max((len(k) for k in self._keys), default=0)
            for first in {k[0] for k in self._keys}:
                same = [i for i, k in enumerate(self._keys) if k[0] == first]
                for length in range(1, int(longest / TYPO_CUTOFF) + 1):
                    low, high = length * TYPO_CUTOFF, length / TYPO_CUTOFF
                    indexes = [i for i in same if low <= len(self._keys[i]) <= high]
                    if indexes:
                        groups[(length, first)] = ([self._keys[i] for i in indexes], indexes)
            self._key_groups_cache = groups
        return self._key_groups_cache

    def _heads(self, form: str) -> list[int]:
        """One-word aliases whose key (or stem) ends in `form`, with 3 or more letters before it."""
        back = form[::-1]
        forms = self._head_forms
        lo = bisect.bisect_left(forms, back)
        hi = bisect.bisect_left(forms, back + "\U0010ffff", lo)
        return [self._head_aliases[i] for i in range(lo, hi) if len(forms[i]) - len(back) >= 3]

    # --- public API -------------------------------------------------------------------------

    def match(self, query: str) -> MatchResult:
        """Classify and match one question."""
        language = detect_language(query)
        if not has_content(query):
            return MatchResult(query=query, kind="empty", language=language)
        topic = offtopic_phrase(query)
        if topic is not None:  # "er du en robot" is not about robot vacuums
            return MatchResult(query, "offtopic", language=language, offtopic_reason=topic)
        ranked = self.rank(query, limit=10)
        t = self.thresholds
        offerable = [c for c in ranked if not c.weak]
        best = offerable[0] if offerable else None
        if best is not None and best.score >= t.answer:
            others = [c for c in offerable[1:] if c.score >= t.suggest][: t.max_candidates]
            wider = [
                c
                for c in ranked
                if c is not best and c.explains > best.explains and self._names_all(c, best)
            ]
            wider = wider or [
                c
                for c in others
                if best.plain
                and c.coverage >= best.coverage + t.wider_cover
                and len(c.explains) >= len(best.explains)
                and c.explains - best.explains
            ]
            if wider:
                promoted = replace(wider[0], score=max(wider[0].score, t.suggest + 1), weak=False)
                # Another entry accounts for more of the question ("ipad til min 6 årig": kids'
                # tablets, not laptops; "afhængig af brugt tøj på vinted": second-hand hauls,
                # not second-hand in general): no clear winner, offer both, the wider first.
                offerable = [promoted, *(c for c in offerable if c.id != promoted.id)]
            elif not self._unclear(best, others):
                best, others = self._product_before_shop(best, others)
                return MatchResult(query, "answer", best.id, best.score, others, language=language)
        if best is not None and best.score >= t.suggest:
            top = [c for c in offerable if c.score >= t.suggest][: t.max_candidates]
            return MatchResult(query, "suggestions", None, top[0].score, top, language=language)
        intent = smalltalk_intent(query)
        if intent is not None:
            return MatchResult(query, "smalltalk", language=language, smalltalk=intent)
        score = ranked[0].score if ranked else 0.0
        reason = offtopic_reason(query)
        if reason is not None:
            return MatchResult(
                query,
                "offtopic",
                None,
                score,
                ranked[:3],
                language=language,
                offtopic_reason=reason,
            )
        return MatchResult(query, "fallback", None, score, ranked[:3], language=language)

    def _product_before_shop(
        self, best: Candidate, others: list[Candidate]
    ) -> tuple[Candidate, list[Candidate]]:
        """A product named beside a shop answers; the shop is offered beside it."""
        record = self.kb.get(best.id)
        if record is None or not record.entry.shop:
            return best, others
        for other in others:
            product = self.kb.get(other.id)
            if (
                product is not None
                and not product.entry.shop
                and other.score >= self.thresholds.answer
                and not _overlaps(other, best)
            ):
                return other, [best, *(c for c in others if c is not other)]
        return best, others

    def rank(self, query: str, limit: int = 10) -> list[Candidate]:
        """Entries by their combined score, best first (weak ones included, flagged)."""
        tokens = analyse(query)
        if not any(tok.text not in FILLER_WORDS for tok in tokens) or not self._keys:
            return []
        hits = self._alias_hits(tokens)
        terms = query_terms(tokens)
        text = self._index.scores(terms)
        by_cover = text.top_two()
        howto = is_howto(query)
        if self.exhaustive:
            found = {self._index.ids[d] for d in text.hits.tolist()}
        else:
            found = self._text_candidates(text, terms, tokens, limit)
        candidates = []
        for entry_id in hits.keys() | found:
            hit = text.get(entry_id)
            candidates.append(
                self._combine(
                    entry_id,
                    hits.get(entry_id),
                    hit,
                    tokens,
                    terms,
                    hits,
                    _rival_cover(by_cover, hit),
                    howto,
                )
            )
        kept = [c for c in candidates if c is not None and c.score > 0]
        return sorted(kept, key=_rank_key)[:limit]

    def _text_candidates(
        self, text: TextScores, terms: list[QueryWord], tokens: list[Token], limit: int
    ) -> set[str]:
        """The entries found only by their text that can still reach the top `limit`.

        Found by text alone, an entry scores `text_floor + text_span * coverage`, capped below
        "did you mean" unless it is clear (`_combine`): so among the unclear ones the order is
        by coverage, then id. An entry is clear only when its coverage leads every other entry
        by `text_lead` (then it has the best coverage of all) or when one everyday word that
        names it is all the question is about (`_named_alone`): those are taken by coverage
        too. Every other entry is beaten by `limit` of these and is left out.
        """
        if not len(text):
            return set()
        core = 0
        for j, word in enumerate(terms):
            if not word.optional:
                core |= 1 << j
        found = text.matched & np.int64(core)
        chosen = self._top(text, np.flatnonzero(found != 0), limit)
        for j, word in enumerate(terms):
            if word.optional or not word.everyday or self._named_by.get(word.text, 0) > 1:
                continue
            if not all(
                tok.text == word.text or not _informative(tok) or tok.text in JUDGING_WORDS
                for tok in tokens
            ):
                continue
            named = {e for f in inflections(word.text) for e in self._naming.get(f, ())}
            docs = np.array(sorted(self._index.number[e] for e in named), dtype=np.int64)
            if not len(docs):
                continue
            at = np.searchsorted(text.hits, docs)
            inside = at < len(text.hits)
            at = at[inside]
            at = at[text.hits[at] == docs[inside]]
            chosen |= self._top(text, at[found[at] == np.int64(1 << j)], limit)
        return chosen

    def _top(self, text: TextScores, at: Ints, limit: int) -> set[str]:
        """The ids of the `limit` hits at positions `at` with the best coverage, then lowest id."""
        if len(at) > limit:
            cover = text.coverage[at]
            kth = np.partition(cover, len(cover) - limit)[len(cover) - limit]
            better = at[cover > kth]
            tied = at[cover == kth][: limit - len(better)]
            at = np.concatenate((better, tied))
        return {self._index.ids[d] for d in text.hits[at].tolist()}

    # --- the alias signal -------------------------------------------------------------------

    def _alias_hits(self, tokens: list[Token]) -> dict[str, _Hit]:
        """Best alias hit per entry."""
        content = [(i, tok) for i, tok in enumerate(tokens) if tok.text not in FILLER_WORDS]
        if not content:
            return {}
        windows: list[tuple[str, tuple[str, str], int, int, list[Token]]] = []
        for start in range(len(content)):
            for size in range(1, self._max_words + 1):
                part = content[start : start + size]
                if len(part) < size:
                    break
                words = [tok for _, tok in part]
                windows.append(
                    (
                        "".join(tok.text for tok in words),
                        (f"da:{stem_key(words, 'da')}", f"en:{stem_key(words, 'en')}"),
                        part[0][0],
                        part[-1][0] + 1,
                        words,
                    )
                )
        # "it" and "on" stay matchable (the brands "On", "it bag") but do not count as content
        # for coverage: "is coach worth it" is about coach and nothing else.
        content_chars = sum(len(tok.text) for _, tok in content if tok.text not in WEAK_WORDS) or 1
        content_words = sum(1 for _, tok in content if tok.text not in WEAK_WORDS) or 1
        best: dict[str, _Hit] = {}

        def offer(hit: _Hit) -> None:
            current = best.get(hit.alias.entry_id)
            if current is None or (hit.score, len(hit.alias.key)) > (
                current.score,
                len(current.alias.key),
            ):
                best[hit.alias.entry_id] = hit

        def coverage(words: list[Token]) -> float:
            # Explaining more of the question is a (small) plus: it breaks ties between
            # "stanley" and "stanley cup" without letting long questions sink good hits.
            # Counted in words, so two products named in one question score alike.
            return 0.92 + 0.08 * min(1.0, len(words) / content_words)

        for r, c, score in self._pairs(windows):
            alias = self._aliases[c]
            window, _skey, start, end, words = windows[r]
            if alias.strict and len(window) < content_chars:
                continue  # an everyday word ("coach", "rains") counts only as the whole question
            similarity = score * 100
            short_typo = False
            if similarity < 100:
                if not _typo_allowed(words, window, alias):
                    continue
                # A typo in a short word is usually another word ("table" is not "tablet"):
                # short aliases must match exactly, medium ones pay for each edit.
                if len(alias.key) <= EXACT_ONLY:
                    continue
                if len(alias.key) <= 7:
                    similarity *= 0.92
                    short_typo = len(words) == 1
            source: Source = "alias" if similarity >= 100 else "fuzzy"
            offer(
                _Hit(
                    round(similarity * coverage(words), 1),
                    alias,
                    start,
                    end,
                    source,
                    everyday=similarity >= 100 and _everyday(words),
                    short_typo=short_typo,
                )
            )
        t = self.thresholds
        for window, skeys, start, end, words in windows:
            for c in sorted({c for skey in skeys for c in _rows(self._stem_keys, skey)}):
                alias = self._aliases[c]
                if alias.key == window or (alias.strict and len(window) < content_chars):
                    continue  # letter-for-letter hits were scored above
                if not _inflection_allowed(words, alias):
                    continue
                offer(
                    _Hit(
                        round(t.stem_score * coverage(words), 1),
                        alias,
                        start,
                        end,
                        "stem",
                        everyday=_everyday(words),
                    )
                )
            if len(words) == 1 and zipf(words[0].text) < COMMON_ALIAS_ZIPF:
                forms = {window, *(k[3:] for k in skeys)}
                for c in sorted({c for f in forms if len(f) >= 5 for c in self._heads(f)}):
                    alias = self._aliases[c]
                    if not alias.strict and len(alias.key) >= len(window) + 3:
                        offer(_Hit(t.compound_score, alias, start, end, "compound"))
        # Aliases with words that fold to filler ("bedst før" → "bedst for") meet as phrases.
        for start in range(len(tokens)):
            for size in range(2, self._max_words + 1):
                phrase = tokens[start : start + size]
                if len(phrase) < size:
                    break
                for c in _rows(self._phrases, "".join(tok.text for tok in phrase)):
                    offer(_Hit(100.0, self._aliases[c], start, start + size, "alias"))
        return best

    def _pairs(
        self, windows: list[tuple[str, tuple[str, str], int, int, list[Token]]]
    ) -> Iterator[tuple[int, int, float]]:
        """(window, alias, similarity 0-1) for exact hits and plausible typos.

        Exact hits are dictionary lookups. Typos are scored with OSA distance, but only for
        windows whose everyday words all occur in some alias (an everyday word is never a typo
        of another word), and only against aliases with the same first letter and a length that
        can still reach the cutoff. The typo index (`_TypoIndex`) narrows those down to the
        few keys that can reach the cutoff at all; the pairs come in the same order as from the
        exhaustive scorer, so ties are resolved the same way.
        """
        groups: dict[tuple[int, str], list[int]] = {}
        for r, (window, _skeys, _start, _end, words) in enumerate(windows):
            for c in _rows(self._by_key, window):
                yield r, c, 1.0
            if all(tok.text in self._alias_words or zipf(tok.text) < COMMON_ZIPF for tok in words):
                groups.setdefault((len(window), window[:1]), []).append(r)
        if self._typos is not None:
            for rows in groups.values():
                for r in rows:
                    window, words = windows[r][0], windows[r][4]
                    found = self._typo_candidates(window, words, self._typos)
                    if not len(found):
                        continue
                    scores = process.cdist(
                        [window],
                        self._key_array[found],
                        scorer=OSA.normalized_similarity,
                        score_cutoff=TYPO_CUTOFF,
                        dtype=np.float32,
                        workers=1,
                    )[0]
                    near = np.flatnonzero((scores > 0) & (scores < 1))
                    for c, score in zip(found[near].tolist(), scores[near].tolist(), strict=True):
                        yield r, c, score
            return
        for group, rows in groups.items():
            if group not in self._key_groups:
                continue
            keys, indexes = self._key_groups[group]
            scores = process.cdist(
                [windows[r][0] for r in rows],
                keys,
                scorer=OSA.normalized_similarity,
                score_cutoff=TYPO_CUTOFF,
                dtype=np.float32,
                workers=1,
            )
            hits_r, hits_c = np.nonzero((scores > 0) & (scores < 1))
            for i, j in zip(hits_r.tolist(), hits_c.tolist(), strict=True):
                yield rows[i], indexes[j], float(scores[i, j])

    def _typo_candidates(self, window: str, words: list[Token], typos: _TypoIndex) -> Ints:
        """Aliases (ascending) that may be a typo match of `window`: with an everyday word in
        the window, the aliases with the same first letter that contain every such word (no
        other can pass `_typo_allowed`), narrowed by the typo index when there are many; else
        those the typo index finds."""
        everyday = {tok.text for tok in words if zipf(tok.text) >= COMMON_ZIPF}
        if not everyday:
            return typos.candidates(window)
        found: Ints | None = None
        for word in everyday:
            rows = self._with_everyday.get((window[:1], word))
            if rows is None:
                return _NO_INTS
            found = rows if found is None else np.intersect1d(found, rows, assume_unique=True)
        assert found is not None
        length = self._key_lengths[found]
        size = len(window)
        same: Ints = found[(length >= size * TYPO_CUTOFF) & (length <= size / TYPO_CUTOFF)]
        if len(same) > _FEW:  # a common word in many aliases: the letter pairs narrow it down
            narrowed: Ints = np.intersect1d(same, typos.candidates(window), assume_unique=True)
            return narrowed
        return same

    # --- combining the signals --------------------------------------------------------------

    def _combine(
        self,
        entry_id: str,
        hit: _Hit | None,
        text: TextHit | None,
        tokens: list[Token],
        terms: list[QueryWord],
        hits: dict[str, _Hit],
        rival_cover: float,
        howto: bool = False,
    ) -> Candidate | None:
        t = self.thresholds
        cover = text.coverage if text is not None else 0.0
        core = {w.text for w in terms if not w.optional}
        found = (text.matched & core) if text is not None else frozenset()
        text_score = 0.0
        if text is not None and found:
            text_score = t.text_floor + t.text_span * cover
            everyday = found <= _everyday_words(tokens)
            alone = len(found) == 1 and everyday and self._named_alone(found, tokens, entry_id)
            # A clear winner on the entries' own words: two of the question's words (or one
            # rare one), a fair share of what the entries know of it, well ahead of the rest.
            clear = not howto and (
                alone
                or (
                    (len(found) >= 2 or not everyday)
                    and bool(found & text.exact)  # not only parts of compounds
                    and text.known_coverage >= t.text_suggest_coverage
                    and cover >= rival_cover * t.text_lead
                    # everyday words alone must explain most of the question
                    and (not everyday or cover >= t.text_everyday_coverage)
                )
            )
            if clear:
                text_score = max(text_score, t.suggest + 1)
            else:
                text_score = min(text_score, t.suggest - 1)
            if not clear or len(found) < 2 or cover < t.text_answer_coverage:
                # One shared word, or a thin overlap, is a hint, never an answer.
                text_score = min(text_score, t.answer - 1)
        explained = text.matched if text is not None else frozenset()
        if hit is None:
            return Candidate(
                entry_id,
                round(text_score, 1),
                self._titles[entry_id],
                source="text",
                coverage=cover,
                weak=text_score < t.suggest,
                explains=explained,
            )
        explained |= {tok.text for tok in tokens[hit.start : hit.end]}
        score = hit.score
        weak = False
        if hit.everyday:
            found_by = {tokens[i].text for i in range(hit.start, hit.end)}
            left = self._unexplained(found_by, tokens, text, hits, entry_id)
            weak = left > _tolerance(next(iter(found_by)))
        if hit.short_typo and len(found) < 2:
            weak = True
        if weak:
            score = min(score, t.suggest - 1)
        elif len(found) >= 2:
            score = min(100.0, score + 3 * cover)  # the rest of the question fits this entry
        if text_score > score:
            return Candidate(
                entry_id,
                round(text_score, 1),
                self._titles[entry_id],
                source="text",
                coverage=cover,
                weak=text_score < t.suggest,
                explains=explained,
            )
        return Candidate(
            entry_id,
            round(score, 1),
            hit.alias.text,
            hit.start,
            hit.end,
            hit.source,
            coverage=cover,
            weak=weak,
            explains=explained,
            plain=all(zipf(tok.text) >= COMMON_ZIPF for tok in tokens[hit.start : hit.end]),
        )

    def _unexplained(
        self,
        found: set[str],
        tokens: list[Token],
        text: TextHit | None,
        hits: dict[str, _Hit],
        entry_id: str,
    ) -> int:
        """How many informative words of the question an entry found by `found` leaves open.

        A word is accounted for when the entry's own text has it, when it is a shopping or
        judging word ("bestille", "stole på", "worth"), or when it is another product in a
        comparison ("stanley eller owala").
        """
        matched = text.matched if text is not None else frozenset()
        others = {(h.start, h.end) for h in hits.values() if h.alias.entry_id != entry_id}
        compared = any(tok.text in _COMPARISON for tok in tokens)
        open_words = set()
        for i, tok in enumerate(tokens):
            if tok.text in found or not _informative(tok):
                continue
            if tok.text in matched or tok.text in SHOPPING_WORDS:
                continue
            if compared and any(s <= i < e for s, e in others):
                continue  # "stanley eller owala": each product supports the other
            open_words.add(tok.text)
        return len(open_words)

    def _names_all(self, wider: Candidate, best: Candidate) -> bool:
        """True when the words `wider` explains beyond `best` are distinctive names of it.

        Each extra word must be in its titles or aliases and in those of at most one other
        entry: "årig" ("tablet til 5 årig") singles out kids' tablets, "hype" singles out none.
        """
        names = self._names[wider.id]
        extra = wider.explains - best.explains
        return all(
            (named := [f for f in inflections(w) if f in names])
            and min(self._named_by.get(f, 0) for f in named) <= 2
            for w in extra
        )

    def _named_alone(self, found: frozenset[str], tokens: list[Token], entry_id: str) -> bool:
        """True for one everyday word that names the entry and is all the question is about.

        "wish" or "er wish til at stole på" may mean Wish.com; "kan du anbefale en god film"
        does not mean instant-camera film, and "/start" does not mean baby gear.
        """
        names = self._names[entry_id]
        if not all(any(f in names for f in inflections(word)) for word in found):
            return False
        if any(self._named_by.get(word, 0) > 1 for word in found):
            return False  # a word naming several entries ("måske" ~ "maske") names none of them
        return all(
            tok.text in found or not _informative(tok) or tok.text in JUDGING_WORDS
            for tok in tokens
        )

    def _unclear(self, best: Candidate, others: list[Candidate]) -> bool:
        """True when the best entry does not clearly win against the runner-up."""
        if not others:
            return False
        rival = others[0]
        t = self.thresholds
        if rival.coverage >= best.coverage + t.explains_more and rival.source != "text":
            return True  # another product in the question explains much more of it
        return (
            best.score - rival.score < t.ambiguity_margin
            and _overlaps(best, rival)
            and not _covers_more(best, rival)
            and best.score < 100
        )


def _rival_cover(top_two: list[float], hit: TextHit | None) -> float:
    """The best text coverage of any other entry than this one."""
    if hit is None or not top_two:
        return top_two[0] if top_two else 0.0
    if hit.coverage >= top_two[0]:
        return top_two[1] if len(top_two) > 1 else 0.0
    return top_two[0]


def _rank_key(c: Candidate) -> tuple[bool, float, int, float, str]:
    """Best first; of equal scores the product named first (the subject), then wider text."""
    return (c.weak, -c.score, c.start if c.source != "text" else _LAST, -c.coverage, c.id)


_LAST = 1 << 20


def _inflection_allowed(words: list[Token], alias: Alias) -> bool:
    """Whether everyday words in a stem match are inflections of the alias's own words.

    Stems of everyday words collide ("table" and "tablets" share the Danish stem "tabl"), so an
    everyday word meets an alias through stems only as a plain inflection of one of its words.
    """
    for tok in words:
        if tok.text in alias.vocabulary:
            continue
        # A long word whose stem collapses onto a short alias word is another word: Danish
        # Snowball cuts "-ligst", so "billigst" (cheapest) would meet "bil" (car).
        stretched = all(
            len(tok.text) - len(word) > MAX_ENDING
            for word in alias.vocabulary
            if tok.text[:3] == word[:3]
        )
        if zipf(tok.text) < COMMON_ZIPF and not stretched:
            continue
        if not any(is_inflection(tok.text, word) for word in alias.vocabulary):
            return False
    return True


MAX_ENDING = 4
"""The longest plain ending between a word and an alias word met through stems ("-erne")."""


def _everyday(words: list[Token]) -> bool:
    """One query word that is an everyday word or an interjection ("computer", "hm")."""
    if len(words) != 1:
        return False
    word = words[0].text
    return word in NEUTRAL_WORDS or zipf(word) >= COMMON_ALIAS_ZIPF


def _tolerance(word: str) -> int:
    """How many unrelated words may stand next to an everyday word that names an alias.

    The more everyday the word, the more of the question must fit the entry: "hm" (an
    interjection) and "computer" need all of it, "iphone" or "stanley" one loose word, "kindle"
    two ("I heart my Kindle (sometimes)").
    """
    if word in NEUTRAL_WORDS:
        return 0
    frequency = zipf(word)
    if frequency >= _EVERYDAY_STRICT_ZIPF:
        return 0
    return 1 if frequency >= _EVERYDAY_LOOSE_ZIPF else 2


_EVERYDAY_STRICT_ZIPF = 4.6
_EVERYDAY_LOOSE_ZIPF = 4.0


def _everyday_words(tokens: list[Token]) -> frozenset[str]:
    return frozenset(t.text for t in tokens if zipf(t.text) >= COMMON_ZIPF)


def _informative(tok: Token) -> bool:
    """A word that says what the question is about (not filler, context or a number)."""
    return not (
        tok.text in FILLER_WORDS
        or tok.text in NEUTRAL_WORDS
        or tok.text in WEAK_WORDS
        or tok.text in _COMPARISON
        or any(ch.isdigit() for ch in tok.text)  # sizes, models, prices: "15", "4000kr"
        or tok.text in FUNCTION_WORDS
        or len(tok.text) < 2
        or is_mash(tok.text)  # junk next to a product name does not make it another topic
    )


def _typo_allowed(words: list[Token], window: str, alias: Alias) -> bool:
    """Whether a near-miss between a question window and an alias may count as a typo."""
    for tok in words:
        if zipf(tok.text) >= COMMON_ZIPF and tok.text not in alias.vocabulary:
            return False  # "weather" is a word of its own, not a typo of "leather"
    key = alias.key
    short, long = sorted((window, key), key=len)
    if len(long) - len(short) >= 2 and (long.startswith(short) or long.endswith(short)):
        return False  # a part of a compound is not a typo ("influencer" in "deinfluencer")
    # A shared everyday head or modifier ("sy|maskine" vs "ro|maskine") proves nothing: what is
    # left on each side must still look alike.
    for cut in range(_common_prefix(window, key), 3, -1):
        if zipf(window[:cut]) >= COMMON_ZIPF:
            return OSA.normalized_similarity(window[cut:], key[cut:]) >= 0.75
    for cut in range(_common_prefix(window[::-1], key[::-1]), 3, -1):
        if zipf(window[-cut:]) >= COMMON_ZIPF:
            return OSA.normalized_similarity(window[:-cut], key[:-cut]) >= 0.75
    return True


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _overlaps(a: Candidate, b: Candidate) -> bool:
    return a.start < b.end and b.start < a.end


def _covers_more(a: Candidate, b: Candidate) -> bool:
    """True when `a` matched a strictly longer stretch of the question, or a longer alias."""
    wider = a.start <= b.start and b.end <= a.end and (a.end - a.start) > (b.end - b.start)
    return wider or len(a.alias) > len(b.alias) + 2
