"""Definition lifecycle and responses on a real database (SQLite and PostgreSQL)."""
import pytest
import yaml
from sqlalchemy import func, select

from db.engine import session_scope
from db.forms import AnswerValue, ResponseScore
from services.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from services.forms import analysis, definitions, responses
from services.forms.engine import evaluate
from tests.factories import make_admin, make_enterprise_user

DOC = yaml.safe_load("""
code: digital_needs
kind: survey
title: 数字化需求调查
choices:
  need: [{value: erp, label: ERP, score: 1}, {value: mes, label: MES, score: 2}, {value: crm, label: CRM, score: 1}]
sections:
  - name: basic
    title: 基本情况
    questions:
      - {name: it_staff, type: integer, label: 信息化人员数, required: true, constraints: [{rule: ". >= 0", message: 不能为负数}]}
      - {name: budget, type: decimal, label: 年度信息化投入, unit: 万元,
         constraints: [{rule: ". <= 10000", message: 投入偏大请核实, severity: warning}]}
  - name: needs
    title: 需求
    questions:
      - {name: wants, type: multiple, label: 需要的系统, choices: need, required: true}
      - {name: priority, type: single, label: 最优先, choices: need}
""")


@pytest.fixture
def designer(db: str):  # type: ignore[no-untyped-def]
    return make_admin(None, "designer")


def _publish(designer, doc=DOC) -> int:  # type: ignore[no-untyped-def]
    vid = definitions.save_draft(designer, doc)
    definitions.publish(designer, vid)
    return vid


def test_lifecycle_and_immutability(designer) -> None:  # type: ignore[no-untyped-def]
    v1 = _publish(designer)
    with pytest.raises(Conflict, match="不可修改"):
        definitions.update_content(designer, v1, DOC)
    with pytest.raises(Conflict):
        definitions.publish(designer, v1)
    v2 = definitions.copy_to_draft(designer, v1)
    changed = {**DOC, "title": "数字化需求调查（2027）"}
    definitions.update_content(designer, v2, changed)
    definitions.publish(designer, v2)
    views = {v.id: v for v in definitions.list_versions(designer)}
    assert (views[v1].status, views[v1].version) == ("stopped", 1)
    assert (views[v2].status, views[v2].version, views[v2].title) == ("published", 2, "数字化需求调查（2027）")
    assert definitions.version_document(v1)["title"] == "数字化需求调查"  # the old version is untouched


def test_invalid_definition_cannot_be_saved_or_published(designer) -> None:  # type: ignore[no-untyped-def]
    bad = {**DOC, "sections": [{"name": "x", "title": "X", "questions": [{"name": "a", "type": "bogus", "label": "A"}]}]}
    with pytest.raises(ValidationFailed, match="D002"):
        definitions.save_draft(designer, bad)


def test_enterprise_cannot_design(designer) -> None:  # type: ignore[no-untyped-def]
    user, _ = make_enterprise_user()
    with pytest.raises(PermissionDenied):
        definitions.save_draft(user, DOC)


def test_fill_save_submit_and_typed_rows(designer) -> None:  # type: ignore[no-untyped-def]
    vid = _publish(designer)
    user, org_id = make_enterprise_user()
    rid = responses.open_response(user, vid)
    assert responses.open_response(user, vid) == rid  # resume, not a second response
    with pytest.raises(ValidationFailed, match="不能为负数"):
        responses.save_section(user, rid, "basic", {"it_staff": "-1"}, 0)
    version, warnings = responses.save_section(user, rid, "basic", {"it_staff": "3", "budget": "20000"}, 0,
                                               move_to="needs")
    assert version == 1 and [w.message for w in warnings] == ["年度信息化投入：投入偏大请核实"]
    view = responses.get_response(user, rid)
    assert view.current_section == "needs" and view.answers["it_staff"] == "3"
    with pytest.raises(ValidationFailed, match="需要的系统"):
        responses.submit(user, rid)
    responses.save_section(user, rid, "needs", {"wants": ["erp", "mes"], "priority": "mes"}, 0)
    recorded = responses.submit(user, rid, request_id="submit-1")
    assert [w.message for w in recorded] == ["年度信息化投入：投入偏大请核实"]
    assert responses.submit(user, rid, request_id="submit-1") == []  # replayed click: nothing twice
    with pytest.raises(Conflict, match="不能重复提交"):
        responses.submit(user, rid, request_id="submit-2")
    with pytest.raises(Conflict):
        responses.save_section(user, rid, "basic", {"it_staff": "4"}, 1)
    view = responses.get_response(user, rid)
    assert view.status == "submitted" and view.warnings[0]["question"] == "budget"
    with session_scope() as s:
        paths = sorted(s.scalars(select(AnswerValue.path).where(AnswerValue.response_id == rid)))
        assert paths == ["budget", "it_staff", "priority", "wants", "wants"]


