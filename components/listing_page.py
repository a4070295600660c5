"""A listing's page as buyers see it (发布预览, the reviewers' view, and the catalogue's detail page).

``render_listing`` only renders: it reads one version's content and specs (services.market.listings.
VersionView) and the files it names, and writes them — banner, the 商品详情 modules in the provider's
order (商品亮点 / 商品说明 / 截图), the three user cases, 服务支持, the specs with their prices. Every
text a provider typed goes through ``components.text.md``.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from components.text import md
from services.market import listing_form
from services.market.listings import FileInfo, VersionView
from services.market.money import parse_yuan, yuan

MODE_UNIT = {"year": "元/年", "month": "元/月", "quantity": "元/个"}
MODE_LABEL = {"year": "按年", "month": "按月", "quantity": "按数量"}


def _image(files: Mapping[int, FileInfo], file_id: Any, caption: str | None = None) -> None:
    f = files.get(file_id) if isinstance(file_id, int) else None
    if f is not None and f.mime.startswith("image/"):
        st.image(f.data, caption=md(caption) if caption else None, width="stretch")


def _price_text(content: Mapping[str, Any], key: str) -> str:
    try:
        return yuan(parse_yuan(content.get(key), key))
    except Exception:  # noqa: BLE001 - an unfinished draft: show the blank
        return yuan(None)


def render_listing(view: VersionView, files: Mapping[int, FileInfo] | None = None) -> None:
    """Write one version's page (nothing else: no buttons, no state)."""
    files = files or {}
    c = view.content
    labels = listing_form.rules().modules
    with st.container(border=True):
        st.markdown(f"## {md(c.get('banner_title') or view.name or '（未命名）')}")
        st.markdown(md(c.get("banner_text") or "", multiline=True))
        _image(files, c.get("banner_image_id"))
        _image(files, c.get("image_id"))
        st.caption(f"{md(view.name or '（未命名）')}　{md(view.org_name)}　相关产品：{md(c.get('product_name') or '—')}　"
                   f"历史售价：{md(_price_text(c, 'price_low'))} – {md(_price_text(c, 'price_high'))}")
    st.markdown("### 商品详情")
    for module in c.get("module_order") or list(labels):
        st.markdown(f"#### {md(labels.get(module, module))}")
        if module == "highlights":
            for row in c.get("highlight_rows") or []:
                st.markdown(f"- {md((row or {}).get('highlight') or '')}")
        elif module == "description":
            st.markdown(md(c.get("description") or "", multiline=True))
        elif module == "screenshots":
            shots = [s for s in c.get("screenshot_ids") or [] if isinstance(s, int) and s in files]
            if not shots:
                st.caption("（无截图）")
            for s in shots:
                _image(files, s)
    st.markdown("### 用户案例")
    cases = c.get("user_case_rows") or []
    for col, row in zip(st.columns(3), cases[:3]):
        with col.container(border=True):
            st.markdown(f"**{md((row or {}).get('user_case_title') or '')}**")
            st.markdown(md((row or {}).get("user_case_text") or "", multiline=True))
    if c.get("case_rows"):
        st.markdown("#### 客户案例")
        for i, row in enumerate(c.get("case_rows") or []):
            row = row or {}
            st.markdown(f"{i + 1:d}\\. {md(row.get('customer') or '')}　年产值 {md(row.get('annual_output') or '—')} 万元　"
                        f"方案销售额 {md(row.get('sales_amount') or '—')} 万元　交付周期 {md(row.get('delivery_months') or '—')} 个月")
    st.markdown("### 服务支持")
    st.markdown(md(c.get("support") or "", multiline=True))
    st.markdown("### 规格与价格")
    if not view.specs:
        st.caption("（尚未配置规格）")
    for spec in view.specs:
        price = "免费" if spec.pricing == "free" else f"{yuan(spec.unit_price_fen)} {MODE_UNIT.get(spec.purchase_mode, '')}"
        st.markdown(f"- **{md(spec.name)}**　{MODE_LABEL.get(spec.purchase_mode, '')}　{md(price)}")
    contact = [c.get("contact_name") or ""]
    if "mobile" in (c.get("contact_methods") or []):
        contact.append(c.get("contact_mobile") or "")
    if "email" in (c.get("contact_methods") or []):
        contact.append(c.get("contact_email") or "")
    st.caption(f"联系人：{md('　'.join(x for x in contact if x))}")
