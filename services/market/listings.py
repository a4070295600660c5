"""Providers' listings (商品上架 / 我的商品) and their three-stage approval (运营初审 → 专家评审 → 工信厅终审).

A listing's content lives in versions. A new listing starts with a draft version that is saved on the
server (``save_draft``: partial answers, a ``row_version`` check so two editors never overwrite each
other silently) until ``submit`` validates everything (specs/market/listing.yaml through
services.market.listing_form) and starts the workflow specs/workflows/listing_approval.yaml, whose
state and holder the engine mirrors into ``listing_version.status`` / ``holder_id``. A submitted version
is frozen. ``final_approve`` makes the version live in the same transaction: the listing's name,
prices and facets are replaced from it and it goes on sale. 重新编辑 (``reedit``) of a returned,
withdrawn or live version is a new draft version copying its content; the live version stays on sale
until the new one is approved. ``delist`` / ``relist`` take a listing off sale and back.

Every provider action checks ``access.provider_org`` (certified, and the menu of 应用内权限配置 for a
staff account: 商品上架 to create, edit, upload and submit, 我的商品 to withdraw, re-edit, delist and
relist, either to read); every list is scoped in SQL (a provider sees
only its own organisation's listings; reviewers see submitted versions, never drafts).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, object_session

from db.base import utcnow
from db.engine import session_scope
from db.market import Listing, ListingSpec, ListingVersion, MarketFile
from db.organisation import Organisation
from services.core import audit
from services.core.errors import Conflict, NotFound, ValidationFailed
from services.core.permissions import P_MARKET_EXPERT, P_MARKET_FINAL, P_MARKET_OPERATE, P_MARKET_SELL, Actor, has_perm
from services.market import listing_form
from services.market.access import LIST, MINE, provider_org
from services.market.money import parse_yuan
from services.workflow import engine as workflow

SUBJECT = "listing_version"
WORKFLOW = "listing_approval"
REVIEW_STATES = ("operator_review", "expert_review", "final_review")
EDITABLE = ("draft",)
REEDITABLE = ("returned", "withdrawn", "approved")
MAX_CONTENT_BYTES = 256 * 1024     # a version's answers: texts are bounded by the definition, this bounds the rest


def _owner_org(v: ListingVersion) -> int | None:
    s = object_session(v)
    return s.scalar(select(Listing.org_id).where(Listing.id == v.listing_id)) if s is not None else None


workflow.register_subject(workflow.Subject(
    SUBJECT, ListingVersion, WORKFLOW, name=lambda v: v.name or "未命名商品", owner_org=_owner_org,
    mirror={"state": "status", "holder_id": "holder_id"},
    audit_detail=lambda v: {"listing_id": v.listing_id, "version_no": v.version_no}))

# 我的商品 tabs: code -> label
TABS = {"on_sale": "已上架", "pending": "待审核", "returned": "已驳回", "draft": "草稿", "withdrawn": "已撤销",
        "delisted": "已下架"}
# review queues: stage -> (state, permission)
FACETS = (("tag", "tags"), ("category", "categories"), ("industry", "industries"))


@dataclass(frozen=True)
class SpecView:
    id: int
    name: str
    purchase_mode: str
    pricing: str
    unit_price_fen: int


@dataclass(frozen=True)
class VersionView:
    id: int
    listing_id: int
    version_no: int
    status: str
    status_label: str
    holder_id: int | None
    row_version: int
    org_id: int
    org_name: str
    name: str
    content: dict[str, Any]
    specs: list[SpecView]
    live: bool                 # this version is the one on sale
    sale_state: str | None


@dataclass(frozen=True)
class ListingRow:
    listing_id: int
    version_id: int            # the version the tab is about (latest, or the live one for 已上架/已下架)
    version_no: int
    name: str
    status: str
    status_label: str
    sale_state: str | None
    updated_at: Any
    reason: str                # the latest return reason, for 已驳回


def status_label(status: str) -> str:
    return workflow.SUBJECTS[SUBJECT].definition().label(status)


# --- reading --------------------------------------------------------------------------------
def load_version(session: Session, version_id: int, lock: bool = False) -> tuple[ListingVersion, Listing]:
    """The version and its listing (``lock``: both rows locked, the listing first as every writer does)."""
    listing_id = session.scalar(select(ListingVersion.listing_id).where(ListingVersion.id == version_id))
    if listing_id is None:
        raise NotFound("未找到该商品。")
    listing = session.get(Listing, listing_id, with_for_update=lock)
    v = session.get(ListingVersion, version_id, with_for_update=lock)
    if v is None:
        raise NotFound("未找到该商品。")
    assert listing is not None
    return v, listing


def _own_version(session: Session, actor: Actor, version_id: int, menu: str,
                 lock: bool = False) -> tuple[ListingVersion, Listing]:
    org = provider_org(session, actor, menu)
    v, listing = load_version(session, version_id, lock)
    if listing.org_id != org.id:
        raise NotFound("未找到该商品。")   # another provider's listing looks absent
    return v, listing


def _may_review(actor: Actor, v: ListingVersion) -> bool:
    if v.status == "draft":
        return False
    if any(has_perm(actor, p) for p in (P_MARKET_OPERATE, P_MARKET_FINAL)):
        return True
    return has_perm(actor, P_MARKET_EXPERT) and (v.holder_id == actor.account_id or _was_holder(actor, v))


def _was_holder(actor: Actor, v: ListingVersion) -> bool:
    s = object_session(v)
    assert s is not None
    from db.workflow import WorkflowInstance, WorkflowTransition
    return (s.scalar(select(func.count()).select_from(WorkflowTransition)
                    .join(WorkflowInstance, WorkflowInstance.id == WorkflowTransition.instance_id)
                    .where(WorkflowInstance.subject_type == SUBJECT, WorkflowInstance.subject_id == v.id,
                           WorkflowTransition.to_holder == actor.account_id)) or 0) > 0


def _view(session: Session, v: ListingVersion, listing: Listing) -> VersionView:
    org = session.get(Organisation, listing.org_id)
    specs = [SpecView(s.id, s.name, s.purchase_mode, s.pricing, s.unit_price_fen) for s in session.scalars(
        select(ListingSpec).where(ListingSpec.version_id == v.id).order_by(ListingSpec.position))]
    return VersionView(v.id, listing.id, v.version_no, v.status, status_label(v.status), v.holder_id, v.row_version,
                       listing.org_id, org.name if org else "", v.name, dict(v.content or {}), specs,
                       listing.live_version_id == v.id, listing.sale_state)


def get_version(actor: Actor, version_id: int) -> VersionView:
    """One version with its content and specs: for its own provider, or for a reviewer once submitted."""
    with session_scope(read=True) as s:
        v, listing = load_version(s, version_id)
        if actor.org_id is not None and actor.org_id == listing.org_id and has_perm(actor, P_MARKET_SELL):
            provider_org(s, actor, LIST, MINE)     # 商品上架 or 我的商品 (应用内权限配置)
            return _view(s, v, listing)
        if _may_review(actor, v):
            return _view(s, v, listing)
        raise NotFound("未找到该商品。")


def live_view(listing_id: int) -> tuple[VersionView, dict[int, FileInfo]]:
    """What buyers see of a listing on sale: its live version and the files it names (the catalogue's
    detail page; anyone may read it). ``NotFound`` unless the listing is on sale."""
    with session_scope(read=True) as s:
        listing = s.get(Listing, listing_id)
        if listing is None or listing.sale_state != "on_sale" or listing.live_version_id is None:
            raise NotFound("该商品不存在或已下架。")
        v = s.get(ListingVersion, listing.live_version_id)
        assert v is not None
        view = _view(s, v, listing)
        return view, _files(s, view)


def history(actor: Actor, version_id: int) -> list[workflow.HistoryRow]:
    """The version's approval history (earlier opinions), for whoever may see the version."""
    get_version(actor, version_id)
    with session_scope(read=True) as s:
        return workflow.history(s, SUBJECT, version_id, start_label="草稿")


