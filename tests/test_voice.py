"""Voice guidance below the UI: clips made by the real espeak-ng and named
after their message ids, a hall's recorded clip used instead, one utterance at
a time (a new one interrupts, a guide queues), the kinds spoken outside voice
mode, and an utterance played through SDL's disk audio driver."""

from __future__ import annotations

import itertools
import subprocess
import sys
import wave
from array import array
from pathlib import Path

import pytest
from conftest import REPO, run_cli, write_kiosk_config

from common import speech
from drivers.audio.recording import RecordingAudio
from kiosk.config import VoiceSection
from kiosk.i18n import Translator
from kiosk.voice import ClipLibrary, Spell, Voice, clip_name
from peers.events import wait_until

pytestmark = pytest.mark.skipif(speech.espeak_binary() is None, reason="needs espeak-ng")


def voice(tmp_path: Path, speed: float = 20.0, **options) -> tuple[Voice, RecordingAudio, Translator]:
    translator = Translator("zh_CN")
    config = VoiceSection(**options)
    audio = RecordingAudio(speed=speed)
    return Voice(config, ClipLibrary(tmp_path / "voice", config, translator), audio, translator), audio, translator


def finished(v: Voice, audio: RecordingAudio, count: int) -> list:
    wait_until(lambda: len(audio.spoken) >= count and not v.speaking(), timeout=20, what=f"{count} utterances")
    return audio.spoken


def never_overlapping(spoken) -> None:
    for before, after in itertools.pairwise(spoken):
        assert before.ended <= after.started, f"{after.text!r} began while {before.text!r} played"


def test_phrases_are_clips_named_after_their_ids_and_the_rest_is_made_at_run_time(tmp_path):
    v, audio, _ = voice(tmp_path, guidance=True)
    try:
        v.say(["请取走您的身份证"], "screen")
        spoken = finished(v, audio, 1)
        clip = tmp_path / "voice" / "zh" / f"{clip_name('Please take your ID card')}.wav"
        assert clip.exists() and clip.name == "please-take-your-id-card.wav"
        assert spoken[0].text == "请取走您的身份证" and 0.8 < spoken[0].seconds < 4

        v.say(["居民身份证换领", Spell("A012")], "screen")  # a matter's name: not in the catalog
        spoken = finished(v, audio, 2)
        assert sorted(p.name for p in (tmp_path / "voice" / "zh").iterdir()) == [clip.name]  # nothing else on disk
        assert spoken[1].text == "居民身份证换领 A012" and spoken[1].seconds > spoken[0].seconds
    finally:
        v.close()


def test_a_recorded_clip_replaces_the_made_one(tmp_path):
    v, audio, _ = voice(tmp_path, guidance=True)
    recorded = tmp_path / "voice" / "recorded" / "zh" / "please-take-your-id-card.wav"
    recorded.parent.mkdir(parents=True)
    with wave.open(str(recorded), "wb") as w:  # a studio file: 44.1 kHz stereo, 2.5 s of a tone
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(44100)
        w.writeframes(array("h", [8000, 8000, -8000, -8000] * 55125).tobytes())
    try:
        v.say(["请取走您的身份证"], "screen")
        spoken = finished(v, audio, 1)
        assert abs(spoken[0].seconds - 2.5) < 0.05  # the recorded length, converted to the clips' format
        assert not (tmp_path / "voice" / "zh").exists()  # no clip made for it
    finally:
        v.close()


def test_one_at_a_time_a_new_one_interrupts_and_a_guide_queues(tmp_path):
    v, audio, _ = voice(tmp_path, speed=2.0, guidance=True)
    try:
        v.say(["欢迎使用自助服务终端，请选择您要办理的业务"], "screen")
        wait_until(lambda: audio.spoken, timeout=10, what="the first utterance")
        v.say(["取号"], "tap")  # a tap speaks now
        v.say(["第一句。"], "read")  # and the guide read aloud, asked for after it, interrupts the tap
        for sentence in ("第二句。", "第三句。"):
            v.say([sentence], "read", queue=True)
        spoken = finished(v, audio, 4)
        assert spoken[0].text.startswith("欢迎") and [s.text for s in spoken][1:-3] in ([], ["取号"])
        assert spoken[0].stopped_at is not None  # cut short
        assert [s.text for s in spoken][-3:] == ["第一句。", "第二句。", "第三句。"]
        never_overlapping(spoken)
    finally:
        v.close()


def test_outside_voice_mode_only_the_card_prompts_the_number_and_a_guide_asked_for(tmp_path):
    v, audio, _ = voice(tmp_path)
    try:
        assert not v.say(["取号"], "tap") and not v.say(["请选择业务"], "screen") and not v.say(["出错了"], "error")
        assert v.say(["请将身份证放在读卡区"], "card") and v.say(["您的号码", Spell("B003")], "ticket", queue=True)
        assert v.say(["办理时限"], "read", queue=True)
        spoken = finished(v, audio, 3)
        assert [s.text for s in spoken] == ["请将身份证放在读卡区", "您的号码 B003", "办理时限"]
        v.set_guidance(True)
        assert v.say(["取号"], "tap") and v.next_volume() == 1.0
        assert finished(v, audio, 4)[-1].volume == 1.0
        v.reset()  # the next citizen
        assert not v.guidance and v.volume == 0.7 and not v.say(["取号"], "tap")
    finally:
        v.close()


def test_without_espeak_the_kiosk_goes_on_silently(tmp_path, caplog):
    translator = Translator("zh_CN")
    config = VoiceSection(guidance=True)
    audio = RecordingAudio()
    v = Voice(
        config, ClipLibrary(tmp_path / "voice", config, translator, espeak="/nonexistent/espeak-ng"), audio, translator
    )
    try:
        v.say(["取号"], "tap")
        wait_until(lambda: "cannot say" in caplog.text, timeout=10, what="the warning")
        assert audio.spoken == []
    finally:
        v.close()


def test_voice_build_makes_every_phrase_once_and_lists_them(tmp_path):
    cfg = write_kiosk_config(tmp_path)
    first = run_cli("kiosk", "--config", str(cfg), "voice", "build")
    assert first.returncode == 0, first.stderr
    made = int(first.stdout.split()[0])
    lines = (tmp_path / "kiosk-data" / "voice" / "clips.tsv").read_text(encoding="utf-8").splitlines()
    assert made == len(lines) - 1 > 500
    assert "zh\tzh/please-take-your-id-card.wav\t请取走您的身份证" in lines
    assert "en\ten/please-take-your-id-card.wav\tPlease take your ID card" in lines
    again = run_cli("kiosk", "--config", str(cfg), "voice", "build")
    assert again.returncode == 0 and again.stdout.startswith("0 clip(s) made")


PLAY = """
import sys, time, wave
from pathlib import Path
from kivy.clock import Clock
from kiosk.ui.audio import SdlAudio
audio = SdlAudio()
seconds = audio.play(Path(sys.argv[1]), "test", 1.0)
end = time.monotonic() + seconds + 1.0
while time.monotonic() < end:
    Clock.tick()
    time.sleep(0.01)
print(seconds)
"""


def test_an_utterance_plays_through_sdl(tmp_path):
    """SDL's disk audio driver writes what the speaker would play to a file."""
    clip = tmp_path / "clip.wav"
    clip.write_bytes(speech.synthesise("请取走您的身份证", "cmn", 150).wav())
    out = tmp_path / "speaker.raw"
    env = {
        "SDL_AUDIODRIVER": "disk",
        "SDL_DISKAUDIOFILE": str(out),
        "KIVY_NO_ARGS": "1",
        "KIVY_HOME": str(tmp_path / "kivy"),
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(REPO),
    }
    result = subprocess.run(
        [sys.executable, "-c", PLAY, str(clip)], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr[-2000:]
    samples = array("h", out.read_bytes()[: len(out.read_bytes()) // 2 * 2])
    assert samples and max(abs(s) for s in samples) > 2000  # speech reached the speaker, not silence
