"""Read a screenshot of something about to be bought: OCR, then the product line, then a match.

A shop page is many short lines (shop chrome, prices, "Læg i kurv", ratings) around one product
title. This module reads them with Tesseract (Danish + English, the `tesseract` program run on
the grayscale image), drops the chrome, and matches the line, or the run of up to three lines,
that gives the most specific knowledge-base answer. The shop (Temu, SHEIN, Amazon, …) is
recognised from its name or address on the page.

Guarantees:
- Framework-free: imports neither telegram, argparse nor rich; only `knowledge` and Pillow.
- Nothing of the image is stored: the bytes are decoded in memory and handed to the `tesseract`
  program on its stdin; the text comes back on its stdout. No file is written.
- Bounded: images over `MAX_IMAGE_BYTES` or `MAX_PIXELS` are refused (`ImageRejected`), sides over
  `MAX_SIDE` are scaled down, one OCR run is killed after `OCR_TIMEOUT` seconds, and a
  `ScreenshotReader` runs at most `workers` OCR jobs at once with at most `queue_limit` waiting;
  past that it raises `Busy` at once instead of queueing without end.
- Cautious: only a confident matcher answer ("answer", never "suggestions") on a line that reads
  like a product becomes the product; an image without one gives `nothing_found=True`, never a
  guess. A caption typed by the user is trusted more than the image.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import re
import statistics
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from bot.core.ocr import (
    OCR_TIMEOUT,
    Busy,
    OcrLine,
    OcrUnavailable,
    ocr_available,
    ocr_lines,
)
from knowledge.matcher import Matcher, MatchResult
from knowledge.text import fold

log = logging.getLogger(__name__)


CONTEXT_CATEGORIES = frozenset({"platforms", "labels", "basics"})
"""Entries about shops, labels and habits: chrome on a product page ("Gratis retur", "Klarna",
"Svanemærket"), so never taken as the product itself."""

SHOPS: dict[str, str] = {
    "temu": "Temu",
    "shein": "SHEIN",
    "aliexpress": "AliExpress",
    "tiktok": "TikTok Shop",
    "amazon": "Amazon",
    "zalando": "Zalando",
    "boozt": "Boozt",
    "asos": "ASOS",
    "wishcom": "Wish.com",
    "ebay": "eBay",
    "etsy": "Etsy",
    "vinted": "Vinted",
    "halara": "Halara",
}
"""Shop and platform names as they appear in a logo or address (folded, without spaces) and the
name shown to the user. Which entry a shop is about is asked of the matcher, so a new shop entry
is picked up without a code change."""

# Words of shop chrome: buttons, shipping, ratings, navigation, folded like questions. A line whose
# only content is chrome is not a product title. Never a product word here.
_UI_WORDS_RAW = """
laeg kurv kurven indkobskurv indkobskurven kob nu tilfoj onskeliste favorit favoritter del
gratis fragt levering leveret lever leveringstid retur returret returnering hverdage hverdag lager
anmeldelse anmeldelser bedommelse bedommelser stjerner solgt spar rabat tilbud udsalg lynudsalg
kupon kuponer storrelse storrelser storrelsesguide farve farver antal vaelg se mere alle hjem
forside kategorier kategori konto profil sog sogning folg folger folgere kommentarer beskrivelse
detaljer produktdetaljer specifikationer saelger saelges butik butikken besog inkl moms ekskl
pris vurdering betal betaling garanti sikker anbefalet populaer nyhed nyheder kobte andre kunder
lignende produkter vis skjul slut snart tid tilbage timer dag morgen ordre ordrer bestil bestilling
add cart basket buy now wishlist share free shipping delivery returns return stock reviews review
ratings rating rated stars sold save off discount deal deals sale coupon coupons size sizes color
colour colors quantity qty select choose see more all home categories category account profile
search follow following followers comments description details specifications seller sellers
store visit incl vat tax only price secure checkout payment pay warranty recommended popular best
bestseller arrivals customers bought similar items show hide guide lightning limited time left
ends hours today tomorrow ships within days business orders order eligible sponsored
like likes liked view views sort filter filters menu back next less top
"""
UI_WORDS = frozenset(fold(_UI_WORDS_RAW).split())
# Neither product nor chrome: units, currencies and the small words between.
_NEUTRAL_RAW = """
kr dkk eur usd gbp sek nok ml cl dl l g kg cm mm m oz gb tb w v mah x stk pcs pr unit each
i og med til af pa er det den en et for fra kun du dig din
the and with for of in to or on at as by it get from was you your also over each
"""
NEUTRAL_WORDS = frozenset(fold(_NEUTRAL_RAW).split())
MIN_CONFIDENCE = 70.0
"""Lines Tesseract is less sure of (mean word confidence, 0-100) are shapes read as letters."""

_PRICE = re.compile(r"(\d[\d.,]*\s*(kr|dkk|€|\$|£|,-))|((kr|dkk|€|\$|£)\.?\s*\d)", re.IGNORECASE)
_BREADCRUMB = re.compile(r"[>›»/|].*[>›»/|]")
_LETTERS = re.compile(r"[^\W\d_]{3,}")


@dataclass(frozen=True)
class ScreenshotReading:
    """What was read in a screenshot and what it is about."""

    lines: tuple[str, ...]
    """Every line read, top to bottom."""
    product_text: str | None
    """The line(s) (or the caption) the product was recognised in, for "I read: …"."""
    match: MatchResult | None
    """The matcher's result for `product_text`: kind "answer" (or "suggestions" for a caption)."""
    shop_id: str | None
    """The entry of the shop or platform recognised on the page (temu, shein, …), if it has one."""
    shop_name: str | None = None
    """The shop's name as shown ("Zalando"), also when no entry covers it."""
    seconds: float = 0.0
    """Wall time of the OCR run."""
    from_caption: bool = False
    """True when the caption, not the image, named the product."""

    @property
    def nothing_found(self) -> bool:
        """True when no product was recognised: ask the user to type its name."""
        return self.match is None

    @property
    def entry_id(self) -> str | None:
        """The product entry answered with, if any."""
        return self.match.entry_id if self.match is not None else None

    def to_json(self) -> dict[str, Any]:
        """Plain data for `omtanke ask --image FILE --json` and logs (no image content)."""
        return {
            "read": self.product_text,
            "entry_id": self.entry_id,
            "kind": self.match.kind if self.match is not None else None,
            "score": self.match.score if self.match is not None else None,
            "from_caption": self.from_caption,
            "nothing_found": self.nothing_found,
            "shop_id": self.shop_id,
            "shop_name": self.shop_name,
            "seconds": round(self.seconds, 3),
            "lines": list(self.lines),
        }


