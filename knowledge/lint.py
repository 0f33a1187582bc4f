"""Curator warnings that need word frequencies: aliases that are everyday words.

`common_word_alias_warnings(kb)` returns loader-style `Problem`s (severity "warning", file and
line of the alias) for every alias that, as people type it, is an everyday Danish or English
word ("computer", "hm", "bedst" from "bedst før") and is not marked strict with a leading "=".
The matcher already treats such aliases with care (they need support from the rest of the
question); the warning lets a curator decide whether the alias should only ever answer on its
own. Pure: reads the entry files only to find line numbers.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from knowledge.frequency import COMMON_ALIAS_ZIPF, LANGS, zipf, zipf_in
from knowledge.loader import KnowledgeBase, Problem, alias_key, alias_text, is_strict
from knowledge.text import fold


def common_word_alias_warnings(kb: KnowledgeBase) -> list[Problem]:
    """Warnings for non-strict aliases that are everyday words, sorted by file and line."""
    problems: list[Problem] = []
    for record in kb.entries.values():
        lines = _alias_lines(Path(record.path))
        for lang in LANGS:
            for i, alias in enumerate(getattr(record.entry.aliases, lang)):
                if is_strict(alias):
                    continue
                key = alias_key(alias)
                frequency = zipf(key)
                if frequency < COMMON_ALIAS_ZIPF:
                    continue
                where = _most_common_language(alias_text(alias), key)
                problems.append(
                    Problem(
                        record.path,
                        lines.get((lang, i), 1),
                        f"alias '{alias_text(alias)}' is the everyday word '{key}' (word "
                        f"frequency {frequency:.1f} on the Zipf scale{where}); it needs the rest "
                        f"of a question to fit: make it strict ('={alias_text(alias)}') or more "
                        "specific",
                        "warning",
                    )
                )
    return sorted(problems, key=lambda p: (p.path, p.line, p.message))


def _most_common_language(text: str, key: str) -> str:
    """' in Danish' / ' in English' for the language where the typed word is most frequent."""
    word = text.casefold().strip()
    scores = {lang: max(zipf_in(word, lang), zipf_in(key, lang)) for lang in LANGS}
    best = max(scores, key=lambda lang: scores[lang])
    if fold(word).replace(" ", "") != key or scores[best] == 0:
        return ""  # the alias folds to another word ("bedst før" → "bedst"): no single language
    return " in Danish" if best == "da" else " in English"


def _alias_lines(path: Path) -> dict[tuple[str, int], int]:
    """(language, index) → 1-based line of each alias in an entry file (empty if unreadable)."""
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return {}
    out: dict[tuple[str, int], int] = {}
    if not isinstance(root, yaml.MappingNode):
        return out
    for key, value in root.value:
        if key.value != "aliases" or not isinstance(value, yaml.MappingNode):
            continue
        for lang_node, items in value.value:
            if isinstance(items, yaml.SequenceNode):
                for i, item in enumerate(items.value):
                    out[(str(lang_node.value), i)] = item.start_mark.line + 1
    return out
