"""The speaker's twin: plays nothing, keeps what was said with when it
started and ended, in real time (`speed` shortens every clip for tests).
Tests assert against it: what was spoken, in order, never two at once."""

from __future__ import annotations

import threading
import time
import wave
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Spoken:
    text: str
    started: float
    ends: float  # when it would end if not stopped
    seconds: float  # its full length
    volume: float
    stopped_at: float | None = None

    @property
    def ended(self) -> float:
        return self.stopped_at if self.stopped_at is not None else self.ends


class RecordingAudio:
    def __init__(self, speed: float = 1.0, clock=time.monotonic):
        self.speed = speed
        self.clock = clock
        self.spoken: list[Spoken] = []
        self._lock = threading.Lock()

    def play(self, wav: Path, text: str, volume: float) -> float:
        with wave.open(str(wav), "rb") as w:
            seconds = w.getnframes() / w.getframerate()
        now = self.clock()
        with self._lock:
            if self.spoken and self.spoken[-1].ended > now:
                raise AssertionError(f"{text!r} started while {self.spoken[-1].text!r} was still playing")
            self.spoken.append(Spoken(text, now, now + seconds / self.speed, seconds, volume))
        return seconds / self.speed

    def stop(self) -> None:
        now = self.clock()
        with self._lock:
            if self.spoken and self.spoken[-1].ends > now and self.spoken[-1].stopped_at is None:
                self.spoken[-1].stopped_at = now

    def playing(self) -> bool:
        with self._lock:
            return bool(self.spoken) and self.spoken[-1].ended > self.clock()

    def texts(self) -> list[str]:
        with self._lock:
            return [s.text for s in self.spoken]

    def clear(self) -> None:
        with self._lock:
            self.spoken.clear()


class NoAudio:
    """No speaker configured (`[voice] output = "none"`): nothing is played, nothing waits."""

    def play(self, wav: Path, text: str, volume: float) -> float:
        return 0.0

    def stop(self) -> None:
        pass

    def playing(self) -> bool:
        return False
