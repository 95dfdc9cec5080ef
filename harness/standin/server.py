"""The HTTP side of the stand-in: routing, auth, faults, latency, request log."""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import socket
import sys
import threading
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, unquote

from . import graphql_api, openapi_check, rest
from .gitstore import Git
from .rest import Dispatch, Reply

WRITE_TOKEN, READ_TOKEN = "test-write-token", "test-read-token"
# "sso": a token its organization's SAML single sign-on has not authorized.
DEFAULT_TOKENS = {WRITE_TOKEN: "write", READ_TOKEN: "read", "test-sso-token": "sso"}
WRITE_METHODS = ("POST", "PATCH", "PUT", "DELETE")
RATE_LIMIT = 5000


@dataclass
class Fault:
    """Make matching requests misbehave.

    ``path`` is a regex searched in the request path relative to the API root (after the
    prefix, URL-decoded; GraphQL requests have path ``/graphql`` in both layouts). ``method``
    None matches any method. ``times`` None means forever. ``status`` None keeps the real
    answer (use with ``delay``). ``apply_then_fail`` performs the real operation, then answers
    ``status`` instead (a lost response). ``body`` None gives a GitHub-like default body.
    """

    method: str | None = None
    path: str = ""
    status: int | None = 502
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    times: int | None = 1
    delay: float = 0.0
    apply_then_fail: bool = False
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        if self.method is not None and self.method.upper() != method:
            return False
        return re.search(self.path, path) is not None

    def reply(self) -> Reply:
        assert self.status is not None
        headers = {k.lower(): str(v) for k, v in self.headers.items()}
        body = self.body
        if body is None:
            if headers.get("x-ratelimit-remaining") == "0":
                body = {
                    "message": "API rate limit exceeded for installation ID 1.",
                    "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
                    "status": str(self.status),
                }
            elif self.status in (403, 429):
                body = {
                    "message": "You have exceeded a secondary rate limit. Please wait a few "
                    "minutes before you try again.",
                    "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
                    "status": str(self.status),
                }
            else:
                body = {"message": HTTPStatus(self.status).phrase, "status": str(self.status)}
        content_type = "application/json; charset=utf-8"
        if isinstance(body, (str, bytes)):
            content_type = "text/plain; charset=utf-8"
        return Reply(self.status, body, headers, content_type)


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str  # relative to the API root, URL-decoded, no query string ("/graphql" for GraphQL)
    query: dict[str, str]
    body: Any  # parsed JSON, or None
    status: int
    graphql: bool
    raw_path: str  # as sent, including the prefix
    headers: dict[str, str]  # request headers, lower-case names
    response: Any  # parsed response body (None when empty)


@dataclass(frozen=True)
class InvalidBody:
    method: str
    path: str
    body: Any
    message: str


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # tests open many connections at once
    standin: StandIn

    def __init__(self, address: tuple[str, int]) -> None:
        super().__init__(address, _Handler)
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)

    def close_connections(self) -> None:
        """Drop open keep-alive connections, so a stopped stand-in answers nothing."""
        with self.connections_lock:
            for conn in self.connections:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
            self.connections.clear()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else keep-alive clients wait on delayed ACKs
    timeout = 120  # idle keep-alive connections
    server: _Server

    def setup(self) -> None:
        super().setup()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def _serve(self) -> None:
        self.server.standin._serve(self)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _read_chunked(handler: BaseHTTPRequestHandler) -> bytes:
    data = b""
    while True:
        size = int(handler.rfile.readline().split(b";")[0].strip() or b"0", 16)
        if size == 0:
            while handler.rfile.readline().strip():  # trailers
                pass
            return data
        data += handler.rfile.read(size)
        handler.rfile.readline()


def _read_body(handler: BaseHTTPRequestHandler, headers: dict[str, str]) -> tuple[Any, bool]:
    """The request's JSON body (None when empty), and whether it parsed."""
    if headers.get("transfer-encoding", "").lower() == "chunked":
        raw_body = _read_chunked(handler)
    else:
        length = int(headers.get("content-length") or 0)
        raw_body = handler.rfile.read(length) if length else b""
    if not raw_body:
        return None, True
    try:
        return json.loads(raw_body), True
    except ValueError:
        return None, False


