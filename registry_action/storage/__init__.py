"""Adapters that fetch bytes from object stores (DVC remotes)."""
