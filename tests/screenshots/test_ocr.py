"""Screenshots read end to end with Tesseract: the corpus, captions, the bounded reader.

Skipped locally without tesseract (with the reason); .ci/run installs it, so CI runs these.
"""

from __future__ import annotations

import asyncio

import pytest

from bot.core.ocr import Busy
from bot.core.screenshot import ScreenshotReader, ScreenshotReading, read_screenshot
from knowledge.matcher import Matcher
from tests.screenshots.corpus import PRODUCTS, STYLES, Shot, all_shots

pytestmark = pytest.mark.usefixtures("needs_ocr")


@pytest.fixture(scope="module")
def shots(needs_ocr: None) -> list[Shot]:
    return all_shots()


@pytest.fixture(scope="module")
def readings(shots: list[Shot], matcher: Matcher) -> list[ScreenshotReading]:
    """The whole corpus read once, two at a time, through the reader the bot uses."""

    async def read_all() -> list[ScreenshotReading]:
        reader = ScreenshotReader(workers=2, queue_limit=len(shots))
        try:
            return list(await asyncio.gather(*(reader.read(s.data, matcher) for s in shots)))
        finally:
            reader.close()

    return asyncio.run(read_all())


def test_the_corpus_is_varied_enough(shots: list[Shot]) -> None:
    products = [s for s in shots if s.entry is not None]
    assert len(products) >= 30
    assert {s.lang for s in products} == {"da", "en"}
    assert all(any(f"-{style}-" in s.name for s in products) for style in STYLES)
    assert len(products) == len(PRODUCTS)
    assert len([s for s in shots if s.entry is None]) >= 3


@pytest.mark.slow
def test_at_least_90_percent_of_product_screenshots_get_the_right_entry(
    shots: list[Shot], readings: list[ScreenshotReading]
) -> None:
    pairs = [(s, r) for s, r in zip(shots, readings, strict=True) if s.entry is not None]
    wrong = [
        f"{s.name}: got {r.entry_id} from {r.product_text!r}"
        for s, r in pairs
        if r.entry_id != s.entry
    ]
    assert len(wrong) <= len(pairs) // 10, "\n".join(wrong)


@pytest.mark.slow
def test_an_image_without_a_product_gets_no_card(
    shots: list[Shot], readings: list[ScreenshotReading]
) -> None:
    empty = [(s, r) for s, r in zip(shots, readings, strict=True) if s.entry is None]
    assert [(s.name, r.product_text) for s, r in empty if not r.nothing_found] == []


@pytest.mark.slow
def test_the_shop_is_recognised(shots: list[Shot], readings: list[ScreenshotReading]) -> None:
    pairs = [(s, r) for s, r in zip(shots, readings, strict=True) if s.shop is not None]
    missed = [f"{s.name}: {r.shop_id}" for s, r in pairs if r.shop_id != s.shop]
    assert len(missed) <= len(pairs) // 10, "\n".join(missed)


def test_a_caption_is_combined_with_the_image(matcher: Matcher, shots: list[Shot]) -> None:
    stanley = next(s for s in shots if s.entry == "stanley-cup")
    reading = read_screenshot(stanley.data, matcher, caption="skal jeg købe den her?")
    assert (reading.entry_id, reading.from_caption) == ("stanley-cup", False)
    assert reading.product_text is not None and "Stanley Quencher" in reading.product_text
    assert reading.shop_id == "temu"
    assert reading.seconds > 0
    told = read_screenshot(stanley.data, matcher, caption="eller hellere en owala?")
    assert (told.entry_id, told.from_caption, told.shop_id) == ("owala-water-bottles", True, "temu")


async def test_past_the_queue_limit_the_reader_is_busy(matcher: Matcher, shots: list[Shot]) -> None:
    image = next(s.data for s in shots if s.entry == "owala-water-bottles")  # a Telegram photo
    reader = ScreenshotReader(workers=1, queue_limit=1)
    try:
        first = asyncio.create_task(reader.read(image, matcher))
        second = asyncio.create_task(reader.read(image, matcher))
        await asyncio.sleep(0)  # both start: one runs, one waits; neither can finish yet
        assert reader.in_flight == 2
        with pytest.raises(Busy) as caught:
            await reader.read(image, matcher)
        assert caught.value.reason == "busy"
        results = await asyncio.gather(first, second)
        assert [r.entry_id for r in results] == ["owala-water-bottles"] * 2
        assert reader.in_flight == 0
        assert (await reader.read(image, matcher)).entry_id == "owala-water-bottles"
    finally:
        reader.close()
