"""The dependency direction (DESIGN.md): ``metrics/`` never imports ``geodata/``; neither library imports
streamlit or the pages; ``geodata/`` may import ``metrics/``; pages and the two CLIs may import both.

Every import statement of every module is read with ``ast``, including imports inside functions and
``if TYPE_CHECKING`` blocks, so a back edge hidden in a function body fails too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: package -> top-level names it must never import
FORBIDDEN = {"metrics": {"geodata", "streamlit", "pages"}, "geodata": {"streamlit", "pages"}}
#: the CLIs may import both libraries (DESIGN.md: "pages and the two CLIs may import both")
CLI_ALLOWED = {"metrics/__main__.py": {"geodata"}}


def imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, module) of every import in ``tree``, wherever it is (module level, function, class, if)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def back_edges(package: str) -> list[str]:
    edges = []
    for path in sorted((ROOT / package).rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        forbidden = FORBIDDEN[package] - CLI_ALLOWED.get(relative, set())
        for line, module in imported_modules(ast.parse(path.read_text(encoding="utf-8"), filename=relative)):
            if module.split(".")[0] in forbidden:
                edges.append(f"{relative}:{line} imports {module}")
    return edges


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_back_edges(package: str) -> None:
    assert back_edges(package) == [], f"{package}/ must not import {sorted(FORBIDDEN[package])}"


def test_the_walk_sees_imports_inside_functions() -> None:
    tree = ast.parse("import os\n\ndef f():\n    from geodata.maps import date_map\n    import streamlit as st\n")
    assert imported_modules(tree) == [(1, "os"), (4, "geodata.maps"), (5, "streamlit")]


def test_each_package_has_modules() -> None:
    """The walk reads real files (an empty glob would pass anything)."""
    for package in FORBIDDEN:
        assert len(list((ROOT / package).rglob("*.py"))) > 5, package
