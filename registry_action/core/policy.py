"""The promotion policy, `.github/registry-policy.yml`: which stages a version must hold, and
which branches must hold its commit, before it may enter a stage.

```yaml
stages:
  staging: { from: [dev] }
  prod:    { from: [staging], branches: [main] }
```

GTO's `.gto` lists stages only, and gto refuses unknown keys there, so the policy lives in
a file of its own (gto#321, gto#333). It is read at the head of the default branch, never
at the commit being promoted: a commit cannot loosen its own rules. This module only reads
the text: unknown keys, bad shapes and stages `.gto` does not allow are refused with the
file and the line. What the rules mean for one assignment is decided in `decide/policy.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

from registry_action.core.dvc_yaml import load_yaml
from registry_action.core.errors import AnnotationError, InvalidInput, RegistryError
from registry_action.core.grammar import check_stage, is_valid_ref
from registry_action.core.gto_config import CONFIG_FILE, config_stages
from registry_action.core.repository import FileText

POLICY_FILE = ".github/registry-policy.yml"
_TOP_KEYS = ("stages",)
_RULE_KEYS = ("from", "branches")


class PolicyError(RegistryError):
    """The policy file cannot be read: the rules it means to set are unknown."""

    title = "Invalid registry policy"


class PolicyViolation(RegistryError):
    """An assignment the policy does not allow."""

    title = "Promotion policy"


@dataclass(frozen=True)
class StageRule:
    """What a version needs before it may enter `stage`; None: no such condition."""

    stage: str
    sources: tuple[str, ...] | None  # `from`: stages one of which it must hold now
    branches: tuple[str, ...] | None  # branches one of whose heads must hold its commit
    line: int | None  # the stage's line in the file


@dataclass(frozen=True)
class Policy:
    """The policy file as read at `ref` (e.g. `main at 1a2b3c4d5e6f`)."""

    rules: dict[str, StageRule]
    ref: str = ""

    def rule(self, stage: str) -> StageRule | None:
        """The stage's rule; None when the file does not list the stage (it is free)."""
        return self.rules.get(stage)


def parse_policy(text: FileText, config: FileText = None, *, ref: str = "") -> Policy | None:
    """The policy from the file's `text` (None when there is no file), checked against
    `.gto`'s stages (`config`, read at the same ref) when it lists some."""
    if text is None:
        return None
    try:
        document = load_yaml(text, POLICY_FILE)
    except AnnotationError as err:
        raise PolicyError(err.message, "Fix the file.", file=POLICY_FILE, line=err.line) from None
    # The bounded loader above has refused aliases, size and depth, so the nodes are safe to
    # compose again: they carry the lines the plain values lack.
    root = yaml.compose(text, Loader=yaml.BaseLoader) if isinstance(text, str) else None
    where = _Where(root)
    allowed = _gto_stages(config)
    if document is None:
        return Policy({}, ref)
    if not isinstance(document, dict):
        raise where.error((), f"{POLICY_FILE} is not a YAML mapping.", "Start it with stages:.")
    _only(where, (), document, _TOP_KEYS)
    stages = document.get("stages")
    if stages is None:
        return Policy({}, ref)
    if not isinstance(stages, dict):
        raise where.error(
            ("stages",),
            f"'stages' in {POLICY_FILE} is not a mapping.",
            "Write one stage a line, e.g. prod: {from: [staging], branches: [main]}.",
        )
    rules = {}
    for stage, body in stages.items():
        rules[stage] = _rule(where, stage, body, allowed)
    return Policy(rules, ref)


def _rule(where: _Where, stage: str, body: Any, allowed: tuple[str, ...] | None) -> StageRule:
    path = ("stages", stage)
    _stage(where, path, stage, allowed)
    if body is None:  # `prod:` alone: listed, and free
        return StageRule(stage, None, None, where.line(path))
    if not isinstance(body, dict):
        raise where.error(
            path,
            f"Stage {stage!r} in {POLICY_FILE} is not a mapping.",
            "Write it as e.g. prod: {from: [staging], branches: [main]}.",
        )
    _only(where, path, body, _RULE_KEYS)
    sources = _names(where, (*path, "from"), body.get("from"))
    for index, source in enumerate(sources or ()):
        _stage(where, (*path, "from", index), source, allowed)
    branches = _names(where, (*path, "branches"), body.get("branches"))
    for index, branch in enumerate(branches or ()):
        if not is_valid_ref(f"refs/heads/{branch}"):
            raise where.error(
                (*path, "branches", index),
                f"Branch {branch!r} in {POLICY_FILE} is not a valid branch name.",
                "Name a branch of the repository, e.g. main.",
            )
    return StageRule(stage, sources, branches, where.line(path))


def _names(where: _Where, path: tuple[str | int, ...], value: Any) -> tuple[str, ...] | None:
    """A list of names; None when the key is absent."""
    if value is None:
        return None
    key = path[-1]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise where.error(
            path,
            f"'{key}' of stage {path[1]!r} in {POLICY_FILE} is not a list of names.",
            f"Write it as a YAML list, e.g. {key}: [{'staging' if key == 'from' else 'main'}].",
        )
    if not value:
        # An empty list would let no version in at all: say so rather than guess.
        raise where.error(
            path,
            f"'{key}' of stage {path[1]!r} in {POLICY_FILE} is an empty list.",
            f"List at least one name, or remove '{key}'.",
        )
    return tuple(value)


def _stage(
    where: _Where, path: tuple[str | int, ...], stage: str, allowed: tuple[str, ...] | None
) -> None:
    try:
        check_stage(stage)
    except InvalidInput as err:
        raise where.error(path, f"{POLICY_FILE}: {err.message}", err.hint) from None
    if allowed is not None and stage not in allowed:
        raise where.error(
            path,
            f"{POLICY_FILE} names stage {stage!r}, which {CONFIG_FILE} does not allow "
            f"(its stages: {', '.join(allowed) or 'none'}).",
            f"Use one of them, or add the stage to {CONFIG_FILE}.",
        )


def _only(where: _Where, path: tuple[str | int, ...], mapping: dict[str, Any], keys: Any) -> None:
    for key in mapping:
        if key not in keys:
            what = "the file" if not path else f"stage {path[-1]!r}"
            raise where.error(
                (*path, key),
                f"{POLICY_FILE}: unknown key {key!r} in {what}.",
                f"The keys there are: {', '.join(keys)}.",
            )


def _gto_stages(config: FileText) -> tuple[str, ...] | None:
    """`.gto`'s stages at the policy's ref; an unreadable `.gto` is its own error."""
    return config_stages(config) if config is not None else None


class _Where:
    """The lines of the file's keys and items, from its composed nodes."""

    def __init__(self, root: Node | None) -> None:
        self.root = root

    def line(self, path: tuple[str | int, ...]) -> int | None:
        node, line = self.root, None
        for step in path:
            if isinstance(node, MappingNode) and isinstance(step, str):
                pair = next((p for p in node.value if p[0].value == step), None)
                if pair is None:
                    return line
                line, node = pair[0].start_mark.line + 1, pair[1]
            elif isinstance(node, SequenceNode) and isinstance(step, int):
                if step >= len(node.value):
                    return line
                node = node.value[step]
                line = node.start_mark.line + 1
            else:
                return line
        return line if path else (node.start_mark.line + 1 if node is not None else None)

    def error(self, path: tuple[str | int, ...], message: str, hint: str) -> PolicyError:
        line = self.line(path)
        where = f" (line {line})" if line else ""
        return PolicyError(f"{message}{where}", hint, file=POLICY_FILE, line=line)
