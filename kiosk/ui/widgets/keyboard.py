"""The on-screen keyboard, with Chinese input: letters and digits (ABC), pinyin
with a candidate bar (拼音), and a box to write a character with a finger
(手写). Many citizens search by pinyin initials (sfz), which ABC sends as they
are; a comment is written in characters, so the rating screen starts in 拼音.

The engines are plain Python (`kiosk.ime`); the keyboard only shows their
state. A mode that cannot run on this terminal (a package missing) has no key.
"""

from __future__ import annotations

from kivy.clock import Clock
from kivy.core.text import Label as CoreLabel
from kivy.graphics import Color, Line
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.widget import Widget

from common.pinyin import is_han
from kiosk.i18n import N_
from kiosk.ime.pinyin import Candidate, Composer

ROWS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm")
MODES = ("pinyin", "handwriting", "abc")
MODE_LABELS = {"pinyin": N_("Pinyin"), "handwriting": N_("Write"), "abc": N_("ABC")}  # on the mode keys (short)
MODE_SPOKEN = {"pinyin": N_("Pinyin input"), "handwriting": N_("Handwriting input"), "abc": N_("Letters and digits")}
HINTS = {"pinyin": N_("Type pinyin, then tap the word"), "handwriting": N_("Write one character in the box")}
CANDIDATES_KEPT = 60


class HandwritingPad(Widget):
    """A square a citizen writes one character in; fires on_drawn(strokes)
    after each stroke, in the pad's own coordinates with y downwards."""

    __events__ = ("on_drawn",)
    ink = ListProperty([0, 0, 0, 1])
    strokes = ListProperty([])  # finished strokes: lists of (x, y)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._current: list[tuple[float, float]] | None = None
        self._lines: list[Line] = []
        self.bind(size=lambda *_: self._redraw(), pos=lambda *_: self._redraw())

    def on_touch_down(self, touch):
        if not self.collide_point(*touch.pos) or self.disabled:
            return super().on_touch_down(touch)
        touch.grab(self)
        self._current = [self._local(touch.pos)]
        with self.canvas.after:
            Color(*self.ink)
            self._lines.append(
                Line(points=list(touch.pos), width=max(2.0, self.width / 90), cap="round", joint="round")
            )
        return True

    def on_touch_move(self, touch):
        if touch.grab_current is not self or self._current is None:
            return super().on_touch_move(touch)
        x = min(max(touch.x, self.x), self.right)
        y = min(max(touch.y, self.y), self.top)
        self._current.append(self._local((x, y)))
        self._lines[-1].points += [x, y]
        return True

    def on_touch_up(self, touch):
        if touch.grab_current is not self:
            return super().on_touch_up(touch)
        touch.ungrab(self)
        stroke, self._current = self._current, None
        if stroke:
            if len(stroke) == 1:  # a dot: zinnia wants a segment
                stroke.append((stroke[0][0] + 1, stroke[0][1] + 1))
            self.strokes = [*self.strokes, stroke]
            self.dispatch("on_drawn", self.strokes)
        return True

    def undo(self) -> bool:
        if not self.strokes:
            return False
        self.strokes = self.strokes[:-1]
        self._redraw()
        self.dispatch("on_drawn", self.strokes)
        return True

    def clear(self) -> None:
        self.strokes = []
        self._redraw()

    def _local(self, pos) -> tuple[float, float]:
        return (pos[0] - self.x, self.top - pos[1])

    def _redraw(self) -> None:
        self.canvas.after.clear()
        self._lines = []
        with self.canvas.after:
            Color(*self.ink)
            for stroke in self.strokes:
                points = [c for x, y in stroke for c in (self.x + x, self.top - y)]
                self._lines.append(Line(points=points, width=max(2.0, self.width / 90), cap="round", joint="round"))

    def on_drawn(self, strokes):
        pass


