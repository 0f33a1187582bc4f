"""Folding: the one normal form in which questions, aliases and word lists are compared.

Lower case, no accents, æ/ø/å and their typed spellings ("ae", "oe", "aa") meet, invisible and
control characters gone, letters and digits separated by single spaces.
"""

from __future__ import annotations

import re
import unicodedata

# Characters people never mean: zero-width spaces/joiners, direction marks, BOM, soft hyphen.
_INVISIBLE = dict.fromkeys(
    [
        *(0x00AD, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2060, 0xFEFF, 0x180E),
        *range(0x202A, 0x202F),
        *range(0x2066, 0x206A),
    ],
    None,
)
# Danish letters that do not decompose in NFKD; folded to their usual ASCII spellings.
_DANISH = str.maketrans(
    {"æ": "ae", "ø": "oe", "å": "aa", "ß": "ss", "œ": "oe", "ð": "d", "þ": "th"}
)
_NON_WORD = re.compile(r"[^a-z0-9]+")
# æ/ø/å fold to one letter and typed "ae"/"oe"/"aa" collapse to it, so "løbesko",
# "loebesko" and "lobesko" meet, and so do "samsøe" and "samsoe".
_DIGRAPHS = re.compile(r"aa|ae|oe")
_DIGRAPH_MAP = {"aa": "a", "ae": "a", "oe": "o"}


def strip_invisible(text: str) -> str:
    """Remove zero-width and direction-control characters and other controls."""
    text = text.translate(_INVISIBLE)
    # Fast paths, same result: every character of category C is unprintable, so a printable
    # text (once the usual line breaks and tabs are spaces) has none to replace.
    if text.isprintable():
        return text
    spaced = text.translate(_WHITESPACE_CONTROLS)
    if spaced.isprintable():
        return spaced
    return "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)


_WHITESPACE_CONTROLS = str.maketrans("\n\r\t\v\f", "     ")


_ASCII_CONTROLS = re.compile(r"[\x00-\x1f\x7f]")


def fold(text: str) -> str:
    """Lower-case, strip accents, fold æøå, keep letters and digits separated by single spaces."""
    if text.isascii():  # fast path, same result: nothing to normalise or translate
        text = _ASCII_CONTROLS.sub(" ", text).casefold()
        text = _DIGRAPHS.sub(lambda m: _DIGRAPH_MAP[m.group(0)], text)
        return _NON_WORD.sub(" ", text).strip()
    text = unicodedata.normalize("NFKC", strip_invisible(text)).casefold()
    text = text.translate(_DANISH)
    text = "".join(
        ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
    )
    text = _DIGRAPHS.sub(lambda m: _DIGRAPH_MAP[m.group(0)], text)
    return _NON_WORD.sub(" ", text).strip()
