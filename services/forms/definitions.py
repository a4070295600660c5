"""Definition lifecycle: draft → published (immutable) → stopped; copy to a new draft; specs/ sync.

Every submission records the version it answered; a published version never changes, so old
responses keep rendering with their own version. A definition that does not validate cannot be
published. Who may change, see, copy and answer a definition is decided in ``ownership``.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.base import utcnow
from db.engine import session_scope
from db.forms import FormDefinition, FormVersion
from db.organisation import Organisation
from services.core import audit
from services.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from services.forms import ownership
from services.forms.loader import load_definition, read_document
from services.forms.schema import Definition, DefinitionInvalid
from services.forms.types import KINDS
from services.forms.xlsform import from_workbook
from services.io.upload_limits import check_size, decode_text
from services.core.permissions import P_FORMS_DESIGN, P_FORMS_FILL, P_FORMS_RESULTS, Actor, require
from services.io.uploads import sniff
from services.core.labels import STATUS

SPECS = Path(__file__).resolve().parents[2] / "specs"
STATUS_LABEL = STATUS["definition"]


@dataclass(frozen=True)
class VersionView:
    id: int
    definition_id: int
    code: str
    kind: str
    title: str
    version: int
    status: str
    status_label: str
    published_at: str | None
    questions: int
    monthly_report_part: bool = False   # a monthly report's questionnaire: filled only in 当期报送 step ④
    owner_region: str | None = None      # None = national
    owner_label: str = "全国"
    changeable: bool = False             # the listing actor may publish / update / stop / version it

    @property
    def kind_label(self) -> str:
        """Return the kind as users read it (调查问卷, 自诊断模型, 月报表 …), never its code."""
        return KINDS.get(self.kind, "其他")


def monitor_settings(content: dict[str, Any]) -> dict[str, Any]:
    """Return a document's ``settings.monitor`` (empty unless it is a monthly report's questionnaire)."""
    return dict((content.get("settings") or {}).get("monitor") or {})


def _view(d: FormDefinition, v: FormVersion, actor: Actor | None = None) -> VersionView:
    n = sum(len(g.get("questions") or []) for s in v.content.get("sections") or [] for g in
            (s.get("groups") or [{"questions": s.get("questions")}]))
    return VersionView(v.id, d.id, d.code, d.kind, v.content.get("title", d.title), v.version, v.status,
                       STATUS_LABEL[v.status], v.published_at.strftime("%Y-%m-%d %H:%M") if v.published_at else None, n,
                       bool(monitor_settings(v.content)), d.owner_region, ownership.owner_label(d.owner_region),
                       actor is not None and ownership.can_change(actor, d.owner_region))


def validate_document(doc: dict[str, Any], source: str = "") -> Definition:
    """Return the typed definition or raise ``ValidationFailed`` listing the definition's issues."""
    try:
        return load_definition(doc, source)
    except DefinitionInvalid as err:
        raise ValidationFailed({"定义": [i.render(source or str(doc.get("code", ""))) for i in err.issues]}) from err


_PUBLISHED: dict[tuple[Any, ...], Definition] = {}


@lru_cache(maxsize=256)
def _cached(version_id: int, content_key: str) -> Definition:
    from json import loads
    return load_definition(loads(content_key), source=f"version {version_id}")


def definition_for_version(version_id: int, session: Session | None = None) -> Definition:
    """Return the typed definition of a version (published versions are cached: they never change).

    Pass the caller's ``session`` when inside a transaction (SQLite allows one writer at a time).
    """
    import json
    if session is None:
        with session_scope(read=True) as own:
            return definition_for_version(version_id, own)
    head = session.execute(select(FormVersion.status, FormVersion.definition_id, FormVersion.version,
                                  FormVersion.published_at).where(FormVersion.id == version_id)).first()
    if head is None:
        raise NotFound("未找到该问卷版本。")
    # a published version never changes: known by its identity, its content is neither read nor hashed again
    # (a 300-clause assessment's content costs ~27 ms to load and key on every call)
    ident = (str(session.get_bind().engine.url), version_id, head.definition_id, head.version, str(head.published_at))
    if head.status != "draft" and ident in _PUBLISHED:
        return _PUBLISHED[ident]
    v = session.get(FormVersion, version_id)
    assert v is not None
    if v.status == "draft":
        return load_definition(v.content, source=f"version {version_id}")
    d = _cached(version_id, json.dumps(v.content, sort_keys=True, ensure_ascii=False))
    if len(_PUBLISHED) >= 256:
        _PUBLISHED.clear()
    _PUBLISHED[ident] = d
    return d


