"""Job summaries render untrusted values as text: no link, emphasis, image, HTML or new
table cell from a model name, a message or a tag (issue 19, finding 7). Rendered with
markdown-it (CommonMark plus GFM tables), as github.com renders a summary."""

from __future__ import annotations

import html
import re
from typing import Any

from markdown_it import MarkdownIt

from registry_action.shells import messages

HOSTILE = "[x](https://evil.example) **b** _i_ <img src=x> @octocat | ![p](q) `c` # h"
MD = MarkdownIt("commonmark").enable("table")


def rendered(text: str) -> str:
    return MD.render(text)


def only_text(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def test_a_refusal_shows_the_message_as_text() -> None:
    summary = messages.refusal_summary("Invalid model name", f"Model name {HOSTILE!r}.", "Nothing.")
    page = rendered(summary)
    for element in ("<a ", "<strong", "<em", "<img", "<code", "<table", "<h1"):
        assert element not in page, element
    assert f"Model name {HOSTILE!r}." in only_text(page)


def test_code_spans_hold_backticks_and_pipes_in_a_table() -> None:
    table = f"| a | b |\n|---|---|\n| {messages._code('x`y|z')} | {messages._md('p|q')} |\n"
    page = rendered(table)
    assert page.count("<td>") == 2
    assert "<code>x`y|z</code>" in page and "<td>p|q</td>" in page


def test_history_and_registry_summaries_escape_their_cells() -> None:
    event: dict[str, Any] = {
        "timestamp": "2026-01-01T00:00:00Z", "artifact": "a_b_c", "event": "registration",
        "version": "v1.0.0", "stage": "", "commit": "0" * 40, "ref": "a_b_c@v1.0.0",
    }  # fmt: skip
    page = rendered(messages.history_summary([event], "a_b_c"))
    assert "<em" not in page and "a_b_c@v1.0.0" in only_text(page)
    rows = {"a_b_c": {"version": "v1.0.0", "stage": {"x_y_z": "v1.0.0"}}}
    page = rendered(messages.registry_summary(rows, ["x_y_z"], [event], "https://github.com/o/r"))
    assert "<em" not in page and "#x_y_z" in only_text(page)
    assert (
        '<a href="https://github.com/o/r/releases/tag/a_b_c@v1.0.0"><code>a_b_c</code></a>' in page
    )


def test_the_action_s_refusal_summary_does_not_link(run_action: Any) -> None:
    result = run_action(model="[x](https://evil.example)")
    assert result.code == 1
    page = rendered(result.summary)
    assert "<a " not in page and "[x](https://evil.example)" in only_text(page)