# --- the provider ---------------------------------------------------------------------------
def create_listing(actor: Actor, request_id: str | None = None) -> tuple[int, int]:
    """A new listing with an empty draft version 1; return (listing id, version id)."""
    with session_scope() as s:
        done = audit.replayed(s, request_id)
        if done is not None:
            return int(done.target_id or 0), int(done.detail.get("version_id", 0))
        org = provider_org(s, actor, LIST)
        listing = Listing(org_id=org.id, created_by=actor.account_id)
        s.add(listing)
        s.flush()
        v = ListingVersion(listing_id=listing.id, version_no=1, status="draft",
                           content=listing_form.blank_content(), created_by=actor.account_id)
        s.add(v)
        s.flush()
        audit.record(s, actor.account_id, "market.listing_created", "listing", listing.id, {"version_id": v.id},
                     request_id=request_id)
        return listing.id, v.id


def _clean(content: dict[str, Any]) -> dict[str, Any]:
    import json
    if not isinstance(content, dict):
        raise ValidationFailed({"商品信息": ["商品信息：内容格式无效。"]})
    if len(json.dumps(content, ensure_ascii=False).encode()) > MAX_CONTENT_BYTES:
        raise ValidationFailed({"商品信息": [f"商品信息：内容过大（不能超过 {MAX_CONTENT_BYTES // 1024} KB）。"]})
    return dict(content)


