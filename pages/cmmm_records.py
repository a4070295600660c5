"""自诊断记录查询 — 辖区内已完成的自诊断：按年份、企业名称、地区、行业、等级筛选；详情、导出、进入企业。"""

import pandas as pd
import streamlit as st

import clock

from components.downloads import XLSX_MIME, prepared_download
from components.nav import guard
from components.paging import paged
from components.pickers import industry_picker, region_picker
from components.text import md
from services.cmmm import admin
from services.cmmm.diagnosis import level_label
from services.cmmm.report import build_pdf
from services.cmmm.results import result, score_table
from services.numfmt import fmt
from services.permissions import P_DIAG_ADMIN

PAGE = 20

actor = guard(P_DIAG_ADMIN)
st.title("自诊断记录查询")
this_year = clock.today().year
with st.container(border=True):
    c1, c2, c3 = st.columns([1, 1, 2])
    year_from = c1.number_input("起始年份", 2018, this_year, 2018, key="rec_from")
    year_to = c2.number_input("截止年份", 2018, this_year, this_year, key="rec_to")
    keyword = c3.text_input("企业名称关键词", key="rec_kw")
    region_code = region_picker("rec_region", None, "所在地区（辖区内）", root=actor.region_code)
    industry_code = industry_picker("rec_industry", None, "所属行业")
    level_opt = st.selectbox("成熟度等级", [None, 0, 1, 2, 3, 4, 5], key="rec_level",
                             format_func=lambda v: "全部" if v is None else level_label(v), placeholder="请选择")
filters = admin.Filters(int(year_from), int(year_to), keyword, region_code if region_code != actor.region_code else None,
                        industry_code, level_opt)
found = {"total": 0}


def fetch(index: int) -> tuple[int, list[admin.Record]]:
    found["total"], rows = admin.query_records(actor, filters, index + 1, PAGE)
    return found["total"], rows


rows = paged("rec", filters, fetch, PAGE, "条记录")
st.caption("此处逐条列出每一次自诊断（同一企业可有多条）；统计分析页按企业计数，每家企业只计最新一次，数量可能少于此处。")
if rows:
    st.dataframe(pd.DataFrame([{"编号": r.id, "企业名称": r.org_name, "统一社会信用代码": r.credit_code, "所在地区": r.region_name,
                                "所属行业": r.industry_name, "提交时间": r.completed_at, "总分": fmt(r.total_score),
                                "成熟度等级": r.level_label} for r in rows]), hide_index=True, width="stretch")
    prepared_download("rec_export", filters, lambda: admin.export_records(actor, filters),
                      f"导出全部 {found['total']:,} 条为 Excel", "下载 Excel", "自诊断记录.xlsx", XLSX_MIME)
    st.divider()
    by_id = {r.id: r for r in rows}
    chosen = st.selectbox("查看详情", list(by_id), format_func=lambda i: f"{by_id[i].org_name}（{by_id[i].completed_at}）", placeholder="请选择")
    res = result(actor, chosen)
    c1, c2, c3 = st.columns(3)
    c1.metric("总分", fmt(res.total_score))
    c2.metric("成熟度等级", md(res.level_label))
    c3.metric("所属行业", md(res.industry_name or "—"))
    st.dataframe(pd.DataFrame(score_table(res)), hide_index=True, width="stretch")
    a1, a2, a3 = st.columns(3)
    a1.download_button("导出答题记录", admin.answer_sheet(actor, chosen), file_name=f"答题记录_{chosen}.xlsx", mime=XLSX_MIME)
    with a2:  # about 2 s to build: only when asked, and only ever for the record shown
        prepared_download("rec_pdf", chosen, lambda: build_pdf(res), "生成 PDF 报告", "下载 PDF 报告",
                          f"自诊断报告_{res.org_name}_{chosen}.pdf", "application/pdf")
    if a3.button("进入企业", key="rec_enter"):
        name, items = admin.enterprise_diagnoses(actor, by_id[chosen].org_id)
        st.markdown(f"**{md(name)}** 的全部自诊断")
        st.dataframe(pd.DataFrame([{"编号": i.id, "状态": "已完成", "时间": i.completed_at, "总分": fmt(i.total_score),
                                    "等级": i.level_label} if isinstance(i, admin.Record) else
                                   {"编号": i[0], "状态": i[1], "时间": i[2], "总分": "", "等级": ""} for i in items]),
                     hide_index=True, width="stretch")
