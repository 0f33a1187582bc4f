"""How common a word is in Danish and English, from the `wordfreq` package's bundled word lists.

Guarantees: works offline (wordfreq ships its lists inside the wheel; nothing is downloaded),
loads once per process (about 0.2 s, a few MB), and every lookup is a dict access. Frequencies are
Zipf values: log10 of occurrences per billion words, so 7 is "the", 5 is "weather", 3 is the
rarest word in the lists and 0 means "not in the lists" (a brand, a typo, a compound, a name).
"""

from __future__ import annotations

import functools
import unicodedata

from wordfreq import get_frequency_list

from knowledge.folding import fold

LANGS = ("da", "en")

COMMON_ZIPF = 3.3
"""At or above this a word is an everyday word: it never carries a fuzzy match to another word."""

COMMON_ALIAS_ZIPF = 3.8
"""A query word this common that hits an alias needs support from the rest of the question."""

STOP_ZIPF = 6.0
"""Words this frequent ("the", "og", "i") carry no topic and are left out of the text index."""


@functools.cache
def _raw_tables() -> dict[str, dict[str, float]]:
    """Per language: lower-case word → Zipf frequency, from wordfreq's "small" lists."""
    tables: dict[str, dict[str, float]] = {}
    for lang in LANGS:
        table: dict[str, float] = {}
        # The list is bucketed by centibels: bucket i holds words of frequency 10^(-i/100).
        for i, bucket in enumerate(get_frequency_list(lang, "small")):
            zipf = round(9 - i / 100, 2)
            for word in bucket:
                table.setdefault(word, zipf)
        tables[lang] = table
    return tables


@functools.cache
def _folded_table() -> dict[str, float]:
    """Folded word (see knowledge.text.fold) → highest Zipf frequency in Danish or English."""
    folded: dict[str, float] = {}
    for table in _raw_tables().values():
        for word, zipf in table.items():
            key = word if word.isascii() and word.isalnum() else fold(word)
            if key and " " not in key and zipf > folded.get(key, 0.0):
                folded[key] = zipf
    return folded


def zipf(word: str) -> float:
    """Zipf frequency of a folded word in whichever of Danish or English uses it more (0 if neither)."""
    return _folded_table().get(word, 0.0)


def zipf_in(word: str, lang: str) -> float:
    """Zipf frequency of a lower-case (unfolded) word in one language (0 if not listed)."""
    return _raw_tables()[lang].get(unicodedata.normalize("NFC", word), 0.0)


def is_common(word: str, threshold: float = COMMON_ZIPF) -> bool:
    """True for an everyday word (folded form) in Danish or English."""
    return zipf(word) >= threshold
