"""Picking the product among the lines of a shop page (no OCR needed: lines given as text)."""

from __future__ import annotations

from bot.core.ocr import OcrLine, parse_tsv
from bot.core.screenshot import find_shop, is_chrome, pick_product
from knowledge.matcher import Matcher

TEMU_PAGE = [
    OcrLine("Temu", 40, 20),
    OcrLine("Søg efter produkter", 22, 120),
    OcrLine("129,95 kr.", 38, 900),
    OcrLine("259,00 kr. -62% Lynudsalg slutter om 02:14:33", 18, 950),
    OcrLine("Stanley Quencher H2.0 FlowState termokrus 1,18 l", 26, 1000),
    OcrLine("4.8 (12K+ solgt)", 20, 1050),
    OcrLine("Gratis fragt Gratis retur i 30 dage", 20, 1100),
    OcrLine("Læg i kurv", 28, 1200),
    OcrLine("Hjem Kategorier Kurv Konto", 18, 2200),
]


def test_the_title_among_shop_chrome_is_the_product(matcher: Matcher) -> None:
    reading = pick_product(TEMU_PAGE, matcher)
    assert reading.entry_id == "stanley-cup"
    assert reading.product_text == "Stanley Quencher H2.0 FlowState termokrus 1,18 l"
    assert reading.match is not None and reading.match.kind == "answer"
    assert (reading.shop_id, reading.shop_name) == ("temu", "Temu")
    assert not reading.nothing_found
    assert reading.lines[0] == "Temu" and len(reading.lines) == len(TEMU_PAGE)


def test_plain_strings_work_as_lines(matcher: Matcher) -> None:
    reading = pick_product(["SHEIN", "Owala FreeSip drikkedunk 710 ml", "LÆG I KURV"], matcher)
    assert (reading.entry_id, reading.shop_id) == ("owala-water-bottles", "shein")


def test_chrome_lines() -> None:
    chrome = [
        "129,95 kr.",
        "€12.99",
        "Læg i kurv",
        "ADD TO CART",
        "4,7 (3.539 reviews)",
        "Gratis fragt og retur",
        "Forside > Køkken > Drikkedunke",
        "Hjem Kategorier Kurv Konto",
        "Visit the Stanley Store",
        "prime Delivery in 3-7 business days",
        "kk kk",
        "",
    ]
    titles = [
        "Stanley Quencher H2.0 FlowState Tumbler 40 oz",
        "Ringlys 26 cm med stativ og",
        "The Ordinary Niacinamide 10% + Zinc 1% 30 ml",
        "Owala 710 ml",
    ]
    assert [t for t in chrome if not is_chrome(t)] == []
    assert [t for t in titles if is_chrome(t)] == []


def test_a_badge_or_a_menu_word_alone_is_no_product(matcher: Matcher) -> None:
    # "prime" alone is an alias of the energy drink entry; on Amazon it is a delivery badge.
    reading = pick_product(["amazon", "prime", "Drikkedunke", "Tilføj til ønskeliste"], matcher)
    assert reading.nothing_found
    assert reading.match is None and reading.product_text is None
    assert reading.shop_id == "amazon-prime-day"


def test_shop_and_payment_topics_are_not_the_product(matcher: Matcher) -> None:
    # "Klarna" is the buy-now-pay-later entry and "Temu" an entry of its own: chrome here.
    reading = pick_product(["Temu", "Betal senere med Klarna", "Gratis retur i 100 dage"], matcher)
    assert reading.nothing_found
    assert reading.shop_id == "temu"


def test_a_title_wrapped_over_two_lines_is_read_as_one(matcher: Matcher) -> None:
    lines = [
        OcrLine("zalando", 40, 10),
        OcrLine("POP MART", 30, 1000),
        OcrLine("The Monsters Big Into Energy blind box", 26, 1040),
        OcrLine("699,95 kr. inkl. moms", 30, 1100),
    ]
    reading = pick_product(lines, matcher)
    assert reading.entry_id == "labubu-blind-boxes"
    assert (reading.shop_id, reading.shop_name) == (
        "zalando",
        "Zalando",
    )  # Zalando has its own entry


def test_the_larger_and_more_specific_title_beats_a_passing_mention(matcher: Matcher) -> None:
    lines = [
        OcrLine("Fujifilm Instax Mini 12 instant", 34, 1000),
        OcrLine("kamera, lilla", 34, 1040),
        OcrLine("Andre kunder købte også Owala FreeSip drikkedunk", 20, 1800),
    ]
    assert pick_product(lines, matcher).entry_id == "instant-cameras"


