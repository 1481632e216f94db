"""Chinese input for the on-screen keyboard, off the UI thread.

The lexicon (188,000 entries, under a second to read; built from Debian's
pinyin database on first use, about 5 s) and the handwriting model are
loaded by one worker thread after the home screen shows. Handwriting is
recognised on that thread too (a Zinnia recogniser stays on the thread that
made it); only the newest drawing is recognised when strokes come faster than
the recogniser, and results reach the UI through the callback it gives
(which hands them over with `Clock`).

Either part may be missing on a terminal (a package not installed): the
keyboard then offers what works, and the reason is logged once.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from kiosk.ime.handwriting import HandwritingError, Recognizer, Stroke
from kiosk.ime.lexicon import LexiconError, ensure_lexicon, read_lexicon
from kiosk.ime.pinyin import Composer, Lexicon

log = logging.getLogger(__name__)

FREQUENCY_WEIGHT = 0.25  # how much a character's frequency lifts a handwriting guess (scores are SVM margins)
Recognised = Callable[[int, list[str]], None]  # (drawing number, characters best first)


WAKE = "wake"  # a job without a drawing: the catalog's words changed, the worker applies them


@dataclass(frozen=True)
class _Drawing:
    """The newest strokes on the writing box, to recognise."""

    drawing: int
    strokes: Sequence[Stroke]
    width: float
    height: float
    done: Recognised


class InputMethods:
    def __init__(
        self, lexicon_path: Path, database: Path, model: Path, domain: Callable[[], Iterable[str]] | None = None
    ):
        """`domain` gives the texts whose words rank first (the catalog's matter names)."""
        self.lexicon_path, self.database, self.model, self._domain_source = lexicon_path, database, model, domain
        self.on_loaded: list[Callable[[], None]] = []  # called on the worker once both parts are tried
        self.lexicon: Lexicon | None = None
        self.problems: dict[str, str] = {}  # "pinyin" / "handwriting" -> why it is not offered
        self.loaded = threading.Event()
        self._char_rank: dict[str, int] = {}
        self._domain: list[str] | None = None
        self._jobs: queue.Queue[_Drawing | str | None] = queue.Queue()  # a drawing, WAKE, or None: stop
        self._thread: threading.Thread | None = None
        self._starting = threading.Lock()

    # -- life -------------------------------------------------------------------
    def start(self) -> None:
        """Loads both parts on the worker (once; later calls do nothing)."""
        with self._starting:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="input-methods", daemon=True)
                self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._jobs.put(None)
            self._thread.join(timeout=5)
            self._thread = None

    def available(self, mode: str) -> bool:
        if mode == "pinyin":
            return self.lexicon is not None
        if mode == "handwriting":
            return self.loaded.is_set() and "handwriting" not in self.problems
        return True

    def composer(self) -> Composer | None:
        return Composer(self.lexicon) if self.lexicon is not None else None

    def set_domain(self, texts: Iterable[str]) -> None:
        """The catalog changed: its words rank first (done on the worker)."""
        self._domain = list(texts)
        self._jobs.put(WAKE)

    # -- handwriting --------------------------------------------------------------
    def recognise(self, drawing: int, strokes: Sequence[Stroke], width: float, height: float, done: Recognised) -> None:
        """Queues a drawing; `done(drawing, characters)` is called on the worker thread."""
        self._jobs.put(_Drawing(drawing, [list(s) for s in strokes], width, height, done))

    def _run(self) -> None:
        recognizer = self._load()
        if self._domain_source is not None and self._domain is None:
            try:
                self._domain = list(self._domain_source())
            except Exception:
                log.exception("the catalog's words could not be read for the pinyin ranking")
        self._apply_domain()
        for callback in self.on_loaded:
            callback()
        while True:
            job = self._jobs.get()
            if job is None:
                break
            while not self._jobs.empty():  # only the newest drawing matters
                newer = self._jobs.get()
                if newer is None:
                    job = None
                    break
                if isinstance(newer, _Drawing) or not isinstance(job, _Drawing):
                    job = newer  # a wake-up never replaces a drawing
            if job is None:
                break
            self._apply_domain()  # the catalog's words, if they changed (WAKE)
            if not isinstance(job, _Drawing) or not job.strokes:
                continue
            drawing, strokes, width, height, done = job.drawing, job.strokes, job.width, job.height, job.done
            characters: list[str] = []
            if recognizer is not None:
                try:
                    guesses = recognizer.classify(strokes, width, height, best=20)
                    guesses.sort(key=lambda g: -(g.score + FREQUENCY_WEIGHT * self._char_rank.get(g.text, 0) / 9000))
                    characters = [g.text for g in guesses[:12]]
                except Exception:
                    log.exception("handwriting recognition failed")
            done(drawing, characters)
        if recognizer is not None:
            recognizer.close()

    def _load(self) -> Recognizer | None:
        recognizer = None
        try:
            lexicon = Lexicon(read_lexicon(ensure_lexicon(self.lexicon_path, self.database)))
            self._char_rank = lexicon.char_frequencies()
            self.lexicon = lexicon
        except (LexiconError, OSError) as exc:
            self.problems["pinyin"] = str(exc)
            log.error("pinyin input is not offered: %s", exc)
        try:
            recognizer = Recognizer(self.model)
        except HandwritingError as exc:
            self.problems["handwriting"] = str(exc)
            log.error("handwriting input is not offered: %s", exc)
        self.loaded.set()
        return recognizer

    def _apply_domain(self) -> None:
        texts, self._domain = self._domain, None
        if texts is not None and self.lexicon is not None:
            found = self.lexicon.set_domain(texts)
            log.info("pinyin ranking: %d words of the catalog first", found)
