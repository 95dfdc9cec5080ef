"""Register ML model versions in the Git-tag model registry that GTO and Studio read."""

__version__ = "0.1.0"
