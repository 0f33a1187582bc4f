"""Second-hand search links built from the user's own product words (pure; no network).

Search-URL formats, in one place. Each query goes into one query parameter, percent-encoded as
UTF-8 with `urllib.parse.quote` (space → %20, & → %26, æ → %C3%A6), so nothing the user types
can add a parameter or break out of the URL.

- DBA:        https://www.dba.dk/recommerce/forsale/search?q=<query>
  Seen in FirstDawnDigital/Plagg `sources/dba.py` (module notes: search
  'https://www.dba.dk/recommerce/forsale/search?q=<term>', checked there 2026-07-09) and in
  other public DBA scrapers (`.../recommerce/forsale/search?page=<n>&q=<quote_plus(query)>`).
  DBA moved to this platform in 2025; the old form `https://www.dba.dk/soeg/?soeg=<query>`
  (andreasalstrup/dba-scraper README: `https://www.dba.dk/soeg/?soeg=gtx+1080+ti`) is the
  pre-2025 format and is no longer used here.
- Vinted:     https://www.vinted.dk/catalog?search_text=<query>
  Seen in public scraper code in the search index
  (`https://www.vinted.dk/catalog?search_text=${encodeURIComponent(searchQuery)}`, next to
  vinted.se / vinted.fi; repository not named by the index) and in a Vinted web reference
  (`https://www.vinted.co.uk/catalog?search_text=hermes%20kelly&...`).
- Trendsales: https://www.trendsales.dk/search?q=<query>
  NOT CONFIRMED: no public example of a Trendsales search URL was found; this is the format the
  bot used before (bot/render.py). Check it in a browser before relying on it.
- Reshopper:  https://reshopper.com/da?q=<query>
  Seen in FirstDawnDigital/Plagg `sources/reshopper.py` (SEARCH_URL_TMPL = BASE_URL +
  "/da?q={query}"; its notes say an interactive check on 2026-07-09 confirmed that `?q=<term>`
  filters the results).

Which sites: the card's `secondhand_sites` (DBA and Vinted for most things, Trendsales for
fashion, Reshopper for children's things); a question about a child puts Reshopper first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypedDict
from urllib.parse import quote

from knowledge.cards import CategoryCard
from knowledge.categories import CategoryMatch, Word, question_words
from knowledge.schema import EntryRecord, SecondhandSite
from knowledge.text import FILLER_WORDS, fold, smalltalk_intent


@dataclass(frozen=True)
class Site:
    """One second-hand marketplace and how to search it."""

    name: str
    base: str
    param: str
    verified: bool
    """True when the search-URL format was seen in real public code (see the module docstring)."""


SITES: dict[SecondhandSite, Site] = {
    "dba": Site("DBA", "https://www.dba.dk/recommerce/forsale/search", "q", True),
    "vinted": Site("Vinted", "https://www.vinted.dk/catalog", "search_text", True),
    "trendsales": Site("Trendsales", "https://www.trendsales.dk/search", "q", False),
    "reshopper": Site("Reshopper", "https://reshopper.com/da", "q", True),
}

DEFAULT_SITES: tuple[SecondhandSite, ...] = ("dba", "vinted")
"""For a product with no category: the two general marketplaces."""

MAX_SITES = 3
MAX_QUERY_WORDS = 4


class SecondhandLink(TypedDict):
    """One search button: `{site, query, url}` (the shape `ask --json` returns)."""

    site: str
    query: str
    url: str


def search_url(site: SecondhandSite, query: str) -> str:
    """The search URL for `query` on `site`, percent-encoded (UTF-8)."""
    spec = SITES[site]
    return f"{spec.base}?{spec.param}={quote(query.strip(), safe='')}"


def search_links(query: str, sites: Sequence[SecondhandSite]) -> list[SecondhandLink]:
    """One link per site (duplicates dropped, order kept); none for an empty query."""
    query = " ".join(query.split())
    if not query:
        return []
    seen: list[SecondhandSite] = []
    for site in sites:
        if site not in seen:
            seen.append(site)
    return [{"site": s, "query": query, "url": search_url(s, query)} for s in seen]


# Words that are about the person, the situation or the purchase, not the product: they never
# go into a search query. Stored folded (like text.FILLER_WORDS, which is also removed).
_NOT_PRODUCT_RAW = """
vi jeg du han hun den det de dem man os it its me
brug behov brugt brugte genbrug genbrugt used secondhand second hand preloved refurbished
gammel gamle gammelt old broken doed dod doede itu stykker gaaet gaet gik virker virkede
works working died dead needs need needed mangler mangle trenger leder efter looking find
finde anbefal anbefale anbefaling recommend recommendation recommendations billig billige
billigt cheap cheapest best bedste bedst kvalitet quality god gode ordentlig decent nice
son soen datter barn born boern bornene boernene baby babyen kid kids child children toddler
lille lillebror lillesoster little one ones dreng pige boy girl nevo niece barnebarn
mor far mormor farmor morfar farfar soster bror kaereste kone mand ven veninde venner
mom mum dad mother father sister brother girlfriend boyfriend wife husband friend friends
familie familien family gave gaver gift gifts
hjem hjemme hjemmet home lejlighed lejligheden apartment flat hus huset house kontor office
vaerelse vaerelset room sommer vinter jul julen christmas birthday fodselsdag
hvad hvordan hvorfor hvilken hvilke hvor hvornaar hvem what how why which where when who
skal skulle kan kunne vil ville maa bor burde should could would must
have faa fik get got buy buying bought purchase kobe kob kober kobt kobte
ny nye nyt new anden andet other another en et one two to tre three
ogsaa also too igen again snart soon nu now lige just bare only helst rather
tak thanks please pls plz hej hi hello
fra from uden without ved hos by paa on
ok okay ja yes nej no
"""
NOT_PRODUCT_WORDS: frozenset[str] = frozenset(fold(_NOT_PRODUCT_RAW).split()) | FILLER_WORDS

# Folded words that say a child is involved: Reshopper goes first.
KID_WORDS: frozenset[str] = frozenset(
    fold(
        """barn born boern bornene boernene borns baby babyen babys son soen sonnen datter
        datteren dreng drengen pige pigen toddler kid kids child children childs son daughter
        barnebarn barnebarnet nevo niece lillebror lillesoster skolestart bornehave vuggestue
        dagpleje nursery"""
    ).split()
)
KID_PREFIXES: tuple[str, ...] = ("born", "boern", "baby", "kids", "lobecykel")

# Words that say the person means to get something (for a fallback with no category).
_BUY_INTENT = frozenset(
    fold(
        """kobe kob kober kobt kobte anskaffe anskaffelse brug behov mangler mangle onsker
        onske onskeseddel ny nye nyt buy buying purchase need needs want wanna new looking
        getting replace erstatte udskifte skifte"""
    ).split()
)


def mentions_child(question: str) -> bool:
    """True when the question is about a child ("til min søn", "børnecykel", "for my kid")."""
    for word in question_words(question):
        if word.key in KID_WORDS or word.key.startswith(KID_PREFIXES):
            return True
    return False


def sites_for(card: CategoryCard | None, question: str) -> list[SecondhandSite]:
    """Sites for this question: the card's (or DBA and Vinted), Reshopper first for a child."""
    sites: list[SecondhandSite] = list(card.secondhand_sites) if card else list(DEFAULT_SITES)
    if sites and mentions_child(question):
        sites = ["reshopper", *[s for s in sites if s != "reshopper"]]
    return sites[:MAX_SITES]


