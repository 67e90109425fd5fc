"""Benchmark: how long a padded plan workbook keeps a worker before it is refused (issue 9).

    DJANGO_DEBUG=1 .venv/bin/python bench/exchange_padded_uploads.py

Builds, from the seed plan's export, files that are small on the wire but unpack to millions
of elements (empty rows, repeated rows, shared strings, styles, merged cells, cells), reads each
with the plan-workbook reader and prints its size, the seconds it took and the first problem.
Runs in a throwaway SQLite database, so it never touches your data.
"""

import io
import re
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.django_setup import start  # noqa: E402

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def rezipped(data: bytes, change, extra=None) -> bytes:
    output = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, change(info.filename, source.read(info.filename)))
        for name, content in (extra or {}).items():
            target.writestr(name, content)
    return output.getvalue()


def in_sheet(data: bytes, part: str, change) -> bytes:
    return rezipped(data, lambda name, content: change(content.decode()).encode() if name == part else content)


def variants(data: bytes) -> dict[str, bytes]:
    targets = "xl/worksheets/sheet7.xml"  # 目標値, as openpyxl saves the export
    million = 1_000_000
    strings_rel = ('<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                   'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
    strings_type = ('<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                    'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    return {
        "the seed plan (accepted)": data,
        "1M empty rows, unnumbered": in_sheet(data, targets, lambda x: x.replace("</sheetData>", "<row/>" * million + "</sheetData>")),
        "1M empty rows, numbered": in_sheet(data, targets, lambda x: x.replace(
            "</sheetData>", "".join(f'<row r="{n}"/>' for n in range(100, million + 100)) + "</sheetData>")),
        "dimension A1:G1048576": in_sheet(data, targets, lambda x: re.sub(r'<dimension ref="[^"]*"', '<dimension ref="A1:G1048576"', x)),
        "3M repeats of row 3": in_sheet(data, targets, lambda x: x.replace("</sheetData>", '<row r="3"/>' * (3 * million) + "</sheetData>")),
        "400K cells in one row": in_sheet(data, targets, lambda x: x.replace("</sheetData>", '<row r="94">' + "<c/>" * 400_000 + "</row></sheetData>")),
        "1M merged cells after the data": in_sheet(data, targets, lambda x: x.replace(
            "</sheetData>", "</sheetData><mergeCells>" + '<mergeCell ref="A1:B2"/>' * million + "</mergeCells>")),
        "1M shared strings": rezipped(data, lambda name, content: (
            content.replace(b"</Relationships>", strings_rel.encode()) if name == "xl/_rels/workbook.xml.rels"
            else content.replace(b"</Types>", strings_type.encode()) if name == "[Content_Types].xml" else content),
            extra={"xl/sharedStrings.xml": f'<sst xmlns="{MAIN_NS}">' + "<si><t>x</t></si>" * million + "</sst>"}),
        "100K cell styles": rezipped(data, lambda name, content: content.replace(
            b"</cellXfs>", b'<xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>' * 100_000 + b"</cellXfs>")
            if name == "xl/styles.xml" else content),
    }


def main():
    start()
    from django.core.management import call_command

    call_command("load_seed_plan", verbosity=0)
    import openpyxl

    from exchange.plan_workbook import export_plan, read_plan_workbook
    from plans.models import Plan

    workbook = openpyxl.load_workbook(io.BytesIO(export_plan(Plan.objects.get())))
    workbook["計画"]["B2"] = "bench"  # saved in full as a user's program would: with dimensions
    output = io.BytesIO()
    workbook.save(output)
    for label, data in variants(output.getvalue()).items():
        started = time.perf_counter()
        try:
            result = read_plan_workbook(data)
            outcome = str(result.problems[0]) if result.problems else "accepted"
        except Exception as error:  # what a server error would have been
            outcome = f"raised {type(error).__name__}"
        elapsed = time.perf_counter() - started
        print(f"{label:<34} {len(data) / 1024:8.0f} KB {elapsed:8.2f} s   {outcome[:70]}")


if __name__ == "__main__":
    main()
