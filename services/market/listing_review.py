"""The listing approval's reviewers: 运营初审 / 专家评审 / 工信厅终审 queues, approve, reject, and going live.

The chain itself is specs/workflows/listing_approval.yaml; the provider's side is services/market/listings.py."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from db.base import utcnow
from db.engine import session_scope
from db.market import Listing, ListingFacet, ListingSpec, ListingVersion
from db.organisation import Organisation
from services.core import audit
from services.core.errors import Conflict, NotFound, ValidationFailed
from services.core.permissions import P_MARKET_EXPERT, P_MARKET_FINAL, P_MARKET_OPERATE, Actor, require
from services.market import providers
from services.market.listings import FACETS, SUBJECT, load_version, spec_rows_of, status_label
from services.workflow import engine as workflow


QUEUES = {"operator": ("operator_review", P_MARKET_OPERATE), "expert": ("expert_review", P_MARKET_EXPERT),
          "final": ("final_review", P_MARKET_FINAL)}
_REJECT = {"operator_review": "operator_reject", "expert_review": "expert_reject", "final_review": "final_reject"}


@dataclass(frozen=True)
class QueueRow:
    version_id: int
    listing_id: int
    version_no: int
    name: str
    org_name: str
    submitted_at: Any


# --- the reviewers --------------------------------------------------------------------------
def review_queue(actor: Actor, stage: str) -> list[QueueRow]:
    """审批队列: ``operator`` (运营初审), ``expert`` (专家评审, only what waits for me), ``final`` (工信厅终审)."""
    if stage not in QUEUES:
        raise ValidationFailed({"队列": ["队列：须为 operator、expert 或 final。"]})
    state, perm = QUEUES[stage]
    require(actor, perm)
    with session_scope(read=True) as s:
        stmt = (select(ListingVersion, Organisation.name).join(Listing, Listing.id == ListingVersion.listing_id)
                .join(Organisation, Organisation.id == Listing.org_id).where(ListingVersion.status == state))
        if stage == "expert":
            stmt = stmt.where(ListingVersion.holder_id == actor.account_id)
        rows = s.execute(stmt.order_by(ListingVersion.submitted_at, ListingVersion.id)).all()
        return [QueueRow(v.id, v.listing_id, v.version_no, v.name, org or "", v.submitted_at) for v, org in rows]


def expert_choices(actor: Actor, version_id: int) -> list[tuple[int, str]]:
    """The experts an operator may choose for this version: active accounts with the expert role (not those
    whose expert profile was cancelled), none of the listing's own organisation."""
    require(actor, P_MARKET_OPERATE)
    with session_scope(read=True) as s:
        _v, listing = load_version(s, version_id)
        return _experts(s, listing.org_id)


def _experts(s: Session, exclude_org: int) -> list[tuple[int, str]]:
    return providers.reviewer_experts(s, exclude_org)      # the one rule, shared with 专家团队


def _review(actor: Actor, version_id: int, action: str, request_id: str | None, *, reason: str | None = None,
            holder: tuple[int | None, str | None] | None = None, check: Any = None) -> None:
    with session_scope() as s:
        if audit.replayed(s, request_id) is not None:
            return
        v, listing = load_version(s, version_id, lock=True)
        if check is not None:
            check(s, v, listing)
        workflow.transition(s, SUBJECT, v, action, actor, reason=reason, holder=holder, request_id=request_id)
        if action == "final_approve":
            _go_live(s, v, listing)


def operator_approve(actor: Actor, version_id: int, expert_id: int, request_id: str | None = None) -> None:
    """初审通过, choosing the expert who reviews next (an active expert, not of the listing's organisation)."""
    def check(s: Session, _v: ListingVersion, listing: Listing) -> None:
        if expert_id not in {i for i, _n in _experts(s, listing.org_id)}:
            raise ValidationFailed({"评审专家": ["评审专家：请选择一位在册的专家（不能是该服务商本单位的人员）。"]})
    _review(actor, version_id, "operator_approve", request_id, holder=(expert_id, None), check=check)


def expert_approve(actor: Actor, version_id: int, request_id: str | None = None) -> None:
    """评审通过 (only the chosen expert)."""
    _review(actor, version_id, "expert_approve", request_id)


def final_approve(actor: Actor, version_id: int, request_id: str | None = None) -> None:
    """终审通过: the version goes live in the same transaction."""
    _review(actor, version_id, "final_approve", request_id)


def reject(actor: Actor, version_id: int, reason: str, request_id: str | None = None) -> None:
    """驳回 at the version's current stage, with a reason the provider sees."""
    with session_scope(read=True) as s:
        state = s.scalar(select(ListingVersion.status).where(ListingVersion.id == version_id))
    if state is None:
        raise NotFound("未找到该商品。")
    if state not in _REJECT:
        raise Conflict(f"该申请当前状态为「{status_label(state)}」，不能驳回。")
    _review(actor, version_id, _REJECT[state], request_id, reason=reason)


def _go_live(s: Session, v: ListingVersion, listing: Listing) -> None:
    """Make ``v`` the listing's live version: copy name and prices, replace the facets, put it on sale."""
    now = utcnow()
    v.approved_at = now
    listing.live_version_id = v.id
    listing.name, listing.product_name = v.name, v.product_name
    listing.sale_state = "on_sale"
    listing.listed_at = now
    listing.updated_at = now
    listing.row_version += 1
    s.execute(delete(ListingFacet).where(ListingFacet.listing_id == listing.id))
    content = v.content or {}
    s.add_all(ListingFacet(listing_id=listing.id, facet=facet, code=str(code)[:32])
              for facet, key in FACETS for code in dict.fromkeys(content.get(key) or []))
    if not s.scalar(select(func.count()).select_from(ListingSpec).where(ListingSpec.version_id == v.id)):
        s.add_all(spec_rows_of(v.id, content))
    s.flush()
    # The catalogue filters and sorts by what a buyer pays: the live specs' unit prices (free = 0).
    # The declared 销售历史最低/最高价格 stay on the version, shown on the listing page.
    listing.price_low_fen, listing.price_high_fen = s.execute(
        select(func.min(ListingSpec.unit_price_fen), func.max(ListingSpec.unit_price_fen))
        .where(ListingSpec.version_id == v.id)).one()
