"""The package by stage: imports go one way (lint-imports' contracts in pyproject.toml), no module
imports itself back through others (function-level imports included), and no private name crosses
a module's edge. Each check is shown to fire on a deliberately broken copy."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT

PACKAGE = ROOT / "src" / "takedown_kg"


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def door_exports(init: Path) -> dict[str, str]:
    """A door's table (name -> module), read from its lazy_door(__name__, {...}) call."""
    for node in ast.walk(ast.parse(init.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "lazy_door":
            return ast.literal_eval(node.args[1])
    return {}


def imports(root: Path) -> dict[str, set[str]]:
    """Each module of the package at `root` -> the package's modules it imports, anywhere in its
    body; a name taken from a door counts as an import of the module that defines it."""
    paths = {module_name(p, root): p for p in root.rglob("*.py")}
    doors = {name: door_exports(path) for name, path in paths.items() if path.name == "__init__.py"}
    found: dict[str, set[str]] = {}
    for name, path in paths.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    source = ".".join(base + ([node.module] if node.module else []))
                else:
                    source = node.module or ""
                for alias in node.names:
                    if f"{source}.{alias.name}" in paths:
                        targets.add(f"{source}.{alias.name}")
                    elif source in doors and alias.name in doors[source]:
                        targets.add(f"{source}.{doors[source][alias.name]}")
                    elif source in paths:
                        targets.add(source)
            elif isinstance(node, ast.Import):
                targets |= {alias.name for alias in node.names if alias.name in paths}
        found[name] = targets - {name}
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(groups)


def private_crossings(root: Path) -> list[str]:
    """Every `from X import _name` where X is another module than the importer's own package's."""
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith(root.name)):
                crosses_a_door = node.level > 1 or not node.level
                for alias in node.names:
                    if alias.name.startswith("_") and not alias.name.startswith("__") and crosses_a_door:
                        found.append(f"{path.relative_to(root.parent)}:{node.lineno}: {alias.name}")
    return found


def test_no_module_imports_itself_back():
    assert cycles(imports(PACKAGE)) == []


def test_the_cycle_check_finds_a_cycle_through_a_door_and_a_function_level_import():
    root = FIXTURES / "layers" / "cyclic"
    assert cycles(imports(root)) == [["cyclic.inner.first", "cyclic.inner.second"], ["cyclic.one", "cyclic.two"]]


def test_no_private_name_crosses_a_door():
    assert private_crossings(PACKAGE) == []
    assert private_crossings(FIXTURES / "layers" / "cyclic") == ["cyclic/inner/second.py:1: _hidden"]


def lint_imports(root: Path, cwd: Path) -> subprocess.CompletedProcess:
    command = Path(sys.executable).with_name("lint-imports")
    if not command.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{command} is missing: bash setup.sh test installs import-linter")
        pytest.skip("import-linter is not installed (bash setup.sh test)")
    environment = {**os.environ, "PYTHONPATH": str(root), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([str(command), "--config", str(ROOT / "pyproject.toml"), "--no-cache"], cwd=cwd,
                          env=environment, capture_output=True, text=True, timeout=120)


def test_the_layers_contract_holds():
    result = lint_imports(ROOT / "src", ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 7 kept, 0 broken." in result.stdout


def test_an_upward_import_breaks_the_contract_and_is_named(tmp_path):
    copy = tmp_path / "takedown_kg"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    sources = copy / "corpus" / "sources.py"
    # A function-level import from the corpus up to the command line: the kind a quick fix adds.
    sources.write_text(sources.read_text(encoding="utf-8") + "\n\ndef shortcut():\n    from ..cli import main\n",
                       encoding="utf-8")
    result = lint_imports(tmp_path, tmp_path)
    assert result.returncode == 1
    assert "Stages import downward only BROKEN" in result.stdout
    assert "takedown_kg.corpus.sources -> takedown_kg.cli" in result.stdout


def unexplained_lazy_imports(root: Path) -> list[str]:
    """Every import inside a function without a comment saying why, on its line or just above
    (a run of imports shares the comment above its first line)."""
    found = set()
    for path in sorted(root.rglob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for function in ast.walk(ast.parse("\n".join(lines))):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(function):
                if not isinstance(node, (ast.Import, ast.ImportFrom)):
                    continue
                above = node.lineno - 2
                while above >= 0 and (lines[above].strip().startswith(("from ", "import ")) or not lines[above].strip()):
                    above -= 1
                said = "#" in lines[node.end_lineno - 1] or (above >= 0 and lines[above].strip().startswith("#"))
                if not said:
                    found.add(f"{path.relative_to(root.parent)}:{node.lineno}")
    return sorted(found)


def test_every_import_inside_a_function_says_why():
    assert unexplained_lazy_imports(PACKAGE) == []
    assert unexplained_lazy_imports(FIXTURES / "layers" / "cyclic") == ["cyclic/one.py:5"]
