"""The registration review screen, shared by 注册审核 (regional administrators: enterprises) and
服务商认证审核 (the platform operator: providers). Which registrations the actor sees and may act on
is the service's rule (services/orgs/registration.review_queue)."""
from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from components.feedback import run_action
from components.history import render_history
from components.org_form import show_details
from components.text import md
from services.core.permissions import Actor
from services.orgs import registration


def _done(action: Callable[..., None], *args: Any) -> bool:
    """Run a service action that returns nothing; True once it has succeeded (for ``run_action``)."""
    action(*args)
    return True


def render_review(actor: Actor, title: str) -> None:
    """Counts, filters, the list, and the chosen registration with 通过 / 退回 and its history."""
    st.title(md(title))
    if "review_flash" in st.session_state:  # set before st.rerun(), which would discard a message shown in place
        st.success(md(st.session_state.pop("review_flash")))
    counts = registration.review_counts(actor)
    cols = st.columns(3)
    for col, status in zip(cols, ("pending", "approved", "returned")):
        col.metric(registration.STATUS_LABEL[status], f"{counts.get(status, 0):d}")

    f1, f2 = st.columns([1, 2])
    status = f1.selectbox("状态", ["pending", "returned", "approved"],
                          format_func=lambda code: str(registration.STATUS_LABEL.get(code, code)), placeholder="请选择")
    keyword = f2.text_input("企业名称 / 统一社会信用代码", placeholder="输入关键词筛选")
    rows = registration.review_queue(actor, status=status, keyword=keyword)
    if not rows:
        st.info("没有符合条件的申请。")
        return
    table = pd.DataFrame([{"ID": r.id, "企业名称": r.name, "统一社会信用代码": r.credit_code, "类型": registration.KINDS.get(r.kind, r.kind),
                           "所在地区": r.region_name, "所属行业": r.industry_name, "规模": r.size, "提交时间": r.submitted_at}
                          for r in rows])
    st.dataframe(table, hide_index=True, width="stretch")

    by_id = {r.id: r for r in rows}
    chosen = st.selectbox("选择申请", list(by_id), format_func=lambda i: f"{by_id[i].name}（{by_id[i].credit_code}）", placeholder="请选择")
    org = by_id[chosen]
    with st.container(border=True):
        st.markdown(f"### {md(org.name)}")
        st.caption(f"{'企业' if org.kind == 'enterprise' else '服务商'}注册信息详细　提交时间：{md(org.submitted_at or '—')}"
                   f"　状态：{md(org.status_label)}")
        show_details(org)
        licence = registration.license_image(actor, org.id)
        if licence is not None:
            st.image(licence[0], caption="企业营业执照", width=360)
        if org.status == "pending":
            a1, a2 = st.columns([1, 3])
            if a1.button("审核通过", type="primary", key=f"approve_{org.id}"):
                if run_action(f"review_{org.id}", lambda rid: _done(registration.approve, actor, org.id, rid)):
                    st.session_state["review_flash"] = f"「{org.name}」已通过，申请人登录后即可看到结果（已发送站内消息）。"
                    st.rerun()
            reason = a2.text_area("退回原因（必填，申请人可见，将以站内消息通知）", key=f"reason_{org.id}", max_chars=500)
            if a2.button("退回", key=f"return_{org.id}"):
                if run_action(f"review_{org.id}",
                              lambda rid: _done(registration.return_for_changes, actor, org.id, reason, rid)):
                    st.session_state["review_flash"] = f"「{org.name}」已退回。"
                    st.rerun()
        elif org.return_reason:
            st.caption(f"退回原因：{md(org.return_reason)}")
        render_history(registration.review_history(actor, org.id))
