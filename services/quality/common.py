"""What the dialogue services share: the length rule of their texts and an attempt's model."""
from __future__ import annotations

from sqlalchemy.orm import Session

from db.assessment import AssessmentAttempt
from db.forms import FormResponse
from services.core.errors import NotFound
from services.core.lengths import max_length
from services.forms.definitions import definition_for_version
from services.forms.schema import Definition


def text_problems(label: str, text: str, least: int, column: object) -> list[str]:
    """The length rule of a dialogue text (question, answer, comment, conclusion): ``least`` characters to
    the column's length, the message naming the field."""
    most = max_length(column)
    if len(text) < least:
        return [f"{label}：必填，{least}–{most} 个字符（当前 {len(text)} 个）。"]
    if len(text) > most:
        return [f"{label}：不能超过 {most} 个字符（当前 {len(text)} 个）。"]
    return []


def attempt_definition(s: Session, attempt_id: int) -> Definition:
    """The model version an attempt answered."""
    row = s.get(AssessmentAttempt, attempt_id)
    r = s.get(FormResponse, row.response_id) if row is not None else None
    if r is None:
        raise NotFound("未找到该自评估记录。")
    return definition_for_version(r.version_id, s)
