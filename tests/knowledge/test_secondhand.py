"""Second-hand search links: exact URLs, encoding, the user's product words and the sites."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from knowledge import secondhand
from knowledge.cards import CategoryCard
from knowledge.categories import CategoryIndex
from knowledge.schema import Entry, EntryRecord
from tests.knowledge.conftest import entry_data
from tests.knowledge.test_cards import card_data


@pytest.mark.parametrize(
    ("site", "query", "url"),
    [
        ("dba", "sovesofa", "https://www.dba.dk/recommerce/forsale/search?q=sovesofa"),
        (
            "vinted",
            "vinterjakke str 140",
            "https://www.vinted.dk/catalog?search_text=vinterjakke%20str%20140",
        ),
        ("trendsales", "kjole", "https://www.trendsales.dk/search?q=kjole"),
        ("reshopper", "løbecykel", "https://reshopper.com/da?q=l%C3%B8becykel"),
        ("dba", "tørretumbler", "https://www.dba.dk/recommerce/forsale/search?q=t%C3%B8rretumbler"),
        (
            "vinted",
            "Æbleskiver Ålborg",
            "https://www.vinted.dk/catalog?search_text=%C3%86bleskiver%20%C3%85lborg",
        ),
        ("vinted", "h&m jakke", "https://www.vinted.dk/catalog?search_text=h%26m%20jakke"),
        (
            "dba",
            "🛋️ sofa",
            "https://www.dba.dk/recommerce/forsale/search?q=%F0%9F%9B%8B%EF%B8%8F%20sofa",
        ),
        (
            "dba",
            "a+b/c?d#e=f",
            "https://www.dba.dk/recommerce/forsale/search?q=a%2Bb%2Fc%3Fd%23e%3Df",
        ),
        ("reshopper", "  lego   duplo ", "https://reshopper.com/da?q=lego%20duplo"),
    ],
)
def test_search_url_is_exact(site: secondhand.SecondhandSite, query: str, url: str) -> None:
    links = secondhand.search_links(query, [site])
    assert [link["url"] for link in links] == [url]
    # The query survives a round trip through a URL parser, whatever it contains.
    parsed = parse_qs(urlsplit(url).query)
    assert parsed == {secondhand.SITES[site].param: [" ".join(query.split())]}


def test_search_links_shape_order_and_duplicates() -> None:
    assert secondhand.search_links("lego", ["reshopper", "dba", "reshopper"]) == [
        {"site": "reshopper", "query": "lego", "url": "https://reshopper.com/da?q=lego"},
        {
            "site": "dba",
            "query": "lego",
            "url": "https://www.dba.dk/recommerce/forsale/search?q=lego",
        },
    ]
    assert secondhand.search_links("   ", ["dba"]) == []


def test_only_trendsales_is_unverified() -> None:
    assert [k for k, site in secondhand.SITES.items() if not site.verified] == ["trendsales"]


@pytest.fixture(scope="module")
def index() -> CategoryIndex:
    cards = {
        "furniture": CategoryCard.model_validate(
            card_data(
                vocabulary={"da": ["sofa", "sovesofa", "reol", "cykel"], "en": ["couch"]},
                no_secondhand={"da": ["madras"], "en": []},
                secondhand_sites=["dba"],
            )
        ),
        "clothes": CategoryCard.model_validate(
            card_data(
                vocabulary={"da": ["frakke", "vinterjakke"], "en": ["coat"]},
                secondhand_sites=["vinted", "trendsales", "dba"],
            )
        ),
    }
    return CategoryIndex(cards)


@pytest.mark.parametrize(
    ("question", "query", "sites"),
    [
        ("Vi vil gerne købe en ny sovesofa?", "sovesofa", ["dba"]),
        ("hjørnesofa fra ikea", "hjørnesofa", ["dba"]),
        ("ikea kallax reol", "ikea kallax reol", ["dba"]),  # words just before it describe it
        ("min gamle frakke er slidt, ny frakke", "frakke", ["vinted", "trendsales", "dba"]),
        ("vinterjakke til min søn", "vinterjakke", ["reshopper", "vinted", "trendsales"]),
        ("a warm winter coat please", "warm winter coat", ["vinted", "trendsales", "dba"]),
        ("elektrisk cykel til min datter", "elektrisk cykel", ["reshopper", "dba"]),
    ],
)
def test_links_for_a_category(
    index: CategoryIndex, question: str, query: str, sites: list[str]
) -> None:
    match = index.classify(question)
    assert match is not None
    links = secondhand.for_category(question, match, index.cards[match.card_id])
    assert [(link["site"], link["query"]) for link in links] == [(s, query) for s in sites]


def test_no_links_where_second_hand_makes_no_sense(index: CategoryIndex) -> None:
    match = index.classify("ny madras")
    assert match is not None
    assert secondhand.for_category("ny madras", match, index.cards["furniture"]) == []


@pytest.mark.parametrize(
    ("question", "query"),
    [
        ("skal jeg købe en gyngehest", "gyngehest"),
        ("should I buy a kayak?", "kayak"),
        ("jeg mangler en ny kuffert til ferien", "kuffert ferien"),
        ("need a new 🛶 paddle", "paddle"),
    ],
)
def test_fallback_uses_the_users_product_words(question: str, query: str) -> None:
    links = secondhand.for_fallback(question)
    assert [(link["site"], link["query"]) for link in links] == [("dba", query), ("vinted", query)]


@pytest.mark.parametrize(
    "question",
    [
        "skal jeg købe",  # nothing to search for
        "should i buy it",
        "hvad bliver vejret i morgen",  # no purchase in sight
        "tusind tak",
        "jeg vil gerne købe noget til min mor og min far og min søster",  # nothing product-like
        "buy buy buy buy",
    ],
)
def test_no_fallback_links(question: str) -> None:
    assert secondhand.for_fallback(question) == []


def _record(**overrides: object) -> EntryRecord:
    entry = Entry.model_validate(entry_data("Baby gear", **overrides))
    return EntryRecord(id="baby-gear", category="kids", entry=entry, path="kids/baby-gear.yaml")


def test_entry_links_use_the_curated_search() -> None:
    record = _record(secondhand={"query": "babyudstyr", "sites": ["dba", "reshopper"]})
    assert [link["url"] for link in secondhand.for_entry(record, "hvad skal vi have?")] == [
        "https://www.dba.dk/recommerce/forsale/search?q=babyudstyr",
        "https://reshopper.com/da?q=babyudstyr",
    ]
    # A question about a child puts Reshopper first.
    assert [link["site"] for link in secondhand.for_entry(record, "til min søn")] == [
        "reshopper",
        "dba",
    ]


def test_entry_without_curated_search_uses_its_card() -> None:
    record = _record()
    card = CategoryCard.model_validate(card_data(secondhand_sites=["dba", "vinted"]))
    assert secondhand.for_entry(record, "stanley cup?", card, alias="stanley cup") == [
        {
            "site": "dba",
            "query": "stanley cup",
            "url": "https://www.dba.dk/recommerce/forsale/search?q=stanley%20cup",
        },
        {
            "site": "vinted",
            "query": "stanley cup",
            "url": "https://www.vinted.dk/catalog?search_text=stanley%20cup",
        },
    ]
    assert [
        link["query"]
        for link in secondhand.for_entry(record, "skal jeg købe en Stanley Cup til min søn?", card)
    ] == [
        "stanley cup",
        "stanley cup",
        "stanley cup",
    ]
    assert secondhand.for_entry(record, "temu?") == []  # no card (shops, travel): no links


@pytest.mark.parametrize(
    ("question", "child"),
    [
        ("løbecykel til min søn", True),
        ("til min datter", True),
        ("børnecykel", True),
        ("for my kid", True),
        ("sofa til stuen", False),
        ("a coat for me", False),
    ],
)
def test_mentions_child(question: str, child: bool) -> None:
    assert secondhand.mentions_child(question) is child
