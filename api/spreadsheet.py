"""The airtime report as files a Vietnamese office opens: .xlsx (openpyxl: the only module
that imports it) and CSV for Excel set to Vietnamese (UTF-8 with a BOM, ";" between fields,
decimal comma)."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence

from broadcast.store.asrun import LOCAL, AirtimeRow

HEADERS = ("Tháng", "Chuyên mục", "Nơi phát", "Nguồn", "Số phút", "Số buổi phát")
LOCAL_PLACE = "Loa của đài"
SOURCES = {"station": "Chương trình của đài", "relay": "Tiếp sóng", "live": "Phát trực tiếp"}
TOTAL = "Tổng cộng"
UNSORTED = "(chưa phân loại)"


def _month(month: str) -> str:
    year, number = month.split("-")
    return f"{number}/{year}"


Row = tuple[str, str, str, str, float, int]

# A cell starting with one of these is a formula to Excel or LibreOffice ("=HYPERLINK(...)"
# in a column name would run when the report is opened); tab and CR can hide such a start.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(text: str) -> str:
    """Text for a CSV cell that a spreadsheet shows as text, never runs as a formula: such a
    cell gets a leading apostrophe (the spreadsheet's own mark for "this is text")."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _place(cluster: str, clusters: Mapping[str, str]) -> str:
    return LOCAL_PLACE if cluster == LOCAL else f"Cụm loa {clusters.get(cluster, cluster)}"


def _rows(
    rows: Sequence[AirtimeRow], names: Mapping[str, str], clusters: Mapping[str, str]
) -> list[Row]:
    return [
        (_month(r.month), names.get(r.topic, r.topic) or UNSORTED, _place(r.cluster, clusters),
         SOURCES.get(r.source, r.source), round(r.minutes, 1), r.broadcasts)
        for r in rows
    ]


def airtime_csv(
    rows: Sequence[AirtimeRow], names: Mapping[str, str], clusters: Mapping[str, str]
) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADERS)
    table = _rows(rows, names, clusters)
    for month, column, place, source, minutes, count in table:
        writer.writerow([month, spreadsheet_safe(column), spreadsheet_safe(place), source,
                         f"{minutes:.1f}".replace(".", ","), count])  # fmt: skip
    writer.writerow([TOTAL, "", "", "", f"{sum(r[4] for r in table):.1f}".replace(".", ","),
                     sum(r[5] for r in table)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def airtime_xlsx(
    rows: Sequence[AirtimeRow],
    names: Mapping[str, str],
    clusters: Mapping[str, str],
    *,
    title: str,
) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Thời lượng phát sóng"
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([])
    sheet.append(list(HEADERS))
    for cell in sheet[3]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
    table = _rows(rows, names, clusters)
    for month, column, place, source, minutes, count in table:
        sheet.append([month, column, place, source, minutes, count])
        for text_column in (2, 3):  # text, never a formula
            sheet.cell(row=sheet.max_row, column=text_column).data_type = "s"
        sheet.cell(row=sheet.max_row, column=5).number_format = "0.0"
    last = sheet.max_row
    sheet.append([TOTAL, "", "", "", f"=SUM(E4:E{last})" if table else 0,
                  f"=SUM(F4:F{last})" if table else 0])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    sheet.cell(row=sheet.max_row, column=5).number_format = "0.0"
    for letter, width in zip("ABCDEF", (12, 36, 22, 22, 12, 14), strict=True):
        sheet.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
