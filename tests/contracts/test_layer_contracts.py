"""The layer contracts in pyproject.toml hold for the package, and a wrong import breaks them.

Each case copies the package, adds one import that breaks a rule of the architecture, and
runs import-linter (what `make lint` runs) on the copy: it must fail naming the contract.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT

LINT = str(Path(sys.executable).with_name("lint-imports"))


def lint(tree: Path) -> subprocess.CompletedProcess[str]:
    # The copy comes first on the path, so it is the package import-linter reads.
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [LINT, "--no-cache", "--no-logo", "--config", str(tree / "pyproject.toml")],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    shutil.copytree(
        ROOT / "registry_action",
        tmp_path / "registry_action",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_package_keeps_every_contract(tree: Path) -> None:
    done = lint(tree)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("core/grammar.py", "import registry_action.shells.cli", "The core is pure"),
        ("core/outputs.py", "import subprocess", "The core is pure"),
        ("core/versions.py", "import os", "The core is pure"),
        ("decide/register.py", "import registry_action.backends.git", "Decisions are pure"),
        ("backends/git.py", "import registry_action.commands.write", "Imports run one way"),
        ("commands/read.py", "import registry_action.shells.messages", "Imports run one way"),
        ("shells/cli.py", "import registry_action.shells.action", "Each shell speaks"),
    ],
)
def test_a_wrong_import_fails_the_lint(tree: Path, module: str, line: str, contract: str) -> None:
    path = tree / "registry_action" / module
    path.write_text(path.read_text() + f"\n{line}  # noqa\n")
    done = lint(tree)
    assert done.returncode == 1, done.stdout + done.stderr
    broken = done.stdout.partition("Broken contracts")[2]
    assert contract in broken, done.stdout
