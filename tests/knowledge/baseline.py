"""A plain TF-IDF character n-gram search over the entries, the bar Omtanke must clear.

What issue #11 measured Omtanke against: each entry is one document made of its titles, aliases
and summaries in both languages; a question is scored by cosine similarity of TF-IDF weighted
character 3-5-grams (word-bounded, like scikit-learn's `char_wb`), on folded text so æ/ø/å and
accents do not count against it. It answers with the most similar entry when the similarity
reaches a threshold, and rejects the question otherwise.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict

from knowledge.loader import KnowledgeBase, alias_text
from knowledge.text import fold

NGRAMS = (3, 4, 5)


def char_ngrams(text: str) -> Counter[str]:
    """Word-bounded character n-grams of folded text ("stanley" → " st", "sta", ...)."""
    grams: Counter[str] = Counter()
    for word in fold(text).split():
        padded = f" {word} "
        for n in NGRAMS:
            grams.update(padded[i : i + n] for i in range(max(1, len(padded) - n + 1)))
    return grams


class TfidfBaseline:
    """Cosine similarity of sublinear TF-IDF character n-grams, one document per entry."""

    def __init__(self, kb: KnowledgeBase) -> None:
        docs: dict[str, Counter[str]] = {}
        for entry_id, record in kb.entries.items():
            e = record.entry
            parts = [e.title.da, e.title.en, e.summary.da, e.summary.en]
            parts += [alias_text(a) for a in (*e.aliases.da, *e.aliases.en)]
            docs[entry_id] = char_ngrams(" ".join(parts))
        n = len(docs)
        df: Counter[str] = Counter()
        for grams in docs.values():
            df.update(grams.keys())
        self.idf = {g: math.log((1 + n) / (1 + d)) + 1 for g, d in df.items()}
        self.postings: dict[str, list[tuple[str, float]]] = defaultdict(list)
        for entry_id, grams in docs.items():
            vector = self._weigh(grams)
            for gram, weight in vector.items():
                self.postings[gram].append((entry_id, weight))

    def _weigh(self, grams: Counter[str]) -> dict[str, float]:
        vector = {g: (1 + math.log(c)) * self.idf[g] for g, c in grams.items() if g in self.idf}
        norm = math.sqrt(sum(w * w for w in vector.values())) or 1.0
        return {g: w / norm for g, w in vector.items()}

    def rank(self, question: str, limit: int = 3) -> list[tuple[str, float]]:
        """Entries by cosine similarity to the question, best first."""
        scores: dict[str, float] = defaultdict(float)
        for gram, weight in self._weigh(char_ngrams(question)).items():
            for entry_id, doc_weight in self.postings.get(gram, ()):
                scores[entry_id] += weight * doc_weight
        return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
