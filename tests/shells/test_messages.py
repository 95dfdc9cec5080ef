"""The wording a run shows people: notices, the job summaries and the tables."""

from __future__ import annotations

import pytest

from registry_action.core.grammar import ModelName
from registry_action.core.model_view import ModelView
from registry_action.core.outputs import Facts, facts
from registry_action.core.repository import TagInfo
from registry_action.shells import messages
from tests.helpers import SHA, A, B, at, tag

pytestmark = pytest.mark.core  # pure: values in, text out

CHURN = ModelName.parse("churn")
WEB = "https://github.test/acme/models"
REGISTERED = (tag("churn@v1.0.0", A, at(1)), tag("churn@v1.1.0", B, at(2)))


def md(text: str) -> str:
    """Text as the summaries write it: every ASCII punctuation mark backslash-escaped
    (CommonMark 2.4), so nothing a tag holds is read as Markdown."""
    return "".join("\\" + c if c in "-:+." else c for c in text)


def facts_of(name: str, commit: str = B, *, created: bool = True, model: str = "churn") -> Facts:
    """The facts of tag `name` among the registrations, as a write command reports them."""
    known = {t.name: t for t in REGISTERED}
    made = known.get(name) or tag(name, commit, at(9))
    tags = REGISTERED if name in known else (*REGISTERED, made)
    view = ModelView.of(ModelName.parse(model), tags)
    return facts(view, made, annotation=None, web_url=WEB, created=created)


# -- notices --------------------------------------------------------------------------------


def test_a_registration_notice_names_the_tag_and_the_commit() -> None:
    notice, state = messages.written(
        "register", facts_of("churn@v1.1.0"), created=True, planned=False
    )
    assert (notice, state) == (f"Registered churn@v1.1.0 on {B}.", "Registered")


def test_a_rerun_says_there_is_nothing_to_do_and_short_abbreviates_the_commit() -> None:
    notice, state = messages.written(
        "register", facts_of("churn@v1.1.0", created=False), created=False, planned=False,
        short=True,
    )  # fmt: skip
    assert notice == f"churn@v1.1.0 is already registered on {B[:12]}; nothing to do."
    assert state == "Already registered"


def test_a_dry_run_says_what_it_would_write() -> None:
    register = messages.written("register", facts_of("churn@v1.1.0"), created=False, planned=True)
    assert register == (f"Dry run: would register churn@v1.1.0 on {B}.", "Dry run")
    assign = messages.written("assign", facts_of("churn#prod#3"), created=False, planned=True)
    assert assign == (f"Dry run: would create churn#prod#3 on {B}.", "Dry run")


@pytest.mark.parametrize(
    ("command", "name", "notice", "state"),
    [
        ("assign", "churn#prod#3",
         f"Assigned stage prod to churn v1.1.0: created churn#prod#3 on {B}.", "Assigned"),
        ("unassign", "churn#prod!#4",
         f"Unassigned stage prod from churn v1.1.0: created churn#prod!#4 on {B}.", "Unassigned"),
        ("deregister", "churn@v1.1.0!",
         f"Deregistered churn v1.1.0: created churn@v1.1.0! on {B}.", "Deregistered"),
        ("deprecate", "churn@deprecated",
         f"Deprecated churn: created churn@deprecated on {B}.", "Deprecated"),
    ],
)  # fmt: skip
def test_each_lifecycle_notice(command: str, name: str, notice: str, state: str) -> None:
    assert messages.written(command, facts_of(name), created=True, planned=False) == (
        notice,
        state,
    )


def test_a_stage_already_held_says_so() -> None:
    notice, state = messages.written(
        "assign", facts_of("churn#prod#3", created=False), created=False, planned=False
    )
    assert notice == "churn v1.1.0 is already in stage prod (churn#prod#3); nothing to do."
    assert state == "Already assigned"


def test_a_stage_on_an_unregistered_commit_names_the_commit() -> None:
    other = "d" * 40
    notice, _ = messages.written(
        "assign", facts_of("churn#prod#3", other), created=True, planned=False
    )
    assert (
        notice == f"Assigned stage prod to churn at {other[:12]}: created churn#prod#3 on {other}."
    )


def test_the_notice_when_assign_registered_first() -> None:
    first = facts_of("churn@v1.1.0")
    assert (
        messages.registered_first(first, dry_run=False) == f" First registered churn@v1.1.0 on {B}."
    )
    assert (
        messages.registered_first(first, dry_run=True)
        == f" First would register churn@v1.1.0 on {B}."
    )


def test_a_parsed_tag_is_told_as_its_event() -> None:
    assert messages.parsed(facts_of("churn#prod#3"), short=True) == (
        f"churn#prod#3: assignment of churn v1.1.0 to prod on {B[:12]}."
    )
    assert (
        messages.parsed(facts_of("churn@v1.1.0"))
        == f"churn@v1.1.0: registration of churn v1.1.0 on {B}."
    )


def test_show_tells_the_version_and_its_rollback_target_or_that_there_is_none() -> None:
    values = {"stage": "prod", "version": "v1.1.0", "tag": "churn@v1.1.0", "commit": B,
              "stage-previous-version": "v1.0.0"}  # fmt: skip
    assert messages.shown("churn", values, short=True) == (
        f"churn in stage prod: v1.1.0 (churn@v1.1.0) on {B[:12]} (before: v1.0.0)."
    )
    latest = values | {"stage": "", "stage-previous-version": ""}
    assert messages.shown("churn", latest) == f"churn: v1.1.0 (churn@v1.1.0) on {B}."
    empty = values | {"version": ""}
    assert messages.shown("churn", empty) == "churn: stage prod holds no version; version is empty."
    none = latest | {"version": ""}
    assert messages.shown("churn", none) == "churn: no version is registered; version is empty."


