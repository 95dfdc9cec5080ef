"""A model's content at a commit, and what counts as a change (core/content.py)."""

from __future__ import annotations

from registry_action.core.content import Content, Kind, compare, content_of
from registry_action.core.dvc_yaml import Annotation
from registry_action.core.repository import GitObject

MD5 = "0123456789abcdef0123456789abcdef"
OTHER = "fedcba9876543210fedcba9876543210"
MODEL = Annotation(path="models/churn.pkl", type="model", description="Churn")


def dvc_file(md5: str, *, dvc3: bool = True, path: str = "churn.pkl") -> str:
    """A `.dvc` file as DVC 3 writes it (`hash: md5`), or as DVC 2 did (no `hash:`)."""
    hashed = "  hash: md5\n" if dvc3 else ""
    return f"outs:\n- md5: {md5}\n  size: 10\n{hashed}  path: {path}\n"


def at(md5: str, *, dvc3: bool = True, annotation: Annotation = MODEL) -> Content:
    return content_of(annotation, {"models/churn.pkl.dvc": dvc_file(md5, dvc3=dvc3)}, None)


def test_no_active_version_is_a_change() -> None:
    change = compare(None, at(MD5))
    assert change.changed and change.reason == "no active version"


def test_the_same_md5_is_the_same_content() -> None:
    change = compare(at(MD5), at(MD5), "v1.0.0")
    assert not change.changed and not change.annotation_changed
    assert change.reason == f"same md5 {MD5} since v1.0.0"


def test_a_new_md5_is_a_change() -> None:
    change = compare(at(MD5), at(OTHER), "v1.0.0")
    assert change.changed and change.reason == f"md5 {MD5} -> {OTHER} since v1.0.0"


def test_a_dvc2_to_dvc3_migration_is_no_change() -> None:
    """DVC 3 adds `hash: md5` to an output it migrates, with the same value."""
    old, new = at(MD5, dvc3=False), at(MD5, dvc3=True)
    assert (old.kind, old.hash) == (new.kind, new.hash) == (Kind.DVC, MD5)
    assert not compare(old, new).changed


def test_an_annotation_alone_is_reported_apart() -> None:
    relabelled = Annotation(path=MODEL.path, type="model", description="Churn, retrained?")
    change = compare(at(MD5), at(MD5, annotation=relabelled))
    assert not change.changed and change.annotation_changed


def test_a_stage_output_in_dvc_lock() -> None:
    lock = "schema: '2.0'\nstages:\n  train:\n    cmd: python train.py\n    outs:\n"
    lock += f"    - path: models/churn.pkl\n      hash: md5\n      md5: {MD5}\n"
    found = content_of(MODEL, {"dvc.lock": lock}, None)
    assert (found.kind, found.hash, found.output) == (Kind.DVC, MD5, "models/churn.pkl")


def inside(md5: str) -> Content:
    """`models/churn.pkl` inside the tracked directory `models`."""
    tracked = {"models.dvc": dvc_file(md5 + ".dir", path="models")}
    return content_of(MODEL, tracked, None)


def test_a_file_inside_a_changed_directory_counts_as_changed() -> None:
    """Its own md5 is in the directory's `.dir` manifest, which is in storage only."""
    change = compare(inside(MD5), inside(OTHER), "v1.0.0")
    assert change.changed
    assert "inside the DVC directory models" in change.reason
    assert "manifest, which is not in Git" in change.reason


def test_a_file_inside_an_unchanged_directory_is_unchanged() -> None:
    assert not compare(inside(MD5), inside(MD5)).changed


def git(oid: str) -> Content:
    return content_of(MODEL, {}, GitObject(oid, "blob"))


def test_a_path_git_tracks_is_its_object_id() -> None:
    assert not compare(git("a" * 40), git("a" * 40)).changed
    assert compare(git("a" * 40), git("b" * 40)).changed


def test_moving_from_git_to_dvc_is_a_change() -> None:
    change = compare(git("a" * 40), at(MD5))
    assert change.changed and change.reason == "tracked by Git then, tracked by DVC now"


def test_what_git_cannot_tell_counts_as_changed() -> None:
    url = Annotation(path="s3://bucket/churn.pkl")
    for new in (
        content_of(url, {}, None),  # a storage URL
        content_of(MODEL, {}, None),  # neither in Git nor tracked by DVC
        content_of(Annotation(), {}, None),  # no path
        content_of(None, {}, None),  # not declared
        content_of(MODEL, {"models/churn.pkl.dvc": "outs:\n- path: churn.pkl\n"}, None),
    ):
        assert new.kind is Kind.UNKNOWN and new.reason
        change = compare(new, new)
        assert change.changed and change.reason.startswith("content unknown now: ")
