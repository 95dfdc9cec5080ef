"""What every decision returns: the state it decided on, and the plan it made.

Each command's decision (`register.register`, `lifecycle.assign`, ...) is a pure function
from a request and one read (`State`) to a `Plan`: the tag to create, the tag that already
records the event (a re-run), or a refusal.
"""

from __future__ import annotations

from dataclasses import dataclass

from registry_action.core.dvc_yaml import Annotation
from registry_action.core.grammar import check_ref_length
from registry_action.core.model_view import ModelView
from registry_action.core.outputs import Facts, facts
from registry_action.core.repository import Snapshot, TagInfo
from registry_action.decide.request import Request


@dataclass(frozen=True)
class State:
    """The repository as one read shows it, and the time a tag planned now would carry."""

    snapshot: Snapshot
    view: ModelView
    now: str  # `YYYY-MM-DDTHH:MM:SSZ`, from the shell

    def plan(
        self,
        request: Request,
        tag: str,
        commit: str,
        message: str = "",
        *,
        existing: TagInfo | None = None,
        annotation: Annotation | None = None,
        first: Plan | None = None,
    ) -> Plan:
        """A plan for `tag` on `commit`; `existing` on a re-run, `first` to create before it."""
        if existing is None:  # every tag a plan would write, before any is written
            check_ref_length(tag)
        # A planned tag is the model's newest event, even past a skewed clock.
        date = max([self.now, *(t.date for t in self.view.tags)])
        made = existing or TagInfo(tag, commit, annotated=True, date=date)
        return Plan(
            request, made, request.message or message, existing is None, self, annotation, first
        )


@dataclass(frozen=True)
class Plan:
    """What a request means for the repository as read."""

    request: Request
    made: TagInfo  # the tag to create (as planned: no sha yet), or the one already there
    message: str
    create: bool  # False on a re-run: the tag is there, nothing to write
    state: State
    annotation: Annotation | None
    first: Plan | None = None  # create this first (assign registers an unregistered commit)
    unchanged: bool = False  # `if-changed`: `made` is the version that holds this content

    @property
    def tag(self) -> str:
        return self.made.name

    @property
    def commit(self) -> str:
        return self.made.commit

    def facts(self, tag: TagInfo, *, created: bool) -> Facts:
        """The facts of the tag this plan made, planned or found."""
        view = self.state.view.with_tag(tag) if self.create else self.state.view
        web_url = self.state.snapshot.web_url
        return facts(view, tag, annotation=self.annotation, web_url=web_url, created=created)
