"""The layers import one way (flows → tasks → soteflow → schemas), and stages meet only through bases."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tasks.registry import STAGES
from tests.support import REPO_ROOT

LAYERS = {"flows": 3, "tasks": 2, "soteflow": 1, "schemas": 0}
STAGE_PACKAGES = {d.package_name for d in STAGES}


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def _modules(package: str) -> list[Path]:
    return sorted((REPO_ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(LAYERS))
def test_no_module_imports_a_layer_above_its_own(package: str) -> None:
    wrong = [
        f"{path.relative_to(REPO_ROOT)}:{line} imports {name}"
        for path in _modules(package)
        for line, name in _imports(path)
        if name.split(".")[0] in LAYERS and LAYERS[name.split(".")[0]] > LAYERS[package]
    ]
    assert wrong == []


def test_a_stage_reads_another_stage_only_through_its_basis_module() -> None:
    wrong = []
    for stage in sorted(STAGE_PACKAGES):
        for path in _modules(f"tasks/{stage}"):
            for line, name in _imports(path):
                parts = name.split(".")
                other_stage = parts[0] == "tasks" and len(parts) > 1 and parts[1] in STAGE_PACKAGES
                if other_stage and parts[1] != stage and parts[2:] != ["basis"]:
                    wrong.append(f"{path.relative_to(REPO_ROOT)}:{line} imports {name}")
    assert wrong == []


def test_flows_define_no_models_or_tasks_and_stay_thin() -> None:
    for path in sorted((REPO_ROOT / "flows").glob("s[0-9]_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        classes = [n.name for n in tree.body if isinstance(n, ast.ClassDef)]
        functions = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
        assert classes == [], path.name
        assert len(functions) == 1, path.name  # the flow itself
        assert len(path.read_text(encoding="utf-8").splitlines()) <= 80, path.name


def test_no_test_imports_a_conftest() -> None:
    """A conftest imported by a test module is loaded twice (as conftest and as tests.conftest):
    the second import resets the session's environment mid-collection and leaves a folder behind."""
    wrong = [
        f"{path.relative_to(REPO_ROOT)}:{line}"
        for path in sorted((REPO_ROOT / "tests").rglob("*.py"))
        for line, name in _imports(path)
        if name.split(".")[-1] == "conftest"
    ]
    assert wrong == []
