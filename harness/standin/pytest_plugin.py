"""Pytest fixtures for the GitHub stand-in.

Enable with ``pytest_plugins = ["harness.standin.pytest_plugin"]`` in the root ``conftest.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .gitrepo import commit, init_repo
from .server import StandIn

ROOT_DVC_YAML = """\
artifacts:
  churn:
    path: models/churn.pkl
    type: model
    desc: Churn model
    labels:
    - tabular
    - churn
"""

CV_DVC_YAML = """\
artifacts:
  pool-segmentation:
    path: models/seg.pt
    type: model
"""


@pytest.fixture
def git_repo(tmp_path: Path) -> Path:
    """A fresh repository (branch ``main``) whose one commit declares two model artifacts:
    ``churn`` in ``dvc.yaml`` and ``pool-segmentation`` in ``cv/dvc.yaml``.

    Add commits with :func:`harness.standin.gitrepo.commit` and tags with
    :func:`harness.standin.gitrepo.tag`."""
    repo = init_repo(tmp_path / "repo")
    commit(
        repo,
        {"dvc.yaml": ROOT_DVC_YAML, "cv/dvc.yaml": CV_DVC_YAML, "README.md": "# models\n"},
        "Declare model artifacts",
    )
    return repo


@pytest.fixture
def standin(git_repo: Path) -> Iterator[StandIn]:
    """A started stand-in serving ``acme/models`` from ``git_repo``.

    Teardown fails the test if the stand-in itself crashed on a request (answered 500)."""
    with StandIn(git_repo) as server:
        yield server
    if server.server_errors:
        pytest.fail("GitHub stand-in crashed:\n" + "\n".join(server.server_errors))
