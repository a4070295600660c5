"""Shipped definitions: the files under ``specs/`` are data in the repository, published into the database
at start-up when their content changed — never over an administrator's newer work (``sync_specs``;
``definitions.sync_specs`` is the documented entry)."""
from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import func, select

from db.base import utcnow
from db.engine import session_scope
from db.forms import FormDefinition, FormVersion
from services.core import audit
from services.forms.definitions import NOT_FORMS, SPECS
from services.forms.loader import load_definition, read_document

log = logging.getLogger("huiqi")


def sync_specs(folder: Path = SPECS) -> list[str]:
    """Publish every definition file under ``specs/`` whose content differs from its last shipped version.

    Shipped definitions are data in the repository; this keeps the database in step at start-up.
    A shipped file never overrides newer work: the file is compared with the last version that came
    from a file (``published_by`` NULL), and nothing is published when an administrator has published
    a later version of the same code, or stopped the shipped one (their decision stands; logged).
    Returns the codes (re)published.
    """
    import json
    changed: list[str] = []
    files = sorted(p for p in folder.rglob("*.y*ml")
                   if p.relative_to(folder).parts[0] not in NOT_FORMS) if folder.exists() else []
    for path in files:
        doc = read_document(path.read_text(encoding="utf-8"), str(path))
        definition = load_definition(doc, str(path))
        with session_scope() as session:
            d = session.scalar(select(FormDefinition).where(FormDefinition.code == definition.code))
            if d is not None and d.owner_region is not None:  # shipped files are national: never a region's
                log.warning("specs/%s: code %s belongs to region %s; not synced", path.name, d.code, d.owner_region)
                continue
            if d is not None:
                versions = list(session.scalars(select(FormVersion).where(FormVersion.definition_id == d.id,
                                                                          FormVersion.status != "draft")
                                                .order_by(FormVersion.version.desc())))
                shipped = next((v for v in versions if v.published_by is None), None)
                if versions and versions[0].published_by is not None:
                    log.warning("specs/%s: %s has a newer version %s published by an administrator; not synced",
                                path.name, d.code, versions[0].version)
                    continue
                if shipped is not None and json.dumps({**shipped.content, "version": None}, sort_keys=True) == \
                        json.dumps({**doc, "version": None}, sort_keys=True):
                    continue  # unchanged (and if an administrator stopped it, it stays stopped)
            if d is None:
                d = FormDefinition(code=definition.code, kind=definition.kind, title=definition.title)
                session.add(d)
                session.flush()
            for old in session.scalars(select(FormVersion).where(FormVersion.definition_id == d.id,
                                                                 FormVersion.status.in_(["published", "draft"]))):
                old.status = "stopped" if old.status == "published" else old.status
            latest = session.scalar(select(func.max(FormVersion.version)).where(FormVersion.definition_id == d.id)) or 0
            session.add(FormVersion(definition_id=d.id, version=latest + 1, status="published",
                                    content={**doc, "version": latest + 1}, published_at=utcnow()))
            d.title = definition.title
            audit.record(session, None, "definition.published", "form_definition", d.id,
                         {"code": d.code, "version": latest + 1, "source": str(path.name)})
            changed.append(definition.code)
    return changed
