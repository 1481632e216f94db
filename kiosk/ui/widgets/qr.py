"""A QR code drawn from its modules (crisp at any size, no image files)."""

import qrcode
from kivy.graphics import Color, Rectangle
from kivy.properties import StringProperty
from kivy.uix.widget import Widget


class QRCode(Widget):
    data = StringProperty("")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._matrix: list[list[bool]] = []
        self.bind(data=self._encode, pos=self._draw, size=self._draw)
        self._encode()

    def _encode(self, *_):
        if not self.data:
            self._matrix = []
        else:
            qr = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
            qr.add_data(self.data)
            qr.make(fit=True)
            self._matrix = qr.get_matrix()
        self._draw()

    def _draw(self, *_):
        self.canvas.clear()
        if not self._matrix:
            return
        n = len(self._matrix)
        side = min(self.width, self.height)
        cell = side / n
        x0 = self.x + (self.width - side) / 2
        y0 = self.y + (self.height - side) / 2
        with self.canvas:
            Color(1, 1, 1, 1)
            Rectangle(pos=(x0, y0), size=(side, side))
            Color(0, 0, 0, 1)
            for r, row in enumerate(self._matrix):
                for c, dark in enumerate(row):
                    if dark:
                        Rectangle(pos=(x0 + c * cell, y0 + (n - 1 - r) * cell), size=(cell + 0.5, cell + 0.5))
