"""One catalogue of the status labels people see. A reviewed thing's states are labelled in its workflow
definition (``specs/workflows/*.yaml``); every other status is labelled here, once, and services and
pages read both through ``status_label`` (or the ``STATUS`` table)."""
from __future__ import annotations

STATUS: dict[str, dict[str, str]] = {
    "diagnosis": {"in_progress": "诊断中", "completed": "已完成", "abandoned": "已放弃"},
    "diagnosis_progress": {"none": "未诊断", "in_progress": "诊断中", "completed": "已完成"},
    "account": {"active": "启用", "disabled": "停用"},
    "monitor_account": {"active": "正常", "disabled": "失效", "none": "无账户"},  # 运行监测's own words
    "response": {"draft": "填写中", "submitted": "已提交", "returned": "已退回", "approved": "已通过", "frozen": "冻结"},
    "definition": {"draft": "草稿", "published": "已发布", "stopped": "已停用"},
    "market_order": {"unpaid": "待支付", "paying": "支付中", "paid": "待交付", "completed": "已完成",
                     "cancelled": "已取消"},
    "market_pay": {"unpaid": "未支付", "paying": "支付中", "paid": "已支付", "none": "---"},   # 支付状态
    "listing_sale": {"on_sale": "已上架", "delisted": "已下架"},
    "purchase_mode": {"year": "按年", "month": "按月", "quantity": "按数量"},
}


def status_label(kind: str, code: str | None, default: str = "") -> str:
    """Return the Chinese label of status ``code`` of ``kind`` (a key of ``STATUS`` or a workflow code)."""
    if code is None:
        return default
    table = STATUS.get(kind)
    if table is None:
        from services.workflow import definitions
        table = dict(definitions.get(kind).states)
    return table.get(code, default or code)
