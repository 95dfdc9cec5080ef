"""Run every reliability and security scenario and print the figures as a Markdown table.

    .venv/bin/python -m harness.reliability.report [--detail]

Scenarios run in fresh Labs (the GitHub stand-in over a new git repository, the action run
in-process as the runner would; the fault cases of one family share a Lab, each with its own
model), on two worker processes; the repository is audited tag by tag after each. Exits 1
when a scenario breaks an expectation, a wrong or partial tag is found, or a known bug no
longer shows (then remove its strict xfail mark and its bug text).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from itertools import groupby

from . import scenarios as s
from .lab import standalone_lab

REPORT_SIZE = 64 * 1024  # size budget of the scalable dvc.yaml cases, traced
LIMIT = s.DvcCase(
    "a flow sequence of mappings at the 512 KiB limit (untraced)",
    lambda size: s._flow_mappings(510 * 1024),
    "refused",
    "more than 20000 nodes",
)


HOSTILE = {
    "inputs": lambda lab: s.hostile_inputs(lab, 200, derandomize=True),
    "booleans": lambda lab: s.boolean_inputs(lab, 80, derandomize=True),
    "messages": s.forged_messages,
    "forged inputs": s.forged_inputs,
    "annotations": s.forged_annotations,
    "nul": s.nul_inputs,
    "token": s.token_scenario,
}
DVC = [*s.DVC_CASES, LIMIT]
Task = tuple[str, int | str]


def tasks() -> list[Task]:
    """Every scenario, in the order the table lists them."""
    return [
        *(("faults", family) for family in FAULT_GROUPS),
        *(("fault", i) for i, case in enumerate(s.FAULT_CASES) if case.bug),
        *(("race", i) for i in range(len(s.RACE_CASES))),
        *(("hostile", name) for name in HOSTILE),
        *(("dvc", i) for i in range(len(DVC))),
    ]


def run_task(task: Task) -> list[s.Outcome]:
    """Scenarios in a fresh Lab (a worker process runs them)."""
    kind, key = task
    with standalone_lab() as lab:
        if kind == "faults":
            return s.fault_family(lab, [c for c in s.FAULT_CASES if c.family == key and not c.bug])
        if kind == "fault":
            return [s.fault_scenario(lab, s.FAULT_CASES[int(key)])]
        if kind == "race":
            return [s.race_scenario(lab, s.RACE_CASES[int(key)], gto_cli=True)]
        if kind == "hostile":
            return [HOSTILE[str(key)](lab)]
        case = DVC[int(key)]
        return [s.dvc_yaml_scenario(lab, case, REPORT_SIZE, trace=case is not LIMIT)]


def collect(say: Callable[[str], None], jobs: int) -> list[s.Outcome]:
    """Run every task on `jobs` processes (the slowest first); outcomes in table order."""
    order = tasks()
    slow = {("dvc", i) for i, case in enumerate(DVC) if "flow sequence" in case.name}
    slow |= {("hostile", "inputs"), ("hostile", "booleans"), ("faults", s.TRANSIENT)}
    queue = sorted(order, key=lambda t: t not in slow)
    results: dict[Task, list[s.Outcome]] = {}
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        futures = {pool.submit(run_task, task): task for task in queue}
        for future in as_completed(futures):
            for outcome in results.setdefault(futures[future], future.result()):
                mark = "ok" if outcome.ok else ("known bug" if outcome.bug else "FAILED")
                say(f"{outcome.seconds:6.2f} s  {mark:9}  {outcome.group}: {outcome.name}")
    return [outcome for task in order for outcome in results[task]]


def _row(*cells: object) -> str:
    return "| " + " | ".join(str(c).replace("|", "\\|").replace("\n", " ") for c in cells) + " |"


FAULT_GROUPS = (s.TRANSIENT, s.LOST, s.TIMEOUTS, s.CAPPED)


def _each(o: s.Outcome, unit: str) -> str:
    return _row(o.group, o.name, f"{o.tried} {unit}", f"{o.held}/{o.tried}", o.detail, o.wrong_tags)


def table(outcomes: list[s.Outcome]) -> str:
    live = [o for o in outcomes if not o.bug]
    budget = s.github_http.WAIT_BUDGET
    lines = [
        _row("Area", "Scenario", "Tried", "Held", "Outcome", "Wrong or partial tags"),
        _row(*["---"] * 6),
    ]
    for family in FAULT_GROUPS:
        rows = [o for o in live if o.group == family]
        if not rows:
            continue
        waited = max(o.figures.get("waited", 0.0) for o in rows)
        slowest = max(o.seconds for o in rows)
        if family == s.CAPPED:
            outcome = f"a clear error, no tag visible; at most {slowest:.1f} s wall"
        else:
            outcome = "registered, exactly one tag"
        outcome += f", backoff at most {waited:.0f} s (budget {budget:.0f} s)"
        lines.append(
            _row(
                "Faults",
                f"{family} ({len(rows)} scenarios)",
                f"{sum(o.tried for o in rows)} faults",
                f"{sum(o.held for o in rows)}/{len(rows)}",
                outcome,
                sum(o.wrong_tags for o in rows),
            )
        )
    lines += [_each(o, "runs") for o in live if o.group == "Races"]
    lines += [_each(o, "inputs") for o in live if o.group == "Hostile input"]
    files = [o for o in live if o.group == "dvc.yaml"]
    if files:
        traced = [o for o in files if "peak" in o.figures]
        slowest = max(traced, key=lambda o: o.seconds)
        heaviest = max(traced, key=lambda o: o.figures["peak"])
        outcome = (
            "a clear error naming dvc.yaml, or registered; never a crash. Slowest run "
            f"{slowest.seconds:.1f} s ({slowest.name}, {slowest.figures['kib']:.0f} KiB), "
            f"largest parse {heaviest.figures['peak']:.0f} MiB by tracemalloc ({heaviest.name}, "
            f"{heaviest.figures['kib']:.0f} KiB)"
        )
        for o in files:
            if o.name == LIMIT.name:
                outcome += f"; {o.name}: {o.seconds:.1f} s"
        lines.append(
            _row(
                "Hostile input",
                "dvc.yaml: huge, deeply nested, billion laughs, not a mapping, duplicate names, "
                "binary, and more",
                f"{len(files)} files",
                f"{sum(o.held for o in files)}/{len(files)}",
                outcome,
                sum(o.wrong_tags for o in files),
            )
        )
    lines += [_each(o, "runs") for o in live if o.group == "Token"]
    wrong = sum(o.wrong_tags for o in live)
    lines.append(_row("**All**", f"**{len(live)} scenarios**", "", "", "", f"**{wrong}**"))
    return "\n".join(lines)


def bugs(outcomes: list[s.Outcome]) -> str:
    shown = [o for o in outcomes if o.bug]
    if not shown:
        return ""
    lines = [
        _row("Known bug (strict xfail)", "Still shows", "Wrong or partial tags"),
        _row("---", "---", "---"),
    ]
    for o in shown:
        lines.append(
            _row(f"{o.group}: {o.name}", "yes" if not o.ok else "**no: fixed?**", o.wrong_tags)
        )
    return "\n".join(lines)


def detail(outcomes: list[s.Outcome]) -> str:
    lines = [_row("Group", "Scenario", "Tried", "Held", "Seconds", "Detail"), _row(*["---"] * 6)]
    for group, rows in groupby(outcomes, key=lambda o: o.group):
        for o in rows:
            lines.append(_row(group, o.name, o.tried, o.held, f"{o.seconds:.2f}", o.detail))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--detail", action="store_true", help="also print every scenario")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    parser.add_argument(
        "--jobs", type=int, default=min(2, os.cpu_count() or 1), help="worker processes"
    )
    args = parser.parse_args(argv)
    start = time.monotonic()

    def say(line: str) -> None:
        if not args.quiet:
            print(line, file=sys.stderr, flush=True)

    outcomes = collect(say, args.jobs)
    live = [o for o in outcomes if not o.bug]
    failed = [o for o in live if not o.ok]
    fixed = [o for o in outcomes if o.bug and o.ok]
    wrong = sum(o.wrong_tags for o in live)
    print(figures(outcomes, with_detail=args.detail))
    for o in failed:
        print(f"FAILED {o}")
    for o in fixed:
        print(f"FIXED? {o.group}: {o.name} no longer shows its bug: remove its strict xfail.")
    print(
        f"{len(outcomes)} scenarios in {time.monotonic() - start:.0f} s on {args.jobs} processes."
    )
    return 1 if failed or wrong or fixed else 0


def figures(outcomes: list[s.Outcome], *, with_detail: bool = False) -> str:
    """The figures as Markdown: the table, the wrong tags, the known bugs (and every scenario).

    The report prints them for its own run; the test suite writes them for its run
    (tests/reliability/conftest.py), so that CI runs the scenarios once."""
    wrong = sum(o.wrong_tags for o in outcomes if not o.bug)
    parts = [
        "## Reliability and security figures\n",
        table(outcomes),
        f"\n**Wrong or partial tags: {wrong}** (every tag under refs/tags annotated, on the\n"
        "intended commit, one per version of a model, and read back by gto).\n",
    ]
    if any(o.bug for o in outcomes):
        parts.append(bugs(outcomes) + "\n")
    if with_detail:
        parts.append(detail(outcomes) + "\n")
    return "\n".join(parts)


if __name__ == "__main__":
    sys.exit(main())
