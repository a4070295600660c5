"""A small, safe expression language for definitions: parsed and evaluated here, never ``eval``.

Syntax (XLSForm-flavoured)::

    ${revenue_ytd} >= prev(${revenue_ytd})            # reference, same field in the previous period
    ${org.industry_code} in ['13', '14']               # a field of the respondent's organisation
    . >= 0 and . <= 100                                # "." is the question's own value (constraints)
    if(${kind} == 'other', 1, 0) + count_selected(${tags})
    sum(${products.sales})                             # a column of a repeatable group

Literals: numbers (exact decimals), 'strings' or "strings", true, false, null, [lists].
Operators by precedence: or; and; not; == != < <= > >= in; + -; * / %; unary -.
Null rules: arithmetic with null gives null; comparisons with null give null; ``and``/``or``
treat null as unknown. A constraint fails only when it evaluates to exactly ``False``, so a rule
whose inputs are missing (e.g. no approved previous period) is not applied.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, Protocol

from services.forms.functions import FUNCTION_ARITY, FUNCTIONS, _date, _empty, to_number


class ExprError(ValueError):
    """A syntax or evaluation error, with a stable code and the position in the source."""

    def __init__(self, code: str, message: str, position: int | None = None):
        self.code, self.position = code, position
        super().__init__(message + (f"（第 {position + 1} 个字符处）" if position is not None else ""))


# --- AST -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Lit:
    value: Any


@dataclass(frozen=True)
class Ref:
    """``${name}``, ``${org.field}`` or ``${group.field}``; ``name == "."`` is the question's own value."""

    name: str


@dataclass(frozen=True)
class ListLit:
    items: tuple[Any, ...]


@dataclass(frozen=True)
class Unary:
    op: str
    operand: Any


@dataclass(frozen=True)
class Binary:
    op: str
    left: Any
    right: Any


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Any, ...]


Node = Lit | Ref | ListLit | Unary | Binary | Call

# --- tokens ----------------------------------------------------------------------------------
_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<ref>\$\{\s*(?P<refname>[A-Za-z_][\w.]*)\s*\})
  | (?P<num>\d+(?:\.\d+)?)
  | (?P<str>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<op>==|!=|<=|>=|<|>|\+|-|\*|/|%|\(|\)|\[|\]|,|\.)
  | (?P<name>[A-Za-z_]\w*)
