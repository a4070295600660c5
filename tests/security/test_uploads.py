"""Uploads cannot freeze the platform (issue 14, item 1), on SQLite and PostgreSQL: 上报导入 and definition
imports refuse hostile files fast with a message naming the limit, write nothing, read every file before
any transaction opens, and another user's save goes through while a large file is being read."""
from __future__ import annotations

import random
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from openpyxl.worksheet._reader import WorkSheetParser
from sqlalchemy import event, func, select

from db.audit import AuditLog
from db.engine import get_engine, session_scope
from db.forms import FormDefinition
from db.monitor import MonitorReport
from services.core.errors import Conflict, ValidationFailed
from services.forms import definitions
from services.io import upload_limits
from services.io.upload_limits import Limits
from services.monitor import excel_io, reports, workflow
from services.monitor.excel_layout import SHEET_IND, SHEET_PROD
from services.io.uploads import store_upload
from tests.factories import make_admin
from tests.monitor.conftest import Chain, filled
from tests.monitor.test_import import fill, report_count
from tests.monitor.test_validation import month_of
from tests.security import attacks
from tests.security.attacks import entry, indicator_sheet, package, sheet, zip_of

LIMITS = Limits.current()


def credit_code(chain: Chain) -> str:
    from db.organisation import Organisation
    with session_scope() as s:
        org = s.get(Organisation, chain.org_id)
        assert org is not None
        return org.credit_code or ""


def audit_count(action: str) -> int:
    with session_scope() as s:
        return int(s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == action)) or 0)


def definition_count() -> int:
    with session_scope() as s:
        return int(s.scalar(select(func.count()).select_from(FormDefinition)) or 0)


def refused_fast(call: Any, *words: str, seconds: float = 10) -> str:
    t = time.monotonic()
    with pytest.raises(ValidationFailed) as err:
        call()
    assert time.monotonic() - t < seconds, f"took {time.monotonic() - t:.1f} s"
    assert all(w in str(err.value) for w in words), str(err.value)
    return str(err.value)


@contextmanager
def transactions_seen_by_reader() -> Iterator[list[tuple[str, int]]]:
    """Record, for each call into the bounded reader, how many database transactions were open then."""
    engine, open_ = get_engine(), [0]

    def began(_conn: Any) -> None:
        open_[0] += 1

    def ended(_conn: Any) -> None:
        open_[0] -= 1
    readers = {f.__code__: f.__name__ for f in (upload_limits.read_xlsx, upload_limits.load_yaml, upload_limits.load_json)}
    seen: list[tuple[str, int]] = []

    def profile(frame: FrameType, what: str, _arg: Any) -> None:
        if what == "call" and frame.f_code in readers:
            seen.append((readers[frame.f_code], open_[0]))
    hooks = (("begin", began), ("commit", ended), ("rollback", ended))
    for name, fn in hooks:
        event.listen(engine, name, fn)
    sys.setprofile(profile)
    try:
        yield seen
    finally:
        sys.setprofile(None)
        for name, fn in hooks:
            event.remove(engine, name, fn)


# --- 上报导入 -------------------------------------------------------------------------------------
def test_hostile_report_files_are_refused_fast_and_nothing_is_written(chain: Chain) -> None:
    period, code = month_of(quarter=True), credit_code(chain)
    million = attacks.many_rows_xlsx(1_000_000, code, period)      # 0.8 MB holding 1,000,000 product rows
    refused_fast(lambda: excel_io.import_report(chain.ent, period, "王五", million), "导入文件：文件解压后过大")
    bomb = attacks.bomb_xlsx(1024)                                   # 1 MB holding one 1 GB cell
    refused_fast(lambda: excel_io.import_report(chain.ent, period, "王五", bomb), "导入文件：文件解压后过大",
                 f"上限 {LIMITS.unzipped_mb:g} MB")
    refused_fast(lambda: excel_io.import_report(chain.ent, period, "王五", attacks.lying_xlsx(256)), "无法读取")
    too_many = attacks.many_rows_xlsx(LIMITS.rows + 10, code, period)  # passes the zip checks: stops at the row limit
    refused_fast(lambda: excel_io.import_report(chain.ent, period, "王五", too_many),
                 f"导入文件：文件超过 {LIMITS.rows} 行", SHEET_PROD)
    long_cell = zip_of(package([SHEET_IND, SHEET_PROD]) + [
        entry("xl/worksheets/sheet1.xml", indicator_sheet(code, period)),
        entry("xl/worksheets/sheet2.xml", sheet([["产品名称"], ["轴" * (LIMITS.cell_chars + 1), "", "件", 1, 1, 1]]))])
    refused_fast(lambda: excel_io.import_report(chain.ent, period, "王五", long_cell),
                 f"单元格超过 {LIMITS.cell_chars} 个字符", "A2")
    assert report_count(chain.org_id) == 0 and audit_count("monitor.imported") == 0


def test_the_report_file_is_read_before_the_transaction_opens(chain: Chain) -> None:
    period = month_of(quarter=True)
    data = fill(excel_io.template_xlsx(chain.ent, period))
    with transactions_seen_by_reader() as seen:
        result = excel_io.import_report(chain.ent, period, "王五", data)
    assert result.ok and report_count(chain.org_id) == 1
    assert seen == [("read_xlsx", 0)]


