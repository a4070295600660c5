"""The workflow engine: every review chain's transitions, history and checks, driven by its definition.

A service registers its subject once (``register_subject``: the model, the workflow, how to name it,
its region and owner organisation, and the columns of the subject row that mirror the instance —
``status`` / ``holder_id`` / ``holder_level`` — which only this engine writes). A transition
(``transition``) runs inside the caller's transaction and, in that transaction:

1. checks the reason (required, length) as the action declares;
2. locks the instance row (``SELECT … FOR UPDATE``; SQLite's writers are serialised by
   ``BEGIN IMMEDIATE``) and checks the current state and the actor's right (the named permission
   and one of the holder rules);
3. moves the instance with a version check (``row_version``) — of two concurrent transitions on one
   item exactly one wins, the other gets ``Conflict`` with a Chinese message;
4. writes the mirror columns, the transition row, the audit row and the declared notifications.

``move_many`` is the set-based path for bulk actions (一键接收 of thousands of items): a few
statements per chunk, no per-row ORM work. ``history`` returns a subject's full history for display.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from db.account import Account
from db.audit import AuditLog
from db.base import utcnow
from db.workflow import WorkflowInstance, WorkflowTransition
from services.core import audit, notify
from services.core.errors import Conflict, PermissionDenied, ValidationFailed
from services.core.permissions import Actor, RegionPath, in_jurisdiction
from services.core.timefmt import china_time
from services.workflow import definitions
from services.workflow.definitions import EARLIER, Action, Workflow

LEVELS = ("county", "city", "province", "national")   # the jurisdiction chain, bottom up
_LEVEL_OF_ROLE = {"admin_county": "county", "admin_city": "city", "admin_province": "province",
                  "admin_national": "national"}
CHUNK = 500


@dataclass(frozen=True)
class Subject:
    """A kind of reviewed thing, declared once in code by the service that owns it."""

    code: str                                         # "organisation", "monitor_report", …
    model: Any                                        # the ORM class of the subject rows
    workflow: str | Workflow                          # a code under specs/workflows/, or a loaded definition
    name: Callable[[Any], str]                        # how messages name the item
    region: Callable[[Any], RegionPath | None] = lambda _: None
    owner_org: Callable[[Any], int | None] = lambda _: None
    mirror: dict[str, str] = field(default_factory=dict)   # instance attribute -> subject column
    audit_detail: Callable[[Any], dict[str, Any]] = lambda _: {}

    def definition(self) -> Workflow:
        return self.workflow if isinstance(self.workflow, Workflow) else definitions.get(self.workflow)


SUBJECTS: dict[str, Subject] = {}


def register_subject(subject: Subject) -> Subject:
    """Declare a reviewed kind of thing (idempotent: the latest declaration wins)."""
    SUBJECTS[subject.code] = subject
    return subject


# --- instances -------------------------------------------------------------------------------
def instance(session: Session, subject_type: str, obj: Any, lock: bool = True) -> WorkflowInstance:
    """Return the subject's instance (locked), created on first use in the state its mirror shows
    (or the initial state when the subject mirrors nothing)."""
    sub = SUBJECTS[subject_type]
    stmt = select(WorkflowInstance).where(WorkflowInstance.subject_type == subject_type,
                                          WorkflowInstance.subject_id == obj.id)
    inst = session.scalar(stmt.with_for_update() if lock else stmt)
    if inst is not None:
        return inst
    wf = sub.definition()
    m = sub.mirror
    inst = WorkflowInstance(workflow=wf.code, subject_type=subject_type, subject_id=obj.id,
                            state=getattr(obj, m["state"]) if "state" in m else wf.initial,
                            holder_id=getattr(obj, m["holder_id"]) if "holder_id" in m else None,
                            holder_level=getattr(obj, m["holder_level"]) if "holder_level" in m else None,
                            row_version=1)
    try:
        with session.begin_nested():
            session.add(inst)
    except IntegrityError as exc:  # another transaction created it first: it has acted meanwhile
        raise Conflict("该事项刚被他人处理，请刷新后重试。") from exc
    return inst


def state_of(session: Session, subject_type: str, subject_id: int) -> str | None:
    return session.scalar(select(WorkflowInstance.state).where(WorkflowInstance.subject_type == subject_type,
                                                                WorkflowInstance.subject_id == subject_id))


# --- checks ----------------------------------------------------------------------------------
def check_reason(action: Action, reason: str | None) -> str | None:
    """Return the cleaned reason, or raise ``ValidationFailed`` naming the field and the rule."""
    text = (reason or "").strip()
    spec = action.reason
    if spec is None:
        return text or None
    if spec.required and not text:
        raise ValidationFailed({spec.label: [spec.message or f"{spec.label}：必填项，请填写{spec.label}。"]})
    if text and len(text) < spec.min:
        raise ValidationFailed({spec.label: [spec.message or f"{spec.label}：至少 {spec.min} 个字符。"]})
    if len(text) > spec.max:
        raise ValidationFailed({spec.label: [spec.message or f"{spec.label}：不能超过 {spec.max} 个字符。"]})
    return text or None


def _level(actor: Actor) -> str | None:
    for role, level in _LEVEL_OF_ROLE.items():
        if role in actor.roles:
            return level
    return None


def rule_allows(rule: definitions.Rule, actor: Actor | None, inst: WorkflowInstance, sub: Subject, obj: Any) -> bool:
    """Does one holder rule let ``actor`` act on the item now?"""
    if rule.kind == "system":
        return actor is None
    if actor is None:
        return False
    if rule.kind == "holder":
        return inst.holder_id is not None and inst.holder_id == actor.account_id
    if rule.kind == "submitter":
        return inst.submitter_id is not None and inst.submitter_id == actor.account_id
    if rule.kind == "owner":
        owner = sub.owner_org(obj)
        return owner is not None and actor.org_id == owner
    if rule.kind == "role":
        return rule.role in actor.roles
    region = sub.region(obj)
    inside = region is not None and in_jurisdiction(actor, region)
    if rule.kind == "jurisdiction":
        return inside
    if rule.kind == "level_above":  # the level right above the current holder (none: the lowest level)
        wanted = LEVELS[min(LEVELS.index(inst.holder_level) + 1, len(LEVELS) - 1)] if inst.holder_level in LEVELS \
            else LEVELS[0]
        return inside and _level(actor) == wanted
    return False


_ORDERLY = ("holder",)   # the item moved on to someone else: a conflict, not a denial


def check_actor(action: Action, actor: Actor | None, inst: WorkflowInstance, sub: Subject, obj: Any,
                conflict: str) -> None:
    """Raise ``PermissionDenied`` (no permission / outside the rules) or ``Conflict`` (the item is not
    with this actor now) unless one of the action's rules lets ``actor`` act."""
    if actor is not None and action.permission is not None and action.permission not in actor.permissions:
        raise PermissionDenied("无权执行此操作：超出您的权限或管辖范围。")
    rules = [r for r in action.who if not r.states or inst.state in r.states]
    if any(rule_allows(r, actor, inst, sub, obj) for r in rules):
        return
    if rules and all(r.kind in _ORDERLY for r in rules):
        raise Conflict(conflict)
    raise PermissionDenied("无权执行此操作：超出您的权限或管辖范围。")


