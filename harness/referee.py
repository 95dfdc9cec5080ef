"""gto, the referee: its command line from this environment, asked for JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

GTO = str(Path(sys.executable).with_name("gto"))


def gto_json(repo: Path, *args: str) -> Any:
    """Run `gto ARGS --json` in `repo` and parse its answer."""
    done = subprocess.run([GTO, *args, "--json"], cwd=repo, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)
