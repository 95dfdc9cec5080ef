"""The read side's answers for one model: the version a deploy job asked for
(`chosen_version`) and the stage's rollback target (`stage_previous`)."""

from __future__ import annotations

import pytest

from registry_action.core.errors import ModelNotFound, VersionNotFound
from registry_action.core.grammar import ModelName
from registry_action.core.model_view import ModelView
from registry_action.core.repository import TagInfo
from registry_action.decide.reading import chosen_version, stage_previous
from tests.helpers import A, B, C, at, tag

CHURN = ModelName.parse("churn")
REGISTERED = (
    tag("churn@v1.0.0", A, at(1)),
    tag("churn@v1.1.0", B, at(2)),
    tag("churn@v1.2.0", C, at(3)),
)


def view(*tags: TagInfo) -> ModelView:
    return ModelView.of(CHURN, (*REGISTERED, *tags))


def previous(*tags: TagInfo, stage: str = "prod") -> str:
    """The rollback target of `stage` once `tags` are added to the registrations."""
    v = view(*tags)
    return stage_previous(v, stage, v.holders.get(stage))


# -- the rollback target -----------------------------------------------------------------------


def test_a_stage_assigned_once_has_no_previous_version() -> None:
    assert previous(tag("churn#prod#1", A, at(10))) == ""


def test_the_previous_version_is_the_one_the_stage_held_before() -> None:
    promoted = (tag("churn#prod#1", A, at(10)), tag("churn#prod#2", B, at(11)))
    assert previous(*promoted) == "v1.0.0"
    assert previous(*promoted, tag("churn#prod#3", C, at(12))) == "v1.1.0"


def test_after_a_rollback_the_target_is_the_version_rolled_back_from() -> None:
    history = (
        tag("churn#prod#1", A, at(10)),
        tag("churn#prod#2", B, at(11)),
        tag("churn#prod#3", C, at(12)),
        tag("churn#prod#4", B, at(13)),  # rolled back to v1.1.0
    )
    assert previous(*history) == "v1.2.0"


def test_assigning_the_holder_again_does_not_make_it_its_own_previous() -> None:
    again = (tag("churn#prod#1", A, at(10)), tag("churn#prod#2", B, at(11)))
    assert previous(*again, tag("churn#prod#3", B, at(12))) == "v1.0.0"


def test_other_stages_do_not_count() -> None:
    tags = (
        tag("churn#staging#1", A, at(10)),
        tag("churn#prod#2", B, at(11)),
        tag("churn#staging#3", C, at(12)),
    )
    assert previous(*tags) == ""
    assert previous(*tags, stage="staging") == "v1.0.0"


def test_an_unassigned_stage_has_no_rollback_target() -> None:
    tags = (tag("churn#prod#1", A, at(10)), tag("churn#prod#2", B, at(11)))
    assert previous(*tags, tag("churn#prod!#3", B, at(12))) == ""
    v = view(*tags)
    assert stage_previous(v, "prod", None) == ""


# -- the chosen version --------------------------------------------------------------------


def test_without_stage_or_version_the_latest_is_chosen() -> None:
    chosen, holder = chosen_version(view())
    assert chosen is not None and chosen.name == "churn@v1.2.0" and holder is None
    chosen, _ = chosen_version(view(), version="latest")
    assert chosen is not None and chosen.name == "churn@v1.2.0"


def test_a_version_is_chosen_by_name() -> None:
    chosen, holder = chosen_version(view(), version="v1.1.0")
    assert chosen is not None and (chosen.name, chosen.commit) == ("churn@v1.1.0", B)
    assert holder is None


def test_a_version_not_registered_is_refused() -> None:
    with pytest.raises(VersionNotFound, match=r"churn v9\.0\.0 is not registered"):
        chosen_version(view(), version="v9.0.0")


def test_a_stage_gives_the_version_it_holds_and_its_holder() -> None:
    chosen, holder = chosen_version(view(tag("churn#prod#1", B, at(10))), stage="prod")
    assert chosen is not None and chosen.name == "churn@v1.1.0"
    assert holder is not None and holder.name == "v1.1.0"


def test_a_stage_that_holds_nothing_gives_no_version() -> None:
    assert chosen_version(view(), stage="prod") == (None, None)


def test_a_model_with_no_tags_exists_only_when_declared() -> None:
    empty = ModelView.of(CHURN, ())
    with pytest.raises(ModelNotFound, match="churn has no registry tags"):
        chosen_version(empty)
    assert chosen_version(empty, declared=True) == (None, None)


def test_a_deregistered_latest_is_not_chosen() -> None:
    chosen, _ = chosen_version(view(tag("churn@v1.2.0!", C, at(10))))
    assert chosen is not None and chosen.name == "churn@v1.1.0"
