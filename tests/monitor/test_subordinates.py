"""创建下级管理员 and 授权: one transaction, a taken username never becomes a traceback, and a grant the
service cannot give is refused with a message (never dropped silently)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from db.account import Account
from db.engine import session_scope
from db.monitor import MonitorReviewer
from services.core import audit
from services.identity import usernames
from services.core.errors import DUPLICATE, Conflict, ValidationFailed, as_service_error
from services.monitor import reviewers
from tests.monitor.conftest import Chain

PASSWORD = "Abcdef12!"


def _accounts(username: str) -> int:
    with session_scope(read=True) as s:
        return int(s.scalar(select(func.count()).select_from(Account).where(Account.username == username)) or 0)


def test_a_failure_after_the_account_leaves_nothing_behind(chain: Chain, monkeypatch: pytest.MonkeyPatch) -> None:
    real = audit.record

    def fail_on_chain_row(session, actor_id, action, *args, **kwargs):  # type: ignore[no-untyped-def]
        if action == "monitor.subordinate_created":
            raise RuntimeError("the last step failed")
        return real(session, actor_id, action, *args, **kwargs)

    monkeypatch.setattr(audit, "record", fail_on_chain_row)
    with pytest.raises(RuntimeError):
        reviewers.create_subordinate(chain.js, "nj_second", PASSWORD, "320200")
    assert _accounts("nj_second") == 0  # before: the account was committed in a transaction of its own


def test_a_username_taken_at_the_same_moment_is_a_clear_conflict(chain: Chain, monkeypatch: pytest.MonkeyPatch) -> None:
    existing = reviewers.me(chain.nj).username
    # the other request committed between this one's check and its insert: the check saw the name free
    monkeypatch.setattr(usernames, "check_username_free", lambda session, username: None)
    monkeypatch.setattr("services.identity.accounts.check_username_free", lambda session, username: None)
    with pytest.raises(IntegrityError) as caught:
        reviewers.create_subordinate(chain.js, existing, PASSWORD, "320200")
    err = as_service_error(caught.value)
    assert isinstance(err, Conflict) and str(err) == DUPLICATE and "用户名" in DUPLICATE
    assert _accounts(existing) == 1
    with session_scope(read=True) as s:
        assert s.scalar(select(func.count()).select_from(MonitorReviewer).where(MonitorReviewer.region_code == "320200")) == 0


def test_a_taken_username_is_named(chain: Chain) -> None:
    with pytest.raises(ValidationFailed, match="用户名"):
        reviewers.create_subordinate(chain.js, reviewers.me(chain.nj).username.upper(), PASSWORD, "320200")


def test_skip_level_for_a_city_is_refused_not_dropped(chain: Chain) -> None:
    with pytest.raises(ValidationFailed, match="越级接收：只能授权给省级管理员"):
        reviewers.grant(chain.js, chain.nj.account_id, bulk_accept=True, skip_level=True)
    assert reviewers.subordinates(chain.js)[0].bulk_accept is False  # nothing half-applied
