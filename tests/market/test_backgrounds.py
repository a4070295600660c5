"""Background forms as definitions: 企业背景信息 (enterprise) and 服务商背景 (provider)."""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from services.core.errors import NotFound, PermissionDenied, ValidationFailed
from services.core.spec_check import SPECS, check_all
from services.market import background, background_form
from services.orgs import registration
from services.orgs.provider_fields import provider_details
from tests.factories import actor_of, make_enterprise_user
from tests.market.background_data import answers, fill_background, png
from tests.market.factories import make_provider

FILES = ("enterprise_background.yaml", "provider_background.yaml")


def test_definitions_pass_check_specs() -> None:
    assert [p for p in check_all() if p.file.startswith("specs/market/")] == []
    d = background_form.definition("enterprise")
    counts = {s.title: len(s.questions) for s in d.sections}
    assert counts == {"企业背景": 43, "运营": 16, "人员": 15, "信息数字化": 12, "固定资产": 12, "生产": 5, "供应链": 5,
                      "客户服务": 1, "安全环保": 3, "融资条件": 11, "融资状况": 14, "创新研发": 16}


@pytest.mark.parametrize("name", FILES)
def test_a_broken_copy_fails_with_codes(tmp_path: Path, name: str) -> None:
    root = tmp_path / "specs"
    (root / "market").mkdir(parents=True)
    text = (SPECS / "market" / name).read_text(encoding="utf-8")
    broken = text.replace("${staff_total}", "${ghost}", 1)
    assert broken != text
    (root / "market" / name).write_text(broken, encoding="utf-8")
    found = check_all(root)
    assert [p.code for p in found] == ["D007"] and "ghost" in found[0].message and found[0].file.endswith(name)
    (root / "market" / name).write_text(text.replace("for: ", "for: agency #", 1), encoding="utf-8")
    assert [p.code for p in check_all(root)] == ["B002"]


def test_broken_prefill_is_a_b_code(tmp_path: Path) -> None:
    target = tmp_path / "enterprise_background.yaml"
    shutil.copy(SPECS / "market" / "enterprise_background.yaml", target)
    target.write_text(target.read_text(encoding="utf-8").replace("postcode: postcode", "postcode: secret"), encoding="utf-8")
    assert [p.code for p in background_form.check_file(target)] == ["B003"]


def enterprise_problems(**over: Any) -> dict[str, list[str]]:
    data = {"name": "济南数控有限公司", "legal_rep": "张三", "contact_name": "李四", "contact_phone": "13912345678",
            "credit_code": "91370102MA3C0XXX1X", "sector_1": "3411", "license": {"id": 1, "name": "a.png", "size": 10},
            **answers(**over)}
    return background_form.problems("enterprise", {k: v for k, v in data.items() if v is not None}, complete=True)


def test_enterprise_complete_answers_pass() -> None:
    assert enterprise_problems() == {}


@pytest.mark.parametrize("over,label,rule", [
    ({"reg_type": None}, "企业登记注册类型", "必填项"),
    ({"legal_rep_mobile": "1391234567"}, "法定代表人手机号码", "11 位手机号码"),
    ({"postcode": "25000"}, "邮编", "6 位数字"),
    ({"founded_on": "2999-01-01"}, "注册成立时间", "今天"),
    ({"listed": "是"}, "股票代码", "必填项"),                                    # required only when listed
    ({"staff_rnd": 121}, "研发人员（人）", "不能多于从业人员总数"),
    ({"staff_master": 5, "staff_doctor": 6}, "博士学历（人）", "研究生以上"),
    ({"main_revenue": "5000.01"}, "上年主营业务收入（万元）", "不能大于上年营业收入"),
    ({"revenue_y1": "12.345"}, "上年营业收入（万元）", "最多保留 2 位小数"),
    ({"staff_total": 0}, "从业人员总数（人）", "不能小于 1"),
    ({"loans_balance": "3000.01"}, "贷款余额（万元）", "负债总额"),
    ({"needs_financing": "是"}, "融资需求金额（万元）", "必填项"),
    ({"network": ["none", "wifi"]}, "企业内网建设", "“无”"),
    ({"business": "字" * 501}, "主营业务", "500"),
])
def test_enterprise_rules(over: dict[str, Any], label: str, rule: str) -> None:
    found = enterprise_problems(**over)
    assert label in found and any(rule in m and m.startswith(f"{label}：") for m in found[label]), found


@pytest.mark.parametrize("data,label", [
    ({"master_ratio": "10", "doctor_ratio": "20"}, "博士以上学历人员占比（%）"),
    ({"staff_total": "10", "certified_implementers": "11"}, "具备专业资质的实施人员数量（人）"),
    ({"avg_sales": "100", "avg_industrial_sales": "100.01"}, "近三年工业领域年平均销售额（万元）"),
    ({"solution_share": "100.5"}, "申报方案（总）年销售额占工业年销售额的平均占比（%）"),
    ({"income_y1": "10000.01"}, "上年收入（亿元）"),
])
def test_provider_rules_come_from_the_definition(data: dict[str, str], label: str) -> None:
    assert label in provider_details(data)[1]
    assert provider_details({k: v for k, v in data.items() if k != next(iter(data))})[1] == {} or len(data) == 1


def test_draft_restore_submit_and_reviewer_sees_answers(db: str) -> None:
    actor, org_id = make_enterprise_user("370102", status="pending")
    view = background.form(actor)
    assert view.status == "none" and view.answers["name"].endswith("有限公司") and "name" in view.locked
    # a draft keeps what is filled (and reports rules broken so far, not what is missing)
    problems = background.save_draft(actor, {"contact_title": "总经理", "staff_total": 10, "staff_rnd": 11,
                                             "name": "改名有限公司"})
    assert list(problems) == ["研发人员（人）"]
    again = background.form(actor_of(actor.username))       # a new session: the browser was closed
    assert again.status == "draft" and again.answers["contact_title"] == "总经理" and again.answers["staff_rnd"] == 11
    assert again.answers["name"] != "改名有限公司"             # the registration's own answers stay the organisation's
    with pytest.raises(ValidationFailed) as err:
        background.submit(actor, {"contact_title": "总经理"})
    assert "企业营业执照" in err.value.problems and "上年营业收入（万元）" in err.value.problems
    with pytest.raises(ValidationFailed, match="企业营业执照：请重新上传"):
        background.submit(actor, answers(license={"id": 999999, "name": "x.png", "size": 9}))
    fill_background(actor)
    done = background.form(actor)
    assert done.status == "submitted" and not done.has_draft and done.answers["revenue_y1"] == "5000"
    rows = dict(registration.detail_rows(registration.my_org(actor)))
    assert rows["企业背景信息"].startswith("已提交")
    assert rows["运营·上年营业收入（万元）"] == "5000" and rows["企业背景·企业登记注册类型"] == "有限责任公司"
    assert rows["企业背景·企业营业执照"] == "已上传" and rows["融资状况·是否有融资需求"] == "否"


def test_only_an_enterprise_with_an_organisation(db: str) -> None:
    provider, _ = make_provider()
    with pytest.raises(PermissionDenied):
        background.form(provider)
    from services.orgs import registration as reg
    from tests.factories import PASSWORD
    reg.register_account("enterprise", "qy_noorg1", PASSWORD, PASSWORD, "13912345672")
    with pytest.raises(NotFound, match="单位注册信息"):
        background.form(actor_of("qy_noorg1"))
    assert png()[:4] == b"\x89PNG"
