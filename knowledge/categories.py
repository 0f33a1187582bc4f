"""Recognise the product category of a question from its words (pure; no entry needed).

`CategoryIndex(cards, kb).classify(question)` returns the best `CategoryMatch` or None. The
vocabulary of a card is its own word list plus the titles and aliases of the entries it lists
(`entries`) or whose folder it lists (`folders`). A question word matches a vocabulary word when
it is the same word after folding (æøå, accents, case), the same Snowball stem (Danish or
English: "sofaer" → "sofa", "freezers" → "freezer"), ends in it as a Danish-style compound
("hjørnesofa", "vinterjakker"), or is one typo away from a long word ("opvaskemaskin").
Two to three adjacent words are also tried together ("vaske maskine", "running shoes").

Each matched word scores by how it matched (a phrase by its length); words after "til"/"for"/"to"
that follow a product word count half ("skærm til min computer" is a screen), and the first
product word after "købe"/"buy" a quarter more. Guarantees: the result depends only on the
question and the cards; it is None when no word names a product (greetings, "hvad er klokken"),
when two categories score within `AMBIGUITY_MARGIN` ("book a table"), and for how-to questions
that are not about choosing or buying ("hvordan stryger man en skjorte").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol, cast

import snowballstemmer
from rapidfuzz import process
from rapidfuzz.distance import OSA

from knowledge.cards import CategoryCard, word_key
from knowledge.gcpause import collector_paused
from knowledge.loader import KnowledgeBase, alias_text, entry_aliases, is_strict
from knowledge.text import FILLER_WORDS, MAX_QUERY_CHARS, fold, strip_invisible

MAX_WORDS = 40
"""Only the first words of a message are read."""

_WORD = re.compile(r"[^\W_]+")

# How much one matched word counts, by how it matched.
W_VOCABULARY = 1.0
W_ENTRY_ALIAS = 0.9
W_STEM = 0.95
W_COMPOUND = 0.85
W_TYPO = 0.8

MIN_COMPOUND_HEAD = 4
"""A compound's last part ("sofa" in "hjørnesofa") must be at least this long."""
MIN_COMPOUND_PREFIX = 3
"""…and what comes before it at least this long."""
MIN_TYPO_LEN = 8
"""Words shorter than this must be spelled right: a typo in a short word is usually another
word ("stykker" is not "smykker")."""
BUY_OBJECT_BONUS = 1.25
"""The first product word after "købe"/"buy" is what is being bought ("bogreolen er fuld,
skal jeg købe flere bøger" is about books)."""
PURPOSE_DISCOUNT = 0.5
"""Product words after "til"/"for"/"to" that follow another product word name the purpose, not
the purchase: "skærm til min computer" is about a screen."""
AMBIGUITY_MARGIN = 0.15
"""Two categories scoring this close is a coin toss ("book a table"): no category."""

_PURPOSE_WORDS = frozenset({"til", "for", "to"})
_SET_SUFFIXES = tuple(fold("sættet sæt").split())
_BUY_WORDS = frozenset(fold("kobe kob kober anskaffe buy buying purchase").split())
_HOW_WORDS = frozenset({"hvordan", "how"})
# …unless it is about choosing or buying one ("hvordan vælger jeg en god støvsuger").
_CHOOSING_WORDS = frozenset(
    fold(
        """kobe kob kober kobt anskaffe vaelge vaelger vaelg finde finder bedste anbefale
        anbefaler buy buying purchase choose choosing pick find best recommend worth vaerd"""
    ).split()
)

# Danish words that end like a product but are not one ("videnskab" is not a cupboard).
NOT_COMPOUNDS = frozenset(
    fold(
        """videnskab venskab selskab landskab aegteskab faellesskab lidenskab regnskab
        medlemskab broderskab fjendskab bekendtskab kendskab formandskab vaertskab
        kundeservice selvbetjening"""
    ).split()
)
# Danish verb forms that stem like a product noun ("spille" is not "spil").
NOT_PRODUCT_FORMS = frozenset(fold("spille spiller spillede spillet skaber").split())


