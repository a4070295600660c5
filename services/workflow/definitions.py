"""Workflow definitions: read ``specs/workflows/*.yaml`` → validate → a frozen ``Workflow``.

A definition declares the states (with their Chinese labels), the initial and terminal states, and
the actions: from which states, to which state (or ``earlier``: back to any step the item already
passed), the named permission the actor needs and who among those holding it may act (``who``:
any of the holder rules below), the reason (required, its length), the holder change and the
notifications. ``load`` raises ``WorkflowInvalid`` listing every problem; ``check_file`` returns
them. Each problem has a stable code and names the file, the item and the rule (specs/README.md).

Holder rules (``who``): ``holder`` (the account the item waits for), ``submitter`` (who submitted
it: withdraw), ``owner`` (an account of the subject's organisation), ``jurisdiction`` (an
administrator whose jurisdiction contains the subject), ``level_above`` (an administrator of the
level right above the item's current holder level, whose jurisdiction contains the subject),
``role: <code>`` (a role of services.core.permissions.ROLES), ``system`` (no actor: rules the system
applies). A rule may be limited to some states: ``{rule: holder, states: [reviewing]}``.
"""
from __future__ import annotations

import string
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from services.core import permissions
from services.core.spec_check import SpecProblem

SPEC_DIR = Path(__file__).resolve().parents[2] / "specs" / "workflows"
EARLIER = "earlier"          # ``to: earlier`` — back to any state the item already passed through
RULES = ("holder", "submitter", "owner", "jurisdiction", "level_above", "role", "system")
RECIPIENTS = ("owner", "submitter", "holder", "new_holder", "actor")
HOLDER_CHANGES = ("keep", "clear", "set")
# placeholders every message template may use; a definition adds its own under ``variables``
BASE_VARS = ("name", "id", "reason", "action", "from_state", "to_state", "actor")

# Stable error codes (never renumbered; add new ones at the end).
CODES = {
    "WF001": "引用了未声明的状态", "WF002": "缺少必填项或格式错误", "WF003": "权限不存在",
    "WF004": "处理人规则无效", "WF005": "原因设置无效", "WF006": "操作重复", "WF007": "终止状态不能再有操作",
    "WF008": "状态无法到达", "WF009": "非终止状态没有出路", "WF010": "通知设置无效", "WF011": "文件无法读取",
    "WF012": "代码格式不正确",
}


@dataclass(frozen=True)
class SpecError(SpecProblem):
    """One problem in a workflow file (check-specs' record: code, file, item, rule), shown with the code's name."""

    def __str__(self) -> str:
        place = " › ".join(p for p in (self.file, self.item) if p)
        return f"[{self.code}] {place}：{CODES.get(self.code, '')}——{self.message}"


