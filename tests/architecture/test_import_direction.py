"""Modules import only downward (DESIGN.md); import-linter checks the same in `make lint`."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).parents[2] / "src" / "spbe"
# Higher number = higher layer. Same number = siblings that must not import each other.
LAYER = {"core": 0, "registry": 1, "identity": 2, "interop": 3, "evaluation": 4, "portal": 4}


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return {name for name in names if name.startswith("spbe.")}


def _violations(module: str) -> list[str]:
    found = []
    for path in sorted((SRC / module).rglob("*.py")):
        for imported in _imported_modules(path):
            target = imported.split(".")[1]
            if target in LAYER and target != module and LAYER[target] >= LAYER[module]:
                found.append(f"{path.relative_to(SRC)} imports {imported}")
            if target in ("app", "cli", "seeding", "models"):
                found.append(f"{path.relative_to(SRC)} imports the composition root {imported}")
    return found


@pytest.mark.parametrize("module", sorted(LAYER))
def test_module_imports_only_lower_layers(module: str) -> None:
    assert _violations(module) == []


def test_the_checker_catches_an_upward_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from spbe.portal.service import apply\nimport spbe.identity\n")
    assert _imported_modules(bad) == {"spbe.portal.service", "spbe.identity"}
