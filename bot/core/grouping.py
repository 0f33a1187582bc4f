"""Grouping questions by their product words: folded, filler removed, stemmed, typos and compounds joined.

No pairwise comparison of all texts: a vocabulary with a deletion index finds one-letter typos, and
groups are keyed by their product-word sets, so 10,000 distinct questions group in under a second.
"""

from __future__ import annotations

import functools
import itertools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import Stemmer
from rapidfuzz.distance import OSA, Indel

from knowledge.text import content_tokens

MAX_SUBSET_WORDS: Final = 6
"""Questions with more product words look for a smaller group through single words only."""
LABEL_CHARS: Final = 80
"""A label longer than this is only used when the group has no shorter question."""
_NOISE: Final = frozenset(
    """start stop help hjaelp menu settings indstillinger test testing tester lol lmao rofl haha
    hahaha hehe hihi xd xdd omg wtf idk ok okay k kk hmm hm hmmm ja jo nej yes no nope yep yup
    asdf qwerty blabla bla spam hello hallo hej hey hi yo""".split()
)

_DA = Stemmer.Stemmer("danish")


_EN = Stemmer.Stemmer("english")


@functools.lru_cache(maxsize=65_536)
def stem(word: str) -> str:
    """A folded word's stem: Danish, then English ("pastamaskiner" and "sneakers" lose endings)."""
    return str(_EN.stemWord(_DA.stemWord(word)))


def _words(text: str) -> list[str]:
    """The folded words of `text` that can name a product (filler, numbers, noise removed)."""
    if text.lstrip().startswith("/"):
        return []
    return [w for w in content_tokens(text) if w not in _NOISE and not w.isdigit() and len(w) > 1]


def product_words(text: str) -> tuple[str, ...]:
    """The stems of the words in `text` that can name a product, in order, each once.

    Empty for a command ("/start"), and for texts of filler, numbers and chat noise only.
    """
    return tuple(dict.fromkeys(stem(w) for w in _words(text)))


def _joined(words: list[str], known: Counter[str]) -> tuple[str, ...]:
    """Stems of `words`, with two neighbours written apart joined when people also write
    them as one word ("robot plæneklipper" → "robotplæneklipper")."""
    out: list[str] = []
    i = 0
    while i < len(words):
        if i + 1 < len(words) and known[joined := stem(words[i] + words[i + 1])]:
            out.append(joined)
            i += 2
        else:
            out.append(stem(words[i]))
            i += 1
    return tuple(dict.fromkeys(out))


def is_shopping_text(text: str) -> bool:
    """True when the text has at least one word that could name a product."""
    return bool(product_words(text))


def _close(a: str, b: str) -> bool:
    """Two stems one typo apart: an added or missing letter (4+ letters), or a swapped or
    wrong letter (6+ letters). Shorter words must match exactly ("bold" is not "bord")."""
    shortest = min(len(a), len(b))
    if shortest >= 6 and OSA.distance(a, b, score_cutoff=1) <= 1:
        return True
    return shortest >= 4 and Indel.distance(a, b, score_cutoff=1) <= 1


def _deletions(word: str) -> list[str]:
    """`word` with one letter removed, each way (the keys of the typo index)."""
    return [word[:i] + word[i + 1 :] for i in range(len(word))]


class _Vocabulary:
    """Maps each stem to the most frequent stem one typo away (itself if none): the spelling
    a group is keyed by. Most frequent first, so typos map onto the common spelling."""

    def __init__(self, frequency: Counter[str]) -> None:
        self.canonical: dict[str, str] = {}
        index: dict[str, list[str]] = {}
        for word, _ in sorted(frequency.items(), key=lambda kv: (-kv[1], kv[0])):
            target = word
            if len(word) >= 4:
                seen: set[str] = set()
                for key in (word, *_deletions(word)):
                    for other in index.get(key, ()):
                        if other not in seen:
                            seen.add(other)
                            if _close(word, other):
                                target = other
                                break
                    if target != word:
                        break
            self.canonical[word] = target
            if target == word and len(word) >= 4:
                for key in (word, *_deletions(word)):
                    index.setdefault(key, []).append(word)

    def key(self, stems: tuple[str, ...]) -> frozenset[str]:
        """The group key of a question's stems."""
        return frozenset(self.canonical[s] for s in stems)


def _subsets(key: frozenset[str]) -> list[frozenset[str]]:
    """The proper, non-empty subsets of `key`, largest first (single words only for big keys)."""
    words = sorted(key)
    if len(words) > MAX_SUBSET_WORDS:
        return [frozenset((w,)) for w in words]
    return [
        frozenset(c)
        for size in range(len(words) - 1, 0, -1)
        for c in itertools.combinations(words, size)
    ]


@dataclass(frozen=True)
class Grouping:
    """`group_texts`' result: groups of indexes into the texts, and each text's product words."""

    groups: list[list[int]]
    """Groups in no particular order; indexes ascending within a group."""
    words: list[tuple[str, ...]]
    """Each text's product words (stems, compounds joined): how specific it is."""

    def label(self, texts: Sequence[str], members: list[int]) -> str:
        """A group's most specific question: the most product words (up to 6), short enough,
        most asked, shortest."""
        count = Counter(texts[i] for i in members)
        specific = {texts[i]: min(len(self.words[i]), 6) for i in members}

        def rank(text: str) -> tuple[bool, int, int, int, str]:
            return (len(text) > LABEL_CHARS, -specific[text], -count[text], len(text), text)

        return min(count, key=rank)


def group_texts(texts: Sequence[str]) -> Grouping:
    """`texts` grouped by product words; texts without one are in no group."""
    words_of = [_words(t) for t in texts]
    frequency: Counter[str] = Counter(stem(w) for words in words_of for w in set(words))
    stems_of = [_joined(words, frequency) for words in words_of]
    vocabulary = _Vocabulary(frequency)
    by_key: dict[frozenset[str], list[int]] = {}
    for i, stems in enumerate(stems_of):
        if stems:
            by_key.setdefault(vocabulary.key(stems), []).append(i)
    # Fewest words first, then most asked: the groups form around the plainest product names.
    order = sorted(by_key, key=lambda k: (len(k), -len(by_key[k]), sorted(k)))
    groups: dict[frozenset[str], list[int]] = {}
    home_of: dict[frozenset[str], frozenset[str]] = {}  # every key seen -> its group's key
    for key in order:
        smaller = next((s for s in _subsets(key) if s in home_of), None) if len(key) > 1 else None
        if smaller is None:
            home_of[key] = key
            groups[key] = list(by_key[key])
        else:
            home_of[key] = home_of[smaller]
            groups[home_of[key]].extend(by_key[key])
    return Grouping([sorted(members) for members in groups.values()], stems_of)


def _others(spellings: Counter[str], label: str, limit: int = 3) -> list[str]:
    """Other spellings of a group, most asked first."""
    ranked = sorted(spellings.items(), key=lambda kv: (-kv[1], kv[0]))
    return [text for text, _ in ranked if text != label][:limit]
