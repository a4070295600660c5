"""Own profile, password changes and administrators' account management."""
import pytest
from sqlalchemy import select

from db.audit import AuditLog
from db.engine import session_scope
from services.identity import accounts, auth
from services.core.errors import PermissionDenied, ValidationFailed
from tests.factories import PASSWORD, make_admin, make_enterprise_user


def test_profile_update_validates(db: str) -> None:
    user, _ = make_enterprise_user()
    with pytest.raises(ValidationFailed) as err:
        accounts.update_profile(user, "名字", "1234", "bad")
    assert set(err.value.problems) == {"手机号", "电子邮箱"}
    accounts.update_profile(user, "王经理", "13611112222", "w@x.cn")
    me = accounts.profile(user)
    assert (me.display_name, me.phone, me.email) == ("王经理", "13611112222", "w@x.cn")


def test_change_password_rules(db: str) -> None:
    user, _ = make_enterprise_user()
    with pytest.raises(ValidationFailed) as err:
        accounts.change_password(user, "Wrong@1234", PASSWORD, "different")
    assert set(err.value.problems) == {"原密码", "新密码", "确认新密码"}
    accounts.change_password(user, PASSWORD, "Second@pw2", "Second@pw2")
    token, user2 = auth.sign_in(user.username, "Second@pw2", "c")
    with pytest.raises(ValidationFailed, match="最近"):  # back to the previous one
        accounts.change_password(user2, "Second@pw2", PASSWORD, PASSWORD)


def test_admin_reset_revokes_and_audits(db: str) -> None:
    user, _ = make_enterprise_user()
    token, _ = auth.sign_in(user.username, PASSWORD, "browser")
    admin = make_admin("320100")
    with pytest.raises(ValidationFailed, match="3 种"):
        accounts.reset_password(admin, user.account_id, "weakweak")
    accounts.reset_password(admin, user.account_id, "Reset@pass9")
    assert auth.resume(token) is None
    with session_scope() as s:
        row = s.scalar(select(AuditLog).where(AuditLog.action == "account.password_reset"))
        assert row.actor_id == admin.account_id and row.target_id == str(user.account_id)


def test_admin_search_and_edit(db: str) -> None:
    user, _ = make_enterprise_user()
    admin = make_admin("320102")
    found = accounts.search_accounts(admin, keyword=user.username)
    assert [a.id for a in found] == [user.account_id]
    accounts.admin_update(admin, user.account_id, "新名称", "13700001111", "")
    assert accounts.search_accounts(admin, keyword="13700001111")[0].display_name == "新名称"
    with pytest.raises(PermissionDenied, match="个人中心"):  # not even oneself: see tests/security
        accounts.set_status(admin, admin.account_id, "disabled")