def _is_product_word(word: Word) -> bool:
    return word.key not in NOT_PRODUCT_WORDS and not word.key.isdigit()


def category_query(question: str, match: CategoryMatch) -> str:
    """The product words of a categorised question, as typed: the matched words plus up to two
    words just before them that describe them ("elektrisk cykel", "ikea kallax reol")."""
    words = question_words(question)
    keep: set[int] = set(match.positions)
    for pos in match.positions:
        i = pos - 1
        while i >= 0 and pos - i <= 2 and i not in keep and _is_product_word(words[i]):
            keep.add(i)
            i -= 1
    chosen = [words[i].text for i in sorted(keep) if i < len(words)]
    deduped = list(dict.fromkeys(chosen))
    return " ".join(deduped[-MAX_QUERY_WORDS:])


def product_words(question: str) -> str:
    """The question without filler and words about people or the situation, as typed (at most
    four words): "skal jeg købe en Stanley cup til min søn?" → "stanley cup"."""
    words = [w.text for w in question_words(question) if _is_product_word(w)]
    return " ".join(list(dict.fromkeys(words))[:MAX_QUERY_WORDS])


def fallback_query(question: str) -> str | None:
    """The product words of a question no entry or card knows, when it reads like a purchase
    ("skal jeg købe en gyngehest" → "gyngehest"); None for anything else."""
    if smalltalk_intent(question) is not None:
        return None
    words = question_words(question)
    if not any(w.key in _BUY_INTENT for w in words):
        return None
    product = [w.text for w in words if _is_product_word(w)]
    if not 1 <= len(product) <= 3:
        return None
    return " ".join(dict.fromkeys(product))


def for_category(question: str, match: CategoryMatch, card: CategoryCard) -> list[SecondhandLink]:
    """Links for a category card: the user's product words on the card's sites."""
    if not match.secondhand:
        return []
    return search_links(category_query(question, match), sites_for(card, question))


def for_entry(
    record: EntryRecord, question: str, card: CategoryCard | None = None, alias: str | None = None
) -> list[SecondhandLink]:
    """Links for an entry answer: the entry's curated search, else the matched alias (or the
    question's product words) on its card's sites. Entries outside any card (shops, travel,
    labels) get none."""
    sh = record.entry.secondhand
    if sh is not None:
        sites = list(sh.sites)
        if mentions_child(question) and "reshopper" in sites:
            sites = ["reshopper", *[s for s in sites if s != "reshopper"]]
        return search_links(sh.query, sites)
    if card is None:
        return []
    return search_links(alias or product_words(question), sites_for(card, question))


def for_fallback(question: str) -> list[SecondhandLink]:
    """Links for a question with no entry and no category that still reads like a purchase."""
    query = fallback_query(question)
    if query is None:
        return []
    return search_links(query, sites_for(None, question))
