"""A certificate as an A4 PDF (fpdf2, with an embedded Simplified-Chinese
font) and a page image for the on-screen preview (pypdfium2).

The page carries what domain.md §4 asks of a printed proof: the content, the
issuing body and date, the usage watermark (此件由××提供，仅供办理政务服务事项
时使用，有效期至×年×月×日), and a QR code plus check code that lead to the
online verification of the same content."""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from zoneinfo import ZoneInfo

import qrcode
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from common.certificates import Certificate
from common.fonts import document_subset, gb2312_chars

MARGIN = 18  # mm
QR_MM = 32


@dataclass(frozen=True)
class Rendered:
    pdf: Path
    pages: int
    preview: Path | None = None


class DocumentFonts:
    """The regular and bold faces, switched to their GB 2312 subsets once made
    (in the background: the first certificate does not wait for it)."""

    def __init__(self, regular: Path, bold: Path, cache_dir: Path):
        self.full = {"": regular, "B": bold}
        self.subset: dict[str, Path] = {}
        self.cache_dir = cache_dir
        self._covered = gb2312_chars()

    def prepare(self) -> None:
        for style, path in self.full.items():
            self.subset[style] = document_subset(path, self.cache_dir)

    def prepare_in_background(self) -> threading.Thread:
        thread = threading.Thread(target=self.prepare, name="document-fonts", daemon=True)
        thread.start()
        return thread

    def for_text(self, text: str) -> dict[str, Path]:
        if len(self.subset) == 2 and all(ord(c) in self._covered for c in text if not c.isspace()):
            return self.subset
        return self.full


def usage_watermark(cert: Certificate, provider: str) -> str:
    e = cert.expires_at
    return f"此件由{provider}提供，仅供办理政务服务事项时使用，有效期至{e.year}年{e.month}月{e.day}日"


def _all_text(cert: Certificate, extra: str) -> str:
    c = cert.content
    parts = [c.title, c.subject_name, c.subject_id, c.statement, cert.issuer, extra]
    parts += [f.label + f.value for f in c.fields]
    if c.table:
        parts += list(c.table.columns) + ["".join(row) for row in c.table.rows]
    return "".join(parts)


class _Page(FPDF):
    watermark = ""
    footer_text = ""

    def header(self) -> None:
        with self.local_context(text_color=(215, 222, 232)):
            self.set_font("sc", "", 15)
            for y in range(60, 300, 70):
                with self.rotation(30, 105, y):
                    self.text(18, y, self.watermark[:24])
                    self.text(18, y + 9, self.watermark[24:])
        self.set_xy(MARGIN, 12)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font("sc", "", 8)
        self.set_text_color(90, 100, 115)
        self.cell(0, 5, f"{self.footer_text}    第 {self.page_no()} 页 / 共 {{nb}} 页", align="C")


def render(
    cert: Certificate, out_dir: Path, fonts: DocumentFonts, *, provider: str, hall_tz: str, preview_dpi: int = 0
) -> Rendered:
    """Write `<id>.pdf` (and `<id>.png` of page 1 when preview_dpi) to out_dir."""
    watermark = usage_watermark(cert, provider)
    faces = fonts.for_text(_all_text(cert, watermark))
    pdf = _Page(format="A4")
    pdf.set_title(cert.content.title)
    pdf.set_creator("hall-kiosk")
    pdf.watermark = watermark
    pdf.footer_text = f"证明编号 {cert.id}"
    pdf.add_font("sc", "", str(faces[""]))
    pdf.add_font("sc", "B", str(faces["B"]))
    pdf.set_auto_page_break(True, margin=22)
    pdf.set_margins(MARGIN, 12, MARGIN)
    pdf.add_page()
    c = cert.content
    width = pdf.w - 2 * MARGIN

    pdf.set_font("sc", "B", 20)
    pdf.cell(width, 14, c.title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("sc", "", 9)
    pdf.set_text_color(90, 100, 115)
    pdf.cell(
        width, 6, f"证明编号：{cert.id}    校验码：{cert.check_code}", align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    pdf.set_text_color(20, 24, 32)
    pdf.ln(2)
    pdf.set_font("sc", "", 11)
    rows = [("姓名/名称", c.subject_name), ("证件号码/代码", c.subject_id)] + [(f.label, f.value) for f in c.fields]
    label_w = 38
    for label, value in rows:
        y = pdf.get_y()
        pdf.set_font("sc", "B", 10.5)
        pdf.multi_cell(label_w, 7, label, border=1, fill=False, new_x=XPos.RIGHT, new_y=YPos.TOP)
        pdf.set_font("sc", "", 10.5)
        pdf.multi_cell(width - label_w, 7, value, border=1, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_y(max(pdf.get_y(), y + 7))
    if c.table:
        pdf.ln(4)
        pdf.set_font("sc", "", 8.5)
        with pdf.table(width=width, line_height=5.5, text_align="CENTER", headings_style=_headings(pdf)) as table:
            table.row(c.table.columns)
            for row in c.table.rows:
                table.row(row)
    if c.statement:
        pdf.ln(5)
        pdf.set_font("sc", "", 11)
        pdf.multi_cell(width, 7, "    " + c.statement, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    # issuing body, date, QR and check code: kept together at the end
    local = cert.issued_at.astimezone(UTC).astimezone(ZoneInfo(hall_tz))
    if pdf.get_y() > pdf.h - 22 - QR_MM - 12:
        pdf.add_page()
    top = pdf.h - 22 - QR_MM - 10
    pdf.set_y(top)
    pdf.set_font("sc", "", 11)
    pdf.cell(width - QR_MM - 6, 8, f"出具机构：{cert.issuer}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.cell(width - QR_MM - 6, 8, f"出具日期：{local:%Y年%m月%d日}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("sc", "", 9)
    pdf.multi_cell(
        width - QR_MM - 6,
        5,
        f"{watermark}。扫描右侧二维码，或在核验页面输入校验码，可核验本证明的真实内容。",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=1)
    qr.add_data(cert.verify_url)
    image = qr.make_image().get_image()
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    pdf.image(buf, x=pdf.w - MARGIN - QR_MM, y=top, w=QR_MM, h=QR_MM)
    pdf.set_xy(pdf.w - MARGIN - QR_MM - 4, top + QR_MM + 1)
    pdf.set_font("sc", "", 8)
    pdf.cell(QR_MM + 8, 4, f"校验码 {cert.check_code}", align="C")

    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{cert.id}.pdf"
    pdf.alias_nb_pages()
    pdf.output(str(target))
    preview = page_image(target, out_dir / f"{cert.id}.png", preview_dpi) if preview_dpi else None
    return Rendered(target, pdf.pages_count, preview)


def _headings(pdf: FPDF):
    from fpdf.fonts import FontFace

    return FontFace(emphasis="BOLD", fill_color=(235, 240, 246))


def page_image(pdf_path: Path, png_path: Path, dpi: int, page: int = 0) -> Path:
    """One page as a PNG (for the preview on screen and the docs)."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(pdf_path))
    try:
        document[page].render(scale=dpi / 72).to_pil().save(png_path)
    finally:
        document.close()
    return png_path


def page_count(pdf_path: Path) -> int:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(pdf_path))
    try:
        return len(document)
    finally:
        document.close()
