"""Definition documents as Excel workbooks, in the spirit of XLSForm.

``to_workbook(doc)`` writes the document that ``loader.load_definition`` accepts as an .xlsx with the
sheets 说明 (instructions), survey, choices, settings, rules, scoring and outcomes (plus a hidden
``_lists`` sheet feeding the drop-downs); ``from_workbook(data)`` reads it back, so that
``load_definition(from_workbook(to_workbook(doc)))`` equals ``load_definition(doc)``. Reading goes through
the bounded upload reader (services/io/upload_limits.py): a sheet too long or wide, a cell too long or
a compression bomb is refused (X005) before it is read whole.

survey has one row per section/group start and end and per question. A matrix question is followed
by its ``row`` and ``cell`` rows; the first constraint and goto branch sit on the question (or cell)
row itself, further ones below it (layout: ``xlsform_layout``). Errors: X001… with sheet and row.
Text is always stored as text (never a formula); text starting with = + - @ also gets Excel's
quote prefix, and control characters use the OOXML ``_xHHHH_`` escape, so nothing is lost.
"""
from __future__ import annotations

import datetime as dt
import io
import json
import re
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from services.forms.schema import DefinitionInvalid, DefinitionIssue
from services.forms.types import ALIASES, QUESTION_TYPES
from services.forms.xlsform_guide import HELP
from services.forms.xlsform_layout import (  # noqa: F401 - XLS_CODES is part of this module's API
    BOOL, CELL, CON, DROPDOWNS, END, FALSE, FILLS, GOTO, GROUP, HEADER_ALIASES, LISTS, NUM, QUESTION, REPEAT, RISKY,
    ROW, SCORING_DEFAULTS, SECTION, SHEETS, STRUCT, TAGGED, TRUE, XLS_CODES, Cols, _ESC, _UNESC, flat_settings,
    split_settings)
from services.io.upload_limits import Sheet, UploadRefused, read_xlsx


# --- writing -----------------------------------------------------------------------------
def _pick(cols: Cols, src: Any) -> dict[str, Any]:
    src = src if isinstance(src, dict) else {}
    return {col: src[key] for col, key in cols.items() if src.get(key) is not None}


def _constraints(items: Any) -> list[dict[str, Any]]:
    return [_pick(CON, {"rule": it} if isinstance(it, str) else it) for it in items or []]


