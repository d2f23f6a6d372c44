"""Search documents and queries for product names in Chinese and English.

A product's document is a list of plain tokens: lower-case words, each Chinese character and
each adjacent pair of them, the pinyin of the name and the pinyin initials (with every suffix,
so "nn" finds 鲜牛奶), and the SKU. Both databases index these tokens the same way (FTS5 on
SQLite, a GIN tsvector on PostgreSQL) and a query is an AND of prefix matches.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pypinyin import Style, pinyin

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN_RE = re.compile(rf"[{_CJK}]+|[a-z0-9]+")
_IS_CJK = re.compile(rf"[{_CJK}]")
MAX_QUERY_TERMS = 6
MAX_READINGS = 4  # variants of a polyphonic name kept in the index


@lru_cache(maxsize=65536)
def _readings(char: str) -> tuple[str, ...]:
    """Toneless pinyin readings of one character, most common first (cached: it is the hot path)."""
    found = pinyin(char, style=Style.NORMAL, heteronym=True, errors="ignore")
    return tuple(dict.fromkeys(found[0])) if found and found[0] else ()


def _pinyin_variants(run: str) -> list[list[str]]:
    """Syllable lists for a run of Chinese characters: the usual reading and a few alternates."""
    variants: list[list[str]] = [[]]
    for char in run:
        readings = _readings(char) or ("",)
        grown = [v + [readings[0]] for v in variants]
        for alt in readings[1:]:
            if len(grown) >= MAX_READINGS:
                break
            grown.append(variants[0] + [alt])
        variants = grown[:MAX_READINGS]
    return variants


def document_tokens(*texts: str) -> list[str]:
    """Index tokens for a product from its names and codes, de-duplicated, in a stable order."""
    tokens: dict[str, None] = {}
    for text in texts:
        parts = _TOKEN_RE.findall((text or "").lower())
        # Initials across word gaps too, so "pgsc" finds 苹果 散称.
        across = "".join(r[0][0] for p in parts if _IS_CJK.match(p) for r in map(_readings, p) if r)
        for i in range(len(across)):
            tokens[across[i:]] = None
        for part in parts:
            if not _IS_CJK.match(part):
                tokens[part] = None
                continue
            for i, char in enumerate(part):
                tokens[char] = None
                if i + 1 < len(part):
                    tokens[part[i : i + 2]] = None
            for syllables in _pinyin_variants(part):
                syllables = [s for s in syllables if s]
                initials = "".join(s[0] for s in syllables)
                for i in range(len(syllables)):
                    tokens["".join(syllables[i:])] = None
                    tokens[initials[i:]] = None
    return list(tokens)


def document(*texts: str) -> str:
    return " ".join(document_tokens(*texts))


def query_terms(text: str) -> list[str]:
    """Terms that must all prefix-match: latin words as typed, Chinese split into pairs."""
    terms: list[str] = []
    for part in _TOKEN_RE.findall((text or "").lower()):
        if _IS_CJK.match(part) and len(part) > 2:
            terms.extend(part[i : i + 2] for i in range(len(part) - 1))
        else:
            terms.append(part)
    return list(dict.fromkeys(terms))[:MAX_QUERY_TERMS]
