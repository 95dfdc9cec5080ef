"""Repository backends: the GitHub API (the action) and a local git clone (the command line).

Both implement `registry_action.backend.Backend`.
"""

from __future__ import annotations

from datetime import UTC, datetime


def utc_iso(when: str | float) -> str:
    """A tagger date (ISO 8601 text, or seconds since the epoch) as `YYYY-MM-DDTHH:MM:SSZ`,
    so dates from either backend and the shell's clock compare as text."""
    if when == "":
        return ""
    if isinstance(when, str):
        moment = datetime.fromisoformat(when)
    else:
        moment = datetime.fromtimestamp(when, UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