""", re.VERBOSE)
_KEYWORDS = {"and", "or", "not", "in", "true", "false", "null"}


@dataclass(frozen=True)
class _Tok:
    kind: str
    value: str
    pos: int


def _tokenize(src: str) -> list[_Tok]:
    out: list[_Tok] = []
    pos = 0
    while pos < len(src):
        m = _TOKEN.match(src, pos)
        if m is None:
            raise ExprError("E_SYNTAX", f"无法识别的字符「{src[pos]}」", pos)
        kind = m.lastgroup
        if kind == "refname":
            kind = "ref"
        if kind != "ws":
            text = m.group("refname") if kind == "ref" else m.group(kind or "")
            if kind == "name" and text in _KEYWORDS:
                kind = "kw"
            out.append(_Tok(kind or "", text, pos))
        pos = m.end()
    out.append(_Tok("end", "", len(src)))
    return out


class _Parser:
    def __init__(self, src: str):
        self.toks = _tokenize(src)
        self.i = 0

    def peek(self) -> _Tok:
        return self.toks[self.i]

    def take(self, kind: str | None = None, value: str | None = None) -> _Tok:
        tok = self.toks[self.i]
        if (kind and tok.kind != kind) or (value and tok.value != value):
            want = value or kind
            raise ExprError("E_SYNTAX", f"此处应为「{want}」，实际为「{tok.value or '结尾'}」", tok.pos)
        self.i += 1
        return tok

    def at(self, kind: str, *values: str) -> bool:
        tok = self.peek()
        return tok.kind == kind and (not values or tok.value in values)

    def parse(self) -> Node:
        node = self.or_()
        if not self.at("end"):
            tok = self.peek()
            raise ExprError("E_SYNTAX", f"多余的内容「{tok.value}」", tok.pos)
        return node

    def or_(self) -> Node:
        node = self.and_()
        while self.at("kw", "or"):
            self.take()
            node = Binary("or", node, self.and_())
        return node

    def and_(self) -> Node:
        node = self.not_()
        while self.at("kw", "and"):
            self.take()
            node = Binary("and", node, self.not_())
        return node

    def not_(self) -> Node:
        if self.at("kw", "not"):
            self.take()
            return Unary("not", self.not_())
        return self.compare()

    def compare(self) -> Node:
        node = self.additive()
        while self.at("op", "==", "!=", "<", "<=", ">", ">=") or self.at("kw", "in"):
            op = self.take().value
            node = Binary(op, node, self.additive())
        return node

    def additive(self) -> Node:
        node = self.term()
        while self.at("op", "+", "-"):
            op = self.take().value
            node = Binary(op, node, self.term())
        return node

    def term(self) -> Node:
        node = self.unary()
        while self.at("op", "*", "/", "%"):
            op = self.take().value
            node = Binary(op, node, self.unary())
        return node

    def unary(self) -> Node:
        if self.at("op", "-"):
            self.take()
            return Unary("-", self.unary())
        return self.atom()

    def atom(self) -> Node:
        tok = self.peek()
        if tok.kind == "num":
            self.take()
            return Lit(Decimal(tok.value))
        if tok.kind == "str":
            self.take()
            return Lit(re.sub(r"\\([\\'\"])", r"\1", tok.value[1:-1]))  # only quotes and backslashes are escaped
        if tok.kind == "ref":
            self.take()
            return Ref(tok.value)
        if tok.kind == "kw" and tok.value in ("true", "false", "null"):
            self.take()
            return Lit({"true": True, "false": False, "null": None}[tok.value])
        if tok.kind == "op" and tok.value == ".":
            self.take()
            return Ref(".")
        if tok.kind == "op" and tok.value == "(":
            self.take()
            node = self.or_()
            self.take("op", ")")
            return node
        if tok.kind == "op" and tok.value == "[":
            self.take()
            items: list[Node] = []
            while not self.at("op", "]"):
                items.append(self.or_())
                if not self.at("op", "]"):
                    self.take("op", ",")
            self.take("op", "]")
            return ListLit(tuple(items))
        if tok.kind == "name":
            self.take()
            if tok.value not in FUNCTIONS:
                raise ExprError("E_FUNCTION", f"未知函数「{tok.value}」", tok.pos)
            self.take("op", "(")
            args: list[Node] = []
            while not self.at("op", ")"):
                args.append(self.or_())
                if not self.at("op", ")"):
                    self.take("op", ",")
            self.take("op", ")")
            low, high = FUNCTION_ARITY[tok.value]
            if not low <= len(args) <= high:
                raise ExprError("E_ARITY", f"函数「{tok.value}」的参数个数不对（{len(args)} 个）", tok.pos)
            if tok.value == "prev" and not isinstance(args[0], Ref):
                raise ExprError("E_PREV", "prev() 的参数必须是一个题目引用，如 prev(${revenue})", tok.pos)
            return Call(tok.value, tuple(args))
        raise ExprError("E_SYNTAX", f"此处不能出现「{tok.value or '结尾'}」", tok.pos)


@lru_cache(maxsize=4096)
def parse(src: str) -> Node:
    """Parse an expression (cached); raise ``ExprError`` with a position on bad syntax."""
    if not isinstance(src, str) or not src.strip():
        raise ExprError("E_EMPTY", "表达式为空")
    return _Parser(src).parse()


def references(node: Node) -> set[str]:
    """Return every ``${name}`` referenced (``org.*`` included, ``.`` excluded); ``prev`` args too."""
    out: set[str] = set()

    def walk(n: Any) -> None:
        if isinstance(n, Ref):
            if n.name != ".":
                out.add(n.name)
        elif isinstance(n, Unary):
            walk(n.operand)
        elif isinstance(n, Binary):
            walk(n.left)
            walk(n.right)
        elif isinstance(n, (Call, ListLit)):
            for a in (n.args if isinstance(n, Call) else n.items):
                walk(a)

    walk(node)
    return out


# --- evaluation ------------------------------------------------------------------------------
class Env(Protocol):
    """What an expression can see."""

    def value(self, name: str) -> Any:
        """Return the answer ``name`` (``org.x`` for an organisation field; ``.`` for self)."""

    def previous(self, name: str) -> Any:
        """Return the same field's value in the earlier period (None when not available)."""


