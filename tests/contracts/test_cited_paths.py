"""Every file of this repository that a comment, a doc or an example cites still exists.

The tests moved into lanes (issue 17) and left comments pointing at `tests/test_*.py`
files that were gone; a reader who follows one finds nothing.
"""

from __future__ import annotations

import re
import subprocess

from tests.helpers import ROOT

# Our own top folders; a path is cited as one of them, then names ending in a file suffix.
CITED = re.compile(
    r"(?<![\w./-])(?:tests|harness|registry_action|bench|scripts|examples|docs)/"
    r"[\w/.-]*\w\.(?:py|md|yml|yaml)\b"
)
# Not ours to keep: history, vendored schemas, recorded gto output; and this file, whose
# example cites a path that is gone on purpose.
SKIPPED = (
    "CHANGELOG.md",
    "tests/contracts/test_cited_paths.py",
    "harness/standin/openapi/",
    "harness/standin/schema/",
    "tests/referee/fixtures/",
)
# Files of other projects, cited by their own path (the text names the project beside it).
ELSEWHERE = {"docs/spec.md"}  # git-lfs's pointer spec, in registry_action/decide/download.py


def cited() -> dict[str, list[str]]:
    """Each cited path that does not exist -> where it is cited (`file:line`)."""
    listed = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files"], check=True, capture_output=True, text=True
    ).stdout.split("\n")
    missing: dict[str, list[str]] = {}
    for name in filter(None, listed):
        path = ROOT / name
        if name.startswith(SKIPPED) or not path.is_file():
            continue
        try:
            text = path.read_text()
        except UnicodeDecodeError:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            for found in CITED.findall(line):
                if found not in ELSEWHERE and not (ROOT / found).exists():
                    missing.setdefault(found, []).append(f"{name}:{number}")
    return missing


def test_every_cited_file_exists() -> None:
    assert cited() == {}


def test_a_stale_citation_is_found() -> None:
    # The pattern finds the paths these comments used to carry, and not a word inside one.
    line = "as in tests/test_lifecycle_gto.py and (tests/shells/x.py), not footests/a.py"
    assert CITED.findall(line) == ["tests/test_lifecycle_gto.py", "tests/shells/x.py"]
