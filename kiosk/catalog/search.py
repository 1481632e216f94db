"""Search built for a touch screen where most people cannot type Chinese.

A query may be Chinese (身份证), full pinyin (shenfenzheng), initials (sfz), a
mixture (身份z), an alias, a department or a matter code, and may contain one
wrong letter or character. Results come in tiers, each ordered by popularity:

    exact name / code  >  alias  >  prefix  >  contains / department  >  mixed  >  fuzzy

Speed: every text is turned into keys once; the keys of all matters are joined
into a few large strings ("blobs") in popularity order, so each tier is a
C-speed `str.find` scan that stops as soon as it has `limit` matters. Fuzzy
matching only looks at candidates that share an exact half with the query (one
edit leaves one half intact) and checks them with rapidfuzz.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from heapq import merge

from rapidfuzz.distance import Levenshtein

from common.pinyin import Keys, is_han, keys_for, matches_mixed, normalise

START = "\x01"  # before every entry, and before the whole-text suffix
MID = "\x02"  # before a suffix that starts at a later syllable
MAX_SCAN = 2500  # hits one scan may look at before giving up (bounds the worst case)
FUZZY_SCAN = 500  # candidates per half for fuzzy matching: the most popular ones
VOWELS = set("aeiouv")


@dataclass(frozen=True)
class Doc:
    """What the index needs of a matter; docs are given in popularity order."""

    code: str
    name: str
    department: str
    aliases: tuple[str, ...] = ()
    basic_code: str = ""
    keys: Keys | None = None  # of the name, if already known (cached in the store)
    alias_keys: tuple[Keys, ...] = ()


@dataclass(frozen=True)
class Hit:
    code: str
    name: str
    tier: str  # exact, code, alias, prefix, contains, department, mixed, fuzzy
    matched: str  # the text that matched: the name, an alias or a department


class _Blob:
    """Texts joined with separators, with a map from offset back to entry."""

    def __init__(self, texts: Iterable[tuple[int, str]]):
        parts, starts, owners, pos = [], [], [], 0
        for owner, text in texts:
            starts.append(pos)
            owners.append(owner)
            parts.append(text)
            pos += len(text)
        self.text = "".join(parts)
        self.starts = starts
        self.owners = owners

    def find(self, needle: str, limit: int = MAX_SCAN) -> Iterator[int]:
        """Owners (entry ids) whose text contains `needle`, in entry order."""
        for _pos, owner in self.hits(needle, limit):
            yield owner

    def hits(self, needle: str, limit: int = MAX_SCAN) -> Iterator[tuple[int, int]]:
        """(offset, owner) of each occurrence, at most one per text for
        separator-anchored needles, at most `limit` in all."""
        text, starts, owners = self.text, self.starts, self.owners
        anchored = needle.startswith((START, MID))
        pos, seen = text.find(needle), 0
        while pos != -1 and seen < limit:
            seen += 1
            idx = bisect_right(starts, pos) - 1
            yield pos, owners[idx]
            nxt = starts[idx + 1] if idx + 1 < len(starts) else len(text)
            pos = text.find(needle, max(pos + 1, nxt) if anchored else pos + 1)


class SearchIndex:
    def __init__(self, docs: list[Doc]):
        self.docs = docs
        self._entry_doc: list[int] = []
        self._entry_text: list[str] = []
        self._entry_kind: list[str] = []
        self._entry_keys: list[Keys] = []
        self._exact: dict[str, list[int]] = {}
        self._codes: dict[str, int] = {}
        for d, doc in enumerate(docs):
            self._add_entry(d, doc.name, "name", doc.keys or keys_for(doc.name))
            for alias, akeys in zip(doc.aliases, doc.alias_keys or [keys_for(a) for a in doc.aliases], strict=False):
                self._add_entry(d, alias, "alias", akeys)
            self._codes.setdefault(doc.code.lower(), d)
            if doc.basic_code:
                self._codes.setdefault(doc.basic_code.lower(), d)
        keys = self._entry_keys
        self._han = _Blob((e, START + k.chars) for e, k in enumerate(keys))
        self._initials = _Blob((e, START + k.initials) for e, k in enumerate(keys))
        self._full = _Blob((e, START + k.full) for e, k in enumerate(keys))
        self._suffixes = _Blob((e, MID + k.full[s:]) for e, k in enumerate(keys) for s in k.syllable_starts)
        self._code_list = sorted(self._codes)
        self._departments = self._index_departments(docs)

    def _add_entry(self, doc: int, text: str, kind: str, keys: Keys) -> None:
        entry = len(self._entry_doc)
        self._entry_doc.append(doc)
        self._entry_text.append(text)
        self._entry_kind.append(kind)
        self._entry_keys.append(keys)
        for key in {keys.chars, keys.full, keys.initials}:
            if key:
                self._exact.setdefault(f"{kind}:{key}", []).append(entry)

    @staticmethod
    def _index_departments(docs: list[Doc]) -> list[tuple[str, Keys, list[int]]]:
        by_dept: dict[str, list[int]] = {}
        for d, doc in enumerate(docs):
            by_dept.setdefault(doc.department, []).append(d)
        return [(name, keys_for(name), members) for name, members in by_dept.items()]

    # -- querying ------------------------------------------------------------
    def search(self, query: str, limit: int = 20) -> list[Hit]:
        q = normalise(query)
        if not q or limit <= 0:
            return []
        found: dict[int, Hit] = {}

        def take(entries: Iterable[int], tier: str, kinds: tuple[str, ...] = ("name", "alias")) -> None:
            for e in entries:
                if len(found) >= limit:
                    return
                d = self._entry_doc[e]
                if d not in found and self._entry_kind[e] in kinds:
                    found[d] = Hit(self.docs[d].code, self.docs[d].name, tier, self._entry_text[e])

        has_han = any(is_han(c) for c in q)
        has_latin = any(c.isalpha() and not is_han(c) for c in q)
        take(self._exact.get(f"name:{q}", ()), "exact", ("name",))
        self._take_codes(q, found, limit)
        take(self._exact.get(f"alias:{q}", ()), "alias", ("alias",))
        if has_han and has_latin:
            take(self._mixed(q), "mixed")
        elif has_han:
            take(self._han.find(START + q), "prefix")
            take(self._han.find(q), "contains")
        else:
            take(merge(self._full.find(START + q), self._initials.find(START + q)), "prefix")
            take(merge(self._suffixes.find(MID + q), self._initials.find(q)), "contains")
        if len(found) < limit:
            self._take_departments(q, has_han, found, limit)
        if len(found) < limit and not (has_han and has_latin):
            self._take_fuzzy(q, has_han, found, limit)
        return list(found.values())

    def _take_codes(self, q: str, found: dict[int, Hit], limit: int) -> None:
        if not q.isalnum() or is_han(q[0]) or len(q) < 4:
            return
        i = bisect_right(self._code_list, q) - 1
        if i >= 0 and self._code_list[i] == q:
            d = self._codes[q]
            found.setdefault(d, Hit(self.docs[d].code, self.docs[d].name, "code", q.upper()))
        start = i + 1
        for code in self._code_list[start : start + limit]:
            if len(found) >= limit or not code.startswith(q):
                break
            d = self._codes[code]
            found.setdefault(d, Hit(self.docs[d].code, self.docs[d].name, "code", code.upper()))

    def _mixed(self, q: str) -> Iterator[int]:
        run = max((r for r in "".join(c if is_han(c) else " " for c in q).split()), key=len)
        for e in self._han.find(run):
            if matches_mixed(q, self._entry_keys[e]):
                yield e

    def _take_departments(self, q: str, has_han: bool, found: dict[int, Hit], limit: int) -> None:
        matched = []
        for name, keys, members in self._departments:
            hit = (
                q in keys.chars
                if has_han
                else (q in keys.initials or any(keys.full.startswith(q, s) for s in keys.syllable_starts))
            )
            if hit:
                matched.append((members, name))
        if not matched:
            return
        for d in merge(*[[(d, name) for d in members] for members, name in matched]):
            if len(found) >= limit:
                return
            doc, name = d
            if doc not in found:
                found[doc] = Hit(self.docs[doc].code, self.docs[doc].name, "department", name)

    def _take_fuzzy(self, q: str, has_han: bool, found: dict[int, Hit], limit: int) -> None:
        """One wrong, missing or extra letter or character. Runs only when
        nothing matched exactly. One edit leaves one half of the query intact,
        so each exact hit of a half pins where the window must be; rapidfuzz
        checks that window's Levenshtein distance."""
        n = len(q)
        if found or n < (3 if has_han else 5):
            return
        left, right = q[: n // 2], q[n // 2 :]
        best: dict[int, tuple[int, int]] = {}  # doc -> (distance, entry)
        if has_han:
            blobs = (self._han,)
        elif sum(c in VOWELS for c in q) >= 2:  # reads as full pinyin
            blobs = (self._full,)
        else:
            blobs = (self._initials,)
        for blob in blobs:
            text = blob.text
            for half, anchored_left in ((left, True), (right, False)):
                for pos, entry in blob.hits(half, limit=FUZZY_SCAN):
                    d = self._entry_doc[entry]
                    if d in best:
                        continue
                    for width in (n, n - 1, n + 1):
                        start = pos if anchored_left else pos + len(half) - width
                        window = text[max(start, 0) : start + width]
                        if len(window) < n - 1 or START in window or MID in window:
                            continue
                        if Levenshtein.distance(q, window, score_cutoff=1) <= 1:
                            best[d] = (1, entry)
                            break
        for d in sorted(best)[:limit]:
            found[d] = Hit(self.docs[d].code, self.docs[d].name, "fuzzy", self._entry_text[best[d][1]])