def _compare(op: str, a: Any, b: Any) -> bool | None:
    if op == "in":
        if b is None:
            return None
        items = b if isinstance(b, (list, tuple)) else [b]
        na = to_number(a)
        return any((na is not None and to_number(x) == na) or str(x) == str(a) for x in items) if a is not None else None
    if a is None or b is None or a == "" or b == "":
        if op in ("==", "!="):
            if _empty(a) and _empty(b):
                return op == "=="
            if a is None or b is None:  # an unknown value (missing answer, no earlier period)
                return None
            return op == "!="  # '' against a value
        return None
    na, nb = to_number(a), to_number(b)
    if na is not None and nb is not None:
        a, b = na, nb
    elif isinstance(a, dt.date) or isinstance(b, dt.date):
        a, b = _date(a), _date(b)
        if a is None or b is None:
            return None
    else:
        a, b = str(a), str(b)
    return {"==": a == b, "!=": a != b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]


def evaluate(node: Node, env: Env) -> Any:
    """Evaluate a parsed expression against ``env``."""
    if isinstance(node, Lit):
        return node.value
    if isinstance(node, Ref):
        return env.value(node.name)
    if isinstance(node, ListLit):
        return [evaluate(i, env) for i in node.items]
    if isinstance(node, Unary):
        v = evaluate(node.operand, env)
        if node.op == "not":
            return None if v is None else not bool(v)
        n = to_number(v)
        return None if n is None else -n
    if isinstance(node, Binary):
        if node.op in ("and", "or"):
            left = evaluate(node.left, env)
            if node.op == "and" and left is False:
                return False
            if node.op == "or" and left is True:
                return True
            right = evaluate(node.right, env)
            if node.op == "and":
                return False if right is False else (True if left is True and right is True else None)
            return True if right is True else (False if left is False and right is False else None)
        left, right = evaluate(node.left, env), evaluate(node.right, env)
        if node.op in ("==", "!=", "<", "<=", ">", ">=", "in"):
            return _compare(node.op, left, right)
        a, b = to_number(left), to_number(right)
        if a is None or b is None:
            return None
        if node.op == "+":
            return a + b
        if node.op == "-":
            return a - b
        if node.op == "*":
            return a * b
        if b == 0:
            return None  # division by zero: unknown, not an error the respondent can fix
        return a / b if node.op == "/" else a % b
    if isinstance(node, Call):
        if node.name == "prev":
            ref = node.args[0]
            assert isinstance(ref, Ref)
            return env.previous(ref.name)
        if node.name == "if":  # lazy
            cond = evaluate(node.args[0], env)
            return evaluate(node.args[1] if cond is True else node.args[2], env)
        try:
            return FUNCTIONS[node.name](*(evaluate(a, env) for a in node.args))
        except (TypeError, ValueError, InvalidOperation, re.error) as exc:
            raise ExprError("E_EVAL", f"函数「{node.name}」计算出错：{exc}") from exc
    raise ExprError("E_EVAL", f"无法计算的表达式节点 {node!r}")


class DictEnv:
    """An ``Env`` over plain dicts (tests, imports and the engine's evaluation pass)."""

    def __init__(self, values: dict[str, Any], previous: dict[str, Any] | None = None,
                 org: dict[str, Any] | None = None, current: Any = None):
        self.values, self.prev, self.org, self.current = values, previous or {}, org or {}, current

    def value(self, name: str) -> Any:
        if name == ".":
            return self.current
        if name.startswith("org."):
            return self.org.get(name[4:])
        if "." in name:  # a column of a repeatable group: group.field -> list of row values
            group, field = name.split(".", 1)
            rows = self.values.get(group) or []
            return [r.get(field) for r in rows if isinstance(r, dict)]
        return self.values.get(name)

    def previous(self, name: str) -> Any:
        return self.prev.get(name)


def run(src: str, values: dict[str, Any] | None = None, **kw: Any) -> Any:
    """Parse and evaluate ``src`` over plain dicts (convenience for tests and scripts)."""
    return evaluate(parse(src), DictEnv(values or {}, **kw))
