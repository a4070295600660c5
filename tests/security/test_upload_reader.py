"""The bounded upload reader (services/io/upload_limits.py) against hostile files built in the test:
each is refused fast, with a message naming the limit, without inflating or building what it hides."""
from __future__ import annotations

import random
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import pytest

from services.io.upload_limits import Limits, UploadRefused, load_json, load_yaml, read_xlsx
from tests.security import attacks
from tests.security.attacks import entry, package, sheet, zip_of

LIMITS = Limits.current()


@contextmanager
def bounded(seconds: float = 10, mb: float = 200) -> Iterator[None]:
    """Assert the block ends within ``seconds`` and allocates at most ``mb`` (generous: not a benchmark)."""
    tracemalloc.start()
    t = time.monotonic()
    try:
        yield
    finally:
        took, (_, peak) = time.monotonic() - t, tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert took < seconds, f"took {took:.1f} s"
    assert peak < mb * 2**20, f"allocated {peak / 2**20:.0f} MB"


def refused(call: Callable[[], Any], *words: str) -> str:
    with pytest.raises(UploadRefused) as err:
        call()
    message = str(err.value)
    assert message.startswith("导入文件：") and all(w in message for w in words), message
    return message


def xlsx(*sheets: tuple[str, list[list[object]]]) -> bytes:
    return zip_of(package([name for name, _ in sheets])
                  + [entry(f"xl/worksheets/sheet{i}.xml", sheet(rows)) for i, (_, rows) in enumerate(sheets, 1)])


def test_a_compression_bomb_is_refused_from_the_zip_directory_without_inflating() -> None:
    data = attacks.bomb_xlsx(1024)                 # ~1 MB on disk, one 1 GB cell
    assert len(data) < 2 * 2**20
    with bounded(seconds=10, mb=50):
        refused(lambda: read_xlsx(data, "导入文件"), "解压后过大", f"上限 {LIMITS.unzipped_mb:g} MB")
    small_ratio = replace(LIMITS, unzipped_mb=10_000)  # the size limit lifted: the compression ratio still refuses it
    with bounded(seconds=10, mb=50):
        refused(lambda: read_xlsx(data, "导入文件", limits=small_ratio), "压缩比超过 100 倍", "压缩炸弹")


def test_a_zip_directory_that_lies_about_sizes_inflates_no_more_than_it_declares() -> None:
    data = attacks.lying_xlsx(256)                 # declares 100 bytes, holds 256 MB
    with bounded(seconds=10, mb=50):
        refused(lambda: read_xlsx(data, "导入文件"), "无法读取")


def test_a_million_row_file_is_refused_before_its_rows_are_parsed() -> None:
    data = attacks.many_rows_xlsx(1_000_000)       # < 1 MB on disk
    assert len(data) < 2**20
    with bounded(seconds=10, mb=50):
        refused(lambda: read_xlsx(data, "导入文件"), "解压后过大")


def test_streaming_stops_at_the_first_row_over_the_limit() -> None:
    """Even with the zip checks lifted, the million rows are not all read: reading stops at row 5,001."""
    lifted = replace(LIMITS, unzipped_mb=100_000, ratio=10**9)
    data = attacks.many_rows_xlsx(1_000_000)
    with bounded(seconds=10, mb=100):
        refused(lambda: read_xlsx(data, "导入文件", limits=lifted), f"文件超过 {LIMITS.rows} 行", "主要产品产销存")
    ok = read_xlsx(attacks.many_rows_xlsx(LIMITS.rows - 1), "导入文件", limits=lifted)   # the header + 4,999 rows
    assert len(ok["主要产品产销存"].rows) == LIMITS.rows


def test_a_row_far_down_the_sheet_counts_as_all_the_rows_before_it() -> None:
    data = zip_of(package(["s"]) + [entry("xl/worksheets/sheet1.xml", sheet([]).replace(
        b"<sheetData></sheetData>", b'<sheetData><row r="1048576"><c r="A1048576"><v>1</v></c></row></sheetData>'))])
    with bounded(seconds=10, mb=50):
        refused(lambda: read_xlsx(data, "导入文件"), f"文件超过 {LIMITS.rows} 行")


