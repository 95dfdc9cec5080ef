"""GitHub's answers handled as documented (issue 19, finding 7; docs/github-facts.md): a
bare 429 waits a minute, SAML SSO names its authorization URL, a ref-name conflict is named
and not retried, an empty repository says so. The stand-in answers each as GitHub."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest

from harness.runner import parse_workflow_commands
from harness.standin import StandIn
from harness.standin.gitrepo import init_repo, tag, tag_targets
from harness.standin.server import Fault
from registry_action.backends.github import http as github_http
from registry_action.backends.github.backend import GitHubBackend
from registry_action.core.errors import BackendError, PermissionDenied
from registry_action.core.repository import Tagger
from registry_action.shells import action, cli, spellings
from tests.helpers import Run, head

TAGGER = Tagger("Model Bot", "bot@example.test")
SSO = "/orgs/acme/sso?authorization_request=ABC123"


def backend(standin: StandIn, token: str = "test-write-token", **kw: object) -> GitHubBackend:
    return GitHubBackend(
        "acme/models",
        token,
        standin.api_url,
        standin.graphql_url,
        **kw,  # type: ignore[arg-type]
    )


def ref_posts(standin: StandIn) -> int:
    return sum(r.method == "POST" and r.path.endswith("/git/refs") for r in standin.requests)


# -- a bare 429 ----------------------------------------------------------------------------


def test_a_bare_429_waits_a_minute_and_says_so(standin: StandIn, git_repo: Path) -> None:
    sleeps: list[float] = []
    logs: list[str] = []
    standin.inject(Fault("POST", "/git/tags$", 429, body={"message": "Too Many Requests"}))
    gh = backend(standin, sleep=sleeps.append, log=logs.append)
    made = gh.create_tag("churn@v0.0.1", head(git_repo), "m", TAGGER)
    assert tag_targets(git_repo)["churn@v0.0.1"] == made.commit == head(git_repo)
    assert sleeps == [github_http.RATE_LIMIT_WAIT] and github_http.RATE_LIMIT_WAIT >= 60
    assert logs == ["GitHub answered 429: waiting 60 s before trying again."]


def sleeps_of(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The backend's sleeps, recorded instead of slept, for a run of a shell."""
    sleeps: list[float] = []
    clock = SimpleNamespace(time=time.time, sleep=sleeps.append, monotonic=time.monotonic)
    monkeypatch.setattr(github_http, "time", clock)
    return sleeps