def _fen(value: Any, label: str) -> int | None:
    if value is None or value == "":
        return None
    return parse_yuan(value, label)


def spec_rows_of(version_id: int, content: dict[str, Any]) -> list[ListingSpec]:
    """The spec rows of the answers (rows still missing a name, mode or pricing are left out of a draft)."""
    out = []
    for i, row in enumerate(content.get("spec_rows") or []):
        if not isinstance(row, dict) or not row.get("spec_name") or row.get("purchase_mode") not in \
                ("year", "month", "quantity") or row.get("pricing") not in ("free", "simple"):
            continue
        price = 0 if row["pricing"] == "free" else (_fen(row.get("unit_price"), "规格定价") or 0)
        out.append(ListingSpec(version_id=version_id, position=i, name=str(row["spec_name"])[:50],
                               purchase_mode=row["purchase_mode"], pricing=row["pricing"], unit_price_fen=price))
    return out


def save_draft(actor: Actor, version_id: int, content: dict[str, Any], row_version: int,
               request_id: str | None = None) -> int:
    """Save the draft's answers (partial allowed; every filled answer within its limits); return the new
    row_version. ``Conflict`` when someone saved it since ``row_version`` was read, or it was submitted."""
    content = _clean(content)
    with session_scope() as s:
        done = audit.replayed(s, request_id)
        if done is not None:
            return int(done.detail.get("row_version", 0))
        v, listing = _own_version(s, actor, version_id, LIST, lock=True)
        if v.status not in EDITABLE:
            raise Conflict(f"该商品版本当前状态为「{status_label(v.status)}」，已提交的版本不能修改；"
                           "请在「我的商品」中重新编辑。")
        listing_form.validate(s, listing.org_id, content, complete=False)
        rv = _write(s, v, content, row_version)
        audit.record(s, actor.account_id, "market.listing_draft_saved", SUBJECT, v.id,
                     {"listing_id": listing.id, "row_version": rv}, request_id=request_id)
        return rv


def _write(s: Session, v: ListingVersion, content: dict[str, Any], row_version: int) -> int:
    values = {"content": content, "name": str(content.get("name") or "")[:100],
              "product_name": str(content.get("product_name") or "")[:100],
              "image_id": content.get("image_id"),
              "price_low_fen": _fen(content.get("price_low"), "销售历史最低价格"),
              "price_high_fen": _fen(content.get("price_high"), "销售历史最高价格"),
              "updated_at": utcnow(), "row_version": row_version + 1}
    done = s.execute(update(ListingVersion).where(ListingVersion.id == v.id, ListingVersion.row_version == row_version,
                                                  ListingVersion.status == "draft")
                     .values(values).execution_options(synchronize_session=False))
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("该草稿已在别处被修改（或已提交），本次内容未保存。请刷新页面查看最新内容后再修改。")
    s.refresh(v)
    s.execute(delete(ListingSpec).where(ListingSpec.version_id == v.id))
    s.add_all(spec_rows_of(v.id, content))
    s.flush()
    return row_version + 1