# --- OCR -----------------------------------------------------------------------------------------


# --- Picking the product -------------------------------------------------------------------------


def is_chrome(text: str) -> bool:
    """True for a line that cannot be a product title: prices, buttons, ratings, navigation."""
    if _PRICE.search(text) and len(_LETTERS.findall(text)) <= 2:
        return True
    if _BREADCRUMB.search(text):
        return True
    words = fold(text).split()
    content = _content_words(words)
    chrome = sum(1 for w in words if w in UI_WORDS)
    # "Visit the Stanley Store", "prime Delivery in 3 days": one name among chrome is chrome.
    return not content or (len(content) == 1 and chrome > 0)


def _content_words(words: Sequence[str]) -> list[str]:
    return [
        w
        for w in words
        if len(w) >= 3 and w not in UI_WORDS and w not in NEUTRAL_WORDS and not w.isdigit()
    ]


def find_shop(lines: Sequence[str], matcher: Matcher) -> tuple[str | None, str | None]:
    """The first shop named on the page: (entry id or None, display name), or (None, None)."""
    for text in lines:
        words = fold(text).split()
        joined = [a + b for a, b in itertools.pairwise(words)]
        for key, name in SHOPS.items():
            if key in words or key in joined or _near(key, words):
                result = matcher.match(name)
                record = matcher.kb.get(result.entry_id) if result.entry_id else None
                if result.kind == "answer" and record and record.category == "platforms":
                    return record.id, name
                return None, name
    return None, None


def _near(key: str, words: Sequence[str]) -> bool:
    """One OCR slip in a long shop name ("amaz0n", "aliexpres") still names the shop."""
    if len(key) < 6:
        return False
    return any(abs(len(w) - len(key)) <= 1 and _one_edit(w, key) for w in words)


def _one_edit(a: str, b: str) -> bool:
    if a == b:
        return True
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def pick_product(
    lines: Sequence[OcrLine | str],
    matcher: Matcher,
    caption: str | None = None,
    *,
    seconds: float = 0.0,
) -> ScreenshotReading:
    """Choose the product among the lines read (pure: no OCR; the caption is trusted first)."""
    ocr = [line if isinstance(line, OcrLine) else OcrLine(line) for line in lines]
    texts = tuple(line.text for line in ocr)
    shop_id, shop_name = find_shop(texts, matcher)

    if caption and caption.strip():
        said = matcher.match(caption)
        if said.kind == "answer" and _is_product(said, matcher):
            return ScreenshotReading(
                texts, caption.strip(), said, shop_id, shop_name, seconds, from_caption=True
            )

    best = _best_window(ocr, matcher)
    if best is not None:
        return ScreenshotReading(texts, best[1], best[2], shop_id, shop_name, seconds)
    if caption and caption.strip():
        said = matcher.match(caption)
        if said.kind == "suggestions":
            return ScreenshotReading(
                texts, caption.strip(), said, shop_id, shop_name, seconds, from_caption=True
            )
    return ScreenshotReading(texts, None, None, shop_id, shop_name, seconds)


