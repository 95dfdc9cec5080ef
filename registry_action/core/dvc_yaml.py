"""Model annotations: the `artifacts:` section of a dvc.yaml, read with a bounded loader.

The file comes from the repository, so the loader refuses what could hurt a runner:
oversized input, aliases ("billion laughs"), deep nesting and duplicate names. Scalars
stay strings (YAML 1.2 reads `on` as a name, not a boolean; DVC does the same), except
YAML 1.2's plain nulls (`~`, `null`, nothing), which are None as GTO's loader reads them.
"""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass
from typing import Any, NoReturn

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node

from registry_action.core.errors import AnnotationError
from registry_action.core.grammar import ModelName
from registry_action.core.repository import FileText, Unreadable

MAX_BYTES = 512 * 1024
MAX_DEPTH = 64
MAX_NODES = 20_000  # bounds the parse's time and memory well below what 512 KiB allows
_NULL_TAG, _STR_TAG = "tag:yaml.org,2002:null", "tag:yaml.org,2002:str"


@dataclass(frozen=True)
class Annotation:
    """What dvc.yaml declares about one model; `path` is repository-relative."""

    path: str = ""
    type: str = ""
    description: str = ""
    labels: tuple[str, ...] = ()

    @property
    def labels_json(self) -> str:
        return json.dumps(list(self.labels))


class _BoundedLoader(yaml.BaseLoader):
    """BaseLoader (every scalar a string) without aliases, deep nesting or duplicate keys."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        if self.check_event(yaml.AliasEvent):
            self._refuse("aliases are not allowed")
        self._depth += 1
        self._nodes += 1
        if self._nodes > MAX_NODES:
            self._refuse(f"more than {MAX_NODES} nodes")
        try:
            if self._depth > MAX_DEPTH:
                self._refuse(f"nesting deeper than {MAX_DEPTH} levels")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == _NULL_TAG:  # a key is a name: `null:` declares a model "null"
                key_node.tag = _STR_TAG
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, str):
                raise ConstructorError(
                    None, None, "mapping keys must be names", key_node.start_mark
                )
            if key in seen:
                raise ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)

    def _refuse(self, problem: str) -> NoReturn:
        mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
        raise ConstructorError(None, None, problem, mark)


# YAML 1.2's core-schema null, for plain (unquoted) values only: `"~"` stays a string.
_BoundedLoader.add_implicit_resolver(_NULL_TAG, re.compile(r"^(?:~|null|Null|NULL|)$"), None)
_BoundedLoader.add_constructor(_NULL_TAG, lambda loader, node: None)


def load_yaml(text: str | Unreadable, source: str) -> Any:
    """Parse untrusted YAML text within the bounds above."""
    if text is Unreadable.TOO_LARGE or (
        isinstance(text, str) and len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES
    ):
        raise AnnotationError(
            f"{source} is larger than {MAX_BYTES // 1024} KiB.",
            "Keep dvc.yaml small, or {no_annotation}.",
            file=source,
        )
    if text is Unreadable.BINARY or "\x00" in text:  # git's text never holds a NUL
        raise AnnotationError(f"{source} is not a text file.", "Fix the file.", file=source)
    try:
        document = yaml.load(text, Loader=_BoundedLoader)
        _check_text(document)
        return document
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        problem = " ".join(filter(None, (err.context, err.problem)))
        line = mark.line + 1 if mark else None
    except yaml.reader.ReaderError as err:
        code = ord(err.character) if isinstance(err.character, str) else err.character
        problem = f"unacceptable character U+{code:04X}"
        line = text[: err.position].count("\n") + 1
    except yaml.YAMLError as err:
        problem, line = str(err), None
    except RecursionError:
        problem, line = "nested too deeply", None
    where = f" at line {line}" if line else ""
    raise AnnotationError(
        f"{source} is not valid YAML{where}: {' '.join(problem.split())}.",
        "Fix the file.",
        file=source,
        line=line,
    )


def _check_text(node: Any) -> None:
    """Refuse strings that cannot be written out as UTF-8 (YAML's "\\ud800" escape)."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise yaml.YAMLError("a string holds a lone surrogate (\\ud800-\\udfff)") from None
        elif isinstance(item, dict):
            stack += [*item.keys(), *item.values()]
        elif isinstance(item, list):
            stack += item


def declared_models(text: str | Unreadable, source: str) -> dict[str, Any]:
    """The `artifacts:` mapping of a dvc.yaml (empty when it has none)."""
    document = load_yaml(text, source)
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise AnnotationError(f"{source} is not a YAML mapping.", "Fix the file.", file=source)
    artifacts = document.get("artifacts")
    if artifacts is None:
        return {}
    if not isinstance(artifacts, dict):
        raise AnnotationError(
            f"'artifacts' in {source} is not a mapping.", "Fix the file.", file=source
        )
    return artifacts


def declares(model: ModelName, text: FileText) -> bool:
    """Whether dvc.yaml text declares `model`; an unreadable file declares nothing."""
    try:
        return text is not None and model.name in declared_models(text, model.annotation_path)
    except AnnotationError:
        return False


def annotation_for(name: str, folder: str, text: FileText, source: str) -> Annotation | None:
    """The model's annotation from its dvc.yaml text; None when not declared there."""
    if text is None:
        return None
    declared = declared_models(text, source)
    if name not in declared:
        return None
    entry = declared[name] or {}  # `churn:` alone declares the model with no fields
    if not isinstance(entry, dict):
        raise AnnotationError(
            f"Model {name!r} in {source} is not a mapping.", "Fix the file.", file=source
        )
    labels = entry.get("labels") or []
    if not isinstance(labels, list) or not all(isinstance(label, str) for label in labels):
        raise AnnotationError(
            f"'labels' of {name!r} in {source} is not a list of names.",
            "Fix the file.",
            file=source,
        )
    path = entry.get("path") or ""
    if not isinstance(path, str):
        raise AnnotationError(
            f"'path' of {name!r} in {source} is not a string.", "Fix the file.", file=source
        )
    return Annotation(
        path=_repository_path(folder, path),
        type=_text(entry.get("type")),
        description=_text(entry.get("desc")),
        labels=tuple(labels),
    )


def _repository_path(folder: str, path: str) -> str:
    """The artifact's path from the repository root; URLs (s3://...) stay as they are."""
    if not path or "://" in path:
        return path
    return posixpath.normpath(posixpath.join(folder, path))


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def model_annotation(
    model: ModelName, text: FileText, commit: str, *, required: bool
) -> Annotation | None:
    """The model's annotation from its dvc.yaml at `commit` (`text`; None when absent).

    `required`: refuse a model that dvc.yaml does not declare, or a dvc.yaml that cannot be
    read. Otherwise those only mean no annotation.
    """
    source = model.annotation_path
    try:
        annotation = annotation_for(model.name, model.folder, text, source)
    except AnnotationError:
        if required:
            raise
        return None
    if annotation is not None or not required:
        return annotation
    if text is None:
        raise AnnotationError(
            f"{source} does not exist at commit {commit}, so {model.full} is not declared there.",
            "Declare it under 'artifacts:' in {source}, or {no_annotation}.",
            file=source,
            values={"source": source},
        )
    declared = sorted(declared_models(text, source))
    raise AnnotationError(
        f"Model {model.name!r} is not declared under 'artifacts:' in {source} at commit "
        f"{commit}. Declared there: {', '.join(declared) if declared else 'none'}.",
        "Fix the name, declare the model in {source}, or {no_annotation}.",
        file=source,
        values={"source": source},
    )
