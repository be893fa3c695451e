"""Every production module lies in a layer: the packages that the layers contract of pyproject.toml names
cover all the repository's Python code but the tests, the benchmarks and the two top-level scripts, so a
new package cannot escape the import contracts by being named in none of them (import-linter checks only
the packages it is told about).

Production modules are the Python files git tracks or would track (untracked but not ignored), migrations
included: they lie inside their app's package like the rest of it.
"""

import re
import subprocess
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Not production code: the test suite and the benchmarks.
NOT_PRODUCTION = ("tests/", "bench/")
# The two scripts that start the processes: they name the settings and the project, and nothing imports them.
TOP_LEVEL_SCRIPTS = {"manage.py", "gunicorn.conf.py"}


def _importlinter() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]


def layer_packages() -> set[str]:
    """The packages the layers contract names, siblings ("a | b") and optional ones ("(a)") included."""
    (contract,) = [c for c in _importlinter()["contracts"] if c["id"] == "layers"]
    return {name.strip().strip("()").strip() for layer in contract["layers"] for name in re.split(r"[|:]", layer)}


def production_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "--", "*.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    return sorted(p for p in listed if not p.startswith(NOT_PRODUCTION) and (ROOT / p).is_file())


def module_name(path: str) -> str:
    parts = path.removesuffix(".py").split("/")
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def in_a_layer(module: str, packages: set[str]) -> bool:
    return any(module == package or module.startswith(f"{package}.") for package in packages)


def test_every_production_module_lies_in_a_layer():
    packages = layer_packages()
    files = production_files()
    assert TOP_LEVEL_SCRIPTS <= set(files), "a script named here is gone: take it off TOP_LEVEL_SCRIPTS"
    outside = [p for p in files if p not in TOP_LEVEL_SCRIPTS and not in_a_layer(module_name(p), packages)]
    assert outside == [], f"in no layer of pyproject.toml's layers contract: {outside}"


def test_the_layers_name_every_root_package():
    """What import-linter reads (root_packages) is what the layers place: none is read and left unplaced."""
    assert set(_importlinter()["root_packages"]) == {package.split(".")[0] for package in layer_packages()}


def test_a_module_outside_every_layer_is_found():
    packages = {"inloop", "recruiting"}
    assert in_a_layer(module_name("recruiting/services/applications.py"), packages)
    assert in_a_layer(module_name("inloop/__init__.py"), packages)
    assert not in_a_layer(module_name("reports/__init__.py"), packages)
    assert not in_a_layer(module_name("recruitingtools/x.py"), packages)