class _Writer:
    def __init__(self, doc: dict[str, Any]):
        self.doc = doc
        self.lists: dict[str, Any] = dict(doc.get("choices") or {})
        self.survey: list[dict[str, Any]] = []
        self.tags: list[str] = []

    def tag(self, row: dict[str, Any], tags: Any) -> None:
        for k, v in (tags or {}).items():
            self.tags += [] if f"tag:{k}" in self.tags else [f"tag:{k}"]
            row[f"tag:{k}"] = v

    def sections(self) -> None:
        for s in self.doc.get("sections") or []:
            s = s if isinstance(s, dict) else {}
            self.survey.append({"type": "begin_section", **_pick(SECTION, s)})
            if "groups" in s:
                for g in s.get("groups") or []:
                    g = g if isinstance(g, dict) else {}
                    kind = "repeat" if g.get("repeat") else "group"
                    row = {"type": f"begin_{kind}", **_pick(GROUP, g), **_pick(REPEAT, g.get("repeat"))}
                    self.tag(row, g.get("tags"))
                    self.survey.append(row)
                    for q in g.get("questions") or []:
                        self.question(q)
                    self.survey.append({"type": f"end_{kind}", **_pick(END, g)})
            else:
                for q in s.get("questions") or []:
                    self.question(q)
            self.survey.append({"type": "end_section", **_pick(END, s)})

    def question(self, q: Any) -> None:
        q = q if isinstance(q, dict) else {}
        row = {"type": q.get("type"), **_pick(QUESTION, q)}
        if "not_applicable" in row:  # the loader reads these with bool(), so write them as TRUE/FALSE
            row["not_applicable"] = bool(row["not_applicable"])
        if q.get("choices") is not None and not isinstance(q["choices"], str):  # inline list: give it a name
            base = name = str(q.get("name") or "list")
            n = 1
            while name in self.lists:
                n += 1
                name = f"{base}_{n}"
            self.lists[name], row["choices"] = q["choices"], name
        self.tag(row, q.get("tags"))
        cons, gotos = _constraints(q.get("constraints")), [_pick(GOTO, b) for b in q.get("goto") or []]
        row.update((cons or [{}])[0] | (gotos or [{}])[0])
        self.survey += [row] + [{"type": "constraint", **c} for c in cons[1:]] + [{"type": "goto", **b} for b in gotos[1:]]
        for kind, items in (("row", q.get("rows")), ("cell", q.get("cells"))):
            for item in items or []:
                row = {"type": kind, **_pick(ROW if kind == "row" else CELL, item)}
                row.update({"required": bool(row["required"])} if "required" in row else {})
                cons = _constraints(item.get("constraints")) if isinstance(item, dict) else []
                self.survey += [row | (cons or [{}])[0]] + [{"type": "constraint", **x} for x in cons[1:]]

    def tables(self) -> dict[str, tuple[list[str], list[dict[str, Any]]]]:
        d = self.doc
        self.sections()
        choices, attrs = [], []
        for name, items in self.lists.items():
            for it in items or []:
                it = it if isinstance(it, dict) else {"value": it, "label": it}
                attrs += [k for k in it if k not in SHEETS["choices"] and k not in attrs]
                choices.append({"list_name": name, **{k: v for k, v in it.items() if v is not None}})
        settings = flat_settings(d)
        rules = [_pick({k: k for k in SHEETS["rules"]}, {"rule": r} if isinstance(r, str) else r)
                 for r in d.get("rules") or []]
        sc: dict[str, Any] = d["scoring"] if isinstance(d.get("scoring"), dict) else {}
        scoring = [SCORING_DEFAULTS | _pick({k: k for k in SHEETS["scoring"]}, sc)] if sc else []
        outcomes = [_pick({k: k for k in SHEETS["outcomes"]}, o) for o in sc.get("outcomes") or []]
        for o in outcomes:
            o.update({"max_inclusive": bool(o["max_inclusive"])} if "max_inclusive" in o else {})
        return {"survey": (SHEETS["survey"] + self.tags, self.survey), "choices": (SHEETS["choices"] + attrs, choices),
                "settings": (SHEETS["settings"], [settings]), "rules": (SHEETS["rules"], rules),
                "scoring": (SHEETS["scoring"], scoring), "outcomes": (SHEETS["outcomes"], outcomes)}


def _escape(s: str) -> str:
    return _ESC.sub(lambda m: "_x005F_" + m.group(1) if m.group(1) else f"_x{ord(m.group(2)):04X}_", s)


def _width(v: Any) -> int:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in str(v))


def _put(cell: Any, v: Any, is_list: bool) -> None:
    if isinstance(v, (list, tuple)) and is_list:
        v = ", ".join(str(x) for x in v)
    elif isinstance(v, (list, tuple, dict)):
        v = json.dumps(v, ensure_ascii=False)
    elif not isinstance(v, (str, int, float, bool)):
        v = str(v)  # dates and anything else: as their text, which is what the loader makes of them
    if not isinstance(v, str):
        cell.value = v
        return
    cell.value = _escape(v)
    cell.data_type = "s"  # never a formula, whatever it starts with
    try:
        float(v)
        numeric = True
    except ValueError:
        numeric = False
    if v.startswith(RISKY) or numeric:
        cell.quotePrefix = True  # Excel keeps it text even when the cell is edited


