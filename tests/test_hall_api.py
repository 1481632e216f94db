"""The display board's data, its spoken announcements and the manager's
figures, over real HTTP; and the voice clips made with espeak-ng."""

from __future__ import annotations

import io
import uuid
import wave

import pytest
import requests
from conftest import Central, add_staff, enrolled_client, login, run_cli

from central.config import DisplaySection
from central.voice import Piece, VoiceClips, pieces
from common.tickets import TicketRequest

pytestmark = pytest.mark.central
CUSTOM = (
    '[display]\nannounce_zh = "{number}号请到{counter}号窗口"\nannounce_en = "Ticket {number}, counter {counter}"\n'
)


@pytest.fixture
def hall(tmp_path):
    server = Central(tmp_path / "c", extra=CUSTOM)
    server.start()
    add_staff(server, "alice")
    add_staff(server, "mona", "manager")
    kiosk = enrolled_client(server, "k", tmp_path / "k")
    yield server, kiosk
    server.stop()


def wav_seconds(data: bytes) -> float:
    with wave.open(io.BytesIO(data)) as w:
        return w.getnframes() / w.getframerate()


def test_announcement_audio_follows_the_template(hall):
    central, _ = hall
    zh = requests.get(f"{central.url}/api/v1/announcements/zh.wav", params={"number": "A012", "counter": 3}, timeout=10)
    assert zh.status_code == 200 and zh.headers["content-type"] == "audio/wav"
    assert 1.0 < wav_seconds(zh.content) < 15
    longer = requests.get(
        f"{central.url}/api/v1/announcements/zh.wav", params={"number": "A0123", "counter": 3}, timeout=10
    )
    assert wav_seconds(longer.content) > wav_seconds(zh.content)  # one more digit spoken
    for params, status, code in (
        ({"number": "<script>", "counter": 3}, 422, "bad_number"),
        ({"number": "A012", "counter": 99}, 404, "unknown_counter"),
    ):
        r = requests.get(f"{central.url}/api/v1/announcements/zh.wav", params=params, timeout=5)
        assert r.status_code == status and r.json()["error"]["code"] == code
    assert requests.get(f"{central.url}/api/v1/announcements/fr.wav?number=A012", timeout=5).status_code == 404


def test_calls_use_the_configured_templates_and_the_board_hides_staff(hall):
    central, kiosk = hall
    ticket = kiosk.take_ticket(TicketRequest(request_id=uuid.uuid4().hex, type="B"))
    alice = login(central, "alice", 3)
    call = alice.post(f"{central.url}/api/v1/counters/3/call-next", timeout=5).json()["called"]
    assert call["announcement_zh"] == f"{ticket.number}号请到3号窗口"
    assert call["announcement_en"] == f"Ticket {ticket.number}, counter 3"
    alice.post(f"{central.url}/api/v1/counters/3/recall", timeout=5).raise_for_status()
    board = requests.get(f"{central.url}/api/v1/hall", timeout=5).json()
    assert [c["number"] for c in board["latest_calls"]] == [ticket.number]  # a recall is not listed twice
    three = next(c for c in board["counters"] if c["number"] == 3)
    assert three["current"]["number"] == ticket.number and "staff" not in three
    assert next(w for w in board["waiting"] if w["type"] == "B")["waiting"] == 0
    assert board["last_event_id"] >= 2


def test_todays_figures_are_for_managers_only(hall):
    central, kiosk = hall
    kiosk.take_ticket(TicketRequest(request_id=uuid.uuid4().hex, type="C"))
    assert requests.get(f"{central.url}/api/v1/hall/today", timeout=5).status_code == 401
    refused = login(central, "alice", 5).get(f"{central.url}/api/v1/hall/today", timeout=5)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "managers_only"
    today = login(central, "mona").get(f"{central.url}/api/v1/hall/today", timeout=5).json()
    c = next(t for t in today["types"] if t["type"] == "C")
    assert (c["issued"], c["waiting"], c["served"], c["avg_wait_min"]) == (1, 1, 0, None)
    assert next(k for k in today["counters"] if k["number"] == 5)["staff"] is None


def test_counter_status_is_for_its_own_staff(hall):
    central, _ = hall
    alice = login(central, "alice", 3)
    assert alice.get(f"{central.url}/api/v1/counters/3", timeout=5).json()["current"] is None
    other = alice.get(f"{central.url}/api/v1/counters/4", timeout=5)
    assert other.status_code == 403 and other.json()["error"]["code"] == "not_your_counter"


def test_voice_build_makes_every_clip_once(tmp_path):
    central = Central(tmp_path / "c")
    first = central.cli("voice", "build")
    assert first.returncode == 0, first.stderr
    made = int(first.stdout.split(":")[1].split()[0])
    assert made > 40  # letters, digits, counters and template words in two languages
    again = central.cli("voice", "build")
    assert again.returncode == 0 and ": 0 made" in again.stdout


def test_clip_pieces_and_a_missing_espeak(tmp_path):
    display = DisplaySection()
    assert [p.text for p in pieces(display.announce_zh, "zh", "A012", 12)] == [
        "请",
        "A",
        "零",
        "一",
        "二",
        "号到",
        "12",
        "号窗口办理",
    ]
    assert [p.text for p in pieces(display.announce_en, "en", "B7", 3)] == [
        "Number",
        "B",
        "seven",
        "please go to counter",
        "3",
    ]
    silent = VoiceClips(tmp_path, display, espeak="")
    silent.espeak = None
    with pytest.raises(Exception, match="espeak-ng is not installed"):
        silent.clip(Piece("zh", "请"))


def test_bad_announcement_template_is_a_config_error(tmp_path):
    bad = tmp_path / "central.toml"
    bad.write_text('[display]\nannounce_zh = "请{name}到窗口"\n')
    result = run_cli("kiosk-central", "--config", str(bad), "config", "check")
    assert result.returncode == 2 and "announce_zh" in result.stderr and "{number}" in result.stderr
