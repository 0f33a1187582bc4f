"""Text normalisation for Danish and English questions typed on a phone.

Also the small pieces of language knowledge the matcher needs: stems (Danish then English
Snowball, so "løbeskoene" meets "løbesko" and "owalas" meets "owala"), words that only frame a
question (filler, neutral context), language detection for short messages, and the signals
that a message is not about shopping at all. Everything here is pure and deterministic.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import NamedTuple

import Stemmer

from knowledge.folding import fold as fold
from knowledge.folding import strip_invisible as strip_invisible
from knowledge.frequency import zipf, zipf_in

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
    """jeg skal kobe kober hvad hvordan hvorfor er det den ikke til og med min mit
    noget nogen synes vaerd hej tak godt daarlig hvilken eller brugt billig billigt ogsa
    skulle kan man bor burde gerne lige vil have nye nyt ny tojet toj hva hvad hvor hvem
    ik ikk ikke sgu jo altsa lissom mega vildt fedt nej ja jeps hejsa hejhej mig dig os
    vores jeres mor far datter son kaereste tror tænker taenker værd bedst bedste
    hvornaar hvornår fortæl fortael kender""".split()
)
_EN_HINTS = frozenset(
    """i should buy is it the what how why worth my a an of and or to thanks thank
    hello hi hey does do are you it's its good bad cheap used new get about think
    thx ty pls plz u ur r ya yall whats what's hows how's wanna gonna gotta lol lmao omg
    idk tbh imo btw rn ngl wyd sup yo dude bro take tell me your yours please who where
    when which would could this that these those bye goodbye nah nope yeah yep yup""".split()
)
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")


def _raw_words(text: str) -> list[str]:
    """Lower-case words of `text` as typed (accents kept, apostrophes inside words kept)."""
    sample = unicodedata.normalize("NFKC", strip_invisible(text[:MAX_QUERY_CHARS])).casefold()
    return _WORD.findall(sample)[:_TOKEN_LIMIT]


def language_score(text: str) -> float:
    """Evidence for Danish (positive) or English (negative) in `text`.

    Hint words (including chat slang) count 2 each; every other word counts by how much more
    common it is in one language than the other (wordfreq), so "thx" and "whats ur take on
    temu" read as English and "min datter vil have en stanley" as Danish.
    """
    score = 0.0
    for word in dict.fromkeys(_raw_words(text)):  # each word once: "bla bla bla" is one word
        plain = word.replace("’", "'")
        if re.search(r"[æøå]", plain):
            score += 3.0
            continue
        bare = plain.replace("'", "")
        if plain in _DA_HINTS or bare in _DA_HINTS:
            score += 2.0
        elif plain in _EN_HINTS or bare in _EN_HINTS:
            score -= 2.0
        else:
            da, en = zipf_in(plain, "da"), zipf_in(plain, "en")
            if max(da, en) > 0:
                score += max(-2.0, min(2.0, da - en)) / 2
    return score


def detect_language(text: str) -> str | None:
    """'da' or 'en' when the text clearly reads as one of them, else None."""
    score = language_score(text)
    if score >= 1.0:
        return "da"
    if score <= -1.0:
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


# --- tokens with stems ---------------------------------------------------------------------------


class Token(NamedTuple):
    """One word of a question: its folded form and its folded Danish and English stems.

    A named tuple: index builds hash millions of tokens, and a tuple hashes in C."""

    text: str
    da: str
    en: str


_DA_STEMMER = Stemmer.Stemmer("danish")
_EN_STEMMER = Stemmer.Stemmer("english")


@functools.lru_cache(maxsize=65536)
def stems(word: str) -> tuple[str, str]:
    """Folded (Danish, English) Snowball stems of a lower-case word.

    Stemming happens before folding so Danish endings are seen as written ("løbeskoene" →
    "løbesko" → "lobesko"). Each language's stemmer only ever meets that language's text in the
    entries, and a question word is looked up in both, so neither overstems the other's words.
    """
    if not word.isalpha():
        plain = fold(word).replace(" ", "")
        return plain, plain
    da = fold(str(_DA_STEMMER.stemWord(word))).replace(" ", "")
    en = fold(str(_EN_STEMMER.stemWord(word))).replace(" ", "")
    plain = fold(word).replace(" ", "")
    return da or plain, en or plain


@functools.lru_cache(maxsize=65536)
def _fold_word(word: str) -> tuple[str, ...]:
    return tuple(fold(word).split())


_WORD_TOKENS: dict[str, tuple[Token, ...]] = {}
_WORD_TOKENS_MAX = 1 << 18
"""Tokens per written word: building a knowledge base's index analyses the same few thousand
words hundreds of thousands of times (titles, aliases, critiques)."""


def _word_tokens(word: str) -> tuple[Token, ...]:
    tokens = _WORD_TOKENS.get(word)
    if tokens is None:
        plain = word.replace("’", "'")
        parts = _fold_word(plain)
        if len(parts) == 1 and "'" not in plain:
            tokens = (Token(parts[0], *stems(plain)),)
        else:  # "what's", "h&m"-like leftovers: fold gives several pieces; stem each piece
            tokens = tuple(Token(p, *stems(p)) for p in parts)
        if len(_WORD_TOKENS) >= _WORD_TOKENS_MAX:
            _WORD_TOKENS.clear()  # bounded: a flood of distinct words cannot grow it for ever
        _WORD_TOKENS[word] = tokens
    return tokens


def analyse(text: str) -> list[Token]:
    """The question's words (at most the first few dozen), folded and stemmed."""
    out: list[Token] = []
    for word in _WORD.findall(
        unicodedata.normalize("NFKC", strip_invisible(text[:MAX_QUERY_CHARS])).casefold()
    ):
        out.extend(_word_tokens(word))
        if len(out) >= _TOKEN_LIMIT:
            break
    return out[:_TOKEN_LIMIT]


