"""Cascading pickers for the region (province → city → county) and industry (门类 → … → 小类) trees."""
from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from components.text import md
from services import reference
from services.reference import Node

_NONE = "__none__"


def _cascade(key: str, levels: list[tuple[str, list[Node]]], chain: list[str],
             fmt: Callable[[Node], str]) -> str | None:
    """Render one selectbox per level; return the deepest chosen code."""
    chosen: str | None = None
    options = levels[0][1]
    cols = st.columns(len(levels))
    for depth, (label, _) in enumerate(levels):
        if not options:
            break
        by_code = {n.code: n for n in options}
        all_codes: list[str] = [_NONE, *by_code]
        default = chain[depth] if depth < len(chain) and chain[depth] in by_code else _NONE

        def show(code: str, nodes: dict[str, Node] = by_code) -> str:
            return "请选择" if code == _NONE else fmt(nodes[code])

        with cols[depth]:
            value: str | None = st.selectbox(md(label), all_codes, index=all_codes.index(default), key=f"{key}_{depth}",
                                             format_func=show, placeholder="请选择")
        if value is None or value == _NONE:
            break
        chosen = value
        options = by_code[value].children
    return chosen


def region_picker(key: str, value: str | None = None, label: str = "所在地区", root: str | None = None) -> str | None:
    """Cascading province / city / county picker; ``root`` limits it to a jurisdiction subtree."""
    st.markdown("**" + md(label) + "**")
    chain = [n.code for n in reference.region_ancestors(value)] if value else []
    if root:
        root_chain = [n.code for n in reference.region_ancestors(root)]
        start = reference.region(root)
        options = start.children if start else []
        chain = chain[len(root_chain):] if chain[: len(root_chain)] == root_chain else []
        names = ["省", "市", "区县"][len(root_chain):]  # the levels below the root: a city picks 区县
        if not names:
            return root
        picked = _cascade(key, [(n, options) for n in names], chain, lambda n: n.name)
        return picked or root
    return _cascade(key, [("省", reference.region_tree()), ("市", []), ("区县", [])], chain, lambda n: n.name)


def industry_picker(key: str, value: str | None = None, label: str = "所属行业（GB/T 4754-2017）") -> str | None:
    """Cascading 门类 / 大类 / 中类 / 小类 picker."""
    st.markdown("**" + md(label) + "**")
    chain = [n.code for n in reference.industry_ancestors(value)] if value else []
    levels = [("门类", reference.industry_tree()), ("大类", []), ("中类", []), ("小类", [])]
    return _cascade(key, levels, chain, lambda n: f"{n.code} {n.name}")
