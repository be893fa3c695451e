"""The one-way layers of docs/architecture.md hold: import-linter's contracts (pyproject.toml) are kept,
and the same check refuses a design whose arrows point the other way (so it is not a check that cannot fail).
That every production module lies in one of the layers is tests/test_layers.py."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"

# The pipeline placed above notifications, whole packages as the real contract names them: every
# stage-change email and sent-message record of today's code then points the wrong way, and the check must
# say so.
INVERTED = """
[importlinter]
root_packages =
    recruiting
    notifications

[importlinter:contract:inverted]
name = Notifications below the pipeline
type = layers
layers =
    recruiting
    notifications
"""


def _lint(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", *args], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )


def test_every_layer_contract_is_kept():
    result = _lint()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_an_upward_import_breaks_the_contract(tmp_path):
    config = tmp_path / "inverted.ini"
    config.write_text(INVERTED)
    result = _lint("--config", str(config))
    assert result.returncode != 0
    assert "BROKEN" in result.stdout
    assert "notifications is not allowed to import recruiting" in result.stdout
