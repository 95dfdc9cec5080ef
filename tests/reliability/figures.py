"""The reliability figures of one suite run: each test hands its outcomes to the `figures`
fixture; with RELIABILITY_FIGURES set (`make ci-test`) the session writes them as the
report's Markdown table, so CI prints the figures of this run instead of running every
scenario a second time.

Under pytest-xdist each worker holds the outcomes of the tests it ran: it sends them to the
controller in `workeroutput` (xdist's channel for this), which writes the one table.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the harness imports the stand-in's pytest plugin, which pytest must
    # import first, to rewrite its asserts (tests/conftest.py imports this module)
    from harness.reliability.scenarios import Outcome

OUTCOMES: list[Outcome] = []
KEY = "reliability-outcomes"


def worker_done(config: Any) -> None:
    """On an xdist worker: hand this worker's outcomes to the controller."""
    if hasattr(config, "workeroutput"):
        config.workeroutput[KEY] = pickle.dumps(OUTCOMES)


def gather(workeroutput: dict[str, Any]) -> None:
    """On the controller: take a worker's outcomes."""
    if KEY in workeroutput:
        OUTCOMES.extend(pickle.loads(workeroutput[KEY]))


def write(config: Any) -> None:
    """Where the session ran the tests (no xdist, or the controller): write the table."""
    from harness.reliability.report import figures as render

    path = os.environ.get("RELIABILITY_FIGURES")
    if path and OUTCOMES and not hasattr(config, "workeroutput"):
        Path(path).write_text(render(OUTCOMES) + f"\n{len(OUTCOMES)} scenarios, run by pytest.\n")
