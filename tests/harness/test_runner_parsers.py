"""Host-only checks of harness/runner.py's parsers (no Docker needed).

File-command cases are ported from actions/runner's L0 tests
(src/Test/L0/Worker/SetOutputFileCommandL0.cs @ 258d6c85; content written with a UTF-8 BOM,
lines joined with "\\n" and no trailing newline, as that test's WriteContent does).
"""

from __future__ import annotations

import pytest

from harness import runner

parse = runner.parse_file_command


def l0(*lines: str, newline: str = "\n") -> bytes:
    return b"\xef\xbb\xbf" + newline.join(lines).encode("utf-8")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (l0(), {}),
        (l0("MY_OUTPUT=MY VALUE"), {"MY_OUTPUT": "MY VALUE"}),
        (
            l0("", "MY_OUTPUT=my value", "", "MY_OUTPUT_2=my second value", ""),
            {"MY_OUTPUT": "my value", "MY_OUTPUT_2": "my second value"},
        ),
        (l0("MY_OUTPUT="), {"MY_OUTPUT": ""}),
        (
            l0("MY_OUTPUT==abc", "MY_OUTPUT_2=def=ghi", "MY_OUTPUT_3=jkl="),
            {"MY_OUTPUT": "=abc", "MY_OUTPUT_2": "def=ghi", "MY_OUTPUT_3": "jkl="},
        ),
        (
            l0("MY_OUTPUT<<EOF", "line one", "line two", "line three", "EOF"),
            {"MY_OUTPUT": "line one\nline two\nline three"},
        ),
        (l0("MY_OUTPUT<<EOF", "EOF"), {"MY_OUTPUT": ""}),
        (
            l0("", "MY_OUTPUT<<EOF", "hello", "world", "EOF", "",
               "MY_OUTPUT_2<<EOF", "HELLO", "AGAIN", "EOF", ""),
            {"MY_OUTPUT": "hello\nworld", "MY_OUTPUT_2": "HELLO\nAGAIN"},
        ),
        (
            l0("MY_OUTPUT<<=EOF", "hello", "one", "=EOF",
               "MY_OUTPUT_2<<<EOF", "hello", "two", "<EOF",
               "MY_OUTPUT_3<<EOF", "hello", "", "three", "", "EOF",
               "MY_OUTPUT_4<<EOF", "hello=four", "EOF",
               "MY_OUTPUT_5<<EOF", " EOF", "EOF"),
            {"MY_OUTPUT": "hello\none", "MY_OUTPUT_2": "hello\ntwo",
             "MY_OUTPUT_3": "hello\n\nthree\n", "MY_OUTPUT_4": "hello=four",
             "MY_OUTPUT_5": " EOF"},
        ),
        # What @actions/core (and a careful Python writer) produces: trailing newline.
        (b"tag<<ghadelimiter_1\nx@v1\nghadelimiter_1\n", {"tag": "x@v1"}),
        # Last one wins; `=` before `<<` means single-line even if `<<` follows.
        (b"a=1\na=2\nb=x<<y\n", {"a": "2", "b": "x<<y"}),
        # The runner's empty-name check tests the line, so `=v` sets an output named "".
        (b"=v\n", {"": "v"}),
        # A \r before \n stays in the value (Linux runner), and breaks a delimiter match.
        (b"a=1\r\n", {"a": "1\r"}),
        # CRLF throughout: the delimiter itself ends in \r, so it still matches.
        (b"a<<EOF\r\nvalue\r\nEOF\r\n", {"a": "value\r"}),
    ],
    ids=[
        "empty", "simple", "skip-empty-lines", "empty-value", "special-chars", "heredoc",
        "heredoc-empty", "heredoc-skip-empty-lines", "heredoc-special-chars",
        "actions-core-style", "last-wins-equals-first", "empty-name", "cr-kept",
        "crlf-throughout",
    ],
)  # fmt: skip
def test_parse_file_command_like_runner(content: bytes, expected: dict[str, str]) -> None:
    assert parse(content) == expected


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (l0("MY_OUTPUT<<EOF", "line one", "line two", "line three", "EOF", newline=" "),
         "Matching delimiter not found"),
        (b"\xef\xbb\xbfMY_OUTPUT<<EOF line one\n   line two\n   line three EOF",
         "EOF marker missing new line"),
        (b"a<<EOF\nvalue\n", "Matching delimiter not found 'EOF'"),
        (b"a<<EOF\nvalue\r\nEOF\r\n", "Matching delimiter not found"),
        (b"<<EOF\nx\nEOF\n", "Name must not be empty and delimiter must not be empty"),
        (b"a<<\nx\n\n", "Name must not be empty and delimiter must not be empty"),
        (b"just a line\n", "Invalid format 'just a line'"),
    ],
    ids=[
        "no-newlines", "eof-marker-missing-newline", "no-delimiter", "cr-before-delimiter",
        "empty-name", "empty-delimiter", "no-equals-no-heredoc",
    ],
)  # fmt: skip
def test_parse_file_command_errors_like_runner(content: bytes, message: str) -> None:
    with pytest.raises(runner.FileCommandError, match=message):
        parse(content)


