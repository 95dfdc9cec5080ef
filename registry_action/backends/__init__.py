"""Repository backends: the GitHub API (the action) and a local git clone (the command line).

Both implement `registry_action.registry.Backend`.
"""

from __future__ import annotations

from datetime import UTC, datetime


def utc_iso(text: str) -> str:
    """A tagger date as `YYYY-MM-DDTHH:MM:SSZ`, so dates from either backend compare as text."""
    if not text:
        return ""
    return datetime.fromisoformat(text).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