def _conflict_message(wf: Workflow, action: Action, state: str, sub: Subject, obj: Any) -> str:
    if action.conflict:
        return action.conflict.format(state=wf.label(state), name=sub.name(obj), action=action.label)
    return f"「{sub.name(obj)}」当前状态为「{wf.label(state)}」，不能{action.label}，请刷新后查看。"


def earlier_states(session: Session, inst: WorkflowInstance, wf: Workflow) -> list[str]:
    """The states the item already passed through (the initial one first), current excluded."""
    seen = [wf.initial] + list(session.scalars(select(WorkflowTransition.to_state).where(
        WorkflowTransition.instance_id == inst.id).order_by(WorkflowTransition.id)))
    return [s for s in dict.fromkeys(seen) if s != inst.state]


# --- one transition --------------------------------------------------------------------------
@dataclass(frozen=True)
class Step:
    action: str
    from_state: str | None
    to_state: str
    from_holder: int | None
    to_holder: int | None
    reason: str | None


def transition(session: Session, subject_type: str, obj: Any, action_code: str, actor: Actor | None, *,
               reason: str | None = None, to_state: str | None = None,
               holder: tuple[int | None, str | None] | None = None, variables: dict[str, Any] | None = None,
               detail: dict[str, Any] | None = None, request_id: str | None = None,
               actor_id: int | None = None) -> Step:
    """Apply one action to ``obj`` inside the caller's transaction (see the module docstring).

    ``to_state``: the target of a ``to: earlier`` action. ``holder``: (account id, level) of the new
    holder, for actions declared ``holder: set``. ``variables``: the definition's own message
    variables. ``actor_id``: recorded as the actor when ``actor`` is None (a system action a person
    caused, e.g. an import run by an administrator)."""
    sub = SUBJECTS[subject_type]
    wf = sub.definition()
    action = wf.action(action_code)
    clean = check_reason(action, reason)
    inst = instance(session, subject_type, obj)
    if inst.state not in action.sources:
        raise Conflict(_conflict_message(wf, action, inst.state, sub, obj))
    check_actor(action, actor, inst, sub, obj, _conflict_message(wf, action, inst.state, sub, obj))
    target = action.to
    if target == EARLIER:
        passed = earlier_states(session, inst, wf)
        if to_state not in passed:
            raise ValidationFailed({"退回到": [f"退回到：只能退回到已经过的步骤（{'、'.join(wf.label(s) for s in passed) or '无'}）。"]})
        target = to_state
    if action.holder == "set":
        assert holder is not None, f"action {action_code} declares holder: set"
        new_holder, new_level = holder
    elif action.holder == "clear":
        new_holder, new_level = None, None
    else:
        new_holder, new_level = inst.holder_id, inst.holder_level
    who = actor.account_id if actor is not None else actor_id
    submitter = who if action.submits else inst.submitter_id
    step = Step(action_code, inst.state, target, inst.holder_id, new_holder, clean)
    now = utcnow()
    values = {"state": target, "holder_id": new_holder, "holder_level": new_level, "submitter_id": submitter,
              "row_version": inst.row_version + 1, "updated_at": now}
    done = session.execute(update(WorkflowInstance).where(WorkflowInstance.id == inst.id,
                                                          WorkflowInstance.row_version == inst.row_version)
                           .values(values).execution_options(synchronize_session=False))
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(_conflict_message(wf, action, inst.state, sub, obj))
    for key, value in values.items():
        set_committed_value(inst, key, value)
    for key, column in sub.mirror.items():
        setattr(obj, column, values[key])
    session.add(WorkflowTransition(instance_id=inst.id, actor_id=who, action=action_code, from_state=step.from_state,
                                   to_state=target, from_holder=step.from_holder, to_holder=new_holder, reason=clean,
                                   at=now))
    session.flush()
    audit.record(session, who, action.audit, subject_type, obj.id,
                 {**sub.audit_detail(obj), "from": step.from_state, "to": target,
                  **({"holder": new_holder} if new_holder is not None or step.from_holder is not None else {}),
                  **({"reason": clean} if clean else {}), **(detail or {})}, request_id=request_id)
    _notify(session, sub, wf, action, obj, inst, actor, step, variables or {})
    return step


