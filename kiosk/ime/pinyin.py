"""Pinyin input: the letters a citizen types become candidate words and
characters, the way a phone's input method does it.

- The letters are cut into syllables (`shenfenzheng` → shen fen zheng). A cut
  piece may also be an initial or the start of a syllable, so `sfz` and
  `shenfz` find 身份证 too, and the last piece may be unfinished.
- Candidates that stand for all the letters come first, then those for the
  first syllables (身份 for shen fen, then 身 for shen). Choosing one keeps the
  rest of the letters in the composition until everything is chosen.
- Ranking is the lexicon's frequency, raised for the words of the kiosk's own
  matter catalog (办理 and 户口 before 半里 and 虎口). Nothing a citizen types is
  learnt: the next person must not see it.

Speed: entries are indexed by the first letters of their syllables (`sfz`) in
ranking order, so each lookup scans one short list and stops at the limit.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from kiosk.ime.lexicon import Entry

MAX_LETTERS = 24  # a composition longer than this is not a word any more
DOMAIN_BOOST = 2_500  # on a 0-9,000 log scale: a catalog word outranks a common word of the same letters
ALIASES = {"lve": "lue", "nve": "nue"}  # what people type for 略 and 虐
_LETTERS = re.compile(r"[a-z']+")


@dataclass(frozen=True)
class Candidate:
    text: str
    pieces: int  # how many of the composition's pieces it stands for


class Lexicon:
    """Entries indexed by the first letters of their syllables."""

    def __init__(self, entries: Iterable[Entry]):
        self._entries: list[Entry] = list(entries)
        self.syllables: frozenset[str] = frozenset(s for _, syl, _ in self._entries for s in syl)
        self.prefixes: frozenset[str] = frozenset(s[:i] for s in self.syllables for i in range(1, len(s) + 1))
        self._domain: frozenset[str] = frozenset()
        self._index: dict[str, list[Entry]] = {}
        self._reindex()

    def __len__(self) -> int:
        return len(self._entries)

    def char_frequencies(self) -> dict[str, int]:
        """Each character's highest frequency (over its readings)."""
        out: dict[str, int] = {}
        for text, _, freq in self._entries:
            if len(text) == 1 and freq > out.get(text, -1):
                out[text] = freq
        return out

    def set_domain(self, texts: Iterable[str]) -> int:
        """Words that occur in these texts (matter names) rank higher; returns how many."""
        found: set[str] = set()
        for text in texts:
            for size in (2, 3, 4):
                found.update(text[i : i + size] for i in range(len(text) - size + 1))
        self._domain = frozenset(found)
        self._reindex()
        return sum(1 for text, _, _ in self._entries if text in self._domain)

    def _score(self, entry: Entry) -> int:
        return entry[2] + (DOMAIN_BOOST if entry[0] in self._domain else 0)

    def _reindex(self) -> None:
        index: dict[str, list[Entry]] = defaultdict(list)
        for entry in sorted(self._entries, key=self._score, reverse=True):
            index["".join(s[0] for s in entry[1])].append(entry)
        self._index = dict(index)

    def lookup(self, pieces: Sequence[str], open_last: bool, limit: int) -> list[str]:
        """Texts whose syllables match the pieces one for one, best first.

        A piece that is a whole syllable matches only itself, except the last
        one while it may still grow (`open_last`); any other piece is the start
        of a syllable (an initial, or a syllable being typed)."""
        if open_last and pieces and pieces[-1] in self.syllables:
            # the syllable as typed first (xian: 先 before 想), then the longer ones it starts
            exact = self._scan(pieces, False, limit)
            longer = [t for t in self._scan(pieces, True, limit) if t not in exact]
            return (exact + longer)[:limit]
        return self._scan(pieces, open_last, limit)

    def _scan(self, pieces: Sequence[str], open_last: bool, limit: int) -> list[str]:
        found: list[str] = []
        last = len(pieces) - 1
        tests = [(piece, piece in self.syllables and not (open_last and i == last)) for i, piece in enumerate(pieces)]
        for text, syllables, _ in self._index.get("".join(p[0] for p in pieces), ()):
            if all(s == p if whole else s.startswith(p) for s, (p, whole) in zip(syllables, tests, strict=True)):
                found.append(text)
                if len(found) >= limit:
                    break
        return found