def save_draft(actor: Actor, doc: dict[str, Any], request_id: str | None = None) -> int:
    """Create or replace the draft of the definition ``doc['code']``; return the draft version id.

    The document must parse and validate; a definition with errors is refused with the issue list.
    A new code becomes a definition of the actor's scope; an existing one only its owner (or above)
    may version.
    """
    require(actor, P_FORMS_DESIGN)
    definition = validate_document(doc)
    with session_scope() as session:
        if (done := audit.replayed(session, request_id)) is not None:
            return int(done.target_id or 0)
        d = session.scalar(select(FormDefinition).where(FormDefinition.code == definition.code))
        if d is None:
            d = FormDefinition(code=definition.code, kind=definition.kind, title=definition.title,
                               created_by=actor.account_id, owner_region=ownership.scope_of(actor))
            session.add(d)
            session.flush()
        else:
            ownership.require_change(actor, d, "新建版本")
        if d.kind != definition.kind:
            raise ValidationFailed({"定义": [f"定义「{d.code}」的类型为 {KINDS[d.kind]}，不能改为 {KINDS[definition.kind]}。"]})
        draft = session.scalar(select(FormVersion).where(FormVersion.definition_id == d.id,
                                                         FormVersion.status == "draft"))
        if draft is None:
            latest = session.scalar(select(func.max(FormVersion.version)).where(FormVersion.definition_id == d.id)) or 0
            draft = FormVersion(definition_id=d.id, version=latest + 1, status="draft", content={})
            session.add(draft)
        draft.content = {**doc, "version": draft.version}
        d.title = definition.title
        session.flush()
        audit.record(session, actor.account_id, "definition.draft_saved", "form_version", draft.id,
                     {"code": d.code, "version": draft.version, "owner": d.owner_region}, request_id=request_id)
        return draft.id


def _parsed(text: str, source: str = "") -> dict[str, Any]:
    try:
        return read_document(text, source)
    except DefinitionInvalid as err:
        raise ValidationFailed({"定义": [i.render(source) for i in err.issues]}) from err


def save_draft_text(actor: Actor, text: str, source: str = "") -> int:
    """Parse YAML/JSON text and save it as a draft."""
    require(actor, P_FORMS_DESIGN)
    return save_draft(actor, _parsed(text, source))


def import_file(actor: Actor, data: bytes, filename: str, request_id: str | None = None) -> int:
    """An uploaded definition (.xlsx, or .yaml / .yml / .json text) saved as a draft; return the draft id.

    The file is read within the upload limits (size, zip directory, rows, cell length, YAML aliases, time:
    services/io/upload_limits.py) before any transaction opens; nothing is written when it is refused."""
    require(actor, P_FORMS_DESIGN)
    name = Path(filename or "").name
    if name.lower().endswith(".xlsx"):
        check_size(data, "定义文件")
        if sniff(data) != "xlsx":
            raise ValidationFailed({"定义文件": ["定义文件：文件内容不是 Excel（.xlsx）文件。"]})
        try:
            doc = from_workbook(data)
        except DefinitionInvalid as err:
            raise ValidationFailed({"定义": [i.render(name) for i in err.issues]}) from err
    elif name.lower().endswith((".yaml", ".yml", ".json")):
        doc = _parsed(decode_text(data, "定义文件"), name)
    else:
        raise ValidationFailed({"定义文件": ["定义文件：只能导入 .yaml、.yml、.json 或 .xlsx 文件。"]})
    return save_draft(actor, doc, request_id)


def _version(session: Session, version_id: int) -> tuple[FormDefinition, FormVersion]:
    v = session.get(FormVersion, version_id, with_for_update=True)
    if v is None:
        raise NotFound("未找到该问卷版本。")
    d = session.get(FormDefinition, v.definition_id)
    assert d is not None
    return d, v


