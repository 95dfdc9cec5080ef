"""What a run says to the people reading the workflow: the notice line and the job summary."""

from __future__ import annotations

import re
from typing import Any

from registry_action.core.grammar import Event, ModelName, format_tag
from registry_action.core.outputs import Facts, release_url
from registry_action.core.repository import SHORT_SHA
from registry_action.decide.labels import Labelled
from registry_action.decide.policy import Status, Verdict

HISTORY_ROWS = 20
GTO_SHA = 7  # as gto's tables show a commit

# Per command: the summary's state when the tag was written and when it was there already,
# then the notice for each. {tag} {commit} {stage}; {what}: the model and its version.
_WORDS = {
    "register": (
        "Registered", "Already registered",
        "Registered {tag} on {commit}.",
        "{tag} is already registered on {commit}; nothing to do.",
    ),
    "assign": (
        "Assigned", "Already assigned",
        "Assigned stage {stage} to {what}: created {tag} on {commit}.",
        "{what} is already in stage {stage} ({tag}); nothing to do.",
    ),
    "unassign": (
        "Unassigned", "Already unassigned",
        "Unassigned stage {stage} from {what}: created {tag} on {commit}.",
        "Stage {stage} is already unassigned from {what} ({tag}); nothing to do.",
    ),
    "deregister": (
        "Deregistered", "Already deregistered",
        "Deregistered {what}: created {tag} on {commit}.",
        "{what} is already deregistered ({tag}); nothing to do.",
    ),
    "deprecate": (
        "Deprecated", "Already deprecated",
        "Deprecated {what}: created {tag} on {commit}.",
        "{what} is already deprecated ({tag}); nothing to do.",
    ),
}  # fmt: skip


def written(
    command: str, facts: Facts, *, created: bool, planned: bool, short: bool = False
) -> tuple[str, str]:
    """The notice and the summary's state for a write command's outcome.

    `planned`: a dry run that would have written the tag. `short`: the commit abbreviated,
    as a person reads it.
    """
    done, already, did, was = _WORDS[command]
    tag, commit = facts.tag.name, facts.tag.commit[: SHORT_SHA if short else None]
    if planned:
        verb = "register" if command == "register" else "create"
        return f"Dry run: would {verb} {tag} on {commit}.", "Dry run"
    version = facts.version.text if facts.version else ""
    what = facts.model.full + (f" {version}" if version else "")
    if facts.stage and not version:  # a stage on an unregistered commit: name the commit
        what += f" at {commit[:SHORT_SHA]}"
    notice = did if created else was
    words = notice.format(tag=tag, commit=commit, stage=facts.stage, what=what)
    return words, done if created else already


def shown(model: str, values: dict[str, str], *, short: bool = False) -> str:
    """The line for the version `show` found (`values`: its outputs), or for none."""
    stage = values["stage"]
    where = f" in stage {stage}" if stage else ""
    if not values["version"]:
        what = f"stage {stage} holds no version" if stage else "no version is registered"
        return f"{model}: {what}; version is empty."
    commit = values["commit"][: SHORT_SHA if short else None]
    before = values["stage-previous-version"]
    before = f" (before: {before})" if before else ""
    return f"{model}{where}: {values['version']} ({values['tag']}) on {commit}{before}."


def labelled(labels: Labelled | None) -> str:
    """The notice's tail when `bump: labels` chose the part: which label, or why patch."""
    if labels is None or labels.bump is None:
        return ""
    return f" Bumped {labels.bump.value}: {labels.reason}."


def registered_first(facts: Facts, *, dry_run: bool) -> str:
    """The notice's tail when assign registered the commit first."""
    first = "would register" if dry_run else "registered"
    return f" First {first} {facts.tag.name} on {facts.tag.commit}."


def parsed(facts: Facts, *, short: bool = False) -> str:
    """The notice for a tag `parse` read."""
    what = f" {facts.version}" if facts.version else ""
    # An unassignment takes a stage *from* a version (gto: "unassigns stage from version").
    towards = "from" if facts.event is Event.UNASSIGNMENT else "to"
    stage = f" {towards} {facts.stage}" if facts.stage else ""
    tag, commit = facts.tag, facts.tag.commit[: SHORT_SHA if short else None]
    return f"{tag.name}: {facts.event.value} of {facts.model.full}{what}{stage} on {commit}."


def policy_note(verdict: Verdict) -> str:
    """The notice's tail: what the promotion policy says of the tag."""
    if verdict.status is Status.OVERRIDDEN:
        return f" Policy: overridden ({verdict.override})."
    if verdict.status is Status.NONE:
        return ""  # no policy file: nothing to say
    return f" Policy: {verdict.status.value}."


