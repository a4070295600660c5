"""服务商认证审核 — 平台运营人员审核服务商的注册（认证）申请：认证通过，或填写原因退回."""
from components.nav import guard
from components.registration_review import render_review
from services.core.permissions import P_MARKET_OPERATE

actor = guard(P_MARKET_OPERATE)
render_review(actor, "服务商认证审核")
