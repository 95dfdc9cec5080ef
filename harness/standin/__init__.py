"""A GitHub API stand-in (REST + GraphQL) backed by a real git repository on disk.

    from harness.standin import StandIn, Fault

    with StandIn(repo_path, owner="acme", name="models", prefix="") as s:   # or "/api/v3"
        gh = github.Github(auth=github.Auth.Token("test-write-token"), base_url=s.api_url)
        s.inject(Fault(method="POST", path=r"/git/refs$", status=502, apply_then_fail=True))
        ...
        assert s.invalid_bodies == [] and s.server_errors == []

* REST answers follow GitHub's OpenAPI description; request bodies are validated against it
  (``openapi/``, from ``@octokit/openapi``). GraphQL is validated against GitHub's published
  schema (``schema/``, from ``@octokit/graphql-schema``) and resolved over the repository.
* Tokens: ``WRITE_TOKEN`` (``test-write-token``) and ``READ_TOKEN`` (``test-read-token``)
  unless ``tokens=``.
* ``requests``/``writes`` record every request (path relative to the API root, URL-decoded;
  GraphQL as ``/graphql``); ``dispatches`` the workflow/repository dispatches.
* Fixtures ``git_repo`` and ``standin``: ``harness/standin/pytest_plugin.py``; repository helpers
  ``commit``/``tag``/``run_git``: ``harness/standin/gitrepo.py``.
* Refresh the vendored API descriptions: ``python harness/standin/refresh_schemas.py``.
"""

from .rest import Dispatch
from .server import READ_TOKEN, WRITE_TOKEN, Fault, InvalidBody, Recorded, StandIn

__all__ = [
    "READ_TOKEN",
    "WRITE_TOKEN",
    "Dispatch",
    "Fault",
    "InvalidBody",
    "Recorded",
    "StandIn",
]