def _best_window(ocr: list[OcrLine], matcher: Matcher) -> tuple[Any, str, MatchResult] | None:
    """The window of one to three title-like lines that gives the most specific answer."""
    kept = [line for line in ocr if line.confidence >= MIN_CONFIDENCE and not is_chrome(line.text)]
    heights = [line.height for line in kept if line.height > 0]
    typical = statistics.median(heights) if heights else 0.0
    best: tuple[tuple[float, float, float], str, MatchResult] | None = None
    for i in range(len(kept)):
        for size in (1, 2, 3):
            window = kept[i : i + size]
            if len(window) < size:
                break
            # A lone word ("prime", "Drikkedunke") is a badge or a menu, not a title: some line
            # of the window must carry two words of its own.
            if all(len(_content_words(fold(line.text).split())) < 2 for line in window):
                continue
            text = " ".join(line.text for line in window)
            result = matcher.match(text)
            if result.kind != "answer" or not _is_product(result, matcher):
                continue
            # The smallest line: a logo above the title must not lend the title its size.
            height = min(line.height for line in window)
            # Titles are set larger than the chrome: up to 8 points for a line twice the median.
            size_bonus = 8.0 * min(1.0, max(0.0, height / typical - 1.0)) if typical else 0.0
            # Best score first; then the fewest lines; then the highest on the page.
            score = result.score + size_bonus + _specificity(text, result, matcher)
            key = (score, -float(size), -float(window[0].top))
            if best is None or key > best[0]:
                best = (key, text, result)
    return best


def _specificity(text: str, result: MatchResult, matcher: Matcher) -> float:
    """Up to 5 points for matching a long alias: "Fujifilm Instax" says more than "kamera"."""
    alias = next((c.alias for c in matcher.rank(text) if c.id == result.entry_id), "")
    letters = len(fold(alias).replace(" ", ""))
    return min(5.0, 0.5 * max(0, letters - 6))


def _is_product(result: MatchResult, matcher: Matcher) -> bool:
    record = matcher.kb.get(result.entry_id) if result.entry_id else None
    return record is not None and record.category not in CONTEXT_CATEGORIES


def read_screenshot(
    image_bytes: bytes,
    matcher: Matcher,
    caption: str | None = None,
    *,
    timeout: float = OCR_TIMEOUT,
) -> ScreenshotReading:
    """OCR an image and pick the product it shows (blocking: run it off the event loop)."""
    started = time.perf_counter()
    lines = ocr_lines(image_bytes, timeout=timeout)
    seconds = time.perf_counter() - started
    return pick_product(lines, matcher, caption, seconds=seconds)


# --- Bounded work --------------------------------------------------------------------------------


class ScreenshotReader:
    """Reads screenshots off the event loop, `workers` at a time, refusing work past a queue."""

    def __init__(
        self,
        workers: int = 2,
        queue_limit: int = 8,
        *,
        timeout: float = OCR_TIMEOUT,
        check: Callable[[], str | None] = ocr_available,
    ) -> None:
        self.workers = workers
        self.queue_limit = queue_limit
        self.timeout = timeout
        self.unavailable = check()
        """None when OCR works; otherwise the reason, logged once here."""
        if self.unavailable:
            log.warning("%s", self.unavailable)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ocr")
        self._in_flight = 0

    @property
    def available(self) -> bool:
        """True when screenshots can be read."""
        return self.unavailable is None

    @property
    def in_flight(self) -> int:
        """Images being read or waiting for a worker."""
        return self._in_flight

    async def read(
        self, image_bytes: bytes, matcher: Matcher, caption: str | None = None
    ) -> ScreenshotReading:
        """Read one screenshot; raises Busy, ImageRejected, OcrUnavailable or OcrFailed."""
        if self.unavailable:
            raise OcrUnavailable(self.unavailable)
        if self._in_flight >= self.workers + self.queue_limit:
            raise Busy(f"{self._in_flight} screenshots are being read")
        # Counted on the event loop only, so no lock is needed.
        self._in_flight += 1
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(
                self._pool, _read, image_bytes, matcher, caption, self.timeout
            )
        finally:
            self._in_flight -= 1

    def close(self) -> None:
        """Stop accepting work and wait for running reads to end."""
        self._pool.shutdown(wait=True, cancel_futures=True)


def _read(
    image_bytes: bytes, matcher: Matcher, caption: str | None, timeout: float
) -> ScreenshotReading:
    return read_screenshot(image_bytes, matcher, caption, timeout=timeout)
