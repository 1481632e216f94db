"""The two programs share only `common/`: boundaries checked on every import
statement of every module, including imports inside functions."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# package -> top-level packages it must never import
FORBIDDEN = {
    "central": {"kiosk", "drivers", "kivy"},
    "drivers": {"kiosk", "central", "kivy"},
    "common": {"kiosk", "central", "drivers", "kivy", "fastapi", "starlette", "sqlalchemy"},
    "kiosk": {"central", "fastapi", "sqlalchemy"},
}


def imported_modules(path: Path, root: Path = REPO) -> list[tuple[int, str]]:
    """(line, module) for every import in the file, relative imports resolved to their package."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: inside the file's own package
                found.append((node.lineno, path.relative_to(root).parts[0]))
            elif node.module:
                found.append((node.lineno, node.module))
    return found


def violations(package: str, root: Path = REPO) -> list[str]:
    bad = []
    for path in sorted((root / package).rglob("*.py")):
        for line, module in imported_modules(path, root):
            if module.split(".")[0] in FORBIDDEN[package]:
                bad.append(f"{path.relative_to(root)}:{line} imports {module}")
    return bad


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_keeps_to_its_side(package):
    assert violations(package) == []


def test_only_kiosk_ui_imports_kivy():
    outside = [
        f"{path.relative_to(REPO)}:{line}"
        for path in sorted((REPO / "kiosk").rglob("*.py"))
        if "ui" not in path.relative_to(REPO / "kiosk").parts[:1]
        for line, module in imported_modules(path)
        if module.split(".")[0] == "kivy"
    ]
    assert outside == []


def test_the_check_sees_a_forbidden_import(tmp_path):
    """The checker itself: a planted import inside a function is reported."""
    (tmp_path / "common").mkdir()
    planted = tmp_path / "common" / "planted.py"
    planted.write_text("import json\n\n\ndef f():\n    from kiosk.i18n import N_\n    return N_\n", encoding="utf-8")
    assert violations("common", tmp_path) == ["common/planted.py:5 imports kiosk.i18n"]
