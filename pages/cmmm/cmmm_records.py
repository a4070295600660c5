"""自诊断记录查询 — 辖区内已完成的自诊断（列表：specs/lists/cmmm_records.yaml）；详情、答题记录、PDF、进入企业。"""

import pandas as pd
import streamlit as st

from components.admin_list import admin_list
from components.downloads import XLSX_MIME, prepared_download
from components.nav import guard
from components.text import md
from services.cmmm import admin
from services.cmmm.report import build_pdf
from services.cmmm.results import result, score_table
from services.core.numfmt import fmt
from services.core.permissions import P_DIAG_ADMIN

actor = guard(P_DIAG_ADMIN)
st.title("自诊断记录查询")
rows: list[admin.Record] = admin_list("cmmm_records", actor, "rec")
if rows:
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
