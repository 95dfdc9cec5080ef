"""Writes the inputs and outputs tables of docs/reference.md from action.yml.

action.yml is the one home of every input's default and meaning and every output's meaning;
docs/reference.md shows them between marker comments and holds hand-written notes around
them. `python -m scripts.reference` (`make docs`) rewrites the marked parts;
`--check` changes nothing and exits 1 when they differ from action.yml
(tests/shells/test_reference_doc.py fails the same way).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
ACTION = ROOT / "action.yml"
DOC = ROOT / "docs" / "reference.md"
BEGIN = "<!-- BEGIN {part}: written from action.yml by `make docs`; edit action.yml -->"
END = "<!-- END {part} -->"
PARTS = ("inputs", "outputs")


def _cell(text: str) -> str:
    """One table cell: one line, with `|` escaped so it cannot end the cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _default(value: Any) -> str:
    return f"`{value}`" if value not in (None, "") else '`""`'


def inputs_table(action: Mapping[str, Any]) -> str:
    rows = ["| input | default | meaning |", "|---|---|---|"]
    for name, spec in action["inputs"].items():
        required = " Required." if spec.get("required") else ""
        meaning = _cell(spec.get("description", "")) + required
        rows.append(f"| `{name}` | {_default(spec.get('default'))} | {meaning} |")
    return "\n".join(rows)


def outputs_table(action: Mapping[str, Any]) -> str:
    rows = ["| output | meaning |", "|---|---|"]
    for name, spec in action["outputs"].items():
        rows.append(f"| `{name}` | {_cell(spec.get('description', ''))} |")
    return "\n".join(rows)


def tables(action: Mapping[str, Any]) -> dict[str, str]:
    return {"inputs": inputs_table(action), "outputs": outputs_table(action)}


def render(action_text: str, doc: str) -> str:
    """`doc` with each marked part replaced by its table from `action_text`.

    :raises ValueError: when a part's markers are missing or appear more than once.
    """
    action = yaml.safe_load(action_text)
    for part, table in tables(action).items():
        begin, end = BEGIN.format(part=part), END.format(part=part)
        pattern = re.compile(re.escape(begin) + r"\n.*?" + re.escape(end), re.DOTALL)
        found = pattern.findall(doc)
        if len(found) != 1:
            raise ValueError(f"{DOC.name} needs exactly one pair of markers for {part}: {begin}")
        doc = doc.replace(found[0], f"{begin}\n{table}\n{end}")
    return doc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 on drift, write nothing")
    args = parser.parse_args(argv)
    doc = DOC.read_text(encoding="utf-8")
    fresh = render(ACTION.read_text(encoding="utf-8"), doc)
    if fresh == doc:
        print(f"{DOC.relative_to(ROOT)} matches action.yml.")
        return 0
    if args.check:
        print(f"{DOC.relative_to(ROOT)} differs from action.yml: run `make docs`.")
        return 1
    DOC.write_text(fresh, encoding="utf-8")
    print(f"Wrote {DOC.relative_to(ROOT)} from action.yml.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
