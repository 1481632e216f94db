"""Drive the real app without a display: build it, advance frames, tap
widgets, take screenshots. Used by `kiosk snapshot`, the UI tests and
bench/startup.py, so all three exercise exactly what a citizen touches."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.config import KioskConfig
from kiosk.services import KioskServices, build_services
from kiosk.ui import boot

if TYPE_CHECKING:
    from kiosk.ui.app import KioskApp


def _skip(*_) -> bool:
    """Bound to the window's on_draw and on_flip: stops the default handler, so
    no frame is rasterised (layout, text textures and touches are unchanged)."""
    return True


def _save_frame(out: Path) -> str:
    """The frame just drawn, as a PNG. Read as RGBA: rows of 1366 RGB pixels are
    not a multiple of 4 bytes, and SDL's writer then shears the picture."""
    from kivy.core.window import Window
    from kivy.graphics.opengl import GL_RGBA, GL_UNSIGNED_BYTE, glReadPixels
    from PIL import Image

    width, height = Window.size
    data = glReadPixels(0, 0, width, height, GL_RGBA, GL_UNSIGNED_BYTE)
    image = Image.frombytes("RGBA", (width, height), data).transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    image.convert("RGB").save(out)
    return str(out)


class OffscreenKiosk:
    def __init__(
        self,
        config: KioskConfig,
        *,
        services: KioskServices | None = None,
        size: tuple[int, int] | None = None,
        start_services: bool = False,
        draw: bool = True,
    ):
        self.config = config
        self.size = size
        self.services = services or build_services(config)
        self.start_services = start_services
        self.draw = draw
        self._app: KioskApp | None = None
        self.first_frame_s: float | None = None

    def __enter__(self) -> OffscreenKiosk:
        t0 = time.perf_counter()
        boot.prepare(self.config, offscreen=True, size=self.size)
        from kivy.base import EventLoop
        from kivy.core.window import Window

        from kiosk.ui.app import KioskApp

        if self.size and tuple(Window.size) != tuple(self.size):
            Window.size = self.size
        Window.register()
        Window.initialized = True
        Window.close = lambda *a: None  # the harness owns the window's life
        for child in Window.children[:]:
            Window.remove_widget(child)
        EventLoop.touches.clear()
        if not self.draw:
            Window.bind(on_draw=_skip, on_flip=_skip)
        app = self._app = KioskApp(self.services, start_services=self.start_services)
        app._run_prepare()
        self.advance(2)
        self.first_frame_s = time.perf_counter() - t0
        return self

    def __exit__(self, *exc) -> None:
        from kivy.app import App
        from kivy.clock import Clock
        from kivy.core.window import Window

        self.app.dispatch("on_stop")
        for event in Clock.get_events():
            event.cancel()
        for child in Window.children[:]:
            Window.remove_widget(child)
        Window.unbind(on_touch_down=self.app._on_any_touch)
        Window.unbind(on_request_close=self.app._on_request_close)
        Window.unbind(size=self.app._fit_theme)
        from kivy.uix.recycleview import views

        # Kivy keeps list rows for reuse process-wide: rows bound to this app's theme
        # must not turn up in the next app's lists
        views._cached_views.clear()
        views._cache_count = 0
        Window.unbind(on_draw=_skip, on_flip=_skip)
        App._running_app = None

    @property
    def app(self) -> KioskApp:
        if self._app is None:
            raise RuntimeError("use OffscreenKiosk as a context manager: the app starts in __enter__")
        return self._app

    # -- driving -------------------------------------------------------------
    def advance(self, frames: int = 2) -> None:
        from kivy.base import EventLoop

        for _ in range(frames):
            EventLoop.idle()

    def wait(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.advance(1)
            time.sleep(0.01)

    def wait_until(self, check, seconds: float = 20.0) -> None:
        """Run frames until `check()` holds (work on threads reports back via Clock).
        `seconds` is a ceiling for a loaded machine, not a guess at how long it takes."""
        end = time.monotonic() + seconds
        while not check():
            if time.monotonic() > end:
                raise AssertionError(f"condition not reached within {seconds} s")
            self.wait(0.02)

    def tap(self, widget, frames: int = 3) -> None:
        """A real touch at the widget's centre, through Kivy's input pipeline."""
        from kivy.tests.common import UnitTestTouch

        self.settle(widget)  # a person taps what has stopped moving...
        point = self.visible_point(widget)  # ...and the part of it that shows
        if point is None:
            raise AssertionError(f"{type(widget).__name__} {getattr(widget, 'text', '')!r} is not on screen")
        x, y = point

        touch = UnitTestTouch(x, y)
        touch.touch_down()
        self.advance(1)
        touch.touch_up()
        self.advance(frames)

    def handwrite(self, widget, strokes, frames: int = 2) -> None:
        """Strokes drawn with a finger on `widget`, through Kivy's input pipeline:
        each a list of (x, y) in 0..1 of its box, y downwards (as written)."""
        from kivy.tests.common import UnitTestTouch

        self.settle(widget)
        x0, y0 = widget.to_window(widget.x, widget.y)
        for stroke in strokes:
            points = [(x0 + fx * widget.width, y0 + (1 - fy) * widget.height) for fx, fy in stroke]
            touch = UnitTestTouch(*points[0])
            touch.touch_down()
            for x, y in points[1:]:
                self.advance(1)
                touch.touch_move(x, y)
            self.advance(1)
            touch.touch_up()
            self.advance(frames)

    def settle(self, widget, max_frames: int = 120) -> tuple[float, float]:
        """Run frames until the widget's place on the window is the same two frames running
        (a layout that just changed has finished moving), and return its centre."""
        self.advance(2)
        where = widget.to_window(*widget.center)
        for _ in range(max_frames):
            self.advance(1)
            now = widget.to_window(*widget.center)
            if now == where:
                return now
            where = now
        return where

    def visible_point(self, widget) -> tuple[float, float] | None:
        """The centre of the part of `widget` a person can see (inside the window and every
        scrolling list around it), or None when none of it shows."""
        from kivy.core.window import Window
        from kivy.uix.scrollview import ScrollView

        x0, y0 = widget.to_window(widget.x, widget.y)
        x1, y1 = x0 + widget.width, y0 + widget.height
        x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, Window.width), min(y1, Window.height)
        parent = widget.parent
        hidden = widget.opacity <= 0  # a transparent parent hides its children too (Kivy multiplies opacity)
        while parent is not None and parent is not parent.parent:
            if isinstance(parent, ScrollView):
                cx, cy = parent.to_window(parent.x, parent.y)
                x0, y0, x1, y1 = max(x0, cx), max(y0, cy), min(x1, cx + parent.width), min(y1, cy + parent.height)
            hidden = hidden or parent.opacity <= 0
            parent = parent.parent
        if x1 - x0 < 2 or y1 - y0 < 2 or hidden:
            return None
        return (x0 + x1) / 2, (y0 + y1) / 2

    def visible_texts(self) -> list:
        """Every widget showing text a person can see now: on screen, not transparent, not
        scrolled out of view (popups included, topmost first)."""
        from kivy.core.window import Window
        from kivy.uix.scrollview import ScrollView

        found = []

        def seen(widget, clips) -> None:
            if widget.opacity <= 0 or widget.width <= 0 or widget.height <= 0:
                return
            if isinstance(getattr(widget, "text", None), str) and widget.text.strip():
                x, y = widget.to_window(*widget.center)
                inside = 0 <= x <= Window.width and 0 <= y <= Window.height
                if inside and all(cx <= x <= cx + cw and cy <= y <= cy + ch for cx, cy, cw, ch in clips):
                    found.append(widget)
            if isinstance(widget, ScrollView):
                clips = [*clips, (*widget.to_window(*widget.pos), widget.width, widget.height)]
            for child in widget.children:
                seen(child, clips)

        for root in Window.children:
            seen(root, [])
        return found

    def find(self, text: str, *, exact: bool = True, nth: int | None = None):
        """The visible widget whose text is `text` (or contains it), as a person finds it by reading."""
        matches = [w for w in self.visible_texts() if (w.text == text if exact else text in w.text)]
        if not matches:
            shown = sorted({w.text.replace("\n", " ")[:30] for w in self.visible_texts()})
            raise AssertionError(f"nothing visible reads {text!r}; on screen: {shown}")
        if nth is None and len(matches) > 1:
            raise AssertionError(f"{len(matches)} visible widgets read {text!r}; pass nth=")
        return matches[nth or 0]

    def tap_text(self, text: str, *, exact: bool = True, nth: int | None = None, frames: int = 3) -> None:
        """Tap what reads `text`: a row, a tile, a button, a key."""
        self.advance(2)
        self.tap(self.find(text, exact=exact, nth=nth), frames=frames)

    def screen(self, name: str | None = None):
        return self.app.screen(name or self.app.current_screen)

    @property
    def shell(self):
        return self.app.shell

    def screenshot(self, out: Path) -> Path:
        from kivy.core.window import Window

        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        taken: list[str] = []

        def grab(*_):
            taken.append(_save_frame(out))

        Window.unbind(on_draw=_skip, on_flip=_skip)
        Window.bind(on_flip=grab)
        try:
            for _ in range(10):
                Window.canvas.ask_update()
                self.advance(1)
                if taken:
                    break
        finally:
            Window.unbind(on_flip=grab)
            if not self.draw:
                Window.bind(on_draw=_skip, on_flip=_skip)
        if not taken or not taken[0]:
            raise RuntimeError("no frame was drawn; is the window offscreen-capable?")
        return out
