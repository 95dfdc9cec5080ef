"""Benchmarks: `python bench/run.py` (requests, wall time, `gto register`) and
`python bench/image.py` (image size and cold start; needs the local Docker engine)."""
