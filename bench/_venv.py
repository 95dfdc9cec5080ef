"""Run a bench module with the project's venv when started with a python that lacks it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

VENV_PYTHON = Path(__file__).resolve().parents[1] / ".venv" / "bin" / "python"


def reexec_in_venv(module: str) -> None:
    """`python -m bench.run` with a python missing the dependencies: exec .venv/bin/python
    on the same module and arguments."""
    try:
        import github  # noqa: F401
        import yaml  # noqa: F401
    except ImportError:
        venv = VENV_PYTHON.parents[1].resolve()
        if VENV_PYTHON.exists() and Path(sys.prefix).resolve() != venv:
            os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), "-m", module, *sys.argv[1:]])
        raise
