import io

import openpyxl


def open_xlsx(data: bytes):
    """A produced workbook opened as a user's spreadsheet program would: with openpyxl, fully."""
    return openpyxl.load_workbook(io.BytesIO(data))


def edited(data: bytes, edit) -> bytes:
    """The workbook after a user edits it: `edit(workbook)` changes cells, then it is saved."""
    workbook = open_xlsx(data)
    edit(workbook)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def row_of(sheet, *key):
    """The first row below the header whose leading cells hold `key`."""
    return next(r for r in sheet.iter_rows(min_row=2) if tuple(c.value for c in r[: len(key)]) == key)


def sheet_values(data: bytes):
    workbook = open_xlsx(data)
    return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in workbook.worksheets}