def to_workbook(doc: dict[str, Any]) -> bytes:
    """Write a definition document (the dict ``load_definition`` accepts) as .xlsx bytes."""
    wb = Workbook()
    wb.active.title = "说明"
    head = ["工作表", "列", "说明"]
    for title, (cols, recs) in {"说明": (head, [dict(zip(head, h)) for h in HELP]), **_Writer(doc).tables()}.items():
        ws = wb[title] if title in wb.sheetnames else wb.create_sheet(title)
        ws.append(cols)
        ws.freeze_panes = "A2"
        for cell in ws[1]:
            cell.font, cell.fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
        widths = [_width(c) + 4 for c in cols]
        for r, rec in enumerate(recs, 2):
            kind = str(rec.get("type", "")) if title == "survey" else ""
            fill = FILLS.get(kind.partition("_")[2]) if kind.startswith(("begin_", "end_")) else None
            for c, col in enumerate(cols, 1):
                cell = ws.cell(r, c)
                if rec.get(col) is not None:
                    _put(cell, rec[col], col in LISTS.get(title, ()))
                    widths[c - 1] = max(widths[c - 1], _width(cell.value) + 2)
                if fill:
                    cell.fill = fill
                if title == "说明":
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
        for c, w in enumerate(widths, 1):
            ws.column_dimensions[get_column_letter(c)].width = min(max(w, 8), 60)
        for (sheet, col), formula in DROPDOWNS.items():
            if sheet == title and col in cols:  # aliases such as select_one stay allowed in the type column
                dv = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=True,
                                    errorStyle="warning" if col == "type" else "stop", error="请从下拉列表中选择")
                letter = get_column_letter(cols.index(col) + 1)
                dv.add(f"{letter}2:{letter}{max(1000, len(recs) + 200)}")
                ws.add_data_validation(dv)
    lists = wb.create_sheet("_lists")
    lists.sheet_state = "hidden"
    for t in [*QUESTION_TYPES, *STRUCT]:
        lists.append([t])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --- reading -----------------------------------------------------------------------------
