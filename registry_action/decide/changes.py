"""`if-changed`: a registration of content its greatest active version already holds
plans no write."""

from __future__ import annotations

from dataclasses import replace

from registry_action.core.content import ModelChange
from registry_action.core.dvc_yaml import Annotation
from registry_action.decide.plan import Plan


def if_changed(plan: Plan, found: ModelChange, then: Annotation | None) -> Plan:
    """`plan`, or with `if-changed` and unchanged content, the plan that writes nothing and
    names the version holding that content (`then`: its annotation, at its commit)."""
    version = plan.request.if_changed and not found.change.changed and found.version
    if not version or not plan.create:
        return plan
    held = plan.state.plan(
        plan.request, version.tag.name, version.commit, existing=version.tag, annotation=then
    )
    return replace(held, unchanged=True)