# Endings that make an inflected form of the same word ("jakke|r", "sko|ene", "shoe|s").
INFLECTIONS = frozenset("s es e r er n en et ne ene erne ers ens ernes".split())


def is_inflection(a: str, b: str) -> bool:
    """True when two folded words are the same word up to a plain ending ("sko"/"skoene")."""
    short, long = sorted((a, b), key=len)
    return a == b or (long.startswith(short) and long[len(short) :] in INFLECTIONS)


def inflections(word: str) -> set[str]:
    """The word and the forms it may take or come from by a plain ending."""
    forms = {word} | {word + end for end in INFLECTIONS}
    forms |= {
        word[: -len(end)] for end in INFLECTIONS if word.endswith(end) and len(word) > len(end) + 1
    }
    return forms


# --- words that frame a question without naming a product ----------------------------------------

# Who it is for, when, for how much, which version: context around a product, never a topic of
# its own. They do not count against an everyday-word alias ("min datter vil have en stanley").
_NEUTRAL_RAW = """
datter døtre søn sønner mor mormor farmor far morfar farfar bedstemor bedstefar forældre
bror søster søskende kæreste mand kone veninde veninder ven venner barn børn børnene baby
teenager teen familie kollega kollegaer chef nevø niece onkel tante svigermor pige dreng
piger drenge
daughter son mom mum mother dad father wife husband girlfriend boyfriend partner kid kids
child children sister brother friend friends niece nephew grandma grandpa grandson
granddaughter aunt uncle girl boy teenager family colleague boss
år årig årige måned måneder gammel gamle uge uger dag dage
year years yr yrs old month months week weeks day days
jul julen juleaften fødselsdag konfirmation bryllup gave gaver
christmas xmas birthday wedding gift gifts present presents
penge pengene pris prisen priser kr kroner kr. dkk euro euros dollar dollars money price
prices budget billig billigt billige dyr dyrt dyre cheap cheaper expensive pricey
hype hypen hyped trend trends trendy trending viral tiktok instagram insta
ting tingene thing things stuff produkt produkter product products model modeller version
mærke mærket brand brands
pro max mini plus ultra lite
skole skolen gymnasiet uni universitet studiet studie studier arbejde arbejdet job kontor
kontoret hjemmet hjemme sommerhus ferie ferien rejse rejsen tur
school uni university college study studies work job office home holiday vacation trip travel
grund grunde årsag årsager tips tip guide råd gode sådan myte myter fakta spørgsmål svar
reason reasons guide advice myth myths facts question questions answer answers
hm hmm hmmm lol haha hahaha ok okay oki ah oh øh åh nå jo yes yeah yep ja jeps nej nope no wow
omg
"""
NEUTRAL_WORDS: frozenset[str] = frozenset(fold(_NEUTRAL_RAW).split())

