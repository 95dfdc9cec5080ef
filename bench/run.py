"""Benchmark: requests per operation, wall time, and `gto register` as the anchor.

    python -m bench.run            # 2 to 2.5 minutes on 2 cores; prints, writes bench/results.md
    python -m bench.run --quick    # CI-sized: one run each, `gto register` at 100 only
    python -m bench.run --check    # also exit 1 when a request count is not the design's

Repositories are generated (one `git fast-import` stream each, in a temp dir per run): 100 /
1,000 / 10,000 annotated tags, of which 10 / 100 / 300 are versions of the model `churn`, plus
a control of 10,000 tags with 10 versions (only the unrelated tags grow). Each is served by
the GitHub stand-in (harness/standin) adding 50 ms to every request. The action runs as
`python entrypoint.py` in a subprocess with the environment the Actions runner gives its
container (INPUT_* with action.yml's defaults, GITHUB_*), like tests/conftest.py's
`run_action(process=True)`. Reported:

* requests per operation (register, re-run, dry run, parse, refusal), from the stand-in's log;
* wall time, process start to exit, median of the repetitions, split into time spent inside
  the stand-in (latency plus its own git work) and the action's own; and the process's CPU
  time, which stays put when other work shares the machine;
* `gto register churn HEAD` as a subprocess in a local clone holding the same tags (the clone
  and push are not counted), and the ratios of wall and CPU time;
* the import time of `registry_action.shells.action` (`python -X importtime`, and a subprocess).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __name__ == "__main__":  # before the imports that need the venv
    from bench._venv import reexec_in_venv

    reexec_in_venv("bench.run")

from harness.referee import GTO
from harness.runner import parse_file_command, step_env
from harness.standin import StandIn
from harness.standin.gitrepo import GIT_ENV, run_git
from harness.standin.pytest_plugin import ROOT_DVC_YAML as DVC_YAML

ROOT = Path(__file__).resolve().parents[1]

MODEL = "churn"
OWNER, NAME = "acme", "models"
LATENCY = 0.05  # seconds the stand-in sleeps before answering each request
ENTRYPOINT = ROOT / "entrypoint.py"
RESULTS = ROOT / "bench" / "results.md"

# (tags in all, of which versions of MODEL, run `gto register` too). The last is a control:
# the first repository's 10 versions among 10,000 tags, so only the unrelated tags grow.
SCENARIOS: tuple[tuple[int, int, bool], ...] = (
    (100, 10, True),
    (1_000, 100, True),
    (10_000, 300, True),
    (10_000, 10, False),
)
GTO_SLOW = 1_000  # above this many tags one `gto register` takes tens of seconds: run it once
QUICK_GTO = 100  # --quick runs `gto register` only up to this many tags


OPERATIONS = ("register", "re-run", "dry run", "parse", "refusal")
LIFECYCLE = ("assign", "deregister", "deprecate")  # one write each, on the latest version
WRITES = ("register", *LIFECYCLE)
READS = ("show", "show model", "history")  # read only; anchored on gto show and gto history
COMMANDS = (*OPERATIONS, *LIFECYCLE, *READS)
PAGE = 100  # tags per GraphQL page (refs(first: 100))


def expected_requests(operation: str, versions: int, tags: int = 0) -> int:
    """The design's request count: one GraphQL read per page of the model's tags (100 a page;
    other tags are filtered out by the server), plus two REST writes for a registration. A
    re-run sees one version more: the one its first run registered. The whole registry
    (`show` without a model) reads every tag; one model's version reads its tags, then the
    dvc.yaml of that version's commit. So does a lifecycle command here: its tag goes on the
    latest version's commit (deprecate: the newest event's), not the workflow's `head`, and
    its outputs take the annotation there, as `parse` of the tag does. The generated repositories do
    not use DVC (no `.dvc/config`), so the artifact outputs cost no read of their own
    (`commands/artifact.py`); in one that does, a command yielding a version at the commit
    it read reads the `.dvc` files along the artifact's path once more."""
    if operation == "show":
        return max(1, -(-tags // PAGE))
    seen = versions + 1 if operation == "re-run" else versions
    pages = max(1, -(-seen // PAGE))
    if operation == "show model":
        return pages + 1
    if operation in LIFECYCLE:
        return pages + 3
    return pages + 2 if operation in WRITES else pages


# ---------------------------------------------------------------------------------------------
# Repositories
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BenchRepo:
    path: Path
    tags: int  # annotated tags in all
    versions: int  # of which versions of MODEL
    head: str  # the commit to register: on top, no version yet
    base: str  # the first commit (holds churn@v1.0.0)

    @property
    def next_version(self) -> str:
        return f"v1.0.{self.versions}"

    @property
    def latest_version(self) -> str:
        return f"v1.0.{self.versions - 1}"


def _data(text: str) -> str:
    return f"data {len(text.encode())}\n{text}\n"


def unrelated_tag_names(count: int) -> list[str]:
    """Tags that are not versions of MODEL: other models' registrations (60 %), their stage
    assignments (20 %) and plain release tags (20 %)."""
    names = []
    for j in range(count):
        kind, k = j % 5, j // 5
        if kind < 3:
            i = k * 3 + kind
            names.append(f"model-{i % 20}@v0.{i // 20 // 100}.{i // 20 % 100}")
        elif kind == 3:
            names.append(f"model-{k % 20}#prod#{k // 20 + 1}")
        else:
            names.append(f"release-{k}")
    return names


def fast_import_stream(tags: int, versions: int) -> str:
    """One `git fast-import` stream: `versions + 1` commits on main (the first declares the
    model in dvc.yaml), `churn@v1.0.I` annotated on commit I+1, the last commit untagged (HEAD),
    and `tags - versions` unrelated annotated tags spread over the commits."""
    if not 0 < versions <= tags:
        raise ValueError("need 0 < versions <= tags")
    parts: list[str] = []
    commits = versions + 1
    t0 = 1_700_000_000
    for c in range(1, commits + 1):
        parts.append(f"commit refs/heads/main\nmark :{c}\n")
        parts.append(f"committer Bench <bench@example.com> {t0 + c * 60} +0000\n")
        parts.append(_data(f"commit {c}"))
        if c == 1:
            parts.append("M 100644 inline dvc.yaml\n" + _data(DVC_YAML))
            parts.append("M 100644 inline README.md\n" + _data("# models\n"))
        else:
            parts.append(f"from :{c - 1}\n")
            parts.append("M 100644 inline models/churn.txt\n" + _data(f"{c}\n"))
    when = t0 + (commits + 1) * 60

    def annotated(name: str, mark: int, message: str) -> None:
        nonlocal when
        when += 1
        parts.append(f"tag {name}\nfrom :{mark}\n")
        parts.append(f"tagger Bench <bench@example.com> {when} +0000\n")
        parts.append(_data(message))

    for i in range(versions):
        annotated(f"{MODEL}@v1.0.{i}", i + 1, f"Registering artifact {MODEL} version v1.0.{i}")
    for j, name in enumerate(unrelated_tag_names(tags - versions)):
        annotated(name, j % versions + 1, name)
    return "".join(parts)


def build_repo(path: Path, tags: int, versions: int) -> BenchRepo:
    """A repository with `tags` annotated tags (`versions` of them MODEL's), built with one
    `git fast-import` run; refs packed as a long-lived repository's would be."""
    path.mkdir(parents=True)
    run_git(path, "init", "-q", "-b", "main")
    for key, value in (
        ("user.name", "Bench"),
        ("user.email", "bench@example.com"),
        ("commit.gpgsign", "false"),
        ("tag.gpgsign", "false"),
    ):
        run_git(path, "config", key, value)
    run_git(path, "fast-import", "--quiet", input=fast_import_stream(tags, versions))
    run_git(path, "pack-refs", "--all")
    run_git(path, "reset", "-q", "--hard", "main")
    return BenchRepo(
        path=path,
        tags=tags,
        versions=versions,
        head=run_git(path, "rev-parse", "HEAD"),
        base=run_git(path, "rev-list", "--max-parents=0", "HEAD"),
    )


def delete_tag(repo: Path, name: str) -> None:
    run_git(repo, "update-ref", "-d", f"refs/tags/{name}")


# The change-detection repository: CHANGE_MODELS models in one dvc.yaml, each a DVC-tracked
# file (`.dvc` beside it, `.dvc/config` in Git), each registered once on a commit of its own,
# beside CHANGE_UNRELATED unrelated tags; the head commit changes the first CHANGE_CHANGED.
CHANGE_MODELS, CHANGE_UNRELATED, CHANGE_CHANGED = 50, 1_000, 5
CHANGE_OPS = ("changes", "register", "register unchanged", "register changed")


@dataclass(frozen=True)
class ChangesRepo:
    path: Path
    head: str
    models: int
    unrelated: int
    changed: int

    @property
    def tags(self) -> int:
        return self.models + self.unrelated


def _dvc_file(name: str, take: int) -> str:
    md5 = hashlib.md5(f"{name} {take}".encode()).hexdigest()
    return f"outs:\n- md5: {md5}\n  size: 10\n  hash: md5\n  path: {name}.pkl\n"


def changes_stream(models: int, unrelated: int, changed: int) -> str:
    """`git fast-import`: commit 1 declares the models, commit 2+i retrains model i (and
    holds its version), the last commit retrains the first `changed` again."""
    names = [f"net-{i}" for i in range(models)]
    yaml = "artifacts:\n" + "".join(
        f"  {n}:\n    path: models/{n}.pkl\n    type: model\n" for n in names
    )
    t0 = 1_700_000_000
    parts = ["commit refs/heads/main\nmark :1\n", f"committer B <b@example.com> {t0} +0000\n"]
    parts += [_data("declare"), "M 100644 inline dvc.yaml\n" + _data(yaml)]
    parts.append("M 100644 inline .dvc/config\n" + _data("[core]\n    remote = store\n"))
    parts += [f"M 100644 inline models/{n}.pkl.dvc\n" + _data(_dvc_file(n, 0)) for n in names]
    for i, n in enumerate(names):
        parts.append(f"commit refs/heads/main\nmark :{i + 2}\n")
        parts.append(f"committer B <b@example.com> {t0 + i + 1} +0000\n" + _data(f"train {n}"))
        parts.append(f"from :{i + 1}\n")
        parts.append(f"M 100644 inline models/{n}.pkl.dvc\n" + _data(_dvc_file(n, 1)))
    last = models + 2
    parts.append(f"commit refs/heads/main\nmark :{last}\n")
    parts.append(f"committer B <b@example.com> {t0 + last} +0000\n" + _data("retrain"))
    parts.append(f"from :{last - 1}\n")
    parts += [
        f"M 100644 inline models/{n}.pkl.dvc\n" + _data(_dvc_file(n, 2)) for n in names[:changed]
    ]
    when = t0 + 10_000
    for i, n in enumerate(names):
        when += 1
        parts.append(f"tag {n}@v0.0.1\nfrom :{i + 2}\ntagger B <b@example.com> {when} +0000\n")
        parts.append(_data(f"Registering artifact {n} version v0.0.1"))
    for j, name in enumerate(unrelated_tag_names(unrelated)):
        when += 1
        parts.append(f"tag {name}\nfrom :{j % last + 1}\ntagger B <b@example.com> {when} +0000\n")
        parts.append(_data(name))
    return "".join(parts)


def build_changes_repo(path: Path, models: int, unrelated: int, changed: int) -> ChangesRepo:
    path.mkdir(parents=True)
    run_git(path, "init", "-q", "-b", "main")
    run_git(path, "fast-import", "--quiet", input=changes_stream(models, unrelated, changed))
    run_git(path, "pack-refs", "--all")
    run_git(path, "reset", "-q", "--hard", "main")
    return ChangesRepo(path, run_git(path, "rev-parse", "HEAD"), models, unrelated, changed)


def expected_changes(operation: str, tags: int) -> int:
    """`changes`: the listing, DVC's files at the commit, every tag (100 a page), the files
    at all the versions' commits: 3 requests, the registry's paging aside. A registration
    (`if-changed` or not, in a repository that uses DVC): its one read, the `.dvc` files at
    the commit and at the greatest active version's, and when changed the two writes."""
    if operation == "changes":
        return 3 + max(1, -(-tags // PAGE))
    return 2 if operation == "register unchanged" else 4


def measure_changes(
    repo: ChangesRepo, standin: TimedStandIn, reps: int, python: str = sys.executable
) -> dict[str, OpResult]:
    results = {op: OpResult(op) for op in CHANGE_OPS}
    want = [f"net-{i}" for i in range(repo.changed)]

    def ok(o: Outcome) -> bool:
        return o.code == 0 and o.writes == 0 and sorted(json.loads(o.outputs["models"])) == want

    run_entrypoint(standin, repo.head, python, command="changes")  # warm-up
    for _ in range(reps):
        done = run_entrypoint(standin, repo.head, python, command="changes")
        _check(ok(done), "changes", done)
        results["changes"].runs.append(done)
    last = f"net-{repo.models - 1}"
    for op, model, created, only in (
        ("register", "net-1", "true", "false"),
        ("register unchanged", last, "false", "true"),
        ("register changed", "net-0", "true", "true"),
    ):
        for _ in range(reps):
            done = run_entrypoint(standin, repo.head, python, model=model, **{"if-changed": only})
            _check(done.code == 0 and done.outputs.get("created") == created, op, done)
            results[op].runs.append(done)
            if created == "true":
                delete_tag(repo.path, done.outputs["tag"])
    return results


# ---------------------------------------------------------------------------------------------
# The stand-in, timed
# ---------------------------------------------------------------------------------------------


class TimedStandIn(StandIn):
    """The stand-in, adding up the time spent answering (latency included)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.busy = 0.0
        self._busy_lock = threading.Lock()

    def _serve(self, handler: Any) -> None:
        t0 = time.perf_counter()
        try:
            super()._serve(handler)
        finally:
            with self._busy_lock:
                self.busy += time.perf_counter() - t0

    def reset_log(self) -> None:
        super().reset_log()
        with self._busy_lock:
            self.busy = 0.0


# ---------------------------------------------------------------------------------------------
# Running the action like the runner does
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timed:
    code: int
    stdout: str
    stderr: str
    seconds: float  # wall, process start to exit
    cpu: float  # user + system seconds of this process and the children it waited for


def run_timed(argv: Sequence[str], **kwargs: Any) -> Timed:
    """Run `argv` to its end; its wall time, and its own CPU time (os.wait4's rusage, so the
    stand-in's git subprocesses in this process are not counted). CPU time hardly moves when
    other work shares the machine; wall time does."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, **kwargs)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Timed(
            code=proc.returncode,
            stdout=out.read().decode(errors="replace"),
            stderr=err.read().decode(errors="replace"),
            seconds=seconds,
            cpu=usage.ru_utime + usage.ru_stime,
        )


@dataclass
class Outcome:
    code: int
    output: str  # stdout + stderr
    outputs: dict[str, str]
    seconds: float  # process start to exit
    cpu: float  # its user + system time
    requests: int
    graphql: int
    writes: int
    server: float  # seconds spent inside the stand-in (latency included)


def action_env(standin: StandIn, head: str, workdir: Path, **with_: str) -> dict[str, str]:
    """The environment the runner gives the action's step (tests/conftest.py uses the same)."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("INPUT_", "GITHUB_", "RUNNER_"))
    }
    return env | step_env(standin, head, workdir / "set_output", workdir / "step_summary", with_)


def run_entrypoint(
    standin: TimedStandIn, head: str, python: str = sys.executable, **with_: str
) -> Outcome:
    """`python entrypoint.py` in a fresh work dir; requests counted from the stand-in's log."""
    with tempfile.TemporaryDirectory(prefix="bench-step-") as tmp:
        work = Path(tmp)
        (work / "set_output").write_text("")
        (work / "step_summary").write_text("")
        env = action_env(standin, head, work, **with_)
        standin.reset_log()
        done = run_timed([python, str(ENTRYPOINT)], env=env, cwd=work)
        requests = standin.requests
        return Outcome(
            code=done.code,
            output=done.stdout + done.stderr,
            outputs=parse_file_command((work / "set_output").read_bytes()),
            seconds=done.seconds,
            cpu=done.cpu,
            requests=len(requests),
            graphql=sum(r.graphql for r in requests),
            writes=len(standin.writes),
            server=standin.busy,
        )


@dataclass
class OpResult:
    operation: str
    runs: list[Outcome] = field(default_factory=list)

    @property
    def counts(self) -> set[int]:
        return {o.requests for o in self.runs}

    @property
    def requests(self) -> str:
        counts = sorted({(o.requests, o.graphql) for o in self.runs})
        return ", ".join(f"{n}" if g == n else f"{n} ({g}+{n - g})" for n, g in counts)

    @property
    def seconds(self) -> float:
        return statistics.median(o.seconds for o in self.runs)

    @property
    def cpu(self) -> float:
        return statistics.median(o.cpu for o in self.runs)

    @property
    def server(self) -> float:
        return statistics.median(o.server for o in self.runs)

    @property
    def own(self) -> float:
        return statistics.median(o.seconds - o.server for o in self.runs)


class BenchError(AssertionError):
    pass


def _check(ok: bool, what: str, outcome: Outcome) -> None:
    if not ok:
        raise BenchError(
            f"{what}: exit {outcome.code}, outputs {outcome.outputs}\n{outcome.output}"
        )


def measure_operations(
    repo: BenchRepo, standin: TimedStandIn, reps: int, python: str = sys.executable
) -> dict[str, OpResult]:
    """Each operation `reps` times against `repo`; the repository is left as found."""
    results = {op: OpResult(op) for op in COMMANDS}
    new_tag = f"{MODEL}@{repo.next_version}"

    def step(op: str, check: Callable[[Outcome], bool], **with_: str) -> Outcome:
        outcome = run_entrypoint(standin, repo.head, python, **with_)
        _check(check(outcome), op, outcome)
        results[op].runs.append(outcome)
        return outcome

    # Warm-up, not counted: the stand-in's first answer pays for cold git and page caches.
    run_entrypoint(standin, repo.head, python, model=MODEL, dry_run="true")
    for _ in range(reps):
        step(
            "dry run",
            lambda o: o.code == 0 and o.outputs["tag"] == new_tag and o.writes == 0,
            model=MODEL,
            dry_run="true",
        )
    for _ in range(reps):
        step(
            "register",
            lambda o: (
                (o.code, o.outputs.get("created"), o.outputs.get("tag")) == (0, "true", new_tag)
            ),
            model=MODEL,
        )
        delete_tag(repo.path, new_tag)
    # A re-run of the job that registered: the tag is there, nothing is written.
    run_entrypoint(standin, repo.head, python, model=MODEL)
    try:
        for _ in range(reps):
            step(
                "re-run",
                lambda o: o.code == 0 and o.outputs["created"] == "false" and o.writes == 0,
                model=MODEL,
            )
    finally:
        delete_tag(repo.path, new_tag)
    parsed = f"{MODEL}@{repo.latest_version}"
    for _ in range(reps):
        step(
            "parse",
            lambda o: (
                (o.code, o.outputs.get("tag"), o.outputs.get("is-latest")) == (0, parsed, "true")
            ),
            command="parse",
            ref=f"refs/tags/{parsed}",
        )
    # Refused: v1.0.0 is already registered (on another commit). Refused after the read.
    for _ in range(reps):
        step(
            "refusal",
            lambda o: o.code == 1 and o.writes == 0 and not o.outputs and "::error" in o.output,
            model=MODEL,
            version="v1.0.0",
        )
    # The lifecycle commands, each on the latest version; the tag each makes is removed.
    lifecycle = {
        "assign": {"stage": "prod", "version": repo.latest_version},
        "deregister": {"version": repo.latest_version},
        "deprecate": {},
    }
    for op, inputs in lifecycle.items():
        for _ in range(reps):
            done = step(
                op,
                lambda o: o.code == 0 and o.outputs.get("created") == "true" and o.writes == 2,
                command=op,
                model=MODEL,
                **inputs,
            )
            delete_tag(repo.path, done.outputs["tag"])
    # The read side: the whole registry, one model's latest version, one model's history.
    latest = f"{MODEL}@{repo.latest_version}"
    reads = {
        "show": ({"command": "show", "model": ""}, lambda o: MODEL in o.outputs["registry"]),
        "show model": ({"command": "show", "model": MODEL}, lambda o: o.outputs["tag"] == latest),
        "history": (
            {"command": "history", "model": MODEL},
            lambda o: latest in o.outputs["history"],
        ),
    }
    for op, (inputs, ok) in reads.items():
        for _ in range(reps):
            step(op, lambda o, ok=ok: o.code == 0 and o.writes == 0 and ok(o), **inputs)
    return results


# ---------------------------------------------------------------------------------------------
# The GTO anchor, and import time
# ---------------------------------------------------------------------------------------------


def gto_clone(repo: BenchRepo, path: Path) -> Path:
    """A local clone with every tag, as a CI checkout with fetch-depth: 0 would have."""
    subprocess.run(
        ["git", "clone", "-q", "--no-hardlinks", str(repo.path), str(path)],
        check=True,
        capture_output=True,
        env={**os.environ, **GIT_ENV},
    )
    run_git(path, "config", "user.name", "Bench")
    run_git(path, "config", "user.email", "bench@example.com")
    return path


def gto_register(clone: Path, repo: BenchRepo, reps: int) -> list[Timed]:
    """`gto register churn HEAD` as a subprocess, `reps` times; the tag deleted after each."""
    runs = []
    tag = f"{MODEL}@{repo.next_version}"
    env = {**os.environ, **GIT_ENV}
    for _ in range(reps):
        done = run_timed([GTO, "register", MODEL, "HEAD"], cwd=clone, env=env)
        if done.code != 0 or tag not in done.stdout + done.stderr:
            raise BenchError(f"gto register: exit {done.code}\n{done.stdout}{done.stderr}")
        run_git(clone, "tag", "-d", tag)
        runs.append(done)
    return runs


def gto_reads(clone: Path, reps: int) -> dict[str, list[Timed]]:
    """`gto show --json` and `gto history churn --json` as subprocesses, `reps` times."""
    env = {**os.environ, **GIT_ENV}
    runs: dict[str, list[Timed]] = {"show": [], "history": []}
    for _ in range(reps):
        for op, argv in (("show", ["show"]), ("history", ["history", MODEL])):
            done = run_timed([GTO, *argv, "--json"], cwd=clone, env=env)
            if done.code != 0:
                raise BenchError(f"gto {op}: exit {done.code}\n{done.stderr}")
            runs[op].append(done)
    return runs


def import_times(reps: int, python: str = sys.executable) -> dict[str, float]:
    """Median seconds: `-X importtime`'s cumulative figure for registry_action.shells.action; a
    subprocess importing it; a bare interpreter start."""
    importtime: list[float] = []
    with_import: list[float] = []
    bare: list[float] = []
    code = "import registry_action.shells.action"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for _ in range(reps):
        done = subprocess.run(
            [python, "-X", "importtime", "-c", code], env=env, capture_output=True, text=True
        )
        m = re.search(r"\|\s*(\d+) \|\s*registry_action\.shells\.action\s*$", done.stderr, re.M)
        if done.returncode != 0 or not m:
            raise BenchError(f"-X importtime failed:\n{done.stderr[-2000:]}")
        importtime.append(int(m.group(1)) / 1e6)
        for argv, sink in (([python, "-c", code], with_import), ([python, "-c", "pass"], bare)):
            t0 = time.perf_counter()
            subprocess.run(argv, env=env, check=True)
            sink.append(time.perf_counter() - t0)
    return {
        "importtime": statistics.median(importtime),
        "process": statistics.median(with_import),
        "bare": statistics.median(bare),
    }


# ---------------------------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------------------------


@dataclass
class Row:
    repo: BenchRepo
    ops: dict[str, OpResult]
    gto: list[Timed]
    gto_reads: dict[str, list[Timed]] = field(default_factory=dict)

    @property
    def register(self) -> OpResult:
        return self.ops["register"]

    @property
    def gto_median(self) -> float | None:
        return statistics.median(t.seconds for t in self.gto) if self.gto else None

    @property
    def gto_cpu(self) -> float | None:
        return statistics.median(t.cpu for t in self.gto) if self.gto else None

    def mismatches(self) -> list[str]:
        """Operations whose request count differs from `expected_requests`."""
        out = []
        for op, result in self.ops.items():
            want = expected_requests(op, self.repo.versions, self.repo.tags)
            if result.counts != {want}:
                out.append(f"{_scenario(self.repo)}: {op} sent {result.requests}, expected {want}")
        return out


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def _s(seconds: float) -> str:
    return f"{seconds:.2f} s"


def _runs(n: int) -> str:
    return "one run" if n == 1 else f"medians of {n} runs"


def _scenario(repo: BenchRepo) -> str:
    return f"{repo.tags:,} tags, {repo.versions} versions"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    return [
        "| " + " | ".join(header) + " |",
        "|---|" + "---:|" * (len(header) - 1),
        *("| " + " | ".join(row) + " |" for row in rows),
    ]


def render_changes(repo: ChangesRepo, ops: dict[str, OpResult]) -> list[str]:
    """The change-detection table: requests (against the design's), wall and CPU time."""
    lines = [
        "",
        f"Change detection: {repo.models} models declared in one dvc.yaml, each a DVC-tracked "
        f"file with one version on a commit of its own, beside {repo.unrelated:,} unrelated "
        f"tags; the head commit retrains {repo.changed} of them:",
        "",
    ]
    lines += _table(
        ["Operation", "requests", "design", "wall", "CPU"],
        [
            [op, r.requests, str(expected_changes(op, repo.tags)), _s(r.seconds), _s(r.cpu)]
            for op, r in ops.items()
        ],
    )
    pages = max(1, -(-repo.tags // PAGE))
    lines += [
        "",
        f"- `changes`: 1 listing (REST `git/trees?recursive=1`), 1 GraphQL read of every "
        f"dvc.yaml, dvc.lock and `.dvc` file at the commit, {pages} pages of the registry's "
        "tags (100 a page: they grow with the unrelated tags, nothing else does), 1 GraphQL "
        "read of the files at all 50 versions' commits (one `object(expression:)` alias each).",
        "- `register` with `if-changed`: its one read, then one read of the files at the "
        "greatest active version's commit (and the artifact's at this one); unchanged, nothing "
        "is written.",
        "- `register` without it costs the same 2 reads here: `changed` compares with the "
        "version's files, and each model's `.dvc` file is named only by dvc.yaml, which the "
        "first read brings (GraphQL cannot name a file by another's content). A first "
        "registration whose output `dvc.lock` records (the first read asks for it) is 3 "
        "requests, as without DVC (tests/shells/test_action_request_cost.py).",
    ]
    return lines


def render(
    rows: Sequence[Row],
    imports: dict[str, float],
    *,
    reps: int,
    latency: float,
    changes: tuple[ChangesRepo, dict[str, OpResult]] | None = None,
) -> str:
    """The results as Markdown: requests, registration vs gto, wall time per operation."""
    lines = ["Requests per operation:", ""]
    lines += _table(
        ["Repository", *COMMANDS],
        [[_scenario(r.repo), *(r.ops[op].requests for op in COMMANDS)] for r in rows],
    )
    lines += ["", "One registration, process start to exit, against `gto register`:", ""]
    table = []
    for r in rows:
        reg, gto, gto_cpu = r.register, r.gto_median, r.gto_cpu
        table.append(
            [
                _scenario(r.repo),
                _s(reg.seconds),
                _s(reg.server),
                _s(reg.own),
                _s(gto) if gto else "-",
                f"**{gto / reg.seconds:.1f}x**" if gto else "",
                f"{_s(reg.cpu)} / {_s(gto_cpu)} ({gto_cpu / reg.cpu:.0f}x)"
                if gto_cpu
                else _s(reg.cpu),
            ]
        )
    lines += _table(
        [
            "Repository",
            "register",
            "in the API",
            "in the action",
            "`gto register`",
            "ratio",
            "CPU: register / gto",
        ],
        table,
    )
    lines += [
        "",
        "CPU time per command (user + system of the process), against `gto register`:",
        "",
    ]
    lines += _table(
        ["Repository", *COMMANDS, "`gto register`"],
        [
            [
                _scenario(r.repo),
                *(_s(r.ops[op].cpu) for op in COMMANDS),
                _s(r.gto_cpu) if r.gto_cpu else "-",
            ]
            for r in rows
        ],
    )
    lines += ["", "Read commands against `gto show` and `gto history churn` (the same tags):", ""]
    read_rows = []
    for r in rows:
        cells = [_scenario(r.repo)]
        for ours, theirs in (("show", "show"), ("history", "history")):
            op, anchor = r.ops[ours], r.gto_reads.get(theirs, [])
            cpu = statistics.median(t.cpu for t in anchor) if anchor else None
            wall = statistics.median(t.seconds for t in anchor) if anchor else None
            cells += [
                op.requests,
                _s(op.seconds) + (f" / {_s(wall)}" if wall else ""),
                _s(op.cpu) + (f" / {_s(cpu)} ({cpu / op.cpu:.0f}x)" if cpu else ""),
            ]
        read_rows.append(cells)
    lines += _table(
        [
            "Repository",
            "show: requests",
            "show: wall / gto",
            "show: CPU / gto",
            "history: requests",
            "history: wall / gto",
            "history: CPU / gto",
        ],
        read_rows,
    )
    lines += ["", "Wall time per operation:", ""]
    lines += _table(
        ["Repository", *COMMANDS],
        [[_scenario(r.repo), *(_s(r.ops[op].seconds) for op in COMMANDS)] for r in rows],
    )
    if changes is not None:
        lines += render_changes(*changes)
    gto_runs = sorted({len(r.gto) for r in rows if r.gto}, reverse=True)
    gto_note = "; ".join(
        _runs(n) + " at " + " and ".join(_scenario(r.repo) for r in rows if len(r.gto) == n)
        for n in gto_runs
    )
    lines += [
        "",
        f"Import of `registry_action.shells.action`: {_ms(imports['importtime'])} (`python -X "
        f"importtime`, cumulative); `python -c 'import registry_action.shells.action'` takes "
        f"{_ms(imports['process'])} against {_ms(imports['bare'])} for `python -c pass`.",
        "",
        "- Requests: GitHub API requests per operation, `N (R+W)` when N is R GraphQL reads "
        "plus W REST writes. The model's tags come 100 to a GraphQL page, so 300 versions "
        "take 3 reads; a re-run sees one version more (the one it registered), so 100 become "
        "101 and take 2. Unrelated tags are never sent: the server filters on the model's "
        "prefix.",
        f"- Times: {_runs(reps)} of `python entrypoint.py` with the runner's environment, "
        "process start to exit, after one uncounted warm-up. The stand-in adds "
        f"{_ms(latency)} to every request; "
        '"in the API" is the time spent answering (that latency plus the stand-in\'s own git '
        'work, which grows with the tags), "in the action" the rest: interpreter start, '
        "imports, decisions, outputs. CPU: user + system time of the process alone, which "
        "other work on the machine hardly changes.",
        "- `gto register churn HEAD` in a local clone holding the same tags (the clone and the "
        f"push GTO would also need are not counted): {gto_note}.",
        f"- Machine: {platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, {platform.machine()}; gto {gto_version()}.",
    ]
    return "\n".join(lines) + "\n"


def gto_version() -> str:
    done = subprocess.run([GTO, "--version"], capture_output=True, text=True)
    return done.stdout.strip().split()[-1] if done.returncode == 0 else "?"


@contextlib.contextmanager
def workspace(keep: bool) -> Iterator[Path]:
    """The generated repositories live in one temp dir per run."""
    root = Path(tempfile.mkdtemp(prefix="registry-bench-"))
    try:
        yield root
    finally:
        if keep:
            print(f"# repositories kept in {root}", file=sys.stderr)
        else:
            shutil.rmtree(root, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Requests, wall time and `gto register` on generated registries."
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="CI-sized run: 1 repetition, `gto register` only at 100 tags",
    )
    parser.add_argument("--reps", type=int, help="repetitions per operation (default 5, quick 1)")
    parser.add_argument(
        "--gto-reps",
        type=int,
        help="`gto register` repetitions (default 3, quick 1; at most 1 at 10,000 tags, where "
        "one takes about 45 s; 0 skips it)",
    )
    parser.add_argument(
        "--latency", type=float, default=LATENCY, help="seconds the stand-in adds per request"
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help="Markdown file to write")
    parser.add_argument("--no-out", action="store_true", help="print only, write no file")
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit 1 when a request count differs from the design (3 per registration, "
        "1 per other operation, one more read per further 100 versions)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the generated repositories")
    args = parser.parse_args(argv)
    reps = args.reps or (1 if args.quick else 5)
    gto_default = args.gto_reps if args.gto_reps is not None else (1 if args.quick else 3)

    started = time.perf_counter()
    rows: list[Row] = []
    with workspace(args.keep) as root:
        for tags, versions, with_gto in SCENARIOS:
            t0 = time.perf_counter()
            repo = build_repo(root / f"repo-{tags}-{versions}", tags, versions)
            built = time.perf_counter() - t0
            s = TimedStandIn(repo.path, owner=OWNER, name=NAME, latency=args.latency)
            with s:
                ops = measure_operations(repo, s, reps)
            if s.server_errors:
                raise BenchError("stand-in errors:\n" + "\n".join(s.server_errors))
            gto: list[Timed] = []
            gto_n = 0 if not with_gto or (args.quick and tags > QUICK_GTO) else gto_default
            if gto_n:
                clone = gto_clone(repo, root / f"clone-{tags}-{versions}")
                gto = gto_register(clone, repo, 1 if tags > GTO_SLOW else gto_n)
                reads = gto_reads(clone, 1 if tags > GTO_SLOW else gto_n)
            rows.append(Row(repo, ops, gto, reads if gto_n else {}))
            print(
                f"# {_scenario(repo)}: built in {built:.1f} s; register "
                f"{_s(ops['register'].seconds)}"
                + (
                    f", gto register {_s(statistics.median(t.seconds for t in gto))}" if gto else ""
                ),
                file=sys.stderr,
            )
        changes_repo = build_changes_repo(
            root / "repo-changes", CHANGE_MODELS, CHANGE_UNRELATED, CHANGE_CHANGED
        )
        s = TimedStandIn(changes_repo.path, owner=OWNER, name=NAME, latency=args.latency)
        with s:
            change_ops = measure_changes(changes_repo, s, reps)
        if s.server_errors:
            raise BenchError("stand-in errors:\n" + "\n".join(s.server_errors))
    imports = import_times(1 if args.quick else max(reps, 3))
    text = render(
        rows, imports, reps=reps, latency=args.latency, changes=(changes_repo, change_ops)
    )
    print(text)
    print(f"# total {time.perf_counter() - started:.0f} s", file=sys.stderr)
    if not args.no_out:
        command = "python -m bench.run" + (" --quick" if args.quick else "")
        args.out.write_text(
            f"# Benchmark results\n\nWritten by `{command}`.\n\n{text}", encoding="utf-8"
        )
        print(f"# wrote {args.out}", file=sys.stderr)
    problems = [m for row in rows for m in row.mismatches()]
    problems += [
        f"change detection: {op} sent {r.requests}, expected {want}"
        for op, r in change_ops.items()
        if r.counts != {want := expected_changes(op, changes_repo.tags)}
    ]
    for problem in problems:
        print(f"# unexpected: {problem}", file=sys.stderr)
    return 1 if args.check and problems else 0


if __name__ == "__main__":
    sys.exit(main())
