"""GitHub's answers turned into this project's errors: what went wrong, and what to do.

What GitHub answers is gathered in docs/github-facts.md.
"""

from __future__ import annotations

from typing import Any

from github import GithubException

from registry_action.core.errors import (
    AuthError,
    BackendError,
    PermissionDenied,
    RepositoryNotFound,
)

from .http import headers_of, message_of


def refusal(err: GithubException, repository: str, tag: str = "") -> BackendError:
    """A request GitHub refused for good."""
    status, message = err.status, message_of(err)
    what = f"tag {tag}" if tag else "the registry"
    if status == 401:
        return AuthError(
            "GitHub refused the token (401 Bad credentials).",
            "Pass a valid token: {token}.",
        )
    if status == 403 and sso_url(err):
        return sso_refusal(err, repository)
    # `x-accepted-github-permissions` lists every permission set that would have worked
    # (e.g. `contents=write; contents=write,workflows=write`), not what is missing.
    if status == 403:
        return PermissionDenied(
            f"The token may not write to {repository} (403 {message}).",
            "Give the job `permissions: contents: write`.",
        )
    if status == 404:
        return not_found(repository)
    if status == 409 and "empty" in message.lower():
        return BackendError(
            f"Repository {repository} is empty (409 {message}): it has no commit to tag.",
            "Push a commit to it, then run again.",
        )
    if status == 422:
        return unprocessable(what, message)
    return BackendError(f"GitHub answered {status} ({message}).", "Try again: {later}.")


def ref_refusal(err: GithubException, repository: str, tag: str) -> BackendError:
    """The ref POST failed for good; the tag object before it was created."""
    if err.status == 403 and not sso_url(err):
        # The same token just created the tag object, so it can write contents: GitHub
        # asks more for this commit. A tag on a commit whose .github/workflows differ
        # from every branch head needs `workflows`, which GITHUB_TOKEN never has.
        return PermissionDenied(
            f"GitHub created the tag object of {tag} but refused its ref (403 "
            f"{message_of(err)}). The token can write to {repository}, so the commit "
            "needs more: a commit whose .github/workflows differ from every branch head "
            "needs the `workflows` permission, which GITHUB_TOKEN never has.",
            "Register a commit that is on a branch, or use a GitHub App token with "
            "workflows: write.",
        )
    if err.status == 422:
        return unprocessable(f"tag {tag}", message_of(err))
    return refusal(err, repository, tag)


def dispatch_refusal(
    err: GithubException, repository: str, workflow: str, ref: str, sent: list[str]
) -> BackendError:
    """Why GitHub would not start `workflow` on `ref`, as its answers say
    (docs/github-facts.md, "Workflow dispatch": cli/cli#9781, benc-uk/workflow-dispatch#80)."""
    status, message = err.status, message_of(err)
    where = f"workflow {workflow} on {ref}"
    inputs = ", ".join(f"{name}: {{type: string}}" for name in sent)
    values = {
        "workflow": workflow,
        "dispatch_ref": ref,
        "block": f"on: {{workflow_dispatch: {{inputs: {{{inputs}}}}}}}",
        "sent": ", ".join(sent),
    }
    if status == 403 and not sso_url(err):
        return PermissionDenied(
            f"The token may not start {where} (403 {message}).",
            "Give the job `permissions: actions: write`.",
        )
    if status == 404:
        return BackendError(
            f"GitHub found no {where} (404): a dispatch runs the workflow file as it is on "
            "the ref dispatched to.",
            "Commit .github/workflows/{workflow} to {dispatch_ref}, or set dispatch-ref to a "
            "branch that has it.",
            values=values,
        )
    text = message.lower()
    if status == 422 and "workflow_dispatch" in text:
        return BackendError(
            f"The {where} has no workflow_dispatch trigger (422 {message}).",
            "Add the trigger with the inputs this action sends: {block}",
            values=values,
        )
    if status == 422 and "unexpected inputs" in text:
        return BackendError(
            f"The {where} does not declare the inputs this action sends (422 {message}).",
            "Declare them: {block}",
            values=values,
        )
    if status == 422 and "required input" in text:
        return BackendError(
            f"The {where} requires an input this action does not send (422 {message}).",
            "This action sends {sent}: make any other input optional "
            "(required: false) or give it a default.",
            values=values,
        )
    return refusal(err, repository)


