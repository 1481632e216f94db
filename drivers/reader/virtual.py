"""A card reader with no hardware: `insert()` and `remove()` produce the same
events a real reader would, from a configured identity (demo, development)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from drivers.reader import CardFailed, CardInserted, CardReading, CardRemoved, Publish, ReaderFault
from drivers.reader.errors import ReaderError
from drivers.reader.ga467_protocol import decode_text, encode_text


class VirtualReader:
    def __init__(self, identity_file: Path | None = None, *, read_delay_s: float = 0.4):
        self.name = "virtual"
        self.identity_file = identity_file
        self.read_delay_s = read_delay_s
        self._publish: Publish | None = None
        self.present = False

    def start(self, publish: Publish) -> None:
        self._publish = publish
        publish(ReaderFault(self.name, None))

    def stop(self) -> None:
        self._publish = None

    def insert(self, values: dict | None = None) -> None:
        """Put a card on the reader: decoded exactly as a GA/T 467 card would be."""
        if self._publish is None or self.present:
            return
        self.present = True
        publish = self._publish
        publish(CardReading(self.name))

        def read():
            try:
                data = values or json.loads(Path(self.identity_file or "").read_text(encoding="utf-8"))
                identity = decode_text(encode_text({k: str(v) for k, v in data.items()}))
            except ReaderError as exc:
                publish(CardFailed(self.name, exc))
            except (OSError, ValueError, TypeError) as exc:
                publish(CardFailed(self.name, ReaderError("unreadable", f"virtual identity: {exc}")))
            else:
                publish(CardInserted(self.name, identity))

        threading.Timer(self.read_delay_s, read).start()

    def remove(self) -> None:
        if self._publish is not None and self.present:
            self.present = False
            self._publish(CardRemoved(self.name))
