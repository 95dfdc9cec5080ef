"""GTO's own YAML loader as the referee for anchors, aliases and merge keys (issue 19,
finding 3): a dvc.yaml that GTO reads, `parse` reads to the same values."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest
from gto.config import yaml as gto_yaml  # ruamel, typ="safe": what GTO reads files with

from registry_action.core.dvc_yaml import load_yaml
from registry_action.shells.cli import main
from tests.core.test_yaml_aliases import MERGED

GTO = str(Path(sys.executable).with_name("gto"))
# Only string scalars, so GTO's typed values and our strings compare equal.
TEXTS = [
    MERGED,
    "a: &x one\nb: &x two\nc: *x\n",  # a reused anchor: ruamel warns and reads on
    "base: &b {k: v}\nlist: [*b, *b]\nm: {<<: *b, k: w}\n",
    "x: &l [a, b]\ny: {<<: [{p: q}, {p: r, s: t}], l: *l}\n",
]


def gto_load(text: str) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ReusedAnchorWarning
        return gto_yaml.load(io.StringIO(text))


@pytest.mark.parametrize("text", TEXTS)
def test_we_read_what_gtos_loader_reads(text: str) -> None:
    assert load_yaml(text, "dvc.yaml") == gto_load(text)


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_parse_reads_a_merged_annotation_gto_check_ref_reads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.name", "Reg Tester")
    git(repo, "config", "user.email", "tester@example.com")
    (repo / "dvc.yaml").write_text(MERGED)
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "declare churn with a merge key")
    env = {**os.environ, "GIT_CONFIG_GLOBAL": str(tmp_path / "gitconfig")}
    for args in (["register", "churn"], ["check-ref", "churn@v0.0.1", "--json"]):
        done = subprocess.run([GTO, *args], cwd=repo, capture_output=True, text=True, env=env)
        assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["event"] == "registration"
    assert main(["parse", "churn@v0.0.1", "--repo", str(repo), "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    declared = gto_load(MERGED)["artifacts"]["churn"]
    assert (got["path"], got["type"], got["description"], got["model-labels"]) == (
        declared["path"],
        declared["type"],
        declared["desc"],
        declared["labels"],
    )
