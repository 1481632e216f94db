"""Search keys for Chinese text: characters, full pinyin, initials.

pypinyin reads polyphonic characters from their phrase context (会计 kuaiji,
调解 tiaojie, 重大 zhongda), so the text is converted whole and only then
stripped of punctuation.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

MAX_QUERY = 40
_KEEP = re.compile(r"[0-9a-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def is_han(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


def normalise(text: str, limit: int | None = MAX_QUERY) -> str:
    """What search compares: NFKC (full-width letters become ASCII), lower
    case, only hanzi, letters and digits; at most `limit` characters."""
    text = unicodedata.normalize("NFKC", text or "").lower().replace("ü", "v")
    kept = "".join(_KEEP.findall(text))
    return kept[:limit] if limit else kept


@dataclass(frozen=True)
class Keys:
    """One searchable text: `chars[i]` reads as `syllables[i]`."""

    chars: str
    syllables: tuple[str, ...]

    @property
    def full(self) -> str:
        return "".join(self.syllables)

    @property
    def initials(self) -> str:
        return "".join(s[0] for s in self.syllables)

    @property
    def syllable_starts(self) -> tuple[int, ...]:
        starts, pos = [], 0
        for s in self.syllables:
            starts.append(pos)
            pos += len(s)
        return tuple(starts)

    def to_json(self) -> list:
        return [self.chars, list(self.syllables)]

    @classmethod
    def from_json(cls, raw: list) -> Keys:
        return cls(raw[0], tuple(raw[1]))


def _one_item_per_char(chars: str) -> Any:
    """pypinyin's `errors` hook: characters without pinyin stay, one item each (aligned with the text)."""
    return list(chars)


def keys_for(text: str) -> Keys:
    from pypinyin import Style, lazy_pinyin  # 0.3 s to import its dictionaries: only when needed

    raw = unicodedata.normalize("NFKC", text).lower()
    items = lazy_pinyin(raw, style=Style.NORMAL, errors=_one_item_per_char, v_to_u=False)
    chars, sylls = [], []
    for ch, syl in zip(raw, items, strict=False):
        if not _KEEP.fullmatch(ch):
            continue
        chars.append(ch)
        sylls.append(syl.lower() if is_han(ch) and syl.isalpha() else ch)
    return Keys("".join(chars), tuple(sylls))


def matches_mixed(query: str, keys: Keys) -> bool:
    """A query mixing hanzi and letters (身份z, sfzheng, 居民sf): each hanzi
    matches itself; letters match a character's full syllable, its initial
    (zh/ch/sh count as one), or, at the end, the start of a syllable."""
    chars, sylls, n = keys.chars, keys.syllables, len(query)

    def from_here(qi: int, ci: int) -> bool:
        while True:
            if qi == n:
                return True
            if ci == len(chars):
                return False
            q, syl = query[qi], sylls[ci]
            if is_han(q) or (not q.isalpha() and not is_han(chars[ci])):
                if q != chars[ci]:
                    return False
                qi, ci = qi + 1, ci + 1
                continue
            if is_han(q):
                return False
            rest = query[qi:]
            if len(rest) < len(syl) and syl.startswith(rest):
                return True
            if rest.startswith(syl) and len(syl) > 1 and from_here(qi + len(syl), ci + 1):
                return True
            if syl[:2] in ("zh", "ch", "sh") and rest.startswith(syl[:2]) and from_here(qi + 2, ci + 1):
                return True
            if q != syl[0]:
                return False
            qi, ci = qi + 1, ci + 1

    first = query[0]
    for start, ch in enumerate(chars):
        if ((ch == first) if is_han(first) else sylls[start][0] == first) and from_here(0, start):
            return True
    return False