def summary(facts: Facts, out: dict[str, str], state: str) -> str:
    """The job summary: what the tag records (`out`: its outputs), and the version history."""
    web = facts.web_url
    version = (
        f"{_code(out['version'])}{' (latest)' if facts.is_latest else ''}"
        if out["version"]
        else "-"
    )
    rows = [
        f"### {state}: {_code(facts.tag.name)}",
        "",
        "| | |",
        "|---|---|",
        f"| Model | {_code(facts.model.full)} |",
        f"| Version | {version} |",
        *([f"| Stage | {_code(facts.stage)} |"] if facts.stage else []),
        f"| Commit | {_commit_link(facts.tag.commit, web)} |",
        f"| Tag | {_link(facts.tag.name, out['tag-url'])} |",
        f"| Latest version | {_code(out['latest-version'] or '-')} |",
        "",
        "| Version | Commit | Date | |",
        "|---|---|---|---|",
    ]
    history = facts.history
    this_run = facts.created or not facts.tag.sha  # made now, or planned by a dry run
    for v in history[:HISTORY_ROWS]:
        mark = "latest" if v.version.text == out["latest-version"] else ""
        mark = mark if v.active else "deregistered"
        date = "this run" if v.tag == facts.tag and this_run else v.tag.date
        rows.append(
            f"| {_code(v.version.text)} | {_commit_link(v.commit, web)} | {_md(date)} | {mark} |"
        )
    if len(history) > HISTORY_ROWS:
        rows.append(f"\n… and {len(history) - HISTORY_ROWS} older versions.")
    return "\n".join(rows) + "\n"


def not_registered(model: str, notice: str) -> str:
    """The job summary when `bump:none` registered nothing: the notice, as text only (the
    pull request's URL is GitHub's, the rest the model's name)."""
    return f"### Registered nothing: {_code(model)}\n\n{_md(notice)}\n"


def refusal_summary(title: str, message: str, note: str) -> str:
    """The job summary of a refusal: the message holds user values, so it is text only."""
    text = "\n".join(_md(line) for line in message.splitlines())
    return f"### {title}\n\n{text}\n\n{note}\n"


# Untrusted text in a job summary (GitHub Flavored Markdown, HTML allowed): `&`, `<`, `>` as
# entities, every other ASCII punctuation character backslash-escaped (CommonMark 2.4: any
# ASCII punctuation may be; GFM 4.10: `\|` inside a table cell), so no value makes emphasis,
# a link, an image, a heading, a list, HTML, an autolink or a new table cell.
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_PUNCTUATION = re.compile(r"[!-/:-@\[-`{-~]")


def _md(text: str) -> str:
    """`text` as literal Markdown text on one line."""
    return _PUNCTUATION.sub(lambda m: _ENTITIES.get(m[0], "\\" + m[0]), " ".join(text.splitlines()))


def _code(text: str) -> str:
    """`text` as a code span that no backtick in it ends and no `|` splits (GFM 6.1, 4.10)."""
    text = " ".join(text.splitlines()).replace("|", "\\|")
    fence = "`" * (1 + max((len(run) for run in re.findall("`+", text)), default=0))
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _commit_link(sha: str, web: str) -> str:
    return _link(sha[:SHORT_SHA], f"{web}/commit/{sha}" if web else "")


def _link(text: str, url: str) -> str:
    return f"[{_code(text)}]({url})" if url else _code(text)


_SHA = re.compile(r"[0-9a-f]{40}")
# What gto prints for a registry (or a history) with nothing in it.
NOTHING = "Nothing found in the current workspace"


def registry_table(rows: dict[str, Any], stages: list[str]) -> list[list[str]]:
    """`gto show`'s table: name, latest, one column per stage (`-` for none)."""
    header = ["name", "latest", *(f"#{s}" for s in stages)]
    body = [
        [name, state["version"] or "-", *(_short(state["stage"][s]) or "-" for s in stages)]
        for name, state in sorted(rows.items())
    ]
    return [header, *body]


POLICY_MARK = " !"  # after a stage's version whose assignment broke the promotion policy
POLICY_LEGEND = "!: the assignment broke the promotion policy (.github/registry-policy.yml)."