def segment(letters: str, lexicon: Lexicon) -> list[str]:
    """The cut of the letters into the fewest pieces, whole syllables before
    initials and unfinished syllables (xian is 先, not 西安: type xi'an)."""
    pieces: list[str] = []
    for run in letters.split("'"):
        pieces.extend(_segment_run(run, lexicon))
    return pieces


def _segment_run(run: str, lexicon: Lexicon) -> list[str]:
    if not run:
        return []
    n = len(run)
    best: list[tuple[float, list[str]] | None] = [None] * (n + 1)
    best[0] = (0.0, [])
    for start in range(n):
        here = best[start]
        if here is None:
            continue
        for end in range(start + 1, min(n, start + 6) + 1):
            piece = ALIASES.get(run[start:end], run[start:end])
            if piece in lexicon.syllables:
                cost = 1.0
            elif piece in lexicon.prefixes:
                cost = 1.6
            else:
                continue
            total = here[0] + cost
            there = best[end]
            if there is None or total < there[0]:
                best[end] = (total, [*here[1], piece])
    done = best[n]
    if done is not None:
        return done[1]
    # letters no syllable starts with (a typo such as "v" alone): keep them as one piece, which finds nothing
    return [run]


@dataclass
class Composer:
    """The letters being typed and the words chosen so far for their start."""

    lexicon: Lexicon
    letters: str = ""
    chosen: list[tuple[str, str]] = field(default_factory=list)  # (text, the letters it stood for)

    @property
    def active(self) -> bool:
        return bool(self.letters or self.chosen)

    @property
    def pieces(self) -> list[str]:
        return segment(self.letters, self.lexicon)

    @property
    def preedit(self) -> str:
        """What the candidate bar shows: the chosen words, then the pieces still to choose."""
        return "".join(t for t, _ in self.chosen) + "'".join(self.pieces)

    def type(self, letter: str) -> bool:
        """Adds a letter (or ' between syllables); False when the composition is full."""
        letter = letter.lower()
        if not _LETTERS.fullmatch(letter) or len(self.letters) + len(letter) > MAX_LETTERS:
            return False
        if letter == "'" and (not self.letters or self.letters.endswith("'")):
            return True  # a separator only between letters
        self.letters += letter
        return True

    def backspace(self) -> bool:
        """Removes the last letter, or takes back the last chosen word; False when empty."""
        if self.letters:
            self.letters = self.letters[:-1]
            return True
        if self.chosen:
            _, letters = self.chosen.pop()
            self.letters = letters
            return True
        return False

    def candidates(self, limit: int = 60) -> list[Candidate]:
        pieces = self.pieces
        out: list[Candidate] = []
        seen: set[str] = set()
        for count in range(len(pieces), 0, -1):
            for text in self.lexicon.lookup(pieces[:count], count == len(pieces), limit - len(out)):
                if text not in seen:
                    seen.add(text)
                    out.append(Candidate(text, count))
            if len(out) >= limit:
                break
        return out

    def choose(self, candidate: Candidate) -> str:
        """Takes a candidate; returns the text to commit once all letters are
        chosen (the composition is then empty), else ''."""
        pieces = self.pieces
        used = "".join(pieces[: candidate.pieces])
        self.chosen.append((candidate.text, used))
        self.letters = "'".join(pieces[candidate.pieces :]) if len(pieces) > candidate.pieces else ""
        if self.letters:
            return ""
        return self.commit_chosen()

    def commit_chosen(self) -> str:
        text = "".join(t for t, _ in self.chosen)
        self.chosen.clear()
        return text

    def commit_raw(self) -> str:
        """Everything as it stands (the chosen words and the letters typed), for
        a switch of input mode: nothing typed is lost."""
        text = "".join(t for t, _ in self.chosen) + self.letters.replace("'", "")
        self.clear()
        return text

    def clear(self) -> None:
        self.letters = ""
        self.chosen.clear()
