"""Live translation inside .kv rules: `text: tr._('Take a ticket')` is
re-evaluated whenever the language changes (Kivy's Observable pattern)."""

from __future__ import annotations

from kivy.lang import Observable

from kiosk.i18n import Translator


class KvTranslator(Observable):
    def __init__(self, translator: Translator):
        super().__init__()
        self.translator = translator
        self._observers: dict[int, tuple] = {}
        self._next_uid = 1
        translator.on_change(self._language_changed)

    def _(self, message: str) -> str:
        return self.translator.gettext(message)

    def fbind(self, name, func, *args, **kwargs):
        if name != "_":
            return super().fbind(name, func, *args, **kwargs)
        uid = self._next_uid
        self._next_uid += 1
        self._observers[uid] = (func, args, kwargs)
        return uid

    def funbind(self, name, func, *args, **kwargs):
        if name != "_":
            return super().funbind(name, func, *args, **kwargs)
        for uid, entry in list(self._observers.items()):
            if entry == (func, args, kwargs):
                del self._observers[uid]

    def unbind_uid(self, name, uid):
        if name != "_":
            return super().unbind_uid(name, uid)
        self._observers.pop(uid, None)

    def _language_changed(self, _language: str) -> None:
        for func, args, _kwargs in list(self._observers.values()):
            func(*args, None, None)