# Closed-class words (pronouns, prepositions, conjunctions, auxiliaries, question words) of both
# languages that FILLER_WORDS leaves out: they never say what a question is about.
_FUNCTION_RAW = """
fra af ad på i om over under efter før ved hos uden mod mellem gennem bag foran omkring
alt alle alting mange få flere flest hver hvert enhver ingen intet andet anden andre selv
jeg du dig mig han ham hun hende vi os jer de dem sig den det denne dette disse der her hvor
hvem hvornår hvis hvilket hvorfor
jo nu da så men og eller samt også kun blot endnu allerede aldrig altid ofte tit stadig
være været bliver blev blive har havde haft kan kunne skal skulle må måtte gør gjorde gøre
at til som end når mens fordi selvom hvis både enten hverken
from by on off out up down into onto upon within without about above below after before
all every each many few more most other another some any none no nothing something
he she they them him her his hers their theirs it its we us our you your who whom whose
where when why which while whether if then than so also only just still already never always
be been being am was were has have had having do does did doing can could will would shall
may might must not there here too very
"""
FUNCTION_WORDS: frozenset[str] = frozenset(fold(_FUNCTION_RAW).split())

# Words that say "is this worth buying?" without naming anything.
_BUY_RAW = """
købe køber købt købte køb anskaffe anskaffer investere investering værd pengene
buy buying bought purchase purchasing worth invest investing get getting
synes tanker tænker mener take opinion thoughts think recommend anbefale anbefaler anbefaling
"""
BUY_WORDS: frozenset[str] = frozenset(fold(_BUY_RAW).split())

# Words that make an unmatched message a shopping question we do not cover yet (a gap for the
# editors) rather than a message about something else.
_SHOPPING_RAW = """
købe køber købt købte køb anskaffe investere værd buy buying bought purchase worth invest
pris prisen priser koster kost kr kroner dkk euro dollar dollars price prices cost costs
tilbud udsalg rabat rabatkode sale sales discount deal deals outlet
bedst bedste best better bedre review reviews anmeldelse anmeldelser test testvinder
sammenlign sammenligne compare versus vs alternativ alternativer alternative alternatives
gave gaver gift gifts ønskeseddel ønskeliste wishlist brand brands mærke mærker
brugt brugte used secondhand genbrug vintage reparere repair fix bytte returnere return
shop shopping butik butikker store stores webshop webshops online bestille bestilt order
ordered abonnement subscription haul hauls unboxing
mangler trænger brug behøver behov need needs want wants ønsker ønsker ønsket ny nye nyt new
"""
# Words that judge a product: the heart of a de-influencing question ("er wish til at stole
# på", "er stanley kopper giftige").
_JUDGING_RAW = """
stole tillid trust trustworthy legit seriøs seriøst scam snyd fup ægte fake sikker sikkert
safe kvalitet quality holdbar holdbare durable holder lasts etisk etiske ethical fair
bæredygtig bæredygtigt bæredygtige sustainable miljø miljøet miljøvenlig environment
environmental klima klimaet klimavenlig climate giftig giftige toxic farlig farlige dangerous
kemi kemikalier chemicals sundt sund healthy usundt unhealthy spild waste overforbrug
overconsumption overrated overvurderet
"""
JUDGING_WORDS: frozenset[str] = frozenset(fold(_JUDGING_RAW).split())
SHOPPING_WORDS: frozenset[str] = frozenset(fold(_SHOPPING_RAW).split()) | JUDGING_WORDS


# --- messages that are not about shopping -----------------------------------------------------------

