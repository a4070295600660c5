"""Workflow definitions: the shipped files are valid; every broken rule gives its own coded error."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from services.workflow import definitions
from services.workflow.definitions import CODES, SpecError, check_file

GOOD: dict[str, Any] = {
    "code": "thing", "title": "测试事项", "subject": "test_thing",
    "states": {"draft": "草稿", "submitted": "已提交", "done": "已办结"},
    "initial": "draft", "terminal": ["done"],
    "actions": [
        {"code": "submit", "label": "提交", "from": ["draft"], "to": "submitted", "permission": "org.manage_own",
         "who": ["owner"], "submits": True},
        {"code": "approve", "label": "通过", "from": ["submitted"], "to": "done", "permission": "org.review",
         "who": ["jurisdiction"], "notify": [{"to": "owner", "title": "「{name}」已通过"}]},
        {"code": "send_back", "label": "退回", "from": ["submitted"], "to": "earlier", "permission": "org.review",
         "who": ["jurisdiction"], "reason": {"required": True, "max": 20}},
    ],
}


def write(tmp_path: Path, doc: Any, name: str = "thing.yaml") -> Path:
    path = tmp_path / name
    path.write_text(doc if isinstance(doc, str) else yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


def broken(**changes: Any) -> dict[str, Any]:
    doc = yaml.safe_load(yaml.safe_dump(GOOD, allow_unicode=True))
    for key, value in changes.items():
        doc[key] = value
    return doc


def action(**over: Any) -> list[dict[str, Any]]:
    """GOOD's actions with the first (submit) changed."""
    acts = yaml.safe_load(yaml.safe_dump(GOOD["actions"], allow_unicode=True))
    acts[0].update(over)
    return acts


def test_the_shipped_definitions_are_valid() -> None:
    files = sorted(definitions.SPEC_DIR.glob("*.yaml"))
    assert {p.stem for p in files} >= {"registration"}
    assert definitions.check_all() == []
    reg = definitions.get("registration")
    assert reg.states == {"draft": "草稿", "pending": "待审核", "approved": "已通过", "returned": "已退回"}
    assert reg.actions["return"].reason is not None and reg.actions["return"].reason.max == 500


def test_a_valid_inline_definition(tmp_path: Path) -> None:
    assert check_file(write(tmp_path, GOOD)) == []
    wf = definitions.load_file(write(tmp_path, GOOD))
    assert wf.actions["send_back"].to == definitions.EARLIER and wf.label("submitted") == "已提交"
    assert wf.actions["submit"].submits and wf.actions["approve"].audit == "thing.approve"


CASES = [
    ("WF001", broken(actions=action(to="ghost")), "操作 submit › to", "ghost"),
    ("WF001", broken(initial="nowhere"), "initial", "nowhere"),
    ("WF002", {k: v for k, v in GOOD.items() if k != "states"}, "states", "缺少"),
    ("WF002", broken(actions=action(label="")), "操作 submit", "label"),
    ("WF003", broken(actions=action(permission="org.fly")), "操作 submit › permission", "org.fly"),
    ("WF004", broken(actions=action(who=["nobody"])), "操作 submit › who", "nobody"),
    ("WF004", broken(actions=action(who=[{"role": "pirate"}])), "操作 submit › who", "pirate"),
    ("WF005", broken(actions=action(reason={"min": 9, "max": 3})), "操作 submit › reason", "min=9"),
    ("WF005", broken(actions=[*action(), {"code": "back", "label": "退回", "from": ["submitted"], "to": "earlier",
                                         "permission": "org.review", "who": ["holder"]}]), "操作 back › reason", "earlier"),
    ("WF006", broken(actions=[*action(), action()[0]]), "操作 submit", "重复"),
    ("WF007", broken(actions=[*action(), {"code": "reopen", "label": "重开", "from": ["done"], "to": "draft",
                                         "permission": "org.review", "who": ["jurisdiction"]}]),
     "操作 reopen › from", "终止状态"),
    ("WF008", broken(states={**GOOD["states"], "limbo": "悬空"}, terminal=["done", "limbo"]), "状态 limbo", "到达"),
    ("WF009", broken(terminal=[]), "状态 done", "离开"),
    ("WF010", broken(actions=action(notify=[{"to": "owner", "title": "「{ghost}」"}])), "操作 submit › notify › title",
     "{ghost}"),
    ("WF010", broken(actions=action(notify=[{"to": "everyone", "title": "x"}])), "操作 submit › notify", "everyone"),
    ("WF011", "code: [unclosed", "", "无法读取"),
    ("WF012", broken(code="审核"), "code", "审核"),
]


@pytest.mark.parametrize(("code", "doc", "item", "words"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_each_broken_rule_has_its_code(tmp_path: Path, code: str, doc: Any, item: str, words: str) -> None:
    path = write(tmp_path, doc)
    errors = check_file(path)
    assert [e.code for e in errors] == [code], errors
    e = errors[0]
    assert isinstance(e, SpecError) and e.item == item and words in e.message
    assert e.file.endswith("thing.yaml")
    assert str(e).startswith(f"[{code}] ") and CODES[code] in str(e) and e.file in str(e)
    with pytest.raises(definitions.WorkflowInvalid, match=code):
        definitions.load_file(path)


def test_every_code_is_tested_and_documented() -> None:
    assert {c[0] for c in CASES} == set(CODES)
    readme = (definitions.SPEC_DIR.parent / "README.md").read_text(encoding="utf-8")
    assert all(code in readme for code in CODES)
