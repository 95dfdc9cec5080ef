"""The promotion policy on a clone through the command line: read at origin/HEAD (or
--policy-ref), never at the checkout; gto reads every tag written, overrides included."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from harness.referee import GTO, gto_json
from registry_action.shells.cli import main

DVC = "artifacts:\n  churn:\n    path: models/churn.pkl\n"
POLICY = "stages:\n  prod: {from: [staging], branches: [main]}\n"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    """A clone of an origin whose main holds the policy; checked out on a feature branch
    whose own policy file lets anything in."""
    origin = tmp_path / "origin"
    origin.mkdir()
    git(origin, "init", "-q", "-b", "main")
    (origin / ".github").mkdir()
    (origin / ".github/registry-policy.yml").write_text(POLICY)
    (origin / "dvc.yaml").write_text(DVC)
    git(origin, "add", ".")
    git(origin, "-c", "user.name=O", "-c", "user.email=o@e", "commit", "-qm", "policy")
    repo = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(origin), str(repo)], check=True)
    git(repo, "config", "user.name", "Clone User")
    git(repo, "config", "user.email", "clone@example.com")
    git(repo, "checkout", "-q", "-b", "feature")
    (repo / ".github/registry-policy.yml").write_text("stages: {}\n")
    git(repo, "commit", "-qam", "loosen")
    return repo


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_the_checkout_cannot_loosen_origins_policy(
    clone: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = ("--repo", str(clone))
    assert cli(capsys, "register", "churn", *repo)[0] == 0
    code, _, err = cli(capsys, "assign", "churn", "--stage", "prod", *repo)
    assert code == 1 and "origin/HEAD" in err and "from: [staging]" in err
    assert "pass --policy-override REASON" in err
    assert git(clone, "tag", "-l", "churn#*") == ""  # nothing written
    # --policy-ref reads it where asked: the checkout's own file lets it in.
    code, out, _ = cli(capsys, "assign", "churn", "--stage", "prod", *repo,
                       "--policy-ref", "HEAD", "--json")  # fmt: skip
    assert code == 0 and json.loads(out)["policy"] == "ok"
    # By origin's rules the tag skipped staging and is on no main.
    tag = json.loads(out)["tag"]
    code, _, err = cli(capsys, "parse", tag, *repo)
    assert code == 1 and f"{tag} breaks the promotion policy" in err
    code, out, err = cli(capsys, "parse", tag, *repo, "--no-verify-policy", "--json")
    assert code == 0 and json.loads(out)["policy"] == "violated" and err.startswith("warning:")
    code, _, err = cli(capsys, "parse", tag, *repo, "--policy-ref", "nope")
    assert code == 1 and "--policy-ref 'nope'" in err


def test_an_override_gto_reads(clone: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = ("--repo", str(clone))
    cli(capsys, "register", "churn", *repo)
    cli(capsys, "assign", "churn", "--stage", "staging", *repo)
    code, _, err = cli(capsys, "assign", "churn", "--stage", "prod", *repo)
    assert code == 1 and "branches: [main]" in err and "Merge the commit to main" in err
    code, out, _ = cli(capsys, "assign", "churn", "--stage", "prod", *repo,
                       "--policy-override", "board demo", "--json")  # fmt: skip
    assert code == 0 and json.loads(out)["policy"] == "overridden"
    assert gto_json(clone, "show")["churn"]["stage"]["prod"] == "v0.0.1"
    (event,) = [e for e in gto_json(clone, "history", "churn") if e["stage"] == "prod"]
    assert event["message"].splitlines()[-1] == "Policy-Override: board demo"
    # Our own history says who overrode what, and why, as gto's does.
    code, listed, _ = cli(capsys, "history", "churn", *repo, "--json")
    (ours,) = [e for e in json.loads(listed) if e["stage"] == "prod"]
    assert code == 0 and ours["message"].splitlines()[-1] == "Policy-Override: board demo"
    assert (ours["author"], ours["author_email"]) == ("Clone User", "clone@example.com")
    code, out, _ = cli(capsys, "parse", json.loads(out)["tag"], *repo, "--json")
    assert code == 0 and json.loads(out)["policy"] == "overridden"
    # gto's own assignment, made by hand, skips the policy: parse says so.
    subprocess.run([GTO, "assign", "churn", "HEAD", "--stage", "qa"], cwd=clone, check=True,
                   capture_output=True)  # fmt: skip
    (qa,) = git(clone, "tag", "-l", "churn#qa*").splitlines()
    code, out, _ = cli(capsys, "parse", qa, *repo, "--json")
    assert code == 0 and json.loads(out)["policy"] == "ok"  # qa is not listed: free


def test_show_marks_an_assignment_that_broke_the_policy(
    clone: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = ("--repo", str(clone))
    cli(capsys, "register", "churn", *repo)
    cli(capsys, "assign", "churn", "--stage", "prod", *repo, "--policy-ref", "HEAD")
    code, out, _ = cli(capsys, "show", *repo)
    assert code == 0
    assert out.splitlines()[2].split() == ["churn", "v0.0.1", "v0.0.1", "!"]
    assert "the assignment broke the promotion policy" in out
    code, out, _ = cli(capsys, "show", "churn", "--stage", "prod", *repo, "--json")
    assert json.loads(out)["policy"] == "violated"
    code, out, _ = cli(capsys, "show", "churn", "--stage", "prod", *repo)
    assert out.strip().endswith("Policy: violated.")
    # gto's own show is unchanged by the mark.
    assert set(gto_json(clone, "show")["churn"]) == {"version", "stage", "registered", "active"}
    code, out, _ = cli(capsys, "show", *repo, "--json")
    assert json.loads(out) == gto_json(clone, "show")


def test_an_unreadable_policy_fails_only_what_it_governs(
    clone: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A policy file origin's main cannot be read from: assign and the verification of an
    assignment fail on its line; every other command runs and warns on stderr, once."""
    repo = ("--repo", str(clone))
    cli(capsys, "register", "churn", *repo)
    cli(capsys, "assign", "churn", "--stage", "dev", *repo)
    (dev,) = git(clone, "tag", "-l", "churn#dev#*").splitlines()
    origin = clone.parent / "origin"
    (origin / ".github/registry-policy.yml").write_text("stages:\n  prod:\n    form: [dev]\n")
    git(origin, "-c", "user.name=O", "-c", "user.email=o@e", "commit", "-qam", "a mistake")
    git(clone, "fetch", "-q", "origin")

    def warns(*argv: str) -> str:
        code, out, err = cli(capsys, *argv, *repo)
        assert code == 0, err
        assert err.startswith("warning: Invalid registry policy: ") and err.count("\n") == 1
        assert "registry-policy.yml: unknown key 'form' in stage 'prod'. (line 3)" in err
        return out

    git(clone, "commit", "-q", "--allow-empty", "-m", "next")
    assert json.loads(warns("register", "churn", "--json"))["policy"] == "none"
    warns("show")
    warns("history")
    warns("history", "churn")
    warns("show", "churn")
    warns("parse", "churn@v0.0.2")  # a registration breaks no rule of any policy
    code, _, err = cli(capsys, "assign", "churn", "--stage", "staging", *repo)
    assert code == 1 and err.startswith("error: Invalid registry policy") and "(line 3)" in err
    assert git(clone, "tag", "-l", "churn#staging#*") == ""
    for argv in (("parse", dev), ("show", "churn", "--stage", "dev")):
        code, _, err = cli(capsys, *argv, *repo, "--json")
        assert code == 1 and err.startswith("error: Invalid registry policy"), err
        assert f"{dev} cannot be verified" in err and "pass --no-verify-policy" in err
        assert json.loads(warns(*argv, "--no-verify-policy", "--json"))["policy"] == "unreadable"
    warns("unassign", "churn", "--stage", "dev", "--version", "v0.0.1")
    warns("deregister", "churn", "--version", "v0.0.2")
    warns("deprecate", "churn")
    gto_json(clone, "history", "churn")  # gto reads every tag written
