"""请将身份证放在读卡区: identify the citizen with their ID card, show only
masked data, and say in plain words what went wrong and what to do."""

from __future__ import annotations

from kivy.animation import Animation
from kivy.clock import Clock
from kivy.properties import BooleanProperty, DictProperty, NumericProperty, StringProperty

from kiosk.i18n import N_
from kiosk.ui.screens.base import KioskScreen

MESSAGES = {
    "card_removed": (
        N_("The card was moved while it was being read"),
        N_("Place the card flat on the reader and keep it there until reading finishes."),
    ),
    "unreadable": (
        N_("This card cannot be read"),
        N_("Wipe the card and place it again. If it still fails, please go to the service desk."),
    ),
    "unsupported": (N_("This card is not supported"), N_("Please use your resident ID card.")),
    "invalid_id": (N_("The card's data is not valid"), N_("Please ask staff at the service desk to check it.")),
    "expired": (
        N_("Your ID card has expired"),
        N_("Real-name services need a valid card. Please renew it, or ask at the service desk."),
    ),
    "fault": (N_("The card reader is not available"), N_("Please ask staff for help, or try again in a few minutes.")),
}
AUTO_CONTINUE_S = 2.5


class CardScreen(KioskScreen):
    state = StringProperty("idle")  # idle, reading, ok, failed, fault
    headline = StringProperty("")
    advice = StringProperty("")
    person = DictProperty({})
    next_screen = StringProperty("home")
    virtual = BooleanProperty(False)
    card_y = NumericProperty(1.0)  # the animated card's height above the reader (1 = up, 0 = placed)

    def on_kv_post(self, _base):
        self.virtual = getattr(self.services.cards.reader, "name", "") == "virtual"
        self._animation: Animation | None = None
        self._continue = None
        self._reason = ""
        self.services.translator.on_change(lambda _lang: self._retranslate())

    def _retranslate(self) -> None:
        if self.state == "ok" and self.services.session.identity is not None:
            self._show_person(auto_continue=False)
        else:
            self._set(self.state, self._reason)

    def prepare(self, next_screen: str = "home", **_params) -> None:
        self.next_screen = next_screen
        status = self.services.cards.status
        self.card_status_changed(status if self.services.session.identity or status.state != "ok" else None)

    def on_enter(self, *_):
        self._animate()

    def on_leave(self, *_):
        self._stop_animation()
        if self._continue is not None:
            self._continue.cancel()

    def wipe(self) -> None:
        self.person = {}
        self._set("idle")

    # -- card events (on the main thread) -----------------------------------
    def card_status_changed(self, status) -> None:
        if status is None or status.state == "idle":
            self._set("idle")
        elif status.state == "reading":
            self._set("reading")
        elif status.state == "ok" and self.services.session.identity is not None:
            self._show_person()
        elif status.state == "failed":
            self._set("failed", status.reason)
        elif status.state == "fault":
            self._set("fault", "fault")

    def _show_person(self, auto_continue: bool = True) -> None:
        m = self.services.session.masked()
        _ = self.tr._
        self.person = {
            "name": m.name,
            "number": m.number,
            "gender": {"male": _("Male"), "female": _("Female")}.get(m.gender, "-"),
            "nation": m.nation or "-",
            "valid_to": _("No expiry") if m.valid_to == "长期" else m.valid_to,
        }
        self._set("ok")
        if auto_continue and self.next_screen and self.next_screen != self.name and self.manager is not None:
            self._continue = Clock.schedule_once(lambda _dt: self.go_on(), AUTO_CONTINUE_S)

    def _set(self, state: str, reason: str = "") -> None:
        _ = self.tr._
        self.state = state
        self._reason = reason
        if state == "idle":
            self.headline, self.advice = (
                _("Please place your ID card on the reader"),
                _("The reader is below the screen. Keep the card still until it is read."),
            )
        elif state == "reading":
            self.headline, self.advice = _("Reading your card..."), _("Please do not move the card.")
        elif state == "ok":
            self.headline, self.advice = (
                _("Identity confirmed"),
                _("Your details are used only for this visit and are cleared when you take your card or leave."),
            )
        else:
            key = reason if reason in MESSAGES else ("fault" if state == "fault" else "unreadable")
            self.headline, self.advice = (_(text) for text in MESSAGES[key])
        self._animate()

    def spoken(self) -> tuple[str, list]:
        """The prompt and its advice, never the person read from the card."""
        return "card", [self.headline, self.advice]

    # -- actions ---------------------------------------------------------------
    def retry(self) -> None:
        self._set("idle")

    def go_on(self) -> None:
        if self._continue is not None:
            self._continue.cancel()
        if self.state == "ok":
            self.navigator.show(self.next_screen)

    def simulate_card(self) -> None:
        """Demo only (virtual reader): put the configured card on the reader."""
        self.services.cards.reader.insert()

    # -- the placing-a-card animation ------------------------------------------
    def _animate(self) -> None:
        self._stop_animation()
        if self.state != "idle" or self.manager is None or self.manager.current_screen is not self:
            self.card_y = 0.0 if self.state in ("reading", "ok") else 1.0
            return
        self.card_y = 1.0
        self._animation = (
            Animation(card_y=0.0, duration=1.2, t="out_quad")
            + Animation(duration=0.6)
            + Animation(card_y=1.0, duration=0.4)
        )
        self._animation.repeat = True
        self._animation.start(self)

    def _stop_animation(self) -> None:
        animation = getattr(self, "_animation", None)
        if animation is not None:
            animation.cancel(self)
            self._animation = None
