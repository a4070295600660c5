"""Hostile upload files, built small and fast in memory (shared by tests/security and bench/bench_upload_limits.py).

- ``many_rows_xlsx``: a 上报导入-shaped workbook whose 主要产品产销存 sheet has ``rows`` product rows
  (1,000,000 rows ≈ 0.2 MB on disk, ≈ 150 MB of sheet XML);
- ``bomb_xlsx``: one cell holding ``mb`` MB of text (1 GB ≈ 1 MB on disk);
- ``lying_xlsx``: like ``bomb_xlsx``, but the zip directory claims the big sheet inflates to 100 bytes;
- ``billion_laughs``: a valid YAML survey carrying 10**levels strings through nested aliases.

The zips are written by hand: a repeated block is deflated once and its bytes repeated (a full flush
makes each copy independent), so building a 1 GB bomb takes a second, not a minute.
"""
from __future__ import annotations

import struct
import zlib

from services.monitor.excel_layout import SHEET_IND, SHEET_PROD

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
XML = '<?xml version="1.0" encoding="UTF-8"?>'
Entry = tuple[str, bytes, int, int]     # name, raw deflate data, crc, declared uncompressed size


def entry(name: str, head: bytes, block: bytes = b"", times: int = 0, tail: bytes = b"",
          declared: int | None = None) -> Entry:
    """Deflate ``head + block * times + tail`` without ever holding it whole."""
    z = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = z.compress(head) + z.flush(zlib.Z_FULL_FLUSH)
    repeated = (z.compress(block) + z.flush(zlib.Z_FULL_FLUSH)) if times else b""
    raw = first + repeated * times + z.compress(tail) + z.flush()
    crc = zlib.crc32(head)
    for _ in range(times):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(tail, crc)
    size = len(head) + len(block) * times + len(tail)
    if declared is not None:   # a lying directory: the CRC of what the short size would cover
        crc, size = zlib.crc32((head + block)[:declared]), declared
    return name, raw, crc, size


def zip_of(entries: list[Entry]) -> bytes:
    """A zip (deflate, no zip64) of ready-made entries."""
    out, central = bytearray(), bytearray()
    for name, raw, crc, size in entries:
        offset, encoded = len(out), name.encode()
        out += struct.pack("<4s5H3I2H", b"PK\x03\x04", 20, 0, 8, 0, 0x21, crc, len(raw), size, len(encoded), 0)
        out += encoded + raw
        central += struct.pack("<4s6H3I5H2I", b"PK\x01\x02", 20, 20, 0, 8, 0, 0x21, crc, len(raw), size,
                               len(encoded), 0, 0, 0, 0, 0, offset) + encoded
    start = len(out)
    out += central + struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(central), start, 0)
    return bytes(out)


def package(sheets: list[str]) -> list[Entry]:
    """The parts every workbook needs (content types first, so the file sniffs as .xlsx)."""
    parts = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{CT}.worksheet+xml"/>'
                    for i in range(1, len(sheets) + 1))
    texts = {
        "[Content_Types].xml": f'{XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                               '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
                               'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
                               f'<Override PartName="/xl/workbook.xml" ContentType="{CT}.sheet.main+xml"/>{parts}</Types>',
        "_rels/.rels": f'{XML}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                       f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'{XML}<workbook {NS} xmlns:r="{REL}"><sheets>'
                           + "".join(f'<sheet name="{s}" sheetId="{i}" r:id="rId{i}"/>' for i, s in enumerate(sheets, 1))
                           + "</sheets></workbook>",
        "xl/_rels/workbook.xml.rels": f'{XML}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                                      'relationships">' + "".join(
                                          f'<Relationship Id="rId{i}" Type="{REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                                          for i in range(1, len(sheets) + 1)) + "</Relationships>"}
    return [entry(name, text.encode()) for name, text in texts.items()]


def _cell(v: object) -> str:
    return f"<c><v>{v}</v></c>" if isinstance(v, (int, float)) else f'<c t="inlineStr"><is><t>{v}</t></is></c>'


def sheet(rows: list[list[object]]) -> bytes:
    return f"{XML}<worksheet {NS}><sheetData>{''.join('<row>' + ''.join(map(_cell, r)) + '</row>' for r in rows)}" \
           "</sheetData></worksheet>".encode()


def indicator_sheet(credit_code: str, period: str) -> bytes:
    return sheet([["上报导入"], ["企业名称", "攻击", "统一社会信用代码", credit_code, "报表月份", period]])


def many_rows_xlsx(rows: int, credit_code: str = "91320102MA00000000", period: str = "2026-01",
                   columns: int = 6) -> bytes:
    """A 上报导入 workbook with ``rows`` product rows of ``columns`` cells after a header row."""
    row = "<row>" + "".join(_cell(v) for v in (["产品", "", "件", 10, 8, 2] + ["备注"] * (columns - 6))[:columns]) + "</row>"
    block, times = (row * 1000).encode(), rows // 1000
    return zip_of(package([SHEET_IND, SHEET_PROD]) + [
        entry("xl/worksheets/sheet1.xml", indicator_sheet(credit_code, period)),
        entry("xl/worksheets/sheet2.xml", f"{XML}<worksheet {NS}><sheetData><row>{_cell('产品名称')}</row>"
              f"{row * (rows % 1000)}".encode(), block, times, b"</sheetData></worksheet>")])


def _bomb_sheet(mb: int, declared: int | None = None) -> Entry:
    head = f'{XML}<worksheet {NS}><sheetData><row r="2"><c r="A2" t="inlineStr"><is><t>'.encode()
    return entry("xl/worksheets/sheet2.xml", head, b"A" * (1 << 20), mb, b"</t></is></c></row></sheetData></worksheet>",
                 declared)


def bomb_xlsx(mb: int = 1024, sheets: tuple[str, str] = (SHEET_IND, SHEET_PROD)) -> bytes:
    """A workbook whose one cell (second sheet, A2) is ``mb`` MB of "A"."""
    return zip_of(package(list(sheets)) + [entry("xl/worksheets/sheet1.xml", sheet([])), _bomb_sheet(mb)])


def lying_xlsx(mb: int = 256) -> bytes:
    """Like ``bomb_xlsx``, but the zip directory says the big sheet inflates to just 100 bytes."""
    return zip_of(package([SHEET_IND, SHEET_PROD]) + [entry("xl/worksheets/sheet1.xml", sheet([])),
                                                      _bomb_sheet(mb, declared=100)])


def billion_laughs(levels: int = 9, code: str = "laughs") -> str:
    """A valid survey whose free-form settings hold 10**levels copies of "lol" through nested YAML aliases."""
    bomb = ['    l0: &l0 "lol"'] + [f"    l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]" for i in range(1, levels + 1)]
    return "\n".join([f"code: {code}", "kind: survey", "title: 笑", "settings:", "  bomb:", *bomb, f"    all: *l{levels}",
                      "sections:", "  - name: s", "    title: S", "    questions:",
                      "      - {name: a, type: text, label: A}", ""])
