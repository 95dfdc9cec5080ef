"""Names that say what they hold (issue 17): no two public functions of the same name in
different layers of the package, so that a call reads the same wherever it is met."""

from __future__ import annotations

import ast
from collections import defaultdict

from tests.helpers import ROOT

PACKAGE = ROOT / "registry_action"


def public_functions() -> dict[str, set[str]]:
    """Each public module-level function's name -> the modules (`layer/module`) defining it."""
    found: dict[str, set[str]] = defaultdict(set)
    for path in sorted(PACKAGE.rglob("*.py")):
        module = path.relative_to(PACKAGE).with_suffix("").as_posix()
        for node in ast.parse(path.read_text()).body:
            function = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            if function and not node.name.startswith("_"):
                found[node.name].add(module)
    return found


def layer(module: str) -> str:
    return module.split("/")[0] if "/" in module else ""


def test_no_public_function_name_in_two_layers() -> None:
    twice = {
        name: sorted(modules)
        for name, modules in public_functions().items()
        if len({layer(m) for m in modules}) > 1
    }
    assert twice == {}


def test_the_walk_sees_every_layer() -> None:
    # The walk reads the real package: a name known to live in one layer is found there.
    found = public_functions()
    assert found["parse_tag"] == {"core/grammar"}
    assert found["refusal"] == {"backends/github/refusals"}