OFFTOPIC_REASONS = (
    "bare_buy",
    "number",
    "mash",
    "chitchat",
    "weather",
    "time",
    "joke",
    "homework",
    "other",
)
"""Why a message is off-topic. `bare_buy` is "skal jeg købe" with nothing to buy: ask what."""

# Topic words, folded. A token that equals one of these, or a compound that starts or ends with
# one of the longer ones ("vejrudsigten", "fodboldkampen"), marks the topic.
_TOPICS_RAW: dict[str, str] = {
    "weather": """vejr vejret vejrudsigt vejrudsigten regner regnvejr sne sner sner solskin
        blæser blæsevejr stormvejr temperatur temperaturen grader tordenvejr varmt koldt
        weather forecast raining rain snow snowing sunny thunderstorm thunderstorms humid
        temperature scorcher breezy weatger wather weatehr waether""",
    "time": """klokken klok tidspunkt dato datoen ugedag ugenummer time clock date today
        todays tomorrow yesterday weekday""",
    "joke": """joke jokes vittighed vittigheder vits vitser sjovt sjov funny laugh grin grine
        digt digte poem poems sang sange song songs sing synge eventyr story""",
    "homework": """lektier lektie lektierne homework opgave opgaven opgaver matematik math
        maths regnestykke ligning equation hovedstad hovedstaden capital oversæt oversætte
        oversættelse translate translation stil essay fysik kemi physics chemistry history
        historie geografi geography biologi biology grammatik grammar stave spell spelling
        wikipedia definition betyder meaning mean""",
    "chitchat": """robot bot chatbot menneske human ai alive age alder navn name hedder
        keder bored boring kedeligt ensom lonely elsker love hate hader træt tired sulten
        hungry gift married single kæreste""",
    # Everything else people ask a chat bot: sport, news, health, cooking, getting somewhere,
    # opening hours, parcels, passwords. Reported as "other".
    "other": """fodbold fodboldkamp football soccer kamp kampen vandt won vinder winner liga
        league landshold valg valget election politik politics nyheder news præsident
        president statsminister dronning dronningen konge kongen syg sick ondt hurts læge
        doctor hospital feber fever opskrift recipe recipes aftensmad middag dinner frokost
        lunch morgenmad breakfast pandekager bage bake bager koge cook cooking vej road
        kørsel directions åbner åbent lukker lukket opening hours pakke pakken parcel
        package levering delivery tracking adgangskode password kodeord pinkode login
        router wifi internet film filmen movie movies serie serien series musik music""",
}
_TOPIC_WORDS: dict[str, str] = {
    w: topic for topic, words in _TOPICS_RAW.items() for w in fold(words).split()
}
_TOPIC_PREFIXES = tuple(sorted((w for w in _TOPIC_WORDS if len(w) >= 4), key=len, reverse=True))

# Whole phrases (folded) that mark chit-chat, time and weather questions.
_TOPIC_PHRASES_RAW: dict[str, tuple[str, ...]] = {
    "chitchat": (
        "hvordan har du det",
        "hvordan gaar det",
        "hvordan går det",
        "hvad laver du",
        "hvem er du",
        "hvem har lavet dig",
        "er du et menneske",
        "er du en robot",
        "er du en bot",
        "er du ægte",
        "hvor gammel er du",
        "how are you",
        "how r u",
        "how are u",
        "how you doing",
        "hows it going",
        "how is it going",
        "what are you doing",
        "what s up",
        "whats up",
        "are you a bot",
        "are you human",
        "are you real",
        "who made you",
        "who built you",
        "how old are you",
        "whats your name",
        "what is your name",
        "do you love me",
        "tell me about yourself",
    ),
    "time": ("hvad er klokken", "hvad tid er det", "what time is it", "whats the time"),
    "joke": ("fortael en joke", "tell me a joke", "make me laugh", "sjov historie"),
}
_TOPIC_PHRASES: dict[str, str] = {
    fold(p): topic for topic, phrases in _TOPIC_PHRASES_RAW.items() for p in phrases
}

_PRONOUNS = frozenset(
    fold("it du han hun vi i de den det der dem man one he she they them him her us").split()
)


_HOWTO = (("hvordan",), ("how", "do"), ("how", "to"), ("how", "can"), ("how", "should"))


