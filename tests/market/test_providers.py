"""用户管理 of a certified provider: users, menus, experts (provider guide 4.7)."""
from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import func, select

from db.audit import AuditLog
from db.engine import session_scope
from db.market import MarketFile
from services.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from services.identity import auth
from services.market import providers
from tests.factories import PASSWORD, actor_of, make_enterprise_user
from tests.market.factories import make_provider

PW = "Staff@pass9"


def image(fmt: str, size: tuple[int, int] = (40, 50)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, format=fmt)
    return buf.getvalue()


def staff(main, username: str = "staff_001", phone: str = "13800000001") -> int:  # type: ignore[no-untyped-def]
    return providers.add_user(main, username, phone, PW, PW, email="s@example.com")


def messages(exc: pytest.ExceptionInfo) -> str:  # type: ignore[type-arg]
    return " ".join(m for msgs in exc.value.problems.values() for m in msgs)


@pytest.mark.parametrize("username,ok", [("abc12", False), ("abc123", True), ("a" * 30, True), ("a" * 31, False),
                                         ("用户名abcdef", False), ("abc-123", False), ("123_456", True)])
def test_username_rules(db: str, username: str, ok: bool) -> None:
    main, _ = make_provider()
    if ok:
        assert staff(main, username) > 0
        assert [u.username for u in providers.list_users(main)][1:] == [username]
    else:
        with pytest.raises(ValidationFailed) as exc:
            staff(main, username)
        assert "用户名：须为 6–30 位英文字母、数字或下划线。" in messages(exc)


def test_username_taken_in_any_case_and_password_rules(db: str) -> None:
    main, _ = make_provider()
    staff(main, "Staff_One")
    with pytest.raises(ValidationFailed, match="已被注册"):
        staff(main, "staff_one", phone="13800000002")
    with pytest.raises(ValidationFailed) as exc:
        providers.add_user(main, "staff_two", "13800000003", "short", "short")
    assert "密码长度须为 8–18" in messages(exc)
    with pytest.raises(ValidationFailed, match="两次输入的密码不一致"):
        providers.add_user(main, "staff_two", "13800000003", PW, PW + "x")


def test_mobile_unique_within_the_org_but_free_in_another(db: str) -> None:
    main, _ = make_provider()
    other, _ = make_provider()
    a = staff(main, "staff_aaa", "13800000011")
    with pytest.raises(ValidationFailed, match="本单位已有用户使用该手机号"):
        staff(main, "staff_bbb", "13800000011")
    with pytest.raises(ValidationFailed, match="本单位已有用户使用该手机号"):   # the main account's own number
        staff(main, "staff_ccc", "13700000000")
    assert staff(other, "staff_ddd", "13800000011") > 0                       # another org: allowed
    b = staff(main, "staff_eee", "13800000012")
    with pytest.raises(ValidationFailed, match="本单位已有用户使用该手机号"):
        providers.edit_user(main, b, "乙", "13800000011")
    providers.edit_user(main, a, "张工", "13800000011", "zhang@example.com")   # keeping its own number is fine
    row = [u for u in providers.list_users(main) if u.id == a][0]
    assert (row.display_name, row.phone, row.email, row.username) == ("张工", "13800000011", "zhang@example.com",
                                                                        "staff_aaa")


def test_cannot_manage_self_other_org_or_as_staff(db: str) -> None:
    main, _ = make_provider()
    other, _ = make_provider()
    mine = staff(main, "staff_mine")
    theirs = staff(other, "staff_theirs")
    with pytest.raises(PermissionDenied, match="不能在「用户管理」中管理自己的账号"):
        providers.edit_user(main, main.account_id, "我", "13700000001")
    with pytest.raises(NotFound):
        providers.delete_user(main, theirs)
    with pytest.raises(NotFound):
        providers.reset_password(main, theirs, "New@pass77", "New@pass77")
    assert theirs not in {u.id for u in providers.list_users(main)}
    worker = actor_of("staff_mine", PW)
    with pytest.raises(PermissionDenied, match="只有服务商主账号"):
        providers.add_user(worker, "staff_new1", "13800000099", PW, PW)
    with pytest.raises(PermissionDenied, match="只有服务商主账号"):
        providers.list_users(worker)
    with pytest.raises(PermissionDenied):
        providers.set_menus(worker, mine, ["我的商品"])


