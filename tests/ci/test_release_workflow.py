"""release.yml keeps its pins (issue 19, finding 8): every release commit tagged, the image
pulled anonymously before any tag moves, no pending release or release check cancelled by
a concurrency group, and the documented pin passes zizmor."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
ZIZMOR = str(Path(sys.executable).with_name("zizmor"))


def workflow(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.load((WORKFLOWS / name).read_text(), Loader=yaml.BaseLoader)
    return loaded


def steps() -> list[dict[str, Any]]:
    job: dict[str, Any] = workflow("release.yml")["jobs"]["release"]
    return list(job["steps"])


def index(predicate: Any) -> int:
    found = [i for i, step in enumerate(steps()) if predicate(step)]
    assert len(found) == 1, found
    return found[0]


def pushes(step: dict[str, Any]) -> bool:
    return "push" in step.get("run", "") and "refs/tags/" in step.get("run", "")


def test_the_release_tag_is_pushed_for_every_release() -> None:
    at = index(pushes)
    step = steps()[at]
    assert "if" not in step  # not only when the major tag moves
    first = step["run"].split("git_auth push", 2)[1]
    # Onto the release commit, from where this run found it (a re-run: tests/ci/
    # test_release_rerun.py).
    assert '"${RELEASE_SHA}:refs/tags/${TAG}"' in first.splitlines()[0]
    assert '--force-with-lease="refs/tags/${TAG}:${SEEN_TAG}"' in first.splitlines()[0]
    assert step["env"]["TAG"] == "${{ github.ref_name }}"
    # The major tag moves under a lease, after the tags are read again.
    assert '--force-with-lease="refs/tags/${MAJOR}:${seen}"' in step["run"]


def test_the_image_is_pulled_anonymously_before_any_tag_moves() -> None:
    at = index(lambda s: "docker logout" in s.get("run", ""))
    run = steps()[at]["run"]
    assert run.index("docker logout ghcr.io") < run.index('docker pull "${IMAGE}@${DIGEST}"')
    assert "exit 1" in run
    assert at < index(pushes) and at < index(lambda s: s.get("id") == "commit")
    # Nothing logs in again after it.
    assert not any("docker/login-action" in s.get("uses", "") for s in steps()[at:])


def test_no_concurrency_group_can_cancel_a_pending_release() -> None:
    # A group holds one running and one pending run; a third cancels the pending one, even
    # with cancel-in-progress: false. So a release (push) gets a group of its own.
    release = workflow("release.yml")["concurrency"]
    assert "${{ github.ref }}" in release["group"] and release["cancel-in-progress"] == "false"
    for name, job in workflow("live.yml")["jobs"].items():
        group = job.get("concurrency", {}).get("group", "")
        if group:
            assert re.search(r"github\.event_name == 'push' && .*github\.run_id", group), name


@pytest.mark.parametrize("document", ["README.md", "docs/pinning.md"])
def test_the_documented_pin_passes_zizmor_and_a_tag_pin_does_not(
    tmp_path: Path, document: str
) -> None:
    # The document's first `uses:` of this action is the pin it recommends.
    docs = (ROOT / document).read_text()
    first = re.search(r"uses: (OWNER/registry-action@.*)", docs)
    assert first is not None
    pin = re.fullmatch(r"(OWNER/registry-action@[0-9a-f]{40} # v\d+\.\d+\.\d+)", first[1])
    assert pin is not None, first[0]
    results = {}
    for label, uses in (
        ("sha", pin[1].replace("OWNER", "acme")),
        ("tag", "acme/registry-action@v1"),
    ):
        folder = tmp_path / label / ".github" / "workflows"
        folder.mkdir(parents=True)
        (folder / "deploy.yml").write_text(
            "name: deploy\non: push\npermissions: {}\njobs:\n  deploy:\n"
            "    runs-on: ubuntu-24.04\n    permissions:\n      contents: read\n"
            f"    steps:\n      - uses: {uses}\n        with:\n          command: parse\n"
        )
        done = subprocess.run(
            [ZIZMOR, "--offline", str(folder)], capture_output=True, text=True, check=False
        )
        results[label] = (done.returncode, done.stdout + done.stderr)
    assert results["sha"][0] == 0, results["sha"][1]
    assert results["tag"][0] != 0 and "unpinned-uses" in results["tag"][1]


def test_actionlint_and_zizmor_pass_on_the_workflows() -> None:
    actionlint = shutil.which("actionlint", path=str(Path(sys.executable).parent))
    assert actionlint is not None
    files = sorted(str(p) for p in WORKFLOWS.glob("*.yml"))
    done = subprocess.run([actionlint, *files], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout
    done = subprocess.run(
        [ZIZMOR, "--offline", str(WORKFLOWS)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
