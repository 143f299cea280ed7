"""Reading the demo generator's data files: JSON lists become the tuples the generator expects."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).parent / "data"


def as_tuples(value: Any) -> Any:
    """Lists to tuples, recursively; dicts keep their order and values."""
    if isinstance(value, list):
        return tuple(as_tuples(item) for item in value)
    if isinstance(value, dict):
        return {key: as_tuples(item) for key, item in value.items()}
    return value


def load(name: str) -> Any:
    """``data/NAME`` parsed, with every list turned into a tuple."""
    return as_tuples(json.loads((DATA_DIR / name).read_text(encoding="utf-8")))
