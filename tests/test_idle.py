"""Time to read: how long a citizen may stand still before the session ends.
Screens people read give longer, large text longer still, and the countdown
stands still while the kiosk is busy for the citizen (a card being read, a
document printing, central answering). Plain Python: the timer and the card
service, with a clock the test moves (the screens' countdown and warning are
tested with taps in test_ui_shell.py)."""

from __future__ import annotations

import pytest
from conftest import FakeClock

from drivers.reader import CardFailed, CardReading
from drivers.reader.errors import ReaderError
from kiosk.cards import CardService
from kiosk.config import UiSection
from kiosk.events import EventBus
from kiosk.session import CitizenSession, IdleTimer


def timer(clock: FakeClock) -> IdleTimer:
    ui = UiSection()
    return IdleTimer(
        ui.idle_timeout_s,
        ui.idle_warning_s,
        clock,
        reading_timeout_s=ui.idle_reading_s,
        slow_factor=ui.idle_slow_factor,
    )


def test_reading_screens_and_large_text_give_more_time():
    clock = FakeClock()
    idle = timer(clock)
    idle.start()
    assert idle.limit_s == 60
    idle.reading = True  # a guide
    assert idle.limit_s == 120
    idle.slow = True  # large text
    assert idle.limit_s == 180
    clock.advance(159)
    assert idle.phase() == "active" and idle.remaining() == 21
    clock.advance(1)
    assert idle.phase() == "warning"
    clock.advance(20)
    assert idle.phase() == "expired"


def test_the_warning_gives_at_least_twenty_seconds():
    clock = FakeClock()
    idle = timer(clock)
    idle.start()
    clock.advance(39.5)
    assert idle.phase() == "active"
    clock.advance(1)
    assert idle.phase() == "warning" and idle.remaining() == pytest.approx(19.5)
    assert UiSection(idle_warning_s=10).warning_s == 20  # a shorter one set before this release is raised


def test_the_countdown_stands_still_while_the_kiosk_is_busy():
    clock = FakeClock()
    idle = timer(clock)
    idle.start()
    clock.advance(30)
    printing, central = object(), object()
    idle.hold(printing)
    idle.hold(central)
    clock.advance(300)  # a slow printer and a slow central: nobody is idle
    assert idle.phase() == "active" and idle.remaining() == 30
    idle.release(central)
    clock.advance(10)
    assert idle.remaining() == 30  # still printing
    idle.release(printing)
    idle.release(printing)  # twice is harmless
    clock.advance(10)
    assert idle.remaining() == 20 and idle.phase() == "warning"


def test_a_card_being_read_holds_the_countdown_until_the_reader_answers():
    clock = FakeClock()
    idle = timer(clock)
    events = EventBus()
    session = CitizenSession(events, idle)
    cards = CardService(None, session, events)
    session.begin()
    clock.advance(50)
    cards._on_driver_event(CardReading("pcsc"))  # a card on the reader: reading takes a while
    clock.advance(20)
    assert idle.held and idle.phase() == "active" and idle.remaining() == 10
    cards._on_driver_event(CardFailed("pcsc", ReaderError("read_failed", "the card did not answer")))
    assert not idle.held
    clock.advance(10)
    assert idle.phase() == "expired"
