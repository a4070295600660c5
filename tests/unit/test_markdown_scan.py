"""Text that meets Markdown goes through ``components.text.md`` (issue 14 item 5).

Every Streamlit call in ``app.py``, ``pages/`` and ``components/`` that renders Markdown — a body
(``st.markdown``, ``st.caption``, ``st.write``, ``st.info`` … ``st.toast``, ``st.title`` …), a widget label,
a radio option (its ``format_func``), a metric value, a ``help`` tooltip, a tab title — is read from
the source, and whatever it is given must be provably escaped or constant:

- a string literal, or a constant (an UPPER_CASE name, or an UPPER_CASE table indexed: ``STATUS[s]``);
- ``md(...)`` / ``md_table(...)``, or a number: ``len(...)``, ``fmt(...)``, ``percent(...)``, a formatted
  field with a format spec (``{n:,}``);
- an f-string, ``+``, ``"、".join(...)`` or ``a if c else b`` made only of the above.

Anything else (a variable, an attribute, a service's message) is a finding: wrap it in ``md``. A line
may carry ``# md: <why>`` when a reviewer has checked that the value is already escaped or constant.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FILES = [ROOT / "app.py", *sorted((ROOT / "pages").rglob("*.py")), *sorted((ROOT / "components").glob("*.py"))]

BODY = {"markdown", "caption", "write", "info", "success", "warning", "error", "toast", "title", "header",
        "subheader"}
LABELLED = {"button", "checkbox", "radio", "expander", "popover", "toggle", "text_input", "text_area",
            "number_input", "date_input", "time_input", "selectbox", "multiselect", "file_uploader",
            "download_button", "form_submit_button", "slider", "select_slider", "spinner", "page_link",
            "metric", "progress", "pills", "segmented_control", "color_picker", "camera_input", "link_button"}
SAFE_CALLS = {"md", "md_table", "len", "fmt", "percent"}
PRAGMA = "# md:"


def _constant_name(node: ast.AST) -> bool:
    if isinstance(node, ast.Name):
        return node.id.isupper()
    if isinstance(node, ast.Attribute):  # module.CONSTANT or module.CONSTANT[…]
        return node.attr.isupper()
    return False


def _assignments(tree: ast.AST) -> dict[str, list[ast.AST]]:
    """Return every value each plain name is given in a file (``x = …``, ``for x in [...]``, ``(x := …)``)."""
    out: dict[str, list[ast.AST]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    out.setdefault(target.id, []).append(node.value)
                elif isinstance(target, ast.Tuple):  # a, b = …: unknown
                    for elt in target.elts:
                        if isinstance(elt, ast.Name):
                            out.setdefault(elt.id, []).append(ast.Name("?"))
        elif isinstance(node, (ast.AnnAssign, ast.NamedExpr)) and isinstance(node.target, ast.Name) and node.value:
            out.setdefault(node.target.id, []).append(node.value)
        elif isinstance(node, (ast.For, ast.comprehension)):
            names = [node.target] if isinstance(node.target, ast.Name) else \
                [e for e in getattr(node.target, "elts", []) if isinstance(e, ast.Name)]
            items = node.iter.elts if isinstance(node.iter, (ast.List, ast.Tuple)) and isinstance(node.target, ast.Name) \
                else [ast.Name("?")]
            for name in names:
                out.setdefault(name.id, []).extend(items)
        elif isinstance(node, (ast.FunctionDef, ast.Lambda)):
            for a in [*node.args.args, *node.args.kwonlyargs]:
                out.setdefault(a.arg, []).append(ast.Name("?"))  # a parameter: whatever the caller passes
    return out


ASSIGNED: dict[str, list[ast.AST]] = {}


def safe(node: ast.AST | None, seen: frozenset[str] = frozenset()) -> bool:
    """Return True when ``node`` is provably constant or escaped (see the module docstring). A plain name
    is safe when every value the file ever gives that name is safe."""
    def ok(n: ast.AST | None) -> bool:
        return safe(n, seen)

    if node is None or isinstance(node, ast.Constant) or _constant_name(node):
        return True
    if isinstance(node, ast.Name):
        if node.id in seen or node.id not in ASSIGNED:
            return node.id in seen  # a name defined in terms of itself adds nothing; an unknown one is unsafe
        return all(safe(v, seen | {node.id}) for v in ASSIGNED[node.id])
    if isinstance(node, ast.BoolOp):
        return all(ok(v) for v in node.values)
    if isinstance(node, ast.Subscript):
        return _constant_name(node.value)
    if isinstance(node, ast.JoinedStr):
        return all(isinstance(v, ast.Constant) or (isinstance(v, ast.FormattedValue) and
                                                   (v.format_spec is not None or ok(v.value))) for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return ok(node.left) and ok(node.right)
    if isinstance(node, ast.IfExp):
        return ok(node.body) and ok(node.orelse)
    if isinstance(node, (ast.List, ast.Tuple)):
        return all(ok(e) for e in node.elts)
    if isinstance(node, (ast.GeneratorExp, ast.ListComp)):
        return ok(node.elt)
    if isinstance(node, ast.Lambda):
        return ok(node.body)
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Name) and func.id in SAFE_CALLS:
            return True
        if isinstance(func, ast.Attribute) and func.attr == "join" and isinstance(func.value, ast.Constant):
            return all(ok(a) for a in node.args)
        if isinstance(func, ast.Attribute) and func.attr == "get" and _constant_name(func.value):
            return all(ok(a) for a in node.args[1:])  # CONSTANT_TABLE.get(key, default)
    if isinstance(node, ast.Attribute) and node.attr == "get":  # format_func=CONSTANT_TABLE.get
        return _constant_name(node.value)
    return False


def _shown(call: ast.Call, name: str) -> list[ast.AST]:
    """Return the arguments of ``call`` that Streamlit renders as Markdown."""
    kw = {k.arg: k.value for k in call.keywords if k.arg}
    out: list[ast.AST] = [kw["help"]] if "help" in kw else []
    if name in BODY and call.args:
        out.append(call.args[0])
    if name == "tabs" and call.args:
        out.append(call.args[0])
    if name in LABELLED:
        if name == "page_link":
            out += [kw["label"]] if "label" in kw else []
        elif name == "metric":
            out += call.args[:2] + [kw[k] for k in ("label", "value", "delta") if k in kw]
        elif name in ("progress", "spinner"):
            out += call.args[1:2] if name == "progress" else call.args[:1]
            out += [kw["text"]] if "text" in kw else []
        else:
            out += call.args[:1] + ([kw["label"]] if "label" in kw else [])
        if name in ("radio", "pills", "segmented_control"):
            out += [kw["format_func"]] if "format_func" in kw else call.args[1:2]
    return out


def _called(func: ast.AST) -> str | None:
    """Return the Streamlit call's name: ``st.info`` / ``col.info`` → "info"; also a chosen one,
    ``(st.success if ok else st.warning)(…)`` or ``BOXES.get(status, st.info)(…)``."""
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.IfExp):
        return _called(func.body) or _called(func.orelse)
    if isinstance(func, ast.Call) and isinstance(func.func, ast.Attribute) and func.func.attr == "get":
        return next((a.attr for a in func.args if isinstance(a, ast.Attribute) and a.attr in BODY), None)
    return None


def _imported(tree: ast.AST) -> set[str]:
    """Return the names a file imports (services, loggers …), Streamlit's ``st`` excepted."""
    return {a.asname or a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))
            for a in n.names} - {"st"}