class OnScreenKeyboard(BoxLayout):
    """Fires on_key(text) with what to add (a letter, a digit, a space, or
    the characters chosen), on_backspace() when nothing is being composed,
    on_hide() (the list behind it is wanted), and keeps `composing`: the
    chosen words and letters not yet committed, so search can use them."""

    __events__ = ("on_key", "on_backspace", "on_clear", "on_hide")
    last_key = StringProperty("")
    can_hide = BooleanProperty(False)  # a 收起 key, where a list behind the keyboard is worth seeing
    modes = ListProperty(["abc"])  # the input methods offered, in key order
    default_mode = StringProperty("abc")
    mode = StringProperty("abc")
    methods = ObjectProperty(None, allownone=True)  # kiosk.ime.service.InputMethods
    theme = ObjectProperty(None, allownone=True)  # the app's Theme: sizes the candidates
    preedit = StringProperty("")  # the composition as shown (身份zheng, or shen'fen'zheng)
    composing = StringProperty("")  # the same without separators: what search may use meanwhile
    candidates = ListProperty([])  # texts of the candidates of the page shown
    page = NumericProperty(0)
    pages = NumericProperty(0)
    hint = StringProperty("")
    full_height = NumericProperty(0)  # its height when open (a screen that hides it sets height 0)
    show_bar = BooleanProperty(False)  # the candidate bar (pinyin, handwriting)
    show_bottom = BooleanProperty(False)  # the row of mode keys and space

    def __init__(self, **kwargs):
        self._composer: Composer | None = None
        self._all: list[Candidate] = []
        self._pages: list[list[Candidate]] = []
        self._drawing = 0
        self._touched = False  # a key was used since the last reset
        super().__init__(**kwargs)

    def on_kv_post(self, _base_widget):
        """Keys are made once, after the .kv rule has made the containers."""
        from kivy.factory import Factory

        self._letter_rows = []
        for r, keys in enumerate(ROWS):
            row = Factory.KeyRow()
            for key in keys:
                row.add_widget(Factory.KeyButton(text=key, on_release=lambda b: self.press(b.text)))
            if r == len(ROWS) - 1:
                self._backspace_key = Factory.KeyButton(
                    text="←", key_id="backspace", on_release=lambda b: self.backspace()
                )
                row.add_widget(self._backspace_key)
                self._last_row = row
            self._letter_rows.append(row)
        self._hide_key = Factory.HideKey(on_release=lambda b: self.dispatch("on_hide"))
        self._mode_keys = {}
        for m in MODES:
            key = self._mode_keys[m] = Factory.ModeKey()
            key.mode, key.keyboard = m, self
        self._space_key = Factory.KeyButton(key_id="space", size_hint_x=2.4, on_release=lambda b: self.space())
        self._separator_key = Factory.KeyButton(text="'", key_id="separator", on_release=lambda b: self.press("'"))
        self._rewrite_key = Factory.KeyButton(key_id="rewrite", size_hint_x=1.6, on_release=lambda b: self.rewrite())
        self._slots: list = []
        self.pad_box, self.pad = self.ids.pad_box.__self__, self.ids.pad.__self__  # strong references: ids are weak
        self.remove_widget(self.pad_box)  # shown in place of the letter rows in 手写 mode
        self.pad.bind(on_drawn=lambda _pad, strokes: self._recognise(strokes))
        self.mode = self.default_mode if self.default_mode in self.modes else "abc"
        self._arrange()

    # -- what shows -------------------------------------------------------------------
    def offered(self) -> list[str]:
        """The modes with a key: those asked for that run on this terminal."""
        methods = self.methods
        return [m for m in self.modes if m == "abc" or (methods is not None and methods.available(m))]

    def on_methods(self, _keyboard, methods) -> None:
        if methods is not None:
            methods.on_loaded.append(lambda: Clock.schedule_once(lambda _dt: self._methods_loaded(), 0))

    def _methods_loaded(self) -> None:
        """Pinyin and handwriting are ready: their keys appear, and an untouched keyboard takes its default."""
        if not self._touched and self.default_mode in self.offered():
            self.mode = self.default_mode
        self._arrange()

    def on_mode(self, *_):
        self._arrange()

    def on_modes(self, *_):
        self._arrange()

    def on_can_hide(self, *_):
        self._arrange()

    def _arrange(self) -> None:
        """Puts the rows of the current mode in place (re-run when modes or the mode change)."""
        if not hasattr(self, "_letter_rows"):
            return  # before the keys are made: on_kv_post arranges
        offered = self.offered()
        if self.mode not in offered:
            self.mode = "abc"  # re-enters here
            return
        ids = self.ids
        for container in (ids.rows, ids.bottom):
            for row in list(container.children):
                container.remove_widget(row)
        for key in (self._hide_key, self._backspace_key):
            if key.parent is not None:
                key.parent.remove_widget(key)
        handwriting = self.mode == "handwriting"
        if handwriting:
            ids.rows.add_widget(self.pad_box)
        else:
            for row in self._letter_rows[1:] if self.mode == "pinyin" else self._letter_rows:
                ids.rows.add_widget(row)
            self._last_row.add_widget(self._backspace_key)
            if self.can_hide:
                self._last_row.add_widget(self._hide_key)
        if len(offered) > 1:
            for m in offered:
                self._mode_keys[m].chosen = m == self.mode
                ids.bottom.add_widget(self._mode_keys[m])
        if handwriting:
            ids.bottom.add_widget(self._rewrite_key)
            ids.bottom.add_widget(self._backspace_key)
            if self.can_hide:
                ids.bottom.add_widget(self._hide_key)
        elif len(offered) > 1:
            if self.mode == "pinyin":
                ids.bottom.add_widget(self._separator_key)  # xi'an
            ids.bottom.add_widget(self._space_key)
        self.show_bar = self.mode != "abc"  # in the digits' place: the keyboard keeps its height
        self.show_bottom = len(ids.bottom.children) > 0
        self._refresh()

    # -- keys ----------------------------------------------------------------------------
    def press(self, key: str) -> None:
        self.last_key = key
        self._touched = True
        if self.mode == "pinyin" and (key.isalpha() or key == "'") and self._compose().type(key):
            self._refresh()
            return
        if self.mode == "pinyin" and self._composer is not None and self._composer.active:
            self._commit(self._composer.commit_raw())  # a digit ends the composition as typed
        self.dispatch("on_key", key)

    def backspace(self) -> None:
        if self.mode == "pinyin" and self._composer is not None and self._composer.backspace():
            self._refresh()
            return
        if self.mode == "handwriting" and self.pad.undo():
            return
        self.dispatch("on_backspace")

    def space(self) -> None:
        """In pinyin, takes the first candidate (as every pinyin IME does); else a space."""
        if self.mode == "pinyin" and self._composer is not None and self._composer.active:
            if self._all:
                self.choose(self._all[0])
            else:
                self._commit(self._composer.commit_raw())
            return
        self.dispatch("on_key", " ")

    def rewrite(self) -> None:
        self.pad.clear()
        self._drawing += 1
        self._show([])

    def switch(self, mode: str) -> None:
        """A mode key: what is being composed is committed as it stands, never lost."""
        self._touched = True
        if mode == self.mode:
            return
        if self._composer is not None and self._composer.active:
            self._commit(self._composer.commit_raw())
        self.rewrite()
        self.mode = mode

    def choose(self, candidate: Candidate | str) -> None:
        """A candidate tapped: pinyin keeps the letters it does not stand for; handwriting commits it."""
        if isinstance(candidate, str):
            self.pad.clear()
            self._drawing += 1
            self._show([])
            self.dispatch("on_key", candidate)
            return
        composer = self._compose()
        done = composer.choose(candidate)
        if done:
            self.dispatch("on_key", done)
        self._refresh()

    def choose_slot(self, index: int) -> None:
        if 0 <= index < len(self._pages[self.page] if self._pages else []):
            self.choose(self._pages[self.page][index])

    def turn(self, step: int) -> None:
        if 0 <= self.page + step < len(self._pages):
            self.page += step
            self._fill_slots()

    def finish(self) -> str:
        """What is being composed, as it stands (a form is being sent)."""
        text = self._composer.commit_raw() if self._composer is not None else ""
        self._refresh()
        return text

    def reset(self) -> None:
        """A new screen or citizen: nothing composed, the default mode. The
        input methods start loading here if the kiosk did not preload them."""
        if self.methods is not None and len(self.modes) > 1:
            self.methods.start()
        self._touched = False
        if self._composer is not None:
            self._composer.clear()
        if hasattr(self, "_letter_rows"):
            self.rewrite()
        self.mode = self.default_mode if self.default_mode in self.offered() else "abc"
        self._refresh()

    def clear(self) -> None:
        self.dispatch("on_clear")

    def key(self, key_id: str):
        """A key by its text or id ('backspace', 'space', 'rewrite', 'hide',
        'mode:pinyin', 'candidate:身份证', 'next', 'prev'): what tests tap."""
        for button in self.walk(restrict=True):
            if getattr(button, "key_id", None) is None:
                continue
            if button.key_id == key_id or (button.text == key_id and not button.key_id):
                return button
        raise KeyError(key_id)

    # -- pinyin ---------------------------------------------------------------------------
    def _compose(self) -> Composer:
        if self._composer is None:
            composer = self.methods.composer() if self.methods is not None else None
            if composer is None:
                raise RuntimeError("pinyin is not available")
            self._composer = composer
        return self._composer

    def _commit(self, text: str) -> None:
        if text:
            self.dispatch("on_key", text)
        self._refresh()

    def _refresh(self) -> None:
        composer = self._composer
        if self.mode == "pinyin" and composer is not None and composer.active:
            self.preedit = composer.preedit
            self.composing = "".join(t for t, _ in composer.chosen) + composer.letters.replace("'", "")
            self._show(composer.candidates(CANDIDATES_KEPT) if composer.letters else [])
            self.hint = ""
        else:
            self.preedit = self.composing = ""
            if self.mode != "handwriting" or not self.pad.strokes:
                self._show([])
            self.hint = HINTS.get(self.mode, "")  # a msgid: the .kv translates it

    # -- handwriting ------------------------------------------------------------------------
    def _recognise(self, strokes) -> None:
        self._drawing += 1
        if not strokes:
            self._show([])
            return
        drawing, pad = self._drawing, self.pad
        if self.methods is None:
            return  # handwriting has no key without its methods

        def done(number: int, characters: list[str]) -> None:
            Clock.schedule_once(lambda _dt: self._recognised(number, characters), 0)

        self.methods.recognise(drawing, strokes, pad.width, pad.height, done)

    def _recognised(self, drawing: int, characters: list[str]) -> None:
        if drawing == self._drawing and self.mode == "handwriting":
            self._show(list(characters))
            self.hint = ""

    # -- the candidate bar -------------------------------------------------------------------
    def _show(self, candidates: list) -> None:
        """Cuts the candidates into pages that fit the bar's width."""
        self._all = [c for c in candidates if isinstance(c, Candidate)]
        items = candidates
        bar = self.ids.get("slots")
        width = max(bar.width if bar is not None else 0, 300)
        font = self._slot_font()
        spacing = self._slot_spacing()
        pages: list[list] = []
        page: list = []
        used = 0.0
        for item in items:
            text = item.text if isinstance(item, Candidate) else item
            need = candidate_width(_text_width(text, font), font)
            if page and used + need + spacing > width:
                pages.append(page)
                page, used = [], 0.0
            page.append(item)
            used += need + spacing
        if page:
            pages.append(page)
        self._pages = pages
        self.pages = len(pages)
        self.page = 0
        self._fill_slots()

    def _fill_slots(self) -> None:
        from kivy.factory import Factory

        slots_box = self.ids.slots
        page = self._pages[self.page] if self._pages else []
        while len(self._slots) < len(page):
            index = len(self._slots)
            self._slots.append(Factory.CandidateKey(on_release=lambda b, i=index: self.choose_slot(i)))
        for slot in list(slots_box.children):
            slots_box.remove_widget(slot)
        texts = []
        for slot, item in zip(self._slots, page, strict=False):
            text = item.text if isinstance(item, Candidate) else item
            slot.text = text
            slot.key_id = f"candidate:{text}"
            slots_box.add_widget(slot)
            texts.append(text)
        self.candidates = texts

    def _slot_font(self) -> float:
        return float(self.theme.title) if self.theme is not None else 44.0

    def _slot_spacing(self) -> float:
        return float(self.theme.gap / 3) if self.theme is not None else 8.0

    def on_size(self, *_):
        if hasattr(self, "_letter_rows") and (self._all or self.candidates):
            Clock.schedule_once(lambda _dt: self._reflow(), 0)

    def _reflow(self) -> None:
        current = [c for page in self._pages for c in page]
        self._show(current)

    # -- events -------------------------------------------------------------------------------
    def on_key(self, key):
        pass

    def on_backspace(self):
        pass

    def on_clear(self):
        pass

    def on_hide(self):
        pass


def candidate_width(text_width: float, font_size: float) -> float:
    """A candidate key's width, for its kv rule (from the drawn text) and for paging (from an
    estimate): the text with half an em each side, and a touch target at least 64 px wide."""
    return max(64.0, font_size * 1.5, text_width + font_size)


def _text_width(text: str, font_size: float) -> float:
    """A candidate's width: CJK glyphs are one em wide (no text rendering, which
    would cost a millisecond a candidate on every key); anything else is measured."""
    if all(is_han(ch) for ch in text):
        return len(text) * font_size
    label = CoreLabel(text=text, font_size=font_size)
    label.resolve_font_name()
    return float(label.render(real=False)[0])


__all__ = ["MODES", "HandwritingPad", "OnScreenKeyboard"]
