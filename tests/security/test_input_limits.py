"""Issue 14 item 8: every input has a type, a range and a length, checked in the service with a Chinese
message naming the field — on SQLite and PostgreSQL (where a too-long value would be a server error).

The strings are the ones that got through: monthly-report cells took ``Infinity``, ``1e309``,
``1e999999999``, a 100,000-digit number, full-width digits and ``1_000`` (``NaN`` / ``sNaN`` crashed);
registration revenue ``1e999999999`` raised ``decimal.Overflow``; a 6.1 MB draft was stored; a
100,000-character e-mail went into a 128-character column; an all-zero credit code and a username
differing only in case were accepted.
"""
from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from db.account import Account
from db.draft import FormDraft
from db.engine import session_scope
from services.identity import accounts
from services.orgs import registration
from services.core.errors import ValidationFailed
from services.forms import responses
from services.monitor import excel_io, reports, review, reviewers
from services.monitor.excel_layout import number as excel_number
from services.core.numbers import number_problem, to_number
from services.orgs.fields import validate_org_form
from tests.factories import PASSWORD, actor_of, make_admin, make_enterprise_user, org_form
from tests.monitor.conftest import Chain, _basic, chain, indicators, save  # noqa: F401 - ``chain`` is a fixture

ATTACKS = {"Infinity": "有限", "-Infinity": "有限", "NaN": "有限", "sNaN": "有限", "1e309": "数值范围",
           "1e999999999": "数值范围", "9" * 100_000: "过长", "１２３": "半角", "1_000": "半角", "1,000": "半角",
           "٣": "半角", "1e-999999999": "小数位数"}
LONG_EMAIL = "a" * 99_988 + "@example.com"  # 100,000 characters


# --- the one number rule --------------------------------------------------------------------------------
@pytest.mark.parametrize("raw,says", list(ATTACKS.items()), ids=lambda v: str(v)[:16])
def test_number_rule_refuses_each_attack_with_a_reason(raw: str, says: str) -> None:
    problem = number_problem(raw)
    assert problem is not None and says in problem
    assert to_number(raw) is None
    text, why = excel_number(raw)  # the Excel import reads through the same rule
    assert text is None and why


@pytest.mark.parametrize("raw,value", [("123", "123"), ("-1.5", "-1.5"), (" 12 ", "12"), ("+5", "5"), ("1e3", "1E+3"),
                                       ("999999999999999", "999999999999999"), ("0.0000000001", "1E-10"), (7, "7"),
                                       (2.5, "2.5")])
def test_number_rule_keeps_ordinary_numbers(raw: Any, value: str) -> None:
    assert number_problem(raw) is None and str(to_number(raw)) == value


def test_number_rule_never_turns_a_huge_int_into_text() -> None:
    assert "数值范围" in (number_problem(10 ** 100_000) or "")  # str() of it raises ValueError


# --- monthly report cells (保存 / 下一步 and 上报) -----------------------------------------------------------
def _report_with_basic(c: Chain) -> tuple[int, int]:
    report_id = reports.open_report(c.ent, reports.period_options()[0])
    save(c.ent, report_id, "basic", _basic(c.ent, report_id))
    return report_id, review.detail(c.ent, report_id).response_id


def test_monthly_report_cells_refuse_every_attack(chain: Chain) -> None:  # noqa: F811
    report_id, rid = _report_with_basic(chain)
    period = review.detail(chain.ent, report_id).period
    for raw, says in ATTACKS.items():
        answers = indicators(period=period)
        answers["ind"]["revenue"]["cur_m"] = raw
        with pytest.raises(ValidationFailed) as err:
            responses.save_section(chain.ent, rid, "indicators", answers, 0)
        messages = [m for msgs in err.value.problems.values() for m in msgs]
        assert any(m.startswith("主要经济指标 › 营业收入 › 本年本月：") and says in m for m in messages), (raw[:16], messages)
    assert "indicators" not in responses.get_response(chain.ent, rid).sections  # nothing was saved
    good = indicators(period=period)
    good["ind"]["revenue"]["cur_m"] = "120"
    responses.save_section(chain.ent, rid, "indicators", good, 0)  # an ordinary number still saves


def test_reporter_longer_than_its_column_is_refused_at_step_one(chain: Chain) -> None:  # noqa: F811
    report_id = reports.open_report(chain.ent, reports.period_options()[0])
    with pytest.raises(ValidationFailed) as err:
        save(chain.ent, report_id, "basic", {**_basic(chain.ent, report_id), "reporter": "张" * 65})
    assert err.value.problems["填报人"] == ["填报人：长度不能超过 64 个字符（当前 65 个）。"]
    with pytest.raises(ValidationFailed) as err:  # 上报导入 checks the same column, before reading the file
        excel_io.import_report(chain.ent, reports.period_options()[0], "张" * 65, b"")
    assert err.value.problems["填报人"] == ["填报人：长度不能超过 64 个字符（当前 65 个）。"]


def test_a_huge_text_answer_is_refused(chain: Chain) -> None:  # noqa: F811
    report_id = reports.open_report(chain.ent, reports.period_options()[0])
    with pytest.raises(ValidationFailed) as err:
        save(chain.ent, report_id, "basic", {**_basic(chain.ent, report_id), "reporter_phone": "1" * 6_100_000})
    assert any("内容过大" in m or "长度不能超过" in m for msgs in err.value.problems.values() for m in msgs)


