"""办事指南: search with the on-screen keyboard, or browse the most used
matters, by department, by category or by life-event theme."""

from __future__ import annotations

from kivy.properties import BooleanProperty, ListProperty, ObjectProperty, StringProperty

from kiosk.ui.screens.base import KioskScreen

RESULT_LIMIT = 30
POPULAR = 20


class GuidesScreen(KioskScreen):
    mode = StringProperty("popular")  # popular, departments, categories, themes, group, search
    query = StringProperty("")
    composing = StringProperty("")  # pinyin being composed: searched meanwhile (身份z finds 身份证)
    keyboard_open = BooleanProperty(False)
    heading = StringProperty("")
    empty_text = StringProperty("")
    items = ListProperty([])
    group = ObjectProperty(None, allownone=True)  # (kind, key, title) of an opened department/category/theme

    def catalog_updated(self) -> None:
        """A newer catalog arrived: redraw what is on screen, keep where the citizen is."""
        self._refresh()

    def prepare(self, tab: str = "", query: str = "", **_params) -> None:
        if query:
            self.start_search()
            self.query = query[:40]
            self._refresh()
        elif tab:
            self.show_tab(tab)
        elif not self.items:
            self.show_tab("popular")

    # -- browsing ------------------------------------------------------------
    def show_tab(self, mode: str) -> None:
        self.keyboard_open = False
        self.query = ""
        self.ids.keyboard.reset()
        self.group = None
        self.mode = mode
        self._refresh()

    def open_group(self, kind: str, key: str, title: str) -> None:
        self.group = (kind, key, title)
        self.mode = "group"
        self._refresh()

    def back_to_groups(self) -> None:
        kind = self.group[0] if self.group else "departments"
        self.show_tab({"department": "departments", "category": "categories", "theme": "themes"}[kind])

    def open_matter(self, code: str) -> None:
        self.navigator.show("matter", code=code)

    # -- searching -----------------------------------------------------------
    def start_search(self) -> None:
        if not self.keyboard_open and self.mode != "search":
            self.ids.keyboard.reset()
        self.keyboard_open = True
        self.mode = "search"
        self._refresh()

    def type_key(self, key: str) -> None:
        if len(self.query) < 40:
            self.query = (self.query + key)[:40]
        self.mode = "search"
        self._refresh()

    def compose(self, composing: str) -> None:
        if composing == self.composing:
            return
        self.composing = composing
        self.mode = "search"
        self._refresh()

    def hide_keyboard(self) -> None:
        """The keyboard's ⌄ key: the results behind it, whole; the search box brings it back."""
        self.keyboard_open = False

    def backspace(self) -> None:
        self.query = self.query[:-1]
        self._refresh()

    def clear_query(self) -> None:
        self.query = ""
        self.ids.keyboard.reset()
        self._refresh()

    def on_leave(self, *_args) -> None:
        self._search_ended()

    def wipe(self) -> None:
        """Session end: forget what was typed and where the citizen was."""
        self._search_ended()
        self.show_tab("popular")

    def _search_ended(self) -> None:
        usage = self.services.usage
        if usage is not None:
            usage.search_ended()  # a search that found nothing is counted for the catalog team

    # -- list contents -------------------------------------------------------
    def _refresh(self) -> None:
        _ = self.tr._
        c = self.services.catalog
        self.empty_text = ""
        if self.mode == "search":
            query = (self.query + self.composing)[:40]
            if not query:
                self.heading = _("Type a name, its pinyin or initials (e.g. sfz), or a department")
                self.items = self._matters(c.popular(POPULAR))
                return
            hits = c.search(query, RESULT_LIMIT)
            if self.services.usage is not None:
                self.services.usage.searched(query, len(hits))
            if hits:
                self.heading = _("{n} result(s) for \u201c{query}\u201d").format(n=len(hits), query=query)
                self.items = self._matters([c.summary(h.code) for h in hits])
            else:
                self.heading = _("No matter found for \u201c{query}\u201d").format(query=query)
                self.empty_text = _("Check the spelling, try the initials, or browse by department. Most used:")
                self.items = self._matters(c.popular(8))
        elif self.mode == "popular":
            self.heading = _("Most used matters")
            self.items = self._matters(c.popular(POPULAR))
        elif self.mode == "departments":
            self.heading = _("Choose a department")
            self.items = [self._group("department", name, name, n) for name, n in c.departments()]
        elif self.mode == "categories":
            self.heading = _("Choose a category")
            self.items = [self._group("category", name, name, n) for name, n in c.categories()]
        elif self.mode == "themes":
            self.heading = _("Life events: everything for one occasion")
            self.items = [
                self._group(
                    "theme",
                    t.id,
                    t.name if self.tr.translator.language == "zh_CN" or not t.name_en else t.name_en,
                    len(t.matters),
                    t.description,
                )
                for t in c.themes()
            ]
        elif self.mode == "group":
            kind, key, title = self.group
            members = {"department": c.in_department, "category": c.in_category, "theme": c.in_theme}[kind](key)
            self.heading = title
            self.items = self._matters(members)

    def _matters(self, summaries) -> list[dict]:
        _ = self.tr._
        from kiosk.catalog.guide import TYPE_LABELS

        return [
            {
                "viewclass": "MatterItem",
                "code": s.code,
                "title": s.name,
                "subtitle": f"{s.department} · {_(TYPE_LABELS[s.type_code])}",
                "screen": self,
            }
            for s in summaries
            if s is not None
        ]

    def _group(self, kind: str, key: str, title: str, count: int, subtitle: str = "") -> dict:
        _ = self.tr._
        return {
            "viewclass": "GroupItem",
            "kind": kind,
            "key": key,
            "title": title,
            "subtitle": subtitle or _("{n} matter(s)").format(n=count),
            "screen": self,
        }
