"""Scenarios shared by the pytest tests and the report: each runs in a Lab and returns an Outcome.

An Outcome says what was tried (faults injected, runs raced, inputs fed), how many held
(survived, ended cleanly, were refused before any request), the wrong or partial tags the
repository audit found, and every broken expectation (`problems`; a test asserts it is
empty, the report prints it).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import posixpath
import re
import subprocess
import threading
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from email.utils import formatdate
from pathlib import Path
from typing import Any

import gto.constants as gto_constants
import pytest
import yaml
from gto.api import show as gto_show
from gto.tag import parse_name
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.inprocess import TOKEN, Run, error_text, register
from harness.runner import input_env_name, parse_file_command, parse_workflow_commands
from harness.standin import Fault
from registry_action.backends.github import http as github_http
from registry_action.commands import write
from registry_action.commands.write import ATTEMPTS
from registry_action.core import dvc_yaml as annotations
from registry_action.core.errors import RegistryError
from registry_action.core.grammar import ModelName
from registry_action.core.outputs import LISTS, OUTPUT_KEYS
from registry_action.core.repository import Tagger
from registry_action.decide.request import Request
from registry_action.shells import action

from .audit import Audit, Expected, audit, tag_refs
from .lab import SHORT_TIMEOUT, Lab, unreachable_api

TAGGER = Tagger("Racer", "racer@example.test")
MODEL = ModelName.parse("churn")


@dataclass
class Outcome:
    group: str
    name: str
    tried: int = 0  # faults injected / runs raced / inputs fed
    held: int = 0  # survived / ended cleanly / refused before any request
    detail: str = ""
    wrong_tags: int = 0
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0
    bug: str = ""  # a known bug this scenario shows (its test is a strict xfail)
    figures: dict[str, float] = field(default_factory=dict)  # "waited" s, "peak" MiB
    reported: list[Expected] = field(default_factory=list)  # tags its runs reported

    def check(self, ok: bool, problem: str) -> bool:
        if not ok:
            self.problems.append(problem)
        return ok

    def audited(self, result: Audit) -> None:
        self.wrong_tags += len(result.wrong)
        self.problems += result.problems

    @property
    def ok(self) -> bool:
        return not self.problems and self.wrong_tags == 0

    def __str__(self) -> str:
        return f"{self.group} / {self.name}: " + ("ok" if self.ok else "; ".join(self.problems))


@contextlib.contextmanager
def timed(outcome: Outcome) -> Iterator[None]:
    start = time.monotonic()
    try:
        yield
    finally:
        outcome.seconds = time.monotonic() - start


def commands(run: Run) -> list[str]:
    return [c.command for c in run.commands]


def check_clean_refusal(out: Outcome, run: Run, says: str = "") -> None:
    """Exit 1, exactly one ::error (after the mask), no outputs, the summary says so."""
    out.check(run.code == 1, f"exit {run.code}, expected 1")
    out.check(commands(run) == ["add-mask", "error"], f"commands {commands(run)}")
    errors = run.errors()
    message = errors[0].message if errors else ""
    out.check(not says or says.lower() in message.lower(), f"error {message!r} lacks {says!r}")
    out.check(run.outputs == {}, f"outputs written on a refusal: {sorted(run.outputs)}")


# -- faults ----------------------------------------------------------------------------------

READ = {"method": "POST", "path": r"^/graphql$"}
TAG_OBJECT = {"method": "POST", "path": r"/git/tags$"}
REF = {"method": "POST", "path": r"/git/refs$"}
REF_READ = {"method": "GET", "path": r"/git/ref/tags/"}
TARGETS = {"read": READ, "tag object": TAG_OBJECT, "ref": REF}


class Reset(int):
    """A header value: the epoch second this many seconds from now (x-ratelimit-reset)."""


class HttpDate(int):
    """A header value: the HTTP date this many seconds from now (Retry-After)."""


def _header(value: Any, now: float) -> str:
    if isinstance(value, Reset):
        return str(int(now) + int(value))
    if isinstance(value, HttpDate):
        return formatdate(now + int(value), usegmt=True)
    return str(value)


def make_fault(spec: dict[str, Any], now: float) -> Fault:
    """A Fault from a spec; times in headers count from `now` (the Lab's virtual clock)."""
    headers = {k: _header(v, now) for k, v in spec.get("headers", {}).items()}
    return Fault(**{**spec, "headers": headers})


SPENT = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": Reset(5)}
# GitHub's words (docs/github-facts.md).
RULESET = "Repository rule violations found\n\nCannot create ref due to creations being restricted."
NOT_ACCESSIBLE = "Resource not accessible by integration"
ACCEPTED = {"x-accepted-github-permissions": "contents=write; contents=write,workflows=write"}
KINDS: dict[str, tuple[dict[str, Any], float]] = {
    # name: (fault fields, the least wait the backend must honour)
    "500": ({"status": 500}, 0),
    "502": ({"status": 502}, 0),
    "503": ({"status": 503}, 0),
    "504": ({"status": 504}, 0),
    "429 Retry-After: 3": ({"status": 429, "headers": {"Retry-After": "3"}}, 3),
    "429 Retry-After: HTTP date": ({"status": 429, "headers": {"Retry-After": HttpDate(4)}}, 3),
    "429 rate limit spent, reset in 5 s": ({"status": 429, "headers": SPENT}, 5),
    "403 rate limit spent, reset in 5 s": ({"status": 403, "headers": SPENT}, 5),
    "403 secondary limit, Retry-After: 2": ({"status": 403, "headers": {"Retry-After": "2"}}, 2),
}


TRANSIENT = "Transient 5xx, 429 and rate limits on each request"
LOST = "Lost answers: the write happened, its answer did not"
TIMEOUTS = "Read timeouts on each request"
CAPPED = "Persistent faults: a total cap, then a clear error"
MALFORMED = "Malformed answers"


@dataclass(frozen=True)
class FaultCase:
    family: str
    name: str
    faults: tuple[dict[str, Any], ...]
    expect: str = "tag"  # "tag": one tag; "refused": a clean error, no tag; "clean": either
    says: str = ""  # a refusal's error says this
    least_wait: float = 0  # some backoff sleep is at least this (the API's wait honoured)
    ref_posts: int | None = None  # exactly this many ref POSTs (a lost answer: 1)
    timeout: float | None = None  # the client timeout for this case
    unreachable: bool = False  # the API never accepts a connection
    orphan: bool = False  # a tag object was made whose ref never was: it must stay invisible
    max_seconds: float = 10.0  # wall clock
    bug: str = ""


def _f(target: dict[str, Any], times: int | None = 1, **fields: Any) -> dict[str, Any]:
    return {**target, "times": times, **fields}


def _transient() -> list[FaultCase]:
    cases = []
    for target_name, target in TARGETS.items():
        for kind, (fields, wait) in KINDS.items():
            name = f"{kind} on the {target_name}"
            cases.append(FaultCase(TRANSIENT, name, (_f(target, **fields),), least_wait=wait))
        for kind in ("502", "429 Retry-After: 3"):
            fields, wait = KINDS[kind]
            name = f"{kind}, 3 times in a row, on the {target_name}"
            cases.append(
                FaultCase(TRANSIENT, name, (_f(target, times=3, **fields),), least_wait=wait)
            )
    # A ref POST that failed without taking effect is posted again after a read-back.
    cases += [
        FaultCase(
            TRANSIENT,
            "502 on the ref, then 502 on its read-back",
            (_f(REF, status=502), _f(REF_READ, status=502)),
        ),
        FaultCase(
            TRANSIENT,
            "502 on the ref, then 429 Retry-After: 2 on its read-back",
            (_f(REF, status=502), _f(REF_READ, status=429, headers={"Retry-After": "2"})),
            least_wait=2,
        ),
    ]
    return cases


def _lost() -> list[FaultCase]:
    cases = [
        FaultCase(
            LOST,
            f"lost answer ({status}) to the ref POST",
            (_f(REF, status=status, apply_then_fail=True),),
            ref_posts=1,
        )
        for status in (500, 502, 504)
    ]
    return [
        *cases,
        FaultCase(
            LOST,
            "lost answer (429) to the ref POST",
            (_f(REF, status=429, headers={"Retry-After": "1"}, apply_then_fail=True),),
            ref_posts=1,
        ),
        FaultCase(
            LOST,
            "lost answer to the ref POST, its read-back fails twice",
            (_f(REF, status=502, apply_then_fail=True), _f(REF_READ, times=2, status=503)),
            ref_posts=1,
        ),
        FaultCase(
            LOST,
            "lost answer (502) to the tag-object POST",
            (_f(TAG_OBJECT, status=502, apply_then_fail=True),),
        ),
        FaultCase(
            LOST,
            "a fault on every request, the ref POST's answer lost",
            (
                _f(READ, status=502),
                _f(TAG_OBJECT, status=429, headers={"Retry-After": "1"}),
                _f(REF, status=504, apply_then_fail=True),
                _f(REF_READ, status=500),
            ),
            ref_posts=1,
        ),
    ]


LATE = SHORT_TIMEOUT + 0.2  # a delay past the client timeout


def _timeouts() -> list[FaultCase]:
    """The answer comes after the client gave up; a late ref POST still lands."""
    late = {"status": None, "delay": LATE}
    return [
        FaultCase(TIMEOUTS, "read timeout on the read", (_f(READ, **late),), timeout=SHORT_TIMEOUT),
        FaultCase(
            TIMEOUTS,
            "read timeout on the tag object",
            (_f(TAG_OBJECT, **late),),
            timeout=SHORT_TIMEOUT,
        ),
        FaultCase(
            TIMEOUTS,
            "read timeout on the ref (the late POST still lands)",
            (_f(REF, **late),),
            timeout=SHORT_TIMEOUT,
        ),
        FaultCase(
            TIMEOUTS,
            "read timeout on the ref read-back",
            (_f(REF, status=502), _f(REF_READ, **late)),
            timeout=SHORT_TIMEOUT,
        ),
    ]


def _capped() -> list[FaultCase]:
    every = {"times": None}
    return [
        FaultCase(
            CAPPED,
            "502 on every read",
            (_f(READ, **every, status=502),),
            expect="refused",
            says="GitHub answered 502",
        ),
        FaultCase(
            CAPPED,
            "429 Retry-After: 25 on every read",
            (_f(READ, **every, status=429, headers={"Retry-After": "25"}),),
            expect="refused",
            says="budget",
            least_wait=25,
        ),
        FaultCase(
            CAPPED,
            "rate limit spent, reset in 2 hours",
            (_f(READ, **every, status=403, headers={**SPENT, "x-ratelimit-reset": Reset(7200)}),),
            expect="refused",
            says="budget",
        ),
        FaultCase(
            CAPPED,
            "502 on every ref POST (the tag object stays unreferenced)",
            (_f(REF, **every, status=502),),
            expect="refused",
            says="no tag is visible",
            orphan=True,
        ),
        FaultCase(
            CAPPED,
            "502 on every ref POST and read-back",
            (_f(REF, **every, status=502), _f(REF_READ, **every, status=502)),
            expect="refused",
            says="GitHub answered 502",
            orphan=True,
        ),
        FaultCase(
            CAPPED,
            "ref refused by a repository rule (422)",
            (_f(REF, status=422, body={"message": RULESET}),),
            expect="refused",
            says="ruleset's bypass list",
            orphan=True,
        ),
        FaultCase(
            CAPPED,
            "422 Reference update failed on every ref POST",
            (_f(REF, **every, status=422, body={"message": "Reference update failed"}),),
            expect="refused",
            says="no tag is visible",
            orphan=True,
        ),
        FaultCase(
            CAPPED,
            "403 on the ref after the tag object (a commit that needs `workflows`)",
            (_f(REF, status=403, body={"message": NOT_ACCESSIBLE}, headers=ACCEPTED),),
            expect="refused",
            says="workflows: write",
            orphan=True,
        ),
        FaultCase(
            CAPPED,
            "read timeout on every request",
            (_f({"path": ""}, **every, status=None, delay=LATE),),
            expect="refused",
            says="could not be reached",
            timeout=SHORT_TIMEOUT,
            max_seconds=4 * SHORT_TIMEOUT + 3,
        ),
        FaultCase(
            CAPPED,
            "connect timeout on every request",
            (),
            expect="refused",
            says="could not be reached",
            timeout=SHORT_TIMEOUT,
            unreachable=True,
            max_seconds=4 * SHORT_TIMEOUT + 3,
        ),
    ]


def _odd_answers() -> list[FaultCase]:
    """Answers GitHub documents but rarely sends, and ones a proxy might send."""
    rate_limited = {
        "status": 200,
        "headers": SPENT,
        "body": {
            "data": None,
            "errors": [{"type": "RATE_LIMITED", "message": "API rate limit exceeded."}],
        },
    }
    soon = {"Retry-After": "soon"}
    return [
        FaultCase(
            TRANSIENT,
            "GraphQL rate limit spent (200, RATE_LIMITED), reset in 5 s",
            (_f(READ, **rate_limited),),
            least_wait=5,
        ),
        FaultCase(
            TRANSIENT,
            "422 Reference update failed on the ref (passes on a retry)",
            (_f(REF, status=422, body={"message": "Reference update failed"}),),
            least_wait=1,
        ),
        FaultCase(
            TRANSIENT,
            "403 secondary rate limit without Retry-After on the ref",
            (_f(REF, status=403),),
            least_wait=60,
        ),
        FaultCase(
            TRANSIENT,
            "429 Retry-After: soon on the tag object",
            (_f(TAG_OBJECT, status=429, headers=soon),),
        ),
        FaultCase(
            TRANSIENT,
            "503 Retry-After: soon on the read",
            (_f(READ, status=503, headers=soon),),
        ),
        FaultCase(
            MALFORMED,
            "201 without a sha (an HTML page) for the tag object",
            (_f(TAG_OBJECT, status=201, body="<html>Welcome</html>"),),
            expect="clean",
        ),
    ]


FAULT_CASES: list[FaultCase] = [*_transient(), *_lost(), *_timeouts(), *_capped(), *_odd_answers()]
FAMILIES = (TRANSIENT, LOST, TIMEOUTS, CAPPED, MALFORMED)


def fault_scenario(lab: Lab, case: FaultCase, model: str = "churn", gto: bool = True) -> Outcome:
    """Register the first version of `model` (declared at HEAD) while the faults fire.

    `gto`: have gto read the repository back too (fault_family does it once at the end:
    gto reads every tag, so a call per case would grow with the repository)."""
    out = Outcome(case.family, case.name, bug=case.bug)
    head = lab.head()
    before = {t.name for t in tag_refs(lab.repo)}
    lab.timeout(case.timeout)
    faults = [lab.standin.inject(make_fault(spec, lab.clock.time())) for spec in case.faults]
    lab.clock.take()
    lab.standin.reset_log()
    with timed(out), contextlib.ExitStack() as stack:
        env = {}
        if case.unreachable:
            url = stack.enter_context(unreachable_api())
            env = {"GITHUB_API_URL": url, "GITHUB_GRAPHQL_URL": f"{url}/graphql"}
        run = lab.run(env=env, model=model)
    lab.idle()
    lab.standin.clear_faults()
    lab.timeout(None)
    sleeps = lab.clock.take()
    out.figures["waited"] = sum(sleeps)
    out.tried = sum(f.hits for f in faults) or (1 if case.unreachable else 0)
    for fault in faults:
        fired = fault.hits == fault.times if fault.times is not None else fault.hits > 0
        out.check(fired, f"fault {fault.method} {fault.path} fired {fault.hits} times")
    budget = github_http.WAIT_BUDGET
    out.check(sum(sleeps) <= budget, f"waited {sum(sleeps):.0f} s in all, budget {budget:.0f} s")
    out.check(
        not case.least_wait or max(sleeps, default=0) >= case.least_wait,
        f"waits {sleeps} ignore the {case.least_wait} s the API asked for",
    )
    out.check(out.seconds <= case.max_seconds, f"took {out.seconds:.1f} s")
    out.check(lab.standin.invalid_bodies == [], f"invalid bodies {lab.standin.invalid_bodies}")
    ref_posts = [r for r in lab.standin.requests if r.method == "POST" and r.path.endswith("/refs")]
    if case.ref_posts is not None:
        out.check(len(ref_posts) == case.ref_posts, f"{len(ref_posts)} ref POSTs")
    expect = case.expect
    if expect == "clean":  # either outcome is fine, as long as it is a clean one
        expect = "tag" if run.code == 0 else "refused"
        title = run.errors()[0].prop("title") if run.errors() else ""
        out.check(title != "Internal error", f"an internal error: {run.errors()[0].message}")
    reported = []
    if expect == "tag":
        o = run.outputs
        out.check(run.code == 0, f"exit {run.code}: {[e.message for e in run.errors()]}")
        # A wait of half a minute or more is said as it begins (a notice of its own), so a
        # long wait never looks like a hang; nothing else is printed beside the result.
        waits = [c for c in run.commands if c.prop("title") == "Waiting for GitHub"]
        rest = [c.command for c in run.commands if c not in waits]
        out.check(rest == ["add-mask", "notice"], f"commands {commands(run)}")
        long_wait = max(sleeps, default=0) >= github_http.RATE_LIMIT_WAIT / 2
        out.check(
            bool(waits) == long_wait and all(w.command == "notice" for w in waits),
            f"{len(waits)} wait notices for waits {sleeps}",
        )
        out.check(
            (o.get("tag"), o.get("commit"), o.get("created")) == (f"{model}@v0.0.1", head, "true"),
            f"outputs {o.get('tag')} {o.get('commit')} created={o.get('created')}",
        )
        if run.code == 0:
            reported = [Expected(o["tag"], o["commit"], o["tag-sha"])]
        out.detail = "registered, one tag" + (f", waited {sum(sleeps):.0f} s" if sleeps else "")
    else:
        check_clean_refusal(out, run, case.says)
        out.check(model not in gto_show(str(lab.repo)), f"gto sees a version of {model}")
        if case.orphan:  # the tag object exists, but nothing points at it
            made = [
                r.response["sha"]
                for r in lab.standin.requests
                if r.path.endswith("/git/tags") and r.status == 201
            ]
            out.check(bool(made), "no tag object was made")
            for sha in made:
                kind = lab.standin.git.run("cat-file", "-t", sha).decode().strip()
                out.check(kind == "tag", f"tag object {sha} is a {kind}")
        message = run.errors()[0].message if run.errors() else ""
        out.detail = f"clear error in {out.seconds:.1f} s: {message[:60]}"
    out.reported = reported
    result = audit(lab.repo, reported, preexisting=before, gto=gto)
    new = [t.name for t in result.tags if t.name not in before]
    out.check(len(new) == len(reported), f"new tags {new}, {len(reported)} reported")
    out.audited(result)
    out.held = int(out.ok)
    return out


def fault_family(lab: Lab, cases: Sequence[FaultCase]) -> list[Outcome]:
    """Several cases in one Lab, each registering its own model (declared in one commit);
    then gto reads back every tag they reported, once."""
    models = [f"model-{i}" for i in range(len(cases))]
    declared = "artifacts:\n" + "".join(f"  {m}:\n    path: {m}.pkl\n" for m in models)
    lab.commit({"dvc.yaml": declared}, "Declare the models")
    pairs = zip(cases, models, strict=True)
    outcomes = [fault_scenario(lab, case, model, gto=False) for case, model in pairs]
    by_tag = {e.tag: o for o in outcomes for e in o.reported}
    result = audit(lab.repo, [e for o in outcomes for e in o.reported])
    for tag in result.wrong:
        outcome = by_tag.get(tag, outcomes[-1])
        outcome.wrong_tags += 1
        outcome.problems += [p for p in result.problems if p.startswith(f"{tag}: ")]
    return outcomes


# -- races -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RaceCase:
    name: str
    runs: int
    version: str = ""  # empty: auto-bump
    same_commit: bool = False
    models: bool = False  # each run its own model
    faults: tuple[dict[str, Any], ...] = ()
    bug: str = ""


RACE_CASES = [
    RaceCase("one version on different commits", 6, version="v1.0.0"),
    RaceCase("one version on one commit (re-runs)", 6, version="v1.0.0", same_commit=True),
    RaceCase("auto-bumps on different commits", 8),
    RaceCase("auto-bumps on one commit (re-runs)", 6, same_commit=True),
    RaceCase("different models at once", 6, models=True),
    RaceCase(
        "auto-bumps on different commits, with lost answers and 5xx",
        6,
        faults=(
            _f(REF, times=3, status=502, apply_then_fail=True),
            _f(READ, times=2, status=502),
            _f(TAG_OBJECT, times=2, status=429, headers={"Retry-After": "1"}),
        ),
    ),
]


@dataclass
class Raced:
    request: Request
    kind: str = ""  # "created", "re-run", an error title, or "crash"
    registration: write.Outcome | None = None
    error: BaseException | None = None


def race(lab: Lab, requests: Sequence[Request]) -> list[Raced]:
    """Run `register` for every request at once, one thread and backend each."""
    results = [Raced(r) for r in requests]
    barrier = threading.Barrier(len(requests))

    def one(slot: Raced) -> None:
        backend = lab.backend()
        barrier.wait()
        try:
            slot.registration = register(backend, slot.request)
            slot.kind = "created" if slot.registration.created else "re-run"
        except RegistryError as err:
            slot.kind, slot.error = err.title, err
        except Exception as err:
            slot.kind, slot.error = "crash", err

    threads = [threading.Thread(target=one, args=(slot,)) for slot in results]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def race_scenario(lab: Lab, case: RaceCase, gto_cli: bool = False) -> Outcome:
    """Start every run at once (threads, one backend each); audit what they leave."""
    out = Outcome("Races", case.name, tried=case.runs)
    requests = _race_requests(lab, case)
    faults = [lab.standin.inject(make_fault(spec, lab.clock.time())) for spec in case.faults]
    with timed(out):
        results = race(lab, requests)
    lab.idle()
    lab.standin.clear_faults()
    kinds = Counter(r.kind for r in results)
    out.detail = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
    if faults:
        out.detail += f"; {sum(f.hits for f in faults)} faults injected"
    for r in results:
        if r.kind == "crash":
            out.problems.append(f"crash: {type(r.error).__name__}: {r.error}")
    made = [r for r in results if r.kind == "created"]
    ok = [r for r in results if r.registration is not None]
    expected = [
        Expected(reg.plan.tag, reg.plan.commit, reg.tag.sha, r.request.message)
        for r in made
        if (reg := r.registration) is not None
    ]
    for r in ok:
        reg = r.registration
        assert reg is not None
        out.check(
            reg.plan.commit == lab.standin.git.resolve_commit(r.request.commit),
            f"{reg.plan.tag} reported on {reg.plan.commit}, asked for {r.request.commit}",
        )
    # `gto show --json` costs a process (~0.5 s): always for different models, else on request.
    result = audit(lab.repo, expected, gto_cli=gto_cli or case.models)
    out.audited(result)
    _check_race(out, case, results, made, ok)
    out.check(len(result.tags) == len(made), f"{len(result.tags)} tags for {len(made)} creations")
    out.held = sum(1 for r in results if r.kind != "crash") if out.ok else 0
    return out


def _race_requests(lab: Lab, case: RaceCase) -> list[Request]:
    """Declare the case's models, make its commits, and the one request of each run."""
    models = [f"m{i}" for i in range(case.runs)] if case.models else ["churn"]
    declared = "artifacts:\n" + "".join(f"  {m}:\n    path: models/{m}.pkl\n" for m in models)
    lab.commit({"dvc.yaml": declared}, "Declare the models")
    if case.same_commit or case.models:
        commits = [lab.head()] * case.runs
    else:
        commits = [lab.commit({f"data/{i}": str(i)}, f"Train {i}") for i in range(case.runs)]
    return [
        Request.from_inputs(
            model=models[i % len(models)],
            version=case.version,
            commit=commits[i],
            message=f"run {i}",
            tagger=TAGGER,
        )
        for i in range(case.runs)
    ]


def _check_race(
    out: Outcome, case: RaceCase, results: list[Raced], made: list[Raced], ok: list[Raced]
) -> None:
    """What each kind of race must end in."""
    if case.version and not case.same_commit:
        out.check(len(made) == 1, f"{len(made)} runs created the version")
        winner = made[0].registration.plan.commit if made and made[0].registration else "?"
        for r in results:
            if r.kind != "created":
                out.check(
                    r.kind == "Version already registered" and winner in str(r.error),
                    f"a loser ended {r.kind}: {r.error}",
                )
    elif case.same_commit:
        out.check(len(made) == 1, f"{len(made)} runs created a tag")
        out.check(len(ok) == case.runs, f"only {len(ok)} of {case.runs} runs succeeded")
        shas = {r.registration.tag.sha for r in ok if r.registration}
        out.check(len(shas) == 1, f"the runs report {len(shas)} different tag objects")
    elif case.models:
        out.check(len(made) == case.runs, f"only {len(made)} of {case.runs} models registered")
    else:
        _check_auto_bumps(out, results, ok)


def _check_auto_bumps(out: Outcome, results: list[Raced], ok: list[Raced]) -> None:
    """Auto-bumps on different commits: each its own next version, or out of attempts."""
    versions = [r.registration.outputs["version"] for r in ok if r.registration]
    out.check(len(versions) == len(set(versions)), f"versions handed out twice: {versions}")
    out.check(
        sorted(versions, key=lambda v: tuple(map(int, v[1:].split(".")))) ==
        [f"v0.0.{i}" for i in range(1, len(versions) + 1)],
        f"versions are not v0.0.1..v0.0.{len(versions)}: {sorted(versions)}",
    )  # fmt: skip
    for r in results:
        if r.registration is None:
            out.check(
                r.kind == "Tag created concurrently" and f"{ATTEMPTS} attempts" in str(r.error),
                f"a run ended {r.kind}: {r.error}",
            )


# -- hostile input ---------------------------------------------------------------------------

# Pieces that try to forge workflow commands or outputs, break refs, or confuse a terminal.
FORGERIES = [
    "::error::forged",
    "line\n::error::forged",
    "line\r::error::forged",
    "line\r\n::warning title=x::forged",
    "%0A::error::forged",
    "%0D%0A::error::forged",
    "%25%30A",
    "ghadelimiter_0123\nversion=v9.9.9",
    "EOF\nversion=v9.9.9\nEOF",
    "tag<<EOF\nchurn@v9.9.9\nEOF",
    "version=v9.9.9",
    "::set-output name=version::v9.9.9",
    "::add-mask::x",
    "::stop-commands::pwn\n::error::inside\n::pwn::",
    "##[error]legacy forged",
    "::group::x",
    "\u2028::error::forged",
    "\x85::error::forged",
    "x" * 100_000 + "\n::error::late",
    "модель 模型 🙂 \u202eevil",
    "\x1b]0;title\x07\x1b[31mred",
    "${{ github.token }} $(echo pwned) `id`",
]
HOSTILE_PIECES = [
    *FORGERIES[:18],
    "\n", "\r", "\t", " ", "::", "..", "@{", "~", "^", ":", "=", "@", "#", "!", "/", "-",
    ".lock", "\\", "'", '"', "*", "?", "[", "é", "模型", "🙂", "\u202e", "\ufeff", "\x7f", "\x00",
]  # fmt: skip
VALID_NAME = r"[a-zA-Z0-9](?:[a-zA-Z0-9\-/_]{0,12}[a-zA-Z0-9])?"
# SemVer 2.0.0 as semver.org writes it (ASCII digits), with GTO's lowercase `v`.
SEMVER_ORG = re.compile(
    r"v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)"
    r"(?:-((?:0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?"
)
FLAGS = ("force", "require-annotation", "dry-run")


def git_ref_ok(ref: str) -> bool:
    """`git check-ref-format`, the reference for what a ref may be."""
    if ref.startswith("-") or "\x00" in ref:
        return False
    done = subprocess.run(["git", "check-ref-format", ref], capture_output=True, check=False)
    return done.returncode == 0


def refusal_expected(inputs: dict[str, str], head: str) -> str:
    """Which input should be refused before any request ('' when none), by independent rules:
    gto's name pattern, SemVer 2.0.0, `git check-ref-format`, and the documented input rules.
    Inputs are trimmed, as the runner's toolkit does."""
    get = {k: v.strip() for k, v in inputs.items()}
    for flag in FLAGS:
        if get.get(flag, "false").lower() not in ("true", "false"):
            return flag
    model, version = get.get("model", ""), get.get("version", "")
    if "\x00" in inputs.get("message", ""):
        return "message"
    if not re.fullmatch(gto_constants.fullname, model):
        return "model"
    if version and not SEMVER_ORG.fullmatch(version):
        return "version"
    if why := _ref_refusal(model.replace(":", "="), version):
        return why
    if get.get("bump", "") and get["bump"].lower() not in ("patch", "minor", "major"):
        return "bump"
    commit = get.get("commit", "") or head
    # The documented rule (README, input `commit`): any revision git or GitHub resolves, never
    # an option, a path inside a commit, a range, a `^{type}` peel, or white space.
    unsafe = re.search(r"[\s\x00-\x1f\x7f:\\]|\.\.|\^\{", commit)
    if not commit or commit.startswith("-") or unsafe:
        return "commit"
    for who in ("tagger-name", "tagger-email"):
        if get.get(who) and re.search(r"[<>\x00-\x1f\x7f]", get[who]):
            return who
    return ""


def _ref_refusal(in_tag: str, version: str) -> str:
    """`git check-ref-format`, and GitHub's 255-byte limit on refs: a version must leave room
    for its deregistration (`@VERSION!`), and any model for its first version tag."""
    if not git_ref_ok(f"refs/tags/{in_tag}@{version or 'v0.0.0'}"):
        return "model"
    if version and len(f"refs/tags/{in_tag}@{version}!".encode()) > 255:
        return "version"
    if len(f"refs/tags/{in_tag}@v0.0.0".encode()) > 255:
        return "model"
    return ""


def round_trips(outputs: dict[str, str]) -> str:
    """'' when gto's parser reads the tag as this name and version, else what differs."""
    tag = outputs.get("tag", "")
    if not re.fullmatch(gto_constants.tag_re, tag):
        return f"gto's tag_re does not match {tag!r}"
    parsed = parse_name(tag)
    if (parsed.get("name"), parsed.get("version")) != (outputs["name"], outputs["version"]):
        return f"gto reads {tag!r} as {parsed}, outputs say {outputs['name']} {outputs['version']}"
    return ""


def expect_own_commands(run: Run) -> str:
    """'' when stdout holds exactly the commands the action emits, else what else it holds."""
    want = ["add-mask", "notice"] if run.code == 0 else ["add-mask", "error"]
    got = commands(run)
    if got != want:
        return f"stdout holds the commands {got}, expected {want}"
    if run.commands[0].message != TOKEN:
        return f"the mask is {run.commands[0].message!r}"
    return ""


def _inputs_strategy(head: str) -> Any:
    """Every register input: valid values, with up to three inputs swapped for hostile ones."""
    hostile = st.lists(
        st.one_of(st.sampled_from(HOSTILE_PIECES), st.text(max_size=6)), min_size=1, max_size=5
    ).map("".join)
    long = st.builds(
        lambda s, n: s * n, st.sampled_from(["a", "é", "::error::x\n"]), st.integers(300, 3000)
    )
    name = st.from_regex(VALID_NAME, fullmatch=True)
    folder = st.from_regex(r"[a-zA-Z0-9\-_./]{1,8}", fullmatch=True)
    truthy = st.sampled_from(["true", "TRUE", "True", " true", "tRuE\n"])
    flag = st.one_of(st.sampled_from(["false", "FALSE", " False "]), truthy)
    valid = {
        "model": st.one_of(name, st.builds(lambda d, n: f"{d}:{n}", folder, name)),
        "version": st.one_of(st.just(""), st.from_regex(SEMVER_ORG, fullmatch=True)),
        "bump": st.sampled_from(["", "patch", "MINOR", " major "]),
        "commit": st.sampled_from(
            [head, head[:7], head.upper(), "main", "HEAD", "", "refs/heads/main"]
        ),
        "message": st.one_of(st.just(""), hostile, long),  # any text is a valid message
        "force": flag,
        "require-annotation": st.one_of(st.just("false"), flag),
        "dry-run": truthy,  # nothing is created: examples stay independent
        "tagger-name": st.one_of(
            st.just(""), st.text(st.characters(codec="utf-8", min_codepoint=32), max_size=12)
        ),
        "tagger-email": st.one_of(st.just(""), st.emails()),
    }
    bad = {
        "model": st.one_of(st.builds(lambda n, h: n + h, name, hostile), hostile, long),
        "version": st.one_of(
            st.builds(lambda h: "v" + h, hostile),
            st.sampled_from(["1.0.0", "v1.0", "V1.0.0", "v01.0.0", "v1.0.0-", "v1.0.0+", "v1.0.٣"]),
            hostile,
        ),
        "commit": st.one_of(st.from_regex(r"[0-9a-f]{1,41}", fullmatch=True), hostile, long),
        **{key: hostile for key in valid if key not in ("model", "version", "commit")},
    }

    def mix(good: dict[str, str], evil: dict[str, str], swap: set[str]) -> dict[str, str]:
        # Env values hold no NUL (the runner could not pass one): `nul_inputs` covers it.
        picked = {k: (evil[k] if k in swap else v) for k, v in good.items()}
        return {k: v.replace("\x00", "") for k, v in picked.items()}

    return st.builds(
        mix,
        st.fixed_dictionaries(valid),
        st.fixed_dictionaries(bad),
        st.sets(st.sampled_from(sorted(valid)), max_size=3),
    )


def _failure(err: BaseException) -> str:
    """A failing hypothesis example: the assertion, then the falsifying example."""
    notes = "\n".join(getattr(err, "__notes__", []))
    # Several distinct failures come as one group: each with its own falsifying example.
    parts = [_failure(sub) for sub in getattr(err, "exceptions", ())]
    return "\n".join([f"{type(err).__name__}: {err}\n{notes}", *parts])[:6000]


def _settings(examples: int, derandomize: bool) -> settings:
    return settings(
        max_examples=examples,  # run_action names its files from a counter of 1,000 runs
        deadline=None,
        derandomize=derandomize,
        database=None if derandomize else settings.default.database,
        suppress_health_check=list(HealthCheck),
    )


def hostile_inputs(lab: Lab, examples: int, derandomize: bool = False) -> Outcome:
    """Hypothesis over every register input: refused before any request, or round-trips."""
    out = Outcome("Hostile input", "register inputs (hypothesis)")
    head = lab.head()
    counts: Counter[str] = Counter()
    made: list[Expected] = []

    @_settings(examples, derandomize)
    @given(_inputs_strategy(head))
    def example(inputs: dict[str, str]) -> None:
        out.tried += 1
        lab.standin.reset_log()
        run = lab.run(**{k.replace("-", "_"): v for k, v in inputs.items()})
        why = refusal_expected(inputs, head)
        problem = expect_own_commands(run)
        assert not problem, problem
        if not lab.standin.requests:
            assert run.code == 1 and len(run.errors()) == 1 and run.outputs == {}, run.stdout
            assert why, f"refused ({run.errors()[0].message}), but every input is valid"
            counts["refused"] += 1
            return
        assert not why, f"{why!r} is invalid, yet {len(lab.standin.requests)} requests were sent"
        if run.code == 0:
            problem = round_trips(run.outputs)
            assert not problem, problem
            assert run.outputs["name"] == inputs["model"].strip()
            version = inputs["version"].strip()
            assert not version or run.outputs["version"] == version
            if run.outputs["created"] == "true":
                made.append(Expected(run.outputs["tag"], run.outputs["commit"]))
            counts["accepted"] += 1
        else:  # a refusal that needed the repository: its own title, one annotation
            assert len(run.errors()) == 1, run.stdout
            title = run.errors()[0].prop("title")
            assert title in ("Commit not found", "Model annotation"), title
            counts["registry"] += 1
        if inputs["dry-run"].strip().lower() == "true":
            assert lab.standin.writes == [], "a dry run wrote"

    with timed(out):
        try:
            example()
        except Exception as err:  # hypothesis re-raises the shrunk failing example
            out.problems.append(_failure(err))
    out.held = out.tried if not out.problems else 0
    out.detail = (
        f"{counts['refused']} refused before any request; {counts['accepted']} accepted, "
        f"round-tripped through gto; {counts['registry']} refused after one read "
        "(unknown commit, undeclared model)"
    )
    out.audited(audit(lab.repo, made))
    return out


def _case_variants(word: str) -> Any:
    return st.tuples(*(st.sampled_from([c.lower(), c.upper()]) for c in word)).map("".join)


def boolean_inputs(lab: Lab, examples: int, derandomize: bool = False) -> Outcome:
    """true/false in any case (trimmed) are accepted; anything else is refused unsent."""
    out = Outcome("Hostile input", "booleans: true/false in any case, nothing else")
    counts = Counter[str]()
    made: list[Expected] = []
    padding = st.sampled_from(["", " ", "\t", "\n "])
    word = st.sampled_from(["true", "false"]).flatmap(_case_variants)
    value = st.one_of(
        st.builds(lambda a, w, b: a + w + b, padding, word, padding), st.text(max_size=8)
    )

    @_settings(examples, derandomize)
    @given(st.sampled_from(FLAGS), value.map(lambda v: v.replace("\x00", "")))
    def example(flag: str, value: str) -> None:
        out.tried += 1
        lab.standin.reset_log()
        inputs = {"model": "churn", "dry-run": "true", flag: value}
        run = lab.run(**{k.replace("-", "_"): v for k, v in inputs.items()})
        valid = value.strip().lower() in ("true", "false")
        assert not expect_own_commands(run), expect_own_commands(run)
        if valid:
            assert run.code == 0, f"{flag}={value!r} refused: {run.stdout}"
            if run.outputs["created"] == "true":
                made.append(Expected(run.outputs["tag"], run.outputs["commit"]))
            counts["accepted"] += 1
        else:
            assert run.code == 1 and lab.standin.requests == [], f"{flag}={value!r} accepted"
            assert f"Input {flag} is" in run.errors()[0].message, run.errors()[0].message
            counts["refused"] += 1

    with timed(out):
        try:
            example()
        except Exception as err:
            out.problems.append(_failure(err))
    out.held = out.tried if not out.problems else 0
    out.detail = f"{counts['accepted']} accepted, {counts['refused']} refused before any request"
    out.audited(audit(lab.repo, made))
    return out


def _outputs_whole(out: Outcome, run: Run) -> None:
    """Every output the action declares, nothing else, and `json` agrees with the rest."""
    o = dict(run.outputs)
    out.check(set(o) == set(OUTPUT_KEYS), f"outputs {sorted(set(o) ^ set(OUTPUT_KEYS))} differ")
    if "json" in o:
        whole = json.loads(o.pop("json"))
        empty = o.get("event") == "" and whole == {}  # parse of a ref that is no registry tag
        lists = {k: o[k].split("\n") if o[k] else [] for k in LISTS if k in o}
        out.check(empty or whole == o | lists, "the json output disagrees with the others")


def forged_messages(lab: Lab) -> Outcome:
    """Tag messages that try to forge commands or outputs: stored exactly, never acted on."""
    out = Outcome("Hostile input", "tag messages that forge commands or outputs")
    made = []
    with timed(out):
        for i, payload in enumerate(FORGERIES, start=1):
            out.tried += 1
            # A commit each: one version a commit, as GTO keeps it (docs/rules-force.md).
            head = lab.commit({"train.log": f"run {i}\n"})
            run = lab.run(model="churn", commit=head, message=payload)
            before = len(out.problems)
            out.check(run.code == 0, f"message {payload[:30]!r}: exit {run.code}")
            out.check(not expect_own_commands(run), expect_own_commands(run))
            out.check(
                run.outputs.get("version") == f"v0.0.{i}", f"version {run.outputs.get('version')}"
            )
            _outputs_whole(out, run)
            if run.code == 0:
                made.append(
                    Expected(run.outputs["tag"], head, run.outputs["tag-sha"], payload.strip())
                )
            out.held += len(out.problems) == before
    out.audited(audit(lab.repo, made))
    out.detail = f"{len(made)} tags, messages stored byte for byte, no forged command or output"
    return out


FORGED_INPUTS = ("model", "version", "commit", "bump", "tagger-name", "tagger-email",
                 "repository", "command", "ref", "dispatch-workflow")  # fmt: skip


def forged_inputs(lab: Lab) -> Outcome:
    """Every other input carrying each forgery: refused unsent, or accepted as plain data."""
    out = Outcome("Hostile input", "inputs that forge commands or outputs")
    refused = accepted = 0
    with timed(out):
        for name in FORGED_INPUTS:
            for payload in FORGERIES:
                out.tried += 1
                lab.standin.reset_log()
                inputs = {"model": "churn", "dry_run": "true", name.replace("-", "_"): payload}
                if name == "ref":
                    inputs["command"] = "parse"
                run = lab.run(**inputs)
                before = len(out.problems)
                out.check(
                    not expect_own_commands(run),
                    f"{name}={payload[:30]!r}: {expect_own_commands(run)}",
                )
                if run.code == 0:
                    if run.outputs.get("tag"):
                        out.check(not round_trips(run.outputs), round_trips(run.outputs))
                    _outputs_whole(out, run)
                    accepted += 1
                else:
                    out.check(
                        len(run.errors()) == 1 and run.outputs == {}, f"{name}: {run.stdout[:200]}"
                    )
                    refused += not lab.standin.requests
                out.held += len(out.problems) == before
    out.audited(audit(lab.repo, []))
    out.detail = f"{refused} refused before any request, {accepted} accepted as data"
    return out


def yaml_quoted(text: str) -> str:
    """`text` as one double-quoted YAML scalar, escaped where YAML needs it."""
    return yaml.safe_dump(text, default_style='"', allow_unicode=True, width=1 << 30).strip()


def _path_accepted(text: str) -> bool:
    """Whether dvc.yaml's `path` rule (core/dvc_yaml.py) takes `text` as a relative path."""
    if re.search(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\\]", text) or text.startswith(("/", "~")):
        return False
    joined = posixpath.normpath(text)
    return "://" not in text and joined != ".." and not joined.startswith("../")


def forged_annotations(lab: Lab) -> Outcome:
    """dvc.yaml fields (repository content) that forge outputs: each output is exactly the field."""
    out = Outcome("Hostile input", "dvc.yaml fields that forge outputs")
    with timed(out):
        for i, payload in enumerate(FORGERIES):
            out.tried += 1
            other = FORGERIES[(i + 1) % len(FORGERIES)]
            # A path is confined to the repository (no control character, backslash, `/` or
            # `~` start, `..` past the root): such payloads are refused as a path
            # (tests/core/test_artifact_path.py), so they forge the other fields only.
            path = other if _path_accepted(other) else f"models/forge{i}.pkl"
            entry = (
                f"artifacts:\n  churn:\n    path: {yaml_quoted(path)}\n"
                f"    type: {yaml_quoted(other)}\n    desc: {yaml_quoted(payload)}\n"
                f"    labels: [{yaml_quoted(payload)}, x]\n"
            )
            sha = lab.commit({"dvc.yaml": entry}, f"forge {i}")
            run = lab.run(model="churn", commit=sha, dry_run="true")  # outputs all the same
            before = len(out.problems)
            o = run.outputs
            out.check(run.code == 0, f"{payload[:30]!r}: exit {run.code} {run.stdout[:300]}")
            out.check(not expect_own_commands(run), expect_own_commands(run))
            out.check(
                o.get("description") == payload, f"description {o.get('description', '')[:40]!r}"
            )
            out.check(o.get("type") == other, f"type {o.get('type', '')[:40]!r}")
            out.check(o.get("path") == posixpath.normpath(path), f"path {o.get('path', '')[:40]!r}")
            out.check(o.get("model-labels") == json.dumps([payload, "x"]), "labels differ")
            _outputs_whole(out, run)
            out.held += len(out.problems) == before
    out.audited(audit(lab.repo, []))
    out.detail = "each output is exactly its field; no forged command or output"
    return out


def run_raw(lab: Lab, **inputs: str) -> Run:
    """Run the action on a mapping the runner could never pass (NUL in a value): the
    environment is set up by a normal run first, then action.run_step gets the mapping."""
    lab.run(model="churn", dry_run="true")
    lab.standin.reset_log()
    output, summary = Path(os.environ["GITHUB_OUTPUT"]), Path(os.environ["GITHUB_STEP_SUMMARY"])
    output.write_text("")
    summary.write_text("")
    env = dict(os.environ) | {input_env_name(k.replace("_", "-")): v for k, v in inputs.items()}
    buffer = io.BytesIO()
    stream = io.TextIOWrapper(buffer, encoding="utf-8", write_through=True)
    with contextlib.redirect_stdout(stream), contextlib.redirect_stderr(stream):
        code = action.run_step(env)
    stdout = buffer.getvalue().decode("utf-8", errors="replace")
    return Run(
        code,
        stdout,
        parse_file_command(output.read_bytes()),
        summary.read_text(),
        parse_workflow_commands(stdout),
    )


NUL_INPUTS = {
    "model": "churn\x00x",
    "version": "v1.0.0\x00",
    "message": "a\x00::error::forged",
    "commit": "main\x00",
    "bump": "patch\x00",
    "tagger_name": "bot\x00",
    "dry_run": "true\x00",
}


def nul_inputs(lab: Lab) -> Outcome:
    out = Outcome("Hostile input", "NUL in an input (unreachable from the runner)")
    with timed(out):
        for name, value in NUL_INPUTS.items():
            out.tried += 1
            inputs = {"model": "churn", "dry_run": "true", name: value}
            run = run_raw(lab, **inputs)
            before = len(out.problems)
            out.check(lab.standin.requests == [], f"{name}: {len(lab.standin.requests)} requests")
            check_clean_refusal(out, run)
            out.held += len(out.problems) == before
    out.detail = "every one refused before any request, one ::error each"
    return out


# -- hostile dvc.yaml ------------------------------------------------------------------------

MEMORY_LIMIT = 256 * 2**20  # peak bytes traced while the action parses a hostile dvc.yaml
TIME_LIMIT = 30.0  # seconds for the whole run, the parse traced
LAUGHS = "lol0: &l0 [lol]\n" + "".join(
    f"lol{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]\n" for i in range(1, 10)
)
MARKER = "/tmp/registry-action-yaml-pwned"


def _models(size: int) -> bytes:
    """A valid dvc.yaml of about `size` bytes declaring many models, churn last."""
    entry = "  m{}:\n    path: models/m{}.pkl\n    type: model\n"
    count = max(1, size // len(entry.format(10000, 10000)))
    body = "".join(entry.format(i, i) for i in range(count))
    return f"artifacts:\n{body}  churn:\n    path: models/churn.pkl\n".encode()


def _flow_mappings(size: int) -> bytes:
    """PyYAML's slowest input per byte that we know: a flow sequence of one-pair mappings."""
    return b"[" + b"a: b, " * (size // 6 - 1) + b"]"


@dataclass(frozen=True)
class DvcCase:
    name: str
    make: Callable[[int], bytes]  # from a size budget (bytes) to the file
    expect: str  # "refused" (a clear error naming dvc.yaml), "ok", "clean" (either)
    says: str = ""
    inputs: tuple[tuple[str, str], ...] = ()
    bug: str = ""


def _fixed(data: bytes) -> Callable[[int], bytes]:
    return lambda size: data


HUGE = b"artifacts:\n  churn: {}\n" + b"# pad\n" * 102_400  # 600 KiB
DEEP_BLOCK = "".join(" " * i + f"k{i}:\n" for i in range(300)).encode()
PYTHON_TAG = f"artifacts:\n  churn:\n    desc: !!python/object/apply:os.system ['touch {MARKER}']\n"
DVC_CASES = [
    DvcCase("huge (600 KiB)", _fixed(HUGE), "refused", "dvc.yaml"),
    DvcCase(
        "huge (600 KiB): the error says it is too large",
        _fixed(HUGE),
        "refused",
        "larger than 512 KiB",
    ),
    DvcCase("many models, valid", _models, "ok"),
    DvcCase("deeply nested flow ([[[...)", lambda size: b"[" * size, "refused", "nesting deeper"),
    DvcCase("deeply nested block mappings", _fixed(DEEP_BLOCK), "refused", "nesting deeper"),
    DvcCase("billion laughs (aliases)", _fixed(LAUGHS.encode()), "refused", "aliases"),
    DvcCase("a list, not a mapping", _fixed(b"- churn\n"), "refused", "not a YAML mapping"),
    DvcCase("a scalar, not a mapping", _fixed(b"just text\n"), "refused", "not a YAML mapping"),
    DvcCase("empty", _fixed(b""), "refused", "Declared there: none"),
    DvcCase("artifacts is a list", _fixed(b"artifacts:\n- churn\n"), "refused", "'artifacts' in"),
    DvcCase(
        "the model is a list",
        _fixed(b"artifacts:\n  churn: [a, b]\n"),
        "refused",
        "is not a mapping",
    ),
    DvcCase(
        "labels are a mapping",
        _fixed(b"artifacts:\n  churn:\n    labels: {a: b}\n"),
        "refused",
        "'labels' of 'churn'",
    ),
    DvcCase(
        "duplicate model names",
        _fixed(b"artifacts:\n  churn: {}\n  churn:\n    path: x\n"),
        "refused",
        "duplicate key 'churn'",
    ),
    DvcCase(
        "duplicate top-level keys",
        _fixed(b"artifacts: {}\nartifacts:\n  churn: {}\n"),
        "refused",
        "duplicate key 'artifacts'",
    ),
    DvcCase("binary", _fixed(bytes(range(256)) * 64), "refused", "not a text file"),
    DvcCase("invalid UTF-8", _fixed(b"artifacts:\n  churn:\n    desc: caf\xe9 \xff\n"), "clean"),
    DvcCase(
        "tabs for indentation", _fixed(b"artifacts:\n\tchurn: {}\n"), "refused", "not valid YAML"
    ),
    DvcCase("python object tags run nothing", _fixed(PYTHON_TAG.encode()), "ok"),
    DvcCase(
        "byte order mark and CRLF",
        _fixed(b"\xef\xbb\xbfartifacts:\r\n  churn:\r\n    path: m\r\n"),
        "ok",
    ),
    DvcCase(
        "a flow sequence of mappings (PyYAML's slowest)",
        _flow_mappings,
        "refused",
        "dvc.yaml",  # "not a YAML mapping", or over the node cap when the budget is large
    ),
    DvcCase(
        "a lone surrogate escape in a field",
        _fixed(b'artifacts:\n  churn:\n    desc: "bad \\ud800 text"\n'),
        "refused",
        "dvc.yaml",
    ),
    DvcCase(
        "invalid YAML with require-annotation: false",
        _fixed(b"artifacts: [\n"),
        "ok",
        inputs=(("require_annotation", "false"),),
    ),
]


@contextlib.contextmanager
def traced_loader(peaks: list[int]) -> Iterator[None]:
    """Trace memory (tracemalloc) while the action parses dvc.yaml; each parse's peak bytes
    go to `peaks`. Tracing only the parse keeps the rest of the run (and the stand-in,
    which shares the process) at full speed and out of the figure."""
    original = annotations.load_yaml

    def load_yaml(text: str, source: str) -> Any:
        tracemalloc.start()
        try:
            return original(text, source)
        finally:
            peaks.append(tracemalloc.get_traced_memory()[1])
            tracemalloc.stop()

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(annotations, "load_yaml", load_yaml)
        yield


def dvc_yaml_scenario(lab: Lab, case: DvcCase, size: int, trace: bool = True) -> Outcome:
    """Register churn on a commit whose dvc.yaml is hostile; time the run, trace the parse."""
    out = Outcome("dvc.yaml", case.name, tried=1, bug=case.bug)
    data = case.make(size)
    sha = lab.commit_bytes("dvc.yaml", data)
    lab.standin.reset_log()
    with contextlib.suppress(FileNotFoundError):
        os.remove(MARKER)
    peaks: list[int] = []
    run: Run | None = None
    try:
        with timed(out), traced_loader(peaks) if trace else contextlib.nullcontext():
            run = lab.run(model="churn", commit=sha, **dict(case.inputs))
    except Exception as err:  # the action itself must never raise
        out.problems.append(f"crash: {type(err).__name__}: {str(err)[:200]}")
    peak = max(peaks, default=0)
    out.figures["kib"] = len(data) / 1024
    out.detail = f"{len(data) / 1024:.0f} KiB: {out.seconds:.2f} s"
    if trace:
        out.figures["peak"] = peak / 2**20
        out.detail += f", parse peak {peak / 2**20:.1f} MiB"
    else:
        out.detail += " (untraced)"
    out.check(out.seconds <= TIME_LIMIT, f"took {out.seconds:.1f} s")
    out.check(peak <= MEMORY_LIMIT, f"peak memory {peak / 2**20:.0f} MiB")
    out.check(not os.path.exists(MARKER), "a YAML tag ran code")
    made = []
    if run is not None:
        out.check(not expect_own_commands(run), expect_own_commands(run))
        refused = run.code == 1
        if case.expect == "refused" or (case.expect == "clean" and refused):
            check_clean_refusal(out, run, case.says)
            error = run.errors()[0] if run.errors() else None
            out.check(
                error is not None and error.prop("title") == "Model annotation"
                and error.prop("file") == "dvc.yaml",
                f"annotation {error and error.properties}",
            )  # fmt: skip
            out.check(lab.standin.writes == [], "wrote on a refusal")
            out.detail += f"; {(error.message if error else '')[:70]}"
        else:
            out.check(run.code == 0, f"exit {run.code}: {[e.message for e in run.errors()]}")
            if run.code == 0:
                made.append(Expected(run.outputs["tag"], sha, run.outputs["tag-sha"]))
                out.detail += "; registered"
    else:
        out.detail += "; crashed"
    out.audited(audit(lab.repo, made, gto=False))
    out.held = int(out.ok)
    return out


# -- the token -------------------------------------------------------------------------------

BAD_TOKEN = "ghp_" + "Zq9" * 12  # unknown to the stand-in: 401
READ_TOKEN = "test-" + "read-token"  # spelled apart: a traceback quoting this line leaks nothing


def _leaks(run: Run, secret: str, lab: Lab) -> list[str]:
    """Where `secret` shows, other than the mask command that hides it."""
    found = []
    first = run.commands[0] if run.commands else None
    if first is None or first.command != "add-mask" or first.message != secret:
        found.append("the first command does not mask it")
    lines = run.stdout.splitlines()
    if first is not None and lines and lines[0] == first.line:
        lines = lines[1:]
    found += [f"printed: {line[:80]!r}" for line in lines if secret in line]
    if secret in run.summary:
        found.append("in the job summary")
    if secret.encode() in Path(os.environ["GITHUB_OUTPUT"]).read_bytes():
        found.append("in the outputs file")
    for r in lab.standin.requests:
        if secret in r.raw_path or secret in json.dumps([r.query, r.body]):
            found.append(f"sent outside the Authorization header: {r.method} {r.path}")
    return found


def token_scenario(lab: Lab) -> Outcome:
    """Every stream of every run (RUNNER_DEBUG=1) is grepped for the token."""
    out = Outcome("Token", "never printed, never in outputs, summary or errors")
    debug = {"RUNNER_DEBUG": "1"}
    situations: list[tuple[str, dict[str, Any], list[dict[str, Any]], str]] = [
        ("a registration", {}, [], TOKEN),
        ("a dry run", {"dry_run": "true"}, [], TOKEN),
        ("invalid input", {"model": "x y"}, [], TOKEN),
        ("a bad token (401)", {"token": BAD_TOKEN}, [], BAD_TOKEN),
        ("a read-only token (403)", {"token": READ_TOKEN, "force": "true"}, [], READ_TOKEN),
        ("an unknown repository (404)", {"repository": "acme/other"}, [], TOKEN),
        ("an API error that echoes the token", {},
         [_f(READ, times=None, status=500, body={"message": f"token {TOKEN} was refused"})], TOKEN),
        ("an internal error", {"force": "true"},
         [_f(TAG_OBJECT, status=201, body=f"<html>{TOKEN}</html>")], TOKEN),
        ("timeouts", {}, [_f({"path": ""}, times=None, status=None, delay=LATE)], TOKEN),
        ("the entrypoint process, 401", {"token": BAD_TOKEN, "process": True}, [], BAD_TOKEN),
    ]  # fmt: skip
    with timed(out):
        for name, inputs, faults, secret in situations:
            out.tried += 1
            lab.standin.reset_log()
            if name == "timeouts":
                lab.timeout(SHORT_TIMEOUT)
            for spec in faults:
                lab.standin.inject(make_fault(spec, lab.clock.time()))
            run = lab.run(env=debug, **{"model": "churn", **inputs})
            lab.idle()
            lab.standin.clear_faults()
            lab.timeout(None)
            found = _leaks(run, secret, lab)
            out.problems += [f"{name}: {f}" for f in found]
            out.held += not found
        # Exceptions raised by the backend itself, with their tracebacks.
        for name, make, secret in (
            ("401", lambda: lab.backend(BAD_TOKEN).read(MODEL, "main"), BAD_TOKEN),
            ("403", lambda: lab.backend(READ_TOKEN).create_tag(
                "churn@v9.0.0", lab.head(), "m", TAGGER), READ_TOKEN),
            ("404", lambda: lab.backend_class("acme/other", TOKEN, lab.standin.api_url,
                                              lab.standin.graphql_url).read(MODEL, "main"), TOKEN),
            ("502", lambda: (lab.standin.inject(make_fault(_f(READ, times=None, status=502), 0)),
                             lab.backend().read(MODEL, "main")), TOKEN),
        ):  # fmt: skip
            out.tried += 1
            try:
                make()
                out.problems.append(f"backend {name}: no error")
            except RegistryError as err:
                leaked = secret in error_text(err)
                out.check(not leaked, f"backend {name}: the exception text holds the token")
                out.held += not leaked
            lab.standin.clear_faults()
    out.detail = "masked first; absent from every other line, the outputs, summary, requests"
    return out
