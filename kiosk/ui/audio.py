"""The terminal's loudspeaker through SDL (SDL_mixer, Kivy's audio_sdl2):
the `AudioOut` the app hands to the voice guidance when `[voice] output = "sdl"`.
SDL is driven from the UI thread only; play and stop are posted there in
order, and whether it is playing is known from when it started and how long
it is, so the voice's worker never races the UI thread's bookkeeping."""

from __future__ import annotations

import logging
import threading
import time
import wave
from pathlib import Path

from kivy.clock import Clock
from kivy.core.audio import SoundLoader

log = logging.getLogger(__name__)


class SdlAudio:
    def __init__(self) -> None:
        self._sound = None
        self._ends = 0.0
        self._lock = threading.Lock()

    def play(self, wav: Path, text: str, volume: float) -> float:
        with wave.open(str(wav), "rb") as w:
            seconds = w.getnframes() / w.getframerate()
        with self._lock:
            self._ends = time.monotonic() + seconds
        Clock.schedule_once(lambda _dt: self._start(wav, volume), 0)
        return seconds

    def _start(self, wav: Path, volume: float) -> None:
        if self._sound is not None:
            self._sound.stop()
            self._sound.unload()
        sound = self._sound = SoundLoader.load(str(wav))
        if sound is None:
            log.warning("voice: SDL could not load %s (no audio device?)", wav.name)
            return
        sound.volume = volume
        sound.play()

    def stop(self) -> None:
        with self._lock:
            self._ends = 0.0
        Clock.schedule_once(lambda _dt: self._stop(), 0)

    def _stop(self) -> None:
        if self._sound is not None:
            self._sound.stop()

    def playing(self) -> bool:
        with self._lock:
            return time.monotonic() < self._ends
