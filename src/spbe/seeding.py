"""The ordered list of reference and demo data steps, shared by ``spbe demo seed`` and the tests.

Each step is idempotent: running it again changes nothing that is already there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class SeedStep:
    """One idempotent loading step; ``reference`` steps are also loaded into every test database."""

    title: str
    run: Callable[[Session], str]
    reference: bool = False


SEED_STEPS: list[SeedStep] = []
