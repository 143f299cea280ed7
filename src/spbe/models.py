"""Imports every module's ORM models so ``Base.metadata`` is complete (Alembic, tests)."""

from __future__ import annotations


def load_all_models() -> None:
    import spbe.core.models
    import spbe.evaluation.models
    import spbe.identity.models
    import spbe.interop.models
    import spbe.interop.msglog.anchors
    import spbe.interop.trust_models
    import spbe.registry.models  # noqa: F401
