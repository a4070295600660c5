"""The streaming xlsx writer: readable by openpyxl, text stays text, formulas never form."""
import io
import zipfile

import openpyxl

from services.io.xlsx_stream import write_xlsx


def test_round_trip_types_and_safety() -> None:
    rows = [[1, "91350100M000100Y43", "320102", 2.5, None, '=HYPERLINK("x")', "a<b&c", "+1", 0],
            [2, "", "110101", 0.0, "x", "@cmd", "行\x01尾", "-2", True]]
    data = write_xlsx(["编号", "信用代码", "区划", "分", "空", "公式", "转义", "加号", "零"], rows, "数据", text_columns=(1, 2))
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    got = [[c.value for c in r] for r in ws.iter_rows()]
    assert got[0][:3] == ["编号", "信用代码", "区划"]
    assert got[1] == [1, "91350100M000100Y43", "320102", 2.5, None, '=HYPERLINK("x")', "a<b&c", "+1", 0]
    assert got[2][:5] == [2, None, "110101", 0, "x"] and got[2][6] == "行尾" and got[2][8] == "True"
    assert all(c.data_type == "s" for c in ws[2][1:3]) and ws["F2"].data_type == "s"
    sheet = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet


def test_many_rows_stream() -> None:
    data = write_xlsx(["a", "b"], ([i, f"r{i}"] for i in range(30000)))
    ws = openpyxl.load_workbook(io.BytesIO(data), read_only=True).active
    rows = list(ws.iter_rows(values_only=True))
    assert len(rows) == 30001 and rows[-1] == (29999, "r29999")
