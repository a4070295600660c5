"""definition_for_version keeps published versions by identity (database, id, definition, number, publication
time): a second call reads neither the content nor hashes it; a draft is always read afresh; a version id
reused after the tables were emptied (tests) is a different identity."""
from __future__ import annotations

from services.forms import definitions
from services.forms.definitions import definition_for_version
from tests.conftest import use_database
from tests.factories import make_admin

DOC = {"code": "cache_probe", "kind": "survey", "title": "缓存探针", "period": "none",
       "sections": [{"name": "s1", "title": "第一部分", "questions": [{"name": "q1", "type": "text", "label": "问题一"}]}]}


def _publish(title: str) -> int:
    admin = make_admin(None)
    vid = definitions.save_draft(admin, {**DOC, "title": title})
    definitions.publish(admin, vid)
    return vid


def test_published_versions_are_kept_by_identity(db: str) -> None:
    vid = _publish("第一版")
    first = definition_for_version(vid)
    assert first.title == "第一版" and definition_for_version(vid) is first
    draft = definitions.save_draft(make_admin(None), {**DOC, "title": "草稿"})
    assert definition_for_version(draft).title == "草稿"
    definitions.save_draft(make_admin(None), {**DOC, "title": "草稿二"})
    assert definition_for_version(draft).title == "草稿二"                 # drafts are never cached
    use_database(db)                                                        # tables emptied: ids may be reused
    again = _publish("另一版")
    assert definition_for_version(again).title == "另一版"
