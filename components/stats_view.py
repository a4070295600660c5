"""Shared pieces of the statistics pages: filters that persist across pages, the drill-down path
(session state holds adcodes only), breadcrumbs, the table behind every chart and its export."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import streamlit as st

from streamlit_echarts import st_echarts

from charts.stats import LEVEL_NAMES, grouped_bars, heatmap, level_stack, radar
from components.text import md
from db.stats import DOMAINS, SUBDOMAINS
from services.io.excel import rows_to_xlsx
from services.core.numfmt import fmt, percent, round_half_up
from services.core.errors import ValidationFailed
from services.core.permissions import Actor
from services.reference import industry, region, region_ancestors
from services.stats import cmmm_stats

SCOPE_KEY, SIZE_KEY, DIVISION_KEY, PATH_KEY = "stats_scope", "stats_size", "stats_division", "stats_path"


def filters(with_industry: bool = True) -> tuple[str, str | None, str | None]:
    """Return (scope, size, division): cumulative (latest per enterprise) or one year, the size class,
    and a manufacturing 大类 (region pages only; the industry page breaks down by industry itself).

    Shared by the three statistics pages; the choices live in session state (plain strings), so
    they persist when the user moves between pages, as the drill-down path does."""
    options = cmmm_stats.scopes()
    current = st.session_state.get(SCOPE_KEY, "all")
    if current not in options:
        current = "all"
    sizes, divisions = ["", *cmmm_stats.SIZES], ["", *cmmm_stats.DIVISIONS]
    left, middle, right = st.columns([3, 1, 2])
    picked = left.radio("统计口径", options, index=options.index(current), horizontal=True, key="stats_scope_radio",
                        format_func=lambda s: "累计（各企业最新一次）" if s == "all" else f"{md(s)} 年")
    size = middle.selectbox("企业规模", sizes, index=sizes.index(st.session_state.get(SIZE_KEY, "")),
                            key="stats_size_select", format_func=lambda s: s or "全部规模", placeholder="请选择")
    division = st.session_state.get(DIVISION_KEY, "")
    if with_industry:
        division = right.selectbox("行业（制造业大类）", divisions, index=divisions.index(division),
                                   key="stats_division_select", format_func=_division_label, placeholder="请选择")
    st.session_state[SCOPE_KEY], st.session_state[SIZE_KEY], st.session_state[DIVISION_KEY] = picked, size, division
    return str(picked), size or None, (division or None) if with_industry else None


def region_view(actor: Actor) -> tuple[str, str | None, str | None, str | None, Any, list[Any]]:
    """Render the filters and breadcrumbs of a region page (map or region comparison) and return
    (scope, size, division, parent, totals, child rows); a refused combination is shown and stops."""
    scope, size, division = filters()
    breadcrumbs(actor)
    parent = current_parent(actor)
    try:
        total, rows = cmmm_stats.region_rows(actor, parent, scope, size, division)
    except ValidationFailed as err:
        st.info(md(err))
        st.stop()
    return scope, size, division, parent, total, rows


def _division_label(code: str) -> str:
    node = industry(code) if code else None
    return f"{code} {node.name}" if node else "全部行业"


def label(scope: str, size: str | None, division: str | None = None) -> str:
    """Return the filter part of an export's name, e.g. "2024_小型_34"."""
    return "_".join([scope] + [x for x in (size, division) if x])


def current_parent(actor: Actor) -> str | None:
    """Return the region being looked at (the jurisdiction root when nothing was clicked)."""
    path: list[str] = st.session_state.get(PATH_KEY) or []
    return path[-1] if path else actor.region_code


def drill_into(actor: Actor, code: str) -> None:
    """Go one level down into ``code`` (a child of the current region), if it has children."""
    node = region(code)
    if node is None or not node.children or node.level == "county":
        return
    path: list[str] = list(st.session_state.get(PATH_KEY) or [])
    st.session_state[PATH_KEY] = path + [code]


def breadcrumbs(actor: Actor) -> None:
    """Render 全国 / 省 / 市 back-links from the jurisdiction root to the current region."""
    root = actor.region_code
    path: list[str] = st.session_state.get(PATH_KEY) or []
    def label(code: str | None) -> str:
        node = region(code) if code else None
        return node.name if node else (code or "全国")

    chain = [(root, label(root))] + [(c, label(c)) for c in path]
    cols = st.columns(len(chain) + 4)
    for i, (code, name) in enumerate(chain):
        if i == len(chain) - 1:
            cols[i].markdown(f"**{md(name)}**")
        elif cols[i].button(f"{md(name)} ›", key=f"crumb_{i}"):
            st.session_state[PATH_KEY] = path[:i]
            st.rerun()


