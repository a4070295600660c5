"""商品上架 — the listing form (specs/market/listing.yaml) in sections: 保存草稿 (kept on the server), 发布预览, 提交申请."""
from __future__ import annotations

import hashlib
from typing import Any

import pandas as pd
import streamlit as st

from components.feedback import new_request, request_id, run_action, show_error, user_messages
from components.listing_page import render_listing
from components.nav import guard
from components.text import md
from services.core.errors import ServiceError
from services.core.permissions import P_MARKET_SELL
from services.market import listing_form, listings

actor = guard(P_MARKET_SELL)
st.title("商品上架")
if "listing_flash" in st.session_state:   # set before st.rerun(), which would discard a message shown in place
    st.success(md(st.session_state.pop("listing_flash")))
for message in st.session_state.pop("listing_errors", []):
    st.error(md(message), icon=":material/error:")

d = listing_form.definition()


def options(question: str) -> dict[str, str]:
    return {c.value: c.label for c in d.question(question).choices}


# --- which version: a draft kept on the server, or a new listing ----------------------------
drafts = listings.my_listings(actor, "draft")
by_id = {r.version_id: r for r in drafts}
current = st.session_state.get("listing_version")
if current not in by_id:
    current = None
c1, c2 = st.columns([3, 1])
if drafts:
    current = c1.selectbox("继续编辑草稿", list(by_id), index=list(by_id).index(current) if current else 0,
                           format_func=lambda i: f"{by_id[i].name}（第 {by_id[i].version_no} 版）", placeholder="请选择")
else:
    c1.caption("发布类型：解决方案与产品。草稿保存在服务器上，关闭浏览器后可继续编辑。")
if c2.button("立即上架（新建商品）", type="primary" if not drafts else "secondary"):
    made = run_action("listing_create", lambda rid: listings.create_listing(actor, rid))
    if made:
        st.session_state["listing_version"] = made[1]
        st.rerun()
if current is None:
    st.info("还没有草稿。单击「立即上架」开始填写。")
    st.stop()
st.session_state["listing_version"] = current
view = listings.get_version(actor, current)
c: dict[str, Any] = dict(view.content)
rules = listing_form.rules()


def text(key: str, label: str, **kw: Any) -> str:
    return st.text_input(label, value=str(c.get(key) or ""), key=f"f_{key}_{view.id}", **kw)  # md: labels are this page's constants


def multi(key: str, label: str, **kw: Any) -> list[str]:
    opts = options(key)
    return st.multiselect(label, list(opts), default=[v for v in c.get(key) or [] if v in opts],  # md: constant labels
                          format_func=opts.get, key=f"f_{key}_{view.id}", placeholder="请选择", **kw)


