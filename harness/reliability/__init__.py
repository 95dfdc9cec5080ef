"""Reliability and security scenarios that produce figures.

* ``lab.py``: a ``Lab``: the GitHub stand-in over a git repository, and the action run
  in-process exactly as the ``run_action`` fixture runs it (``harness/inprocess.py``), with a
  virtual clock for the backend's backoff and short client timeouts.
* ``audit.py``: what the repository holds after a scenario: every tag annotated, on the
  intended commit, one per version of a model, as reported, and read back by gto.
* ``scenarios.py``: faults, races and hostile input, each returning an ``Outcome``; used by
  ``tests/reliability/`` and ``report.py``.
* ``report.py``: ``.venv/bin/python -m harness.reliability.report`` prints the Markdown table
  and exits non-zero on a wrong or partial tag.
"""
