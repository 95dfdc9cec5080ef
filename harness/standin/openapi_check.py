"""Validate REST request bodies (and, for tests, responses) against the vendored subset of
GitHub's published OpenAPI description (``openapi/api.github.com.subset.json``)."""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator  # type: ignore[import-untyped]
from jsonschema.exceptions import ValidationError  # type: ignore[import-untyped]

SPEC_PATH = Path(__file__).resolve().parent / "openapi" / "api.github.com.subset.json"


def _to_json_schema(node: Any) -> Any:
    """OpenAPI 3.0 schema -> JSON Schema: turn ``nullable: true`` into a null alternative."""
    if isinstance(node, list):
        return [_to_json_schema(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: _to_json_schema(v) for k, v in node.items() if k != "nullable"}
    if node.get("nullable") is True:
        if isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
            if "enum" in out:
                out["enum"] = [*out["enum"], None]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


@functools.cache
def spec() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SPEC_PATH.read_text())
    return data


@functools.cache
def _components() -> dict[str, Any]:
    converted: dict[str, Any] = _to_json_schema(copy.deepcopy(spec()["components"]))
    return converted


def operation(template: str, method: str) -> dict[str, Any]:
    op: dict[str, Any] = spec()["paths"][template][method.lower()]
    return op


def doc_url(template: str, method: str) -> str:
    return str(operation(template, method).get("externalDocs", {}).get("url", ""))


@functools.cache
def _validator(template: str, method: str, status: str | None) -> Draft7Validator | None:
    op = operation(template, method)
    if status is None:
        content = op.get("requestBody", {}).get("content", {})
    else:
        response = op.get("responses", {}).get(status, {})
        if "$ref" in response:
            response = spec()["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
        content = response.get("content", {})
    media = content.get("application/json")
    if media is None:
        return None
    schema = dict(_to_json_schema(media["schema"]))
    schema["components"] = _components()
    return Draft7Validator(schema)


def _where(error: ValidationError) -> str:
    parts: list[str] = []
    for p in error.absolute_path:
        parts += ["items"] if isinstance(p, int) else ["properties", str(p)]
    return "/".join(parts)


_TYPE_WORDS = {"object": "an object", "array": "an array", "integer": "an integer"}


def _describe(error: ValidationError) -> str:
    """GitHub-style detail line, e.g. ``"sha" wasn't supplied.``"""
    value = json.dumps(error.instance)
    where = _where(error)
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return f'"{missing}" wasn\'t supplied.'
    if error.validator == "type":
        wanted = error.validator_value
        names = wanted if isinstance(wanted, list) else [wanted]
        words = " or ".join(_TYPE_WORDS.get(n, f"a {n}") for n in names if n != "null")
        where_txt = where or "type"
        return f"For '{where_txt}', {value} is not {words}."
    if error.validator == "enum":
        return f"For '{where}', {value} is not a possible value. Possible values: " + ", ".join(
            str(v) for v in error.validator_value
        )
    return f"For '{where}', {error.message}."


def validate_request(template: str, method: str, body: Any) -> str | None:
    """None when ``body`` is valid, else the GitHub-style ``Invalid request.`` message."""
    validator = _validator(template, method, None)
    if validator is None:
        return None
    errors = sorted(validator.iter_errors(body), key=lambda e: (len(e.absolute_path), e.message))
    if not errors:
        return None
    return "Invalid request.\n\n" + "\n".join(_describe(e) for e in errors)


def response_errors(template: str, method: str, status: int, body: Any) -> list[str]:
    """Schema violations of a response body (used by the stand-in's own tests)."""
    validator = _validator(template, method, str(status))
    if validator is None:
        return []
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(body)
    ]
