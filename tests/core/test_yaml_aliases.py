"""Anchors, aliases and merge keys in dvc.yaml and `.gto`, read as GTO's loader reads them,
with every alias costing what it expands to (issue 19, finding 3)."""

from __future__ import annotations

import time
import tracemalloc

import pytest

from registry_action.core.dvc_yaml import MAX_DEPTH, MAX_NODES, annotation_for, load_yaml
from registry_action.core.errors import AnnotationError
from registry_action.core.gto_config import config_stages

SOURCE = "dvc.yaml"
MERGED = """\
common: &common
  type: model
  labels: [tabular, &team growth]
artifacts:
  churn:
    <<: *common
    path: models/churn.pkl
    desc: &desc Churn model
  upsell:
    <<: [*common, {desc: ignored, path: ignored}]
    path: models/upsell.pkl
    labels: [*team]
  same: *desc
"""


def test_merge_keys_and_aliases_are_read_as_gto_reads_them() -> None:
    churn = annotation_for("churn", "", MERGED, SOURCE)
    assert churn is not None
    assert (churn.type, churn.path, churn.description) == (
        "model",
        "models/churn.pkl",
        "Churn model",
    )
    assert churn.labels == ("tabular", "growth")
    upsell = annotation_for("upsell", "", MERGED, SOURCE)
    assert upsell is not None  # own keys win over merged ones; the first merged mapping wins
    assert (upsell.path, upsell.description, upsell.labels) == (
        "models/upsell.pkl",
        "ignored",
        ("growth",),
    )


def test_a_quoted_merge_key_is_a_name() -> None:
    assert load_yaml('a: {"<<": {b: c}}\n', SOURCE) == {"a": {"<<": {"b": "c"}}}


def test_own_keys_still_may_not_repeat() -> None:
    with pytest.raises(AnnotationError, match="duplicate key 'path'"):
        load_yaml("a: &a {x: 1}\nb:\n  <<: *a\n  path: p\n  path: q\n", SOURCE)


def test_a_reused_anchor_name_takes_the_later_node() -> None:
    # YAML 1.2 section 3.2.2.2: an alias refers to the most recent preceding anchor.
    assert load_yaml("a: &x 1\nb: &x 2\nc: *x\n", SOURCE) == {"a": "1", "b": "2", "c": "2"}


def test_gto_config_reads_aliases() -> None:
    assert config_stages("base: &s [dev, prod]\nstages: *s\n") == ("dev", "prod")


def billion_laughs(levels: int = 9, width: int = 9) -> str:
    lines = ['lol0: &lol0 "lol"']
    for level in range(1, levels + 1):
        refs = ", ".join([f"*lol{level - 1}"] * width)
        lines.append(f"lol{level}: &lol{level} [{refs}]")
    return "artifacts:\n  churn: {}\n" + "\n".join(lines) + "\n"


def test_billion_laughs_is_refused_by_the_node_budget() -> None:
    text = billion_laughs()
    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(AnnotationError) as err:
        annotation_for("churn", "", text, SOURCE)
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    # The time is measured, not asserted (slow runners vary): about 10-20 ms here. Memory
    # does not vary with the machine: about 25 KiB traced, where 9**9 "lol"s expanded would
    # be 387 million strings; 1 MiB leaves room for a PyYAML that allocates differently.
    print(f"billion laughs refused in {elapsed * 1000:.1f} ms, peak {peak // 1024} KiB")
    assert peak < 1024 * 1024
    assert f"aliases expand to more than {MAX_NODES} nodes" in str(err.value)
    # lol5's line (8): its third alias of lol4 (7,381 nodes each) passes the budget.
    assert err.value.file == SOURCE and err.value.line == 8


def test_the_budget_counts_each_alias_as_its_expansion() -> None:
    items = ", ".join(["x"] * 99)
    one = f"a: &a [{items}]\n"  # 102 nodes: the document, `a`, the list and its 99 items
    aliases = (MAX_NODES - 102) // 101  # each `bN: *a` is a key and the list's 100 nodes
    load_yaml(one + "".join(f"b{i}: *a\n" for i in range(aliases)), SOURCE)
    with pytest.raises(AnnotationError, match="aliases expand to more than"):
        load_yaml(one + "".join(f"b{i}: *a\n" for i in range(aliases + 1)), SOURCE)


def test_aliases_count_their_depth() -> None:
    half = MAX_DEPTH // 2 + 1
    nested = "[" * half + "]" * half
    with pytest.raises(AnnotationError, match=f"nesting deeper than {MAX_DEPTH} levels"):
        load_yaml(f"a: &a {nested}\nb: {'[' * half}*a{']' * half}\n", SOURCE)


@pytest.mark.parametrize("text", ["a: &a [*a]\n", "a: &a {b: *a}\n", "a: &a\n  <<: *a\n"])
def test_an_alias_inside_its_own_anchor_is_refused(text: str) -> None:
    with pytest.raises(AnnotationError, match="refers to a node that contains it"):
        load_yaml(text, SOURCE)


def test_an_unknown_alias_is_refused_with_its_line() -> None:
    with pytest.raises(AnnotationError, match="undefined alias") as err:
        load_yaml("a: 1\nb: *nowhere\n", SOURCE)
    assert err.value.line == 2