def _vars(sub: Subject, wf: Workflow, action: Action, obj: Any, actor: Actor | None, step: Step,
          extra: dict[str, Any]) -> dict[str, Any]:
    base = {"name": sub.name(obj), "id": obj.id, "reason": step.reason or "", "action": action.label,
            "from_state": wf.label(step.from_state), "to_state": wf.label(step.to_state),
            "actor": (actor.display_name or actor.username) if actor else "系统"}
    return {**{v: "" for v in wf.variables}, **base, **extra}


def _recipients(session: Session, to: str, sub: Subject, obj: Any, inst: WorkflowInstance, actor: Actor | None,
                step: Step) -> list[int | None]:
    if to == "owner":
        owner = sub.owner_org(obj)
        return list(session.scalars(select(Account.id).where(Account.org_id == owner))) if owner else []
    return [{"submitter": inst.submitter_id, "holder": step.to_holder, "new_holder": step.to_holder,
             "actor": actor.account_id if actor else None}[to]]


def _notify(session: Session, sub: Subject, wf: Workflow, action: Action, obj: Any, inst: WorkflowInstance,
            actor: Actor | None, step: Step, extra: dict[str, Any]) -> None:
    if not action.notify:
        return
    values = _vars(sub, wf, action, obj, actor, step, extra)
    for n in action.notify:
        notify.send(session, _recipients(session, n.to, sub, obj, inst, actor, step), n.title.format_map(values),
                    n.body.format_map(values), n.link.format_map(values) or None)


# --- many at once ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Moved:
    id: int
    from_state: str
    from_holder: int | None
    row: Any   # the selected subject columns (``columns`` of move_many)