class WorkflowInvalid(ValueError):
    def __init__(self, errors: list[SpecError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


@dataclass(frozen=True)
class Rule:
    kind: str                        # one of RULES
    role: str | None = None          # for kind == "role"
    states: tuple[str, ...] = ()     # limited to these current states (empty: any)


@dataclass(frozen=True)
class Reason:
    required: bool = False
    min: int = 0
    max: int = 500
    label: str = "原因"
    message: str = ""                # shown instead of the generic messages when given


@dataclass(frozen=True)
class Notice:
    to: str                          # one of RECIPIENTS
    title: str
    body: str = ""
    link: str = ""


@dataclass(frozen=True)
class Action:
    code: str
    label: str
    sources: tuple[str, ...]         # from-states
    to: str                          # a state, or EARLIER
    permission: str | None
    who: tuple[Rule, ...]
    reason: Reason | None = None
    holder: str = "keep"             # keep / clear / set (the service names the new holder)
    audit: str = ""                  # the audit row's action (default "<workflow>.<action>")
    conflict: str = ""               # the message when the state does not allow it ({state} = its label)
    notify: tuple[Notice, ...] = ()
    bulk: bool = False               # may be applied to many items at once (move_many)
    submits: bool = False            # the actor becomes the item's submitter (for withdraw rules)


@dataclass(frozen=True)
class Workflow:
    code: str
    title: str
    subject: str
    states: dict[str, str]           # code -> Chinese label
    initial: str
    terminal: tuple[str, ...]
    actions: dict[str, Action]
    variables: tuple[str, ...] = ()
    source: str = ""

    def label(self, state: str | None) -> str:
        return self.states.get(state or "", state or "")

    def action(self, code: str) -> Action:
        return self.actions[code]


# --- validation ------------------------------------------------------------------------------
class _Checker:
    def __init__(self, file: str) -> None:
        self.file = file
        self.errors: list[SpecError] = []

    def err(self, code: str, item: str, message: str) -> None:
        self.errors.append(SpecError(code, self.file, item, message))


def _ident(value: Any) -> bool:
    return isinstance(value, str) and value.isidentifier() and value.isascii() and len(value) <= 24


def _fields(template: str) -> set[str]:
    try:
        return {f for _, f, _, _ in string.Formatter().parse(template) if f is not None}
    except ValueError:
        return {"{"}


def parse(doc: Any, file: str = "") -> tuple[Workflow | None, list[SpecError]]:
    """Validate one document; return (the workflow or None, every problem found)."""
    c = _Checker(file)
    if not isinstance(doc, dict):
        c.err("WF011", "", "文件内容须为 YAML 映射（code、title、states、actions …）")
        return None, c.errors
    for key in ("code", "title", "subject", "states", "initial", "actions"):
        if not doc.get(key):
            c.err("WF002", key, f"缺少「{key}」")
    if c.errors:
        return None, c.errors
    code = doc["code"]
    if not _ident(code):
        c.err("WF012", "code", f"「{code}」须为字母、数字和下划线，以字母开头，不超过 24 个字符")
    states_raw = doc["states"]
    states: dict[str, str] = {}
    if not isinstance(states_raw, dict):
        c.err("WF002", "states", "states 须为「状态代码: 中文名称」的映射")
    else:
        for s, label in states_raw.items():
            if not _ident(s):
                c.err("WF012", f"状态 {s}", "状态代码须为字母、数字和下划线，不超过 24 个字符")
            if not isinstance(label, str) or not label.strip():
                c.err("WF002", f"状态 {s}", "缺少中文名称")
            states[str(s)] = str(label or s)

    def known(state: Any, item: str) -> None:
        if state not in states:
            c.err("WF001", item, f"未声明的状态「{state}」")

    known(doc["initial"], "initial")
    terminal = doc.get("terminal") or []
    if not isinstance(terminal, list):
        c.err("WF002", "terminal", "terminal 须为状态列表")
        terminal = []
    for s in terminal:
        known(s, "terminal")
    variables = tuple(doc.get("variables") or ())
    allowed_vars = set(BASE_VARS) | set(variables)
    actions: dict[str, Action] = {}
    raw_actions = doc["actions"] if isinstance(doc["actions"], list) else []
    if not isinstance(doc["actions"], list):
        c.err("WF002", "actions", "actions 须为操作列表")
    for i, a in enumerate(raw_actions):
        item = f"操作 {a.get('code') if isinstance(a, dict) else i + 1}"
        if not isinstance(a, dict):
            c.err("WF002", item, "操作须为映射")
            continue
        for key in ("code", "label", "from", "to"):
            if not a.get(key):
                c.err("WF002", item, f"缺少「{key}」")
        if not all(a.get(k) for k in ("code", "label", "from", "to")):
            continue
        acode = a["code"]
        if not _ident(acode):
            c.err("WF012", item, f"操作代码「{acode}」须为字母、数字和下划线，不超过 24 个字符")
        if acode in actions:
            c.err("WF006", item, f"操作「{acode}」重复声明")
        sources = a["from"] if isinstance(a["from"], list) else [a["from"]]
        for s in sources:
            known(s, f"{item} › from")
            if s in terminal:
                c.err("WF007", f"{item} › from", f"「{s}」是终止状态，不能再有操作")
        if a["to"] != EARLIER:
            known(a["to"], f"{item} › to")
        perm = a.get("permission")
        catalogue = {v for k, v in vars(permissions).items() if k.startswith("P_") and isinstance(v, str)}
        if perm is not None and perm not in catalogue:
            c.err("WF003", f"{item} › permission", f"权限「{perm}」不在 services/core/permissions.py 的权限目录中")
        rules: list[Rule] = []
        who = a.get("who")
        if not who:
            c.err("WF004", f"{item} › who", "缺少处理人规则（holder / submitter / owner / jurisdiction / "
                                            "level_above / role / system）")
            who = []
        for r in who if isinstance(who, list) else [who]:
            rule = _rule(c, f"{item} › who", r, states, set(sources))
            if rule is not None:
                rules.append(rule)
        if perm is None and any(r.kind != "system" for r in rules):
            c.err("WF003", f"{item} › permission", "除 system 外的处理人规则须同时声明所需权限")
        reason = _reason(c, f"{item} › reason", a.get("reason"))
        if a["to"] == EARLIER and (reason is None or not reason.required):
            c.err("WF005", f"{item} › reason", "退回到之前步骤（to: earlier）须要求填写原因")
        holder = a.get("holder", "keep")
        if holder not in HOLDER_CHANGES:
            c.err("WF002", f"{item} › holder", f"holder 须为 {' / '.join(HOLDER_CHANGES)}")
        notices = []
        for n in a.get("notify") or []:
            if not isinstance(n, dict) or n.get("to") not in RECIPIENTS or not n.get("title"):
                to = n.get("to") if isinstance(n, dict) else n
                c.err("WF010", f"{item} › notify", f"通知对象「{to}」无效或缺少 title："
                                                   f"须写明 to（{' / '.join(RECIPIENTS)}）和 title")
                continue
            for part in ("title", "body", "link"):
                bad = _fields(str(n.get(part) or "")) - allowed_vars
                if bad:
                    c.err("WF010", f"{item} › notify › {part}",
                          f"模板引用了未声明的变量 {', '.join('{' + b + '}' for b in sorted(bad))}"
                          f"（可用：{', '.join(sorted(allowed_vars))}）")
            notices.append(Notice(n["to"], str(n["title"]), str(n.get("body") or ""), str(n.get("link") or "")))
        if a.get("conflict"):
            bad = _fields(str(a["conflict"])) - allowed_vars - {"state"}
            if bad:
                c.err("WF010", f"{item} › conflict", f"模板引用了未声明的变量 {', '.join(sorted(bad))}")
        actions[acode] = Action(acode, str(a["label"]), tuple(sources), a["to"], perm, tuple(rules), reason,
                                holder if holder in HOLDER_CHANGES else "keep", str(a.get("audit") or f"{code}.{acode}"),
                                str(a.get("conflict") or ""), tuple(notices), bool(a.get("bulk")),
                                bool(a.get("submits")))
    if states and doc["initial"] in states and not c.errors:
        _graph(c, states, doc["initial"], terminal, list(actions.values()))
    if c.errors:
        return None, c.errors
    return Workflow(code, str(doc["title"]), str(doc["subject"]), states, doc["initial"], tuple(terminal), actions,
                    variables, file), []


def _rule(c: _Checker, item: str, raw: Any, states: dict[str, str], sources: set[str]) -> Rule | None:
    if isinstance(raw, str):
        raw = {"rule": raw}
    if isinstance(raw, dict) and "role" in raw and "rule" not in raw:
        raw = {**raw, "rule": "role"}
    if not isinstance(raw, dict) or raw.get("rule") not in RULES:
        c.err("WF004", item, f"未知的处理人规则「{raw}」（可用：{' / '.join(RULES)}）")
        return None
    role = raw.get("role")
    if raw["rule"] == "role" and role not in permissions.ROLES:
        c.err("WF004", item, f"角色「{role}」不存在（services/core/permissions.py 的 ROLES）")
        return None
    limited = tuple(raw.get("states") or ())
    for s in limited:
        if s not in states:
            c.err("WF001", item, f"未声明的状态「{s}」")
        elif s not in sources:
            c.err("WF004", item, f"规则限定的状态「{s}」不在该操作的 from 中")
    return Rule(raw["rule"], role, limited)


def _reason(c: _Checker, item: str, raw: Any) -> Reason | None:
    if raw is None or raw is False:
        return None
    if raw is True:
        return Reason(required=True)
    if not isinstance(raw, dict):
        c.err("WF005", item, "reason 须为 true 或 {required, min, max, label, message}")
        return None
    lo, hi = raw.get("min", 0), raw.get("max", 500)
    if not isinstance(lo, int) or not isinstance(hi, int) or lo < 0 or hi <= 0 or lo > hi:
        c.err("WF005", item, f"长度设置无效（min={lo!r}, max={hi!r}）：须为 0 ≤ min ≤ max 的整数，max > 0")
        return None
    return Reason(bool(raw.get("required", False)), lo, hi, str(raw.get("label") or "原因"), str(raw.get("message") or ""))


def _graph(c: _Checker, states: dict[str, str], initial: str, terminal: list[str], actions: list[Action]) -> None:
    reach, todo = {initial}, [initial]
    while todo:
        s = todo.pop()
        for a in actions:
            if s in a.sources and a.to != EARLIER and a.to not in reach:
                reach.add(a.to)
                todo.append(a.to)
    for s in states:
        if s not in reach:
            c.err("WF008", f"状态 {s}", f"从初始状态「{initial}」出发，没有任何操作能到达「{s}」")
        elif s not in terminal and not any(s in a.sources for a in actions):
            c.err("WF009", f"状态 {s}", f"「{s}」不是终止状态，但没有任何操作能离开它（声明为 terminal，或增加操作）")


# --- files -----------------------------------------------------------------------------------
def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(SPEC_DIR.parents[1]))
    except ValueError:
        return str(path)


def check_file(path: str | Path) -> list[SpecError]:
    """Return every problem of one workflow file (empty: valid). For ``manage.py check-specs``."""
    p = Path(path)
    try:
        doc = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        return [SpecError("WF011", _relative(p), "", f"无法读取：{str(exc).splitlines()[0] if str(exc) else exc}")]
    return parse(doc, _relative(p))[1]


def load_file(path: str | Path) -> Workflow:
    p = Path(path)
    errors = check_file(p)
    if errors:
        raise WorkflowInvalid(errors)
    workflow, _ = parse(yaml.safe_load(p.read_text(encoding="utf-8")), _relative(p))
    assert workflow is not None
    return workflow


@lru_cache(maxsize=None)
def get(code: str) -> Workflow:
    """Return the shipped workflow ``code`` (specs/workflows/<code>.yaml), validated once per process."""
    return load_file(SPEC_DIR / f"{code}.yaml")


def check_all(directory: Path = SPEC_DIR) -> list[SpecError]:
    """Every problem of every workflow file under ``directory``."""
    return [e for p in sorted(directory.glob("*.yaml")) for e in check_file(p)]