def publish(actor: Actor, version_id: int, request_id: str | None = None) -> None:
    """Validate and publish a draft; the previously published version of the definition is stopped."""
    require(actor, P_FORMS_DESIGN)
    with session_scope() as session:
        if audit.replayed(session, request_id):
            return
        d, v = _version(session, version_id)
        ownership.require_change(actor, d, "发布")
        if v.status != "draft":
            raise Conflict(f"只有草稿可以发布，该版本状态为「{STATUS_LABEL[v.status]}」。")
        validate_document(v.content, f"{d.code} v{v.version}")
        for old in session.scalars(select(FormVersion).where(FormVersion.definition_id == d.id,
                                                             FormVersion.status == "published")):
            old.status = "stopped"
        v.status, v.published_at, v.published_by = "published", utcnow(), actor.account_id
        audit.record(session, actor.account_id, "definition.published", "form_version", v.id,
                     {"code": d.code, "version": v.version}, request_id=request_id)


def stop(actor: Actor, version_id: int, request_id: str | None = None) -> None:
    """Stop a published version: no new responses; existing ones keep their version (a replayed
    ``request_id`` does nothing)."""
    require(actor, P_FORMS_DESIGN)
    with session_scope() as session:
        if audit.replayed(session, request_id):
            return
        d, v = _version(session, version_id)
        ownership.require_change(actor, d, "停用")
        if v.status != "published":
            raise Conflict("只有已发布的版本可以停用。")
        v.status = "stopped"
        audit.record(session, actor.account_id, "definition.stopped", "form_version", v.id, {"code": d.code},
                     request_id=request_id)


def copy_to_draft(actor: Actor, version_id: int, new_code: str | None = None, request_id: str | None = None) -> int:
    """Copy a version into a new draft: of the same definition when the actor may change it, else of a
    new definition of the actor's scope (``code_<region>``); under ``new_code`` always a new one. A replayed
    ``request_id`` (a double submit) returns the draft the first submission made and copies nothing."""
    require(actor, P_FORMS_DESIGN)
    with session_scope() as session:
        if (done := audit.replayed(session, request_id)) is not None:
            return int(done.target_id or 0)
        d, v = _version(session, version_id)
        if not ownership.can_see(actor, d.owner_region):
            raise PermissionDenied(f"无权复制定义「{d.title}」：该定义属于{ownership.owner_label(d.owner_region)}，"
                                   "不在您的辖区。")
        doc = dict(v.content)
        title = str(doc.get("title", ""))
        if not new_code and not ownership.can_change(actor, d.owner_region):
            scope = ownership.scope_of(actor)
            new_code, title = ownership.copy_code(session, d.code, scope), f"{title}（{ownership.owner_label(scope)}）"
        elif new_code:
            title = f"{title}（副本）"
    doc.pop("version", None)
    if new_code:
        doc["code"], doc["title"] = new_code, title
    return save_draft(actor, doc, request_id)


def update_text(actor: Actor, version_id: int, text: str) -> None:
    """Replace a draft's content with edited YAML text (read within the upload limits, like an import)."""
    require(actor, P_FORMS_DESIGN)
    update_content(actor, version_id, _parsed(text))


def update_content(actor: Actor, version_id: int, doc: dict[str, Any], expected: dict[str, Any] | None = None) -> None:
    """Replace the content of a draft; published and stopped versions are immutable.

    With ``expected`` (the content the editor loaded) the save is refused with ``Conflict`` when the draft
    changed since (another administrator saved it): nothing is overwritten silently."""
    require(actor, P_FORMS_DESIGN)
    validate_document(doc)
    with session_scope() as session:
        d, v = _version(session, version_id)
        ownership.require_change(actor, d, "修改")
        if v.status != "draft":
            raise Conflict("已发布的版本不可修改；请复制为新草稿后修改并发布新版本。")
        if doc.get("code") != d.code:
            raise ValidationFailed({"定义": ["定义代码（code）不可修改。"]})
        if expected is not None and _same(v.content, expected) is False:
            raise Conflict("该草稿已被其他管理员修改；请刷新后在最新内容上继续编辑。")
        v.content = {**doc, "version": v.version}
        audit.record(session, actor.account_id, "definition.draft_saved", "form_version", v.id, {"code": d.code})


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    import json
    return json.dumps({**a, "version": None}, sort_keys=True) == json.dumps({**b, "version": None}, sort_keys=True)


