"""An artifact's `path` stays inside the repository, or is a DVC storage URL (issue 19,
findings 5 and 7): anything else is an annotation error naming the file and the line."""

from __future__ import annotations

import pytest

from registry_action.core.dvc_yaml import annotation_for
from registry_action.core.errors import AnnotationError

SOURCE = "cv/dvc.yaml"


def path_of(path: str, folder: str = "cv") -> str:
    text = f"stages: {{}}\nartifacts:\n  churn:\n    type: model\n    path: {path}\n"
    annotation = annotation_for("churn", folder, text, SOURCE)
    assert annotation is not None
    return annotation.path


@pytest.mark.parametrize(
    ("path", "folder", "expected"),
    [
        ("models/churn.pkl", "cv", "cv/models/churn.pkl"),
        ("./../churn.pkl", "cv", "churn.pkl"),  # up to the root, no further
        ("a/../../b", "cv", "b"),
        (".", "", "."),
        ("s3://bucket/churn.pkl", "cv", "s3://bucket/churn.pkl"),
        ("gs://b/m", "", "gs://b/m"),
        ("azure://container/m", "", "azure://container/m"),
        ("https://example.com/m.pkl", "", "https://example.com/m.pkl"),
        ("remote://storage/m.pkl", "", "remote://storage/m.pkl"),
        ("models/c:d", "", "models/c:d"),
    ],
)
def test_paths_inside_the_repository_and_storage_urls(
    path: str, folder: str, expected: str
) -> None:
    assert path_of(path, folder) == expected


@pytest.mark.parametrize(
    ("path", "folder", "problem"),
    [
        ("../../../home/runner/.ssh/id_rsa", "cv", "leads out of the repository"),
        ("../churn.pkl", "", "leads out of the repository"),
        ("a/../../../b", "cv", "leads out of the repository"),
        ("/etc/shadow", "", "is an absolute path"),
        ("//host/share", "", "is an absolute path"),
        ("~/.ssh/id_rsa", "", "names a home folder"),
        ("file:///etc/shadow", "", "is a file:// URL"),
        ("'..\\\\..\\\\secret'", "", "holds a backslash"),
        ('"a\\tb"', "", "holds a backslash or a control character"),
        ('"s3://b/\\x1b[2J"', "", "holds a control character"),
        ('"a\\x85b"', "", "holds a backslash or a control character"),
        ('"a\\u2028b"', "", "holds a backslash or a control character"),
    ],
)
def test_paths_outside_the_repository_are_refused_with_their_line(
    path: str, folder: str, problem: str
) -> None:
    with pytest.raises(AnnotationError, match=problem) as err:
        path_of(path, folder)
    assert err.value.file == SOURCE and err.value.line == 5


def test_a_merged_path_is_refused_at_its_own_line() -> None:
    text = "base: &b\n  path: /etc/shadow\nartifacts:\n  churn:\n    <<: *b\n"
    with pytest.raises(AnnotationError, match="is an absolute path") as err:
        annotation_for("churn", "", text, "dvc.yaml")
    assert err.value.line == 2


def test_an_invalid_utf8_byte_is_named_with_its_line() -> None:
    text = "artifacts:\n  churn:\n    desc: caf\udce9\n"  # b"caf\xe9", as a backend keeps it
    with pytest.raises(AnnotationError, match="at line 3: invalid UTF-8 byte 0xE9") as err:
        annotation_for("churn", "", text, "dvc.yaml")
    assert err.value.line == 3 and "U+DC" not in str(err.value)