# --- registration and organisation fields -------------------------------------------------------------
def test_registration_revenue_out_of_range_is_a_message_not_overflow() -> None:
    for raw in ("1e999999999", "1e309", "9" * 100_000, "１２３", "NaN", "sNaN", "Infinity"):
        clean, problems = validate_org_form(org_form(revenue_k=raw), "enterprise")
        assert problems["上年末营业收入（千元）"], raw[:16]
        assert clean["revenue"] is None and clean["size"] is None


def test_all_zero_credit_code_is_refused(db: str) -> None:
    registration.register_account("enterprise", "zerocode", PASSWORD, PASSWORD, "13912345678")
    actor = actor_of("zerocode")
    with pytest.raises(ValidationFailed) as err:
        registration.submit_org(actor, org_form(credit_code="000000000000000000"))
    assert "GB 32100" in err.value.problems["统一社会信用代码"][0]


def test_a_six_megabyte_draft_is_not_stored(db: str) -> None:
    registration.register_account("enterprise", "bigdraft", PASSWORD, PASSWORD, "13912345678")
    actor = actor_of("bigdraft")
    with pytest.raises(ValidationFailed) as err:
        registration.save_draft(actor, "registration", {"name": "草稿", "business": "x" * 6_100_000})
    assert "暂存内容：内容过大" in err.value.problems["暂存"][0]
    registration.save_draft(actor, "registration", {"name": "草稿", "unknown_key": "y" * 1000})
    assert registration.load_draft(actor, "registration") == {"name": "草稿"}  # only the form's fields are kept
    with session_scope() as s:
        assert len(list(s.scalars(select(FormDraft)))) == 1


# --- accounts: e-mail, name, username ---------------------------------------------------------------
def test_a_100000_character_email_gets_a_chinese_message(db: str) -> None:
    """On PostgreSQL this was a server error (varchar(128)); on SQLite it was stored."""
    with pytest.raises(ValidationFailed) as err:
        registration.register_account("enterprise", "longmail", PASSWORD, PASSWORD, "13912345678", LONG_EMAIL)
    assert err.value.problems["电子邮箱"] == ["电子邮箱：长度不能超过 128 个字符（当前 100000 个）。"]
    registration.register_account("enterprise", "longmail", PASSWORD, PASSWORD, "13912345678", "a@b.cn")
    actor = actor_of("longmail")
    with pytest.raises(ValidationFailed, match="电子邮箱：长度不能超过 128 个字符"):
        accounts.update_profile(actor, "名称", "13912345678", LONG_EMAIL)
    admin, (user, _) = make_admin("320102"), make_enterprise_user("320102")
    with pytest.raises(ValidationFailed, match="电子邮箱：长度不能超过 128 个字符"):
        accounts.admin_update(admin, user.account_id, "名称", "13912345678", LONG_EMAIL)
    with session_scope() as s:
        assert s.scalar(select(Account.email).where(Account.username == "longmail")) == "a@b.cn"


def test_a_display_name_longer_than_its_column_is_refused_not_cut(db: str) -> None:
    registration.register_account("enterprise", "longname", PASSWORD, PASSWORD, "13912345678")
    actor = actor_of("longname")
    with pytest.raises(ValidationFailed) as err:
        accounts.update_profile(actor, "名" * 65, "13912345678", "")
    assert err.value.problems["名称"] == ["名称：长度不能超过 64 个字符（当前 65 个）。"]
    with session_scope() as s:
        assert s.scalar(select(Account.display_name).where(Account.username == "longname")) == "longname"


@pytest.mark.parametrize("taken", ["ZhangSan", "ZHANGSAN", "zhangSAN"])
def test_usernames_are_unique_whatever_their_case(db: str, taken: str) -> None:
    registration.register_account("enterprise", "zhangsan", PASSWORD, PASSWORD, "13912345678")
    with pytest.raises(ValidationFailed) as err:
        registration.register_account("enterprise", taken, PASSWORD, PASSWORD, "13912345679")
    assert err.value.problems["用户名"] == ["用户名：该用户名已被注册（不区分大小写），请换一个。"]
    with pytest.raises(ValidationFailed, match="不区分大小写"):
        accounts.create_account(taken, PASSWORD, ["enterprise"])
    with session_scope() as s:
        assert list(s.scalars(select(Account.username))) == ["zhangsan"]


def test_subordinate_administrators_get_the_username_rules(chain: Chain) -> None:  # noqa: F811
    for bad, says in [("X" * 100_000, "4–32 位"), (chain.xw.username.upper(), "不区分大小写")]:
        with pytest.raises(ValidationFailed, match=says):
            reviewers.create_subordinate(chain.nj, bad, "Qinhuai@2026", "320104")


@pytest.mark.parametrize("phone", ["1391234567８", "13912345678\n", "139123456789"])
def test_phone_numbers_are_eleven_ascii_digits_wherever_an_account_is_made(db: str, phone: str) -> None:
    with pytest.raises(ValidationFailed, match="手机号：须为以 1 开头的 11 位数字"):
        accounts.create_account("phonecheck", PASSWORD, ["enterprise"], phone=phone)
    if phone.strip() == phone:  # registration strips what is typed
        with pytest.raises(ValidationFailed, match="手机号：须为以 1 开头的 11 位数字"):
            registration.register_account("enterprise", "phonecheck", PASSWORD, PASSWORD, phone)
