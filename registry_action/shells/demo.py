"""`registry-action demo`: a new repository that declares a model, two registrations made
by the command line itself (`main`), and what a workflow step would receive."""

from __future__ import annotations

import shlex
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from registry_action.core.errors import InvalidInput

DEMO_DVC_YAML = """\
artifacts:
  churn:
    path: models/churn.pkl
    type: model
    desc: Customer churn classifier
    labels: [tabular, churn]
"""


def make_demo(folder: Path | None, main: Callable[[list[str]], int]) -> int:
    """Make a repository with a declared model, register two versions, show the outputs."""
    if folder is not None and folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise InvalidInput(
            f"{folder} exists and is not empty: demo makes a repository of its own there.",
            "Give a new or empty folder with --dir, or leave --dir out for a temp folder.",
        )
    root = folder or Path(tempfile.mkdtemp(prefix="registry-action-demo-"))
    root.mkdir(parents=True, exist_ok=True)

    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("config", "user.name", "Demo User")
    git("config", "user.email", "demo@example.com")
    (root / "dvc.yaml").write_text(DEMO_DVC_YAML)
    git("add", "dvc.yaml")
    git("commit", "-q", "-m", "Declare the churn model")
    print(f"# a new repository: {root}")
    steps = (
        ["register", "churn", "--repo", str(root)],
        ["register", "churn", "--repo", str(root), "--outputs"],
    )
    for step, argv in enumerate(steps):
        if step:
            (root / "train.log").write_text("retrained\n")
            git("add", "train.log")
            git("commit", "-q", "-m", "Retrain")
        print(f"\n$ registry-action {' '.join(shlex.quote(a) for a in argv)}")
        sys.stdout.flush()
        if code := main(argv):
            return code
    tags = subprocess.run(
        ["git", "-C", str(root), "tag", "-n1", "--list"], capture_output=True, text=True
    )
    print(f"\n$ git tag -n1\n{tags.stdout}", end="")
    return 0
