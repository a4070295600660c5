"""The self-diagnosis pages through the real app: enterprise flow to the report, admin query and export."""
import io
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import update
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from db.engine import session_scope
from db.organisation import Organisation
from services.cmmm import admin, report
from services.cmmm import diagnosis as dx
from services.forms import definitions
from tests.cmmm.conftest import EFFECTIVENESS, level_answers, run_levels, seed_completed
from tests.factories import PASSWORD, make_admin, make_enterprise_user, make_org
from tests.pages.conftest import APP, sign_in
from tests.pages.helpers import assert_clean, by_label, joined, texts


@pytest.fixture(autouse=True)
def _model(sqlite_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    definitions.sync_specs()
    monkeypatch.setattr(dx, "advance_seconds", lambda: 0)


def _answer(at, rid: int, answers: dict) -> None:  # type: ignore[no-untyped-def]
    for name, value in answers.items():
        key = f"fr_{rid}_{name}"
        if any(r.key == key for r in at.radio):
            at.radio(key=key).set_value(value)
        else:
            at.text_input(key=key).input(value)


def test_enterprise_diagnosis_to_results_and_pdf(app) -> None:  # type: ignore[no-untyped-def]
    user, _ = make_enterprise_user()
    at = sign_in(app, user.username, PASSWORD)
    at.switch_page("pages/cmmm/cmmm_diagnosis.py").run()
    assert "一级 规划级" in " ".join(m.value for m in at.markdown)  # level characteristics shown first
    at.checkbox(key="tailor_design").check()
    at.button(key=next(b.key for b in at.button if b.label == "开始答题")).click().run()
    view = dx.history(user)[0]
    assert view.status == "in_progress" and view.tailoring == ["design"]
    rid = view.response_id
    assert f"fr_{rid}_l1_product_design_1" not in [r.key for r in at.radio]  # tailored out
    at.button(key=f"cmmm_{view.id}_level1_submit").click().run()
    assert any("必填" in e.value for e in at.error)  # a level needs every answer
    _answer(at, rid, level_answers(1, "1", ("design",)))
    at.button(key=f"cmmm_{view.id}_level1_submit").click().run()
    assert not at.exception
    assert [h.value for h in at.subheader] == ["二级 规范级"]
    _answer(at, rid, level_answers(2, "0.5", ("design",)))
    at.button(key=f"cmmm_{view.id}_level2_submit").click().run()
    assert [h.value for h in at.subheader] == ["成效类指标（不参与评分）"]
    _answer(at, rid, EFFECTIVENESS)
    at.button(key=f"cmmm_{view.id}_effectiveness_submit").click().run()
    assert not at.exception
    done = dx.get(user, view.id)
    assert done.status == "completed" and done.total_score == pytest.approx(1.5) and done.level == 1
    labels = [m.label for m in at.metric]
    assert "总分 S" in labels and [m.value for m in at.metric][:2] == ["1.50", "一级 规划级"]
    assert not at.get("download_button")  # the PDF (about 2 s) is built only when asked
    at.button(key="work_pdf_prepare").click().run()
    pdf = [b for b in at.get("download_button") if b.label == "下载 PDF 报告"]
    assert len(pdf) == 1 and pdf[0].proto.url  # the built file is offered


def test_answers_are_saved_as_drafts_without_a_click_on_save(app) -> None:  # type: ignore[no-untyped-def]
    """Each answer is saved server-side at once: a fresh sign-in (browser closed) finds them all."""
    user, _ = make_enterprise_user()
    at = sign_in(app, user.username, PASSWORD)
    at.switch_page("pages/cmmm/cmmm_diagnosis.py").run()
    at.button(key=next(b.key for b in at.button if b.label == "开始答题")).click().run()
    view = dx.history(user)[0]
    some = dict(list(level_answers(1, "1", ()).items())[:3])
    for name, value in some.items():
        at.radio(key=f"fr_{view.response_id}_{name}").set_value(value).run()
        assert not at.exception and not at.error
    assert any(c.value.startswith("已自动保存") for c in at.caption)
    again = sign_in(AppTest.from_file(APP, default_timeout=60), user.username, PASSWORD)
    again.switch_page("pages/cmmm/cmmm_diagnosis.py").run()
    assert {k: again.radio(key=f"fr_{view.response_id}_{k}").value for k in some} == some
    assert f"共 " in " ".join(c.value for c in again.caption) and "已答 3 题" in " ".join(c.value for c in again.caption)


def test_landing_after_finishing_shows_the_result_and_history_shows_in_place(app) -> None:  # type: ignore[no-untyped-def]
    user, _ = make_enterprise_user()
    did = dx.start(user, [])
    run_levels(user, did, ["1", "0"])
    dx.finish(user, did, EFFECTIVENESS, 0)
    at = sign_in(app, user.username, PASSWORD)
    at.switch_page("pages/cmmm/cmmm_diagnosis.py").run()
    assert not at.exception
    work, history = at.tabs[0], at.tabs[1]
    assert [m.value for m in work.metric][:2] == ["1.00", "一级 规划级"]  # the result, not a blank new diagnosis
    assert "开始答题" not in [b.label for b in at.button]
    history.button(key="hist_view").click().run()
    history = at.tabs[1]
    assert [m.value for m in history.metric][:2] == ["1.00", "一级 规划级"]  # drawn where the user is looking
    at.button(key="new").click().run()
    assert "开始答题" in [b.label for b in at.button]


def test_admin_finds_and_exports_records(app) -> None:  # type: ignore[no-untyped-def]
    for region in ("320102", "320106", "440304"):
        user, _ = make_enterprise_user(region)
        did = dx.start(user, [])
        run_levels(user, did, ["1", "0"])
        dx.finish(user, did, EFFECTIVENESS, 0)
    make_admin("320100", "nj_cmmm")
    at = sign_in(app, "nj_cmmm", PASSWORD)
    at.switch_page("pages/cmmm/cmmm_records.py").run()
    assert not at.exception
    assert "共 2 条记录" in [c.value for c in at.caption]
    assert len(at.dataframe[0].value) == 2
    at.button(key="rec_export_prepare").click().run()
    at.button(key="rec_pdf_prepare").click().run()
    assert {"下载 Excel", "导出答题记录", "下载 PDF 报告"} <= {b.label for b in at.get("download_button")}
    at.button(key="rec_enter").click().run()
    assert not at.exception and any("的全部自诊断" in m.value for m in at.markdown)
    at.switch_page("pages/cmmm/cmmm_progress.py").run()
    assert not at.exception
    assert [m.value for m in at.metric] == ["0", "0", "2"]


# --- the admin lists: paging, exports and the PDF -------------------------------------------------
@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """Every file the app handed to the media store (download buttons), by file id."""
    files: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def spy(self, data, mimetype, kind, filename=None):  # type: ignore[no-untyped-def]
        file_id = original(self, data, mimetype, kind, filename)
        files[file_id] = data
        return file_id

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", spy)
    return files


def _offered(at: AppTest, served: dict[str, bytes], label: str) -> bytes | None:
    """Return the file the download button ``label`` hands out (None when no such button is shown)."""
    found = [b for b in at.download_button if b.label == label]
    return served[Path(found[0].proto.url).stem] if found else None


def _sheet_rows(data: bytes | None) -> list[list[object]]:
    assert data is not None, "no download offered"
    return [[c.value for c in r] for r in openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows()][1:]


def _records_page(app: AppTest) -> AppTest:
    make_admin("320100", "nj_lists")
    at = sign_in(app, "nj_lists", PASSWORD)
    at.switch_page("pages/cmmm/cmmm_records.py").run()
    assert_clean(at)
    return at


def _count(at: AppTest) -> str:
    return next(c for c in texts(at.caption) if c.startswith("共 "))


def _seed_records() -> tuple[int, str]:
    """About 60 records of 南京 (3 pages), 3 enterprises of 中类 382 among them; return (total, one name)."""
    made = seed_completed({"3411": 45, "3821": 3})
    name = "独一无二精密机械有限公司"
    with session_scope() as session:
        session.execute(update(Organisation).where(Organisation.id == made["3411"][0]).values(name=name))
    return admin.query_records(make_admin("320100"), admin.Filters())[0], name


def test_records_return_to_page_one_when_a_filter_changes(app: AppTest) -> None:
    total, name = _seed_records()
    pages = -(-total // 20)
    assert pages >= 3
    at = _records_page(app)
    at.number_input(key="rec_page").set_value(3).run()
    assert _count(at) == f"共 {total} 条记录，第 3/{pages} 页"
    at.text_input(key="rec_kw").input(name).run()
    assert_clean(at)
    mine = admin.query_records(make_admin("320100"), admin.Filters(keyword=name))[0]
    assert _count(at) == f"共 {mine} 条记录" and len(at.dataframe[0].value) == mine >= 1
    at.text_input(key="rec_kw").input("").run()
    assert _count(at) == f"共 {total} 条记录，第 1/{pages} 页"


def test_records_download_holds_what_the_filters_show_now(app: AppTest, served: dict[str, bytes]) -> None:
    total, _ = _seed_records()
    at = _records_page(app)
    assert _offered(at, served, "下载 Excel") is None  # nothing built before it is asked for
    at.button(key="rec_export_prepare").click().run()
    assert len(_sheet_rows(_offered(at, served, "下载 Excel"))) == total
    for depth, code in enumerate(("C", "38", "382")):  # 中类 382 输配电及控制设备制造
        at.selectbox(key=f"rec_industry_{depth}").set_value(code).run()
        assert_clean(at)
        assert _offered(at, served, "下载 Excel") is None  # the file for the earlier filter is gone
    nj = make_admin("320100")
    shown, rows = admin.query_records(nj, admin.Filters(industry_code="382"))
    assert 3 <= shown < total and _count(at) == f"共 {shown} 条记录"
    assert sorted(at.dataframe[0].value["编号"]) == sorted(r.id for r in rows)
    at.button(key="rec_export_prepare").click().run()
    exported = _sheet_rows(_offered(at, served, "下载 Excel"))
    assert sorted(r[0] for r in exported) == sorted(r.id for r in rows)
    assert {r[7] for r in exported} == {"38"}


def test_records_reversed_year_range_is_explained(app: AppTest) -> None:
    seed_completed({"3411": 2})
    at = _records_page(app)
    at.number_input(key="rec_to").set_value(2019).run()
    at.number_input(key="rec_from").set_value(2021).run()
    assert_clean(at)
    shown = joined(at.error)
    assert "起始年份（2021）" in shown and "截止年份（2019）" in shown and "不能晚于" in shown
    assert _count(at) == "共 0 条记录" and not at.dataframe
    assert "rec_export_prepare" not in [b.key for b in at.button]


def test_records_pdf_only_when_asked_and_only_for_its_record(app: AppTest, served: dict[str, bytes],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    seed_completed({"3411": 3})
    built: list[int] = []
    real = report.build_pdf

    def counting(res):  # type: ignore[no-untyped-def]
        built.append(res.diagnosis_id)
        return real(res)

    monkeypatch.setattr(report, "build_pdf", counting)
    at = _records_page(app)
    at.text_input(key="rec_kw").input("直建").run()  # a filter change builds nothing either
    at.button(key="rec_enter").click().run()
    assert_clean(at)
    assert built == [] and _offered(at, served, "下载 PDF 报告") is None
    at.button(key="rec_pdf_prepare").click().run()
    assert_clean(at)
    assert len(built) == 1 and (_offered(at, served, "下载 PDF 报告") or b"").startswith(b"%PDF")
    detail = by_label(at.selectbox, "查看详情")
    assert len(detail.options) >= 2 and detail.index == 0
    detail.select_index(1).run()
    assert_clean(at)
    assert by_label(at.selectbox, "查看详情").index == 1
    assert _offered(at, served, "下载 PDF 报告") is None  # never the previous record's report
    assert len(built) == 1 and "rec_pdf_prepare" in [b.key for b in at.button]
    at.button(key="rec_pdf_prepare").click().run()
    assert len(built) == 2 and built[0] != built[1]


def test_progress_pages_and_export_follow_the_filters(app: AppTest, served: dict[str, bytes]) -> None:
    seed_completed({"3411": 25})
    idle = [make_org("320102", status="approved") for _ in range(3)]
    make_admin("320100", "nj_prog")
    at = sign_in(app, "nj_prog", PASSWORD)
    at.switch_page("pages/cmmm/cmmm_progress.py").run()
    assert_clean(at)
    assert [m.value for m in at.metric] == ["3", "0", "25"] and _count(at) == "共 28 家，第 1/2 页"
    at.number_input(key="prog_page").set_value(2).run()
    assert _count(at) == "共 28 家，第 2/2 页" and len(at.dataframe[0].value) == 8
    at.button(key="prog_export_prepare").click().run()
    assert len(_sheet_rows(_offered(at, served, "下载 Excel"))) == 28
    at.radio(key="prog_status").set_value("none").run()
    assert_clean(at)
    assert _count(at) == "共 3 家" and len(at.dataframe[0].value) == 3
    assert _offered(at, served, "下载 Excel") is None  # the file for 全部 is not offered for 未诊断
    at.button(key="prog_export_prepare").click().run()
    exported = _sheet_rows(_offered(at, served, "下载 Excel"))
    assert [r[4] for r in exported] == ["未诊断"] * 3 and len(idle) == 3
    assert sorted(r[0] for r in exported) == sorted(at.dataframe[0].value["企业名称"])


def _completed(region: str = "320102"):  # type: ignore[no-untyped-def]
    user, _ = make_enterprise_user(region)
    did = dx.start(user, [])
    run_levels(user, did, ["1", "0.5"])
    dx.finish(user, did, EFFECTIVENESS, 0)
    return user, did


def test_result_scores_are_one_row_per_subdomain(app) -> None:  # type: ignore[no-untyped-def]
    """Sub-domains down, levels across: 集成 and 网络 no longer sit off-screen at the far right."""
    user, did = _completed()
    at = sign_in(app, user.username, PASSWORD)
    at.switch_page("pages/cmmm/cmmm_diagnosis.py")
    at.session_state["cmmm_view"] = did
    at.run()
    assert not at.exception
    table = next(d.value for d in at.dataframe if "能力子域" in d.value.columns)
    assert list(table.columns) == ["能力子域", "一级 规划级", "二级 规范级"]
    assert table.iloc[0]["能力子域"] == "等级得分" and table.iloc[0]["一级 规划级"] == "1.00"
    assert len(table) > 5 and table["能力子域"].is_unique
    assert any("集成" in name for name in table["能力子域"]) and any("网络" in name for name in table["能力子域"])


def test_city_admin_picks_districts_and_reads_what_is_counted(app) -> None:  # type: ignore[no-untyped-def]
    _completed("320102")
    make_admin("320100", "nj_labels")
    at = sign_in(app, "nj_labels", PASSWORD)
    at.switch_page("pages/cmmm/cmmm_records.py").run()
    assert not at.exception
    region_boxes = [s.label for s in at.selectbox if (s.key or "").startswith("rec_region")]
    assert region_boxes == ["区县"]  # a city administrator picks a district, not a 市
    assert any("每一次自诊断" in c.value and "最新一次" in c.value for c in at.caption)
    assert all(s.placeholder == "请选择" for s in at.selectbox)
