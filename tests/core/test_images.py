"""Image references, OCI labels and promotion tags: what docker/build-push-action takes as is."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from registry_action.core.docker import REFERENCE, docker_tag, is_reference
from registry_action.core.dvc_yaml import Annotation
from registry_action.core.errors import InvalidInput, InvalidName
from registry_action.core.grammar import NAME, SEMVER, Event, ModelName, format_tag
from registry_action.core.images import OCI, annotation_lines, label_lines, oci_labels, parse_images
from registry_action.core.model_view import ModelView
from registry_action.core.outputs import LISTS, empty_outputs, facts, outputs, typed
from registry_action.core.repository import TagInfo
from registry_action.shells.spellings import ACTION, CLI

A = "a" * 40
WEB = "https://github.example.com/acme/models"  # a GHES server: the URL is the server's own
CHURN = ModelName.parse("cv:Churn")


def outputs_of(
    event: Event,
    *,
    model: ModelName = CHURN,
    versions: tuple[str, ...] = ("v1.3.0", "v1.4.0"),
    stage: str = "prod",
    images: str = "ghcr.io/Acme/{image-name}",
    web_url: str = WEB,
    annotation: Annotation | None = None,
) -> dict[str, str]:
    """The outputs of one `event` tag on the commit of the last of `versions`."""
    # One version a commit, as GTO keeps it: the last on commit A, the one before on B.
    commits = (["b" * 40] * len(versions) + [A])[-len(versions) :]
    dated = [
        TagInfo(format_tag(Event.REGISTRATION, model, version=v), c, True, "1" * 40, f"{d}Z")
        for v, c, d in zip(
            versions, commits, ("2026-05-01T10:00:00", "2026-05-02T10:00:00"), strict=False
        )
    ]
    tag = dated[-1]
    if event is not Event.REGISTRATION:
        name = format_tag(event, model, version=versions[-1], stage=stage, counter=1)
        tag = TagInfo(name, A, True, "2" * 40, "2026-06-01T12:00:00Z")
        dated.append(tag)
    annotation = annotation or Annotation(description="Churn")
    made = facts(ModelView.of(model, dated), tag, annotation=annotation, web_url=web_url)
    return outputs(made, images=parse_images(images, model))


# -- the outputs of each event ---------------------------------------------------------------


def test_a_registration_tags_each_image_with_each_docker_tag() -> None:
    out = outputs_of(Event.REGISTRATION, images="ghcr.io/Acme/{image-name}, docker.io/acme/m")
    assert out["tags"].split("\n") == [
        "ghcr.io/acme/cv/churn:1.4.0",  # the owner lowercased; {image-name} is cv/churn
        "ghcr.io/acme/cv/churn:1.4",
        "ghcr.io/acme/cv/churn:1",
        "ghcr.io/acme/cv/churn:latest",
        "docker.io/acme/m:1.4.0",
        "docker.io/acme/m:1.4",
        "docker.io/acme/m:1",
        "docker.io/acme/m:latest",
    ]
    assert out["source-tags"] == "ghcr.io/acme/cv/churn:1.4.0\ndocker.io/acme/m:1.4.0"
    assert out["docker-tags"] == "1.4.0\n1.4\n1\nlatest"  # keeps its meaning


def test_a_stage_assignment_retags_the_versions_image() -> None:
    out = outputs_of(Event.ASSIGNMENT, stage="prod", images="ghcr.io/acme/churn,quay.io/a/c")
    assert out["tags"] == "ghcr.io/acme/churn:prod\nquay.io/a/c:prod"
    # Line by line: each image's stage tag comes from the same image's version tag.
    assert out["source-tags"] == "ghcr.io/acme/churn:1.4.0\nquay.io/a/c:1.4.0"
    assert outputs_of(Event.ASSIGNMENT, stage="prod/eu")["tags"] == "ghcr.io/acme/cv/churn:prod_eu"


@pytest.mark.parametrize("event", [Event.UNASSIGNMENT, Event.DEREGISTRATION, Event.DEPRECATION])
def test_other_events_tag_nothing(event: Event) -> None:
    out = outputs_of(event)
    assert (out["tags"], out["source-tags"], out["docker-tags"]) == ("", "", "")
    assert f"{OCI}title=cv:Churn" in out["labels"]  # labels are still there


def test_without_images_there_are_no_references_but_labels() -> None:
    out = outputs_of(Event.REGISTRATION, images="")
    assert (out["tags"], out["source-tags"]) == ("", "")
    assert out["labels"].startswith(f"{OCI}title=cv:Churn\n")


def test_labels_and_annotations() -> None:
    out = outputs_of(Event.REGISTRATION, versions=("v1.3.0", "v1.4.0-rc.1+b.5"))
    labels = {
        f"{OCI}title": "cv:Churn",
        f"{OCI}description": "Churn",
        f"{OCI}version": "1.4.0-rc.1+b.5",  # without the `v`
        f"{OCI}revision": A,
        f"{OCI}source": WEB,
        f"{OCI}url": f"{WEB}/releases/tag/cv=Churn@v1.4.0-rc.1%2Bb.5",
        f"{OCI}created": "2026-05-02T10:00:00Z",
    }
    assert out["labels"] == "\n".join(f"{k}={v}" for k, v in labels.items())
    assert out["annotations"] == "\n".join(f"manifest:{k}={v}" for k, v in labels.items())


def test_an_assignment_labels_the_versions_image() -> None:
    # The stage tag's own date is not the image's: the image was built for the version.
    out = outputs_of(Event.ASSIGNMENT)
    assert f"{OCI}created=2026-05-02T10:00:00Z" in out["labels"].split("\n")
    assert f"{OCI}version=1.4.0" in out["labels"].split("\n")


def test_a_local_clone_invents_no_url() -> None:
    out = outputs_of(Event.REGISTRATION, web_url="", annotation=Annotation())
    keys = [line.partition("=")[0] for line in out["labels"].split("\n")]
    assert keys == [f"{OCI}{k}" for k in ("title", "version", "revision", "created")]


def test_json_holds_the_image_outputs_as_lists() -> None:
    out = outputs_of(Event.ASSIGNMENT)
    whole = json.loads(out["json"])
    assert whole["tags"] == ["ghcr.io/acme/cv/churn:prod"]
    assert whole["labels"] == out["labels"].split("\n")
    assert (whole["docker-tags"], whole["model-labels"]) == (out["docker-tags"], "[]")
    assert {k: v for k, v in whole.items() if k not in LISTS} == {
        k: v for k, v in out.items() if k not in (*LISTS, "json")
    }
    program = typed(out)
    assert program["source-tags"] == ["ghcr.io/acme/cv/churn:1.4.0"]
    assert program["annotations"] == out["annotations"].split("\n")
    assert program["docker-tags"] == ["1.4.0", "1.4", "1", "latest"]
    assert program["model-labels"] == []


def test_no_registry_event_means_every_image_output_empty() -> None:
    empty = empty_outputs()
    assert {empty[k] for k in LISTS} == {""}
    assert empty["model-labels"] == "[]"
    assert all(typed(empty)[k] == [] for k in LISTS)


# -- the images input ------------------------------------------------------------------------


def test_images_are_split_trimmed_lowercased_and_deduplicated() -> None:
    text = (
        " ghcr.io/Acme/{image-name} ,\n\nlocalhost:5000/x-{image-name}\r\nghcr.io/acme/{image-name}"
    )
    assert parse_images(text, CHURN) == (
        "ghcr.io/acme/{image-name}",
        "localhost:5000/x-{image-name}",
    )
    assert parse_images("") == ()


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ("ghcr.io/acme/churn:1.0", "names a tag or digest"),
        ("ghcr.io/acme/churn@sha256:" + "0" * 64, "names a tag or digest"),
        ("{image-name}", "before the first '/'"),
        ("{image-name}.io/acme/x", "before the first '/'"),
        ("ghcr.io/acme/{model}", "holds {model}; the only placeholder is {image-name}"),
        ("ghcr.io/acme/my model", "is not a valid image name"),
        ("ghcr.io/acme/-x", "is not a valid image name"),
        ("ghcr.io//x", "is not a valid image name"),
        ("https://ghcr.io/acme/x", "is not a valid image name"),
        ("ghcr.io/acme/" + "m" * 250, "Docker allows 255"),
    ],
)
def test_an_entry_docker_refuses_is_an_input_error(entry: str, problem: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_images(f"ghcr.io/acme/ok, {entry}", CHURN)
    assert problem in info.value.message and repr(entry) in info.value.message
    assert "the images input" in info.value.render(ACTION)
    assert "--images" in info.value.render(CLI)
    assert "ghcr.io/OWNER/{image-name}" in info.value.render(CLI)


def test_the_models_image_name_counts_toward_the_length() -> None:
    entry = "ghcr.io/acme/" + "m" * 230 + "/{image-name}"
    assert parse_images(entry, ModelName.parse("churn"))
    with pytest.raises(InvalidInput, match="Docker allows 255"):
        parse_images(entry, ModelName.parse("churn-" + "x" * 30))


# -- properties ------------------------------------------------------------------------------

# Entries Docker's grammar accepts once lowercased: an optional registry host (any case, a
# port), then path components (any case: an owner may have capitals), `{image-name}` in the
# path as a component of its own or joined to one by a separator.
_COMPONENT = r"[a-zA-Z0-9]+(?:(?:[._]|__|-+)[a-zA-Z0-9]+)*"
_HOST = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
domains = st.one_of(
    st.just(""),
    st.just("localhost/"),
    st.from_regex(rf"{_HOST}(?:\.{_HOST})+(?::[0-9]{{1,5}})?/", fullmatch=True),
    st.from_regex(r"\[[a-f0-9:]{2,12}\]:[0-9]{1,5}/", fullmatch=True),
)
# Drawn with bounded repeats (a component under 40 characters, as Docker's grammar allows):
# `_COMPONENT` with a length filter made hypothesis retry most draws (10 s a run).
_SHORT = r"[a-zA-Z0-9]{1,8}(?:(?:[._]|__|-{1,3})[a-zA-Z0-9]{1,8}){0,2}"
components = st.from_regex(_SHORT, fullmatch=True).filter(re.compile(_COMPONENT).fullmatch)
placed = st.sampled_from(["{c}", "{c}-{p}", "{p}.{c}", "{p}__{c}", "{p}{c}", "{p}"])


@st.composite
def entries(draw: st.DrawFn) -> str:
    domain, path = draw(domains), draw(st.lists(components, min_size=1, max_size=4))
    at = draw(st.integers(0 if domain else 1, len(path)))  # never before the first `/`
    path.insert(at, draw(placed).format(c=draw(components), p="{image-name}"))
    return domain + "/".join(path)


models = st.from_regex(rf"(?:[a-zA-Z0-9\-_./]{{1,12}}:)?{NAME}", fullmatch=True).filter(
    lambda t: len(t) < 60
)
versions = st.from_regex(rf"v{SEMVER}", fullmatch=True)
stages = st.from_regex(NAME, fullmatch=True)


def parsed_model(text: str) -> ModelName:
    try:
        return ModelName.parse(text)
    except InvalidName:  # only a name the grammar refuses may be skipped
        assume(False)
        raise


@given(models, versions, stages, st.lists(entries(), min_size=1, max_size=3))
@example("cv:Churn", "v1.0.0-rc.1+" + "b" * 200, "prod/EU", ["ghcr.io/Acme/{image-name}"])
@example("deep.x/a:m", "v99999999999999999999.0.0", "x", ["Ghcr.IO:443/o/{image-name}"])
def test_every_reference_parses_under_dockers_grammar(
    model_text: str, version: str, stage: str, images: list[str]
) -> None:
    model = parsed_model(model_text)
    try:
        parse_images(",".join(images), model)
    except InvalidInput as err:  # the grammar accepts every entry; only a long one is refused
        assert "Docker allows 255" in err.message
        assume(False)
    for event in (Event.REGISTRATION, Event.ASSIGNMENT):
        out = outputs_of(
            event, model=model, versions=(version,), stage=stage, images=",".join(images)
        )
        refs = [r for key in ("tags", "source-tags") for r in out[key].split("\n")]
        assert refs and all(is_reference(r) for r in refs), refs
        for ref in refs:
            match = REFERENCE.fullmatch(ref)
            assert match and match["tag"] and not match["digest"]
            assert match["name"] == match["name"].lower()
    assert out["tags"].split("\n") == [f"{n}:{docker_tag(stage)}" for n in names(out)]


def names(out: dict[str, str]) -> list[str]:
    return [ref.rpartition(":")[0] for ref in out["source-tags"].split("\n")]


# Characters that matter to the grammar, and the placeholder, in any order.
pieces = st.sampled_from([*"aZ09._-/:@[] %", "__", "{image-name}", "{x}", "ghcr.io/"])


@given(st.lists(pieces, max_size=12).map("".join))
def test_an_entry_is_refused_or_valid(text: str) -> None:
    try:
        [image] = parse_images(text, CHURN) or ["ghcr.io/acme/skip"]
    except InvalidInput:
        return
    assert is_reference(image.replace("{image-name}", "cv/churn"))


@given(st.text(max_size=300))
@example("prod/eu")
@example(".hidden")
@example("")
def test_any_text_makes_a_valid_tag(text: str) -> None:
    tag = docker_tag(text)
    assert REFERENCE.fullmatch(f"x:{tag}") and len(tag) <= 128


def test_long_tags_stay_apart() -> None:
    a, b = docker_tag("1.0.0-" + "a" * 200), docker_tag("1.0.0-" + "a" * 199 + "b")
    assert a != b and len(a) == len(b) == 128 and a[:119] == b[:119]


labels_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=60)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@given(labels_text, labels_text, labels_text, labels_text)
@example("churn", "a=b\nc == d\r\n\u2028e\x00f", "1.0.0+b=1", "https://x/?q=1&r=2")
def test_labels_round_trip(title: str, description: str, version: str, url: str) -> None:
    given_ = {"title": title, "description": description, "version": version, "url": url}
    labels = oci_labels(title=title, description=description, version=version, url=url)
    lines = label_lines(labels).split("\n") if labels else []
    assert dict(line.partition("=")[::2] for line in lines) == labels  # values may hold `=`
    assert annotation_lines(labels) == "\n".join(f"manifest:{line}" for line in lines)
    for key, text in given_.items():
        value = labels.get(OCI + key, "")
        # One line, no control characters, trimmed; every other character kept in order.
        assert value.splitlines() in ([value], []) and not _CONTROL.search(value)
        assert value == value.strip() and "  " not in value
        kept = "".join(_CONTROL.sub(" ", text).split())
        assert "".join(value.split()) == kept


def test_a_description_becomes_one_line() -> None:
    labels = oci_labels(title="m", description="  Churn\n  model:\tx=1\r\n ")
    assert labels[f"{OCI}description"] == "Churn model: x=1"
