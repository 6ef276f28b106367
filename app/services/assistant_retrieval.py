"""Picking the knowledge entries a question needs: BM25 over normalised word stems.

Dependency-free on purpose (no model weights, no vector service): knowledge lists are short
and written by the business, so a light stemmer for Russian, Kazakh and English is enough.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence

WORD = re.compile(r"[^\W_]+", re.UNICODE)
CYRILLIC = re.compile(r"[а-яёәғқңөұүһі]")
# Trailing vowels and soft/hard signs carry case and number in Russian and Kazakh.
CYR_ENDING = re.compile(r"[аеёиоуыэюяйьъіәөұү]+$")
STEM_LEN = 6
STOP = frozenset(
    """
    a an and are at be can do does for from have how i in is it me my of on or our the to we
    what when where which you your
    а в во да же и или как ли на не но о об от по с со у что это я мы вы вам нас мне есть
    ма ме ба бе пе және мен сен біз сіз бар жоқ қалай қашан қайда не
    """.split()
)


def normalise(text: str) -> str:
    """NFKC, case-folded, ё → е."""
    return unicodedata.normalize("NFKC", text or "").casefold().replace("ё", "е")


def stem(word: str) -> str:
    """A crude stem: Cyrillic words lose their vowel endings, long words are cut."""
    if CYRILLIC.search(word) and len(word) > 3:
        word = CYR_ENDING.sub("", word) or word
    elif len(word) > 4:
        for suffix in ("ing", "es", "ed", "s"):
            if word.endswith(suffix) and len(word) - len(suffix) >= 3:
                word = word[: -len(suffix)]
                break
    return word[:STEM_LEN]


def tokens(text: str) -> list[str]:
    """Stems of the words of a text, without stop words."""
    return [stem(w) for w in WORD.findall(normalise(text)) if w not in STOP]


class Bm25:
    """Okapi BM25 over a fixed list of documents."""

    def __init__(self, docs: Sequence[str], k1: float = 1.5, b: float = 0.75):
        self.docs = [Counter(tokens(d)) for d in docs]
        self.lengths = [sum(c.values()) for c in self.docs]
        self.avg = (sum(self.lengths) / len(self.docs)) if self.docs else 0.0
        self.k1, self.b = k1, b
        df: Counter = Counter()
        for c in self.docs:
            df.update(c.keys())
        n = len(self.docs)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}

    def scores(self, query: str) -> list[float]:
        """The score of every document for a query."""
        q = set(tokens(query))
        out = []
        for counts, length in zip(self.docs, self.lengths, strict=True):
            s = 0.0
            for t in q:
                f = counts.get(t)
                if not f:
                    continue
                norm = self.k1 * (1 - self.b + self.b * length / (self.avg or 1))
                s += self.idf[t] * f * (self.k1 + 1) / (f + norm)
            out.append(s)
        return out


def top(items: Sequence, texts: Sequence[str], query: str, k: int = 5) -> list:
    """The `k` items whose texts match the query best (only those that match at all)."""
    if not items or not query.strip():
        return []
    scores = Bm25(texts).scores(query)
    ranked = sorted(range(len(items)), key=lambda i: (-scores[i], i))
    return [items[i] for i in ranked[:k] if scores[i] > 0]
