"""The layers depend one way: extract/ -> study/ -> scenes/. Read from the source, so a
new import across a boundary fails here rather than in a reader's head."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from extract.paths import PROJECT_ROOT

# where a layer may name a later one: the entry point that puts the command line together
ENTRY_POINTS = {Path("extract/__main__.py")}


def imported(path: Path) -> set[str]:
    """Top-level packages a module imports, at any depth of the module (lazy imports count)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize(
    ("layer", "later"), [("extract", {"study", "scenes"}), ("study", {"scenes"})]
)
def test_a_layer_never_imports_a_later_one(layer: str, later: set[str]) -> None:
    crossing = {
        str(path.relative_to(PROJECT_ROOT)): sorted(imported(path) & later)
        for path in sorted((PROJECT_ROOT / layer).rglob("*.py"))
        if path.relative_to(PROJECT_ROOT) not in ENTRY_POINTS
    }
    assert {name: found for name, found in crossing.items() if found} == {}


def test_the_entry_point_names_study_only_for_its_commands() -> None:
    assert imported(PROJECT_ROOT / "extract" / "__main__.py") & {"study", "scenes"} == {"study"}