def test_injected_delimiter_line_splits_value() -> None:
    """A value holding the delimiter on its own line is cut there; the rest is parsed as new
    lines (why delimiters must be unguessable)."""
    text = "tag<<EOF\nx\nEOF\ncreated=true\nEOF\n"
    with pytest.raises(runner.FileCommandError, match="Invalid format 'EOF'"):
        parse(text)
    assert parse("tag<<EOF\nx\nEOF\ncreated=true\n") == {"tag": "x", "created": "true"}


def test_parse_workflow_commands() -> None:
    out = "\n".join(
        [
            "plain line",
            "::error title=Bad%2C input%3A model,file=action.yml::model %25 '-bad'%0Anext",
            "  ::warning::indented",
            "::ERROR::upper-case name",
            "::unknown::ignored",
            "::notice title=a=b,=x,y=::n",
            "::group::Resolve",
            "::endgroup::",
            "::stop-commands::pause123",
            "::error::not processed while stopped",
            "::pause123::",
            "::debug::after resume",
            "text ##[warning]legacy form",
            "::add-mask::secret\r",
        ]
    )
    cmds = runner.parse_workflow_commands(out)
    assert [c.command for c in cmds] == [
        "error", "warning", "error", "notice", "group", "endgroup",
        "stop-commands", "pause123", "debug", "warning", "add-mask",
    ]  # fmt: skip
    command, props, message = cmds[0]
    assert command == "error"
    assert props == {"title": "Bad, input: model", "file": "action.yml"}
    assert message == "model % '-bad'\nnext"
    assert cmds[0].prop("TITLE") == "Bad, input: model"
    assert cmds[1].message == "indented"
    assert cmds[3].properties == {"title": "a=b"}
    assert cmds[9].message == "legacy form"
    assert cmds[10].message == "secret"


def test_resolve_inputs_defaults_and_names() -> None:
    action = {
        "inputs": {
            "model": {"required": True},
            "dry-run": {"default": "false"},
            "commit": {"default": "${{ github.sha }}"},
            "token": {"default": "${{ github.token }}"},
            "repository": {"default": "${{ github.repository }}"},
            "other": {"default": "${{ github.nope }}"},
            "mixed": {"default": "x-${{ github.actor }}-${{ runner.os }}"},
            "flag": {"default": True},
            "my input": {"default": "s"},
        }
    }
    ctx = {"github": {"sha": "abc", "token": "t0k", "repository": "acme/models",
                      "actor": "octocat"}, "runner": {"os": "Linux"}}  # fmt: skip
    inputs, warnings = runner.resolve_inputs(action, {"model": "  churn ", "Extra": "1"}, ctx)
    assert inputs == {
        "model": "  churn ", "Extra": "1", "dry-run": "false", "commit": "abc", "token": "t0k",
        "repository": "acme/models", "other": "", "mixed": "x-octocat-Linux", "flag": "true",
        "my input": "s",
    }  # fmt: skip
    assert warnings and "Unexpected input(s) 'Extra'" in warnings[0]
    assert runner.input_env_name("dry-run") == "INPUT_DRY-RUN"
    assert runner.input_env_name("my input") == "INPUT_MY_INPUT"
    with pytest.raises(runner.UnsupportedExpression):
        runner.evaluate_template("${{ format('{0}', github.sha) }}", ctx)


def test_action_yml_inputs_all_become_env_names() -> None:
    action = runner.load_action()
    names = {runner.input_env_name(n) for n in action["inputs"]}
    assert "INPUT_MODEL" in names
    assert all(" " not in n for n in names)