def test_unsure_ocr_is_ignored(matcher: Matcher) -> None:
    shapes = [OcrLine("Stanley Quencher tumbler", 60, 100, confidence=41.0)]
    assert pick_product(shapes, matcher).nothing_found


def test_a_caption_naming_a_product_wins(matcher: Matcher) -> None:
    reading = pick_product(TEMU_PAGE, matcher, caption="skal jeg købe en airfryer?")
    assert reading.entry_id == "air-fryer"
    assert reading.from_caption and reading.product_text == "skal jeg købe en airfryer?"
    assert reading.shop_id == "temu"


def test_a_caption_without_a_product_leaves_it_to_the_image(matcher: Matcher) -> None:
    reading = pick_product(TEMU_PAGE, matcher, caption="skal jeg købe den her?")
    assert reading.entry_id == "stanley-cup" and not reading.from_caption


def test_a_vague_caption_gives_suggestions_when_the_image_has_nothing(matcher: Matcher) -> None:
    caption = "airfryr owla"
    assert matcher.match(caption).kind == "suggestions"
    reading = pick_product(["Hej! Ses vi i morgen?"], matcher, caption=caption)
    assert reading.match is not None and reading.match.kind == "suggestions"
    assert reading.from_caption and not reading.nothing_found


def test_no_text_is_nothing_found(matcher: Matcher) -> None:
    reading = pick_product([], matcher)
    assert reading.nothing_found and reading.lines == ()
    assert (reading.shop_id, reading.shop_name, reading.entry_id) == (None, None, None)


def test_shops_by_name_address_and_one_ocr_slip(matcher: Matcher) -> None:
    assert find_shop(["www.temu.com"], matcher) == ("temu", "Temu")
    assert find_shop(["TikTok Shop"], matcher) == ("tiktok-shop", "TikTok Shop")
    assert find_shop(["AliExpres"], matcher) == ("aliexpress", "AliExpress")
    assert find_shop(["amaz0n.de"], matcher) == ("amazon-prime-day", "Amazon")
    assert find_shop(["Zalando"], matcher) == ("zalando", "Zalando")
    # "Wish" is an everyday word; only the address names the shop.
    assert find_shop(["Add to wishlist", "I wish"], matcher) == (None, None)
    assert find_shop(["wish.com"], matcher) == ("wish", "Wish.com")
    assert find_shop(["Shine bright"], matcher) == (None, None)


def test_tesseract_tsv_is_grouped_into_lines() -> None:
    header = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"
    rows = [
        "1\t1\t0\t0\t0\t0\t0\t0\t1080\t2340\t-1\t",
        "4\t1\t2\t1\t1\t0\t40\t900\t600\t44\t-1\t",
        "5\t1\t2\t1\t1\t1\t40\t902\t200\t40\t96.5\tStanley",
        "5\t1\t2\t1\t1\t2\t250\t902\t250\t42\t91.5\tQuencher",
        "4\t1\t1\t1\t1\t0\t30\t40\t150\t60\t-1\t",
        "5\t1\t1\t1\t1\t1\t30\t40\t150\t60\t88.0\tTemu",
        "5\t1\t1\t1\t1\t2\t190\t40\t10\t60\t12.0\t ",
    ]
    lines = parse_tsv("\n".join([header, *rows]))
    assert lines == [
        OcrLine("Temu", 60, 40, 30, 88.0),
        OcrLine("Stanley Quencher", 44, 900, 40, 94.0),
    ]


def test_json_form(matcher: Matcher) -> None:
    data = pick_product(TEMU_PAGE, matcher, seconds=0.51234).to_json()
    assert data["read"] == "Stanley Quencher H2.0 FlowState termokrus 1,18 l"
    assert (data["entry_id"], data["kind"], data["nothing_found"]) == (
        "stanley-cup",
        "answer",
        False,
    )
    assert (data["shop_id"], data["shop_name"], data["seconds"]) == ("temu", "Temu", 0.512)
    assert data["lines"][0] == "Temu" and data["from_caption"] is False
    empty = pick_product([], matcher).to_json()
    assert (empty["entry_id"], empty["kind"], empty["nothing_found"]) == (None, None, True)
