"""Voice guidance (语音引导): the kiosk speaks what a screen says, the label of
what was tapped, a ticket number, an error, a guide read aloud.

Offline. Every fixed phrase of the message catalog is a clip made once by
espeak-ng (`kiosk voice build`, or on first use) in `<clips>/<lang>/<name>.wav`,
named after its English message id (`clips.tsv` lists them); a hall replaces
any clip by a recorded human voice in `<clips>/recorded/<lang>/<name>.wav`.
What changes at run time (a matter's name, a ticket number) is synthesised
when asked and kept in memory only: nothing personal is written to disk.

One utterance at a time: a new one interrupts what is playing (a tap speaks
now, not after the screen's prompt), `queue=True` appends instead (a guide's
sections). Outside voice mode only the kinds in `[voice] always` are spoken
(the card prompts and the ticket number)."""

from __future__ import annotations

import collections
import hashlib
import logging
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from common import speech
from common.speech import Audio, SpeechUnavailable
from drivers.audio import AudioOut
from kiosk.config import VoiceSection
from kiosk.i18n import Translator

log = logging.getLogger(__name__)
VOLUMES = (0.4, 0.7, 1.0)  # the volume button steps through these
TAP_THEN_SCREEN_S = 1.5
MEMORY_CLIPS = 400  # clips kept decoded; every catalog phrase in both languages fits


@dataclass(frozen=True)
class Spell:
    """A ticket or booking number, read one character at a time (A, 零, 零, 一)."""

    text: str


Part = str | Spell


@dataclass
class Utterance:
    parts: list[Part]
    kind: str
    lang: str
    generation: int
    asked_at: float = field(default_factory=time.perf_counter)

    @property
    def text(self) -> str:
        return " ".join(p.text if isinstance(p, Spell) else p for p in self.parts)


def clip_name(msgid: str) -> str:
    """A file name a person can find: the English id's words, shortened, with a
    hash when shortened, when punctuation would tell two ids apart, or when it
    starts in lower case (a fragment: "not enrolled" beside "Not enrolled")."""
    slug = re.sub(r"[^a-z0-9]+", "-", msgid.lower()).strip("-")
    if len(slug) > 48 or slug != msgid.lower().replace(" ", "-") or msgid[:1].islower():
        slug = f"{slug[:48].rstrip('-')}-{hashlib.sha1(msgid.encode()).hexdigest()[:6]}"
    return slug or hashlib.sha1(msgid.encode()).hexdigest()[:12]


