"""The outputs as a workflow step's `$GITHUB_OUTPUT` lines, and as one line of JSON, both
safe to append to that file and to print in a step's log.

The runner reads `$GITHUB_OUTPUT` line by line (actions/runner `FileCommandManager.cs`,
`EnvFileKeyValuePairs`): `name=value`, or `name<<DELIMITER`, the value's lines, then a line
equal to the delimiter. It reads every line a step prints for a workflow command
(`ActionCommandManager.cs`): `::name::` after leading whitespace, or the legacy `##[name]`
anywhere in the line. So a value from dvc.yaml could end a fixed delimiter and forge
another output, or run `::warning::` in the log. As the toolkit writes these files
(actions/toolkit `core/src/file-command.ts`, `prepareKeyValueMessage`), each multi-line
value gets a random delimiter it does not contain; a value with a line that would be a
workflow command cannot be printed verbatim, so it is refused (the JSON form escapes it).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from registry_action.core.errors import InvalidInput

# `::` starting a line (after spaces), or `##[` anywhere: the runner's two command forms.
# Stricter than the runner (which checks the name against its registered commands), so a
# command the runner adds later is refused too.
_COMMAND = re.compile(r"^[ \t\f\v]*::|##\[", re.M)


def _delimiter() -> str:
    return f"ghadelimiter_{uuid.uuid4()}"


def file_command(values: Mapping[str, str], *, delimiter: Callable[[], str] = _delimiter) -> str:
    """`values` in `$GITHUB_OUTPUT`'s form: one `name=value` line, or a heredoc with a
    delimiter of its own for a value with a line break.

    :raises InvalidInput: a value holds a line the runner would read as a workflow command.
    """
    lines = []
    for name, value in values.items():
        _check_printable(name, value)
        if "\n" not in value and "\r" not in value:
            lines.append(f"{name}={value}")
            continue
        end = delimiter()
        while end in value:  # a value that holds it cannot end it
            end = delimiter()
        lines += [f"{name}<<{end}", value, end]
    return "\n".join(lines)


def json_line(document: Any) -> str:
    """`document` as one JSON line no runner reads as a workflow command: it starts with
    `{` or `[`, holds no raw line break, and `##[` is written `##\\u005b` (the same JSON)."""
    text = json.dumps(document, ensure_ascii=False)
    return text.replace("##[", "##\\u005b")  # `#` and `[` are never escaped, so exact


def _check_printable(name: str, value: str) -> None:
    found = _COMMAND.search(value)
    if found is None:
        return
    number = value.count("\n", 0, found.start()) + 1
    what = "holds ## then [" if found[0] == "##[" else "starts with ::"
    # The line itself is not quoted: this message is printed too.
    raise InvalidInput(
        f"Output {name} holds a line a workflow runner would run as a command (line "
        f"{number} of the value {what}), so it cannot be printed as it is.",
        "Print the outputs with --json, or fix the value where it comes from "
        "(e.g. the model's desc in dvc.yaml).",
    )