class _Reader:
    def __init__(self) -> None:
        self.issues: list[DefinitionIssue] = []

    def err(self, code: str, sheet: str, row: int, message: str, col: str = "") -> None:
        where = f"{sheet}!{col}{row}" if row else sheet
        self.issues.append(DefinitionIssue(code, f"{sheet} 表第 {row} 行：{message}" if row else message, where))

    def value(self, sheet: str, col: str, v: Any, row: int, ref: str, yes_no: bool = False) -> Any:
        """Convert one cell by its column's kind (number / yes-no / comma list / anything)."""
        try:
            if col in NUM.get(sheet, ()) and isinstance(v, str):
                return int(v) if re.fullmatch(r"\s*[+-]?\d+\s*", v) else float(v)
            if (yes_no or col in BOOL.get(sheet, ())) and not isinstance(v, bool):
                word = str(v).strip().lower()
                if word not in TRUE | FALSE:
                    raise ValueError
                return word in TRUE
        except ValueError:
            self.err("X003", sheet, row, f"「{col}」列应为{'数字' if col in NUM.get(sheet, ()) else 'TRUE 或 FALSE'}，"
                     f"而不是「{v}」", ref)
            return None
        if col in LISTS.get(sheet, ()):
            return [p.strip() for p in re.split(r"[,，]", str(v)) if p.strip()]
        return v

    def records(self, ws: Sheet, extra: str = "") -> list[tuple[int, dict[str, Any]]]:
        """Rows of a sheet as (Excel row number, {column: converted value}); empty rows are skipped."""
        sheet, rows, out = ws.title.strip().lower(), iter(ws.rows), []
        header = []
        for cell in next(rows, ()):
            h = str(cell.value or "").strip()
            h = "tag:" + h[4:].strip() if h.lower().startswith("tag:") else HEADER_ALIASES.get(h.lower(), h.lower())
            if h and h not in SHEETS[sheet] and not (extra == "tag" and h.startswith("tag:")) and extra != "any":
                self.err("X002", sheet, 1, f"未知的列「{cell.value}」", cell.column_letter)
            header.append(h)
        for cells in rows:
            rec = {}
            for i, cell in enumerate(cells):
                v, ref, col = cell.value, cell.coordinate, cell.column_letter
                if cell.data_type == "f":
                    self.err("X003", sheet, cell.row, f"{ref} 是公式，请改为文本（可在开头加英文单引号 '）", col)
                    continue
                if cell.data_type == "e":
                    self.err("X003", sheet, cell.row, f"{ref} 是错误值「{v}」", col)
                    continue
                if v is None and cell.data_type == "inlineStr":
                    v = ""  # an empty text cell written by to_workbook
                if isinstance(v, str):
                    v = _UNESC.sub(lambda m: chr(int(m.group(1), 16)), v)
                elif isinstance(v, dt.datetime):
                    v = str(v.date()) if v.time() == dt.time() else str(v)
                elif isinstance(v, (dt.date, dt.time, dt.timedelta)):
                    v = str(v)
                h = header[i] if i < len(header) else ""
                if v is None:
                    continue
                if not h:
                    self.err("X002", sheet, cell.row, f"{ref} 所在的列没有列名", col)
                    continue
                rec[h] = self.value(sheet, h, v, cell.row, col)
            if any(v is not None for v in rec.values()):
                out.append((cells[0].row, rec))
        return out

    def fields(self, rec: dict[str, Any], kind: str, row: int) -> dict[str, Any]:
        """The cells of a survey row, checked against the columns its kind may use."""
        allowed = STRUCT.get(kind, QUESTION | CON | GOTO)
        out = {}
        for col, v in rec.items():
            if col == "type" or v is None:
                continue
            if col in allowed or (col.startswith("tag:") and kind in TAGGED):
                out[col] = v
            else:
                self.err("X002", "survey", row, f"「{col}」列不适用于{kind or '题目'}行")
        if kind in ("row", "cell") and "required" in out:
            out["required"] = self.value("survey", "required", out["required"], row, "", yes_no=True)
        return out

    def survey(self, ws: Sheet) -> list[dict[str, Any]]:
        sections: list[dict[str, Any]] = []
        sec: dict[str, Any] | None = None
        grp: dict[str, Any] | None = None
        q: dict[str, Any] | None = None
        target: dict[str, Any] | None = None  # where constraint rows go: the last question, matrix row or cell
        opened = {"section": 0, "group": 0}
        if "type" not in [str(c.value or "").strip().lower() for c in (ws.rows[0] if ws.rows else ())]:
            self.err("X001", "survey", 1, "缺少 type 列")
        for row, rec in self.records(ws, "tag"):
            raw = str(rec.get("type") or "").strip()
            kind = raw.lower().replace(" ", "_") if raw.lower().replace(" ", "_") in STRUCT else ""
            vals = self.fields(rec, kind, row)

            def get(cols: Cols) -> dict[str, Any]:
                return {key: vals[col] for col, key in cols.items() if col in vals}

            def tags(d: dict[str, Any]) -> dict[str, Any]:
                t = {c[4:]: v for c, v in vals.items() if c.startswith("tag:")}
                return d | ({"tags": t} if t else {})

            def bad(message: str) -> None:
                self.err("X004", "survey", row, message)

            if kind == "begin_section":
                if sec is not None:
                    bad(f"第 {opened['section']} 行开始的部分尚未以 end_section 结束")
                sec, grp, q, target = {**get(SECTION), "groups": [], "questions": []}, None, None, None
                sections.append(sec)
                opened["section"] = row
            elif kind in ("begin_group", "begin_repeat"):
                if sec is None or grp is not None or sec["questions"]:
                    bad("题组须位于部分之内、不能嵌套，也不能与不在题组中的题目同处一个部分")
                    continue
                grp, q, target = tags(get(GROUP)), None, None
                if kind == "begin_repeat":
                    grp["repeat"] = get(REPEAT) or True
                grp["questions"], opened["group"] = [], row
                sec["groups"].append(grp)
            elif kind in ("end_group", "end_repeat"):
                if grp is None or bool(grp.get("repeat")) != (kind == "end_repeat"):
                    bad(f"{kind} 没有对应的 begin_{kind[4:]}")
                grp = q = target = None
            elif kind == "end_section":
                if sec is None or grp is not None:
                    bad("end_section 没有对应的 begin_section，或其中的题组尚未结束")
                sec = grp = q = target = None
            elif kind in ("row", "cell", "goto") and q is None:
                bad(f"{kind} 行须紧跟在（矩阵）题目之后")
            elif kind == "constraint" and target is None:
                bad("constraint 行须紧跟在题目或 cell 行之后")
            elif kind == "row" and q is not None:
                target = get(ROW) | ({"constraints": [get(CON)]} if get(CON) else {})
                q.setdefault("rows", []).append(target)
            elif kind == "cell" and q is not None:
                target = get(CELL) | ({"constraints": [get(CON)]} if get(CON) else {})
                q.setdefault("cells", []).append(target)
            elif kind == "goto" and q is not None:
                q.setdefault("goto", []).append(get(GOTO))
            elif kind == "constraint" and target is not None:
                target.setdefault("constraints", []).append(get(CON))
            elif sec is None or (grp is None and sec["groups"]):
                bad("题目须位于 begin_section 与 end_section 之间；部分中有题组时，题目须位于题组之内")
            else:
                q = tags({**({"type": raw} if raw else {}), **get(QUESTION)})
                if " " in raw and raw.split()[0] in set(QUESTION_TYPES) | set(ALIASES):  # XLSForm "select_one yn"
                    q["type"], _, lst = raw.partition(" ")
                    q.setdefault("choices", lst.strip())
                q |= ({"constraints": [get(CON)]} if get(CON) else {}) | ({"goto": [get(GOTO)]} if get(GOTO) else {})
                target = q
                (grp if grp is not None else sec)["questions"].append(q)
        for what, item in (("题组", grp), ("部分", sec)):
            if item is not None:
                self.err("X004", "survey", opened["group" if what == "题组" else "section"], f"此行开始的{what}没有结束行")
        for s in sections:
            s.pop("questions" if s["groups"] else "groups")
        return sections


