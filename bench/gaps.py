"""Benchmark: grouping the curators' worklist (`bot.core.gaps`) on many distinct questions.

    .venv/bin/python bench/gaps.py [N]      # default 10,000 distinct unanswered questions

The questions are generated, deterministic (seeded): made-up product words of Danish-looking
syllables, in Danish and English question frames, with plurals, typos (a dropped, swapped or
doubled letter), compounds written apart, extra words and noise such as "/start" or "lol".
Prints the time of the first run (cold stem cache) and the best of three. Not part of
`make test` (no timed asserts); the figure goes in README's "Performance" section.
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.core import gaps  # noqa: E402

SYLLABLES = (
    "ka pe ro ma ski ne sto vu ger lam pe kop til bor sko cyk el ta sk hus ler fri pa sta".split()
)
FRAMES = (
    "{p}",
    "skal jeg købe en {p}?",
    "er {p} ok",
    "hvad med en {p}",
    "en god {p}",
    "should I buy a {p}",
    "is {p} worth it?",
    "{p}er",
    "{x} {p}",
    "{p} til {x}",
    "billig {p} eller brugt",
)
EXTRA = "elektrisk brugt billig stor lille ny sort hvid trådløs smart mini pro".split()
NOISE = ("/start", "1", "lol", "ok", "🙂", "haha", "test", "42")


def product(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))


def typo(rng: random.Random, word: str) -> str:
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(3)
    if kind == 0:
        return word[:i] + word[i + 1 :]
    if kind == 1:
        return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]
    return word[:i] + word[i] + word[i:]


def questions(n: int, seed: int = 14) -> list[tuple[str, str]]:
    """`n` distinct (text, user) pairs."""
    rng = random.Random(seed)
    products = [product(rng) for _ in range(max(50, n // 8))]
    seen: set[str] = set()
    out: list[tuple[str, str]] = []
    while len(out) < n:
        r = rng.random()
        if r < 0.03:
            text = f"{rng.choice(NOISE)} {rng.randrange(10_000)}"
        else:
            p = rng.choice(products)
            if r < 0.25:
                p = typo(rng, p)
            elif r < 0.3 and len(p) > 6:
                p = f"{p[:4]} {p[4:]}"
            text = rng.choice(FRAMES).format(p=p, x=rng.choice(EXTRA))
            if rng.random() < 0.3:
                text += f" {rng.choice(EXTRA)} {rng.randrange(100)}"
        if text not in seen:
            seen.add(text)
            out.append((text, f"u{rng.randrange(n)}"))
    return out


def main(n: int = 10_000) -> None:
    data = questions(n)
    times = []
    result: list[gaps.Gap] = []
    for _ in range(4):
        start = time.perf_counter()
        result = gaps.cluster_gaps(data)
        times.append(time.perf_counter() - start)
    grouped = sum(g.count for g in result)
    print(
        f"worklist: {n:,} distinct questions → {len(result):,} groups ({n - grouped:,} left out): "
        f"first run {times[0]:.2f} s, best of three more {min(times[1:]):.2f} s"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
