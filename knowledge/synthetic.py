"""A synthetic knowledge base in the real schema, for benchmarks and the index agreement test.

Guarantees: deterministic for a seed; every generated entry validates against
`knowledge.schema.Entry`; every alias is new (no alias key is shared with the real entries or
another synthetic entry, so the loader's cross-checks pass); names are made-up brand-like words
that are in neither language's everyday word list, combined with the real knowledge base's own
product words, and the prose reuses sentences of real critiques, so the text index sees a
realistic vocabulary. Nothing here is used to answer anyone.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from knowledge.frequency import zipf
from knowledge.loader import KnowledgeBase, alias_key, entry_aliases
from knowledge.schema import Entry, EntryRecord
from knowledge.text import FILLER_WORDS, fold

_ONSETS = "b d f g h j k l m n p r s t v br dr fl gr kl kr pl sk sl sn st tr sv".split()
_VOWELS = "a e i o u y a e o".split()
_CODAS = ["", "", "", "n", "r", "l", "s", "k", "m", "nd", "rk", "st"]
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_DA_FRAMES = (
    "{x}",
    "skal jeg købe {x}",
    "er {x} pengene værd?",
    "hvad med {x}",
    "min datter vil have {x} til jul",
    "{x} brugt eller ny",
    "er {x} ok",
    "tænker på at købe en {x} i weekenden",
)
_EN_FRAMES = (
    "{x}",
    "should i buy {x}",
    "is {x} worth it?",
    "thoughts on {x}",
    "my son wants {x} for his birthday",
    "{x} second hand or new",
)


def _name(rng: random.Random) -> str:
    syllables = rng.choice((2, 2, 3))
    parts = [rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS)]
    parts += [rng.choice(_ONSETS[:10]) + rng.choice(_VOWELS) for _ in range(syllables - 1)]
    return "".join(parts)


class _Material:
    """Words and sentences taken from the real entries."""

    def __init__(self, kb: KnowledgeBase) -> None:
        da: set[str] = set()
        en: set[str] = set()
        self.sentences: dict[str, list[str]] = {"da": [], "en": []}
        for record in sorted(kb.entries.values(), key=lambda r: r.id):
            entry = record.entry
            for lang, alias in entry_aliases(entry):
                for word in alias.lower().split():
                    if word.isalpha() and len(word) >= 4 and fold(word) not in FILLER_WORDS:
                        (da if lang == "da" else en).add(word)
            for lang in ("da", "en"):
                text = entry.critique.get(lang)
                self.sentences[lang] += [s for s in _SENTENCE.split(text) if len(s) > 20]
        self.nouns = {"da": sorted(da), "en": sorted(en)}
        self.keys = {alias_key(a) for r in kb.entries.values() for _, a in entry_aliases(r.entry)}
        self.template = min(kb.entries.values(), key=lambda r: r.id).entry


def synthetic_records(kb: KnowledgeBase, count: int, *, seed: int = 0) -> Iterator[EntryRecord]:
    """`count` new entries in the real schema, named and worded after `kb`'s entries."""
    rng = random.Random(seed)
    material = _Material(kb)
    taken = set(material.keys)
    categories = sorted({r.category for r in kb.entries.values()}) or ["synthetic"]
    made = 0
    while made < count:
        brand = _name(rng)
        if zipf(brand) > 0 or len(brand) < 5 or brand in taken:
            continue
        data = _entry_data(brand, material, rng)
        entry = Entry.model_validate(data)
        keys = {alias_key(a) for _, a in entry_aliases(entry)}
        if keys & taken:
            continue
        taken.update(keys)
        made += 1
        yield EntryRecord(
            id=f"syn-{brand}",
            category=rng.choice(categories),
            entry=entry,
            path=f"<synthetic>/{brand}.yaml",
        )


