"""KioskApp: the only place that knows the Kivy App. Core objects come in
through the constructor (built by kiosk.services); screens get a navigator,
never the App itself."""

from __future__ import annotations

import importlib
import logging
import signal
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.lang import Builder, global_idmap
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.screenmanager import NoTransition, Screen

from common import sd_notify
from kiosk.cards import CardStatusChanged
from kiosk.events import CatalogUpdated, ModeChanged, NetworkStatus, SessionEnded
from kiosk.i18n import N_
from kiosk.services import KioskServices
from kiosk.ui import fonts
from kiosk.ui.screens import SCREENS
from kiosk.ui.theme import Theme, palette, restyling
from kiosk.ui.tr import KvTranslator

if TYPE_CHECKING:
    from kiosk.ui.widgets.shell import HelpCalled, IdleWarning, Shell, TakeCardPrompt

log = logging.getLogger(__name__)
UI_DIR = Path(__file__).parent
IDLE_TICK_S = 0.25
MODE_CHECK_S = 30.0  # opening hours are checked this often
CORNER_PX = 120  # the maintenance gesture: taps in the top-left corner...
CORNER_TAPS, CORNER_WINDOW_S = 5, 3.0  # ...this many, within this long
ALWAYS_ALLOWED = ("maintenance", "out_of_service")
SPEAK_AFTER_S = 0.12  # a screen is read once its layout has settled
SPOKEN_STATE = ("state", "message", "headline", "heading", "print_message", "empty_text")  # re-read on change
SILENT_SCREENS = ("maintenance",)  # a technician's PIN is never read out
TAKE_CARD_EVERY_S = 8.0  # 请取走您的身份证, again, until the card is taken
VOLUME_NAMES = {0.4: N_("Quiet"), 0.7: N_("Medium"), 1.0: N_("Loud")}
READING_SCREENS = ("guides", "matter", "certificates", "cases")  # given [ui] idle_reading_s


