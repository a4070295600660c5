"""企业需求收集 (enterprise guide 3.1): the public needs survey, filled without an account.

The questionnaire is the shipped definition ``specs/surveys/digital_transformation_needs.yaml`` (its
published version), checked by the forms engine exactly as a signed-in answer is; the answer is stored
as a submitted ``form_response`` without an organisation (``org_id`` NULL), so 问卷结果 (services/forms/
analysis.py) counts it for national viewers, with its per-question statistics.

Against scripted floods:

- a challenge: a small sum to compute (``new_challenge``). The expected answer is not stored anywhere
  the browser can read: the token carries the time it was issued and an HMAC (``HUIQI_SECRET_KEY``) of
  the answer; it expires after ``CHALLENGE_TTL`` and can be used at most once (its digest is kept in
  the submission ledger);
- a rate limit per client address (services/identity/client_address.py): at most ``LIMIT`` submissions
  per ``WINDOW``; the ledger is ``public_submission``.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import func, select, text

from config import settings
from db.base import utcnow
from db.engine import session_scope
from db.forms import FormResponse, ResponseSection
from db.market import PublicSubmission
from services.core import audit
from services.core.errors import Throttled, ValidationFailed, check
from services.core.lengths import too_big
from services.forms.definitions import definition_for_version, published_version
from services.forms.engine import Context, Definition, evaluate
from services.forms.periods import period_choices
from services.forms.responses import MAX_SECTION_BYTES, findings_error
from services.forms.typed_rows import write_typed_rows

FORM_CODE = "digital_transformation_needs"
LIMIT = 5                                   # submissions per client address …
WINDOW = dt.timedelta(hours=1)              # … within this window
CHALLENGE_TTL = dt.timedelta(minutes=30)
CHALLENGE_LABEL = "验证题"
WRONG = f"{CHALLENGE_LABEL}：答案不正确，请重新计算后填写（已换一道新题）。"
EXPIRED = f"{CHALLENGE_LABEL}：验证题已过期或已使用，请回答新的验证题。"
TOO_MANY = f"提交过于频繁：同一网络地址 {int(WINDOW.total_seconds() // 60)} 分钟内最多提交 {LIMIT} 份问卷，请稍后再试。"


@dataclass(frozen=True)
class Challenge:
    question: str      # e.g. "7 + 12 = ?"
    token: str         # issued time, nonce and the HMAC of the answer; the answer itself is not in it


@dataclass(frozen=True)
class PublicForm:
    version_id: int
    title: str
    period: str
    definition: Definition


def _sign(issued: int, nonce: str, answer: str) -> str:
    msg = f"needs-survey|{issued}|{nonce}|{answer.strip()}".encode()
    return hmac.new(settings.secret_key.encode(), msg, hashlib.sha256).hexdigest()


def new_challenge() -> Challenge:
    """A fresh arithmetic question and its signed token."""
    a, b = secrets.randbelow(20) + 1, secrets.randbelow(20) + 1
    if secrets.randbelow(2):
        question, answer = f"{a} + {b} = ?", a + b
    else:
        a, b = max(a, b), min(a, b)
        question, answer = f"{a} − {b} = ?", a - b
    issued, nonce = int(utcnow().timestamp()), secrets.token_hex(8)
    return Challenge(question, f"{issued}.{nonce}.{_sign(issued, nonce, str(answer))}")


def _check_challenge(token: str, answer: str) -> str:
    """Return the token's digest (its one-use key) or raise ``ValidationFailed``."""
    try:
        issued_text, nonce, mac = (token or "").split(".")
        issued = int(issued_text)
    except ValueError:
        raise ValidationFailed({CHALLENGE_LABEL: [EXPIRED]}) from None
    age = utcnow().timestamp() - issued
    if not 0 <= age <= CHALLENGE_TTL.total_seconds():
        raise ValidationFailed({CHALLENGE_LABEL: [EXPIRED]})
    text = (answer or "").strip()
    if not (text.isascii() and text.lstrip("-").isdigit() and len(text) <= 4) \
            or not hmac.compare_digest(mac, _sign(issued, nonce, str(int(text)))):
        raise ValidationFailed({CHALLENGE_LABEL: [WRONG]})
    return hashlib.sha256(token.encode()).hexdigest()[:32]


