"""`kiosk snapshot` renders a real frame of the requested size."""

import pytest
from conftest import run_cli, write_kiosk_config

pytestmark = pytest.mark.ui


def test_snapshot_writes_landscape_png(tmp_path):
    out = tmp_path / "home.png"
    cfg = write_kiosk_config(tmp_path)
    result = run_cli(
        "kiosk",
        "--config",
        str(cfg),
        "snapshot",
        "home",
        str(out),
        "--size",
        "1920x1080",
        "--lang",
        "en",
        "--large-text",
        env={"SDL_VIDEODRIVER": "offscreen"},
    )
    assert result.returncode == 0, result.stderr

    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1920, 1080)
    assert len(data) > 20_000  # a rendered screen, not a blank frame


def test_snapshot_rejects_unknown_screen(tmp_path):
    result = run_cli(
        "kiosk", "--config", str(write_kiosk_config(tmp_path)), "snapshot", "nope", str(tmp_path / "x.png")
    )
    assert result.returncode == 2 and "unknown screen 'nope'" in result.stderr
