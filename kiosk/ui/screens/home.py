"""Home: the services, large enough to hit from a wheelchair. After hours
the counter-only service (taking a ticket) is hidden; guides, certificates
and ratings stay, around the clock."""

from kivy.properties import StringProperty

from kiosk.ui.screens.base import KioskScreen


class HomeScreen(KioskScreen):
    notice = StringProperty("")

    def on_kv_post(self, _base) -> None:
        self.tickets_tile = self.ids.tile_tickets.__self__  # ids are weak: keep the tile alive while hidden
        self.voice_row = self.ids.voice_row.__self__

        from kivy.app import App

        theme = App.get_running_app().theme
        theme.bind(landscape=self._place_voice_row)
        self._place_voice_row(theme, theme.landscape)

    def _place_voice_row(self, _theme, landscape: bool) -> None:
        """Landscape has little height: the voice button shares the welcome line."""
        row, top, main = self.voice_row, self.ids.top_row, self.ids.main
        home = top if landscape else main
        if row.parent is not home:
            row.parent.remove_widget(row)
            home.add_widget(row, index=0)  # last: right of the welcome, or below the tiles

    def prepare(self, **_params) -> None:
        self.apply_mode()

    def apply_mode(self) -> None:
        settings = self.services.settings
        mode = settings.mode() if settings else "normal"
        tiles, tile = self.ids.tiles, self.tickets_tile
        if mode == "after_hours" and tile.parent is not None:
            tiles.remove_widget(tile)
        elif mode != "after_hours" and tile.parent is None:
            tiles.add_widget(tile, index=len(tiles.children) - 1)  # back in second place
        _ = self.tr._
        lines = [settings.notice(self.services.translator.language)] if settings else []
        if mode == "after_hours":
            s = settings.current
            lines.append(
                _(
                    "Counters are closed now (open {open}-{close}). Guides, certificate printing and ratings "
                    "are available around the clock."
                ).format(open=s.open_time, close=s.close_time)
            )
        self.notice = "\n".join(line for line in lines if line)

    def open(self, name: str) -> None:
        self.navigator.show(name)

    def identify_then(self, name: str) -> None:
        """Services for a named person start with the card."""
        self.navigator.show("card", next_screen=name)
