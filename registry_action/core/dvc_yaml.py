"""Model annotations: the `artifacts:` section of a dvc.yaml, read with a bounded loader.

The file comes from the repository, so the loader refuses what could hurt a runner:
oversized input, aliases that expand past a node budget ("billion laughs"), deep nesting
and duplicate names. Scalars
stay strings (YAML 1.2 reads `on` as a name, not a boolean; DVC does the same), except
YAML 1.2's plain nulls (`~`, `null`, nothing), which are None as GTO's loader reads them.
"""

from __future__ import annotations

import functools
import json
import posixpath
import re
from dataclasses import dataclass
from typing import Any, NoReturn

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from registry_action.core.errors import AnnotationError
from registry_action.core.grammar import ModelName
from registry_action.core.repository import FileText, Unreadable

MAX_BYTES = 512 * 1024
MAX_DEPTH = 64
MAX_NODES = 20_000  # bounds the parse's time and memory well below what 512 KiB allows
_NULL_TAG, _STR_TAG = "tag:yaml.org,2002:null", "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"


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
    """BaseLoader (every scalar a string) within a node budget, a depth and no duplicate keys.

    Anchors, aliases and merge keys (`<<: *common`) are read as GTO's loader reads them
    (ruamel's safe loader: `gto/config.py`). An alias costs what it would expand to, in
    nodes and in depth, so a "billion laughs" is refused after a few dozen events, and what
    reaches the caller has at most MAX_NODES nodes however it is walked.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0
        # Per composed node (by id; the tree keeps them alive): its size and height expanded.
        self._sizes: dict[int, tuple[int, int]] = {}

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        if self.check_event(yaml.AliasEvent):
            return self._alias(parent, index)
        anchor = self.peek_event().anchor  # type: ignore[no-untyped-call]
        if anchor is not None:
            # YAML 1.2 lets a later anchor of the same name replace the first (ruamel warns
            # and reads on); PyYAML's composer would refuse it.
            self.anchors.pop(anchor, None)
        start = self._nodes
        self._count(1, "more than {limit} nodes")
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                self._refuse(f"nesting deeper than {MAX_DEPTH} levels")
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if node is None:  # PyYAML's signature allows it; its composer always makes one
            return None
        height = 1 + max(map(self._height, _children(node)), default=0)
        self._sizes[id(node)] = (self._nodes - start, height)
        return node

    def _alias(self, parent: Node | None, index: int) -> Node | None:
        anchor = self.peek_event().anchor  # type: ignore[no-untyped-call]
        target = self.anchors.get(anchor)
        if target is not None:  # an unknown alias: the composer's own error
            if id(target) not in self._sizes:  # still being composed: a cycle
                self._refuse(f"alias *{anchor} refers to a node that contains it")
            size, height = self._sizes[id(target)]
            self._count(size, "aliases expand to more than {limit} nodes")
            if self._depth + height > MAX_DEPTH:
                self._refuse(f"aliases expand to nesting deeper than {MAX_DEPTH} levels")
        return super().compose_node(parent, index)

    def _height(self, node: Node) -> int:
        return self._sizes[id(node)][1]

    def _count(self, nodes: int, problem: str) -> None:
        self._nodes += nodes
        if self._nodes > MAX_NODES:
            self._refuse(problem.format(limit=MAX_NODES))

    # YAML's merge key, as ruamel's and PyYAML's safe constructors read it: the merged
    # mappings' keys first, so the mapping's own keys win.
    flatten_mapping = SafeConstructor.flatten_mapping

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        own = {id(key) for key, _ in node.value if key.tag != _MERGE_TAG}
        self.flatten_mapping(node)  # type: ignore[misc]
        for key_node, _ in node.value:
            if key_node.tag == _NULL_TAG:  # a key is a name: `null:` declares a model "null"
                key_node.tag = _STR_TAG
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, str):
                raise ConstructorError(
                    None, None, "mapping keys must be names", key_node.start_mark
                )
            if id(key_node) in own:  # merged keys may repeat: the mapping's own win
                if key in seen:
                    raise ConstructorError(
                        None, None, f"duplicate key {key!r}", key_node.start_mark
                    )
                seen.add(key)
        return super().construct_mapping(node, deep=deep)

    def _refuse(self, problem: str) -> NoReturn:
        mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
        raise ConstructorError(None, None, problem, mark)


def _children(node: Node) -> list[Node]:
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, SequenceNode):
        return list(node.value)
    return []


# YAML 1.2's core-schema null, for plain (unquoted) values only: `"~"` stays a string.
_BoundedLoader.add_implicit_resolver(_NULL_TAG, re.compile(r"^(?:~|null|Null|NULL|)$"), None)
_BoundedLoader.add_constructor(_NULL_TAG, lambda loader, node: None)
# A plain `<<` key only: `"<<":` stays a name, as in YAML 1.1's merge type.
_BoundedLoader.add_implicit_resolver(_MERGE_TAG, re.compile(r"^(?:<<)$"), ["<"])


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
        if 0xDC80 <= code <= 0xDCFF:  # a byte the backend kept with Python's surrogateescape
            problem = f"invalid UTF-8 byte 0x{code - 0xDC00:02X}"
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
    return _declared(text, source)


# `changes` reads one dvc.yaml for each of its models, at each of their versions' commits,
# mostly the same text: parsed once. Callers read the mapping, never change it.
@functools.lru_cache(maxsize=64)
def _declared(text: str | Unreadable, source: str) -> dict[str, Any]:
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
            f"'artifacts' in {source} is not a mapping.",
            "Fix the file.",
            file=source,
            line=_value_line(text, "artifacts"),
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
            f"Model {name!r} in {source} is not a mapping.",
            "Fix the file.",
            file=source,
            line=_value_line(text, "artifacts", name),
        )
    labels = entry.get("labels") or []
    if not isinstance(labels, list) or not all(isinstance(label, str) for label in labels):
        raise AnnotationError(
            f"'labels' of {name!r} in {source} is not a list of names.",
            "Fix the file.",
            file=source,
            line=_value_line(text, "artifacts", name, "labels"),
        )
    path = entry.get("path") or ""
    if not isinstance(path, str):
        raise AnnotationError(
            f"'path' of {name!r} in {source} is not a string.",
            "Fix the file.",
            file=source,
            line=_value_line(text, "artifacts", name, "path"),
        )
    return Annotation(
        path=_repository_path(name, folder, path, text, source),
        type=_text(entry.get("type")),
        description=_text(entry.get("desc")),
        labels=tuple(labels),
    )


# DVC's remote storage types, each an external URL an artifact's `path` may be
# (dvc.org/doc/user-guide/data-management/remote-storage; `remote://NAME/path` names a
# remote of .dvc/config). `file://` is not among them: it is a path on the runner.
URL_SCHEMES = frozenset(
    {"s3", "gs", "azure", "gdrive", "ssh", "hdfs", "webhdfs", "http", "https", "webdav",
     "webdavs", "oss", "remote"}
)  # fmt: skip
_URL = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://")
# C0 and C1 controls, and the Unicode line and paragraph separators: no line break or
# terminal escape in a path a script interpolates.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _repository_path(name: str, folder: str, path: str, text: FileText, source: str) -> str:
    """The artifact's path from the repository root, or its storage URL (s3://...).

    A consumer copies, uploads or `cat`s what the `path` output names, so it never leaves
    the repository: no absolute path, no `..` past the root, no `~`, no backslash (a
    separator on Windows), no control character.
    """
    if not path:
        return path
    url = _URL.match(path)
    if url and url[1].lower() in URL_SCHEMES:
        if _CONTROL.search(path):
            _path_error(name, path, text, source, "holds a control character")
        return path
    joined = posixpath.normpath(posixpath.join(folder, path))
    if url:
        problem = f"is a {url[1]}:// URL, which is not a DVC remote storage type"
    elif path.startswith("/"):
        problem = "is an absolute path"
    elif path.startswith("~"):
        problem = "names a home folder"
    elif "\\" in path or _CONTROL.search(path):
        problem = "holds a backslash or a control character"
    elif joined == ".." or joined.startswith("../"):
        problem = "leads out of the repository"
    else:
        return joined
    _path_error(name, path, text, source, problem)


def _path_error(name: str, path: str, text: FileText, source: str, problem: str) -> NoReturn:
    raise AnnotationError(
        f"'path' of {name!r} in {source} {problem}: {path!r}.",
        "Give a path inside the repository, relative to the folder of {source}, or a "
        "storage URL such as s3://bucket/model.pkl.",
        file=source,
        line=_value_line(text, "artifacts", name, "path"),
        values={"source": source},
    )


def _value_line(text: FileText, *keys: str) -> int | None:
    """The line (from 1) of the value at `keys` in the YAML `text`, merge keys followed."""
    if not isinstance(text, str):
        return None
    try:
        node: Node | None = yaml.compose(text, Loader=_BoundedLoader)
    except (yaml.YAMLError, RecursionError):
        return None
    for key in keys:
        node = _lookup(node, key)
    return node.start_mark.line + 1 if node is not None else None


def _lookup(node: Node | None, key: str) -> Node | None:
    """The value node of `key` in a mapping node: its own key first, then what it merges."""
    if not isinstance(node, MappingNode):
        return None
    merged: list[Node] = []
    for key_node, value in node.value:
        if key_node.tag == _MERGE_TAG:
            merged += value.value if isinstance(value, SequenceNode) else [value]
        elif isinstance(key_node, ScalarNode) and key_node.value == key:
            return value if isinstance(value, Node) else None
    return next(filter(None, (_lookup(source, key) for source in merged)), None)


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
