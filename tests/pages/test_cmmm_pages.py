"""The self-diagnosis pages through the real app: enterprise flow to the report, admin query and export."""
import pytest

from services.cmmm import diagnosis as dx
from services.forms import definitions
from tests.cmmm.conftest import EFFECTIVENESS, level_answers, run_levels
from tests.factories import PASSWORD, make_admin, make_enterprise_user
from tests.pages.conftest import sign_in


@pytest.fixture(autouse=True)
def _model(sqlite_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    definitions.sync_specs()
    monkeypatch.setattr(dx, "ADVANCE_SECONDS", 0)


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
    at.switch_page("pages/cmmm_diagnosis.py").run()
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
    assert any(b.label == "下载 PDF 报告" for b in at.get("download_button"))


def test_admin_finds_and_exports_records(app) -> None:  # type: ignore[no-untyped-def]
    for region in ("320102", "320106", "440304"):
        user, _ = make_enterprise_user(region)
        did = dx.start(user, [])
        run_levels(user, did, ["1", "0"])
        dx.finish(user, did, EFFECTIVENESS, 0)
    make_admin("320100", "nj_cmmm")
    at = sign_in(app, "nj_cmmm", PASSWORD)
    at.switch_page("pages/cmmm_records.py").run()
    assert not at.exception
    assert "共 2 条记录 · 第 1/1 页" in [c.value for c in at.caption]
    assert len(at.dataframe[0].value) == 2
    at.button(key="rec_export_btn").click().run()
    assert {"下载 Excel", "导出答题记录", "下载 PDF 报告"} <= {b.label for b in at.get("download_button")}
    at.button(key="rec_enter").click().run()
    assert not at.exception and any("的全部自诊断" in m.value for m in at.markdown)
    at.switch_page("pages/cmmm_progress.py").run()
    assert not at.exception
    assert [m.value for m in at.metric] == ["0", "0", "2"]


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
    at.switch_page("pages/cmmm_diagnosis.py")
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
    at.switch_page("pages/cmmm_records.py").run()
    assert not at.exception
    region_boxes = [s.label for s in at.selectbox if (s.key or "").startswith("rec_region")]
    assert region_boxes == ["区县"]  # a city administrator picks a district, not a 市
    assert any("每一次自诊断" in c.value and "最新一次" in c.value for c in at.caption)
    assert all(s.placeholder == "请选择" for s in at.selectbox)
