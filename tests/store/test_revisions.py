"""The schema version is read from the migration files without Alembic; it must agree."""

from __future__ import annotations

from alembic.script import ScriptDirectory

from cvcdesk.store.database import alembic_config, head_revision, known_revisions


def test_head_and_known_revisions_agree_with_alembic() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    assert head_revision() == script.get_current_head()
    assert known_revisions() == {rev.revision for rev in script.walk_revisions()}
