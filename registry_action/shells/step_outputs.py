"""The outputs as a workflow step's `$GITHUB_OUTPUT` lines, and as one line of JSON, both
safe to append to that file and to print in a step's log.

The runner reads `$GITHUB_OUTPUT` line by line (actions/runner `FileCommandManager.cs`,
`EnvFileKeyValuePairs`): `name=value`, or `name<<DELIMITER`, the value's lines, then a line
equal to the delimiter. It reads every line a step prints for a workflow command
(`ActionCommandManager.cs`): `::name::` after leading whitespace (.NET's `TrimStart`, any
Unicode space), or the legacy `##[name]` anywhere in the line; a step's output is cut into
lines by `StreamReader.ReadLine` (`ProcessInvoker.cs`), which ends a line at `\r` too.
So a value from dvc.yaml could end a fixed delimiter and forge another output, or run
`::warning::` in the log. As the toolkit writes these files
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

# `::` starting a line (after `\n` or `\r`, then any spaces but line breaks), or `##[`
# anywhere: the runner's two command forms. Stricter than the runner (which checks the name
# against its registered commands), so a command the runner adds later is refused too.
_COMMAND = re.compile(r"(?:^|(?<=\r))[^\S\r\n]*::|##\[", re.M)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # where ReadLine ends a line


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
    return printable_json(json.dumps(document, ensure_ascii=False))


def printable_json(text: str) -> str:
    """JSON text (as `json.dumps` writes it: no raw line break in a string, so no line starts
    with `::`) with `##[` written `##\\u005b`: the same JSON, and no legacy command in it.
    JSON escapes neither `#` nor `[`, and `#` occurs only inside strings, so every `##[` is
    inside one and the replacement is exact."""
    return text.replace("##[", "##\\u005b")


def _check_printable(name: str, value: str) -> None:
    found = _COMMAND.search(value)
    if found is None:
        return
    number = len(_LINE_BREAK.findall(value, 0, found.start())) + 1
    what = "holds ## then [" if found[0] == "##[" else "starts with ::"
    # The line itself is not quoted: this message is printed too.
    raise InvalidInput(
        f"Output {name} holds a line a workflow runner would run as a command (line "
        f"{number} of the value {what}), so it cannot be printed as it is.",
        "Print the outputs with --json, or fix the value where it comes from "
        "(e.g. the model's desc in dvc.yaml).",
    )
