"""Spoken announcements for the display board, with no internet and no
speech service: every piece of speech is a clip made once by espeak-ng and
kept in `<data_dir>/voice/`; an announcement is its template's clips joined.

A template such as 请{number}号到{counter}号窗口办理 splits into literal text
("请", "号到", "号窗口办理"), the ticket number read one character at a time
(A, 零, 一, 二) and the counter number read as a number (十二). So the clip set
is small and fixed: `kiosk-central voice build` makes all of it at install
time; anything missing is made on first use."""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from central.config import DisplaySection
from common import speech
from common.speech import SpeechUnavailable as VoiceUnavailable

log = logging.getLogger(__name__)
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
PAUSES = " ,.;:，。、；："  # the gap between clips is the pause
PLACEHOLDER = re.compile(r"{(number|counter)}")
__all__ = ["Piece", "VoiceClips", "VoiceUnavailable", "pieces"]


@dataclass(frozen=True)
class Piece:
    lang: str
    text: str  # what espeak-ng says


def pieces(template: str, lang: str, number: str, counter: int | None) -> list[Piece]:
    """The clips an announcement is made of, in order."""
    out: list[Piece] = []
    for part in PLACEHOLDER.split(template):
        if part == "number":
            out.extend(Piece(lang, c) for c in speech.spelled(number, lang))
        elif part == "counter":
            out.append(Piece(lang, str(counter if counter is not None else "")))
        elif part.strip(PAUSES):
            out.append(Piece(lang, part.strip(PAUSES)))
    return [p for p in out if p.text]


class VoiceClips:
    def __init__(self, directory: Path, display: DisplaySection, espeak: str | None = None):
        self.dir = directory
        self.display = display
        self.espeak = espeak or speech.espeak_binary()
        self._lock = threading.Lock()

    def _voice(self, lang: str) -> str:
        return self.display.voice_zh if lang == "zh" else self.display.voice_en

    def path(self, piece: Piece) -> Path:
        key = f"{self._voice(piece.lang)}|{self.display.speech_rate}|{piece.text}"
        return self.dir / piece.lang / (hashlib.sha1(key.encode()).hexdigest()[:20] + ".wav")

    def clip(self, piece: Piece) -> Path:
        path = self.path(piece)
        if path.exists():
            return path
        if not self.espeak:
            raise VoiceUnavailable(
                "espeak-ng is not installed (apt-get install espeak-ng), "
                "and the clip was not made before: run `kiosk-central voice build`"
            )
        with self._lock:
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_suffix(".tmp")
                tmp.write_bytes(
                    speech.synthesise(piece.text, self._voice(piece.lang), self.display.speech_rate, self.espeak).wav()
                )
                tmp.replace(path)
        return path

    def all_pieces(self, counters: list[int], templates: list[tuple[str, str]] | None = None) -> list[Piece]:
        """Every clip any announcement can need, for `voice build` (`templates`: the sites' own, by language)."""
        out = []
        for lang, template in (("zh", self.display.announce_zh), ("en", self.display.announce_en)):
            out += pieces(template, lang, "", None)
            out += [p for language, own in templates or () if language == lang for p in pieces(own, lang, "", None)]
            out += [Piece(lang, c) for c in speech.spelled(LETTERS + "0123456789", lang)]
            out += [Piece(lang, str(n)) for n in counters]
        return out

    def build(self, counters: list[int], templates: list[tuple[str, str]] | None = None) -> int:
        made = 0
        for piece in self.all_pieces(counters, templates):
            if not self.path(piece).exists():
                self.clip(piece)
                made += 1
        return made

    def announcement(self, lang: str, number: str, counter: int | None, template: str = "") -> bytes:
        """One WAV: the template's clips (the site's, else [display]'s) joined with a short gap."""
        template = template or (self.display.announce_zh if lang == "zh" else self.display.announce_en)
        parts = [
            speech.trimmed(speech.read_wav(self.clip(p).read_bytes())) for p in pieces(template, lang, number, counter)
        ]
        if not parts:
            raise VoiceUnavailable("the announcement template is empty")
        return speech.joined(parts).wav()