def submit(actor: Actor, version_id: int, request_id: str | None = None) -> None:
    """提交申请: validate everything, then start the approval (the version is frozen from now on)."""
    with session_scope() as s:
        if audit.replayed(s, request_id) is not None:
            return
        v, listing = _own_version(s, actor, version_id, LIST, lock=True)
        if v.status == "draft":
            listing_form.validate(s, listing.org_id, dict(v.content or {}), complete=True)
        workflow.transition(s, SUBJECT, v, "submit", actor, request_id=request_id)
        v.submitted_at = utcnow()


def withdraw(actor: Actor, version_id: int, request_id: str | None = None) -> None:
    """撤销 a pending application (the provider's own)."""
    with session_scope() as s:
        if audit.replayed(s, request_id) is not None:
            return
        v, _listing = _own_version(s, actor, version_id, MINE, lock=True)
        workflow.transition(s, SUBJECT, v, "withdraw", actor, request_id=request_id)


def reedit(actor: Actor, version_id: int, request_id: str | None = None) -> int:
    """重新编辑 a returned, withdrawn or live version: a new draft version copying its content; return its
    id. The live version stays on sale. A listing has at most one version being edited or reviewed."""
    with session_scope() as s:
        done = audit.replayed(s, request_id)
        if done is not None:
            return int(done.target_id or 0)
        v, listing = _own_version(s, actor, version_id, MINE, lock=True)     # one re-edit at a time per listing
        if v.status not in REEDITABLE or (v.status == "approved" and listing.live_version_id != v.id):
            raise Conflict(f"该商品版本当前状态为「{status_label(v.status)}」，不能重新编辑。")
        busy = s.scalar(select(ListingVersion).where(ListingVersion.listing_id == listing.id,
                                                     ListingVersion.status.in_(("draft",) + REVIEW_STATES)))
        if busy is not None:
            raise Conflict(f"该商品已有一个「{status_label(busy.status)}」的版本（第 {busy.version_no} 版），"
                           "请先处理该版本。")
        number = (s.scalar(select(func.max(ListingVersion.version_no))
                           .where(ListingVersion.listing_id == listing.id)) or 0) + 1
        new = ListingVersion(listing_id=listing.id, version_no=number, status="draft", content=dict(v.content or {}),
                             name=v.name, product_name=v.product_name, image_id=v.image_id,
                             price_low_fen=v.price_low_fen, price_high_fen=v.price_high_fen,
                             created_by=actor.account_id)
        s.add(new)
        s.flush()
        s.add_all(spec_rows_of(new.id, new.content))
        audit.record(s, actor.account_id, "market.listing_reedited", SUBJECT, new.id,
                     {"listing_id": listing.id, "from_version": v.id}, request_id=request_id)
        return new.id


def _set_sale(actor: Actor, listing_id: int, state: str, request_id: str | None) -> None:
    with session_scope() as s:
        if audit.replayed(s, request_id) is not None:
            return
        org = provider_org(s, actor, MINE)
        listing = s.get(Listing, listing_id, with_for_update=True)
        if listing is None or listing.org_id != org.id:
            raise NotFound("未找到该商品。")
        if state == "delisted" and listing.sale_state != "on_sale":
            raise Conflict("该商品当前未上架，不能下架。")
        if state == "on_sale":
            live = s.get(ListingVersion, listing.live_version_id) if listing.live_version_id else None
            if live is None or live.status != "approved":
                raise Conflict("该商品还没有终审通过的版本，不能上架；请提交申请并等待审批。")
            if listing.sale_state == "on_sale":
                raise Conflict("该商品已在售。")
        before = listing.sale_state
        listing.sale_state = state
        listing.updated_at = utcnow()
        listing.row_version += 1
        audit.record(s, actor.account_id, "market.listing_" + ("delisted" if state == "delisted" else "relisted"),
                     "listing", listing.id, {"from": before, "to": state}, request_id=request_id)


def delist(actor: Actor, listing_id: int, request_id: str | None = None) -> None:
    """下架: the listing leaves the catalogue (orders already placed are not touched)."""
    _set_sale(actor, listing_id, "delisted", request_id)


def relist(actor: Actor, listing_id: int, request_id: str | None = None) -> None:
    """上架 again a delisted listing (only with an approved live version)."""
    _set_sale(actor, listing_id, "on_sale", request_id)