def _without_files(d: Definition) -> Definition:
    """The definition without its file questions: an anonymous visitor uploads nothing."""
    sections = []
    for s in d.sections:
        groups = [replace(g, questions=tuple(q for q in g.questions if q.type != "file")) for g in s.groups]
        sections.append(replace(s, groups=tuple(g for g in groups if g.questions)))
    return replace(d, sections=tuple(s for s in sections if s.groups))


def public_form() -> PublicForm:
    """The published version of the needs survey (without file questions) and the period an anonymous
    answer is filed under (the survey's default period)."""
    v = published_version(FORM_CODE)
    d = _without_files(definition_for_version(v.id))
    return PublicForm(v.id, d.title, period_choices(d.period).default, d)


def submissions_left(client: str) -> int:
    """How many more submissions ``client`` may make in the current window."""
    with session_scope(read=True) as session:
        return max(0, LIMIT - _recent(session, client))


def _recent(session: Any, client: str) -> int:
    since = utcnow() - WINDOW
    return int(session.scalar(select(func.count()).select_from(PublicSubmission).where(
        PublicSubmission.client == client[:64], PublicSubmission.at >= since)) or 0)


def submit_anonymous(answers: dict[str, Any], client: str, challenge_token: str, challenge_answer: str,
                     request_id: str | None = None) -> int:
    """Store one anonymous answer to the needs survey; return the response id.

    Order of the checks: the challenge (``ValidationFailed`` on 验证题), the survey's own rules
    (``ValidationFailed`` naming the questions), then the client's rate limit (``Throttled``) — all in one
    transaction with the response, its typed answer rows, the ledger row and the audit row. A double
    submit (same ``request_id``) stores nothing twice."""
    key = _check_challenge(challenge_token, challenge_answer)
    form = public_form()
    d = form.definition
    ev = evaluate(d, answers, Context(org={}, period=form.period or None))
    errors = ev.errors()
    if errors:
        raise findings_error(errors, "问卷")
    by_section = {s.name: {k: v for k, v in answers.items()
                           if k in {q.name for q in s.questions} | {g.name for g in s.groups if g.repeat}}
                  for s in d.sections}
    for s in d.sections:
        check({s.title: too_big(f"「{s.title}」", by_section[s.name], MAX_SECTION_BYTES)})
    client = (client or "unknown")[:64]
    with session_scope() as session:
        done = audit.replayed(session, request_id)
        if done is not None:
            return int(done.target_id or 0)
        if session.scalar(select(PublicSubmission.id).where(PublicSubmission.form_code == f"{FORM_CODE[:40]}#{key}")):
            raise ValidationFailed({CHALLENGE_LABEL: [EXPIRED]})
        if session.get_bind().dialect.name == "postgresql":  # one client's submissions one at a time (SQLite:
            # its writers are serialised already), so two at once cannot both take the last place in the window
            session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"public_submission|{client}"})
        if _recent(session, client) >= LIMIT:
            raise Throttled(TOO_MANY)
        v = published_version(FORM_CODE, session)
        r = FormResponse(version_id=v.id, definition_id=v.definition_id, org_id=None, period=form.period,
                         status="submitted", submitted_at=utcnow(), current_section=d.sections[-1].name,
                         warnings=[{"message": w.message, "question": w.question, "section": w.section,
                                    "rule": w.rule} for w in ev.warnings()])
        session.add(r)
        session.flush()
        for name, data in by_section.items():
            session.add(ResponseSection(response_id=r.id, section=name, data=data, version=1))
        write_typed_rows(session, r, d, ev)
        # one row counts the client; its form_code also marks the challenge as used
        session.add(PublicSubmission(form_code=f"{FORM_CODE[:40]}#{key}", client=client, response_id=r.id))
        audit.record(session, None, "market.needs_survey_submitted", "form_response", r.id,
                     {"client": client}, request_id=request_id)
        return r.id