def _payload(reply: Reply, content_type: str) -> bytes:
    if reply.body is None or reply.status == 204:
        return b""
    if isinstance(reply.body, bytes):
        return reply.body
    if isinstance(reply.body, str) and not content_type.startswith("application/json"):
        return reply.body.encode()
    return json.dumps(reply.body).encode()


class StandIn:
    """A GitHub API stand-in serving one repository from a git repository on disk."""

    def __init__(
        self,
        repo_path: Path | str,
        owner: str = "acme",
        name: str = "models",
        prefix: str = "",
        tokens: dict[str, str] | None = None,
        latency: float = 0.0,
        ref_query: str | None = None,
    ) -> None:
        if prefix not in ("", "/api/v3"):
            raise ValueError(f"prefix must be '' or '/api/v3', not {prefix!r}")
        self.git = Git(repo_path)
        self.owner = owner
        self.name = name
        self.prefix = prefix
        self.tokens = dict(DEFAULT_TOKENS if tokens is None else tokens)
        self.latency = latency
        # How refs(query:) matches (graphql_api.REF_QUERY_MODES); STANDIN_REF_QUERY may set it
        # for a whole run (tests/backends/test_query_modes.py tries each mode in one run).
        self.ref_query = ref_query or os.environ.get("STANDIN_REF_QUERY") or "substring"
        if self.ref_query not in graphql_api.REF_QUERY_MODES:
            raise ValueError(f"ref_query must be one of {graphql_api.REF_QUERY_MODES}")
        # How branches come under TAG_COMMIT_DATE (graphql_api.BRANCH_ORDERS): unspecified.
        self.branch_order = "date"
        # Entries a recursive git/trees answer lists before it says `truncated` (GitHub:
        # 100,000 or 7 MB); None: never.
        self.tree_limit: int | None = None
        self.dispatches: list[Dispatch] = []
        # Pull requests a test declares (add_pull_request), and whether listing a commit's
        # pull requests is refused (403, a private repository's job without the permission).
        self.pull_requests: list[rest.PullRequest] = []
        self.pulls_forbidden = False
        self.invalid_bodies: list[InvalidBody] = []
        self.server_errors: list[str] = []  # tracebacks of stand-in bugs (answered 500)
        self._requests: list[Recorded] = []
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._used = {"core": 0, "graphql": 0}
        self._reset_at = int(time.time()) + 3600
        self._created = int(time.time())
        self._workflow_files: dict[int, str] = {}
        self._server: _Server | None = None
        self._port: int | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> StandIn:
        if self._server is not None:
            return self
        graphql_api.schema()  # parse GitHub's schema before the first request times it
        server = _Server(("127.0.0.1", 0))
        server.standin = self
        self._server = server
        self._port = int(server.server_address[1])
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
            server.close_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> StandIn:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The listening port (kept after ``stop()``, so clients can be pointed at a dead API)."""
        if self._port is None:
            raise RuntimeError("StandIn was never started")
        return self._port

    @property
    def server_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return self.server_url + self.prefix

    @property
    def graphql_url(self) -> str:
        return self.server_url + self._graphql_path

    @property
    def _graphql_path(self) -> str:
        return "/api/graphql" if self.prefix else "/graphql"

    # -- log and faults --------------------------------------------------------------------
    @property
    def requests(self) -> list[Recorded]:
        with self._lock:
            return list(self._requests)

    @property
    def writes(self) -> list[Recorded]:
        return [r for r in self.requests if r.method in WRITE_METHODS and not r.graphql]

    def reset_log(self) -> None:
        """Forget recorded requests, dispatches and invalid bodies."""
        with self._lock:
            self._requests.clear()
            self.dispatches.clear()
            self.invalid_bodies.clear()

    def inject(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    fault.hits += 1
                    return fault
        return None

    def add_pull_request(
        self, number: int, commits: Sequence[str] = (), **fields: Any
    ) -> rest.PullRequest:
        """Declare pull request `number`, associated with `commits` (shas); `fields`: those
        of `rest.PullRequest` (base, head, merged, merge_commit_sha, labels, title, closed)."""
        if "labels" in fields:
            fields["labels"] = tuple(fields["labels"])
        pr = rest.PullRequest(number, tuple(commits), **fields)
        with self._lock:
            self.pull_requests.append(pr)
        return pr

    def _record_dispatch(self, dispatch: Dispatch) -> None:
        with self._lock:
            self.dispatches.append(dispatch)

    # -- serving ---------------------------------------------------------------------------
    def _serve(self, handler: _Handler) -> None:
        method = handler.command
        raw_path, _, qs = handler.path.partition("?")
        query = {k: v[-1] for k, v in parse_qs(qs, keep_blank_values=True).items()}
        headers = {k.lower(): v for k, v in handler.headers.items()}
        body, body_ok = _read_body(handler, headers)
        is_graphql = method == "POST" and raw_path == self._graphql_path
        path = self._api_path(raw_path, is_graphql)

        if self.latency:
            time.sleep(self.latency)
        fault = self._take_fault(method, path)
        if fault is not None and fault.delay:
            time.sleep(fault.delay)
        if fault is not None and fault.status is not None and not fault.apply_then_fail:
            reply = fault.reply()
        else:
            ctx_args = (method, path, raw_path, query, headers, body, body_ok)
            reply = self._answer(is_graphql, ctx_args)
            if fault is not None and fault.status is not None:
                reply = fault.reply()
        resource = "graphql" if is_graphql else "core"
        out_headers = self._rate_headers(resource)
        out_headers.update({k.lower(): v for k, v in reply.headers.items()})
        out_headers.pop("content-length", None)
        content_type = out_headers.pop("content-type", reply.content_type)
        payload = _payload(reply, content_type)
        recorded = Recorded(
            method=method,
            path=path,
            query=query,
            body=body,
            status=reply.status,
            graphql=is_graphql,
            raw_path=raw_path,
            headers=headers,
            response=reply.body,
        )
        with self._lock:
            self._requests.append(recorded)
        handler.send_response(reply.status)
        if payload:
            handler.send_header("Content-Type", content_type)
        for key, value in out_headers.items():
            handler.send_header(key, value)
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        if payload and method != "HEAD":
            handler.wfile.write(payload)

    def _api_path(self, raw_path: str, is_graphql: bool) -> str:
        """The path relative to the API root, URL-decoded; GraphQL as ``/graphql``."""
        if is_graphql:
            return "/graphql"
        if raw_path == self.prefix or raw_path.startswith(self.prefix + "/"):
            return unquote(raw_path[len(self.prefix) :]) or "/"
        return unquote(raw_path)

    def _answer(self, is_graphql: bool, ctx_args: tuple[Any, ...]) -> Reply:
        """The stand-in's own answer; a bug in it is answered like GitHub's 500, and kept."""
        try:
            return self._graphql(*ctx_args) if is_graphql else self._rest(*ctx_args)
        except Exception:
            trace = traceback.format_exc()
            method, raw_path = ctx_args[0], ctx_args[2]
            sys.stderr.write(f"GitHub stand-in error on {method} {raw_path}:\n{trace}")
            with self._lock:
                self.server_errors.append(trace)
            return Reply(500, {"message": "Server Error", "status": "500"})

    def _rate_headers(self, resource: str) -> dict[str, str]:
        """GitHub's headers on every answer: this request counted against its resource."""
        with self._lock:
            self._used[resource] += 1
            used = self._used[resource]
        return {
            "x-github-request-id": ":".join(secrets.token_hex(n).upper() for n in (2, 3, 3, 3, 4)),
            "x-github-media-type": "github.v3; format=json",
            "x-github-api-version-selected": "2022-11-28",
            "x-ratelimit-limit": str(RATE_LIMIT),
            "x-ratelimit-remaining": str(max(0, RATE_LIMIT - used)),
            "x-ratelimit-used": str(used),
            "x-ratelimit-reset": str(self._reset_at),
            "x-ratelimit-resource": resource,
        }

    def _auth(self, headers: dict[str, str]) -> str | None:
        """The token's access level ("write"/"read"), or None."""
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme.lower() not in ("token", "bearer"):
            return None
        return self.tokens.get(token.strip())

    def _ctx(self) -> rest.RepoContext:
        return rest.RepoContext(
            git=self.git,
            owner=self.owner,
            name=self.name,
            api_url=self.api_url,
            server_url=self.server_url,
            created=self._created,
            record_dispatch=self._record_dispatch,
            workflow_files=self._workflow_files,
            pull_requests=list(self.pull_requests),
            pulls_forbidden=self.pulls_forbidden,
            tree_limit=self.tree_limit,
        )

    def _rest(
        self,
        method: str,
        path: str,
        raw_path: str,
        query: dict[str, str],
        headers: dict[str, str],
        body: Any,
        body_ok: bool,
    ) -> Reply:
        level = self._auth(headers)
        if level is None:
            return rest.error(401, "Bad credentials")
        if level == "sso":
            return self._sso_refusal()
        under_prefix = raw_path == self.prefix or raw_path.startswith(self.prefix + "/")
        found = rest.find_route(method, path) if under_prefix else None
        if found is None:
            return rest.error(404, "Not Found")
        route, params = found
        doc = rest.doc_url(route)
        if (params["owner"].lower(), params["repo"].lower()) != (
            self.owner.lower(),
            self.name.lower(),
        ):
            return rest.error(404, "Not Found", doc)
        if route.permission is not None and level != "write":
            reply = rest.error(403, "Resource not accessible by integration", doc)
            reply.headers["x-accepted-github-permissions"] = route.permission
            return reply
        if method in WRITE_METHODS:
            problem = None
            if not body_ok:
                problem = "Problems parsing JSON"
            else:
                problem = openapi_check.validate_request(route.template, method, body)
            if problem is not None:
                with self._lock:
                    self.invalid_bodies.append(InvalidBody(method, path, body, problem))
                return rest.error(400 if not body_ok else 422, problem, doc)
        if "/git/" in route.template and not self.git.refs():
            # GitHub's git data endpoints in a repository without commits (docs/github-facts.md,
            # "Empty repositories"): permanent, whatever the request.
            return rest.error(409, "Git Repository is empty.", doc)
        request = rest.Request(params, query, body, headers, level == "write", doc)
        return route.handler(self._ctx(), request)

    def _sso_refusal(self) -> Reply:
        """A token not authorized for the organization's SAML single sign-on: 403 and the URL
        to authorize it at in `X-GitHub-SSO` (docs/github-facts.md, "SAML single sign-on")."""
        reply = rest.error(
            403,
            "Resource protected by organization SAML enforcement. You must grant your "
            "Personal Access token access to this organization.",
        )
        url = f"{self.server_url}/orgs/{self.owner}/sso?authorization_request=ABC123"
        reply.headers["x-github-sso"] = f"required; url={url}"
        return reply

    def _graphql(
        self,
        method: str,
        path: str,
        raw_path: str,
        query: dict[str, str],
        headers: dict[str, str],
        body: Any,
        body_ok: bool,
    ) -> Reply:
        if not headers.get("authorization"):
            return Reply(
                401,
                {
                    "message": "This endpoint requires you to be authenticated.",
                    "documentation_url": "https://docs.github.com/graphql/guides/forming-calls-with-graphql#authenticating-with-graphql",
                },
            )
        if self._auth(headers) is None:
            return rest.error(401, "Bad credentials")
        if self._auth(headers) == "sso":
            return self._sso_refusal()
        if not body_ok:
            return rest.error(400, "Problems parsing JSON", "https://docs.github.com/graphql")
        with self._lock:
            used = self._used["graphql"] + 1
        ctx = graphql_api.Ctx(
            git=self.git,
            owner=self.owner,
            name=self.name,
            server_url=self.server_url,
            repo_id=self._ctx().repo_id,
            reset_at=self._reset_at,
            rate_used=used,
            ref_query=self.ref_query,
            branch_order=self.branch_order,
        )
        answer = graphql_api.handle(ctx, body)
        if ctx.bugs:
            sys.stderr.write("".join(f"GitHub stand-in GraphQL error:\n{t}" for t in ctx.bugs))
            with self._lock:
                self.server_errors.extend(ctx.bugs)
        return Reply(200, answer)

    def __repr__(self) -> str:
        state = self.api_url if self._server else "stopped"
        return f"<StandIn {self.owner}/{self.name} {self.git.path} {state}>"
