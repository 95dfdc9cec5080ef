"""`--outputs` and `--json` on the command line, safe to append to `$GITHUB_OUTPUT` and to
print in a step (issue 19, finding 1), read back with the runner's own parsers (emulated in
harness/runner.py)."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from harness.runner import parse_file_command, parse_workflow_commands
from registry_action.core.errors import InvalidInput
from registry_action.shells.cli import main
from registry_action.shells.step_outputs import file_command, json_line

FORGE = "\nEOF\ntag<<EOF\nevil\nEOF\ntag=evil"  # ends a fixed `EOF`, then sets `tag`
COMMAND = "\nEOF\ntag<<EOF\nevil\n::warning::x"  # the same, and a workflow command


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


def clone(tmp: Path, desc: str) -> Path:
    """A repository declaring churn with `desc`, registered as churn@v0.0.1."""
    repo = tmp / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.name", "Clone User")
    git(repo, "config", "user.email", "clone@example.com")
    quoted = json.dumps(desc)  # a YAML double-quoted scalar
    (repo / "dvc.yaml").write_text(f"artifacts:\n  churn:\n    path: m.pkl\n    desc: {quoted}\n")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "init")
    assert main(["register", "churn", "--repo", str(repo), "--json"]) == 0
    return repo


@pytest.mark.parametrize("command", [["parse", "churn@v0.0.1"], ["show", "churn"]])
def test_a_hostile_description_cannot_forge_an_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    repo = clone(tmp_path, FORGE)
    capsys.readouterr()
    assert main([*command, "--repo", str(repo), "--outputs"]) == 0
    printed = capsys.readouterr().out
    got = parse_file_command(printed.encode())  # `>> "$GITHUB_OUTPUT"`
    assert got["tag"] == "churn@v0.0.1" and got["description"] == FORGE
    assert got["path"] == "m.pkl" and set(got) >= {"version", "labels", "annotations"}
    assert parse_workflow_commands(printed) == []  # printed in a step's log
    # Each multi-line value has a random delimiter of its own.
    heads = [x for x in printed.splitlines() if re.fullmatch(r"[a-z-]+<<ghadelimiter_\S{36}", x)]
    assert len(heads) == len({h.partition("<<")[2] for h in heads})
    assert len(heads) == len([v for v in got.values() if "\n" in v]) > 1


@pytest.mark.parametrize(
    "desc",
    [
        COMMAND,
        "a\n  ::error title=x::boom",
        "churn ##[error]boom",
        "a\n::add-mask::b",
        "a\r::warning::x",  # the runner's ReadLine ends a step's output line at a lone \r
        "a\n\u00a0::error::x",  # and TrimStart takes any Unicode space before `::`
        "a\n\u2028\u3000::notice::x",
    ],
)
def test_a_description_that_would_run_a_workflow_command_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], desc: str
) -> None:
    repo = clone(tmp_path, desc)
    capsys.readouterr()
    assert main(["parse", "churn@v0.0.1", "--repo", str(repo), "--outputs"]) == 1
    out = capsys.readouterr()
    assert out.out == ""  # nothing half printed
    assert "Output description holds a line a workflow runner would run" in out.err
    assert "--json" in out.err
    assert parse_workflow_commands(out.err) == []  # the refusal does not quote it
    # The JSON form carries it exactly, and runs nothing either.
    assert main(["parse", "churn@v0.0.1", "--repo", str(repo), "--json"]) == 0
    printed = capsys.readouterr().out
    assert json.loads(printed)["description"] == desc
    assert parse_workflow_commands(printed) == [] and printed.count("\n") == 1


def test_a_hostile_tag_message_or_tagger_prints_no_command_in_gto_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`history --json` and `show --json` print gto's JSON, which holds the tags' messages
    and taggers: anyone who may push a tag writes those."""
    repo = clone(tmp_path, "Churn")
    message, tagger = "Registering ##[error]forged", "Eve ##[warning]x"
    git(repo, "-c", f"user.name={tagger}", "tag", "-a", "churn@v0.0.2", "-m", message, "HEAD")
    capsys.readouterr()
    assert main(["history", "churn", "--repo", str(repo), "--json"]) == 0
    printed = capsys.readouterr().out
    assert parse_workflow_commands(printed) == []
    events = json.loads(printed)  # the same JSON, `[` written as \u005b
    assert {(e["message"], e["author"]) for e in events} >= {(message, tagger)}
    assert main(["show", "--repo", str(repo), "--json"]) == 0
    assert parse_workflow_commands(capsys.readouterr().out) == []


def test_a_value_holding_the_delimiter_gets_another() -> None:
    drawn = iter(["ghadelimiter_1", "ghadelimiter_2"])
    text = file_command({"description": "a\nghadelimiter_1\nb"}, delimiter=lambda: next(drawn))
    assert text.splitlines()[0] == "description<<ghadelimiter_2"
    assert parse_file_command(text + "\n") == {"description": "a\nghadelimiter_1\nb"}


def test_single_line_values_stay_key_value() -> None:
    assert file_command({"tag": "churn@v1.0.0", "stage": ""}) == "tag=churn@v1.0.0\nstage="
    with pytest.raises(InvalidInput, match="line 1 of the value holds ## then"):
        file_command({"description": "see ##[group]x"})
    with pytest.raises(InvalidInput, match="line 3 of the value starts with ::"):
        file_command({"description": "a\r\nb\r::debug::x"})


def test_json_line_escapes_the_legacy_command_form_exactly() -> None:
    text = json_line({"d": "##[warning]x", "e": "#[", "f": "###["})
    assert "##[" not in text and json.loads(text) == {"d": "##[warning]x", "e": "#[", "f": "###["}
