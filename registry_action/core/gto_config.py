"""GTO's registry config `.gto`: the stages it allows."""

from __future__ import annotations

from registry_action.core.dvc_yaml import load_yaml
from registry_action.core.errors import AnnotationError, ConfigError, InvalidInput
from registry_action.core.grammar import check_stage
from registry_action.core.repository import Unreadable

CONFIG_FILE = ".gto"  # GTO's registry config; its `stages:` list is the allowed stages


def config_stages(text: str | Unreadable) -> tuple[str, ...] | None:
    """The `stages:` list of `.gto` (YAML); None when it sets none (any stage goes)."""
    try:
        document = load_yaml(text, CONFIG_FILE)
    except AnnotationError as err:
        raise ConfigError(
            err.message, "Fix .gto, or list the stages in {stages}.", file=CONFIG_FILE
        ) from None
    if document is None:
        return None
    if not isinstance(document, dict):
        raise ConfigError(f"{CONFIG_FILE} is not a YAML mapping.", "Fix it.", file=CONFIG_FILE)
    stages = document.get("stages")
    if stages is None:
        return None
    if not isinstance(stages, list) or not all(isinstance(s, str) for s in stages):
        raise ConfigError(
            f"'stages' in {CONFIG_FILE} is not a list of names.",
            "Write it as a YAML list, e.g. stages: [dev, staging, prod].",
            file=CONFIG_FILE,
        )
    try:
        return tuple(check_stage(stage) for stage in stages)
    except InvalidInput as err:
        raise ConfigError(f"{CONFIG_FILE}: {err.message}", err.hint, file=CONFIG_FILE) from None
