"""Read a definition document, validate it and build the typed tree (stable error codes)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from services.forms import expr
from services.forms.loader_assessment import AssessmentBlock
from services.io.upload_limits import load_json, load_yaml
from services.forms.schema import (NAME_RE, RESERVED, Branch, Cell, Choice, Constraint, Definition, DefinitionInvalid,
                                   DefinitionIssue, Group, MatrixRow, Outcome, Question, Scoring, Section)
from services.forms.types import ALIASES, CELL_TYPES, FILE_TYPES, KINDS, PERIODS, QUESTION_TYPES, SEVERITIES


def read_document(text: str, source: str = "") -> dict[str, Any]:
    """Parse YAML or JSON text into a dict (``DefinitionInvalid`` D016 otherwise) within the upload limits
    (size, YAML aliases and nesting: ``services.io.upload_limits.UploadRefused``)."""
    try:
        data = load_yaml(text) if not text.lstrip().startswith("{") else load_json(text)
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        raise DefinitionInvalid([DefinitionIssue("D016", f"无法解析 YAML/JSON：{exc}")], source) from exc
    if not isinstance(data, dict):
        raise DefinitionInvalid([DefinitionIssue("D016", "文档顶层必须是一个映射（键: 值）")], source)
    return data


def load_file(path: str | Path) -> Definition:
    """Read, validate and build a definition from a YAML/JSON file."""
    p = Path(path)
    return load_definition(read_document(p.read_text(encoding="utf-8"), str(p)), source=str(p))


def check_file(path: str | Path) -> list[tuple[str, str, str, str]]:
    """Validate one definition file; return its problems as (code, file, item, message), [] if none.

    For ``manage.py check-specs``: the codes are ``schema.CODES`` (D018–D022: the assessment block)."""
    p = Path(path)
    try:
        load_file(p)
    except DefinitionInvalid as exc:
        return [(i.code, str(p), i.where, i.message) for i in exc.issues]
    return []


def load_definition(doc: dict[str, Any], source: str = "") -> Definition:
    """Validate a definition document and return its typed tree (``DefinitionInvalid`` otherwise)."""
    builder = _Builder(doc)
    definition = builder.build()
    if builder.issues:
        raise DefinitionInvalid(builder.issues, source or str(doc.get("code", "")))
    assert definition is not None
    return definition


class _Builder(AssessmentBlock):
    def __init__(self, doc: dict[str, Any]):
        self.doc = doc
        self.issues: list[DefinitionIssue] = []
        self.names: dict[str, str] = {}      # question name -> where first defined
        self.order: list[str] = []
        self.questions: list[Question] = []

    def err(self, code: str, message: str, where: str = "") -> None:
        self.issues.append(DefinitionIssue(code, message, where))

    # -- helpers
    def _name(self, raw: Any, where: str, kind: str = "名称") -> str:
        name = str(raw or "")
        if not name:
            self.err("D001", f"缺少{kind}（name）", where)
        elif not NAME_RE.match(name) or name in RESERVED:
            self.err("D004", f"「{name}」须以字母或下划线开头，只含字母、数字、下划线，且不是保留字", where)
        return name

    def _expr(self, src: Any, where: str) -> str | None:
        if src is None or src == "":
            return None
        try:
            expr.parse(str(src))
        except expr.ExprError as exc:
            self.err("D006", f"「{src}」：{exc}", where)
        return str(src)

    def _constraints(self, raw: Any, where: str) -> tuple[Constraint, ...]:
        out = []
        for i, item in enumerate(raw or []):
            item = {"rule": item} if isinstance(item, str) else dict(item or {})
            w = f"{where} › 规则 {i + 1}"
            rule = self._expr(item.get("rule"), w)
            if rule is None:
                self.err("D001", "规则缺少 rule 表达式", w)
                continue
            severity = str(item.get("severity", "error"))
            if severity not in SEVERITIES:
                self.err("D012", f"severity 只能为 error 或 warning，而不是「{severity}」", w)
            out.append(Constraint(rule, str(item.get("message") or f"不满足规则：{rule}"), severity,
                                  tuple(item.get("fields") or ())))
        return tuple(out)

    def _choices(self, raw: Any, where: str) -> tuple[Choice, ...]:
        if isinstance(raw, str):
            lists = self.doc.get("choices") or {}
            if raw not in lists:
                self.err("D005", f"选项列表「{raw}」不存在", where)
                return ()
            raw = lists[raw]
        if not raw:
            self.err("D005", "选择题必须有选项（choices）", where)
            return ()
        out, seen = [], set()
        for item in raw:
            item = {"value": item, "label": item} if not isinstance(item, dict) else item
            value = str(item.get("value", "")).strip()
            if not value or value in seen:
                self.err("D010", f"选项值「{value}」为空或重复", where)
            seen.add(value)
            score = item.get("score")
            extra = {k: v for k, v in item.items() if k not in ("value", "label", "score")}
            out.append(Choice(value, str(item.get("label", value)), float(score) if score is not None else None, extra))
        return tuple(out)

    # -- tree
    def build(self) -> Definition | None:
        d = self.doc
        for key in ("code", "kind", "title", "sections"):
            if not d.get(key):
                self.err("D001", f"缺少 {key}")
        code = self._name(d.get("code"), "定义", "定义代码")
        kind, period = str(d.get("kind", "")), str(d.get("period", "none"))
        if kind and kind not in KINDS:
            self.err("D015", f"kind 须为 {'/'.join(KINDS)} 之一，而不是「{kind}」")
        if period not in PERIODS:
            self.err("D015", f"period 须为 {'/'.join(sorted(PERIODS))} 之一，而不是「{period}」")
        settings = d.get("settings") or {}
        sections = tuple(self._section(s, i) for i, s in enumerate(d.get("sections") or []))
        rules = self._constraints(d.get("rules"), "全局规则")
        scoring = self._scoring(d.get("scoring"))
        self._check_references(sections, rules)
        assessment = self._assessment(d.get("assessment"), sections, scoring)
        version = d.get("version")
        return Definition(code=code, kind=kind, title=str(d.get("title", "")), sections=sections,
                          description=str(d.get("description", "")), period=period,
                          version=int(version) if isinstance(version, int) else None,
                          columns=int(settings.get("columns", d.get("columns", 1)) or 1), rules=rules,
                          scoring=scoring, assessment=assessment, source=d)

    def _section(self, raw: dict[str, Any], index: int) -> Section:
        raw = raw or {}
        where = f"第 {index + 1} 部分"
        name = self._name(raw.get("name"), where, "部分名称")
        where = f"部分 {name}"
        if "groups" in raw:
            groups = tuple(self._group(g, where) for g in raw.get("groups") or [])
        else:  # questions directly under the section: one implicit group
            groups = (self._group({"name": f"{name}_main", "title": "", "questions": raw.get("questions")}, where,
                                  implicit=True),)
        if not any(g.questions for g in groups):
            self.err("D001", "部分中没有题目", where)
        gate = raw.get("gate")
        return Section(name, str(raw.get("title", name)), groups, str(raw.get("description", "")),
                       self._expr(raw.get("show_if"), f"{where} › show_if"), float(raw.get("weight", 1)),
                       float(gate) if gate is not None else None)

    def _group(self, raw: dict[str, Any], where: str, implicit: bool = False) -> Group:
        raw = raw or {}
        name = str(raw.get("name") or "") if implicit else self._name(raw.get("name"), where, "题组名称")
        w = f"{where} › 题组 {name}"
        repeat = raw.get("repeat") or False
        opts = repeat if isinstance(repeat, dict) else {}
        if repeat:
            if name in self.names:
                self.err("D003", f"名称「{name}」已在{self.names[name]}使用", w)
            self.names[name] = w
        questions = tuple(self._question(q, w, in_repeat=bool(repeat)) for q in raw.get("questions") or [])
        min_rows, max_rows = int(opts.get("min", 0)), int(opts.get("max", 200))
        if min_rows < 0 or max_rows < max(1, min_rows):
            self.err("D017", f"重复组行数范围无效（min={min_rows}, max={max_rows}）", w)
        return Group(name, str(raw.get("title", "")), questions, self._expr(raw.get("show_if"), f"{w} › show_if"),
                     bool(repeat), min_rows, max_rows, str(opts.get("add_label", "添加一行")),
                     float(raw.get("weight", 1)), dict(raw.get("tags") or {}))

    def _question(self, raw: dict[str, Any], where: str, in_repeat: bool = False) -> Question:
        raw = dict(raw or {})
        name = self._name(raw.get("name"), where, "题目名称")
        w = f"问题 {name}" if name else where
        if name:
            if name in self.names:
                self.err("D003", f"名称「{name}」已在{self.names[name]}使用", w)
            self.names[name] = w
            if not in_repeat:
                self.order.append(name)
        qtype = ALIASES.get(str(raw.get("type", "")), str(raw.get("type", "")))
        if qtype not in QUESTION_TYPES:
            self.err("D002", f"「{raw.get('type')}」不是支持的题型（可用：{'、'.join(QUESTION_TYPES)}）", w)
            qtype = "text"
        spec = QUESTION_TYPES[qtype]
        if not raw.get("label") and qtype != "note":
            self.err("D001", "缺少题目文字（label）", w)
        required = raw.get("required", False)
        if isinstance(required, str) and required.lower() not in ("true", "false", "yes", "no"):
            required = self._expr(required, f"{w} › required") or False
        elif isinstance(required, str):
            required = required.lower() in ("true", "yes")
        choices = self._choices(raw.get("choices"), w) if spec.choices else ()
        rows: tuple[MatrixRow, ...] = ()
        cells: tuple[Cell, ...] = ()
        if spec.matrix:
            rows = tuple(MatrixRow(self._name(r.get("name"), w, "矩阵行名称"), str(r.get("label", r.get("name"))),
                                   str(r.get("unit", "")), self._expr(r.get("show_if"), f"{w} › 行 {r.get('name')}"),
                                   bool(r.get("required", False)),
                                   self._constraints(r.get("constraints"), f"{w} › 行 {r.get('name')}"))
                         for r in raw.get("rows") or [])
            if not rows:
                self.err("D011", "矩阵题必须有行（rows）", w)
            if qtype == "matrix_fill":
                cells = tuple(self._cell(c, w) for c in raw.get("cells") or [])
                if not cells:
                    self.err("D011", "矩阵填空题必须有列（cells）", w)
        calc = self._expr(raw.get("calculation"), f"{w} › calculation")
        if qtype == "calculated" and not calc:
            self.err("D001", "计算题必须有 calculation 表达式", w)
        precision = raw.get("precision")
        if precision is not None and (not isinstance(precision, int) or not 0 <= precision <= 6):
            self.err("D013", f"precision 须为 0–6 的整数，而不是「{precision}」", w)
            precision = None
        lo, hi = raw.get("min"), raw.get("max")
        if lo is not None and hi is not None and float(lo) > float(hi):
            self.err("D013", f"min（{lo}）大于 max（{hi}）", w)
        file_types = tuple(str(t).lower().lstrip(".") for t in raw.get("file_types") or ())
        bad = [t for t in file_types if t not in FILE_TYPES]
        if bad:
            self.err("D014", f"不支持的文件类型 {bad}（可用：{'、'.join(sorted(FILE_TYPES))}）", w)
        if qtype == "file" and not file_types:
            file_types = ("pdf", "png", "jpg", "jpeg")
        if qtype == "rating" and hi is None:
            hi = 5
        branches = []
        for i, b in enumerate(raw.get("goto") or []):
            cond = self._expr(b.get("if"), f"{w} › goto {i + 1}")
            branches.append(Branch(cond or "true", str(b.get("to", ""))))
        built = Question(
            name=name, type=qtype, label=str(raw.get("label", "")), help=str(raw.get("help", "")),
            example=str(raw.get("example", "")), required=required,
            show_if=self._expr(raw.get("show_if"), f"{w} › show_if"),
            constraints=self._constraints(raw.get("constraints"), w), calculation=calc, choices=choices,
            choice_filter=self._expr(raw.get("choice_filter"), f"{w} › choice_filter"),
            not_applicable=bool(raw.get("not_applicable", False)),
            columns=int(raw["columns"]) if raw.get("columns") else None, unit=str(raw.get("unit", "")),
            precision=precision, min=float(lo) if lo is not None else None, max=float(hi) if hi is not None else None,
            rows=rows, cells=cells, file_types=file_types, max_mb=float(raw.get("max_mb", 10)),
            weight=float(raw.get("weight", 1)), score=self._expr(raw.get("score"), f"{w} › score"),
            tags=dict(raw.get("tags") or {}), branches=tuple(branches))
        self.questions.append(built)
        return built

    def _cell(self, raw: dict[str, Any], where: str) -> Cell:
        name = self._name(raw.get("name"), where, "矩阵列名称")
        ctype = str(raw.get("type", "decimal"))
        if ctype not in CELL_TYPES:
            self.err("D002", f"矩阵列「{name}」的类型「{ctype}」不支持", where)
        return Cell(name, str(raw.get("label", name)), ctype, str(raw.get("unit", "")), raw.get("precision"),
                    self._expr(raw.get("calculation"), f"{where} › 列 {name} › calculation"),
                    self._constraints(raw.get("constraints"), f"{where} › 列 {name}"), bool(raw.get("required", True)))

    def _scoring(self, raw: Any) -> Scoring | None:
        if not raw:
            return None
        w = "评分（scoring）"
        methods = {"mean", "weighted_mean", "sum"}
        s = Scoring(group_method=str(raw.get("group", "mean")), section_method=str(raw.get("section", "weighted_mean")),
                    total_method=str(raw.get("total", "sum")),
                    pass_score=float(raw["pass"]) if raw.get("pass") is not None else None,
                    outcomes=tuple(Outcome(str(o.get("label")), o.get("min"), o.get("max"), bool(o.get("max_inclusive")))
                                   for o in raw.get("outcomes") or []),
                    aggregate_tags=tuple(raw.get("aggregate_tags") or ()), decimals=int(raw.get("decimals", 2)))
        if s.group_method not in methods or s.section_method not in methods:
            self.err("D012", f"group/section 汇总方式须为 {'/'.join(sorted(methods))}", w)
        if s.total_method not in methods | {"cumulative"}:
            self.err("D012", "total 须为 sum/mean/weighted_mean/cumulative", w)
        if s.total_method == "cumulative" and s.pass_score is None:
            self.err("D012", "total 为 cumulative 时必须给出 pass（达标分数）", w)
        return s

    def _check_references(self, sections: tuple[Section, ...], rules: tuple[Constraint, ...]) -> None:
        known = set(self.names)
        matrices = {q.name: q for s in sections for q in s.questions if q.qtype.matrix}
        repeats = {g.name: g for s in sections for g in s.groups if g.repeat}
        sections_names = {s.name for s in sections}

        def ok(ref: str) -> bool:
            head, _, rest = ref.partition(".")
            if head in ("org", "period", "row", "choice"):
                return True
            if head == "score":
                return True
            if head in matrices and rest:
                parts = rest.split(".")
                return parts[0] in {r.name for r in matrices[head].rows}
            if head in repeats and rest:
                return rest in {q.name for q in repeats[head].questions}
            return ref in known

        def check(src: str | None, where: str) -> None:
            if not src:
                return
            try:
                refs = expr.references(expr.parse(src))
            except expr.ExprError:
                return  # already reported as D006
            for ref in sorted(refs):
                if not ok(ref):
                    self.err("D007", f"表达式「{src}」引用了不存在的 ${{{ref}}}", where)

        calc_deps: dict[str, set[str]] = {}
        for s in sections:
            check(s.show_if, f"部分 {s.name} › show_if")
            for g in s.groups:
                check(g.show_if, f"题组 {g.name} › show_if")
                for q in g.questions:
                    w = f"问题 {q.name}"
                    for label, src in (("show_if", q.show_if), ("calculation", q.calculation),
                                       ("choice_filter", q.choice_filter), ("score", q.score),
                                       ("required", q.required if isinstance(q.required, str) else None)):
                        check(src, f"{w} › {label}")
                    for c in q.constraints:
                        check(c.rule, f"{w} › 规则")
                    for r in q.rows:
                        check(r.show_if, f"{w} › 行 {r.name}")
                    for cell in q.cells:
                        check(cell.calculation, f"{w} › 列 {cell.name}")
                        for c in cell.constraints:
                            check(c.rule, f"{w} › 列 {cell.name} › 规则")
                    for b in q.branches:
                        check(b.condition, f"{w} › goto")
                        if b.to != "end" and (b.to not in self.order or q.name not in self.order
                                              or self.order.index(b.to) <= self.order.index(q.name)):
                            self.err("D009", f"只能跳转到后面的题目或 end，「{b.to}」不是", w)
                    if q.calculation:
                        calc_deps[q.name] = {r.split(".")[0] for r in expr.references(expr.parse(q.calculation))}
        for c in rules:
            check(c.rule, "全局规则")
        self._check_cycles(calc_deps)
        del sections_names

    def _check_cycles(self, deps: dict[str, set[str]]) -> None:
        state: dict[str, int] = {}

        def visit(n: str, path: list[str]) -> None:
            if state.get(n) == 1:
                cycle = path[path.index(n):] + [n]
                self.err("D008", " → ".join(cycle), f"问题 {n}")
                return
            if state.get(n) == 2 or n not in deps:
                return
            state[n] = 1
            for m in sorted(deps[n]):
                visit(m, path + [n])
            state[n] = 2

        for n in sorted(deps):
            if state.get(n) != 2:
                visit(n, [])