def is_howto(text: str) -> bool:
    """True for a how-to question about using or fixing something, not about buying it.

    "hvordan opsiger jeg netflix", "how do i reset my password": a buying-advice bot answers
    these only when a product is named outright, never from a loose match on its texts.
    """
    words = fold(text[:MAX_QUERY_CHARS]).split()
    starts = any(tuple(words[: len(p)]) == p for p in _HOWTO)
    return starts and not any(w in BUY_WORDS or w in SHOPPING_WORDS for w in words)


def offtopic_phrase(text: str) -> str | None:
    """The topic when the whole message is a chit-chat, time or joke phrase ("er du en robot").

    Checked before matching, like small talk: a few filler words may stand around the phrase.
    """
    folded = fold(text[:200]).split()
    # "are you a robot", "er du single": a question about the bot itself, one word long.
    if 2 <= len(folded) <= 4 and folded[:2] in (["are", "you"], ["r", "u"], ["er", "du"]):
        rest = [w for w in folded[2:] if w not in {"a", "an", "en", "et"}]
        if len(rest) == 1:
            return "chitchat"
    words = [w for w in folded if w not in FILLER_WORDS]
    if not words or len(words) > 6:
        return None
    core = " ".join(words)
    for phrase, topic in _TOPIC_PHRASES.items():
        kept = " ".join(w for w in phrase.split() if w not in FILLER_WORDS)
        if kept and core == kept:
            return topic
    return None


_KEY_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_ROW_OF = {ch: i for i, row in enumerate(_KEY_ROWS) for ch in row}
_CONSONANT_RUN = re.compile(r"[^aeiouy\d]{5,}")


def is_mash(word: str) -> bool:
    """True for keyboard mashing ("asdfghjkl", "sdfgsdf", "ljljl"): letters, not a word."""
    if len(word) < 4 or not word.isalpha() or zipf(word) > 0:
        return False
    if not re.search(r"[aeiouy]", word) or _CONSONANT_RUN.search(word):
        return True
    rows = {_ROW_OF.get(ch, -1) for ch in word}
    return len(word) >= 5 and len(rows) == 1


def _topic_of(word: str) -> str | None:
    topic = _TOPIC_WORDS.get(word)
    if topic is None and len(word) >= 7:
        for prefix in _TOPIC_PREFIXES:
            if word.startswith(prefix) or word.endswith(prefix):
                return _TOPIC_WORDS[prefix]
    return topic


def is_rare(word: str) -> bool:
    """True for a word in neither language's everyday word list (a name, brand, compound)."""
    return zipf(word) == 0.0 and word.isalpha() and len(word) >= 3 and not is_mash(word)


def offtopic_reason(text: str) -> str | None:
    """Why a message that matched no entry is not about shopping, or None when it may be.

    None means "possibly a shopping question we do not cover yet" (a gap for the editors): it
    has a shopping word or a rare word that may name a product. Only call this after the
    matcher found nothing: "regnjakke" or "ur" are products, not weather or time.
    """
    raw = fold(text[:MAX_QUERY_CHARS])
    words = raw.split()[:_TOKEN_LIMIT]
    if not words:
        return None
    if all(w.isdigit() for w in words):
        return "number"
    if any(is_mash(w) for w in words) and all(is_mash(w) or w in FILLER_WORDS for w in words):
        return "mash"
    framing = FILLER_WORDS | NEUTRAL_WORDS | BUY_WORDS | _PRONOUNS
    if all(w in framing for w in words):
        return "bare_buy" if any(w in BUY_WORDS for w in words) else "chitchat"
    if is_howto(text):
        return "other"  # "hvordan får man stearin af dugen": help with a thing, not buying it
    padded = f" {raw} "
    topic = next((t for p, t in _TOPIC_PHRASES.items() if f" {p} " in padded), None)
    topic = topic or next((t for t in map(_topic_of, words) if t is not None), None)
    shopping = any(w in SHOPPING_WORDS for w in words)
    if topic is not None and not shopping:
        return topic if topic in OFFTOPIC_REASONS else "other"
    if shopping or any(is_rare(w) for w in words):
        return None
    return "other"
