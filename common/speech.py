"""Offline speech from espeak-ng, shared by central's display-board
announcements and the kiosk's voice guidance: synthesise a phrase to WAV,
trim the silence espeak puts around it, and join clips into one utterance.

No speech service and no internet: espeak-ng (Debian package `espeak-ng`)
makes a phrase in about 20 ms, so clips are made once and kept as files, and
what changes at run time (a ticket number, a matter's name) is made when asked."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
import wave
from array import array
from dataclasses import dataclass

SILENCE = 400  # 16-bit amplitude below which a clip's head and tail are trimmed
GAP_S = 0.08  # silence between joined clips, so digits do not run together
CJK = re.compile(r"[\u3400-\u9fff]")  # Chinese text: read by the Chinese voice, joined with 。
SENTENCE_END = re.compile(r"(?<=[。！？；.!?;])\s*|\n+")
DIGITS_ZH = "零一二三四五六七八九"
DIGITS_EN = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


class SpeechUnavailable(Exception):
    """espeak-ng is not installed (and no clip was made before)."""


@dataclass(frozen=True)
class Audio:
    """16-bit PCM: what a clip file or a synthesis holds, ready to join or play."""

    frames: bytes
    rate: int
    channels: int = 1
    width: int = 2

    @property
    def seconds(self) -> float:
        return len(self.frames) / (self.rate * self.channels * self.width)

    def wav(self) -> bytes:
        out = io.BytesIO()
        with wave.open(out, "wb") as w:
            w.setnchannels(self.channels)
            w.setsampwidth(self.width)
            w.setframerate(self.rate)
            w.writeframes(self.frames)
        return out.getvalue()


def espeak_binary() -> str | None:
    return shutil.which("espeak-ng")


def synthesise(text: str, voice: str, rate: int, espeak: str | None = None) -> Audio:
    """One phrase, trimmed (espeak-ng writes the WAV to stdout, with a streaming
    header whose sizes are placeholders: rewritten when saved with `.wav()`)."""
    binary = espeak or espeak_binary()
    if not binary:
        raise SpeechUnavailable("espeak-ng is not installed (apt-get install espeak-ng)")
    result = subprocess.run(
        [binary, "-v", voice, "-s", str(rate), "--stdout", text], check=True, capture_output=True, timeout=20
    )
    return trimmed(read_wav(result.stdout))


def read_wav(data: bytes) -> Audio:
    with wave.open(io.BytesIO(data), "rb") as w:
        return Audio(w.readframes(w.getnframes()), w.getframerate(), w.getnchannels(), w.getsampwidth())


def trimmed(audio: Audio) -> Audio:
    """Drop the silence espeak-ng puts around every clip (16-bit mono)."""
    if audio.width != 2 or audio.channels != 1:
        return audio
    samples = array("h", audio.frames)
    if sys.byteorder == "big":
        samples.byteswap()
    start = next((i for i, v in enumerate(samples) if abs(v) > SILENCE), 0)
    end = next((i for i in range(len(samples) - 1, -1, -1) if abs(samples[i]) > SILENCE), len(samples) - 1)
    return Audio(audio.frames[start * 2 : (end + 1) * 2], audio.rate)


def conformed(audio: Audio, rate: int = 22050) -> Audio:
    """16-bit mono at espeak-ng's rate: a hall's recorded clip (44.1 kHz stereo,
    say) joins the made ones. Linear interpolation: speech, not music."""
    if audio.width != 2:
        raise ValueError(f"expected 16-bit PCM, got {8 * audio.width}-bit")
    if audio.rate == rate and audio.channels == 1:
        return audio
    samples = array("h", audio.frames)
    if sys.byteorder == "big":
        samples.byteswap()
    if audio.channels > 1:
        n = audio.channels
        samples = array("h", (sum(samples[i : i + n]) // n for i in range(0, len(samples) - n + 1, n)))
    if audio.rate != rate and len(samples) > 1:
        step = audio.rate / rate
        count = int((len(samples) - 1) / step)
        out = array("h", bytes(2 * count))
        for i in range(count):
            at = i * step
            j = int(at)
            out[i] = int(samples[j] + (samples[j + 1] - samples[j]) * (at - j))
        samples = out
    if sys.byteorder == "big":
        samples.byteswap()
    return Audio(samples.tobytes(), rate)


def joined(parts: list[Audio], gap_s: float = GAP_S) -> Audio:
    """Clips of one format end to end with a short silence between them (a
    recorded human clip of another rate is the hall's to convert: `sox in.wav -r 22050 -c 1 out.wav`)."""
    if not parts:
        raise ValueError("nothing to join")
    first = parts[0]
    for part in parts[1:]:
        if (part.rate, part.channels, part.width) != (first.rate, first.channels, first.width):
            raise ValueError(
                f"clips differ in format: {part.rate} Hz x{part.channels} vs {first.rate} Hz x{first.channels}"
            )
    gap = b"\0" * (int(first.rate * gap_s) * first.width * first.channels)
    return Audio(gap.join(p.frames for p in parts), first.rate, first.channels, first.width)


def spelled(text: str, lang: str) -> list[str]:
    """A ticket number read one character at a time: A, 零, 零, 一 (letters by
    their English names in both voices, as halls call them)."""
    out = []
    for char in text:
        if char.isdigit():
            out.append(DIGITS_ZH[int(char)] if lang == "zh" else DIGITS_EN[int(char)])
        elif char.strip():
            out.append(char)
    return out


def sentences(text: str, longest: int = 120) -> list[str]:
    """A guide's section split where a reader pauses, so the first sound comes
    quickly and a tap can stop it between sentences."""
    out: list[str] = []
    for part in SENTENCE_END.split(text):
        piece = part.strip()
        while len(piece) > longest:
            cut = max(piece.rfind(sep, 0, longest) for sep in "，,、 ")
            cut = cut if cut > longest // 3 else longest
            out.append(piece[: cut + 1].strip())
            piece = piece[cut + 1 :].strip()
        if piece:
            out.append(piece)
    return out