def test_the_action_says_the_minute_s_wait_as_a_notice(
    standin: StandIn,
    git_repo: Path,
    run_action: Callable[..., Run],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The runner shows a `::notice::` in the run's annotations; a plain line only in the log.
    sleeps = sleeps_of(monkeypatch)
    standin.inject(Fault("POST", "/git/tags$", 429, body={"message": "Too Many Requests"}))
    result = run_action(model="churn")
    assert result.code == 0 and sleeps == [github_http.RATE_LIMIT_WAIT], result.stdout
    waits = [c for c in result.commands if "waiting" in c.message]
    assert [(c.command, c.message) for c in waits] == [
        ("notice", "GitHub answered 429: waiting 60 s before trying again.")
    ]
    assert waits[0].prop("title") == "Waiting for GitHub"
    plain = [line for line in result.stdout.splitlines() if not line.startswith("::")]
    assert not any("waiting" in line for line in plain)


def test_the_action_s_wait_notice_is_escaped_as_the_toolkit_escapes_data(
    capsys: pytest.CaptureFixture[str],
) -> None:
    action.wait_notice("GitHub answered 100%\r\n::error::x: waiting 60 s")
    out = capsys.readouterr().out
    escaped = "GitHub answered 100%25%0D%0A::error::x: waiting 60 s"
    assert out == f"::notice title=Waiting for GitHub::{escaped}\n"
    [notice] = parse_workflow_commands(out)
    assert notice.command == "notice" and notice.message.startswith("GitHub answered 100%\r\n")


def test_the_cli_says_the_wait_as_a_plain_line_on_stderr(
    standin: StandIn,
    git_repo: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sleeps = sleeps_of(monkeypatch)
    monkeypatch.setenv("GITHUB_TOKEN", "test-write-token")
    monkeypatch.setenv("GITHUB_API_URL", standin.api_url)
    monkeypatch.setenv("GITHUB_GRAPHQL_URL", standin.graphql_url)
    standin.inject(Fault("POST", "/git/tags$", 429, body={"message": "Too Many Requests"}))
    argv = ["register", "churn", "--github", "acme/models", "--commit", head(git_repo)]
    assert cli.main(argv) == 0 and sleeps == [github_http.RATE_LIMIT_WAIT]
    said = capsys.readouterr()
    assert said.err == "GitHub answered 429: waiting 60 s before trying again.\n"
    assert "::" not in said.out + said.err


def test_a_bare_429_past_the_deadline_fails_at_once(standin: StandIn, git_repo: Path) -> None:
    sleeps: list[float] = []
    now = iter([0.0, github_http.DEADLINE - 30])  # the start, then 30 s before the deadline
    standin.inject(Fault("POST", "/git/tags$", 429, body={"message": "Too Many Requests"}))
    gh = backend(standin, sleep=sleeps.append, timer=lambda: next(now))
    with pytest.raises(BackendError, match="kept answering 429; the next retry would wait 60 s"):
        gh.create_tag("churn@v0.0.1", head(git_repo), "m", TAGGER)
    assert sleeps == [] and tag_targets(git_repo) == {}


# -- a ref too long ------------------------------------------------------------------------


def test_a_ref_github_finds_too_long_is_refused_once_without_a_tag(
    standin: StandIn, git_repo: Path
) -> None:
    # The action refuses such a tag before any write (tests/decide/test_ref_length.py);
    # past that check, GitHub's 422 (its words are not documented) ends the write, unretried.
    long = "churn@v0.0.1-" + "a" * 250
    with pytest.raises(BackendError) as caught:
        backend(standin).create_tag(long, head(git_repo), "m", TAGGER)
    assert "422" in caught.value.message
    assert tag_targets(git_repo) == {} and ref_posts(standin) == 1


# -- SAML single sign-on -------------------------------------------------------------------


def test_an_sso_refusal_names_the_authorization_url(
    standin: StandIn, git_repo: Path, run_action: Callable[..., Run]
) -> None:
    result = run_action(model="churn", token="test-sso-token")
    assert result.code == 1 and tag_targets(git_repo) == {}
    [error] = result.errors()
    assert f"{standin.server_url}{SSO}" in error.message
    assert "single sign-on" in error.message and "contents: write" not in error.message
    assert not any(r.method == "POST" and "/git/" in r.path for r in standin.requests)


def test_an_sso_refusal_of_the_ref_names_the_url_not_workflows(
    standin: StandIn, git_repo: Path
) -> None:
    standin.inject(
        Fault(
            "POST",
            "/git/refs$",
            403,
            headers={"X-GitHub-SSO": f"required; url=https://github.com{SSO}"},
            body={"message": "Resource protected by organization SAML enforcement."},
        )
    )
    with pytest.raises(PermissionDenied) as caught:
        backend(standin).create_tag("churn@v0.0.1", head(git_repo), "m", TAGGER)
    said = caught.value.render(spellings.ACTION)
    assert f"https://github.com{SSO}" in said and "workflows" not in said
    assert caught.value.hint.count("{sso_url}") == 1  # the URL is a value, not template text


# -- a ref-name conflict -------------------------------------------------------------------


def test_a_tag_that_is_a_folder_of_the_models_tags_is_named_and_not_retried(
    standin: StandIn, git_repo: Path, run_action: Callable[..., Run]
) -> None:
    tag(git_repo, "team", head(git_repo))  # refs/tags/team is a file: no refs/tags/team/…
    result = run_action(model="team/churn", require_annotation="false")
    assert result.code == 1
    [error] = result.errors()
    assert "tag team exists" in error.message and "may be down" not in error.message
    assert ref_posts(standin) == 1
    assert set(tag_targets(git_repo)) == {"team"}


def test_a_passing_reference_update_failure_is_still_retried(
    standin: StandIn, git_repo: Path
) -> None:
    sleeps: list[float] = []
    standin.inject(Fault("POST", "/git/refs$", 422, body={"message": "Reference update failed"}))
    made = backend(standin, sleep=sleeps.append).create_tag(
        "team/churn@v0.0.1", head(git_repo), "m", TAGGER
    )
    assert tag_targets(git_repo)["team/churn@v0.0.1"] == made.commit == head(git_repo)
    assert ref_posts(standin) == 2 and sleeps == [1.0]


# -- an empty repository -------------------------------------------------------------------


def test_an_empty_repository_says_so_and_is_not_retried(tmp_path: Path) -> None:
    empty = init_repo(tmp_path / "empty")
    with StandIn(empty) as standin:
        sleeps: list[float] = []
        with pytest.raises(BackendError) as caught:
            backend(standin, sleep=sleeps.append).create_tag("churn@v0.0.1", "1" * 40, "m", TAGGER)
        assert "acme/models is empty" in caught.value.message
        assert "try again" not in str(caught.value).lower()
        assert sleeps == [] and len(standin.requests) == 1