def findings(path: Path) -> list[str]:
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    tree = ast.parse(source)
    ASSIGNED.clear()
    ASSIGNED.update(_assignments(tree))
    imported = _imported(tree)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _called(node.func)
        if name is None or (name not in BODY | LABELLED | {"tabs"} and not any(k.arg == "help" for k in node.keywords)):
            continue
        if isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name) \
                and node.func.value.id in imported:
            continue  # a service or a logger (admin.progress, log.error), not Streamlit
        span = lines[node.lineno - 1:(node.end_lineno or node.lineno)]
        if any(PRAGMA in line for line in span):
            continue
        for arg in _shown(node, name):
            if not safe(arg):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {name}(…{ast.unparse(arg)[:70]}…)")
    return found


def test_no_raw_html_and_no_markdown_tables_of_data() -> None:
    """``unsafe_allow_html`` / ``st.html`` would render what a user typed as HTML; ``st.table`` renders
    every cell as Markdown (use ``st.dataframe``, or ``md_table``). A reviewed line says ``# md: why``."""
    found = []
    for path in FILES:
        source = path.read_text(encoding="utf-8")
        lines, tree = source.splitlines(), ast.parse(source)
        imported = _imported(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                    not any(PRAGMA in line for line in lines[node.lineno - 1:node.end_lineno or node.lineno]):
                if node.func.attr in ("html", "table") and not (isinstance(node.func.value, ast.Name)
                                                                 and node.func.value.id in imported):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: st.{node.func.attr}")
                if any(k.arg == "unsafe_allow_html" for k in node.keywords):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: unsafe_allow_html")
    assert not found, found


def test_every_markdown_argument_is_escaped_or_constant() -> None:
    problems = [f for path in FILES for f in findings(path)]
    assert not problems, "wrap in components.text.md (or mark a checked line with '# md: why'):\n" + "\n".join(problems)


def test_the_scan_finds_what_it_should() -> None:
    """The scan itself: an unescaped name is found, the escaped forms pass."""
    def scan(code: str) -> list[str]:
        tmp = ROOT / "tests" / "unit" / "_scan_probe.py"
        tmp.write_text(code, encoding="utf-8")
        try:
            return findings(tmp)
        finally:
            tmp.unlink()
    assert scan("st.markdown(f'### {org.name}')") and scan("st.caption(f'原因：{r}')") and scan("st.success(msg)")
    assert scan("c.metric('x', org.name)") and scan("st.radio('x', o, format_func=lambda i: rows[i].name)")
    assert scan("st.button(row.action, help=q.help)") and scan("st.expander(f'详细：{by_id[i].name}')")
    assert not scan("st.markdown(f'### {md(org.name)}')") and not scan("st.caption(f'共 {len(rows)} 条，{n:,} 家')")
    assert not scan("st.info('固定' + md(x) if a else STATUS[s])") and not scan("st.markdown(x)  # md: built by md_table")
    assert scan("(st.success if ok else st.warning)(outcome.message)") and scan("BOX.get(s, st.info)(f'{r}')")