def delete_draft(actor: Actor, version_id: int, request_id: str | None = None) -> None:
    """Delete a draft (never a published or stopped version: answers may point at it); a definition left
    without versions goes with it."""
    require(actor, P_FORMS_DESIGN)
    with session_scope() as session:
        if audit.replayed(session, request_id):
            return
        d, v = _version(session, version_id)
        ownership.require_change(actor, d, "删除")
        if v.status != "draft":
            raise Conflict("已启用的问卷不可删除；可以停用。")
        session.delete(v)
        session.flush()
        gone = not session.scalar(select(func.count()).select_from(FormVersion).where(FormVersion.definition_id == d.id))
        audit.record(session, actor.account_id, "definition.draft_deleted", "form_version", version_id,
                     {"code": d.code, "version": v.version}, request_id=request_id)
        if gone:
            session.delete(d)


def list_versions(actor: Actor) -> list[VersionView]:
    """Return every version of every definition the actor sees (newest first within a definition),
    each with its owner scope and whether the actor may change it."""
    require(actor, P_FORMS_DESIGN)
    with session_scope(read=True) as session:
        rows = session.execute(select(FormDefinition, FormVersion).join(FormVersion)
                               .where(ownership.visible_clause(actor))
                               .order_by(FormDefinition.code, FormVersion.version.desc()))
        return [_view(d, v, actor) for d, v in rows]


def fillable(actor: Actor, kind: str = "survey") -> list[VersionView]:
    """Return the published versions of ``kind`` that reach the actor's organisation (在线填报)."""
    require(actor, P_FORMS_FILL)
    with session_scope(read=True) as session:
        org = session.get(Organisation, actor.org_id) if actor.org_id else None
        if org is None:
            return []
        rows = session.execute(select(FormDefinition, FormVersion).join(FormVersion)
                               .where(FormVersion.status == "published", FormDefinition.kind == kind,
                                      ownership.reach_clause(org)).order_by(FormDefinition.code))
        from services.forms.audience import audience_matches
        return [_view(d, v) for d, v in rows if audience_matches(v.content, org)]


def answered_versions(actor: Actor) -> list[VersionView]:
    """Return every published or stopped version the actor sees (问卷结果): a new version never hides
    the answers given to an earlier one."""
    require(actor, P_FORMS_RESULTS)
    with session_scope(read=True) as session:
        rows = session.execute(select(FormDefinition, FormVersion).join(FormVersion)
                               .where(FormVersion.status.in_(["published", "stopped"]),
                                      ownership.visible_clause(actor))
                               .order_by(FormDefinition.code, FormVersion.version.desc()))
        return [_view(d, v, actor) for d, v in rows]


def published_version(code: str, session: Session | None = None) -> VersionView:
    """Return the published version of the definition ``code`` (inside ``session`` when given)."""
    if session is None:
        with session_scope(read=True) as own:
            return published_version(code, own)
    row = session.execute(select(FormDefinition, FormVersion).join(FormVersion)
                          .where(FormDefinition.code == code, FormVersion.status == "published")).first()
    if row is None:
        raise NotFound(f"定义「{code}」没有已发布的版本。")
    return _view(*row)


def version_document(version_id: int) -> dict[str, Any]:
    """Return a version's stored document (for export)."""
    with session_scope(read=True) as session:
        v = session.get(FormVersion, version_id)
        if v is None:
            raise NotFound("未找到该问卷版本。")
        return dict(v.content)


NOT_FORMS = ("lists", "workflows", "market", "profiles", "examples")  # specs/ folders holding other kinds of declaration (not published as forms;
# specs/market/listing.yaml is the listing form, read by services/market/listing_form.py; *_background.yaml the
# provider and enterprise background forms, read by services/market/background_form.py; specs/profiles/ the quality
# self-assessment's 企业信息, read by services/quality/profile.py)


def sync_specs(folder: Path = SPECS) -> list[str]:
    """Publish every shipped definition file whose content changed (services/forms/shipped.py)."""
    from services.forms.shipped import sync_specs as sync
    return sync(folder)
