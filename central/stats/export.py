"""Reports as files: CSV (UTF-8 with BOM, which Excel opens as Chinese) and
XLSX (XlsxWriter in constant memory). Each has Chinese and English headers,
the filter it was made with, and when it was made."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import astuple

from central.stats.reports import Figures, Report

COLUMNS: tuple[tuple[str, str], ...] = (
    ("取号", "Issued"),
    ("自助机", "Kiosk"),
    ("离线取号", "Kiosk offline"),
    ("预约", "Appointment"),
    ("窗口取号", "Staff"),
    ("办结", "Served"),
    ("过号", "No-shows"),
    ("转办", "Transfers"),
    ("未叫号", "Not called"),
    ("平均等候(分)", "Avg wait (min)"),
    ("等候中位数(分)", "Median wait (min)"),
    ("等候90%(分)", "90th pct wait (min)"),
    ("最长等候(分)", "Longest wait (min)"),
    ("平均办理(分)", "Avg handling (min)"),
    ("办理中位数(分)", "Median handling (min)"),
    ("办理90%(分)", "90th pct handling (min)"),
    ("最长办理(分)", "Longest handling (min)"),
    ("达标率", "Service level"),
    ("评价数", "Ratings"),
    ("满意率", "Satisfaction"),
    ("差评", "Bad reviews"),
    ("打印证明", "Certificates printed"),
)
DIMENSION_NAMES = {
    "site": ("站点", "Site"),
    "type": ("业务类型", "Business type"),
    "counter": ("窗口", "Counter"),
    "staff": ("工作人员", "Staff member"),
    "kiosk": ("自助终端", "Kiosk"),
}
PERCENT_COLUMNS = {"达标率", "满意率"}


def header(report: Report) -> list[list[str]]:
    """The lines above the table: what was asked, for which sites, and when made."""
    q = report.query
    zh, en = DIMENSION_NAMES[q.dim]
    return [
        ["政务服务统计报表 Service statistics"],
        ["时间范围 Range", f"{q.start.isoformat()} ~ {q.end.isoformat()}"],
        ["分组 Grouped by", f"{zh} {en}"],
        ["站点 Sites", ", ".join(report.sites)],
        ["达标标准 Service level", f"≤ {q.sla_minutes} 分钟 minutes"],
        ["生成时间 Made at (UTC)", report.made_at.strftime("%Y-%m-%d %H:%M:%S")],
    ]


def table_head(report: Report) -> list[str]:
    zh, en = DIMENSION_NAMES[report.query.dim]
    return [f"{zh} {en}", *(f"{a} {b}" for a, b in COLUMNS)]


def table_rows(report: Report) -> Iterator[list]:
    for line in report.lines:
        yield [line.label, *astuple(line.figures)]
    yield ["合计 Total", *astuple(report.total)]


def _csv_value(value) -> str:
    return "" if value is None else str(value)


def to_csv(report: Report) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerows(header(report))
    writer.writerow([])
    writer.writerow(table_head(report))
    for row in table_rows(report):
        writer.writerow([_csv_value(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(report: Report) -> bytes:
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "constant_memory": True})
    bold = book.add_format({"bold": True})
    percent = book.add_format({"num_format": "0.0%"})
    sheet = book.add_worksheet("报表 Report")
    row = 0
    for line in header(report):
        sheet.write_row(row, 0, line, bold if row == 0 else None)
        row += 1
    row += 1
    head = table_head(report)
    sheet.write_row(row, 0, head, bold)
    sheet.freeze_panes(row + 1, 1)
    row += 1
    percent_at = {i + 1 for i, (zh, _) in enumerate(COLUMNS) if zh in PERCENT_COLUMNS}
    for values in table_rows(report):
        for col, value in enumerate(values):
            if value is None:
                continue
            sheet.write(row, col, value, percent if col in percent_at else None)
        row += 1
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, len(head), 12)
    if report.usage:
        _usage_sheet(book.add_worksheet("终端使用 Kiosk use"), report, bold)
    book.close()
    return out.getvalue()


def _usage_sheet(sheet, report: Report, bold) -> None:
    """The guides most opened and the searches that found nothing, side by side."""
    sheet.write_row(0, 0, ["热门办事指南 Guides most opened", "", "", "无结果的搜索 Searches that found nothing"], bold)
    sheet.write_row(1, 0, ["事项编码 Code", "名称 Name", "次数 Times", "搜索内容 Search", "次数 Times"], bold)
    guides, failed = report.usage.get("guides", []), report.usage.get("failed_searches", [])
    for i in range(max(len(guides), len(failed))):
        if i < len(guides):
            sheet.write_row(2 + i, 0, [guides[i]["code"], guides[i]["name"], guides[i]["count"]])
        if i < len(failed):
            sheet.write_row(2 + i, 3, [failed[i]["text"], failed[i]["count"]])
    sheet.set_column(0, 0, 24)
    sheet.set_column(1, 1, 36)
    sheet.set_column(3, 3, 28)


assert len(COLUMNS) == len(Figures.__dataclass_fields__), "a column per figure"
