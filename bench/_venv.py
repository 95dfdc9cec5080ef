"""Run a bench script with the project's venv when started with a python that lacks it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

VENV_PYTHON = Path(__file__).resolve().parents[1] / ".venv" / "bin" / "python"


def reexec_in_venv() -> None:
    """`python bench/run.py` with a python missing the dependencies: exec .venv/bin/python."""
    try:
        import github  # noqa: F401
        import yaml  # noqa: F401
    except ImportError:
        venv = VENV_PYTHON.parents[1].resolve()
        if VENV_PYTHON.exists() and Path(sys.prefix).resolve() != venv:
            os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), *sys.argv])
        raise
