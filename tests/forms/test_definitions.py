"""Definitions as small inline YAML → the expected tree or the expected error code."""
import pytest
import yaml

from services.forms.loader import load_definition
from services.forms.schema import DefinitionInvalid


def load(text: str):  # type: ignore[no-untyped-def]
    return load_definition(yaml.safe_load(text), source="inline.yaml")


BASE = """
code: demo
kind: survey
title: 测试问卷
choices:
  yn: [{value: "1", label: 是, score: 1}, {value: "0", label: 否, score: 0}]
sections:
  - name: s1
    title: 第一部分
    questions:
"""


def q(body: str) -> str:
    return BASE + "\n".join("      " + line for line in body.strip().splitlines())


def codes(text: str) -> list[str]:
    with pytest.raises(DefinitionInvalid) as err:
        load(text)
    return [i.code for i in err.value.issues]


def test_valid_definition_builds_typed_tree() -> None:
    d = load(q("""
- {name: has_it, type: select_one, label: 是否有, choices: yn, columns: 2, help: 帮助文字}
- {name: amount, type: decimal, label: 金额, unit: 万元, precision: 2, show_if: "${has_it} == '1'"}
"""))
    assert [x.name for x in d.questions()] == ["has_it", "amount"]
    assert d.question("has_it").type == "single" and d.question("has_it").columns == 2  # alias normalised
    assert d.question("amount").unit == "万元"


@pytest.mark.parametrize("body,code", [
    ("- {name: a, type: nonsense, label: A}", "D002"),
    ("- {name: a, type: text, label: A}\n- {name: a, type: text, label: B}", "D003"),
    ("- {name: 1abc, type: text, label: A}", "D004"),
    ("- {name: org, type: text, label: A}", "D004"),
    ("- {name: a, type: single, label: A, choices: missing}", "D005"),
    ("- {name: a, type: text, label: A, show_if: '${b} =='}", "D006"),
    ("- {name: a, type: text, label: A, show_if: '${ghost} == 1'}", "D007"),
    ("- {name: a, type: calculated, label: A, calculation: '${b} + 1'}\n- {name: b, type: calculated, label: B, calculation: '${a} + 1'}", "D008"),
    ("- {name: a, type: text, label: A}\n- {name: b, type: text, label: B, goto: [{if: 'true', to: a}]}", "D009"),
    ("- {name: a, type: single, label: A, choices: [{value: x}, {value: x}]}", "D010"),
    ("- {name: a, type: matrix_fill, label: A}", "D011"),
    ("- {name: a, type: decimal, label: A, precision: 9}", "D013"),
    ("- {name: a, type: file, label: A, file_types: [exe]}", "D014"),
    ("- {name: a, type: text}", "D001"),
])
def test_each_mistake_has_a_stable_code(body: str, code: str) -> None:
    assert code in codes(q(body))


def test_error_message_names_file_question_and_rule() -> None:
    with pytest.raises(DefinitionInvalid) as err:
        load(q("- {name: amount, type: decimal, label: 金额, show_if: '${ghost} > 1'}"))
    text = str(err.value)
    assert "[D007]" in text and "inline.yaml" in text and "问题 amount" in text and "show_if" in text and "ghost" in text


def test_bad_kind_and_scoring() -> None:
    found = codes(q("- {name: a, type: text, label: A}").replace("kind: survey", "kind: poll")
                  + "\nscoring: {total: cumulative}")
    assert "D015" in found and "D012" in found


def test_not_a_mapping() -> None:
    from services.forms.loader import read_document
    with pytest.raises(DefinitionInvalid) as err:
        read_document("- just\n- a list")
    assert err.value.issues[0].code == "D016"
