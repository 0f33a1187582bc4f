"""Screenshot OCR benchmark: time per screenshot (p50/p95) and accuracy on the test corpus.

Run with `.venv/bin/python bench/ocr.py [-v]` (needs tesseract with Danish and English data).
Reads one image at a time, so the times are per screenshot, not throughput.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.core.ocr import ocr_available  # noqa: E402
from bot.core.screenshot import read_screenshot  # noqa: E402
from knowledge.matcher import Matcher  # noqa: E402
from tests.screenshots.corpus import all_shots, knowledge_base, wide_shots  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="one line per screenshot")
    parser.add_argument(
        "--wide",
        action="store_true",
        help="also every product in every shop style (216 Telegram photos, a few minutes)",
    )
    args = parser.parse_args()
    reason = ocr_available()
    if reason:
        print(reason)
        return 1
    matcher = Matcher(knowledge_base())
    shots = all_shots() + (wide_shots() if args.wide else [])
    times: list[float] = []
    right = products = quiet = empties = shops_right = shops = 0
    for shot in shots:
        started = time.perf_counter()
        reading = read_screenshot(shot.data, matcher)
        times.append(time.perf_counter() - started)
        ok = reading.entry_id == shot.entry
        if shot.entry is None:
            empties += 1
            quiet += ok
        else:
            products += 1
            right += ok
        if shot.shop is not None:
            shops += 1
            shops_right += reading.shop_id == shot.shop
        if args.verbose or not ok:
            mark = "ok  " if ok else "MISS"
            print(
                f"{mark} {shot.name:55} {times[-1]:5.2f}s got={reading.entry_id} "
                f"shop={reading.shop_id} read={reading.product_text!r}"
            )
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"screenshots: {len(shots)} ({products} with a product, {empties} without)")
    print(f"machine: {os.cpu_count()} cores, load average {load} (other work slows OCR down)")
    print(f"OCR + pick per screenshot: p50 {statistics.median(times):.2f} s, p95 {p95:.2f} s")
    print(f"right entry: {right}/{products} ({100 * right / products:.0f} %)")
    print(f"no product -> nothing found: {quiet}/{empties}")
    print(f"shop recognised: {shops_right}/{shops}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