class _Stemmer(Protocol):
    def stemWord(self, word: str) -> str: ...  # snowballstemmer's name


_STEMMERS: dict[str, _Stemmer] = {
    "da": cast(_Stemmer, snowballstemmer.stemmer("danish")),
    "en": cast(_Stemmer, snowballstemmer.stemmer("english")),
}


@lru_cache(maxsize=8192)
def stem(word: str, lang: str) -> str:
    """The Snowball stem of a folded word in `lang` ('da' or 'en')."""
    return _STEMMERS[lang].stemWord(word)


@dataclass(frozen=True)
class Word:
    """One word of a question: as typed (lower-case, æøå kept) and folded for matching."""

    text: str
    key: str


def question_words(question: str) -> list[Word]:
    """The words of a question in order, with letters and digits only (emoji are not words)."""
    text = unicodedata.normalize("NFKC", strip_invisible(question[:MAX_QUERY_CHARS])).casefold()
    out: list[Word] = []
    for raw in _WORD.findall(text):
        key = "".join(fold(raw).split())
        if key:
            out.append(Word(raw, key))
        if len(out) >= MAX_WORDS:
            break
    return out


@dataclass(frozen=True)
class CategoryMatch:
    """The category a question is about, and the words that said so."""

    card_id: str
    score: float
    positions: tuple[int, ...]
    """Indexes into `question_words(question)` of the matched words, in question order."""
    words: tuple[str, ...]
    """The matched words as the user typed them (lower-case), in question order."""
    terms: tuple[str, ...]
    """The vocabulary words (or entry aliases) they matched."""
    secondhand: bool = True
    """False when every matched word is one for which a second-hand search makes no sense."""


@dataclass(frozen=True)
class _Term:
    card_id: str
    text: str
    weight: float
    lang: str
    secondhand: bool


@dataclass
class _Hit:
    term: _Term
    weight: float
    start: int
    end: int


@dataclass
class _Tally:
    score: float = 0.0
    best: float = 0.0
    longest: int = 0
    first: int = MAX_WORDS
    hits: list[_Hit] = field(default_factory=list)


@dataclass(frozen=True)
class _Key:
    """How a vocabulary text is looked up: its folded key, word count and stem."""

    key: str
    """The folded words without fillers (all of them if all are fillers), joined."""
    words: int
    """How many words the key joins, at most 3."""
    stem: str | None
    """The stem of the key; None for a key shorter than 3 letters."""
    filler: bool
    """True when a word is a question filler ("hvad", "til"): never an entry's term."""


