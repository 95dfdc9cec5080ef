"""Dev-only test harness: never part of the action's image (the Dockerfile copies only
``registry_action/``), installed with the dev environment so that ``tests/`` and ``bench/``
import it as a package.

* ``standin/``: a GitHub API stand-in (REST + GraphQL) over a real git repository.
* ``runner.py``: the Actions runner's contract for a Docker action (``INPUT_*``/``GITHUB_*``,
  file commands, workflow commands), and ``docker run`` of the image under it.
* ``inprocess.py``: the action run in-process under that contract (a ``Run``), and a write
  command at the fixed clock ``NOW``.
* ``referee.py``: ``gto`` from this environment, the referee of the tag format.
* ``reliability/``: faults, races and hostile input, audited tag by tag; the figures.
* ``storage.py``: storage servers on 127.0.0.1 (HTTP, S3, GCS, Azure) and a repository DVC
  itself makes and pushes (``tests/storage/`` and ``bench/`` use them).
"""
