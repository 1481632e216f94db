"""The pinyin lexicon: words and characters, each with its syllables and how
common it is.

The source is Debian's `pinyin-database` (the open-phrase data of ibus-pinyin:
837,000 phrases, each with a log-scaled frequency of 0-9,000 and its
syllables as numeric initial and final ids). `build_lexicon` turns it once
into a small text file of the phrases a kiosk needs (every character, the
commonest words of two to four characters), so the kiosk does not carry the
58 MB database in memory and the file can be checked and shipped on its own.

The file: one `text<TAB>syllables<TAB>frequency` line per entry, most frequent
first, syllables separated by spaces (`身份证\tshen fen zheng\t7388`).
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

log = logging.getLogger(__name__)

DEBIAN_DATABASE = Path("/usr/share/pinyin-database/main.db")
MAX_CHARS = 4  # longer phrases are rarely typed at a kiosk, and cost memory
MAX_WORDS = 160_000  # words of 2-4 characters kept, the commonest first

# pyzy's ids (pyzy's Types.h, checked against pypinyin's reading of every character)
INITIALS = (
    "",
    "b",
    "c",
    "ch",
    "d",
    "f",
    "g",
    "h",
    "j",
    "k",
    "l",
    "m",
    "n",
    "p",
    "q",
    "r",
    "s",
    "sh",
    "t",
    "w",
    "x",
    "y",
    "z",
    "zh",
)
FINALS = {
    24: "a", 25: "ai", 26: "an", 27: "ang", 28: "ao", 29: "e", 30: "ei", 31: "en", 32: "eng", 33: "er",
    34: "i", 35: "ia", 36: "ian", 37: "iang", 38: "iao", 39: "ie", 40: "in", 41: "ing", 42: "iong", 43: "iu",
    44: "o", 45: "ong", 46: "ou", 47: "u", 48: "ua", 49: "uai", 50: "uan", 51: "uang", 52: "ue", 53: "ui",
    54: "un", 55: "uo", 56: "v",
}  # fmt: skip

Entry = tuple[str, tuple[str, ...], int]  # text, syllables, frequency


class LexiconError(Exception):
    """The lexicon cannot be built or read; the message says what to do."""


def syllable(initial_id: int, final_id: int) -> str | None:
    if not 0 <= initial_id < len(INITIALS) or final_id not in FINALS:
        return None  # an incomplete entry (the database keeps some): not typeable as a whole
    return INITIALS[initial_id] + FINALS[final_id]


def read_database(path: Path = DEBIAN_DATABASE) -> Iterator[Entry]:
    """Every phrase of up to MAX_CHARS characters whose syllables are all whole."""
    if not path.exists():
        raise LexiconError(f"{path} is missing: install the Debian package pinyin-database")
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        for n in range(MAX_CHARS):
            columns = ", ".join(f"s{i}, y{i}" for i in range(n + 1))
            for row in db.execute(f"SELECT phrase, freq, {columns} FROM py_phrase_{n}"):
                text, freq, ids = row[0], row[1], row[2:]
                syllables = tuple(syllable(ids[i], ids[i + 1]) for i in range(0, len(ids), 2))
                if len(text) == n + 1 and all(syllables):
                    yield text, syllables, int(freq)  # type: ignore[misc]
    finally:
        db.close()


def build_lexicon(target: Path, source: Path = DEBIAN_DATABASE, max_words: int = MAX_WORDS) -> int:
    """Writes the lexicon file (atomically) and returns how many entries it has."""
    started = time.monotonic()
    chars: dict[tuple[str, tuple[str, ...]], int] = {}
    words: list[Entry] = []
    for text, syllables, freq in read_database(source):
        if len(text) == 1:
            key = (text, syllables)
            chars[key] = max(freq, chars.get(key, 0))
        else:
            words.append((text, syllables, freq))
    words.sort(key=lambda e: -e[2])
    seen: set[tuple[str, tuple[str, ...]]] = set()
    kept: list[Entry] = [(t, s, f) for (t, s), f in chars.items()]
    for text, syllables, freq in words:
        if (text, syllables) not in seen:
            seen.add((text, syllables))
            kept.append((text, syllables, freq))
            if len(seen) >= max_words:
                break
    kept.sort(key=lambda e: (-e[2], e[0]))
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.{os.getpid()}.partial")  # two builders never share a file
    with open(partial, "w", encoding="utf-8") as out:
        for text, syllables, freq in kept:
            out.write(f"{text}\t{' '.join(syllables)}\t{freq}\n")
    os.replace(partial, target)
    log.info("pinyin lexicon built: %d entries in %s (%.1f s)", len(kept), target, time.monotonic() - started)
    return len(kept)


def read_lexicon(path: Path) -> Iterator[Entry]:
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 3 or not parts[2].isdigit():
                raise LexiconError(f"{path} line {number} is not text<TAB>syllables<TAB>frequency: rebuild it")
            yield parts[0], tuple(parts[1].split(" ")), int(parts[2])


def ensure_lexicon(path: Path, source: Path = DEBIAN_DATABASE) -> Path:
    """The lexicon file, built first if it is missing or older than the database."""
    if not path.exists() or (source.exists() and source.stat().st_mtime > path.stat().st_mtime):
        build_lexicon(path, source)
    return path


def entries_of(words: Iterable[tuple[str, str, int]]) -> list[Entry]:
    """Entries written by hand (tests, a hall's own words): (text, 'shen fen zheng', frequency)."""
    return [(text, tuple(syllables.split()), freq) for text, syllables, freq in words]
