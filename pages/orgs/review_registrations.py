"""注册审核 — 辖区内企业的注册申请：通过，或填写原因退回（服务商由平台运营人员认证审核）."""
from components.nav import guard
from components.registration_review import render_review
from services.core.permissions import P_ORG_REVIEW

actor = guard(P_ORG_REVIEW)
render_review(actor, "注册审核")
