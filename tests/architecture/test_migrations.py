"""Migration hygiene: ordered ids, one head, and the models match the migrated schema."""

from __future__ import annotations

import re

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from spbe.core.db import Base
from spbe.core.migrate import alembic_config
from spbe.models import load_all_models


def _scripts(url: str) -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config(url))


def test_revision_ids_are_ordered_four_digit_numbers(engine: Engine) -> None:
    scripts = _scripts(engine.url.render_as_string(hide_password=False))
    revisions = list(reversed(list(scripts.walk_revisions())))
    ids = [revision.revision for revision in revisions]
    assert all(re.fullmatch(r"\d{4}", rev) for rev in ids), ids
    assert ids == [f"{n:04d}" for n in range(1, len(ids) + 1)]


def test_there_is_exactly_one_head(engine: Engine) -> None:
    assert len(_scripts(engine.url.render_as_string(hide_password=False)).get_heads()) == 1


def test_models_match_the_migrated_schema(engine: Engine) -> None:
    load_all_models()
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    summary = [f"{diff[0]} {getattr(diff[1], 'name', diff[1:])}" for diff in differences if isinstance(diff, tuple)]
    assert differences == [], f"models and migrations differ — add a migration: {summary[:10]}"
