"""Benchmarks: `python -m bench.run` (requests, wall time, `gto register`) and
`python -m bench.image` (image size and cold start; needs the local Docker engine)."""