def from_workbook(data: bytes) -> dict[str, Any]:
    """Read a workbook written by ``to_workbook`` (or edited by hand) back into a definition document."""
    reader = _Reader()
    try:
        book = read_xlsx(data, "定义文件", sheets=SHEETS, data_only=False)
    except UploadRefused as exc:  # not a workbook, damaged, too large, too long, a compression bomb…
        raise DefinitionInvalid([DefinitionIssue("X005", exc.reason)]) from exc
    sheets = {ws.title.strip().lower(): ws for ws in book.values()}
    if "survey" not in sheets:
        reader.err("X001", "survey", 0, "缺少 survey 工作表")
        raise DefinitionInvalid(reader.issues)
    doc: dict[str, Any] = {}

    def table(name: str, extra: str = "") -> list[tuple[int, dict[str, Any]]]:
        return reader.records(sheets[name], extra) if name in sheets else []

    def single(name: str) -> dict[str, Any]:
        recs = table(name)
        for row, _ in recs[1:]:
            reader.err("X003", name, row, f"{name} 表只能有一行数据")
        return recs[0][1] if recs else {}

    top, nested = split_settings(single("settings"))
    doc.update(top | ({"settings": nested} if nested else {}))
    for row, rec in table("choices", "any"):
        if rec.get("list_name") in (None, ""):
            reader.err("X003", "choices", row, "缺少 list_name（选项列表名）")
            continue
        item = {k: v for k, v in rec.items() if k != "list_name"}
        for k, v in item.items():  # list/dict attributes were written as JSON
            if k not in SHEETS["choices"] and isinstance(v, str) and v[:1] in "[{":
                try:
                    item[k] = json.loads(v)
                except ValueError:
                    pass
        doc.setdefault("choices", {}).setdefault(str(rec["list_name"]), []).append(item)
    doc["sections"] = reader.survey(sheets["survey"])
    rules = [rec for _, rec in table("rules")]
    doc.update({"rules": rules} if rules else {})
    scoring, outcomes = single("scoring"), [rec for _, rec in table("outcomes")]
    if scoring or outcomes:
        doc["scoring"] = scoring | ({"outcomes": outcomes} if outcomes else {})
    if reader.issues:
        raise DefinitionInvalid(reader.issues)
    return doc