def move_many(session: Session, subject_type: str, action_code: str, actor: Actor, where: Sequence[Any],
              holder: tuple[int | None, str | None] | None, *, columns: Sequence[Any] = (),
              subject_values: dict[str, Any] | None = None, detail: Callable[[Any], dict[str, Any]] | None = None,
              ) -> list[Moved]:
    """Apply a ``bulk`` action to every subject row matching ``where`` — set-based, in chunks: lock the
    rows, move the instances still in a from-state (with their version), write the mirror columns
    and ``subject_values``, then one insert each for the transition and audit rows. Rows another
    transaction moved meanwhile no longer match and are left alone. Notifications are the caller's
    (one per organisation, not one per item). Returns the moved items."""
    sub = SUBJECTS[subject_type]
    wf = sub.definition()
    action = wf.action(action_code)
    assert action.bulk, f"action {action_code} is not declared bulk"
    if action.permission is not None and action.permission not in actor.permissions:
        raise PermissionDenied("无权执行此操作：超出您的权限或管辖范围。")
    model = sub.model
    rows = list(session.execute(select(model.id, *columns).where(*where).order_by(model.id).with_for_update()))
    if not rows:
        return []
    new_holder, new_level = holder if holder is not None else (None, None)
    target = action.to
    now = utcnow()
    moved: list[Moved] = []
    for i in range(0, len(rows), CHUNK):
        chunk = {r.id: r for r in rows[i:i + CHUNK]}
        insts = session.execute(select(WorkflowInstance.id, WorkflowInstance.subject_id, WorkflowInstance.state,
                                       WorkflowInstance.holder_id, WorkflowInstance.row_version)
                                .where(WorkflowInstance.subject_type == subject_type,
                                       WorkflowInstance.subject_id.in_(list(chunk)),
                                       WorkflowInstance.state.in_(action.sources)).with_for_update()).all()
        if not insts:
            continue
        done = {x for (x,) in session.execute(
            update(WorkflowInstance).where(WorkflowInstance.id.in_([t.id for t in insts]),
                                           WorkflowInstance.state.in_(action.sources))
            .values(state=target, holder_id=new_holder if action.holder != "keep" else WorkflowInstance.holder_id,
                    holder_level=new_level if action.holder != "keep" else WorkflowInstance.holder_level,
                    row_version=WorkflowInstance.row_version + 1, updated_at=now)
            .returning(WorkflowInstance.id).execution_options(synchronize_session=False))}
        insts = [t for t in insts if t.id in done]
        if not insts:
            continue
        mirror: dict[str, Any] = {}
        for key, column in sub.mirror.items():
            mirror[column] = {"state": target, "holder_id": new_holder, "holder_level": new_level}.get(key)
            if action.holder == "keep" and key != "state":
                mirror.pop(column)
        ids = [t.subject_id for t in insts]
        session.execute(update(model).where(model.id.in_(ids)).values({**mirror, **(subject_values or {})})
                        .execution_options(synchronize_session=False))
        session.execute(insert(WorkflowTransition), [
            {"instance_id": t.id, "actor_id": actor.account_id, "action": action_code, "from_state": t.state,
             "to_state": target, "from_holder": t.holder_id, "to_holder": new_holder, "reason": None, "at": now}
            for t in insts])
        session.execute(insert(AuditLog), [
            {"actor_id": actor.account_id, "action": action.audit, "target_type": subject_type,
             "target_id": str(t.subject_id), "at": now,
             "detail": {**(detail(chunk[t.subject_id]) if detail else {}), "from": t.state, "to": target,
                        "holder": new_holder}} for t in insts])
        moved += [Moved(t.subject_id, t.state, t.holder_id, chunk[t.subject_id]) for t in insts]
    return moved


# --- history ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class HistoryRow:
    at: str                 # China time
    actor: str              # display name, or 系统
    action: str             # the action's label
    from_state: str         # label (未开始 before the first step)
    to_state: str
    holder: str             # who the item waits for after this step ("" for none)
    reason: str
    action_code: str = ""

    def as_row(self) -> dict[str, str]:
        """The row as the detail views show it (时间 / 操作人 / 操作 / 状态 / 待处理人 / 原因)."""
        return {"时间": self.at, "操作人": self.actor, "操作": self.action, "状态": f"{self.from_state} → {self.to_state}",
                "待处理人": self.holder, "原因": self.reason}


def history(session: Session, subject_type: str, subject_id: int, start_label: str = "未开始") -> list[HistoryRow]:
    """Return the full history of a subject, oldest first (the caller has checked it may be seen)."""
    wf = SUBJECTS[subject_type].definition()
    steps = list(session.execute(
        select(WorkflowTransition).join(WorkflowInstance, WorkflowInstance.id == WorkflowTransition.instance_id)
        .where(WorkflowInstance.subject_type == subject_type, WorkflowInstance.subject_id == subject_id)
        .order_by(WorkflowTransition.id)).scalars())
    ids = {t.actor_id for t in steps} | {t.to_holder for t in steps}
    names = {a.id: a.display_name or a.username
             for a in session.scalars(select(Account).where(Account.id.in_({i for i in ids if i})))}
    return [HistoryRow(china_time(t.at, "%Y-%m-%d %H:%M:%S"), names.get(t.actor_id or 0, "系统"),
                       wf.actions[t.action].label if t.action in wf.actions else t.action,
                       wf.label(t.from_state) if t.from_state else start_label, wf.label(t.to_state),
                       names.get(t.to_holder or 0, ""), t.reason or "", t.action) for t in steps]


def last_at(session: Session, subject_type: str, subject_id: int, action: str) -> Any:
    """When ``action`` was last applied to the subject (UTC, or None)."""
    return session.scalar(select(func.max(WorkflowTransition.at))
                          .join(WorkflowInstance, WorkflowInstance.id == WorkflowTransition.instance_id)
                          .where(WorkflowInstance.subject_type == subject_type,
                                 WorkflowInstance.subject_id == subject_id, WorkflowTransition.action == action))

