"""Kivy reads its environment and window settings once, at first import: set
them here, before anything imports kivy."""

from __future__ import annotations

import os
from pathlib import Path

from kiosk.config import KioskConfig


def has_display() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def prepare(
    config: KioskConfig, *, offscreen: bool, size: tuple[int, int] | None = None, kivy_home: Path | None = None
) -> None:
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")  # Kivy logs go through our logging setup
    os.environ.setdefault("KIVY_NO_FILELOG", "1")
    home = kivy_home or (config.data_dir / "kivy")
    home.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("KIVY_HOME", str(home))
    if offscreen:
        os.environ["SDL_VIDEODRIVER"] = "offscreen"
    from kivy.config import Config

    width, height = size or config.ui.window_size
    Config.set("graphics", "width", str(width))
    Config.set("graphics", "height", str(height))
    Config.set("graphics", "fullscreen", "auto" if config.ui.fullscreen and not offscreen else "0")
    Config.set("graphics", "resizable", "0" if config.ui.fullscreen else "1")
    Config.set("kivy", "exit_on_escape", "0")
    Config.set("input", "mouse", "mouse,multitouch_on_demand")
    if offscreen:
        for name, _ in Config.items("input"):
            Config.remove_option("input", name)