def my_listings(actor: Actor, status: str) -> list[ListingRow]:
    """我的商品, one tab (``TABS``): the actor's organisation's listings only (scoped in SQL)."""
    if status not in TABS:
        raise ValidationFailed({"状态": [f"状态：须为 {'、'.join(TABS.values())} 之一。"]})
    with session_scope(read=True) as s:
        org = provider_org(s, actor, LIST, MINE)
        latest = (select(ListingVersion.listing_id, func.max(ListingVersion.version_no).label("no"))
                  .join(Listing, Listing.id == ListingVersion.listing_id).where(Listing.org_id == org.id)
                  .group_by(ListingVersion.listing_id).subquery())
        base = select(ListingVersion, Listing).join(Listing, Listing.id == ListingVersion.listing_id) \
            .where(Listing.org_id == org.id)
        if status in ("on_sale", "delisted"):
            stmt = base.where(ListingVersion.id == Listing.live_version_id, Listing.sale_state == status)
        else:
            states = REVIEW_STATES if status == "pending" else (status,)
            stmt = base.join(latest, (latest.c.listing_id == ListingVersion.listing_id)
                             & (latest.c.no == ListingVersion.version_no)).where(ListingVersion.status.in_(states))
        rows = s.execute(stmt.order_by(ListingVersion.updated_at.desc(), ListingVersion.id.desc())).all()
        reasons = _reasons(s, [v.id for v, _l in rows]) if status == "returned" else {}
        return [ListingRow(l.id, v.id, v.version_no, v.name or "（未命名）", v.status, status_label(v.status),
                           l.sale_state, v.updated_at, reasons.get(v.id, "")) for v, l in rows]


def _reasons(s: Session, version_ids: list[int]) -> dict[int, str]:
    from db.workflow import WorkflowInstance, WorkflowTransition
    if not version_ids:
        return {}
    rows = s.execute(select(WorkflowInstance.subject_id, WorkflowTransition.reason)
                     .join(WorkflowTransition, WorkflowTransition.instance_id == WorkflowInstance.id)
                     .where(WorkflowInstance.subject_type == SUBJECT, WorkflowInstance.subject_id.in_(version_ids),
                            WorkflowTransition.to_state == "returned").order_by(WorkflowTransition.id))
    return {sid: reason or "" for sid, reason in rows}


# --- files ----------------------------------------------------------------------------------
def upload_file(actor: Actor, data: bytes, filename: str, purpose: str, request_id: str | None = None) -> int:
    """Keep an uploaded display image / banner image / case document / screenshot of the actor's
    organisation (checked by size and content against specs/market/listing.yaml); return its id."""
    if purpose not in listing_form.PURPOSE_LABEL:
        raise ValidationFailed({"文件": ["文件：用途无效。"]})
    real = listing_form.check_upload(data, purpose)
    import hashlib
    import pathlib
    with session_scope() as s:
        done = audit.replayed(s, request_id)
        if done is not None:
            return int(done.target_id or 0)
        org = provider_org(s, actor, LIST)
        row = MarketFile(org_id=org.id, account_id=actor.account_id, purpose=purpose,
                         filename=pathlib.PurePath(filename or "file").name[:128], mime=listing_form.mime_of(real),
                         size=len(data), sha256=hashlib.sha256(data).hexdigest(), data=data)
        s.add(row)
        s.flush()
        audit.record(s, actor.account_id, "market.file_uploaded", "market_file", row.id,
                     {"purpose": purpose, "size": len(data), "type": real}, request_id=request_id)
        return row.id


@dataclass(frozen=True)
class FileInfo:
    id: int
    filename: str
    mime: str
    size: int
    data: bytes


def files_of(actor: Actor, version_id: int) -> dict[int, FileInfo]:
    """The files a version's content names, for whoever may see the version."""
    view = get_version(actor, version_id)
    with session_scope(read=True) as s:
        return _files(s, view)


def _files(s: Session, view: VersionView) -> dict[int, FileInfo]:
    c = view.content
    ids = [x for x in [c.get("image_id"), c.get("banner_image_id"), *(c.get("case_docs") or []),
                       *(c.get("screenshot_ids") or [])] if isinstance(x, int)]
    if not ids:
        return {}
    return {f.id: FileInfo(f.id, f.filename, f.mime, f.size, f.data) for f in s.scalars(
        select(MarketFile).where(MarketFile.id.in_(ids), MarketFile.org_id == view.org_id))}