with st.form(f"listing_form_{view.id}"):
    st.subheader("基本信息")
    answers: dict[str, Any] = {}
    a, b = st.columns(2)
    with a:
        answers["name"] = text("name", "方案名称 *", max_chars=100)
    with b:
        answers["product_name"] = text("product_name", "相关产品名称 *", max_chars=100)
    cat = options("catalogue")
    answers["catalogue"] = st.selectbox("目录 *", list(cat), format_func=cat.get, key=f"f_catalogue_{view.id}",
                                        placeholder="请选择")
    answers["tags"] = multi("tags", "标签 *")
    answers["categories"] = multi("categories", "方案分类 *（最多 5 个）", max_selections=5)
    answers["industries"] = multi("industries", "适用行业 *（最多 3 个）", max_selections=3)
    image = st.file_uploader(md(f"展示图 *（不超过 {rules.image['max_mb']:g} MB，{'、'.join(rules.image['types'])}）"),
                             type=["jpg", "jpeg", "png", "bmp"], key=f"f_image_{view.id}")
    if c.get("image_id"):
        st.caption("已上传展示图；重新选择文件即替换。")
    a, b = st.columns(2)
    with a:
        answers["price_low"] = text("price_low", "销售历史最低价格（元）*", placeholder="如 10000.00")
        answers["delivery_days"] = text("delivery_days", "交付平均周期（天）*")
    with b:
        answers["price_high"] = text("price_high", "销售历史最高价格（元）*", placeholder="如 250000.00")
        answers["delivery_person_days"] = text("delivery_person_days", "交付人工数量（人天）*")

    st.subheader("案例说明")
    st.caption(md(f"请配置 3 个案例的客户信息。介绍文档：针对问题、实施方案、实施效果等，不超过 "
                  f"{rules.case_document['max_mb']:g} MB，支持格式：{'、'.join(rules.case_document['types'])}。"))
    old_cases = list(c.get("case_rows") or []) + [{}, {}, {}]
    cases: list[dict[str, Any]] = []
    docs_new: list[Any] = []
    for i, tab in enumerate(st.tabs(["案例1", "案例2", "案例3"])):
        old = old_cases[i] or {}
        with tab:
            row = {}
            for key, label in (("customer", "客户名称 *"), ("annual_output", "客户年产值（万元）*"),
                               ("sales_amount", "方案销售额度（万元）*"), ("delivery_months", "交付周期（月）*"),
                               ("case_contact", "客户联系人姓名"), ("case_title", "客户联系人职务"),
                               ("case_phone", "客户联系人联系方式")):
                row[key] = st.text_input(label, value=str(old.get(key) or ""),  # md: the constant labels above
                                         key=f"f_case{i}_{key}_{view.id}")
            cases.append(row)
            docs_new.append(st.file_uploader("介绍文档 *", type=[t for t in rules.case_document["types"]],
                                             key=f"f_doc{i}_{view.id}"))
            if (c.get("case_docs") or [None] * 3)[i]:
                st.caption("已上传介绍文档；重新选择文件即替换。")
    answers["case_rows"] = cases

    st.subheader("联系人信息")
    st.text_input("企业名称", value=view.org_name, disabled=True, key=f"f_company_{view.id}")
    answers["contact_name"] = text("contact_name", "姓名 *", max_chars=30)
    methods = options("contact_methods")
    answers["contact_methods"] = st.multiselect("联系方式 *（可同时选择两种）", list(methods),
                                                default=[m for m in c.get("contact_methods") or [] if m in methods],
                                                format_func=methods.get, key=f"f_methods_{view.id}", placeholder="请选择")
    a, b = st.columns(2)
    with a:
        answers["contact_mobile"] = text("contact_mobile", "手机（勾选手机时必填）", max_chars=11)
    with b:
        answers["contact_email"] = text("contact_email", "邮箱（勾选邮箱时必填）", max_chars=128)

    st.subheader("介绍页")
    answers["banner_title"] = text("banner_title", "Banner 标题 *", max_chars=60)
    answers["banner_text"] = st.text_area("Banner 文字 *", value=str(c.get("banner_text") or ""), max_chars=300,
                                          key=f"f_banner_text_{view.id}")
    banner = st.file_uploader("Banner 图片（可选）", type=["jpg", "jpeg", "png", "bmp"], key=f"f_banner_{view.id}")
    st.markdown("**商品详情模块顺序**（可上下调整）")
    order = list(c.get("module_order") or rules.default_order)
    cols = st.columns(len(rules.modules))
    picked = [col.selectbox(f"第 {i + 1:d} 位", list(rules.modules), placeholder="请选择", index=list(rules.modules).index(order[i])
                            if i < len(order) and order[i] in rules.modules else i,
                            format_func=rules.modules.get, key=f"f_order{i}_{view.id}")
              for i, col in enumerate(cols)]
    answers["highlight_rows"] = [{"highlight": line.strip()} for line in st.text_area(
        "商品亮点 *（每行一条，最多 10 条）", value="\n".join(str((r or {}).get("highlight") or "")
                                                 for r in c.get("highlight_rows") or []),
        key=f"f_highlights_{view.id}").splitlines() if line.strip()]
    answers["description"] = st.text_area("商品说明 *（服务特点、服务内容、注意事项等）",
                                          value=str(c.get("description") or ""), max_chars=5000,
                                          key=f"f_description_{view.id}")
    shots = st.file_uploader(md(f"商品截图（最多 {rules.screenshots.get('max_count', 6)} 张；重新选择即替换全部）"),
                             type=["jpg", "jpeg", "png", "bmp"], accept_multiple_files=True, key=f"f_shots_{view.id}")
    st.markdown("**用户案例**（3 个）")
    old_uc = list(c.get("user_case_rows") or []) + [{}, {}, {}]
    answers["user_case_rows"] = []
    for i, col in enumerate(st.columns(3)):
        old = old_uc[i] or {}
        answers["user_case_rows"].append({
            "user_case_title": col.text_input(f"案例{i + 1:d} 标题 *", value=str(old.get("user_case_title") or ""),
                                              key=f"f_uc{i}_t_{view.id}"),
            "user_case_text": col.text_area(f"案例{i + 1:d} 内容 *", value=str(old.get("user_case_text") or ""),
                                            key=f"f_uc{i}_x_{view.id}")})
    answers["support"] = st.text_area("服务支持 *（售后服务时间、内容、服务热线、服务邮箱等）",
                                      value=str(c.get("support") or ""), max_chars=2000, key=f"f_support_{view.id}")

    st.subheader("商品规格")
    mode_q = {ch.value: ch.label for ch in d.question("purchase_mode").choices}
    price_q = {ch.value: ch.label for ch in d.question("pricing").choices}
    spec_df = pd.DataFrame([{"规格名称": r.get("spec_name") or "", "购买方式": mode_q.get(r.get("purchase_mode"), None),
                             "定价模式": price_q.get(r.get("pricing"), None), "规格定价（元）": r.get("unit_price") or ""}
                            for r in c.get("spec_rows") or []] or
                           [{"规格名称": "", "购买方式": None, "定价模式": None, "规格定价（元）": ""}])
    edited = st.data_editor(spec_df, num_rows="dynamic", hide_index=True, key=f"f_specs_{view.id}", column_config={
        "规格名称": st.column_config.TextColumn(max_chars=50),
        "购买方式": st.column_config.SelectboxColumn(options=list(mode_q.values())),
        "定价模式": st.column_config.SelectboxColumn(options=list(price_q.values())),
        "规格定价（元）": st.column_config.TextColumn(help="简单模式必填（元/年、元/月或元/个）；免费为 0")})
    st.caption("定价模式为「简单模式」时填写规格定价：按年为元/年，按月为元/月，按数量为元/个。")

    b1, b2, b3 = st.columns(3)
    save = b1.form_submit_button("保存草稿")
    preview = b2.form_submit_button("发布预览")
    send = b3.form_submit_button("提交申请", type="primary")


