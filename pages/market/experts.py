"""专家团队 — 服务商推荐并经设为专家的专家：照片、所属区域、服务年限、专业领域与介绍（公开页面）."""
import streamlit as st

from components.text import md
from services.market import providers

st.title("专家团队")
experts = providers.active_experts()
if not experts:
    st.info("暂无专家。")
    st.stop()
st.caption(f"共 {len(experts):d} 位专家")
cols = st.columns(2)
for i, e in enumerate(experts):
    with cols[i % 2].container(border=True):
        left, right = st.columns([1, 3])
        photo = providers.expert_photo(e["photo_id"]) if e["photo_id"] else None
        if photo is not None:
            left.image(photo[0], width=110)
        else:
            left.markdown(":material/person:")
        right.markdown(f"**{md(e['name'])}**　{md(e['org_name'])}")
        right.caption(f"所属区域：{md(e['region_name'] or '—')}　服务年限：{e['years']:d} 年")
        right.markdown("专业领域：" + "、".join(md(f) for f in e["fields"]))
        st.markdown(md(e["intro"], multiline=True))