class CategoryIndex:
    """The vocabulary of every card, ready to classify questions.

    `previous`: an index of an earlier version of the same cards and entries; the folded keys and
    stems of texts it saw are taken from it instead of being computed again (the same index).
    """

    def __init__(
        self,
        cards: Mapping[str, CategoryCard],
        kb: KnowledgeBase | None = None,
        *,
        previous: CategoryIndex | None = None,
    ) -> None:
        self.cards = dict(cards)
        self._entry_card: dict[str, str] = {}
        self._folder_card: dict[str, str] = {}
        self._exact: dict[str, list[_Term]] = {}
        self._stems: dict[tuple[str, str], list[_Term]] = {}
        self._max_window = 1
        self._keys: dict[tuple[str, str], _Key] = {}
        self._old_keys = previous._keys if previous is not None else {}
        with collector_paused:
            self._build(kb)
        self._old_keys = {}
        self._typo_keys = sorted(k for k in self._exact if len(k) >= MIN_TYPO_LEN)

    def _build(self, kb: KnowledgeBase | None) -> None:
        for card_id, card in self.cards.items():
            for entry_id in card.entries:
                self._entry_card.setdefault(entry_id, card_id)
            for folder in card.folders:
                self._folder_card.setdefault(folder, card_id)
            for lang, text in card.vocabulary.pairs():
                self._add(_Term(card_id, text, W_VOCABULARY, lang, True))
            for lang, text in card.no_secondhand.pairs():
                self._add(_Term(card_id, text, W_VOCABULARY, lang, False))
        if kb is None:
            return
        for entry_id, record in sorted(kb.entries.items()):
            owner = self.card_for_entry(entry_id, record.category)
            if owner is None:
                continue
            for lang, alias in entry_aliases(record.entry):
                # "=coach" counts only as the whole question; "nyt til hjemmet" is a phrase
                # about intent that would shrink to the everyday word "hjemmet".
                if is_strict(alias):
                    continue
                text = alias_text(alias)
                if not self._key(text, lang).filler:
                    self._add(_Term(owner, text, W_ENTRY_ALIAS, lang, True))

    def _key(self, text: str, lang: str) -> _Key:
        """The key of a text (taken from the previous index when it saw the text)."""
        known = self._keys.get((text, lang)) or self._old_keys.get((text, lang))
        if known is None:
            folded = fold(text).split()
            words = [w for w in folded if w not in FILLER_WORDS] or folded
            key = "".join(words)
            known = _Key(
                key,
                min(len(words), 3),
                stem(key, lang) if len(key) >= 3 else None,
                any(w in FILLER_WORDS for w in folded),
            )
        self._keys[(text, lang)] = known
        return known

    def _add(self, term: _Term) -> None:
        known = self._key(term.text, term.lang)
        if len(known.key) < 2:
            return
        self._max_window = max(self._max_window, known.words)
        bucket = self._exact.setdefault(known.key, [])
        if term.weight == W_ENTRY_ALIAS and any(t.weight == W_VOCABULARY for t in bucket):
            return  # the card's own word wins over an entry's alias
        bucket.append(term)
        if known.stem is not None:
            self._stems.setdefault((term.lang, known.stem), []).append(term)

    def card_for_entry(self, entry_id: str, folder: str | None = None) -> str | None:
        """The card an entry belongs to: listed by id, else by its folder, else None."""
        if entry_id in self._entry_card:
            return self._entry_card[entry_id]
        return self._folder_card.get(folder) if folder is not None else None

    def classify(self, question: str) -> CategoryMatch | None:
        """The category the question is about, or None when no word names a product."""
        words = question_words(question)
        keys = {w.key for w in words}
        if keys & _HOW_WORDS and not keys & _CHOOSING_WORDS:
            return None  # a how-to ("hvordan stryger man en skjorte") is not a purchase
        content = [i for i, w in enumerate(words) if w.key not in FILLER_WORDS]
        hits: list[_Hit] = []
        covered: set[int] = set()
        # Longest windows first: "vaske maskine" as one word beats "maskine" alone.
        for size in range(min(self._max_window, 3), 0, -1):
            for n in range(len(content) - size + 1):
                idx = content[n : n + size]
                if idx[-1] - idx[0] != size - 1 or covered.intersection(idx):
                    continue  # only adjacent words form a phrase
                key = "".join(words[i].key for i in idx)
                found = self._lookup(key, single=size == 1)
                if found:
                    # A phrase that matched as a whole is stronger evidence than one word.
                    hits.extend(_Hit(t, w * size, idx[0], idx[-1] + 1) for t, w in found)
                    covered.update(idx)
        if not hits:
            return None
        buy = next((i for i, w in enumerate(words) if w.key in _BUY_WORDS), None)
        if buy is not None:
            after = [h for h in hits if h.start > buy]
            if after and len({h.term.card_id for h in hits}) > 1:
                first_object = min(h.start for h in after)
                for hit in after:
                    if hit.start == first_object:
                        hit.weight *= BUY_OBJECT_BONUS
        first_hit = min(h.start for h in hits)
        purpose = next(
            (i for i, w in enumerate(words) if i > first_hit and w.key in _PURPOSE_WORDS), None
        )
        if purpose is not None:
            for hit in hits:
                if hit.start > purpose:
                    hit.weight *= PURPOSE_DISCOUNT
        tallies: dict[str, _Tally] = {}
        for hit in hits:
            tally = tallies.setdefault(hit.term.card_id, _Tally())
            tally.hits.append(hit)
        for tally in tallies.values():
            best_at: dict[int, float] = {}
            for hit in tally.hits:
                best_at[hit.start] = max(best_at.get(hit.start, 0.0), hit.weight)
            tally.score = sum(best_at.values())
            tally.best = max(best_at.values())
            tally.longest = max(len(h.term.text) for h in tally.hits)
            tally.first = min(h.start for h in tally.hits)
        ranked = sorted(
            tallies.items(),
            key=lambda kv: (
                kv[1].score,
                kv[1].best,
                kv[1].longest,
                -kv[1].first,
                -self.cards[kv[0]].order,
            ),
            reverse=True,
        )
        card_id, tally = ranked[0]
        if len(ranked) > 1 and ranked[1][1].score > tally.score - AMBIGUITY_MARGIN:
            return None
        chosen: dict[int, _Hit] = {}
        for hit in sorted(tally.hits, key=lambda h: (h.start, -h.weight)):
            chosen.setdefault(hit.start, hit)
        ordered = [chosen[k] for k in sorted(chosen)]
        positions = tuple(i for h in ordered for i in range(h.start, h.end))
        return CategoryMatch(
            card_id=card_id,
            score=round(tally.score, 2),
            positions=positions,
            words=tuple(words[i].text for i in positions),
            terms=tuple(h.term.text for h in ordered),
            secondhand=any(h.term.secondhand for h in ordered),
        )

    def _lookup(self, key: str, *, single: bool) -> list[tuple[_Term, float]]:
        """Terms a (joined) question word matches, with the weight of how it matched."""
        if key in self._exact:
            return [(t, t.weight) for t in self._exact[key]]
        if key in NOT_PRODUCT_FORMS:
            return []
        found: list[tuple[_Term, float]] = []
        for lang in ("da", "en"):
            if len(key) >= 3:
                found += [
                    (t, t.weight * W_STEM)
                    for t in self._stems.get((lang, stem(key, lang)), [])
                    if not _verb_for_noun(key, t)
                ]
        if found or not single:
            return found
        found = self._compound(key)
        if found:
            return found
        return self._typo(key)

    def _compound(self, key: str) -> list[tuple[_Term, float]]:
        """'vinterjakker' ends in 'jakke' (as a stem): the longest head word that fits."""
        if key in NOT_COMPOUNDS:
            return []
        for suffix in _SET_SUFFIXES:
            # "skruetrækkersæt", "knivsættet": a set of the thing is the thing.
            if key.endswith(suffix) and len(key) - len(suffix) >= MIN_COMPOUND_HEAD:
                base = key[: -len(suffix)]
                found = self._exact.get(base, []) or self._stems.get(("da", stem(base, "da")), [])
                if found:
                    return [(t, t.weight * W_COMPOUND) for t in found]
        for cut in range(MIN_COMPOUND_PREFIX, len(key) - MIN_COMPOUND_HEAD + 1):
            head = key[cut:]
            terms = self._exact.get(head, [])
            if not terms:
                terms = [t for t in self._stems.get(("da", stem(head, "da")), []) if t.lang == "da"]
            terms = [
                t
                for t in terms
                if t.weight == W_VOCABULARY and len(word_key(t.text)) >= MIN_COMPOUND_HEAD
            ]
            if terms:
                return [(t, t.weight * W_COMPOUND) for t in terms]
        return []

    def _typo(self, key: str) -> list[tuple[_Term, float]]:
        """One edit away from a long vocabulary word (two for very long words)."""
        if len(key) < MIN_TYPO_LEN or not self._typo_keys:
            return []
        limit = 2 if len(key) >= 10 else 1
        best = process.extractOne(key, self._typo_keys, scorer=OSA.distance, score_cutoff=limit)
        if best is None:
            return []
        return [(t, t.weight * W_TYPO) for t in self._exact[best[0]] if t.weight == W_VOCABULARY]


def _verb_for_noun(key: str, term: _Term) -> bool:
    """True for a verb that stems like a noun in -er: "fryse" is neither "fryser" nor "frysere",
    "blende" is not "blender" (a shorter question word, where the stemmer cut "er…" off)."""
    word = word_key(term.text)
    return len(key) < len(word) and word[len(stem(word, term.lang)) :].startswith("er")
