"""What a build job hands docker/build-push-action: image references and OCI metadata.

The `images` input names where a model's image goes (`ghcr.io/OWNER/{image-name}`); every
reference is one of those names with one tag, valid by Docker's grammar. The labels and
annotations are the OCI keys docker/metadata-action writes, read from the registry tag
rather than from the push that started the run.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from registry_action.core.docker import NAME_MAX, REFERENCE, image_name
from registry_action.core.errors import InvalidInput
from registry_action.core.grammar import ModelName
from registry_action.core.lists import split_list

PLACEHOLDER = "{image-name}"
# A valid path component standing for the image name while the model is not known (a ref
# `parse` will not read): the name a model gives is a valid path too, so either passes alike.
_PROBE = "x"
_BRACES = re.compile(r"\{[^{}]*\}")
_HINT = (
    "Give {images} as image names separated by commas or newlines, e.g. "
    "ghcr.io/OWNER/{image-name}: a registry host (and :port), then path components of "
    "lowercase letters and digits joined by '.', '_' or '-', each after a '/'."
)

OCI = "org.opencontainers.image."
# Line breaks and other control characters, which would split a `key=value` line.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def parse_images(text: str, model: ModelName | None = None) -> tuple[str, ...]:
    """The `images` input: names separated by commas or newlines, lowercased (an owner may
    have capitals; Docker's paths may not), duplicates dropped, `{image-name}` kept.

    Each is checked with `model`'s image name in place of `{image-name}`; raises
    InvalidInput naming the first that Docker would refuse.
    """
    images: list[str] = []
    for entry in split_list(text):
        image = entry.lower()
        if image not in images:
            problem = _problem(image, image_name(model) if model else _PROBE)
            if problem:
                raise InvalidInput(f"Image name {entry!r} {problem}.", _HINT)
            images.append(image)
    return tuple(images)


def _problem(image: str, name: str) -> str:
    """Why Docker would refuse `image` with `name` for `{image-name}`; empty when it would not."""
    if PLACEHOLDER in image.partition("/")[0]:
        # Before the first `/` it would be (or become part of) the registry host.
        return f"has {PLACEHOLDER} before the first '/'; it belongs in the path"
    concrete = image.replace(PLACEHOLDER, name)
    unknown = _BRACES.search(concrete)
    if unknown:
        return f"holds {unknown[0]}; the only placeholder is {PLACEHOLDER}"
    match = REFERENCE.fullmatch(concrete)
    if match is None:
        return "is not a valid image name"
    if match["tag"] or match["digest"]:
        return "names a tag or digest; give the name alone (the tags come from the registry)"
    if len(concrete) > NAME_MAX:
        return f"makes a name of {len(concrete)} characters; Docker allows {NAME_MAX}"
    return ""


def image_names(images: Iterable[str], model: ModelName) -> list[str]:
    """The names `parse_images` gave, with `model`'s image name for `{image-name}`."""
    return [image.replace(PLACEHOLDER, image_name(model)) for image in images]


def references(names: Iterable[str], tags: Iterable[str]) -> list[str]:
    """Every name with every tag (`name:tag`), name by name."""
    tags = list(tags)
    return [f"{name}:{tag}" for name in names for tag in tags]


def oci_labels(
    *,
    title: str,
    description: str = "",
    version: str = "",
    revision: str = "",
    source: str = "",
    url: str = "",
    created: str = "",
) -> dict[str, str]:
    """OCI's pre-defined image labels, each value on one line; empty ones are left out."""
    values = {
        "title": title,
        "description": description,
        "version": version,
        "revision": revision,
        "source": source,
        "url": url,
        "created": created,
    }
    labels = {OCI + key: _one_line(value) for key, value in values.items()}
    return {key: value for key, value in labels.items() if value}


def label_lines(labels: Mapping[str, str]) -> str:
    """`key=value` a line: the form build-push-action's `labels` input takes."""
    return "\n".join(f"{key}={value}" for key, value in labels.items())


def annotation_lines(labels: Mapping[str, str]) -> str:
    """`manifest:key=value` a line: the form build-push-action's `annotations` input takes."""
    return "\n".join(f"manifest:{key}={value}" for key, value in labels.items())


def _one_line(text: str) -> str:
    """`text` on one line: control characters become spaces, each run of spaces one space."""
    return " ".join(_CONTROL.sub(" ", text).split())
