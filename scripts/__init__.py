"""Dev-only scripts: `make docs` runs `reference.py`."""
