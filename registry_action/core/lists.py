"""The one list syntax of inputs and flags (`stages`, `images`): items separated by commas
or newlines, each trimmed, empty ones dropped."""

from __future__ import annotations

import re

_SEPARATOR = re.compile(r"[,\n]")


def split_list(text: str) -> list[str]:
    """The items of a list input, in order (`"a, b\nc"` gives a, b, c)."""
    return [item for item in (part.strip() for part in _SEPARATOR.split(text)) if item]
