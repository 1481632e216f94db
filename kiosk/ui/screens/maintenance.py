"""The hidden maintenance screen (5 taps in the top-left corner, then the PIN
from [maintenance] pin): sync status, self-tests, force sync, and taking the
kiosk out of service locally. Work runs on threads; results come back via Clock.

The PIN pad is where a curious citizen lands: it goes back home after
PIN_IDLE_S without a key, and five wrong PINs lock it for a minute, doubling
with each lockout up to an hour (never until a restart, which a technician
on site cannot always do)."""

from __future__ import annotations

import hmac
import logging

from kivy.clock import Clock
from kivy.properties import BooleanProperty, StringProperty

from kiosk import selftest
from kiosk.ui.screens.base import KioskScreen

log = logging.getLogger(__name__)
MAX_PIN_TRIES = 5
PIN_IDLE_S = 30.0
LOCK_FIRST_S, LOCK_MAX_S = 60.0, 3600.0


class MaintenanceScreen(KioskScreen):
    state = StringProperty("pin")  # pin, panel
    pin = StringProperty("")
    message = StringProperty("")
    status_text = StringProperty("")
    busy = BooleanProperty(False)
    out_of_service = BooleanProperty(False)

    def prepare(self, **_params) -> None:
        self.state, self.pin, self.message = "pin", "", ""
        self._tries = getattr(self, "_tries", 0)
        self._lockouts = getattr(self, "_lockouts", 0)
        self._locked_until = getattr(self, "_locked_until", 0.0)
        self._touched()
        if getattr(self, "_idle_check", None) is None:
            self._idle_check = Clock.schedule_interval(self._pin_idle, 1.0)

    def on_leave(self, *_args) -> None:
        if getattr(self, "_idle_check", None) is not None:
            self._idle_check.cancel()
            self._idle_check = None

    def _now(self) -> float:
        return self.services.session.idle.clock()  # the kiosk's idle clock (tests move it)

    def _touched(self) -> None:
        self._last_key = self._now()

    def _pin_idle(self, _dt) -> None:
        if self.state == "pin" and self._now() - self._last_key >= PIN_IDLE_S:
            log.info("maintenance PIN pad closed after %.0f s without a key", PIN_IDLE_S)
            self.leave()

    def wipe(self) -> None:
        """A citizen session ending (the card test's, too) does not log the technician out; `leave` does."""

    # -- PIN --------------------------------------------------------------------
    def pin_key(self, key: str) -> None:
        self._touched()
        if len(self.pin) < 8:
            self.pin += key

    def pin_backspace(self) -> None:
        self._touched()
        self.pin = self.pin[:-1]

    def submit_pin(self) -> None:
        _ = self.tr._
        self._touched()
        expected = self.services.config.maintenance.pin
        now = self._now()
        if now < self._locked_until:
            self.pin = ""
            self.message = _("Too many wrong PINs. Try again in {seconds} s.").format(
                seconds=int(self._locked_until - now + 0.999)
            )
            return
        if expected and hmac.compare_digest(self.pin.encode(), expected.encode()):
            log.warning("maintenance screen opened")
            self._tries = self._lockouts = 0
            self.state, self.pin, self.message = "panel", "", ""
            self.refresh_status()
            return
        self._tries += 1
        self.pin = ""
        log.warning("maintenance screen: wrong PIN (%d of %d)", self._tries, MAX_PIN_TRIES)
        if self._tries < MAX_PIN_TRIES:
            self.message = _("Wrong PIN")
            return
        self._tries, self._lockouts = 0, self._lockouts + 1
        wait = min(LOCK_MAX_S, LOCK_FIRST_S * 2 ** (self._lockouts - 1))
        self._locked_until = now + wait
        log.warning("maintenance PIN pad locked for %.0f s after %d wrong PINs", wait, MAX_PIN_TRIES)
        self.message = _("Too many wrong PINs. Try again in {seconds} s.").format(seconds=int(wait))

    # -- status -----------------------------------------------------------------
    def refresh_status(self) -> None:
        _ = self.tr._
        s = self.services
        health = s.health() if s.health else None
        beat = s.heartbeat.last_status if s.heartbeat else None
        counts = s.outbox.counts() if s.outbox else {}
        self.out_of_service = bool(s.settings and s.settings.forced == "maintenance")
        lines = [
            _("Kiosk: {name}").format(name=s.enrolled_as or _("not enrolled")),
            _("Central: {state}").format(state=_("reachable") if beat and beat.online else _("unreachable")),
            _("Outbox: {ready} waiting, {failed} refused, {acked} delivered").format(
                ready=counts.get("ready", 0) + counts.get("in_flight", 0),
                failed=counts.get("failed", 0),
                acked=counts.get("acked", 0),
            ),
        ]
        if health is not None:
            lines += [
                _("Offline numbers left today: {n}").format(n=health.offline_numbers),
                _("Catalog version {catalog}, settings version {settings}").format(
                    catalog=health.catalog_version, settings=health.config_version
                ),
                _("Last catalog sync: {at}").format(
                    at=f"{health.last_sync_at:%Y-%m-%d %H:%M}" if health.last_sync_at else _("never")
                ),
                _("Disk {used}% used, {free} MB free; memory {rss} MB").format(
                    used=health.disk_used_pct, free=health.disk_free_mb, rss=round(health.memory_rss_mb)
                ),
                _("Mode: {mode}").format(mode=health.mode),
            ]
        self.status_text = "\n".join(lines)

    # -- actions ----------------------------------------------------------------
    def run(self, action: str) -> None:
        if self.busy:
            return
        _ = self.tr._
        work = {
            "ticket": lambda: selftest.test_ticket(self.services),
            "page": lambda: selftest.test_page(self.services),
            "card": lambda: selftest.card_read(self.services),
            "sync": self.services.force_sync,
        }[action]
        self.busy = True
        self.message = _("Place an ID card on the reader...") if action == "card" else _("Working...")

        def guarded():
            try:
                return work()
            except Exception as exc:  # a self-test must never take the kiosk down
                log.exception("self-test %s failed", action)
                return selftest.SelfTest(False, "failed", type(exc).__name__)

        self.in_background(f"selftest-{action}", guarded, lambda result: self._done(action, result))

    def _done(self, action: str, result) -> None:
        _ = self.tr._
        self.busy = False
        if action == "sync":
            self.message = _("Sync finished: central {central}, outbox delivered: {delivered}").format(
                central=_("reachable") if result.get("central") else _("unreachable"),
                delivered=_("yes") if result.get("delivered") else _("no"),
            )
        elif result.ok:
            self.message = _("Test passed") + (f": {result.detail}" if result.detail else "")
        else:
            self.message = _("Test failed: {reason}").format(reason=result.reason) + (
                f" ({result.detail})" if result.detail else ""
            )
        if action == "card":
            self.services.session.end("finished")  # the technician's card is not a citizen session
        self.refresh_status()

    def toggle_service(self) -> None:
        settings = self.services.settings
        settings.forced = "" if settings.forced == "maintenance" else "maintenance"
        log.warning(
            "kiosk %s locally from the maintenance screen",
            "taken out of service" if settings.forced else "returned to service",
        )
        settings.check_mode()
        self.refresh_status()

    def leave(self) -> None:
        self.state, self.pin, self.message = "pin", "", ""
        self.navigator.show("home")