class ClipLibrary:
    """Catalog phrases as clip files; anything else synthesised in memory."""

    def __init__(self, directory: Path, config: VoiceSection, translator: Translator, espeak: str | None = None):
        self.dir = directory
        self.config = config
        self.espeak = espeak or speech.espeak_binary()
        self._names: dict[str, dict[str, str]] = {}  # lang -> spoken text -> clip name
        for lang, language in (("zh", "zh_CN"), ("en", "en")):
            table = self._names[lang] = {}
            for msgid, text in translator.messages(language).items():
                if "{" not in msgid and text.strip():
                    table.setdefault(_normal(text), clip_name(msgid))
        self._memory: collections.OrderedDict[tuple[str, str], Audio] = collections.OrderedDict()
        self._lock = threading.Lock()

    def voice(self, lang: str, text: str) -> str:
        """Chinese text is read by the Chinese voice even in English mode (a matter's name)."""
        return self.config.voice_zh if lang == "zh" or speech.CJK.search(text) else self.config.voice_en

    def name_of(self, lang: str, text: str) -> str | None:
        """The clip of a catalog phrase as shown on screen, or None for run-time text."""
        return self._names[lang].get(_normal(text))

    def path(self, lang: str, name: str) -> Path:
        recorded = self.dir / "recorded" / lang / f"{name}.wav"
        return recorded if recorded.exists() else self.dir / lang / f"{name}.wav"

    def audio(self, lang: str, text: str) -> Audio:
        """One part: its clip (made now if missing), or synthesised for this once."""
        name = self.name_of(lang, text)
        key = (lang, name or text)
        with self._lock:
            if key in self._memory:
                self._memory.move_to_end(key)
                return self._memory[key]
        if name is None:
            audio = speech.synthesise(text, self.voice(lang, text), self.config.rate, self.espeak)
            cache = len(text) <= 4  # single letters and digits: spelled numbers come back often
        else:
            path = self.path(lang, name)
            if not path.exists():
                self._make(lang, name, text)
            audio = speech.conformed(speech.trimmed(speech.read_wav(path.read_bytes())))
            cache = True
        if cache:
            with self._lock:
                self._memory[key] = audio
                while len(self._memory) > MEMORY_CLIPS:
                    self._memory.popitem(last=False)
        return audio

    def _make(self, lang: str, name: str, text: str) -> Path:
        path = self.dir / lang / f"{name}.wav"
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{threading.get_ident()}.tmp")
        tmp.write_bytes(speech.synthesise(text, self.voice(lang, text), self.config.rate, self.espeak).wav())
        tmp.replace(path)
        return path

    def build(self, translator: Translator, progress: Callable[[int, int], None] | None = None) -> int:
        """Every catalog phrase in both languages; returns how many were made now.
        Writes `clips.tsv` (language, file, text) for a hall recording its own."""
        wanted: dict[tuple[str, str], str] = {}
        for lang, language in (("zh", "zh_CN"), ("en", "en")):
            for msgid, text in translator.messages(language).items():
                if "{" not in msgid and text.strip():
                    wanted.setdefault((lang, clip_name(msgid)), text)
        made = 0
        for done, ((lang, name), text) in enumerate(wanted.items(), 1):
            if not (self.dir / lang / f"{name}.wav").exists():
                self._make(lang, name, text)
                made += 1
            if progress:
                progress(done, len(wanted))
        lines = ["language\tfile\ttext"] + [
            f"{lang}\t{lang}/{name}.wav\t{_normal(text)}" for (lang, name), text in wanted.items()
        ]
        self.dir.mkdir(parents=True, exist_ok=True)
        (self.dir / "clips.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
        return made


def _normal(text: str) -> str:
    return " ".join(text.split())


class Voice:
    """What the screens call. Plain Python: the UI hands it text; a worker
    thread makes the audio and plays it through the `AudioOut`."""

    def __init__(self, config: VoiceSection, clips: ClipLibrary, audio: AudioOut, translator: Translator):
        self.config = config
        self.clips = clips
        self.audio = audio
        self.translator = translator
        self.guidance = config.guidance  # voice mode, for this session
        self.volume = config.volume
        self.first_sound_s: collections.deque[tuple[str, float]] = collections.deque(maxlen=200)
        self._queue: collections.deque[Utterance] = collections.deque()
        self._generation = 0
        self._cond = threading.Condition()
        self._stopping = False
        self._last_tap_at = -1e9
        self._tmp: Path | None = None  # made with the worker, on the first utterance
        self._thread: threading.Thread | None = None

    # -- what screens ask ------------------------------------------------------
    def wants(self, kind: str) -> bool:
        """Voice mode speaks everything; otherwise the kinds in `[voice] always`,
        and a guide read aloud (the citizen asked for it)."""
        return self.guidance or kind == "read" or kind in self.config.always

    def say(self, parts: Iterable[Part], kind: str = "screen", *, queue: bool = False) -> bool:
        """Speak `parts` (screen texts, Spell numbers); False when this kind is not spoken now."""
        parts = [p for p in parts if (p.text if isinstance(p, Spell) else str(p)).strip()]
        if not parts or not self.wants(kind):
            return False
        lang = "zh" if self.translator.language == "zh_CN" else "en"
        now = time.monotonic()
        # the screen a tap opened is read after the tap's label, not over it
        queue = queue or (kind in ("screen", "card", "ticket") and now - self._last_tap_at < TAP_THEN_SCREEN_S)
        if kind == "tap":
            self._last_tap_at = now
        with self._cond:
            if not queue:
                self._generation += 1
                self._queue.clear()
                self.audio.stop()
            self._queue.append(Utterance(parts, kind, lang, self._generation))
            self._cond.notify_all()
            if self._thread is None:
                self._tmp = Path(tempfile.mkdtemp(prefix="kiosk-voice-", dir=_ram_dir()))
                self._thread = threading.Thread(target=self._run, args=(self._tmp,), name="voice", daemon=True)
                self._thread.start()
        return True

    def silence(self) -> None:
        """Stop speaking and forget what was waiting (the session ended, a new screen)."""
        with self._cond:
            self._generation += 1
            self._queue.clear()
            self.audio.stop()
            self._cond.notify_all()

    def set_guidance(self, on: bool) -> None:
        self.guidance = on
        if not on:
            self.silence()

    def next_volume(self) -> float:
        louder = [v for v in VOLUMES if v > self.volume + 0.01]
        self.volume = louder[0] if louder else VOLUMES[0]
        return self.volume

    def reset(self) -> None:
        """A new citizen: the configured mode and volume, nothing left to say."""
        self.silence()
        self.guidance = self.config.guidance
        self.volume = self.config.volume

    def speaking(self) -> bool:
        with self._cond:
            return bool(self._queue) or self.audio.playing()

    def close(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        self.audio.stop()
        if self._thread is not None:
            self._thread.join(timeout=2)
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)

    # -- the worker -------------------------------------------------------------
    def _run(self, tmp: Path) -> None:
        previous: Path | None = None
        while True:
            with self._cond:
                while not self._queue and not self._stopping:
                    self._cond.wait()
                if self._stopping:
                    return
                utterance = self._queue.popleft()
            try:
                audio = speech.joined([self._part(utterance.lang, p) for p in utterance.parts])
            except (SpeechUnavailable, OSError, ValueError) as exc:
                log.warning("voice: cannot say a %s phrase: %s", utterance.kind, exc)
                continue
            except Exception:  # a broken clip file must not stop the voice for the day
                log.exception("voice: making a %s phrase failed", utterance.kind)
                continue
            path = tmp / f"u{utterance.generation}-{time.monotonic_ns()}.wav"
            path.write_bytes(audio.wav())
            with self._cond:
                if utterance.generation != self._generation:  # interrupted while it was being made
                    path.unlink(missing_ok=True)
                    continue
                seconds = self.audio.play(path, utterance.text, self.volume)
            self.first_sound_s.append((utterance.kind, time.perf_counter() - utterance.asked_at))
            if previous is not None:
                previous.unlink(missing_ok=True)
            previous = path
            ceiling = time.monotonic() + seconds + 1.0  # a speaker that never says it is done
            with self._cond:
                while (
                    not self._stopping
                    and utterance.generation == self._generation
                    and self.audio.playing()
                    and time.monotonic() < ceiling
                ):
                    self._cond.wait(timeout=0.02)

    def _part(self, lang: str, part: Part) -> Audio:
        if isinstance(part, Spell):
            return speech.joined([self.clips.audio(lang, c) for c in speech.spelled(part.text, lang)], gap_s=0.04)
        return self.clips.audio(lang, part)


def _ram_dir() -> str | None:
    """Utterance files live in RAM where there is a tmpfs (they are short-lived)."""
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() else None
