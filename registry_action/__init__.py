"""Register ML model versions in the Git-tag model registry that GTO and Studio read."""

__version__ = "0.1.0"  # the one source of the version: pyproject.toml reads it
