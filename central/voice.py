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
import io
import logging
import re
import shutil
import subprocess
import sys
import threading
import wave
from array import array
from dataclasses import dataclass
from pathlib import Path

from central.config import DisplaySection

log = logging.getLogger(__name__)
DIGITS_ZH = "零一二三四五六七八九"
DIGITS_EN = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
GAP_S = 0.08  # silence between clips, so digits do not run together
SILENCE = 400  # 16-bit amplitude below which a clip's head and tail are trimmed
PAUSES = " ,.;:，。、；："  # the gap between clips is the pause
PLACEHOLDER = re.compile(r"{(number|counter)}")


class VoiceUnavailable(Exception):
    """espeak-ng is not installed and the clip was not made before."""


@dataclass(frozen=True)
class Piece:
    lang: str
    text: str  # what espeak-ng says


def _char_text(lang: str, char: str) -> str:
    if char.isdigit():
        return DIGITS_ZH[int(char)] if lang == "zh" else DIGITS_EN[int(char)]
    return char  # letters are read by their (English) letter names in both voices


def pieces(template: str, lang: str, number: str, counter: int | None) -> list[Piece]:
    """The clips an announcement is made of, in order."""
    out: list[Piece] = []
    for part in PLACEHOLDER.split(template):
        if part == "number":
            out.extend(Piece(lang, _char_text(lang, c)) for c in number)
        elif part == "counter":
            out.append(Piece(lang, str(counter if counter is not None else "")))
        elif part.strip(PAUSES):
            out.append(Piece(lang, part.strip(PAUSES)))
    return [p for p in out if p.text]


class VoiceClips:
    def __init__(self, directory: Path, display: DisplaySection, espeak: str | None = None):
        self.dir = directory
        self.display = display
        self.espeak = espeak or shutil.which("espeak-ng")
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
                subprocess.run(
                    [
                        self.espeak,
                        "-v",
                        self._voice(piece.lang),
                        "-s",
                        str(self.display.speech_rate),
                        "-w",
                        str(tmp),
                        piece.text,
                    ],
                    check=True,
                    capture_output=True,
                    timeout=20,
                )
                tmp.replace(path)
        return path

    def all_pieces(self, counters: list[int]) -> list[Piece]:
        """Every clip any announcement can need, for `voice build`."""
        out = []
        for lang, template in (("zh", self.display.announce_zh), ("en", self.display.announce_en)):
            out += pieces(template, lang, "", None)
            out += [Piece(lang, _char_text(lang, c)) for c in LETTERS + "0123456789"]
            out += [Piece(lang, str(n)) for n in counters]
        return out

    def build(self, counters: list[int]) -> int:
        made = 0
        for piece in self.all_pieces(counters):
            if not self.path(piece).exists():
                self.clip(piece)
                made += 1
        return made

    def announcement(self, lang: str, number: str, counter: int | None) -> bytes:
        """One WAV: the template's clips joined with a short gap."""
        template = self.display.announce_zh if lang == "zh" else self.display.announce_en
        frames, params = [], None
        for piece in pieces(template, lang, number, counter):
            with wave.open(str(self.clip(piece)), "rb") as clip:
                params = params or clip.getparams()
                frames.append(_trimmed(clip.readframes(clip.getnframes()), params.sampwidth))
        if params is None:
            raise VoiceUnavailable("the announcement template is empty")
        gap = b"\0" * (int(params.framerate * GAP_S) * params.sampwidth * params.nchannels)
        out = io.BytesIO()
        with wave.open(out, "wb") as joined:
            joined.setnchannels(params.nchannels)
            joined.setsampwidth(params.sampwidth)
            joined.setframerate(params.framerate)
            joined.writeframes(gap.join(frames))
        return out.getvalue()


def _trimmed(frames: bytes, sampwidth: int) -> bytes:
    """Drop the silence espeak-ng puts around every clip (16-bit mono)."""
    if sampwidth != 2:
        return frames
    samples = array("h", frames)
    if sys.byteorder == "big":
        samples.byteswap()
    start = next((i for i, v in enumerate(samples) if abs(v) > SILENCE), 0)
    end = next((i for i in range(len(samples) - 1, -1, -1) if abs(samples[i]) > SILENCE), len(samples) - 1)
    return frames[start * 2 : (end + 1) * 2]