def pulls_refusal(err: GithubException, repository: str, commit: str) -> BackendError:
    """Why GitHub would not list the pull requests of `commit`: a 403 (not SSO, not a rate
    limit, which are retried or said apart) is a job without `pull-requests: read`; a
    public repository's pull requests need no permission (docs/github-facts.md, "Pull
    requests of a commit")."""
    if err.status == 403 and not sso_url(err):
        return PermissionDenied(
            f"The token may not read the pull requests of {repository} (403 "
            f"{message_of(err)}), which bump labels reads for commit {commit}.",
            "{pulls_permission}",
        )
    if err.status == 422:
        return BackendError(
            f"GitHub found no commit {commit} to list pull requests for (422 {message_of(err)}).",
            "Check {commit_input}; {later}.",
        )
    return refusal(err, repository)


def sso_url(err: GithubException) -> str:
    """The authorization URL of a 403 for SAML single sign-on: GitHub answers a token not
    authorized for the organization with `X-GitHub-SSO: required; url=…` (docs/github-facts.md,
    "SAML single sign-on"); "" for any other answer."""
    header = headers_of(err).get("x-github-sso", "")
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == "url" and value.startswith(("https://", "http://")):
            return value
    return ""


def sso_refusal(err: GithubException, repository: str) -> PermissionDenied:
    return PermissionDenied(
        f"The token is not authorized for the SAML single sign-on of {repository}'s "
        f"organization (403 {message_of(err)}).",
        "Authorize the token for the organization at {sso_url}, then run again.",
        values={"sso_url": sso_url(err)},
    )


def ref_conflict(tag: str, existing: str) -> BackendError:
    """Git cannot hold `refs/tags/TAG` beside `refs/tags/EXISTING` when one is a folder of
    the other (a ref is a file); GitHub answers "Reference update failed" for it, the same
    words as for a passing failure (docs/github-facts.md, "Ref name conflicts")."""
    return BackendError(
        f"Tag {tag} cannot be created: tag {existing} exists, and Git cannot hold both "
        f"refs/tags/{existing} and refs/tags/{tag} (a ref cannot also be a folder).",
        "Delete or rename tag {existing}, or give the model a name that does not start "
        "with {existing}/.",
        values={"existing": existing},
    )


def unprocessable(what: str, message: str) -> BackendError:
    """A 422: GitHub's own words, and a ruleset named only when GitHub names one."""
    hint = "Fix what GitHub names, then run again."
    if "rule" in message.lower():
        hint = (
            "A repository ruleset forbids it: ask an admin to allow it, or to put the GitHub "
            "App whose token this step uses on the ruleset's bypass list (GITHUB_TOKEN "
            "cannot bypass rulesets)."
        )
    return BackendError(f"GitHub refused {what} (422 {message}).", hint)


def not_found(repository: str) -> RepositoryNotFound:
    return RepositoryNotFound(
        f"Repository {repository} was not found, or the token cannot see it.",
        "Check {repository} and the token's access.",
    )


def not_graphql() -> BackendError:
    return BackendError(
        "GitHub's GraphQL API answered with something that is not GraphQL JSON.",
        "Check GITHUB_GRAPHQL_URL; {later}.",
    )


def graphql_errors(data: dict[str, Any], repository: str) -> dict[str, Any]:
    """The `repository` of a GraphQL answer, or the error its `errors` mean."""
    # A comparison GitHub cannot make (e.g. `HEAD` as its head) leaves the commit's
    # reachability unknown, not the read failed: it is asked again by sha if needed.
    errors = [e for e in data.get("errors") or [] if "compare" not in (e.get("path") or [])]
    repo = (data.get("data") or {}).get("repository")
    if any(e.get("type") == "NOT_FOUND" for e in errors) or (repo is None and not errors):
        raise not_found(repository)
    if errors or repo is None:
        detail = "; ".join(str(e.get("message", e)) for e in errors)
        raise BackendError(f"GitHub's GraphQL API answered with errors: {detail}")
    result: dict[str, Any] = repo
    return result
