"""Benchmark: `registry-action download` against `dvc pull` and `dvc artifacts get`.

    python bench/download.py                    # a 200 MB file and a 1,000-file directory
    python bench/download.py --mb 50 --files 200
    python bench/download.py --pip-only         # only `pip install dvc[s3]`, warm and cold

One repository that DVC makes (`dvc add` of a file and of a directory, `dvc push` to a
local S3 server: moto's server mode on 127.0.0.1, `endpointurl` in the remote config), two
registered versions (`big@v0.1.0`, `many@v0.1.0`). Each tool fetches each version into a
fresh place, as a job would: `registry-action download`; `dvc pull TARGET` in a fresh clone
at the tag (DVC already installed, no cache); `dvc artifacts get REPO NAME --version`.
Wall time and peak memory (GNU time's maximum RSS) per run, one run each. Also timed: how
long `pip install dvc[s3]` (dvc and dvc-s3 as pyproject's test extra pins them) into a fresh
virtual environment takes, with pip's cache warm (a lower bound of what a job saves by not
installing it) and with `--no-cache-dir` (every wheel downloaded, as on a fresh runner).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness.storage import AWS, BUCKET, DVC, S3Server, run

ROOT = Path(__file__).resolve().parents[1]

BIN = Path(sys.executable).parent
TOOL = str(BIN / "registry-action")


def timed(argv: list[str], cwd: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one command, through GNU time."""
    fmt = "%e %M"
    out = Path(tempfile.mktemp())
    env = {**os.environ, **AWS, "DVC_NO_ANALYTICS": "1"}
    t0 = time.perf_counter()
    done = subprocess.run(
        ["/usr/bin/time", "-f", fmt, "-o", str(out), *argv],
        cwd=cwd, env=env, capture_output=True, text=True,
    )  # fmt: skip
    wall = time.perf_counter() - t0
    if done.returncode:
        raise RuntimeError(f"{' '.join(argv)}: {done.stderr[-2000:]}")
    _, rss = out.read_text().split()[-2:]
    out.unlink()
    return wall, int(rss) / 1024


def make(base: Path, s3: S3Server, mb: int, files: int) -> Path:
    repo = base / "repo"
    repo.mkdir()
    run(repo, "git", "init", "-q", "-b", "main")
    run(repo, DVC, "init", "-q")
    with open(repo / "big.bin", "wb") as f:
        for _ in range(mb):
            f.write(os.urandom(1 << 20))
    many = repo / "many"
    many.mkdir()
    for i in range(files):
        (many / f"{i:04d}.bin").write_bytes(os.urandom(4096))
    run(repo, DVC, "add", "-q", "big.bin", "many")
    (repo / "dvc.yaml").write_text(
        "artifacts:\n  big:\n    path: big.bin\n  many:\n    path: many\n"
    )
    run(repo, DVC, "remote", "add", "-d", "s3", f"s3://{BUCKET}/bench")
    run(repo, DVC, "remote", "modify", "s3", "endpointurl", s3.endpoint)
    run(repo, DVC, "push", "-q")
    # `dvc artifacts get` of a local repository reads that repository's cache when it holds
    # the objects (2 s for 1,000 files here, 24 s once emptied): empty it, so all read S3.
    shutil.rmtree(repo / ".dvc" / "cache")
    run(repo, "git", "add", "-A")
    run(repo, "git", "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qm", "data")
    for tag in ("big@v0.1.0", "many@v0.1.0"):
        run(repo, "git", "-c", "user.name=b", "-c", "user.email=b@b", "tag", "-a", tag, "-m", tag)
    return repo


def measure(base: Path, repo: Path, name: str, path: str) -> dict[str, tuple[float, float]]:
    rows = {}
    out = base / f"ours-{name}"
    rows["registry-action download"] = timed(
        [TOOL, "download", f"{name}@v0.1.0", "--repo", str(repo), "-o", str(out)], base
    )
    clone = base / f"clone-{name}"
    run(base, "git", "clone", "-q", str(repo), str(clone))
    run(clone, "git", "checkout", "-q", f"{name}@v0.1.0")
    rows["dvc pull (fresh clone, no cache)"] = timed([DVC, "pull", "-q", path], clone)
    got = base / f"get-{name}"
    rows["dvc artifacts get"] = timed(
        [DVC, "artifacts", "get", str(repo), name, "--rev", "v0.1.0", "-o", str(got)],
        base,
    )
    return rows


def test_pins() -> list[str]:
    """dvc and dvc-s3 as pyproject's test extra pins them: what a job would install."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    test = project["optional-dependencies"]["test"]
    pins = [pin.replace("dvc==", "dvc[s3]==") for pin in test if pin.startswith("dvc==")]
    pins += [pin for pin in test if pin.startswith("dvc-s3==")]
    assert len(pins) == 2, pins
    return pins


def pip_install_seconds(base: Path, *flags: str) -> float:
    """`pip install dvc[s3]` (pinned) into a fresh virtual environment, timed."""
    venv = Path(tempfile.mkdtemp(prefix="venv-", dir=base))
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    t0 = time.perf_counter()
    subprocess.run(
        [str(venv / "bin" / "pip"), "install", "--quiet", *flags, *test_pins()],
        check=True, capture_output=True,
    )  # fmt: skip
    took = time.perf_counter() - t0
    shutil.rmtree(venv, ignore_errors=True)
    return took


def pip_table(base: Path) -> None:
    pins = " ".join(test_pins())
    print(f"\n| `pip install {pins}` in a fresh venv | wall (s) |\n|---|---:|")
    pip_install_seconds(base)  # fills pip's cache: the warm run below reads it
    print(f"| pip's cache warm | {pip_install_seconds(base):.0f} |", flush=True)
    took = pip_install_seconds(base, "--no-cache-dir")
    print(f"| `--no-cache-dir` (every wheel downloaded) | {took:.0f} |", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--no-pip", action="store_true", help="skip timing `pip install dvc[s3]`")
    parser.add_argument("--pip-only", action="store_true", help="time `pip install dvc[s3]` only")
    args = parser.parse_args()
    if args.pip_only:
        base = Path(tempfile.mkdtemp(prefix="bench-pip-"))
        try:
            pip_table(base)
        finally:
            shutil.rmtree(base, ignore_errors=True)
        return 0
    os.environ.update(AWS)
    server = S3Server.start()
    base = Path(tempfile.mkdtemp(prefix="bench-download-"))
    try:
        repo = make(base, server, args.mb, args.files)
        cases = [(f"a {args.mb} MB file", "big", "big.bin"),
                 (f"a {args.files}-file directory", "many", "many")]  # fmt: skip
        print("| artifact | tool | wall (s) | peak memory (MB) |")
        print("|---|---|---:|---:|")
        for label, name, path in cases:
            for tool, (wall, rss) in measure(base, repo, name, path).items():
                print(f"| {label} | {tool} | {wall:.1f} | {rss:.0f} |", flush=True)
        if not args.no_pip:
            pip_table(base)
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
