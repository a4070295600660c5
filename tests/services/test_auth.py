"""Sign-in: throttling in a window, equal timing, revocable server-side sessions."""
import datetime as dt
import time

import pytest
from sqlalchemy import update

import clock
from db.account import AuthSession, LoginAttempt
from db.engine import session_scope
from services.identity import accounts, auth
from services.identity.accounts import create_account
from services.core.errors import ServiceError, Throttled
from tests.factories import PASSWORD, make_admin


def _user(name: str = "zhangsan") -> int:
    return create_account(name, PASSWORD, ["enterprise"], phone="13912345678")


def test_sign_in_and_resume(db: str) -> None:
    _user()
    token, actor = auth.sign_in("zhangsan", PASSWORD, "c1")
    assert actor.username == "zhangsan" and "enterprise" in actor.roles
    assert auth.resume(token) == actor
    assert auth.resume("forged-token") is None
    assert auth.resume(None) is None


def test_wrong_password_and_unknown_user_same_message(db: str) -> None:
    _user()
    with pytest.raises(ServiceError) as wrong:
        auth.sign_in("zhangsan", "Wrong@pass1", "c1")
    with pytest.raises(ServiceError) as unknown:
        auth.sign_in("nobody", "Wrong@pass1", "c1")
    assert str(wrong.value) == str(unknown.value) == auth.GENERIC_FAILURE


def test_unknown_user_costs_as_much_as_wrong_password(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from config import settings
    monkeypatch.setattr(settings, "bcrypt_rounds", 10)  # production-like cost, so bcrypt dominates
    _user()

    def timed(username: str) -> float:
        start = time.perf_counter()
        with pytest.raises(ServiceError):
            auth.sign_in(username, "Wrong@pass1", f"timing-{username}")
        return time.perf_counter() - start

    pairs = [(timed("zhangsan"), timed("ghost")) for _ in range(4)]  # interleaved; the minimum resists noise
    wrong, unknown = min(p[0] for p in pairs), min(p[1] for p in pairs)
    assert 0.75 < unknown / wrong < 1.33, (unknown, wrong)


def test_account_throttled_inside_window_only(db: str) -> None:
    _user()
    for i in range(5):
        with pytest.raises(ServiceError):
            auth.sign_in("zhangsan", "Wrong@pass1", f"client-{i}")
    with pytest.raises(Throttled):  # even the right password waits out the window
        auth.sign_in("zhangsan", PASSWORD, "client-x")
    with session_scope() as s:  # the window passes
        s.execute(update(LoginAttempt).values(at=LoginAttempt.at - dt.timedelta(minutes=16)))
    token, _ = auth.sign_in("zhangsan", PASSWORD, "client-x")
    assert auth.resume(token) is not None


def test_client_throttled_across_usernames(db: str) -> None:
    _user()
    for i in range(20):
        with pytest.raises(ServiceError):
            auth.sign_in(f"guess{i}", "Wrong@pass1", "attacker")
    with pytest.raises(Throttled):
        auth.sign_in("zhangsan", PASSWORD, "attacker")
    assert auth.sign_in("zhangsan", PASSWORD, "someone-else")[0]


def test_sign_out_revokes_replayed_cookie(db: str) -> None:
    _user()
    token, _ = auth.sign_in("zhangsan", PASSWORD, "c1")
    other, _ = auth.sign_in("zhangsan", PASSWORD, "c2")
    auth.sign_out(token)
    assert auth.resume(token) is None
    assert auth.resume(other) is not None  # another browser stays signed in


def test_password_change_revokes_every_session(db: str) -> None:
    _user()
    t1, actor = auth.sign_in("zhangsan", PASSWORD, "c1")
    t2, _ = auth.sign_in("zhangsan", PASSWORD, "c2")
    accounts.change_password(actor, PASSWORD, "New@pass22", "New@pass22")
    assert auth.resume(t1) is None and auth.resume(t2) is None
    with pytest.raises(ServiceError):
        auth.sign_in("zhangsan", PASSWORD, "c3")
    assert auth.sign_in("zhangsan", "New@pass22", "c3")[0]


def test_expired_session_refused(db: str) -> None:
    _user()
    token, _ = auth.sign_in("zhangsan", PASSWORD, "c1")
    with session_scope() as s:
        s.execute(update(AuthSession).values(expires_at=clock.now() - dt.timedelta(seconds=1)))
    assert auth.resume(token) is None


def test_disabled_account_cannot_sign_in_and_is_signed_out(db: str) -> None:
    uid = _user()
    token, _ = auth.sign_in("zhangsan", PASSWORD, "c1")
    admin = make_admin(None, "national1")
    accounts.set_status(admin, uid, "disabled")
    assert auth.resume(token) is None
    with pytest.raises(ServiceError, match="停用"):
        auth.sign_in("zhangsan", PASSWORD, "c1")
    accounts.set_status(admin, uid, "active")
    assert auth.sign_in("zhangsan", PASSWORD, "c1")[0]