def test_uncertified_provider_and_enterprise_are_refused(db: str) -> None:
    pending, _ = make_provider(status="pending")
    with pytest.raises(PermissionDenied, match="认证尚未通过"):
        staff(pending)
    assert providers.menus_for(pending) == set()
    buyer, _ = make_enterprise_user("370102")
    with pytest.raises(PermissionDenied):
        providers.list_users(buyer)


def test_delete_reset_and_audit(db: str) -> None:
    main, _ = make_provider()
    uid = staff(main, "staff_del")
    providers.reset_password(main, uid, "New@pass77", "New@pass77", request_id="r1")
    providers.reset_password(main, uid, "New@pass77", "New@pass77", request_id="r1")   # double submit: once
    with pytest.raises(Exception):
        actor_of("staff_del", PW)
    actor_of("staff_del", "New@pass77")
    with pytest.raises(ValidationFailed, match="最近"):
        providers.reset_password(main, uid, "New@pass77", "New@pass77")
    providers.delete_user(main, uid)
    assert uid not in {u.id for u in providers.list_users(main)}
    with pytest.raises(Exception):
        auth.sign_in("staff_del", "New@pass77", client="t")
    with session_scope() as s:
        actions = list(s.scalars(select(AuditLog.action).where(AuditLog.target_id == str(uid))
                                 .where(AuditLog.action.like("market.%")).order_by(AuditLog.id)))
    assert actions == ["market.user_added", "market.user_password_reset", "market.user_deleted"]


def test_menus(db: str) -> None:
    main, _ = make_provider()
    uid = staff(main, "staff_menu")
    assert providers.menus_for(main) == set(providers.MENUS)
    worker = actor_of("staff_menu", PW)
    assert providers.menus_for(worker) == set()
    providers.set_menus(main, uid, ["我的商品", "订单管理"])
    assert providers.menus_for(worker) == {"我的商品", "订单管理"}
    providers.set_menus(main, uid, ["客户评价"])
    assert providers.menus_for(worker) == {"客户评价"}
    with pytest.raises(ValidationFailed, match="不是可配置的菜单"):
        providers.set_menus(main, uid, ["用户管理"])


def expert_of(main, uid: int, **over) -> None:  # type: ignore[no-untyped-def]
    values = {"region_code": "370102", "years": 12, "fields": ["工业互联网", "智能制造"],
              "intro": "从事工业软件实施十余年。", "photo": image("PNG"), "photo_name": "me.png", **over}
    providers.set_expert(main, uid, **values)


def test_expert_toggle_grants_role_and_shows_on_team(db: str) -> None:
    main, _ = make_provider()
    uid = staff(main, "staff_exp")
    assert providers.active_experts() == []
    expert_of(main, uid)
    assert "expert" in actor_of("staff_exp", PW).roles
    team = providers.active_experts()
    assert [(e["account_id"], e["fields"], e["years"]) for e in team] == [(uid, ["工业互联网", "智能制造"], 12)]
    assert providers.expert_photo(team[0]["photo_id"]) is not None
    assert [u.is_expert for u in providers.list_users(main) if u.id == uid] == [True]
    providers.unset_expert(main, uid)
    assert "expert" not in actor_of("staff_exp", PW).roles
    assert providers.active_experts() == []
    assert providers.expert_photo(team[0]["photo_id"]) is None
    with pytest.raises(ValidationFailed, match="不是专家"):
        providers.unset_expert(main, uid)


