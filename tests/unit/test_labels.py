"""One catalogue of status labels: services.core.labels for plain statuses, the workflow definitions for
reviewed things' states; no module keeps its own copy."""
from __future__ import annotations

import ast
from pathlib import Path

from services.core.labels import STATUS, status_label

ROOT = Path(__file__).resolve().parents[2]


def test_labels_come_from_the_catalogue_or_the_workflow_definition() -> None:
    assert status_label("diagnosis", "abandoned") == "已放弃"
    assert status_label("definition", "stopped") == "已停用"
    assert status_label("registration", "pending") == "待审核"  # specs/workflows/registration.yaml
    assert status_label("monitor_report", "reviewing") == "审核中"  # specs/workflows/monitor_report.yaml
    assert status_label("response", None, "未填报") == "未填报"
    from services.cmmm import admin, diagnosis
    from services.forms import definitions, responses
    from services.identity import accounts
    from services.monitor import enterprises
    assert diagnosis.STATUS_LABEL is STATUS["diagnosis"] and admin.PROGRESS_LABEL is STATUS["diagnosis_progress"]
    assert accounts.STATUS_LABEL is STATUS["account"] and enterprises.ACCOUNT_LABEL is STATUS["monitor_account"]
    assert responses.STATUS_LABEL is STATUS["response"] and definitions.STATUS_LABEL is STATUS["definition"]


def test_no_module_keeps_its_own_status_labels() -> None:
    found = []
    for path in [*(ROOT / "services").rglob("*.py"), *(ROOT / "pages").rglob("*.py"), *(ROOT / "components").glob("*.py")]:
        if path.name == "labels.py":
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict):
                names = [t.id for t in node.targets if isinstance(t, ast.Name)]
                if any(n.endswith(("STATUS_LABEL", "PROGRESS_LABEL", "ACCOUNT_LABEL")) for n in names):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == []
