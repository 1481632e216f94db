"""Voice guidance: from a tap to the first sound (budgets: p95 <= 150 ms for a
catalog phrase from its clip, <= 400 ms for speech assembled at run time: a
ticket number spelled out around a matter's name espeak-ng has to make).

The real path: `Voice.say()` on the calling thread, the voice worker making the
audio, SDL (SDL_mixer through Kivy, on SDL's disk audio driver here: no sound
card) starting to play on a UI thread that ticks Kivy's Clock at 60 frames a
second. The clock stops when SDL's `play()` returns. Baseline in the same run:
the same catalog phrases with no clip (made by espeak-ng when asked).

    python bench/voice.py [--taps 200]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _common import machine, percentile

CLIP_BUDGET_MS = 150
DYNAMIC_BUDGET_MS = 400
MATTERS = (
    "居民身份证换领",
    "城乡居民基本养老保险参保登记",
    "不动产登记资料查询",
    "个人住房公积金提取",
    "新生儿出生登记",
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--taps", type=int, default=200)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-voice-"))
    os.environ.update(SDL_AUDIODRIVER="disk", SDL_DISKAUDIOFILE=str(work / "speaker.raw"), KIVY_NO_ARGS="1")
    os.environ.setdefault("KIVY_HOME", str(work / "kivy"))
    os.environ["KIVY_LOG_MODE"] = "PYTHON"

    from kivy.clock import Clock

    from kiosk.config import VoiceSection
    from kiosk.i18n import Translator
    from kiosk.ui.audio import SdlAudio
    from kiosk.voice import ClipLibrary, Spell, Voice

    class TimedSdl(SdlAudio):
        """The SDL output, noting when each sound starts (on the UI thread)."""

        def __init__(self) -> None:
            super().__init__()
            self.started: list[float] = []

        def _start(self, wav, volume):
            super()._start(wav, volume)
            self.started.append(time.perf_counter())

    translator = Translator("zh_CN")
    phrases = [t for m, t in translator.messages("zh_CN").items() if "{" not in m and 2 <= len(t) <= 16][:60]
    config = VoiceSection(guidance=True)

    def run(clips_dir: Path, build: bool, utterances) -> list[float]:
        library = ClipLibrary(clips_dir, config, translator)
        if build:
            library.build(translator)
        audio = TimedSdl()
        voice = Voice(config, library, audio, translator)
        waits = []
        for parts in utterances:
            before = len(audio.started)
            asked = time.perf_counter()
            voice.say(parts, "tap")
            deadline = asked + 5
            while len(audio.started) == before and time.perf_counter() < deadline:
                Clock.tick()  # the UI thread's frame
                time.sleep(1 / 60)
            if len(audio.started) > before:
                waits.append((audio.started[-1] - asked) * 1000)
            voice.silence()
        voice.close()
        return waits

    rng = random.Random(7)
    taps = [[rng.choice(phrases)] for _ in range(args.taps)]
    numbers = [f"{rng.choice('ABCDE')}{rng.randrange(1, 999):03d}" for _ in range(args.taps // 2)]
    dynamic = [["您的号码", Spell(n), rng.choice(MATTERS)] for n in numbers]

    t0 = time.perf_counter()
    clips = run(work / "built", True, taps)
    built_s = time.perf_counter() - t0
    assembled = run(work / "built", False, dynamic)
    cold = run(work / "empty", False, [[p] for p in phrases])  # baseline: no clips, each made when asked

    def figures(name, waits):
        print(
            f"{name:<34} n={len(waits):4d}  p50 {percentile(waits, 50):6.1f} ms  "
            f"p95 {percentile(waits, 95):6.1f} ms  max {max(waits):6.1f} ms"
        )
        return {"n": len(waits), "p50_ms": percentile(waits, 50), "p95_ms": percentile(waits, 95)}

    print(machine())
    print(f"clips built in {built_s:.1f} s (tap timing included)")
    result = {
        "machine": machine(),
        "catalog_phrase_from_clip": figures("catalog phrase, from its clip", clips),
        "assembled_at_run_time": figures("number + matter name, assembled", assembled),
        "baseline_phrase_without_clip": figures("baseline: phrase without a clip", cold),
    }
    result["clip_within_budget"] = result["catalog_phrase_from_clip"]["p95_ms"] <= CLIP_BUDGET_MS
    result["assembled_within_budget"] = result["assembled_at_run_time"]["p95_ms"] <= DYNAMIC_BUDGET_MS
    print(f"budgets: clip p95 <= {CLIP_BUDGET_MS} ms, assembled p95 <= {DYNAMIC_BUDGET_MS} ms")
    print(json.dumps(result))
    return 0 if result["clip_within_budget"] and result["assembled_within_budget"] else 1


if __name__ == "__main__":
    sys.exit(main())
