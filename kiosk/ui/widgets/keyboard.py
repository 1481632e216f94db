"""An on-screen keyboard of letters and digits: most citizens search by
pinyin initials (sfz) or full pinyin; hanzi input methods are hard on a kiosk."""

from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

ROWS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm")


class OnScreenKeyboard(BoxLayout):
    """Fires on_key(letter), on_backspace(), on_clear(), on_hide() (the list
    behind it is wanted: a person puts the keyboard away)."""

    __events__ = ("on_key", "on_backspace", "on_clear", "on_hide")
    last_key = StringProperty("")
    can_hide = BooleanProperty(False)  # a 收起 key, where a list behind the keyboard is worth seeing

    def on_kv_post(self, _base_widget):
        """Keys are added once the .kv rule has made `ids.rows`."""
        from kivy.factory import Factory

        rows = self.ids.rows
        for r, keys in enumerate(ROWS):
            row = Factory.KeyRow()
            for key in keys:
                row.add_widget(Factory.KeyButton(text=key, on_release=lambda b: self.press(b.text)))
            if r == len(ROWS) - 1:
                row.add_widget(Factory.KeyButton(text="←", key_id="backspace", on_release=lambda b: self.backspace()))
                self._hide_key = Factory.HideKey(on_release=lambda b: self.dispatch("on_hide"))
                self._last_row = row
            rows.add_widget(row)
        self.on_can_hide(self, self.can_hide)

    def on_can_hide(self, _keyboard, value: bool) -> None:
        key, row = getattr(self, "_hide_key", None), getattr(self, "_last_row", None)
        if key is None or row is None:
            return  # before the keys are made: on_kv_post applies it
        if value and key.parent is None:
            row.add_widget(key)
        elif not value and key.parent is not None:
            row.remove_widget(key)

    def press(self, key: str) -> None:
        self.last_key = key
        self.dispatch("on_key", key)

    def backspace(self) -> None:
        self.dispatch("on_backspace")

    def clear(self) -> None:
        self.dispatch("on_clear")

    def key(self, key_id: str):
        """The button for a letter, a digit or 'backspace' (tests tap these)."""
        for row in self.ids.rows.children:
            for button in row.children:
                if button.text == key_id or getattr(button, "key_id", "") == key_id:
                    return button
        raise KeyError(key_id)

    def on_key(self, key):
        pass

    def on_backspace(self):
        pass

    def on_clear(self):
        pass

    def on_hide(self):
        pass
