"""Small modules and short functions (house style): no production file longer than 450 lines and no
function or method longer than 60, so that each reads in one sitting. Tests, benchmarks and migrations are not
production code. A failure names each offender with its size, so that it can be split by what it does."""

import ast
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_FILE_LINES = 450
MAX_FUNCTION_LINES = 60
# Not production code, or not ours.
SKIPPED_FOLDERS = {"tests", "bench", "migrations", "node_modules", "static", "templates"}


def _production_files() -> list[Path]:
    found = []
    for folder, subfolders, files in os.walk(ROOT):
        subfolders[:] = [name for name in subfolders if name not in SKIPPED_FOLDERS and not name.startswith(".")]
        found += [Path(folder) / name for name in files if name.endswith(".py")]
    return sorted(found)


def test_production_files_are_found():
    found = {path.relative_to(ROOT).as_posix() for path in _production_files()}
    assert {"manage.py", "recruiting/models/__init__.py", "inloop/settings/base.py"} <= found
    assert not any(name.startswith(("tests/", "bench/", ".venv/")) or "/migrations/" in name for name in found)


def test_no_production_file_is_longer_than_450_lines():
    offenders = []
    for path in _production_files():
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_FILE_LINES:
            offenders.append(f"{path.relative_to(ROOT)}: {lines} lines")
    assert not offenders, "Split by what they do:\n" + "\n".join(offenders)


def test_no_function_is_longer_than_60_lines():
    offenders = []
    for path in _production_files():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}: {lines} lines")
    assert not offenders, "Split into well-named helpers:\n" + "\n".join(offenders)
