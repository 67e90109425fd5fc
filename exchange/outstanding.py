"""The list of departments and measures not yet submitted in an open report, with whom to contact,
for the reform office to send reminders by hand: a workbook, or CSV for any other tool.

The selector is reports.reminders.not_submitted_by_department (one place decides who has not
submitted); this module only writes it. One row per department and measure; a measure shared by
several departments has a row for each. The people are the department's staff members.
"""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from core import fiscal_years
from reports.history import person_name
from reports.models import ProgressReport
from reports.reminders import not_submitted_by_department

from .cells import HEADER_FILL, HEADER_FONT, WRAP, safe_csv_text, text_cell

HEADER = ["部", "課", "事業No.", "推進項目名称", "状態", "連絡先（氏名）", "連絡先（メールアドレス）"]
WIDTHS = [18, 18, 8, 48, 10, 24, 40]
NOBODY = "（職員の登録なし）"


def rows(report: ProgressReport) -> list[list]:
    """The table, as values: text, and the measure's number as a number."""
    table = []
    for outstanding in not_submitted_by_department(report):
        names = "、".join(person_name(user) for user in outstanding.contacts) or NOBODY
        emails = "; ".join(user.email for user in outstanding.contacts if user.email)
        for note in outstanding.notes:
            table.append([outstanding.department.division, outstanding.department.section, note.measure.number,
                          note.measure.full_title, note.get_status_display(), names, emails])
    return table


def filename(report: ProgressReport, extension: str) -> str:
    return f"未提出一覧_{report.plan.slug}_{report.as_of.isoformat()}.{extension}"


def as_xlsx(report: ProgressReport) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("未提出")
    for column, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "A3"
    due = f"提出期限: {fiscal_years.era_date(report.due_date)}" if report.due_date else "提出期限: なし"
    sheet.append([text_cell(sheet, f"{report.plan.title} {report}　未提出の推進項目（{due}）", font=HEADER_FONT)])
    sheet.append([text_cell(sheet, title, font=HEADER_FONT, fill=HEADER_FILL) for title in HEADER])
    for row in rows(report):
        sheet.append([value if isinstance(value, int) else text_cell(sheet, value, alignment=WRAP) for value in row])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def as_csv(report: ProgressReport) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel opens it in Japanese; a header row, then the table."""
    output = io.StringIO()
    writer = csv.writer(output, lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in rows(report):
        writer.writerow([value if isinstance(value, int) else safe_csv_text(value) for value in row])
    return output.getvalue().encode("utf-8-sig")
