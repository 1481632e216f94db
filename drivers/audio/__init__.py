"""The loudspeaker. The voice guidance hands it one finished utterance at a
time (a WAV file and what it says); it plays, reports when it is done, and
stops at once when told. Outputs: SDL through Kivy (`kiosk/ui/audio.py`, the
terminal's speaker), the recording twin (tests, the demo's log), none."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol


class AudioOut(Protocol):
    def play(self, wav: Path, text: str, volume: float) -> float:
        """Start playing `wav` (which says `text`) at `volume` 0-1; return its length in seconds."""
        ...

    def stop(self) -> None:
        """Silence now (a new utterance interrupts the one playing)."""
        ...

    def playing(self) -> bool: ...
