"""Keyword matching for ru, kk and en: case-, diacritics- and keyboard-insensitive.

Texts and keywords go through the same normaliser, so "цена", "Цена" and "ЦЕНА" match,
"е"/"ё" match, and Kazakh letters match the Russian-keyboard letters people type instead
("бағасы" = "багасы"). A keyword matches as whole words (a phrase: consecutive words) or,
when asked, anywhere inside the text.
"""

from __future__ import annotations

import re
import unicodedata

# Kazakh letters -> the Russian-keyboard letter people type when they lack a Kazakh layout.
KAZAKH = str.maketrans(
    {
        "ә": "а",
        "ғ": "г",
        "қ": "к",
        "ң": "н",
        "ө": "о",
        "ұ": "у",
        "ү": "у",
        "һ": "х",
        "і": "и",
    }
)
# Latin letters that look Cyrillic, used inside Cyrillic words ("цeна" with a Latin e).
LATIN_IN_CYRILLIC = str.maketrans(
    {"a": "а", "c": "с", "e": "е", "i": "и", "k": "к", "o": "о", "p": "р", "x": "х", "y": "у"}
)
_WORD = re.compile(r"[^\W_]+")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def _strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str | None) -> list[str]:
    """The normalised words of a text."""
    if not text:
        return []
    folded = _strip_marks(text.casefold()).casefold().translate(KAZAKH)
    out = []
    for word in _WORD.findall(unicodedata.normalize("NFC", folded)):
        if _CYRILLIC.search(word):
            word = word.translate(LATIN_IN_CYRILLIC)
        out.append(word)
    return out


def normalize(text: str | None) -> str:
    """A text in the comparable form: lower case, no marks, single spaces between words."""
    return " ".join(words(text))


def keyword_in(text_words: list[str], keyword: str, *, whole_word: bool = True) -> bool:
    """Whether one keyword (a word or a phrase) occurs in the already split text."""
    key = words(keyword)
    if not key:
        return False
    if not whole_word:
        return " ".join(key) in " ".join(text_words)
    n = len(key)
    return any(text_words[i : i + n] == key for i in range(len(text_words) - n + 1))


def matches(
    text: str | None,
    keywords: list[str] | None,
    *,
    mode: str = "any",
    whole_word: bool = True,
) -> bool:
    """Whether a text meets the condition: any/all keywords, or any message at all."""
    if mode == "any_message":
        return True
    keys = [k for k in (keywords or []) if words(k)]
    if not keys:
        return False
    text_words = words(text)
    found = (keyword_in(text_words, k, whole_word=whole_word) for k in keys)
    return all(found) if mode == "all" else any(found)


def split_keywords(raw: str | None) -> list[str]:
    """Keywords typed one per line or separated by commas; empty ones dropped."""
    parts = re.split(r"[,\n;]+", raw or "")
    out: list[str] = []
    for part in parts:
        part = " ".join(part.split())[:100]
        if part and part not in out:
            out.append(part)
    return out[:50]