def test_concurrent_edit_of_same_section_conflicts_with_details(designer) -> None:  # type: ignore[no-untyped-def]
    vid = _publish(designer)
    a, org_id = make_enterprise_user()
    from services.identity.accounts import create_account
    from tests.factories import PASSWORD, actor_of
    create_account("colleague", PASSWORD, ["enterprise"], org_id=org_id)
    b = actor_of("colleague")
    rid = responses.open_response(a, vid)
    assert responses.open_response(b, vid) == rid
    loaded = responses.get_response(b, rid)  # both load version 0
    responses.save_section(a, rid, "basic", {"it_staff": "5"}, 0)
    with pytest.raises(Conflict) as err:
        responses.save_section(b, rid, "basic", {"it_staff": "9"}, 0, base_data=loaded.answers)
    assert "信息化人员数" in str(err.value) and "5" in str(err.value) and "覆盖" in str(err.value)
    responses.save_section(b, rid, "needs", {"wants": ["crm"]}, 0)  # another section: no conflict
    view = responses.get_response(a, rid)
    assert view.answers["it_staff"] == "5" and view.answers["wants"] == ["crm"]


def test_old_responses_keep_their_version(designer) -> None:  # type: ignore[no-untyped-def]
    v1 = _publish(designer)
    user, _ = make_enterprise_user()
    rid = responses.open_response(user, v1)
    responses.save_section(user, rid, "basic", {"it_staff": "2"}, 0)
    v2 = definitions.copy_to_draft(designer, v1)
    doc2 = yaml.safe_load(yaml.safe_dump(DOC, allow_unicode=True))
    doc2["sections"][0]["questions"][0]["label"] = "信息化专职人员数"
    definitions.update_content(designer, v2, doc2)
    definitions.publish(designer, v2)
    view = responses.get_response(user, rid)
    assert view.version_id == v1
    assert evaluate(definitions.definition_for_version(view.version_id), {}).progress["basic"] == (0, 2)
    assert definitions.definition_for_version(v1).question("it_staff").label == "信息化人员数"


def test_other_org_and_jurisdiction(designer) -> None:  # type: ignore[no-untyped-def]
    vid = _publish(designer)
    user, _ = make_enterprise_user("320102")
    other, _ = make_enterprise_user("320106")
    rid = responses.open_response(user, vid)
    with pytest.raises(NotFound):
        responses.get_response(other, rid)
    with pytest.raises(NotFound):
        responses.save_section(other, rid, "basic", {"it_staff": "1"}, 0)
    assert responses.get_response(make_admin("320102"), rid).id == rid
    with pytest.raises(NotFound):
        responses.get_response(make_admin("320106"), rid)


def test_table_and_question_stats(designer) -> None:  # type: ignore[no-untyped-def]
    vid = _publish(designer)
    for i, (wants, staff) in enumerate([(["erp", "mes"], "2"), (["mes"], "4"), (["crm"], "9")]):
        user, _ = make_enterprise_user("320102" if i < 2 else "440304")
        rid = responses.open_response(user, vid)
        responses.save_section(user, rid, "basic", {"it_staff": staff}, 0)
        responses.save_section(user, rid, "needs", {"wants": wants}, 0)
        responses.submit(user, rid)
    national, nanjing = designer, make_admin("320100")
    stats = analysis.question_stats(national, vid, "wants")
    assert stats.respondents == 3
    assert [(o[0], o[2]) for o in stats.options] == [("erp", 1), ("mes", 2), ("crm", 1)]
    assert stats.options[1][3] == pytest.approx(2 / 3, abs=1e-3)
    num = analysis.question_stats(nanjing, vid, "it_staff")  # only the two in Nanjing
    assert (num.count, num.mean, num.min, num.max) == (2, 3.0, 2.0, 4.0)
    table = analysis.responses_table(nanjing, vid)
    assert len(table) == 2 and table[0]["需要的系统"] == "ERP、MES"
    with session_scope() as s:
        assert s.scalar(select(func.count()).select_from(ResponseScore)) == 0  # no scoring declared


def _shipped(tmp_path, title: str):  # type: ignore[no-untyped-def]
    folder = tmp_path / "specs"
    folder.mkdir(exist_ok=True)
    (folder / "needs.yaml").write_text(yaml.safe_dump({**DOC, "title": title}, allow_unicode=True), encoding="utf-8")
    return folder


