"""Handwriting recognition: strokes drawn with a finger become candidate
characters, for citizens who know a character but not its pinyin.

Zinnia (Debian's `libzinnia0`, an SVM recogniser of online handwriting) with
the Tegaki project's Simplified Chinese model (`tegaki-zinnia-simplified-
chinese`, 6,700 characters), through ctypes: the C API is nine functions, so
no compiled binding is needed. A recogniser is not shared between threads:
the kiosk keeps one on its worker thread.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

DEBIAN_MODEL = Path("/usr/share/tegaki/models/zinnia/handwriting-zh_CN.model")
Point = tuple[float, float]
Stroke = Sequence[Point]
CANVAS = 1000  # strokes are scaled into a square of this size, as the model was trained
MAX_STROKES = 40
MAX_POINTS = 400  # a stroke's points beyond this are thinned (a slow finger makes thousands)


class HandwritingError(Exception):
    """The recogniser cannot start; the message says what to install."""


@dataclass(frozen=True)
class Guess:
    text: str
    score: float


def _library() -> ctypes.CDLL:
    name = ctypes.util.find_library("zinnia") or "libzinnia.so.0"
    try:
        lib = ctypes.CDLL(name)
    except OSError as exc:
        raise HandwritingError(f"libzinnia is missing ({exc}): install the Debian package libzinnia0") from exc
    c_void_p, c_size_t, c_char_p, c_int = ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_int
    signatures = {
        "zinnia_recognizer_new": (c_void_p, []),
        "zinnia_recognizer_open": (c_int, [c_void_p, c_char_p]),
        "zinnia_recognizer_strerror": (c_char_p, [c_void_p]),
        "zinnia_recognizer_destroy": (None, [c_void_p]),
        "zinnia_recognizer_classify": (c_void_p, [c_void_p, c_void_p, c_size_t]),
        "zinnia_character_new": (c_void_p, []),
        "zinnia_character_destroy": (None, [c_void_p]),
        "zinnia_character_set_width": (None, [c_void_p, c_size_t]),
        "zinnia_character_set_height": (None, [c_void_p, c_size_t]),
        "zinnia_character_add": (c_int, [c_void_p, c_size_t, c_int, c_int]),
        "zinnia_result_value": (c_char_p, [c_void_p, c_size_t]),
        "zinnia_result_score": (ctypes.c_float, [c_void_p, c_size_t]),
        "zinnia_result_size": (c_size_t, [c_void_p]),
        "zinnia_result_destroy": (None, [c_void_p]),
    }
    for fn, (restype, argtypes) in signatures.items():
        getattr(lib, fn).restype = restype
        getattr(lib, fn).argtypes = argtypes
    return lib


class Recognizer:
    """One Zinnia recogniser with its model loaded (about 0.1 s, 27 MB)."""

    def __init__(self, model: Path = DEBIAN_MODEL):
        if not model.exists():
            raise HandwritingError(f"{model} is missing: install the Debian package tegaki-zinnia-simplified-chinese")
        self._lib = _library()
        self._recognizer = self._lib.zinnia_recognizer_new()
        if not self._lib.zinnia_recognizer_open(self._recognizer, str(model).encode()):
            reason = (self._lib.zinnia_recognizer_strerror(self._recognizer) or b"").decode(errors="replace")
            self._lib.zinnia_recognizer_destroy(self._recognizer)
            raise HandwritingError(f"cannot open the handwriting model {model}: {reason}")
        self._owner = threading.get_ident()

    def close(self) -> None:
        if self._recognizer:
            self._lib.zinnia_recognizer_destroy(self._recognizer)
            self._recognizer = None

    def classify(self, strokes: Sequence[Stroke], width: float, height: float, best: int = 10) -> list[Guess]:
        """The likeliest characters for strokes drawn in a width x height box
        (y grows downwards, as on a screen), best first."""
        if threading.get_ident() != self._owner:
            raise RuntimeError("a Recognizer is used on the thread that made it")
        strokes = [s for s in strokes[:MAX_STROKES] if s]
        if not strokes or width <= 0 or height <= 0:
            return []
        scale = CANVAS / max(width, height)
        lib = self._lib
        character = lib.zinnia_character_new()
        try:
            lib.zinnia_character_set_width(character, CANVAS)
            lib.zinnia_character_set_height(character, CANVAS)
            for number, stroke in enumerate(strokes):
                step = max(1, len(stroke) // MAX_POINTS)
                for x, y in list(stroke)[::step]:
                    lib.zinnia_character_add(character, number, int(x * scale), int(y * scale))
            result = lib.zinnia_recognizer_classify(self._recognizer, character, best)
            if not result:
                return []
            try:
                return [
                    Guess(lib.zinnia_result_value(result, i).decode("utf-8"), float(lib.zinnia_result_score(result, i)))
                    for i in range(lib.zinnia_result_size(result))
                ]
            finally:
                lib.zinnia_result_destroy(result)
        finally:
            lib.zinnia_character_destroy(character)


def timed_classify(
    recognizer: Recognizer, strokes: Sequence[Stroke], width: float, height: float
) -> tuple[list[Guess], float]:
    started = time.perf_counter()
    guesses = recognizer.classify(strokes, width, height)
    return guesses, time.perf_counter() - started
