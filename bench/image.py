"""Image numbers: size over the base, cold start, container start to first API request.

    bash tests/container/docker_env.sh start && eval "$(bash tests/container/docker_env.sh env)"
    python -m bench.image            # about a minute once the layers are cached

Builds, with the legacy builder like harness/runner.py, three variants of the image:

* `before`: the Dockerfile as committed at `--before` (default HEAD; `git show REV:Dockerfile`);
* `full lock`: the working tree's Dockerfile with `SKIP_PACKAGES=""` (every locked package);
* `after`: the working tree's Dockerfile as is (cryptography and pycparser left out);

each on two bases: the local stand-in for the `FROM` image (a debootstrapped Debian whose
Python ships compiled standard-library bytecode), and the same with the standard library's
.pyc files deleted, which is how the official python:*-slim images ship. Then, per image:
added size (image minus base), `python -c pass` in a fresh container, and the action run by
harness/runner.py like the Actions runner (`docker run` with the INPUT_*/GITHUB_* env
and mounts) against the GitHub stand-in with 50 ms latency: a dry run (median of the runs:
`docker run` to the first request, and to exit) and a registration (checked: created).
Prints a Markdown table and writes bench/image-results.md.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if __name__ == "__main__":  # before the imports that need the venv
    from bench._venv import reexec_in_venv

    reexec_in_venv("bench.image")

from bench.run import MODEL, OWNER, TOKEN, TimedStandIn, build_repo, delete_tag
from harness import runner

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "image-results.md"
LATENCY = 0.05
NOPYC_BASE = "registry-action-bench/base-without-stdlib-pyc"


@dataclass(frozen=True)
class Variant:
    name: str
    dockerfile: str  # text
    build_args: tuple[tuple[str, str], ...] = ()


@dataclass
class Measured:
    variant: str
    base: str
    image: str
    added: int
    size: int
    build: float
    python_start: float
    first_request: float
    dry_run: float
    register: float


def docker(*args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [runner.docker_bin(), *args], capture_output=True, text=True, check=True, **kwargs
    )


def build(tag: str, dockerfile: str, build_args: tuple[tuple[str, str], ...] = ()) -> float:
    """`docker build` of `dockerfile` with the repository as context (legacy builder)."""
    with tempfile.TemporaryDirectory(prefix="bench-dockerfile-") as tmp:
        path = Path(tmp) / "Dockerfile"
        path.write_text(dockerfile, encoding="utf-8")
        argv = [runner.docker_bin(), "build", "-q", "-f", str(path), "-t", tag]
        for key, value in build_args:
            argv += ["--build-arg", f"{key}={value}"]
        t0 = time.perf_counter()
        done = subprocess.run(
            [*argv, str(ROOT)],
            capture_output=True,
            text=True,
            env={**os.environ, "DOCKER_BUILDKIT": "0"},
        )
        if done.returncode != 0:
            raise RuntimeError(f"docker build {tag} failed:\n{done.stdout}{done.stderr}")
        return time.perf_counter() - t0


def rebase(dockerfile: str, base: str) -> str:
    """The Dockerfile with its first FROM image replaced."""
    return re.sub(
        r"(?im)^(FROM\s+)(--\S+\s+)*\S+", lambda m: m.group(1) + base, dockerfile, count=1
    )


def nopyc_base(base: str) -> str:
    """`base` with the standard library's .pyc files deleted, as python:*-slim ships it."""
    build(
        NOPYC_BASE,
        f"FROM {base}\n"
        'RUN find "$(python -c \'import sysconfig; print(sysconfig.get_paths()["stdlib"])\')" '
        "-name '*.pyc' -delete\n",
    )
    return NOPYC_BASE


