"""The self-diagnosis pages through the real app: enterprise flow to the report, admin query and export."""
import pytest
from streamlit.testing.v1 import AppTest

from services.cmmm import diagnosis as dx
from services.forms import definitions
from tests.cmmm.conftest import EFFECTIVENESS, level_answers, run_levels
from tests.factories import PASSWORD, make_admin, make_enterprise_user
from tests.pages.conftest import APP, sign_in


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
    assert not at.get("download_button")  # the PDF (about 2 s) is built only when asked
    at.button(key=f"work_pdf_{view.id}_build").click().run()
    pdf = [b for b in at.get("download_button") if b.label == "下载 PDF 报告"]
    assert len(pdf) == 1 and pdf[0].proto.url  # the built file is offered


def test_answers_are_saved_as_drafts_without_a_click_on_save(app) -> None:  # type: ignore[no-untyped-def]
    """Each answer is saved server-side at once: a fresh sign-in (browser closed) finds them all."""
    user, _ = make_enterprise_user()
    at = sign_in(app, user.username, PASSWORD)
    at.switch_page("pages/cmmm_diagnosis.py").run()
    at.button(key=next(b.key for b in at.button if b.label == "开始答题")).click().run()
    view = dx.history(user)[0]
    some = dict(list(level_answers(1, "1", ()).items())[:3])
    for name, value in some.items():
        at.radio(key=f"fr_{view.response_id}_{name}").set_value(value).run()
        assert not at.exception and not at.error
    assert any(c.value.startswith("已自动保存") for c in at.caption)
    again = sign_in(AppTest.from_file(APP, default_timeout=60), user.username, PASSWORD)
    again.switch_page("pages/cmmm_diagnosis.py").run()
    assert {k: again.radio(key=f"fr_{view.response_id}_{k}").value for k in some} == some
    assert f"共 " in " ".join(c.value for c in again.caption) and "已答 3 题" in " ".join(c.value for c in again.caption)


def test_landing_after_finishing_shows_the_result_and_history_shows_in_place(app) -> None:  # type: ignore[no-untyped-def]
    user, _ = make_enterprise_user()
    did = dx.start(user, [])
    run_levels(user, did, ["1", "0"])
    dx.finish(user, did, EFFECTIVENESS, 0)
    at = sign_in(app, user.username, PASSWORD)
    at.switch_page("pages/cmmm_diagnosis.py").run()
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