def table(rows: Sequence[Any], first: str, extra: Sequence[tuple[str, Sequence[str], str]] = (),
          text: bool = False) -> pd.DataFrame:
    """Return the table behind the charts: counts, average, level shares, and optional score columns.

    Scores are rounded half up (``services.core.numfmt``). ``text`` gives the on-screen version: every
    score as text and "—" where a region has no data (a grid would print None); without it, numbers
    and empty cells, for the Excel export."""
    def score(v: float | None, places: int) -> float | str | None:
        return fmt(v, places) if text else round_half_up(v, places)

    out = []
    for r in rows:
        item: dict[str, Any] = {first: r.name, "代码": r.code, "企业数": r.n, "平均总分": score(r.average, 2),
                                "二级及以上占比": percent(r.share_l2_plus, empty="—" if text else "")}
        for k, name in enumerate(LEVEL_NAMES):
            item[name] = r.levels[k]
        for pick, labels, suffix in extra:
            for label, v in zip(labels, getattr(r, pick)):
                item[f"{label}{suffix}"] = score(v, 3)
        out.append(item)
    return pd.DataFrame(out)


def table_with_export(rows: Sequence[Any], first: str, name: str, key: str,
                      extra: Sequence[tuple[str, Sequence[str], str]] = ()) -> None:
    """Render the table behind the charts and offer the same rows as Excel (numbers, empty cells)."""
    st.dataframe(table(rows, first, extra, text=True), hide_index=True, width="stretch")
    export(table(rows, first, extra), name, key=key)


def comparison(rows: Sequence[Any], first: str, key: str, export_name: str, by_size: bool = False) -> None:
    """Render the capability comparison shared by the region and industry pages: 能力域 (12) or
    能力子域 (20); grouped bars, a radar of the chosen rows, the heat map, the level distribution,
    and the table behind them with its Excel export."""
    granularity = st.radio("比较", ["能力域（12）", "能力子域（20）"], horizontal=True, key=f"{key}_granularity")
    pick, labels = ("domains", DOMAINS) if granularity.startswith("能力域") else ("subdomains", SUBDOMAINS)
    scored = [r for r in rows if r.n]
    tabs = st.tabs(["分组柱状图", "雷达图", "热力图", "等级分布", "表格"])
    with tabs[0]:
        st_echarts(grouped_bars(sorted(scored, key=lambda r: -r.n) if by_size else scored, labels, pick),
                   height="460px", key=f"{key}_bars_{pick}_{len(rows)}_{sum(r.n for r in rows)}")
    with tabs[1]:
        names = [r.name for r in scored]
        default = [r.name for r in sorted(scored, key=lambda r: -r.n)[:5]]
        chosen = st.multiselect(f"对比的{md(first)}（最多 8 个）", names, default=default, max_selections=8,
                                key=f"{key}_radar_pick_{len(names)}", placeholder="请选择")
        st_echarts(radar([r for r in scored if r.name in chosen], labels, pick), height="520px",
                   key=f"{key}_radar_{pick}_{'_'.join(chosen)}")
    with tabs[2]:
        st_echarts(heatmap(rows, labels, pick), height=f"{max(300, 28 * len(scored) + 140)}px",
                   key=f"{key}_heat_{pick}_{sum(r.n for r in rows)}")
    with tabs[3]:
        st_echarts(level_stack(rows), height="420px", key=f"{key}_levels_{sum(r.n for r in rows)}")
    with tabs[4]:
        table_with_export(rows, first, export_name, f"{key}_export", [(pick, labels, "")])


def export(frame: pd.DataFrame, name: str, key: str) -> None:
    """Offer exactly the shown table as Excel."""
    st.download_button("导出 Excel（当前表格）", rows_to_xlsx(frame.to_dict("records"), title=name),
                       file_name=f"{name}.xlsx", key=key,
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def place(actor: Actor) -> str:
    """Return e.g. "江苏省 / 南京市" for the current region."""
    code = current_parent(actor)
    return " / ".join(n.name for n in region_ancestors(code)) if code else "全国"


def clickable_map(actor: Actor, parent: str | None, rows: Sequence[Any], option: Any, key: str, height: str = "560px") -> bool:
    """Draw the region map of ``parent`` (``option(map name, 南海诸岛 inset)`` builds the chart) and drill
    into a clicked child region; return False when this level has no map boundaries."""
    from streamlit_echarts import Map
    try:
        from services.reference import maps
        geo, inset = maps.display_map(parent), maps.inset_for(parent)
    except (ImportError, KeyError, FileNotFoundError):
        geo, inset = None, None
    if geo is None:
        return False
    name = maps.map_name(parent)
    clicked = st_echarts(option(name, inset), map=Map(name, geo), height=height,
                         events={"click": "function(p){return p.name;}"}, key=key)
    code = clicked.get("chart_event") if isinstance(clicked, dict) else getattr(clicked, "chart_event", None)
    if isinstance(code, str) and code in {r.code for r in rows}:
        drill_into(actor, code)
        st.rerun()
    return True