@pytest.mark.parametrize("over,field", [
    ({"intro": "字" * 501}, "专家介绍：不能超过 500 个字符"), ({"intro": ""}, "专家介绍：必填项"),
    ({"years": 61}, "服务年限：须为 0–60"), ({"years": -1}, "服务年限"),
    ({"fields": ["a", "b", "c", "d", "e", "f"]}, "专业领域：最多 5 项"), ({"fields": []}, "专业领域：至少"),
    ({"region_code": "999999"}, "所属区域"),
])
def test_expert_profile_rules(db: str, over: dict, field: str) -> None:  # type: ignore[type-arg]
    main, _ = make_provider()
    uid = staff(main, "staff_rule")
    with pytest.raises(ValidationFailed) as exc:
        expert_of(main, uid, **over)
    assert field in messages(exc)
    assert providers.active_experts() == []


def test_expert_intro_of_500_characters_and_bmp_jpeg_are_accepted(db: str) -> None:
    main, _ = make_provider()
    uid = staff(main, "staff_long")
    expert_of(main, uid, intro="字" * 500, photo=image("BMP"), fields=["a", "b", "c", "d", "e"], years=60)
    expert_of(main, uid, photo=image("JPEG"), years=0)
    with session_scope() as s:
        assert sorted(s.scalars(select(MarketFile.mime))) == ["image/bmp", "image/jpeg"]


def test_photo_is_checked_by_content_and_size(db: str) -> None:
    main, _ = make_provider()
    uid = staff(main, "staff_photo")
    with pytest.raises(ValidationFailed, match="照片：文件内容不是"):
        expert_of(main, uid, photo=b"MZ\x90\x00" + b"\x00" * 200, photo_name="me.png")   # an .exe named .png
    with pytest.raises(ValidationFailed, match="照片：文件内容不是"):
        expert_of(main, uid, photo=b"GIF89a" + b"\x00" * 100, photo_name="me.jpg")
    big = image("BMP", (1000, 800))   # about 2.4 MB
    assert len(big) > 2 * 1024 * 1024
    with pytest.raises(ValidationFailed, match="照片"):
        expert_of(main, uid, photo=big)
    with session_scope() as s:
        assert s.scalar(select(func.count()).select_from(MarketFile)) == 0
    assert providers.active_experts() == []


def test_two_editors_of_one_user_do_not_overwrite_each_other(db: str) -> None:
    main, _ = make_provider()
    uid = staff(main, "staff_twice")
    (seen,) = [u for u in providers.list_users(main) if u.id == uid]
    providers.edit_user(main, uid, "张三", "13800000002", "a@example.com", seen=seen)       # the first editor
    with pytest.raises(Conflict, match="已在别处被修改"):                                  # the second, same form
        providers.edit_user(main, uid, "李四", "13800000003", "b@example.com", seen=seen)
    (now,) = [u for u in providers.list_users(main) if u.id == uid]
    assert (now.display_name, now.phone) == ("张三", "13800000002")
    providers.set_menus(main, uid, ["订单管理"], seen=now)
    with pytest.raises(Conflict, match="已在别处被修改"):
        providers.set_menus(main, uid, ["客户评价"], seen=now)
    assert providers.menus_for(actor_of("staff_twice", PW)) == {"订单管理"}


def test_photo_bounds_are_checked_before_any_transaction(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    main, _ = make_provider()
    uid = staff(main, "staff_bound")

    def no_transaction(*_a, **_k):  # type: ignore[no-untyped-def]
        raise AssertionError("a transaction was opened for a refused upload")

    monkeypatch.setattr(providers, "session_scope", no_transaction)
    with pytest.raises(ValidationFailed, match="照片"):
        expert_of(main, uid, photo=b"\x00" * (2 * 1024 * 1024 + 1), photo_name="big.png")
    with pytest.raises(ValidationFailed, match="照片：文件内容不是"):
        expert_of(main, uid, photo=b"MZ\x90\x00" + b"\x00" * 200, photo_name="me.png")
