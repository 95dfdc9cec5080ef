"""Rules in one home (issue 17): a short sha is `SHORT_SHA` (core/repository.py) wherever the
package shortens one, never a `[:12]` or `[:7]` literal that can drift from it."""

from __future__ import annotations

import re

from tests.helpers import ROOT

PACKAGE = ROOT / "registry_action"
LITERAL = re.compile(r"\[:\s*(?:7|12)\s*\]")


def test_short_shas_take_short_sha() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if LITERAL.search(line)
    ]
    assert found == [], "take SHORT_SHA from core/repository.py:\n" + "\n".join(found)
