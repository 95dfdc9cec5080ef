"""Which object-store client `download` uses, by measurement: obstore, fsspec + s3fs, boto3.

    python bench/clients.py [--mb 64]

Each client, in a fresh interpreter, downloads one object of `--mb` MB from a local S3
server (moto's server mode on 127.0.0.1) to a file, streamed. Reported: the installed size
of the client and everything it pulls in (from the installed distributions' RECORD files),
the import time, the throughput, and the process's peak memory (VmHWM). Needs the test
extra (moto, s3fs via dvc-s3, boto3 via moto).
"""

from __future__ import annotations

import argparse
import importlib.metadata as md
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness.storage import AWS, BUCKET, S3Server

CLIENTS = {"obstore": "obstore", "fsspec + s3fs": "s3fs", "boto3": "boto3"}
IMPORTS = {"obstore": "import obstore.store", "s3fs": "import s3fs", "boto3": "import boto3"}
FETCH = {
    "obstore": """
import obstore
from obstore.store import S3Store
store = S3Store(BUCKET, config={"endpoint": ENDPOINT}, client_options={"allow_http": True})
with open(OUT, "wb") as f:
    for chunk in obstore.get(store, KEY).stream(min_chunk_size=1 << 20):
        f.write(chunk)
""",
    "s3fs": """
import s3fs
fs = s3fs.S3FileSystem(endpoint_url=ENDPOINT)
with fs.open(f"{BUCKET}/{KEY}", "rb", block_size=1 << 22) as src, open(OUT, "wb") as f:
    while chunk := src.read(1 << 20):
        f.write(chunk)
""",
    "boto3": """
import boto3
s3 = boto3.client("s3", endpoint_url=ENDPOINT)
body = s3.get_object(Bucket=BUCKET, Key=KEY)["Body"]
with open(OUT, "wb") as f:
    for chunk in body.iter_chunks(1 << 20):
        f.write(chunk)
""",
}
RUN = """
import sys, time
BUCKET, KEY, ENDPOINT, OUT = sys.argv[1:5]
t0 = time.perf_counter()
{code}
# VmHWM is this process's own peak (ru_maxrss would carry the parent's over the fork).
hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM"))
print(time.perf_counter() - t0, hwm.split()[1])
"""


def closure(name: str) -> set[str]:
    """The distribution and its required (non-extra) dependencies, recursively."""
    seen: set[str] = set()
    todo = [name]
    while todo:
        dist = md.distribution(todo.pop())
        key = dist.metadata["Name"].lower()
        if key in seen:
            continue
        seen.add(key)
        for req in dist.requires or []:
            if "extra ==" in req:
                continue
            dep = re.split(r"[ ;<>=!~\[(]", req, maxsplit=1)[0]
            try:
                md.distribution(dep)
            except md.PackageNotFoundError:
                continue
            todo.append(dep)
    return seen


def installed_mb(names: set[str]) -> float:
    total = 0
    for name in names:
        for file in md.distribution(name).files or []:
            path = Path(str(file.locate()))
            if path.is_file():
                total += path.stat().st_size
    return total / 1e6


def import_ms(code: str, reps: int = 5) -> float:
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        times.append(time.perf_counter() - t0)
    bare = []
    for _ in range(reps):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        bare.append(time.perf_counter() - t0)
    return (statistics.median(times) - statistics.median(bare)) * 1000


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=64)
    args = parser.parse_args()
    os.environ.update(AWS)
    server = S3Server.start()
    key = "big.bin"
    try:
        with tempfile.TemporaryDirectory() as tmp:
            src = Path(tmp) / "src"
            with open(src, "wb") as f:
                for _ in range(args.mb):
                    f.write(os.urandom(1 << 20))
            server.client().upload_file(str(src), BUCKET, key)
            rows = []
            for label, dist in CLIENTS.items():
                size = installed_mb(closure(dist))
                imp = import_ms(IMPORTS[dist])
                out = Path(tmp) / f"out-{dist}"
                code = RUN.format(code=FETCH[dist])
                done = subprocess.run(
                    [sys.executable, "-c", code, BUCKET, key, server.endpoint, str(out)],
                    capture_output=True, text=True, check=True,
                )  # fmt: skip
                seconds, rss = done.stdout.split()
                assert out.read_bytes() == src.read_bytes()
                rate = args.mb / float(seconds)
                rows.append((label, size, imp, rate, int(rss) / 1024))
    finally:
        server.stop()
    print(f"| client | installed (MB, with dependencies) | import (ms) | {args.mb} MB from "
          "local S3 (MB/s) | peak memory (MB) |")  # fmt: skip
    print("|---|---:|---:|---:|---:|")
    for label, size, imp, rate, rss in rows:
        print(f"| {label} | {size:.1f} | {imp:.0f} | {rate:.0f} | {rss:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
