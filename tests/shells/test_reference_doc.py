"""The documentation cannot drift from action.yml, and its links lead somewhere.

docs/reference.md shows action.yml's inputs and outputs between marker comments
(`make docs` writes them); these tests fail when the two differ, and when a relative link
in the README, CONTRIBUTING.md or docs/ names a file or a heading that does not exist.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from scripts import reference
from tests.helpers import ROOT

ACTION = (ROOT / "action.yml").read_text(encoding="utf-8")
DOC = (ROOT / "docs" / "reference.md").read_text(encoding="utf-8")
PAGES = sorted([ROOT / "README.md", ROOT / "CONTRIBUTING.md", *(ROOT / "docs").glob("*.md")])
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
CODE = re.compile(r"`[^`\n]*`")


def test_reference_tables_are_those_of_action_yml() -> None:
    assert reference.render(ACTION, DOC) == DOC, "docs/reference.md drifted: run `make docs`"


def test_every_input_and_output_has_its_row() -> None:
    action = yaml.safe_load(ACTION)
    for kind in ("inputs", "outputs"):
        for name in action[kind]:
            assert f"\n| `{name}` |" in DOC, f"{kind[:-1]} {name} has no row in docs/reference.md"


def test_a_changed_description_is_drift() -> None:
    changed = ACTION.replace("Decide and emit every output", "Decide and print every output")
    assert changed != ACTION
    assert reference.render(changed, DOC) != DOC


def test_a_new_input_is_drift() -> None:
    action = yaml.safe_load(ACTION)
    action["inputs"]["new-input"] = {"description": "Something new.", "default": ""}
    fresh = reference.render(yaml.safe_dump(action), DOC)
    assert '| `new-input` | `""` | Something new. |' in fresh


def test_missing_markers_are_an_error() -> None:
    with pytest.raises(ValueError, match="markers for outputs"):
        reference.render(ACTION, DOC.replace(reference.END.format(part="outputs"), ""))


def test_a_pipe_in_a_description_stays_in_its_cell() -> None:
    assert reference.inputs_table({"inputs": {"x": {"description": "a | b"}}}).endswith(
        '| `x` | `""` | a \\| b |'
    )


def _anchors(text: str) -> set[str]:
    """GitHub's heading anchors: lowercase, punctuation dropped, spaces to hyphens."""
    found: set[str] = set()
    for heading in re.findall(r"^#+ (.+)$", FENCE.sub("", text), re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        found.add(slug)
    return found


def _links(page: Path) -> list[str]:
    """The link targets of `page`, outside code blocks and code spans."""
    return LINK.findall(CODE.sub("", FENCE.sub("", page.read_text(encoding="utf-8"))))


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_relative_links_lead_to_a_file_and_a_heading(page: Path) -> None:
    for link in _links(page):
        if re.match(r"[a-z]+:", link):  # https:, mailto:
            continue
        target, _, anchor = link.partition("#")
        path = (page.parent / target).resolve() if target else page
        assert path.exists(), f"{page.name}: {link} names no file"
        if anchor and path.suffix == ".md":
            assert anchor in _anchors(path.read_text(encoding="utf-8")), (
                f"{page.name}: {link} names no heading"
            )