def _entry_data(brand: str, m: _Material, rng: random.Random) -> dict[str, Any]:
    da1, da2 = rng.sample(m.nouns["da"], 2)
    en1, en2 = rng.sample(m.nouns["en"], 2)
    brand_cap = brand.capitalize()
    double = brand[: len(brand) // 2] + brand[len(brand) // 2] + brand[len(brand) // 2 :]
    critique = {lang: " ".join(rng.sample(m.sentences[lang], 2)) for lang in ("da", "en")}
    template = m.template
    return {
        "title": {"da": f"{brand_cap} {da1}", "en": f"{brand_cap} {en1}"},
        "verdict": rng.choice(("skip", "think_twice", "ok_if_needed")),
        "summary": {
            "da": f"{brand_cap} laver {da1} og {da2}; brug den, du har, først.",
            "en": f"{brand_cap} makes {en1} and {en2}; use the one you have first.",
        },
        "critique": critique,
        "alternatives": [a.model_dump(mode="json") for a in template.alternatives],
        "ask_yourself": template.ask_yourself.model_dump(mode="json"),
        "aliases": {
            "da": [brand, f"{brand} {da2}", f"{brand}{da1}", f"{da2} fra {brand}", double],
            "en": [f"{brand} {en2}", f"{brand} brand", f"{brand} {en1} review"],
        },
        "sources": [{"publisher": "Omtanke", "title": "Synthetic benchmark entry", "year": 2026}],
        "reviewed": dt.date(2026, 11, 30).isoformat(),
    }


def grow(kb: KnowledgeBase, aliases: int, *, seed: int = 0) -> KnowledgeBase:
    """`kb` plus synthetic entries until it has at least `aliases` titles and aliases."""
    have = sum(len(entry_aliases(r.entry)) for r in kb.entries.values())
    entries = dict(kb.entries)
    if have < aliases:
        for record in synthetic_records(kb, count=1 << 30, seed=seed):
            entries[record.id] = record
            have += len(entry_aliases(record.entry))
            if have >= aliases:
                break
    return replace(kb, entries=entries, version=f"{kb.version}+syn{len(entries)}")


def write_entries(root: Path, kb: KnowledgeBase, count: int, *, seed: int = 0) -> None:
    """Write `count` entry files (the real ones first, then synthetic ones) below `root`."""
    root.mkdir(parents=True, exist_ok=True)
    records = sorted(kb.entries.values(), key=lambda r: r.id)[:count]
    if len(records) < count:
        records += list(synthetic_records(kb, count - len(records), seed=seed))
    source = kb.root
    for name in ("_categories.yaml", "_tips.yaml"):
        if (source / name).is_file():
            (root / name).write_bytes((source / name).read_bytes())
    keep = {r.id for r in records}
    for record in records:
        data = record.entry.model_dump(mode="json", exclude_defaults=True)
        data["related"] = [r for r in record.entry.related if r in keep]
        if not data["related"]:
            del data["related"]
        folder = root / record.category
        folder.mkdir(exist_ok=True)
        (folder / f"{record.id}.yaml").write_text(
            yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )


def typo_questions(kb: KnowledgeBase, count: int, *, seed: int = 0) -> list[str]:
    """Questions that name an entry's alias with one typo (a dropped, doubled, swapped or
    replaced letter after the first), in Danish and English frames."""
    rng = random.Random(seed)
    names = sorted(
        {a for r in kb.entries.values() for _, a in entry_aliases(r.entry) if len(a) >= 5}
    )
    out: list[str] = []
    while len(out) < count:
        alias = rng.choice(names).lstrip("=").strip().lower()
        i = rng.randrange(1, len(alias) - 1)
        how = rng.randrange(4)
        if how == 0:
            typo = alias[:i] + alias[i + 1 :]
        elif how == 1:
            typo = alias[:i] + alias[i] + alias[i:]
        elif how == 2:
            typo = alias[:i] + alias[i + 1] + alias[i] + alias[i + 2 :]
        else:
            typo = alias[:i] + rng.choice("aeiorstnlk") + alias[i + 1 :]
        frames = _DA_FRAMES if rng.random() < 0.6 else _EN_FRAMES
        out.append(rng.choice(frames).format(x=typo))
    return out