def mark_policy(table: list[list[str]], marks: dict[str, dict[str, str]]) -> bool:
    """Put `POLICY_MARK` after each version `registry_table` shows in a stage whose
    assignment the policy says `violated`; True when any was marked."""
    stages = [cell[1:] for cell in table[0][2:]]
    marked = False
    for row in table[1:]:
        for i, stage in enumerate(stages, start=2):
            if marks.get(row[0], {}).get(stage) == "violated":
                row[i] += POLICY_MARK
                marked = True
    return marked


def _short(version: str | None) -> str:
    """A version as gto's tables print it: a bare commit's (its sha) in 7 characters."""
    return version[:GTO_SHA] if version and _SHA.fullmatch(version) else version or ""


def history_table(events: list[dict[str, Any]]) -> list[list[str]]:
    """`gto history`'s table: when, what, which version and stage, where."""
    header = ["timestamp", "artifact", "event", "version", "stage", "commit", "ref"]
    body = [
        # gto prints the time with a space, not `T` (`str(datetime)`).
        [e["timestamp"].replace("T", " ", 1), e["artifact"], e["event"],
         _short(e["version"]) or "-", e["stage"] or "-", e["commit"][:GTO_SHA], e["ref"]]
        for e in events
    ]  # fmt: skip
    return [header, *body]


def text_table(rows: list[list[str]]) -> str:
    """Columns padded for a terminal."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


def markdown_table(rows: list[list[str]]) -> str:
    header, *body = rows
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in body]
    return "\n".join(lines)


def registry_summary(
    rows: dict[str, Any],
    stages: list[str],
    events: list[dict[str, Any]],
    web: str,
    marks: dict[str, dict[str, str]] | None = None,
) -> str:
    """The job summary of `show`: the registry as gto draws it, then the newest events."""
    marked = registry_table(rows, stages)
    legend = f"\n{POLICY_LEGEND}\n" if mark_policy(marked, marks or {}) else ""
    table = _escaped(marked)
    for row, name in zip(table[1:], sorted(rows), strict=True):
        latest = rows[name]["version"]
        model = ModelName.parse(name)
        tag = format_tag(Event.REGISTRATION, model, version=latest) if latest else ""
        row[0] = _link(name, release_url(web, tag))
    recent = _escaped(history_table(events[:HISTORY_ROWS]))
    return (
        f"### Model registry: {len(rows)} models\n\n{markdown_table(table)}\n{legend}\n"
        f"#### Newest events\n\n{markdown_table(recent)}\n"
    )


def history_summary(events: list[dict[str, Any]], model: str) -> str:
    title = f"History of {_code(model)}" if model else "Registry history"
    shown = _escaped(history_table(events[:HISTORY_ROWS]))
    more = (
        f"\n\n… and {len(events) - HISTORY_ROWS} older events."
        if len(events) > HISTORY_ROWS
        else ""
    )
    return f"### {title}: {len(events)} events\n\n{markdown_table(shown)}{more}\n"


def _escaped(rows: list[list[str]]) -> list[list[str]]:
    """A table's cells as literal text: tag names, stages and versions come from tags anyone
    with push access wrote."""
    return [[_md(cell) for cell in row] for row in rows]


def unchanged(facts: Facts, reason: str, *, short: bool = False) -> tuple[str, str]:
    """The notice and summary state when `if-changed` skipped a registration: `facts` are
    the version that already holds the content."""
    commit = facts.tag.commit[: SHORT_SHA if short else None]
    version = facts.version.text if facts.version else ""
    notice = (
        f"{facts.model.full}: content unchanged since {version} ({facts.tag.name} on "
        f"{commit}): {reason}; nothing registered."
    )
    return notice, "Unchanged"


def changes_table(rows: list[dict[str, Any]]) -> list[list[str]]:
    """The `changes` command's table, one line a model, as gto's tables are drawn."""
    header = ["name", "changed", "latest", "commit", "reason"]
    body = [
        [r["name"], "yes" if r["changed"] else "no", r["version"] or "-",
         r["version-commit"][:GTO_SHA] or "-", r["reason"]]
        for r in rows
    ]  # fmt: skip
    return [header, *body]


def changes_summary(rows: list[dict[str, Any]], commit: str, web: str) -> str:
    """The job summary of `changes`: which models changed at `commit`, and why."""
    changed = sum(1 for r in rows if r["changed"])
    table = _escaped(changes_table(rows))
    for row, found in zip(table[1:], rows, strict=True):
        row[0] = _code(found["name"])
        if found["version-commit"]:
            row[3] = _commit_link(found["version-commit"], web)
    title = f"### Changes at {_commit_link(commit, web)}: {changed} of {len(rows)} models changed"
    return f"{title}\n\n{markdown_table(table) if rows else 'No model is declared.'}\n"