def _slow_file(code: str, period: str, rows: int = 2500, columns: int = 30) -> bytes:
    """A file inside every limit that takes a while to read: random numbers (no compression bomb)."""
    rng = random.Random(14)
    products = [["产品名称"]] + [[rng.randint(0, 10**9) for _ in range(columns)] for _ in range(rows)]
    return zip_of(package([SHEET_IND, SHEET_PROD]) + [entry("xl/worksheets/sheet1.xml", indicator_sheet(code, period)),
                                                      entry("xl/worksheets/sheet2.xml", sheet(products))])


def test_another_user_saves_while_a_large_report_file_is_read(chain: Chain) -> None:
    """While one session reads a large file, another session of the enterprise reports (上报) the same
    month: that save must not wait for the reading (it did when reading happened inside the import's
    transaction: SQLite's write lock, PostgreSQL's lock on the report row)."""
    period = month_of(quarter=True)
    rid = filled(chain.ent, period)
    data = _slow_file(credit_code(chain), period)
    reading, done = threading.Event(), {}
    parse_code = WorkSheetParser.parse.__code__

    def importer() -> None:
        def profile(frame: FrameType, what: str, _arg: Any) -> None:
            if what == "call" and frame.f_code is parse_code:
                reading.set()
                sys.setprofile(None)      # watched once: the reading itself runs at full speed
        sys.setprofile(profile)
        try:
            done["import"] = excel_io.import_report(chain.ent, period, "王五", data)
        except (Conflict, ValidationFailed) as err:   # expected: Conflict, the month was reported meanwhile
            done["import"] = err
        finally:
            sys.setprofile(None)
            done["import_at"] = time.monotonic()

    def other_session() -> None:
        assert reading.wait(30)
        done["warnings"] = reports.submit_report(chain.ent, rid)
        done["save_at"] = time.monotonic()

    threads = [threading.Thread(target=importer), threading.Thread(target=other_session)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert "save_at" in done and "import_at" in done, done
    assert done["save_at"] < done["import_at"], "the other session waited for the file to be read"
    assert isinstance(done["import"], Conflict), done["import"]    # read first, then found the month 审核中
    with session_scope() as s:
        report = s.get(MonitorReport, rid)
        assert report is not None and report.status not in workflow.EDITABLE   # the 上报 went through


# --- definitions and attachments ------------------------------------------------------------------
def test_hostile_definition_files_are_refused_fast_and_nothing_is_written(db: str) -> None:
    admin = make_admin(None)
    before = definition_count()
    refused_fast(lambda: definitions.import_file(admin, attacks.bomb_xlsx(1024, ("settings", "survey")), "问卷.xlsx"),
                 "X005", "文件解压后过大")
    refused_fast(lambda: definitions.import_file(admin, attacks.billion_laughs(9).encode(), "问卷.yaml"),
                 f"超过 {LIMITS.nodes} 个节点", "billion laughs")
    deep = b'{"code": ' + b"[" * 200_000 + b"]" * 200_000 + b"}"
    refused_fast(lambda: definitions.import_file(admin, deep, "问卷.json"), "嵌套层数过多")
    refused_fast(lambda: definitions.import_file(admin, "code: 测试".encode("gbk"), "问卷.yaml"), "UTF-8")
    refused_fast(lambda: definitions.import_file(admin, b"x" * int(LIMITS.text_mb * 2**20 + 1), "问卷.yaml"),
                 f"文件不能超过 {LIMITS.text_mb:g} MB")
    refused_fast(lambda: definitions.import_file(admin, b"MZ\x90\x00", "问卷.exe"), "只能导入")
    draft = definitions.import_file(admin, attacks.billion_laughs(2).encode(), "问卷.yaml")   # 100 laughs: fine
    refused_fast(lambda: definitions.update_text(admin, draft, attacks.billion_laughs(9)), "billion laughs")
    assert definition_count() == before + 1
    assert definitions.version_document(draft)["settings"]["bomb"]["all"] == [["lol"] * 10] * 10


def test_definition_files_are_read_before_any_transaction(db: str) -> None:
    from services.forms.xlsform import to_workbook
    admin = make_admin(None)
    text = attacks.billion_laughs(1, code="plain")
    with transactions_seen_by_reader() as seen:
        vid = definitions.import_file(admin, text.encode(), "plain.yaml")
        definitions.import_file(admin, to_workbook(definitions.version_document(vid)), "plain.xlsx")
        definitions.update_text(admin, vid, text)
    assert seen == [("load_yaml", 0), ("read_xlsx", 0), ("load_yaml", 0)]


def test_an_office_attachment_that_is_a_compression_bomb_is_not_stored(tmp_path: Path) -> None:
    docx = zip_of([entry("[Content_Types].xml", b"<Types/>"),
                   entry("word/document.xml", b"<w:document>", b" " * 2**20, 64, b"</w:document>")])
    with pytest.raises(ValidationFailed, match="佐证材料：文件解压后过大"):
        store_upload(docx, "合同.docx", ("docx", "pdf"), 10, "佐证材料", folder=tmp_path)
    assert list(tmp_path.iterdir()) == []
