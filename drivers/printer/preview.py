"""Draw a Receipt as the paper would look (576 dots wide = 80 mm at 203 dpi),
for the virtual printer, the docs and a glance on screen."""

from __future__ import annotations

from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont

from drivers.printer.escpos_encode import display_width, wrap
from drivers.printer.receipt import QR, Feed, Receipt, Rule, Text

DOTS = 576
MARGIN = 12
BASE_PX = 24  # Font A cell: 12x24 dots, so a hanzi is 24x24


def render_png(receipt: Receipt, out, font_path: Path):
    """Draw to `out` (a path, or a file object); returns the path or the image."""
    fonts = {s: ImageFont.truetype(str(font_path), BASE_PX * s) for s in (1, 2, 3)}
    rows: list[tuple] = []
    for block in receipt.blocks:
        if isinstance(block, Text):
            for line in wrap(block.text, receipt.width_chars // block.size):
                rows.append(("text", line, block.size, block.align, block.bold))
        elif isinstance(block, Rule):
            rows.append(("rule",))
        elif isinstance(block, QR):
            rows.append(("qr", block.data, block.size))
            if block.caption:
                rows.append(("text", block.caption, 1, "center", False))
        elif isinstance(block, Feed):
            rows.extend([("gap",)] * block.lines)
    heights = []
    for row in rows:
        if row[0] == "text":
            heights.append(int(BASE_PX * row[2] * 1.25))
        elif row[0] == "qr":
            heights.append(_qr_image(row[1], row[2]).size[1] + 8)
        else:
            heights.append(BASE_PX)
    image = Image.new("L", (DOTS + 2 * MARGIN, sum(heights) + 2 * MARGIN + 40), 255)
    draw = ImageDraw.Draw(image)
    y = MARGIN
    for row, h in zip(rows, heights, strict=True):
        if row[0] == "text":
            _, line, size, align, bold = row
            width = display_width(line) * BASE_PX * size // 2
            x = MARGIN + {"left": 0, "center": (DOTS - width) // 2, "right": DOTS - width}[align]
            draw.text((x, y), line, font=fonts[size], fill=0, stroke_width=1 if bold else 0, stroke_fill=0)
        elif row[0] == "rule":
            draw.line((MARGIN, y + h // 2, MARGIN + DOTS, y + h // 2), fill=0, width=2)
        elif row[0] == "qr":
            qr = _qr_image(row[1], row[2])
            image.paste(qr, (MARGIN + (DOTS - qr.size[0]) // 2, y))
        y += h
    draw.line((0, image.size[1] - 20, image.size[0], image.size[1] - 20), fill=180, width=1)  # the cut
    if isinstance(out, (str, Path)):
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        image.save(out)
        return out
    return image.convert("1")


def _qr_image(data: str, module_dots: int) -> Image.Image:
    qr = qrcode.QRCode(border=1, box_size=module_dots, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(data)
    qr.make(fit=True)
    return qr.make_image(fill_color="black", back_color="white").get_image().convert("L")