def test_columns_cell_length_and_sheet_count_have_limits() -> None:
    refused(lambda: read_xlsx(attacks.many_rows_xlsx(3, columns=LIMITS.columns + 1), "导入文件"),
            f"文件超过 {LIMITS.columns} 列", "第 2 行")
    far = zip_of(package(["s"]) + [entry("xl/worksheets/sheet1.xml", sheet([]).replace(
        b"<sheetData></sheetData>", b'<sheetData><row r="1"><c r="XFD1"><v>1</v></c></row></sheetData>'))])
    refused(lambda: read_xlsx(far, "导入文件"), f"文件超过 {LIMITS.columns} 列")    # a declared far column, not padded
    long_text = xlsx(("s", [["短"], ["x" * (LIMITS.cell_chars + 1)]]))
    refused(lambda: read_xlsx(long_text, "导入文件"), f"单元格超过 {LIMITS.cell_chars} 个字符", "A2")
    assert read_xlsx(xlsx(("s", [["x" * LIMITS.cell_chars]])), "导入文件")["s"].rows[0][0].value == "x" * LIMITS.cell_chars
    many = xlsx(*[(f"s{i}", [[i]]) for i in range(LIMITS.sheets + 1)])
    refused(lambda: read_xlsx(many, "导入文件"), f"工作表超过 {LIMITS.sheets} 个")


def test_parsing_has_a_time_budget() -> None:
    rng = random.Random(1)
    data = xlsx(("s", [[rng.randint(0, 10**6) for _ in range(20)] for _ in range(2000)]))
    refused(lambda: read_xlsx(data, "导入文件", limits=replace(LIMITS, seconds=0.001)), "解析超时", "0.001 秒")
    assert len(read_xlsx(data, "导入文件")["s"].rows) == 2000


def test_xml_entities_are_refused() -> None:
    evil = (b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
            b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row><c t="inlineStr">'
            b"<is><t>&b;</t></is></c></row></sheetData></worksheet>")
    data = zip_of(package(["s"]) + [entry("xl/worksheets/sheet1.xml", evil)])
    refused(lambda: read_xlsx(data, "导入文件"), "无法读取")


def test_oversized_and_unreadable_files() -> None:
    refused(lambda: read_xlsx(b"x" * (int(LIMITS.max_mb * 2**20) + 1), "导入文件"), f"文件不能超过 {LIMITS.max_mb:g} MB")
    refused(lambda: read_xlsx(b"PK\x03\x04 not really a zip", "导入文件"), "无法读取")


# --- YAML / JSON ---------------------------------------------------------------------------------
def test_billion_laughs_is_refused_before_it_is_built() -> None:
    text = attacks.billion_laughs(9)               # 10**9 strings behind ~100 aliases
    assert len(text) < 2000
    with bounded(seconds=10, mb=20):
        refused(lambda: load_yaml(text, "导入文件"), f"超过 {LIMITS.nodes} 个节点", "billion laughs")
    assert load_yaml(attacks.billion_laughs(3), "导入文件")["settings"]["bomb"]["all"][0][0] == ["lol"] * 10  # 1,000: fine


def test_yaml_self_reference_deep_nesting_and_size() -> None:
    refused(lambda: load_yaml("a: &a [1, *a]\n", "导入文件"), "循环引用")
    refused(lambda: load_yaml("[" * 1000 + "]" * 1000, "导入文件"), f"嵌套超过 {LIMITS.depth} 层")
    refused(lambda: load_yaml("a: " + "x" * int(LIMITS.text_mb * 2**20 + 1), "导入文件"), f"不能超过 {LIMITS.text_mb:g} MB")
    assert load_yaml("a: &x {b: 1}\nc: *x\n", "导入文件") == {"a": {"b": 1}, "c": {"b": 1}}   # ordinary anchors still work


def test_json_depth_and_size() -> None:
    refused(lambda: load_json("[" * 100_000 + "]" * 100_000, "导入文件"), "嵌套层数过多")
    refused(lambda: load_json('"' + "x" * int(LIMITS.text_mb * 2**20) + '"', "导入文件"), f"不能超过 {LIMITS.text_mb:g} MB")
    assert load_json('{"a": [1, 2]}', "导入文件") == {"a": [1, 2]}
