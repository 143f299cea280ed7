"""ORM models of the registry."""

from __future__ import annotations