def spec_rows(df: pd.DataFrame) -> list[dict[str, Any]]:
    mode_of = {v: k for k, v in mode_q.items()}
    price_of = {v: k for k, v in price_q.items()}
    out = []
    for rec in df.to_dict("records"):
        if not any(str(v or "").strip() for v in rec.values() if v is not None and not pd.isna(v)):
            continue
        out.append({"spec_name": str(rec.get("规格名称") or "").strip(), "purchase_mode": mode_of.get(rec.get("购买方式")),
                    "pricing": price_of.get(rec.get("定价模式")),
                    "unit_price": ("0" if price_of.get(rec.get("定价模式")) == "free"
                                   else str(rec.get("规格定价（元）") or "").strip())})
    return out


def upload(f: Any, purpose: str, rid: str) -> int:
    data = f.getvalue()
    # the request id names the file's content too: a retry with another file is a new upload
    return listings.upload_file(actor, data, f.name, purpose, f"{rid}-{purpose}-{hashlib.sha256(data).hexdigest()[:16]}")


def build(rid: str) -> dict[str, Any]:
    """The content to save: the answers, then the uploaded files (each checked by content in the service)."""
    new = dict(c)
    new.update(answers)
    new["module_order"] = picked
    new["spec_rows"] = spec_rows(edited)
    if image is not None:
        new["image_id"] = upload(image, "image", rid)
    if banner is not None:
        new["banner_image_id"] = upload(banner, "banner", rid)
    docs = list(new.get("case_docs") or [None, None, None])[:3] + [None] * 3
    for i, f in enumerate(docs_new):
        if f is not None:
            docs[i] = upload(f, "case_doc", f"{rid}-{i}")
    new["case_docs"] = docs[:3]
    if shots:
        most = int(rules.screenshots.get("max_count", 6))
        new["screenshot_ids"] = [upload(f, "screenshot", f"{rid}-{i}") for i, f in enumerate(shots[:most])]
    return new


def save_draft(rid: str) -> int:
    return listings.save_draft(actor, view.id, build(rid), view.row_version, rid)


if save or preview:
    if run_action(f"listing_save_{view.id}", save_draft):
        st.session_state["listing_flash"] = "草稿已保存。" if save else "草稿已保存，预览如下。"
        st.session_state["listing_preview"] = bool(preview)
        st.rerun()
if send and run_action(f"listing_save_{view.id}", save_draft):   # saved first: nothing typed is lost
    try:
        listings.submit(actor, view.id, request_id(f"listing_submit_{view.id}"))
    except Exception as exc:  # noqa: BLE001 - shown after the rerun that reads the saved draft's new version
        st.session_state["listing_errors"] = user_messages(exc)
        st.rerun()
    new_request(f"listing_submit_{view.id}")
    st.session_state.pop("listing_version", None)
    st.session_state["listing_flash"] = f"「{answers['name']}」已提交申请，等待运营初审。可在「我的商品 › 待审核」中查看。"
    st.rerun()

if st.session_state.pop("listing_preview", False):
    st.subheader("发布预览")
    try:
        render_listing(listings.get_version(actor, view.id), listings.files_of(actor, view.id))
    except ServiceError as exc:
        show_error(exc)