def median_seconds(argv: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def context(standin: TimedStandIn, sha: str) -> dict[str, Any]:
    return {
        "github": {
            "sha": sha,
            "repository": f"{OWNER}/models",
            "token": TOKEN,
            "api_url": standin.api_url,
            "graphql_url": standin.graphql_url,
            "server_url": standin.server_url,
            "actor": "octocat",
            "actor_id": "1",
        }
    }


class FirstRequest(TimedStandIn):
    """Also notes when the first request of a run arrives."""

    first: float | None = None

    def _serve(self, handler: Any) -> None:
        if self.first is None:
            self.first = time.perf_counter()
        super()._serve(handler)


def measure(
    image: str, base: str, variant: str, built: float, repo_root: Path, runs: int
) -> Measured:
    repo = build_repo(repo_root / re.sub(r"\W", "-", image), 100, 10)
    py = median_seconds(
        [runner.docker_bin(), "run", "--rm", "--network", "host", "--entrypoint", "python",
         image, "-c", "pass"],
        runs,
    )  # fmt: skip
    firsts: list[float] = []
    totals: list[float] = []
    standin = FirstRequest(repo.path, owner=OWNER, name="models", latency=LATENCY)
    with standin:
        ctx = context(standin, repo.head)
        runner.run_action(image, {"model": MODEL, "dry-run": "true"}, ctx)  # warm-up
        for _ in range(runs):
            standin.first = None
            t0 = time.perf_counter()
            result = runner.run_action(image, {"model": MODEL, "dry-run": "true"}, ctx)
            totals.append(time.perf_counter() - t0)
            if result.exit_code != 0 or standin.first is None:
                raise RuntimeError(f"{image}: dry run failed\n{result.describe()}")
            firsts.append(standin.first - t0)
        registers: list[float] = []
        for _ in range(runs):
            t0 = time.perf_counter()
            result = runner.run_action(image, {"model": MODEL}, ctx)
            registers.append(time.perf_counter() - t0)
            if result.exit_code != 0 or result.outputs.get("created") != "true":
                raise RuntimeError(f"{image}: registration failed\n{result.describe()}")
            delete_tag(repo.path, result.outputs["tag"])
    return Measured(
        variant=variant,
        base=base,
        image=image,
        added=runner.added_size(image, base),
        size=runner.image_size(image),
        build=built,
        python_start=py,
        first_request=statistics.median(firsts),
        dry_run=statistics.median(totals),
        register=statistics.median(registers),
    )


def render(rows: list[Measured], base: str, runs: int, before: str) -> str:
    lines = [
        "| Image | Base | Added over the base | `python -c pass` | start → first request "
        "| dry run, start → exit | register, start → exit |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r.variant} | {'stdlib without .pyc' if r.base == NOPYC_BASE else 'stand-in'} "
            f"| {runner.fmt_mb(r.added)} | {r.python_start:.2f} s | {r.first_request:.2f} s "
            f"| {r.dry_run:.2f} s | {r.register:.2f} s |"
        )
    lines += [
        "",
        f"- Base: `{base}` as tests/container/docker_env.sh provides it (Debian 12's Python "
        f'{python_version(base)}, standard library compiled); "stdlib without .pyc" is that '
        "base with the standard library's .pyc files deleted, as the official python:*-slim "
        "images ship.",
        f"- before: the Dockerfile at {before}; full lock: the new Dockerfile with "
        '`SKIP_PACKAGES=""`; after: the new Dockerfile.',
        f"- Times: `docker run` (harness/runner.py, `--network host`), medians of {runs} "
        f"runs after a warm-up; the GitHub stand-in adds {LATENCY * 1000:.0f} ms per request. "
        '"start → first request": from `docker run` to the stand-in receiving the GraphQL read.',
    ]
    return "\n".join(lines) + "\n"


def python_version(image: str) -> str:
    done = docker("run", "--rm", "--entrypoint", "python", image, "-c",
                  "import platform; print(platform.python_version())")  # fmt: skip
    return done.stdout.strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Image size and cold start, before and after.")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--before", default="HEAD", help="git revision of the `before` Dockerfile")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--no-out", action="store_true")
    args = parser.parse_args(argv)
    try:
        docker("info")
    except (FileNotFoundError, subprocess.CalledProcessError):
        print(
            "no Docker engine: run `bash tests/container/docker_env.sh start` and "
            '`eval "$(bash tests/container/docker_env.sh env)"` first',
            file=sys.stderr,
        )
        return 2
    current = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    base = runner.base_image_of(ROOT / "Dockerfile")
    before = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{args.before}:Dockerfile"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    variants = [
        Variant("before", before),
        Variant("full lock", current, (("SKIP_PACKAGES", ""),)),
        Variant("after", current),
    ]
    bases = [base, nopyc_base(base)]
    rows = []
    repo_root = Path(tempfile.mkdtemp(prefix="registry-bench-image-"))
    try:
        for b in bases:
            for v in variants:
                tag = f"registry-action-bench:{re.sub(r'[^a-z0-9]+', '-', v.name)}"
                tag += "-nopyc" if b == NOPYC_BASE else ""
                built = build(tag, rebase(v.dockerfile, b), v.build_args)
                rows.append(measure(tag, b, v.name, built, repo_root, args.runs))
                print(f"# {tag}: {runner.fmt_mb(rows[-1].added)} added", file=sys.stderr)
    finally:
        shutil.rmtree(repo_root, ignore_errors=True)
    short = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", args.before],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    text = render(rows, base, args.runs, f"{args.before} ({short})")
    print(text)
    if not args.no_out:
        args.out.write_text(
            "# Image results\n\nWritten by `python -m bench.image`.\n\n" + text, encoding="utf-8"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
