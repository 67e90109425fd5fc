import io
import re
import zipfile

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


# ---------------------------------------------------------------- hostile files, built at the XML level
# openpyxl refuses to write many of the values users' files (or attackers) can hold, so these edit
# the sheet XML inside the workbook's zip directly.

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _part_of_sheet(archive: zipfile.ZipFile, title: str) -> str:
    from xml.etree import ElementTree

    rel_ns = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rid = next(s.get(rel_ns) for s in workbook.iter(f"{{{MAIN_NS}}}sheet") if s.get("name") == title)
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    target = next(r.get("Target") for r in rels if r.get("Id") == rid)
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"


def rezipped(data: bytes, change) -> bytes:
    """The workbook with `change(name, content bytes)` applied to each part (return None to leave a part out)."""
    output = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = change(info.filename, source.read(info.filename))
            if content is not None:
                target.writestr(info.filename, content)
    return output.getvalue()


def sheet_xml_edited(data: bytes, title: str, change) -> bytes:
    """The workbook with `change(xml text)` applied to the XML of sheet `title`."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        part = _part_of_sheet(archive, title)
    return rezipped(data, lambda name, content: change(content.decode()).encode() if name == part else content)


def with_raw_cell(data: bytes, title: str, ref: str, cell_xml: str) -> bytes:
    """The workbook with cell `ref` of sheet `title` replaced by `cell_xml` (a whole <c> element), as written."""
    import re

    pattern = re.compile(rf'<c r="{ref}"(?:[^>]*/>|[^>]*>.*?</c>)', re.S)

    def change(xml):
        assert pattern.search(xml), f"{title}!{ref} is not in the sheet"
        return pattern.sub(lambda _: cell_xml, xml, count=1)
    return sheet_xml_edited(data, title, change)


def raw_number(ref: str, text: str) -> str:
    """A number cell holding `text` as its raw value (1E309, NaN, 5,000 digits: what openpyxl cannot write)."""
    return f'<c r="{ref}"><v>{text}</v></c>'


def raw_text(ref: str, text: str) -> str:
    """A text cell holding `text`, control characters escaped as a workbook escapes them (_x000B_)."""
    from xml.sax.saxutils import escape

    escaped = "".join(f"_x{ord(c):04X}_" if ord(c) < 0x20 and c not in "\t\n\r" or c in "\ufffe\uffff" else c for c in text)
    escaped = "".join(c for c in escaped if not 0xD800 <= ord(c) <= 0xDFFF)
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(escaped)}</t></is></c>'


def pending_upload_id(response) -> str:
    """The pending upload a preview page's confirmation form names (its hidden field)."""
    found = re.search(r'name="pending" value="([0-9a-f-]{36})"', response.content.decode())
    assert found, "the preview has no confirmation form naming a pending upload"
    return found.group(1)
