"""How the GitHub backend talks to GitHub: PyGithub's requester, retries, backoff, rate
limits, a wait budget and a deadline.

PyGithub is set up for a short-lived CI step: no urllib3 retries (this module decides what
is safe to retry), no throttle sleeps, a timeout on every request. What GitHub's answers
mean for the user is in refusals.py; this module only decides whether and how long to wait.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import github
import requests
from github import Auth, GithubException

from registry_action.core.errors import BackendError

API_VERSION = "2022-11-28"
TIMEOUT = 15  # seconds, connect and read: a hung API must not hold a runner
WAIT_BUDGET = 60.0  # seconds of backoff one run may spend in all
MAX_TRIES = 4
DEADLINE = 120.0  # seconds from the backend's start after which no retry is begun
# GitHub: without retry-after or x-ratelimit-reset, "wait for at least one minute before
# retrying" a rate limit error (docs/github-facts.md, "Rate limits").
RATE_LIMIT_WAIT = 60.0

T = TypeVar("T")
_RETRIABLE = {429, 500, 502, 503, 504}

Refuse = Callable[[GithubException], BackendError]


class Transport:
    """One PyGithub requester, and the waiting one step may do on it."""

    def __init__(
        self,
        token: str,
        api_url: str,
        graphql_url: str = "",
        *,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
        timer: Callable[[], float] | None = None,
        log: Callable[[str], None] | None = None,
    ) -> None:
        client = github.Github(
            auth=Auth.Token(token) if token else None,
            base_url=api_url.rstrip("/"),
            timeout=TIMEOUT,
            retry=None,
            seconds_between_requests=None,
            seconds_between_writes=None,
            lazy=True,
        )
        self.requester = client.requester
        self.graphql_url = graphql_url or self.requester.graphql_url
        self._sleep = sleep or time.sleep
        self.clock = clock or time.time  # wall time: tagger dates, Retry-After, limit resets
        self._waited = 0.0
        self._timer = timer or time.monotonic  # elapsed time, for the deadline
        self._started = self._timer()
        self._log = log or _stderr

    # -- requests --------------------------------------------------------------------------

    def graphql(self, body: dict[str, Any], refuse: Refuse) -> tuple[dict[str, Any], Any]:
        """POST a GraphQL document; a spent GraphQL limit (a 200 with a RATE_LIMITED error)
        is waited out as GitHub's reset says. Returns the headers and the parsed body (None
        when it is not JSON)."""
        for attempt in range(1, MAX_TRIES + 1):
            headers, data = self._post_graphql(body, refuse)
            lowered = {k.lower(): v for k, v in headers.items()}
            if attempt < MAX_TRIES and _rate_limited(data) and "x-ratelimit-reset" in lowered:
                self.backoff({**lowered, "x-ratelimit-remaining": "0"}, attempt, "RATE_LIMITED")
                continue
            break
        return headers, data

    def _post_graphql(self, body: dict[str, Any], refuse: Refuse) -> tuple[dict[str, Any], Any]:
        def call() -> tuple[dict[str, Any], Any]:
            return self.requester.requestJsonAndCheck("POST", self.graphql_url, input=body)

        try:
            return self.retry(call, refuse)
        except ValueError:  # a 200 whose body is not JSON
            return {}, None

    def post(self, path: str, body: dict[str, Any]) -> tuple[dict[str, Any], Any]:
        return self.requester.requestJsonAndCheck(
            "POST", path, input=body, headers={"X-GitHub-Api-Version": API_VERSION}
        )

    def get(self, path: str, params: dict[str, Any] | None = None) -> tuple[dict[str, Any], Any]:
        return self.requester.requestJsonAndCheck("GET", path, parameters=params)

    # -- retries ---------------------------------------------------------------------------

    def retry(self, call: Callable[[], T], refuse: Refuse) -> T:
        """Run an idempotent call, retrying transient failures within the wait budget;
        a failure that is not retried is turned into an error by `refuse`."""
        for attempt in range(1, MAX_TRIES + 1):
            try:
                return call()
            except GithubException as err:
                if attempt == MAX_TRIES or not transient(err):
                    raise refuse(err) from None
                self.backoff(headers_of(err), attempt, str(err.status), limited(err))
            except requests.RequestException as err:
                if attempt == MAX_TRIES:
                    raise unreachable(err) from None
                self.backoff({}, attempt, type(err).__name__)
        raise unreachable(None)  # not reached: the last attempt returns or raises

    def backoff(
        self, headers: dict[str, str], attempt: int, what: str, limit: bool = False
    ) -> None:
        """Sleep before retry `attempt + 1`: as GitHub says, else exponentially (a rate
        limit at least a minute); bounded by the wait budget and the deadline."""
        wait = self.wait_for(headers, attempt, limit)
        elapsed = self._timer() - self._started
        if self._waited + wait > WAIT_BUDGET or elapsed + wait > DEADLINE:
            raise BackendError(
                f"GitHub kept answering {what}; the next retry would wait {wait:.0f} s, past "
                f"this step's budget ({WAIT_BUDGET:.0f} s of waiting, {DEADLINE:.0f} s in all).",
                "GitHub is busy or the rate limit is spent; {later}.",
            )
        if wait >= RATE_LIMIT_WAIT / 2:  # a long wait should not look like a hang
            self._log(f"GitHub answered {what}: waiting {wait:.0f} s before trying again.")
        self._waited += wait
        self._sleep(wait)

    def wait_for(self, headers: dict[str, str], attempt: int, limit: bool) -> float:
        """Seconds to wait: Retry-After, else the limit's reset, else a minute for a rate
        limit, else 1, 2, 4 s."""
        told = _seconds(headers["retry-after"], self.clock()) if "retry-after" in headers else None
        if told is not None:
            return told
        if headers.get("x-ratelimit-remaining") == "0" and "x-ratelimit-reset" in headers:
            return max(0.0, float(headers["x-ratelimit-reset"]) - self.clock()) + 1
        return RATE_LIMIT_WAIT if limit else float(2 ** (attempt - 1))


def transient(err: GithubException) -> bool:
    """Whether a retry may get another answer: a server error or a rate limit."""
    headers = headers_of(err)
    # Primary limits say remaining 0; secondary limits say Retry-After, or only say so.
    spent = err.status == 403 and (
        headers.get("x-ratelimit-remaining") == "0" or "retry-after" in headers or limited(err)
    )
    return err.status in _RETRIABLE or spent


def limited(err: GithubException) -> bool:
    """A rate limit, waited at least a minute when GitHub names no time: any 429 ("too many
    requests", whatever its text), or a 403 saying it is GitHub's secondary rate limit."""
    if err.status == 429:
        return True
    return err.status == 403 and "secondary rate limit" in message_of(err).lower()


def unreachable(err: requests.RequestException | None) -> BackendError:
    what = type(err).__name__ if err else "no answer"
    return BackendError(f"GitHub could not be reached: {what}.", "GitHub may be down; {later}.")


def headers_of(err: GithubException) -> dict[str, str]:
    return {k.lower(): v for k, v in (err.headers or {}).items()}


def message_of(err: GithubException) -> str:
    data = err.data
    if isinstance(data, dict):
        return str(data.get("message", ""))
    return str(data or "")


def _rate_limited(data: Any) -> bool:
    errors = data.get("errors") if isinstance(data, dict) else None
    return any(isinstance(e, dict) and e.get("type") == "RATE_LIMITED" for e in errors or [])


def _seconds(retry_after: str, now: float) -> float | None:
    """Retry-After is seconds or an HTTP date; None when it is neither."""
    try:
        return max(0.0, float(retry_after))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(retry_after).timestamp() - now)
    except (TypeError, ValueError, OverflowError):
        return None


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
