"""live.yml's write job can overlap another run of itself: each run registers a model of its
own and deletes only that model's tags, at the end, whatever happened. Its clean-up is run
here against a fake `gh` that lists refs by prefix as `git/matching-refs` does."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from tests.ci.test_release_workflow import workflow

REPOSITORY = "acme/registry-action"

# A stand-in for `gh api`: `--paginate .../git/matching-refs/tags/PREFIX` prints every ref
# that starts with refs/tags/PREFIX (GitHub matches by prefix); `-X DELETE
# .../git/refs/tags/NAME` removes one (`%23` is `#`). Refs are kept one a line in $REFS.
FAKE_GH = """\
import os, sys
from urllib.parse import unquote
refs_file = os.environ["REFS"]
refs = open(refs_file).read().split()
args = sys.argv[1:]
path = next(a for a in args if a.startswith("repos/"))
if "DELETE" in args:
    ref = "refs/" + unquote(path.split("/git/refs/", 1)[1])
    if ref not in refs:
        sys.exit(1)
    refs.remove(ref)
    open(refs_file, "w").write("".join(r + "\\n" for r in refs))
else:
    prefix = "refs/" + path.split("/git/matching-refs/", 1)[1]
    print("".join(r + "\\n" for r in refs if r.startswith(prefix)), end="")
"""


def write_job() -> dict[str, Any]:
    job: dict[str, Any] = workflow("live.yml")["jobs"]["write"]
    return job


def model_of(run_id: int, attempt: int) -> str:
    """The write job's model name as the runner renders it for one run attempt."""
    template = write_job()["env"]["LIVE_MODEL"]
    return template.replace("${{ github.run_id }}", str(run_id)).replace(
        "${{ github.run_attempt }}", str(attempt)
    )


def deletes(step: dict[str, Any]) -> bool:
    return "DELETE" in step.get("run", "")


def test_the_model_name_is_the_run_s_own() -> None:
    assert len({model_of(100, 1), model_of(100, 2), model_of(200, 1)}) == 3
    steps = write_job()["steps"]
    for step in steps:
        # A fixed name anywhere (a check's pattern, a listing) would be shared by all runs.
        assert "live-check" not in step.get("run", ""), step.get("name")
        if step.get("uses") == "./":
            assert step["with"].get("model") == "${{ env.LIVE_MODEL }}", step.get("name")
    assert "concurrency" not in write_job()  # nothing to serialize, so nothing cancelled


def test_only_the_last_steps_delete_tags_and_always() -> None:
    steps = write_job()["steps"]
    last_action = max(i for i, step in enumerate(steps) if step.get("uses") == "./")
    deleting = [i for i, step in enumerate(steps) if deletes(step)]
    assert deleting, "the write job must delete its tags"
    for i in deleting:
        assert i > last_action and steps[i].get("if", "").startswith("always()"), steps[i]


def test_the_clean_up_deletes_this_run_s_tags_and_no_other_run_s(tmp_path: Path) -> None:
    mine, retry, other = model_of(100, 1), model_of(100, 10), model_of(200, 1)
    own = [f"{mine}@v0.100.1", f"{mine}#live#1", f"{mine}#live!#2", f"{mine}/my_model@v0.0.1"]
    others = [
        f"{retry}@v0.100.10",  # a name this run's is a prefix of
        f"{other}@v0.200.1",
        f"{other}#live#1",
        "live-check@v0.1.1",
        "churn@v1.0.0",
    ]
    refs = tmp_path / "refs"
    refs.write_text("".join(f"refs/tags/{name}\n" for name in own + others))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "gh"
    fake.write_text(f"#!{sys.executable}\n{FAKE_GH}")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "REFS": str(refs),
        "LIVE_MODEL": mine,
        "GITHUB_REPOSITORY": REPOSITORY,
        "GH_TOKEN": "unused",
    }
    for step in (s for s in write_job()["steps"] if deletes(s)):
        done = subprocess.run(
            ["bash", "-eo", "pipefail", "-c", step["run"]],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
    left = [unquote(line).removeprefix("refs/tags/") for line in refs.read_text().split()]
    assert left == others