class KioskApp(App):
    lang = StringProperty("zh_CN")
    large_text = BooleanProperty(False)
    high_contrast = BooleanProperty(False)  # 高对比度, switched in the header like large text
    hall_name = StringProperty("")
    mode = StringProperty("normal")  # normal, after_hours, maintenance
    voice_on = BooleanProperty(False)  # 语音引导, switched from the home screen
    volume = StringProperty("")  # the volume button's label
    theme = ObjectProperty(None)
    title = "Service hall kiosk"

    def __init__(
        self, services: KioskServices, *, capture_dir: Path | None = None, start_services: bool = True, **kwargs
    ):
        super().__init__(**kwargs)
        self.start_services = start_services  # False: a harness drives the screens without workers
        self.services = services
        self.capture_dir = capture_dir
        self.theme = Theme()
        self.tr = KvTranslator(services.translator)
        self._screens: dict[str, Screen] = {}
        self._idle_warning: IdleWarning | None = None
        self._help_called: HelpCalled | None = None
        self._take_card: TakeCardPrompt | None = None  # the 请取走您的身份证 prompt, made when first needed
        self._capture_pending: str | None = None
        self._corner_taps: list[float] = []
        self._shell: Shell | None = None
        self._speak_screen_soon = Clock.create_trigger(self._speak_screen, SPEAK_AFTER_S)
        self._take_card_repeat = None
        services.translator.on_change(self._language_changed)
        self.lang = services.translator.language

    # -- lifecycle ---------------------------------------------------------
    def build(self):
        cfg = self.services.config
        cache = cfg.data_dir / "cache" / "fonts"
        regular = fonts.resolve("regular", cfg.ui.font, cache)
        bold = fonts.resolve("bold", cfg.ui.font_bold, cache) if not cfg.ui.font or cfg.ui.font_bold else None
        fonts.register(regular, bold)
        global_idmap["tr"] = self.tr
        from kiosk.ui.widgets import controls, keyboard, qr  # noqa: F401  (registers widget classes with the Factory)

        for kv in ("widgets/controls.kv", "widgets/shell.kv", "widgets/keyboard.kv"):
            self._load_kv(UI_DIR / kv)
        from kiosk.ui.widgets.shell import Shell

        controls.SpokenControl.listener = self.control_pressed
        if cfg.voice.output == "sdl" and self.services.voice is not None:
            from kiosk.ui.audio import SdlAudio

            self.services.voice.audio = SdlAudio()
        self._sync_voice()
        palette.use("standard")  # the palette is process-wide: an app starts in the standard theme
        self.theme.fit(*Window.size)
        Window.bind(size=self._fit_theme)
        Window.bind(on_touch_down=self._on_any_touch)
        Window.bind(on_request_close=self._on_request_close)
        self._update_hall_name()
        self._shell = Shell()
        self.shell.ids.screens.transition = NoTransition()
        self.services.events.set_dispatcher(lambda call: Clock.schedule_once(lambda _dt: call(), 0))
        self.services.events.subscribe(NetworkStatus, self._on_network)
        self.services.events.subscribe(SessionEnded, self._on_session_ended)
        self.services.events.subscribe(CatalogUpdated, self._on_catalog_updated)
        self.services.events.subscribe(CardStatusChanged, self._on_card_status)
        self.services.events.subscribe(ModeChanged, self._on_mode)
        self._on_network(None)
        if self.services.settings:
            # new settings arrive on the heartbeat's thread: the header follows on the UI thread
            self.services.settings.on_change.append(
                lambda _settings: Clock.schedule_once(lambda _dt: self._update_hall_name(), 0)
            )
            self.mode = self.services.settings.mode()
            Clock.schedule_interval(lambda _dt: self.services.settings.check_mode(), MODE_CHECK_S)
        Clock.schedule_interval(self._tick_idle, IDLE_TICK_S)
        Clock.schedule_interval(self._tick_clock, 1.0)
        self._tick_clock(0)
        self.show("home")
        return self.shell

    def _fit_theme(self, _window, size) -> None:
        self.theme.fit(*size)

    def on_start(self):
        if not self.start_services:
            return
        Clock.schedule_once(lambda _dt: self.services.warm_up(), 0.3)  # after the first frame
        self.services.start()
        # systemctl stop / restart: leave cleanly (workers stopped, STOPPING=1), the outbox keeps the rest
        signal.signal(signal.SIGTERM, lambda *_: Clock.schedule_once(lambda _dt: self.stop(), 0))
        sd_notify.notify("READY=1")
        every = sd_notify.interval_s()
        if every and self.services.config.maintenance.watchdog:
            # from the UI thread's clock: a frozen UI stops pinging and systemd restarts the kiosk
            Clock.schedule_interval(lambda _dt: sd_notify.notify("WATCHDOG=1"), every)

    def on_stop(self):
        sd_notify.notify("STOPPING=1")
        self.services.stop()

    @property
    def shell(self) -> Shell:
        """The header, footer and screen manager around every screen (made by build())."""
        if self._shell is None:
            raise RuntimeError("the app is not built yet")
        return self._shell

    # -- navigation --------------------------------------------------------
    def show(self, name: str, **params) -> Screen:
        if self.mode == "maintenance" and name not in ALWAYS_ALLOWED:
            name, params = "out_of_service", {}
        screen = self._screen(name)
        screen.prepare(**params)
        manager = self.shell.ids.screens
        leaving = manager.current_screen
        if leaving is not screen:
            manager.switch_to(screen)
        cards = self.services.cards
        if name == "home" and leaving is not screen and cards is not None and cards.card_on_reader:
            self._show_take_card()  # a flow that read the card is over: nobody leaves it behind
        self.shell.at_home = 1 if name == "home" else 0
        self.services.session.idle.reading = name in READING_SCREENS
        self._speak_screen_soon()
        log.info("screen %s", name)
        if self.capture_dir is not None:
            self._capture_after_next_frame(name)
        return screen

    @property
    def current_screen(self) -> str:
        return self.shell.ids.screens.current_screen.name

    def screen(self, name: str) -> Screen:
        return self._screen(name)

    def _screen(self, name: str) -> Screen:
        if name not in self._screens:
            entry = SCREENS[name]
            module = importlib.import_module(entry.module)
            self._load_kv(Path(module.__file__ or entry.module).with_suffix(".kv"))
            cls = getattr(module, entry.cls)
            screen = cls(name=name, navigator=self, services=self.services, tr=self.tr, **entry.options)
            watched = {prop: self._state_changed for prop in SPOKEN_STATE if prop in screen.properties()}
            screen.bind(**watched)
            self._screens[name] = screen
        return self._screens[name]

    def _state_changed(self, screen, _value) -> None:
        if self._shell is not None and screen is self.shell.ids.screens.current_screen:
            self._speak_screen_soon()

    def _load_kv(self, path: Path) -> None:
        if str(path) not in Builder.files:  # Kivy's rules are process-wide
            Builder.load_file(str(path))

    # -- citizen choices ---------------------------------------------------
    def toggle_language(self) -> None:
        tr = self.services.translator
        with restyling():
            tr.set_language("en" if tr.language == "zh_CN" else "zh_CN")

    def toggle_large_text(self) -> None:
        self.large_text = not self.large_text

    def toggle_high_contrast(self) -> None:
        self.high_contrast = not self.high_contrast

    def on_high_contrast(self, _app, value: bool) -> None:
        palette.use("high_contrast" if value else "standard")

    def on_large_text(self, _app, value: bool) -> None:
        with restyling():
            self.theme.large = value
        self.services.session.idle.slow = value or self.voice_on  # more time to read in large text

    # -- voice guidance (语音引导) ------------------------------------------
    def toggle_voice(self) -> None:
        voice = self.services.voice
        if voice is None:
            return
        voice.set_guidance(not voice.guidance)
        self._sync_voice()
        if voice.guidance:  # said first, then the screen (not over it)
            self._speak_screen_soon.cancel()
            voice.say([self.tr._("Voice guidance is on. Touch a button to hear what it is.")], "screen")
            kind, parts = self.shell.ids.screens.current_screen.spoken()
            voice.say(parts, kind, queue=True)

    def next_volume(self) -> None:
        voice = self.services.voice
        if voice is not None:
            voice.next_volume()
            self._sync_voice()
            voice.say([self.volume], "tap")

    def _sync_voice(self) -> None:
        voice = self.services.voice
        self.voice_on = bool(voice and voice.guidance)
        level = min(VOLUME_NAMES, key=lambda v: abs(v - voice.volume)) if voice else 0.7
        self.volume = self.tr._("Volume: {level}").format(level=self.tr._(VOLUME_NAMES[level]))
        self.services.session.idle.slow = self.large_text or self.voice_on  # more time when listening

    def control_pressed(self, control) -> None:
        """A button, tile, row or key was touched: in voice mode, say what it is."""
        voice = self.services.voice
        if voice is None or self._shell is None or self.current_screen in SILENT_SCREENS:
            return
        from kiosk.ui.speech import label_of

        voice.say([label_of(control)], "tap")

    def _speak_screen(self, *_args) -> None:
        voice = self.services.voice
        if voice is None or self._shell is None or self.current_screen in SILENT_SCREENS:
            return
        kind, parts = self.shell.ids.screens.current_screen.spoken()
        voice.say(parts, kind)

    def _speak_popup(self, popup, kind: str) -> None:
        from kiosk.ui.speech import readable_texts

        voice = self.services.voice
        if voice is not None and popup.parent:
            voice.say(readable_texts(popup, limit=3), kind)

    def _language_changed(self, language: str) -> None:
        self.lang = language
        if self._shell is not None:
            self._sync_voice()
            self._speak_screen_soon()
        self._update_hall_name()
        self._tick_clock(0)
        self._on_network(None)

    def _update_hall_name(self) -> None:
        """The site central has this kiosk at (its settings), else the configured name."""
        site = self.services.settings.current.site if self.services.settings else None
        self.hall_name = self.services.config.kiosk.place_name(self.lang, site)

    # -- session and idle timeout -----------------------------------------
    def _on_request_close(self, *_args, **_kwargs) -> bool:
        """A close request (Alt+F4, the window manager) is refused on a deployed,
        full-screen kiosk: only systemd (SIGTERM) or the technician stops it."""
        if self.services.config.ui.fullscreen:
            log.warning("window close request refused: this kiosk runs full screen")
            return True
        return False

    def _on_any_touch(self, _window, touch):
        if touch.x < CORNER_PX and touch.y > Window.height - CORNER_PX and self._corner_tapped():
            return True
        if self.current_screen not in ALWAYS_ALLOWED:
            self.services.session.begin()  # starts a session or keeps it alive
        return False

    def _corner_tapped(self) -> bool:
        """The hidden maintenance gesture; True when it opened the screen."""
        now = time.monotonic()
        self._corner_taps = [t for t in self._corner_taps if now - t < CORNER_WINDOW_S] + [now]
        if len(self._corner_taps) < CORNER_TAPS or not self.services.config.maintenance.pin:
            return False
        self._corner_taps.clear()
        self.services.session.end("finished")
        self.show("maintenance")
        return True

    def _on_mode(self, event: ModeChanged) -> None:
        """Central (or the maintenance screen) changed the mode: apply it now, no restart."""
        self.mode = event.mode
        current = self.current_screen
        if event.mode == "maintenance" and current not in ALWAYS_ALLOWED:
            self.services.session.end("maintenance")
            self.show("out_of_service")
        elif event.mode != "maintenance" and current == "out_of_service":
            self.show("home")
        elif current == "home":
            self.screen("home").apply_mode()

    def _tick_idle(self, _dt) -> None:
        session = self.services.session
        phase = session.idle.phase()
        left = session.idle.remaining()
        if phase == "expired":
            log.info("idle timeout: ending the session")
            session.end("idle")
            return
        if phase == "warning":
            self._show_idle_warning(left)
        elif self._idle_warning is not None and self._idle_warning.parent:
            self._idle_warning.dismiss()
        self.shell.countdown_text = (
            self.tr._("Returning to the home screen in {seconds} s").format(seconds=int(left + 0.999))
            if phase in ("active", "warning")
            else ""
        )

    def _show_idle_warning(self, left: float) -> None:
        from kiosk.ui.widgets.shell import IdleWarning

        if self._idle_warning is None:
            self._idle_warning = IdleWarning()
        self._idle_warning.seconds_left = int(left + 0.999)
        if not self._idle_warning.parent:
            self._idle_warning.open(animation=False)
            Clock.schedule_once(lambda _dt: self._speak_popup(self._idle_warning, "idle"), SPEAK_AFTER_S)

    def _on_session_ended(self, event: SessionEnded) -> None:
        """Wipe everything the citizen left behind: screens, language, text
        size; and if their ID card is still on the reader, say so until it is taken."""
        if self._idle_warning is not None and self._idle_warning.parent:
            self._idle_warning.dismiss(animation=False)
        if self.services.voice is not None:
            self.services.voice.reset()  # the next citizen starts in the configured mode
        self._sync_voice()
        cards = self.services.cards
        if cards is not None and cards.card_on_reader and event.reason not in ("card_removed", "card_changed"):
            self._show_take_card()
        for screen in self._screens.values():
            screen.wipe()
        if self.services.usage is not None:
            self.services.usage.flush()  # counts of guides and failed searches, every ten minutes at most
        with restyling():
            self.services.translator.set_language(self.services.config.ui.language)
            self.large_text = False
            self.high_contrast = False
        self.shell.countdown_text = ""
        if self.current_screen not in ALWAYS_ALLOWED:
            self.show("home")
        log.info("session ended (%s); kiosk reset", event.reason)

    def call_for_help(self) -> None:
        """一键呼叫 from the footer, on any screen: staff are called (through the
        outbox), and the citizen is told so."""
        from kiosk.ui.widgets.shell import HelpCalled

        service = self.services.help
        outcome = service.call(self.current_screen) if service is not None else "offline"
        if self._help_called is None:
            self._help_called = HelpCalled()
        self._help_called.outcome = outcome
        if not self._help_called.parent:
            self._help_called.open(animation=False)
        Clock.schedule_once(lambda _dt: self._speak_popup(self._help_called, "help"), SPEAK_AFTER_S)

    def _show_take_card(self) -> None:
        from kiosk.ui.widgets.shell import TakeCardPrompt

        if self._take_card is None:
            self._take_card = TakeCardPrompt()
        if not self._take_card.parent:
            self._take_card.open(animation=False)
            log.info("flow or session over with the card on the reader: asking to take it")
            self._say_take_card()
            self._take_card_repeat = Clock.schedule_interval(lambda _dt: self._say_take_card(), TAKE_CARD_EVERY_S)

    def _say_take_card(self) -> None:
        voice = self.services.voice
        if voice is not None and self._take_card is not None and self._take_card.parent:
            voice.say([self.tr._("Please take your ID card")], "take_card")

    def _on_card_status(self, event: CardStatusChanged) -> None:
        if event.status.state == "idle" and self._take_card is not None and self._take_card.parent:
            self._take_card.dismiss(animation=False)  # taken
            if self._take_card_repeat is not None:
                self._take_card_repeat.cancel()
            if self.services.voice is not None:
                self.services.voice.silence()
        screen = self._screens.get("card")
        if screen is not None:
            screen.card_status_changed(event.status)

    def _on_catalog_updated(self, event: CatalogUpdated) -> None:
        for screen in self._screens.values():
            refresh = getattr(screen, "catalog_updated", None)
            if refresh:
                refresh()
        log.info("catalog version %d on screen", event.version)

    # -- header ------------------------------------------------------------
    def _tick_clock(self, _dt) -> None:
        if self._shell is not None:
            self.shell.clock_text = self.services.translator.format_datetime(datetime.now())

    def _on_network(self, _event) -> None:
        if self._shell is None:
            return
        _ = self.tr._
        heartbeat = self.services.heartbeat
        status = heartbeat.last_status if heartbeat else None
        if heartbeat is None:
            self.shell.network_state, self.shell.network_text = "unenrolled", _("Not enrolled")
        elif status is None:
            self.shell.network_state, self.shell.network_text = "offline", _("Connecting")
        elif status.online:
            self.shell.network_state, self.shell.network_text = "online", _("Online")
        else:
            self.shell.network_state, self.shell.network_text = "offline", _("Offline")

    # -- offscreen captures (`kiosk run` with no display) --------------------
    def _capture_after_next_frame(self, name: str) -> None:
        if self._capture_pending is None:
            Window.bind(on_flip=self._capture)
        self._capture_pending = name

    def _capture(self, *_):
        name, self._capture_pending = self._capture_pending, None
        Window.unbind(on_flip=self._capture)
        if name and self.capture_dir is not None:
            self.capture_dir.mkdir(parents=True, exist_ok=True)
            written = Window.screenshot(str(self.capture_dir / f"{name}.png"))
            if written:
                Path(written).replace(self.capture_dir / f"{name}.png")