def test_a_shipped_file_never_overrides_an_administrators_newer_version(designer, tmp_path) -> None:  # type: ignore[no-untyped-def]
    folder = _shipped(tmp_path, "数字化需求调查")
    assert definitions.sync_specs(folder) == ["digital_needs"]
    assert definitions.sync_specs(folder) == []  # every start: nothing to do
    mine = definitions.save_draft(designer, {**DOC, "title": "数字化需求调查（本年修订）"})
    definitions.publish(designer, mine)
    folder = _shipped(tmp_path, "数字化需求调查（新发行版）")  # the next release changes the file
    assert definitions.sync_specs(folder) == []
    assert definitions.published_version("digital_needs").id == mine  # the administrator's version stays on
    assert definitions.version_document(mine)["title"] == "数字化需求调查（本年修订）"


def test_a_changed_shipped_file_replaces_only_a_shipped_version(designer, tmp_path) -> None:  # type: ignore[no-untyped-def]
    definitions.sync_specs(_shipped(tmp_path, "数字化需求调查"))
    first = definitions.published_version("digital_needs").id
    assert definitions.sync_specs(_shipped(tmp_path, "数字化需求调查（新发行版）")) == ["digital_needs"]
    now = definitions.published_version("digital_needs")
    assert now.id != first and definitions.version_document(now.id)["title"] == "数字化需求调查（新发行版）"


def test_a_shipped_version_an_administrator_stopped_stays_stopped(designer, tmp_path) -> None:  # type: ignore[no-untyped-def]
    folder = _shipped(tmp_path, "数字化需求调查")
    definitions.sync_specs(folder)
    definitions.stop(designer, definitions.published_version("digital_needs").id)
    assert definitions.sync_specs(folder) == []  # before: every start republished it
    with pytest.raises(NotFound):
        definitions.published_version("digital_needs")


def test_the_designer_reads_a_draft_as_it_is_now(designer) -> None:  # type: ignore[no-untyped-def]
    vid = definitions.save_draft(designer, DOC)
    assert definitions.version_document(vid)["title"] == "数字化需求调查"
    assert definitions.definition_for_version(vid).title == "数字化需求调查"
    assert definitions.save_draft(designer, {**DOC, "title": "改过的标题"}) == vid
    assert definitions.version_document(vid)["title"] == "改过的标题"  # never a cached copy of a draft
    assert definitions.definition_for_version(vid).title == "改过的标题"


@pytest.mark.parametrize("when", ["2027-01-01T00:30:00+08:00", "2027-03-31T23:50:00+08:00", "2028-02-29T09:00:00+08:00"])
def test_the_service_decides_which_periods_a_survey_opens_for(designer, when) -> None:  # type: ignore[no-untyped-def]
    import clock
    with clock.travel(when):
        today = clock.today()
        months = responses.period_choices("month")
        assert months.default == today.strftime("%Y-%m") and len(months.options) == 12
        assert months.options[-1] < months.options[0]
        quarters = responses.period_choices("quarter")
        assert quarters.default == f"{today.year}-Q{(today.month - 1) // 3 + 1}" and len(quarters.options) == 4
        assert f"{today.year - 1}-Q{(today.month - 1) // 3 + 1}" not in quarters.options  # a year back: too old
        assert responses.period_choices("year").default == str(today.year - 1)
        assert responses.period_choices("none").options == [""]
        user, _ = make_enterprise_user()
        quarterly = {**DOC, "code": "q_needs", "period": "quarter"}
        vid = _publish(designer, quarterly)
        rid = responses.open_response(user, vid, quarters.options[1])
        assert responses.get_response(user, rid).period == quarters.options[1]  # before: a quarter became ""
        for bad, rule in (("2027Q1", "季度：须为 YYYY-Qn 格式"), ("2027-Q5", "季度：须为 YYYY-Qn 格式"),
                          (f"{today.year + 1}-Q1", "季度：只能填报"), (f"{today.year - 2}-Q1", "季度：只能填报")):
            with pytest.raises(ValidationFailed, match=rule):
                responses.open_response(user, vid, bad)
        assert responses.get_response(user, responses.open_response(user, vid, "")).period == quarters.default
        plain = _publish(designer, {**DOC, "code": "no_period"})
        with pytest.raises(ValidationFailed, match="期别：该问卷不分期别"):
            responses.open_response(user, plain, "2027")
        yearly = _publish(designer, {**DOC, "code": "y_needs", "period": "year"})
        with pytest.raises(ValidationFailed, match="年度：只能填报"):
            responses.open_response(user, yearly, str(today.year + 1))


def test_the_period_before() -> None:
    assert [responses.previous_period(p) for p in ("2027-01", "2027-03", "2027-Q1", "2027-Q3", "2027", "")] == \
        ["2026-12", "2027-02", "2026-Q4", "2027-Q2", "2026", ""]
