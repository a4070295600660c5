"""Model layer: SQLAlchemy 2.x typed models, one module per domain concept."""
from db.base import Base
from db.engine import get_engine, get_sessionmaker, configure, session_scope
from db.reference import Region, Industry
from db.organisation import Organisation
from db.account import Account, AccountRole, RolePermission, Role, AuthSession, LoginAttempt, PasswordHistory
from db.audit import AuditLog
from db.draft import FormDraft
from db.forms import AnswerValue, FormDefinition, FormResponse, FormVersion, ResponseScore, ResponseSection
from db.cmmm import Diagnosis
from db.assessment import AssessmentAttempt, AssessmentResult
from db.stats import stat_industry, stat_region

__all__ = [
    "Base", "get_engine", "get_sessionmaker", "configure", "session_scope",
    "Region", "Industry", "Organisation", "Account", "AccountRole", "Role", "RolePermission",
    "AuthSession", "LoginAttempt", "PasswordHistory", "AuditLog", "FormDraft", "FormDefinition", "FormVersion",
    "FormResponse", "ResponseSection", "AnswerValue", "ResponseScore", "Diagnosis",
    "AssessmentAttempt", "AssessmentResult",
    "stat_region", "stat_industry",
]
from db.monitor import MonitorAssignment, MonitorReport, MonitorReviewer
from db.monitor_stats import monitor_stat
from db.notify import Notification
from db.workflow import WorkflowInstance, WorkflowTransition
from db.market import (CartItem, ExpertProfile, Listing, ListingFacet, ListingReview, ListingSpec, ListingVersion,
                       MarketFile, MarketOrder, MenuGrant, OrderItem, Payment, PublicSubmission, Voucher,
                       VoucherActivity, VoucherType, VoucherUse)
from db.docs import DocBlob, DocGroup, DocGroupMember, DocNode, DocVersion
from db.quality import QualityApplication, QualityComment, QualityCommentRead, QualityQuestion