# -- summaries ------------------------------------------------------------------------------


def test_the_summary_links_the_commit_and_marks_latest_and_this_run() -> None:
    made = facts_of("churn@v1.1.0")
    out = {
        "version": "v1.1.0",
        "tag-url": f"{WEB}/releases/tag/churn@v1.1.0",
        "latest-version": "v1.1.0",
    }
    text = messages.summary(made, out, "Registered")
    assert text.startswith("### Registered: `churn@v1.1.0`\n")
    assert "| Version | `v1.1.0` (latest) |" in text
    assert f"| Commit | [`{B[:12]}`]({WEB}/commit/{B}) |" in text
    assert f"| Tag | [`churn@v1.1.0`]({WEB}/releases/tag/churn@v1.1.0) |" in text
    assert f"| `v1.1.0` | [`{B[:12]}`]({WEB}/commit/{B}) | this run | latest |" in text
    assert f"| `v1.0.0` | [`{A[:12]}`]({WEB}/commit/{A}) | {md(at(1))} |  |" in text


def test_the_summary_of_a_long_history_stops_at_its_row_limit() -> None:
    count = messages.HISTORY_ROWS + 3
    tags = tuple(
        TagInfo(f"churn@v0.0.{n}", A, annotated=True, sha=SHA, date=f"2026-01-01T00:{n:02d}:00Z")
        for n in range(1, count + 1)
    )
    made = facts(ModelView.of(CHURN, tags), tags[-1], annotation=None, web_url="", created=False)
    out = {"version": f"v0.0.{count}", "tag-url": "", "latest-version": f"v0.0.{count}"}
    text = messages.summary(made, out, "Already registered")
    rows = [line for line in text.splitlines() if line.startswith("| `v0.0.")]
    assert len(rows) == messages.HISTORY_ROWS
    assert rows[0].startswith(f"| `v0.0.{count}` |")  # newest first
    assert "… and 3 older versions." in text
    assert "| Commit | `aaaaaaaaaaaa` |" in text  # no web page: no link


def test_a_refusal_summary_escapes_the_message() -> None:
    assert messages.refusal_summary("Bad input", "a <b> & c", "See the docs.") == (
        "### Bad input\n\na &lt;b&gt; &amp; c\n\nSee the docs.\n"
    )


# -- tables -----------------------------------------------------------------------------------

SHOWN = {
    "fraud": {"version": None, "stage": {"prod": None}},
    "churn": {"version": "v1.1.0", "stage": {"prod": "v1.0.0"}},
    "cv:seg": {"version": "v0.1.0", "stage": {"prod": None}},
}
EVENT = {
    "timestamp": "2026-01-01T00:00:09+00:00", "artifact": "churn", "event": "assignment",
    "version": "v1.1.0", "stage": "prod", "commit": B, "ref": "churn#prod#3",
}  # fmt: skip


def test_the_registry_table_is_gtos_sorted_with_dashes_for_nothing() -> None:
    assert messages.registry_table(SHOWN, ["prod"]) == [
        ["name", "latest", "#prod"],
        ["churn", "v1.1.0", "v1.0.0"],
        ["cv:seg", "v0.1.0", "-"],
        ["fraud", "-", "-"],
    ]


WHEN = "2026-01-01 00:00:09+00:00"  # as gto prints a time: a space, not `T`


def test_the_history_table_prints_times_as_gto_and_shortens_the_commit() -> None:
    deprecated = EVENT | {
        "event": "deprecation",
        "version": None,
        "stage": None,
        "ref": "churn@deprecated",
    }
    assert messages.history_table([EVENT, deprecated])[1:] == [
        [WHEN, "churn", "assignment", "v1.1.0", "prod", B[:7], "churn#prod#3"],
        [WHEN, "churn", "deprecation", "-", "-", B[:7], "churn@deprecated"],
    ]  # fmt: skip


def test_a_text_table_pads_its_columns_and_rules_the_header() -> None:
    rows = [["name", "latest"], ["churn", "v1.1.0"], ["cv:seg", "-"]]
    assert messages.text_table(rows) == (
        "name    latest\n------  ------\nchurn   v1.1.0\ncv:seg  -"
    )


def test_a_markdown_table() -> None:
    assert messages.markdown_table([["a", "b"], ["1", "2"]]) == "| a | b |\n|---|---|\n| 1 | 2 |"


def test_the_registry_summary_links_each_model_to_its_latest_release() -> None:
    text = messages.registry_summary(SHOWN, ["prod"], [EVENT], WEB)
    assert text.startswith("### Model registry: 3 models\n\n")
    assert f"| [`churn`]({WEB}/releases/tag/churn@v1.1.0) | v1\\.1\\.0 | v1\\.0\\.0 |" in text
    assert f"| [`cv:seg`]({WEB}/releases/tag/cv=seg@v0.1.0) | v0\\.1\\.0 | \\- |" in text
    assert "| `fraud` | \\- | \\- |" in text  # no version: nothing to link
    assert "#### Newest events" in text and "churn\\#prod\\#3" in text


def test_the_history_summary_counts_events_and_stops_at_its_row_limit() -> None:
    events = [EVENT] * (messages.HISTORY_ROWS + 2)
    text = messages.history_summary(events, "churn")
    assert text.startswith(f"### History of `churn`: {len(events)} events\n\n")
    assert text.count("churn\\#prod\\#3") == messages.HISTORY_ROWS
    assert text.endswith("\n\n… and 2 older events.\n")
    assert messages.history_summary([EVENT], "").startswith("### Registry history: 1 events")
