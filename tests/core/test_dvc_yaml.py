"""The bounded dvc.yaml loader: what it reads, and how it refuses hostile or broken files."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from registry_action.core.dvc_yaml import (
    MAX_BYTES,
    MAX_DEPTH,
    Annotation,
    annotation_for,
    declared_models,
    load_yaml,
)
from registry_action.core.errors import AnnotationError
from registry_action.core.gto_config import config_stages

SOURCE = "cv/dvc.yaml"

DVC_YAML = """\
stages:
  train:
    cmd: python train.py
artifacts:
  pool-segmentation:
    path: models/seg.pt     # relative to the dvc.yaml's folder
    type: model
    desc: Pool segmentation
    labels: [cv, segmentation]
    meta: {framework: pytorch, epochs: 10}
  churn:
    path: ./../churn.pkl
  bare:
"""


def test_declared_models():
    assert sorted(declared_models(DVC_YAML, SOURCE)) == ["bare", "churn", "pool-segmentation"]


def test_annotation_maps_fields_with_the_repository_path():
    annotation = annotation_for("pool-segmentation", "cv", DVC_YAML, SOURCE)
    assert annotation == Annotation(
        path="cv/models/seg.pt",
        type="model",
        description="Pool segmentation",
        labels=("cv", "segmentation"),
    )
    assert annotation.labels_json == '["cv", "segmentation"]'
    meta = declared_models(DVC_YAML, SOURCE)["pool-segmentation"]["meta"]
    assert meta == {"framework": "pytorch", "epochs": "10"}  # every scalar stays a string


@pytest.mark.parametrize(
    ("name", "folder", "path"),
    [
        ("pool-segmentation", "", "models/seg.pt"),
        ("churn", "cv", "churn.pkl"),
        ("bare", "cv", ""),
    ],
)
def test_annotation_path_is_normalised_to_the_repository(name, folder, path):
    annotation = annotation_for(name, folder, DVC_YAML, SOURCE)
    assert annotation is not None and annotation.path == path


def test_a_declared_model_with_no_fields():
    assert annotation_for("bare", "cv", DVC_YAML, SOURCE) == Annotation()


def test_undeclared_or_absent():
    assert annotation_for("fraud", "cv", DVC_YAML, SOURCE) is None
    assert annotation_for("churn", "", None, "dvc.yaml") is None
    for text in ("", "stages: {}\n", "artifacts:\n", "artifacts: ~\n", "# only a comment\n"):
        assert declared_models(text, "dvc.yaml") == {}
        assert annotation_for("churn", "", text, "dvc.yaml") is None


def test_yaml_nulls_are_empty_as_in_gto():
    # One rule for dvc.yaml and .gto: a plain `~`, `null` or nothing is YAML 1.2's null
    # (GTO reads both files with ruamel's YAML 1.2 loader); a quoted one is a string.
    for null in ("~", "null", "Null", "NULL", ""):
        text = f"artifacts:\n  churn: {null}\n  fraud:\n    path: {null}\n    desc: {null}\n"
        assert annotation_for("churn", "", text, "dvc.yaml") == Annotation()
        assert annotation_for("fraud", "", text, "dvc.yaml") == Annotation()
        assert config_stages(f"stages: {null}\n") is None
    quoted = annotation_for("churn", "", "artifacts:\n  churn:\n    desc: '~'\n", "dvc.yaml")
    assert quoted is not None and quoted.description == "~"
    with pytest.raises(AnnotationError, match=r"'artifacts' in dvc\.yaml is not a mapping"):
        declared_models("artifacts: ''\n", "dvc.yaml")


def test_yaml_1_2_names_stay_strings():
    text = "artifacts:\n" + "".join(
        f"  {key}:\n    desc: {key}\n" + ("" if key in ("null", "~") else f"    labels: [{key}]\n")
        for key in ("on", "yes", "no", "off", "null", "true", "~", "1.0", "0x1f", "2024-01-01")
    )
    models = declared_models(text, "dvc.yaml")
    assert list(models) == [
        "on",
        "yes",
        "no",
        "off",
        "null",
        "true",
        "~",
        "1.0",
        "0x1f",
        "2024-01-01",
    ]
    for name in models:
        annotation = annotation_for(name, "", text, "dvc.yaml")
        assert annotation is not None
        if name in ("null", "~"):  # a name as a key, YAML's null as a value
            assert annotation.description == "" and annotation.labels == ()
            continue
        assert annotation.description == name and annotation.labels == (name,)


def test_tags_do_not_construct_anything():
    assert load_yaml("a: !!python/object/apply:os.system [echo hi]\n", "dvc.yaml") == {
        "a": ["echo hi"]
    }
    # A merge key merges, as in GTO's loader (tests/core/test_yaml_aliases.py).
    assert load_yaml("artifacts:\n  <<: {a: b}\n", "dvc.yaml") == {"artifacts": {"a": "b"}}


def test_anchors_without_aliases_are_fine():
    assert declared_models("artifacts: &all\n  churn: &c {path: a}\n", "dvc.yaml") == {
        "churn": {"path": "a"}
    }


# --- refusals -----------------------------------------------------------------------------------


def billion_laughs(levels: int = 9, width: int = 9) -> str:
    lines = ['lol0: &lol0 "lol"']
    for level in range(1, levels + 1):
        refs = ", ".join([f"*lol{level - 1}"] * width)
        lines.append(f"lol{level}: &lol{level} [{refs}]")
    return "artifacts:\n  churn: {}\n" + "\n".join(lines) + "\n"


def deep(levels: int) -> str:
    return "artifacts: " + "[" * levels + "]" * levels + "\n"


def refused(text: str, source: str = SOURCE, name: str = "churn", folder: str = "cv"):
    with pytest.raises(AnnotationError) as err:
        annotation_for(name, folder, text, source)
    assert source in str(err.value)
    assert err.value.file == source  # the action's ::error points at the dvc.yaml
    assert err.value.title == "Model annotation"
    return err.value


def test_billion_laughs_is_refused():
    text = billion_laughs()
    assert text.count("*lol") == 81  # 9 levels of 9 aliases: 9**9 "lol"s if expanded
    # Refused once the aliases' expansion passes the node budget: a few ms here. Timed in
    # tests/core/test_yaml_aliases.py (measured, not asserted).
    err = refused(text)
    assert "aliases expand to more than" in str(err)
    assert err.line == 8 and err.file == SOURCE  # lol5's line


@pytest.mark.parametrize(
    ("text", "declared"),
    [
        ("artifacts:\n  churn: &c {path: a}\n  other: *c\n", {"churn", "other"}),
        ("artifacts: &a {churn: {}}\nx: *a\n", {"churn"}),
        ("a: &k churn\nartifacts:\n  *k : {}\n", {"churn"}),
        ("artifacts:\n  churn:\n    labels: &l [a]\n    meta: {x: *l}\n", {"churn"}),
    ],
)
def test_aliases_are_read(text, declared):
    assert set(declared_models(text, SOURCE)) == declared


def test_nesting_10000_deep_is_refused():
    err = refused(deep(10_000))
    assert f"nesting deeper than {MAX_DEPTH} levels" in str(err)
    assert err.line == 1
    err = refused("artifacts: " + "{a: " * 10_000 + "b" + "}" * 10_000 + "\n")
    assert f"nesting deeper than {MAX_DEPTH} levels" in str(err)


def test_nesting_limit_boundary():
    # The document mapping is level 1, so `a:`'s n nested lists reach level n + 1.
    load_yaml("a: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1), "dvc.yaml")
    with pytest.raises(AnnotationError, match="nesting deeper"):
        load_yaml("a: " + "[" * MAX_DEPTH + "]" * MAX_DEPTH, "dvc.yaml")


def test_size_limit():
    header = "artifacts:\n  churn: {}\n# "
    at_limit = header + "x" * (MAX_BYTES - len(header) - 1) + "\n"
    assert len(at_limit.encode()) == MAX_BYTES
    assert annotation_for("churn", "", at_limit, "dvc.yaml") == Annotation()
    err = refused(at_limit + "#", source="dvc.yaml", folder="")
    assert "larger than 512 KiB" in str(err)
    # Bytes, not characters: 'é' is two bytes in UTF-8.
    wide = header + "\u00e9" * (MAX_BYTES // 2)
    assert len(wide) < MAX_BYTES < len(wide.encode())
    assert "larger than 512 KiB" in str(refused(wide, source="dvc.yaml", folder=""))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- churn\n- fraud\n", "is not a YAML mapping"),
        ("churn\n", "is not a YAML mapping"),
        ("'artifacts'\n", "is not a YAML mapping"),
        ("artifacts:\n  - churn\n", "'artifacts' in cv/dvc.yaml is not a mapping"),
        ("artifacts: churn\n", "'artifacts' in cv/dvc.yaml is not a mapping"),
        ("artifacts:\n  churn: [a]\n", "Model 'churn' in cv/dvc.yaml is not a mapping"),
        ("artifacts:\n  churn: model.pkl\n", "Model 'churn' in cv/dvc.yaml is not a mapping"),
        (
            "artifacts:\n  churn:\n    labels: cv\n",
            "'labels' of 'churn' in cv/dvc.yaml is not a list",
        ),
        ("artifacts:\n  churn:\n    labels: {a: b}\n", "'labels' of 'churn'"),
        ("artifacts:\n  churn:\n    labels: [a, [b]]\n", "'labels' of 'churn'"),
        ("artifacts:\n  churn:\n    labels: [a, {b: c}]\n", "'labels' of 'churn'"),
        (
            "artifacts:\n  churn:\n    path: [a]\n",
            "'path' of 'churn' in cv/dvc.yaml is not a string",
        ),
        ("artifacts:\n  churn:\n    path: {a: b}\n", "'path' of 'churn'"),
        ("artifacts:\n  churn: {}\n\x00\n", "cv/dvc.yaml is not a text file"),
        ("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "cv/dvc.yaml is not a text file"),
    ],
)
def test_refusals(text, message):
    assert message in str(refused(text))


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ("artifacts:\n  churn:\n    path: a\n  churn:\n    path: b\n", 4, "duplicate key 'churn'"),
        ("artifacts: {}\nstages: {}\nartifacts: {}\n", 3, "duplicate key 'artifacts'"),
        ("artifacts:\n  churn:\n    path: a\n    path: b\n", 4, "duplicate key 'path'"),
        ("artifacts: {churn: {}, churn: {}}\n", 1, "duplicate key 'churn'"),
        ("artifacts:\n  churn: [\n", 3, "expected the node content"),
        ("artifacts:\n\tchurn: {}\n", 2, "found character '\\t' that cannot start any token"),
        ("artifacts:\n  churn: {}\n---\nb: 1\n", 3, "found another document"),
        ("artifacts:\n  churn: 'x\n", 3, "found unexpected end of stream"),
    ],
)
def test_invalid_yaml_names_the_file_and_line(text, line, problem):
    err = refused(text)
    assert str(err).startswith(f"{SOURCE} is not valid YAML at line {line}: ")
    assert problem in str(err)
    assert (err.file, err.line) == (SOURCE, line)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        # invalid UTF-8, decoded with surrogateescape: the byte, not U+DCFF (issue 19)
        ("artifacts:\n  churn\udcff: {}\n", "at line 2: invalid UTF-8 byte 0xFF"),
        ("artifacts:\n  churn: {desc: \ud800}\n", "at line 2: unacceptable character U+D800"),
        ("artifacts:\n  churn: {desc: a\x07}\n", "unacceptable character U+0007"),  # a control
        ("artifacts:\n  churn: {desc: \ufffe}\n", "unacceptable character U+FFFE"),
    ],
)
def test_characters_yaml_does_not_allow(text, problem):
    err = refused(text)
    assert "is not valid YAML" in str(err) and problem in str(err)
    assert "U+DC" not in str(err)


@pytest.mark.parametrize(
    "text",
    [
        "artifacts:\n  ? [a, b]\n  : {}\n",
        "artifacts:\n  [a]: {}\n",
        "{[a]: 1}\n",
        "{{a: b}: c}\n",
        "artifacts:\n  churn:\n    meta: {? [x] : y}\n",
    ],
)
def test_collection_keys_are_refused(text):
    err = refused(text)
    assert "mapping keys must be names" in str(err) and err.line is not None


# --- property: any text is read or refused with an AnnotationError -------------------------------

YAML_TOKENS = st.sampled_from(
    [
        *"ab :-[]{}?,&*!|>'\"#%@`\t\n\\",
        *["\n  ", "\n    ", "- ", ": ", "artifacts", "churn", "labels", "path", "meta", "desc"],
        *["&a ", "*a", "!!str ", "---\n", "...\n", "%YAML 1.2\n", "on", "~", "<<"],
        *["\x00", "\udcff", "\ufeff", "\x85", "\u2028"],
    ]
)


# 500 under hypothesis's default of 100; the profile's share of it in `make test-fast`.
@settings(
    max_examples=settings.default.max_examples * 5,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.lists(YAML_TOKENS, max_size=40).map("".join) | st.text(max_size=200))
@example(billion_laughs())
@example("artifacts:\n  churn:\n    labels: [a, b]\n")
def test_any_text_is_read_or_refused(text):
    for name, folder in (("churn", ""), ("a", "cv")):
        try:
            annotation = annotation_for(name, folder, text, "dvc.yaml")
        except AnnotationError as err:
            assert err.file == "dvc.yaml" and str(err).startswith(("dvc.yaml", "'", "Model"))
            continue
        assert annotation is None or isinstance(annotation, Annotation)
