"""Layers point one way, Dash stays in dashboard/, pm4py is only called through the adapter."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

# a package may import only the packages listed for it (besides itself)
ALLOWED = {
    "mining": set(),
    "improvement": {"mining"},
    # the simulator runs flows of steps (no workflow files, no logs): automation converts
    "simulation": set(),
    "automation": {"mining", "improvement", "simulation"},
    "sample_logs": {"mining", "improvement", "automation", "simulation"},
    "dashboard": {"mining", "improvement", "automation"},
    "mejora": {"mining", "improvement", "automation", "sample_logs", "dashboard"},
}
PACKAGES = set(ALLOWED)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_layers_point_one_way(package):
    for path in _modules(package):
        wrong = (_imports(path) & PACKAGES) - ALLOWED[package] - {package}
        assert not wrong, f"{path.relative_to(ROOT)} imports {sorted(wrong)} (layer violation)"


def _private_imports(path: Path) -> set[str]:
    """Modules named in imports whose path has a private part (``mining._cli``)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {n for n in names if any(part.startswith("_") for part in n.split(".")[1:])}


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_no_package_imports_another_packages_private_modules(package):
    for path in _modules(package):
        wrong = {n for n in _private_imports(path) if n.split(".")[0] in PACKAGES - {package}}
        assert not wrong, f"{path.relative_to(ROOT)} imports private {sorted(wrong)}"


def test_only_dashboard_imports_dash():
    for package in PACKAGES - {"dashboard"}:
        for path in _modules(package):
            assert "dash" not in _imports(path), f"{path.relative_to(ROOT)} imports dash"


def test_pm4py_only_through_the_adapter():
    # the adapter, and the token-replay port that needs pm4py's internals (used by the adapter)
    adapters = {ROOT / "mining" / "_pm4py_adapter.py", ROOT / "mining" / "_pm4py_replay.py"}
    for package in PACKAGES:
        for path in _modules(package):
            if path not in adapters:
                assert "pm4py" not in _imports(path), f"{path.relative_to(ROOT)} imports pm4py"


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_public_api_is_declared(package):
    module = __import__(package)
    for name in getattr(module, "__all__", []):
        assert hasattr(module, name), f"{package}.__all__ names missing {name}"
