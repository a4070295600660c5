"""企业需求收集: the public needs survey, answered without an account, against floods."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from db.engine import session_scope
from db.forms import FormResponse
from db.market import PublicSubmission
from services.core.errors import Throttled, ValidationFailed
from services.forms import analysis, definitions
from services.market import needs_survey
from tests.factories import make_admin, make_enterprise_user
from services.forms import responses

ANSWERS = {"it_staff": "3", "it_budget": "12.5", "has_systems": "0", "wanted": ["cloud", "training"], "urgency": "4"}


def solved() -> tuple[str, str]:
    """A fresh challenge and its right answer (computed as a person would)."""
    c = needs_survey.new_challenge()
    a, op, b = re.fullmatch(r"(\d+) ([+−]) (\d+) = \?", c.question).groups()  # type: ignore[union-attr]
    return c.token, str(int(a) + int(b) if op == "+" else int(a) - int(b))


def submit(client: str = "203.0.113.7", answers: dict | None = None, **kw) -> int:  # type: ignore[no-untyped-def,type-arg]
    token, answer = solved()
    return needs_survey.submit_anonymous(answers or ANSWERS, client, kw.get("token", token), kw.get("answer", answer),
                                         request_id=kw.get("request_id"))


def count(model) -> int:  # type: ignore[no-untyped-def]
    with session_scope() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_anonymous_answer_is_stored_and_counted_in_the_results(db: str) -> None:
    vid = definitions.sync_specs() and definitions.published_version(needs_survey.FORM_CODE).id
    rid = submit()
    with session_scope() as s:
        r = s.get(FormResponse, rid)
        assert r is not None and r.org_id is None and r.status == "submitted" and r.version_id == vid
    user, _ = make_enterprise_user("320102")          # and one signed-in answer from Nanjing
    own = responses.open_response(user, vid)
    responses.save_section(user, own, "basic", {"it_staff": "7", "it_budget": "5", "has_systems": "0"}, 0)
    responses.save_section(user, own, "needs", {"wanted": ["cloud"], "urgency": "3"}, 0)
    responses.submit(user, own)
    national, nanjing = make_admin(None), make_admin("320102")
    assert analysis.response_count(national, vid) == 2
    assert analysis.response_count(nanjing, vid) == 1            # an anonymous answer belongs to no region
    stats = analysis.question_stats(national, vid, "it_staff")
    assert (stats.respondents, stats.mean, stats.min, stats.max) == (2, 5.0, 3.0, 7.0)
    wanted = {v: n for v, _, n, _ in analysis.question_stats(national, vid, "wanted").options}
    assert wanted["cloud"] == 2 and wanted["training"] == 1
    rows = analysis.responses_table(national, vid)
    assert analysis.ANONYMOUS in [r["单位名称"] for r in rows] and len(rows) == 2


def test_survey_rules_apply_to_anonymous_answers(db: str) -> None:
    definitions.sync_specs()
    with pytest.raises(ValidationFailed, match="信息化专职人员数：不能为负数"):
        submit(answers={**ANSWERS, "it_staff": "-1"})
    with pytest.raises(ValidationFailed, match="必填项"):
        submit(answers={"it_staff": "3"})
    assert count(FormResponse) == 0 and count(PublicSubmission) == 0


def test_rate_limit_refuses_the_next_submission_from_one_client(db: str) -> None:
    definitions.sync_specs()
    for _ in range(needs_survey.LIMIT):
        submit("198.51.100.1")
    assert needs_survey.submissions_left("198.51.100.1") == 0
    with pytest.raises(Throttled, match="提交过于频繁"):
        submit("198.51.100.1")
    assert submit("198.51.100.2") > 0                          # another client is not affected
    assert count(FormResponse) == needs_survey.LIMIT + 1


def test_wrong_expired_or_reused_challenge_is_refused(db: str) -> None:
    definitions.sync_specs()
    token, answer = solved()
    with pytest.raises(ValidationFailed, match="验证题：答案不正确"):
        needs_survey.submit_anonymous(ANSWERS, "192.0.2.1", token, str(int(answer) + 1))
    with pytest.raises(ValidationFailed, match="验证题：答案不正确"):
        needs_survey.submit_anonymous(ANSWERS, "192.0.2.1", token, "")
    issued, nonce, mac = token.split(".")
    with pytest.raises(ValidationFailed, match="验证题已过期"):        # a forged, older issue time
        needs_survey.submit_anonymous(ANSWERS, "192.0.2.1", f"{int(issued) - 3600}.{nonce}.{mac}", answer)
    assert needs_survey.submit_anonymous(ANSWERS, "192.0.2.1", token, answer) > 0
    with pytest.raises(ValidationFailed, match="已使用"):               # one challenge, one submission
        needs_survey.submit_anonymous(ANSWERS, "192.0.2.1", token, answer)
    assert count(FormResponse) == 1


def test_double_submit_stores_once(db: str) -> None:
    definitions.sync_specs()
    token, answer = solved()
    first = needs_survey.submit_anonymous(ANSWERS, "192.0.2.9", token, answer, request_id="same")
    assert needs_survey.submit_anonymous(ANSWERS, "192.0.2.9", token, answer, request_id="same") == first
    assert count(FormResponse) == 1


def test_concurrent_submissions_cannot_pass_the_limit(db: str) -> None:
    """Eight submissions at once from a client with one place left: exactly one is stored."""
    import threading

    from db.base import utcnow
    definitions.sync_specs()
    with session_scope() as s:
        s.add_all(PublicSubmission(form_code="earlier", client="192.0.2.77", at=utcnow())
                  for _ in range(needs_survey.LIMIT - 1))
    tokens = [solved() for _ in range(8)]
    results: list[str] = []
    start = threading.Barrier(len(tokens))

    def one(token: str, answer: str) -> None:
        start.wait()
        try:
            needs_survey.submit_anonymous(ANSWERS, "192.0.2.77", token, answer)
            results.append("ok")
        except Throttled:
            results.append("throttled")

    threads = [threading.Thread(target=one, args=t) for t in tokens]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results) == ["ok"] + ["throttled"] * 7
    assert count(FormResponse) == 1
