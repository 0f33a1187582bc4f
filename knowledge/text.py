"""Text normalisation for Danish and English questions typed on a phone."""

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

MAX_QUERY_CHARS = 500
"""Only the start of a long message is matched: nobody asks about a product in word 500."""

# Words that carry the question, not the product: they must never drive a match. Stored folded.
_FILLER_WORDS_RAW = """
skal jeg kan man bor burde vil ville gerne have faa fik kobe kober kobt kob kobte anskaffe
er det den de et en dem noget nogen nogle hvad hvordan hvorfor hvilken hvilke om med til for af
pa i og eller men sa som der her koster min mit mine din dit dine vores jeres sin sit sine mig dig os
synes tanker taenker mener vaerd ok okay godt god daarlig darlig egentlig faktisk virkelig bare
lige nu lidt mere mest meget ogsa ikke nej ja hej hey hmm please pls plz tak
ny nye nyt
should shall i me my mine we our you your is are was its this that these those the a an
of to for in at with or and but so do does did can could would will want wanna get getting cost costs
got buy buying bought purchase purchasing worth really actually just some any what whats how
about think thoughts opinion good bad ok okay new
"""
FILLER_WORDS: frozenset[str] = frozenset()  # filled below, after fold() exists

_TOKEN_LIMIT = 40


def strip_invisible(text: str) -> str:
    """Remove zero-width and direction-control characters and other controls."""
    text = text.translate(_INVISIBLE)
    return "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)


def fold(text: str) -> str:
    """Lower-case, strip accents, fold æøå, keep letters and digits separated by single spaces."""
    text = unicodedata.normalize("NFKC", strip_invisible(text)).casefold()
    text = text.translate(_DANISH)
    text = "".join(
        ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
    )
    text = _DIGRAPHS.sub(lambda m: _DIGRAPH_MAP[m.group(0)], text)
    return _NON_WORD.sub(" ", text).strip()


FILLER_WORDS = frozenset(fold(_FILLER_WORDS_RAW).split())


def tokens(text: str) -> list[str]:
    """Folded tokens of `text` (at most the first few dozen)."""
    return fold(text[:MAX_QUERY_CHARS]).split()[:_TOKEN_LIMIT]


def content_tokens(text: str) -> list[str]:
    """Folded tokens without question filler words."""
    return [t for t in tokens(text) if t not in FILLER_WORDS]


def has_content(text: str) -> bool:
    """True when the text has at least one letter or digit (emoji and punctuation are not)."""
    return bool(fold(text[:MAX_QUERY_CHARS]))


_DA_HINTS = frozenset(
    fold(
        """jeg skal kobe kober hvad hvordan hvorfor er det den ikke til og med min mit
        noget nogen synes vaerd hej tak godt daarlig hvilken eller brugt billig billigt ogsa
        skulle kan man bor burde gerne lige vil have nye nyt ny tojet toj"""
    ).split()
)
_EN_HINTS = frozenset(
    """i should buy is it the what how why worth my a an of and or to thanks thank
    hello hi does do are you it's its good bad cheap used new get about think""".split()
)


def detect_language(text: str) -> str | None:
    """'da' or 'en' when the text clearly reads as one of them, else None."""
    sample = text[:MAX_QUERY_CHARS]
    if re.search(r"[æøåÆØÅ]", sample):
        return "da"
    words = fold(sample).split()
    da = sum(w in _DA_HINTS for w in words)
    en = sum(w in _EN_HINTS for w in words)
    if da > en:
        return "da"
    if en > da:
        return "en"
    return None


# Small talk: whole-message phrases (folded) and the intent they express.
_SMALLTALK_RAW: dict[str, tuple[str, ...]] = {
    "greeting": (
        "hej",
        "hejsa",
        "hey",
        "hi",
        "hello",
        "hallo",
        "halloj",
        "goddag",
        "god morgen",
        "godmorgen",
        "god aften",
        "davs",
        "dav",
        "yo",
        "hiya",
        "good morning",
        "good evening",
        "hej med dig",
        "hej omtanke",
        "hi omtanke",
        "hello omtanke",
        "hey there",
        "morn",
    ),
    "thanks": (
        "tak",
        "tusind tak",
        "mange tak",
        "tak for hjaelpen",
        "tak skal du have",
        "thanks",
        "thank you",
        "thx",
        "ty",
        "tak for det",
        "thanks a lot",
        "thank you so much",
        "cool tak",
        "super tak",
        "fedt tak",
        "great thanks",
        "perfekt tak",
        "nice",
        "fedt",
        "super",
    ),
    "help": (
        "help",
        "hjaelp",
        "hvad kan du",
        "hvad kan du hjaelpe med",
        "what can you do",
        "how does this work",
        "hvordan virker du",
        "hvordan virker det",
        "hvem er du",
        "who are you",
        "what are you",
        "hvad er du",
        "hvad er omtanke",
        "what is omtanke",
        "hvad skal jeg skrive",
        "what should i ask",
        "hvad kan jeg spoerge om",
        "info",
    ),
    "bye": ("farvel", "bye", "goodbye", "vi ses", "hej hej", "see you", "godnat", "good night"),
}
SMALLTALK: dict[str, str] = {
    fold(phrase): intent for intent, phrases in _SMALLTALK_RAW.items() for phrase in phrases
}


# Words that may stand around a small-talk phrase without making it a question.
_SMALLTALK_EXTRA = frozenset(
    fold(
        """there again igen omtanke bot dig du you so much lot very for det svaret svarene
        hjaelpen hjaelp alle all folks mate buddy rigtig virkelig meget super mange tusind
        og and"""
    ).split()
)
_SMALLTALK_VOCAB = frozenset(w for phrase in SMALLTALK for w in phrase.split()) | _SMALLTALK_EXTRA
_PHRASES_LONGEST_FIRST = sorted(SMALLTALK, key=lambda p: (-len(p.split()), p))


def smalltalk_intent(text: str) -> str | None:
    """The small-talk intent if the whole message is a greeting, thanks, help or goodbye."""
    folded = fold(text[:200])
    if not folded:
        return None
    if folded in SMALLTALK:
        return SMALLTALK[folded]
    words = folded.split()
    # "tusind tak for hjælpen", "hello there", "hej omtanke": only small-talk words around a phrase.
    if len(words) > 8 or not all(w in _SMALLTALK_VOCAB for w in words):
        return None
    padded = f" {folded} "
    for phrase in _PHRASES_LONGEST_FIRST:
        if f" {phrase} " in padded:
            return SMALLTALK[phrase]
    return None
