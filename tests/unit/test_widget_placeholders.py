"""Streamlit's default placeholder is English ("Choose an option"): every selectbox and multiselect
in the Chinese UI passes its own."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def calls_without_placeholder(source: str) -> list[int]:
    """Return the line of every ``….selectbox(…)`` / ``….multiselect(…)`` call without ``placeholder=``."""
    return [node.lineno for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("selectbox", "multiselect") and not any(k.arg == "placeholder" for k in node.keywords)]


def test_the_scan_finds_a_missing_placeholder() -> None:
    assert calls_without_placeholder('st.selectbox("年份", [1])\nc1.multiselect("x", [], placeholder="请选择")') == [1]


def test_every_selectbox_and_multiselect_has_a_chinese_placeholder() -> None:
    files = [ROOT / "app.py", *sorted((ROOT / "pages").rglob("*.py")), *sorted((ROOT / "components").glob("*.py"))]
    missing = [f"{path.relative_to(ROOT)}:{line}" for path in files
               for line in calls_without_placeholder(path.read_text(encoding="utf-8"))]
    assert missing == []
