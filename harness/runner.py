"""Run the action's image the way the GitHub Actions runner runs a Docker action.

Mirrors actions/runner (read at 258d6c85, runner 2.336.0):

* ``Handlers/ContainerActionHandler.cs`` + ``Handlers/Handler.cs``: ``INPUT_<NAME>`` for every
  declared input (name upper-cased, spaces -> ``_``, hyphens kept), the value passed raw
  (untrimmed) or the evaluated ``default``; undeclared ``with:`` keys are passed too (with a
  warning); ``runs.env`` only for keys not already set; ``HOME=/github/home``; then the
  ``github``/``runner`` contexts as ``GITHUB_*``/``RUNNER_*`` (these overwrite workflow ``env:``);
  mounts ``/github/{runner_temp,home,workflow,file_commands,workspace}``.
* ``Container/DockerCommandManager.cs`` ``DockerRun``: ``docker run --workdir /github/workspace
  --rm -e NAME ...`` with the values in the docker client's environment (never on the command
  line), ``-e GITHUB_ACTIONS=true``, ``-e CI=true`` unless set, ``runs.args`` after the image.
* ``FileCommandManager.cs`` ``EnvFileKeyValuePairs``: :func:`parse_file_command`.
* ``Runner.Common/ActionCommand.cs`` + ``ActionCommandManager.cs``: :func:`parse_workflow_commands`.

Deliberate differences: ``--network host`` by default (to reach a stand-in on loopback; the
runner uses Docker's default network unless there is a job container), no
``/var/run/docker.sock`` mount unless ``mount_docker_sock=True``, no ``--name``/``--label``.
``GITHUB_TOKEN`` is not exported, exactly like the runner.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import yaml

from .standin.server import WRITE_TOKEN

REPO_ROOT = Path(__file__).resolve().parents[1]
ACTION_YML = REPO_ROOT / "action.yml"

CONTAINER_WORKSPACE = "/github/workspace"
CONTAINER_FILE_COMMANDS = "/github/file_commands"

# GitHubContext._contextEnvAllowlist: only these github.* keys become GITHUB_* variables.
# ``token`` is not among them, so GITHUB_TOKEN never reaches the container.
GITHUB_ENV_ALLOWLIST = frozenset(
    {
        "action_path", "action_ref", "action_repository", "action", "actor", "actor_id",
        "api_url", "artifacts", "artifacts_list", "base_ref", "env", "event_name", "event_path",
        "graphql_url", "head_ref", "job", "output", "path", "ref_name", "ref_protected",
        "ref_type", "ref", "repository", "repository_id", "repository_owner",
        "repository_owner_id", "retention_days", "run_attempt", "run_id", "run_number",
        "server_url", "sha", "state", "step_summary", "triggering_actor", "workflow",
        "workflow_ref", "workflow_sha", "workspace",
    }
)  # fmt: skip

# Commands the runner registers (ActionCommandManager + its extensions); others are plain output.
REGISTERED_COMMANDS = frozenset(
    {
        "stop-commands", "set-env", "set-output", "save-state", "add-mask", "add-path",
        "add-matcher", "remove-matcher", "debug", "warning", "error", "notice", "group",
        "endgroup", "echo",
    }
)  # fmt: skip


# --------------------------------------------------------------------------------------------
# GITHUB_OUTPUT / GITHUB_ENV / GITHUB_STATE files
# --------------------------------------------------------------------------------------------


class FileCommandError(ValueError):
    """The runner would log ``Unable to process file command '<x>' successfully.`` and fail
    the step. The message is the runner's exception message."""


def _decode_like_read_all_text(data: bytes) -> str:
    """``File.ReadAllText``: UTF-8 unless a BOM says otherwise; the BOM is dropped; invalid
    UTF-8 becomes U+FFFD."""
    for bom, codec in (
        (b"\xef\xbb\xbf", "utf-8"),
        (b"\xff\xfe\x00\x00", "utf-32-le"),
        (b"\xff\xfe", "utf-16-le"),
        (b"\xfe\xff", "utf-16-be"),
    ):
        if data.startswith(bom):
            return data[len(bom) :].decode(codec, errors="replace")
    return data.decode("utf-8", errors="replace")


def parse_file_command(text: str | bytes) -> dict[str, str]:
    """Parse a ``GITHUB_OUTPUT``/``GITHUB_ENV``/``GITHUB_STATE`` file exactly like the runner's
    ``EnvFileKeyValuePairs`` (Linux build: lines end at ``\\n`` only).

    * empty lines are skipped (outside heredocs);
    * ``NAME=VALUE`` when ``=`` comes before any ``<<``: split at the first ``=`` (an empty
      name is accepted: the runner's emptiness check tests the line, not the name);
    * ``NAME<<DELIM`` when ``<<`` comes before any ``=``: DELIM is the rest of the line, not
      trimmed; the value is every following line up to a line exactly equal to DELIM, without
      the newline before it;
    * later duplicates win.

    Raises :class:`FileCommandError` where the runner throws (and so fails the step).
    """
    if isinstance(text, bytes):
        text = _decode_like_read_all_text(text)
    elif text.startswith("\ufeff"):
        text = text[1:]
    result: dict[str, str] = {}
    lines = _Lines(text)
    line, _ = lines.read()
    while line is not None:
        if line:
            key, value = _entry(lines, line)
            result[key] = value
        line, _ = lines.read()
    return result


class _Lines:
    """The file's lines one at a time, as the runner's ``StringReader.ReadLine`` gives them
    (``\n`` ends a line; the last line may have no end), and where reading has got to."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.index = 0

    def read(self) -> tuple[str | None, str | None]:
        """The next line and the newline that ended it (None at the end of the text)."""
        text, start = self.text, self.index
        if start >= len(text):
            return None, None
        lf = text.find("\n", start)
        if lf < 0:
            self.index = len(text)
            return text[start:], None
        self.index = lf + 1
        return text[start:lf], "\n"


def _entry(lines: _Lines, line: str) -> tuple[str, str]:
    """One ``NAME=VALUE`` line, or a ``NAME<<DELIM`` heredoc read on from ``lines``."""
    eq = line.find("=")
    hd = line.find("<<")
    if eq >= 0 and (hd < 0 or eq < hd):
        key, value = line.split("=", 1)
        return key, value
    if hd >= 0 and (eq < 0 or hd < eq):
        return _heredoc(lines, line)
    raise FileCommandError(f"Invalid format '{line}'")


def _heredoc(lines: _Lines, line: str) -> tuple[str, str]:
    key, delimiter = line.split("<<", 1)
    if not key or not delimiter:
        raise FileCommandError(
            f"Invalid format '{line}'. Name must not be empty and delimiter must not be empty"
        )
    start = end = lines.index
    temp, newline = lines.read()
    while temp != delimiter:
        if temp is None:
            raise FileCommandError(f"Invalid value. Matching delimiter not found '{delimiter}'")
        if newline is None:
            raise FileCommandError("Invalid value. EOF marker missing new line.")
        end = lines.index - len(newline)
        temp, newline = lines.read()
    return key, lines.text[start:end] if end > start else ""


# --------------------------------------------------------------------------------------------
# Workflow commands on stdout/stderr (::error title=..::msg)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkflowCommand:
    command: str  # lower-cased (the runner matches names case-insensitively)
    properties: dict[str, str]  # keys as written; look up case-insensitively with .prop()
    message: str
    line: str  # the raw line

    def prop(self, name: str, default: str | None = None) -> str | None:
        for k, v in self.properties.items():
            if k.lower() == name.lower():
                return v
        return default

    def __iter__(self):  # type: ignore[no-untyped-def]
        """Unpacks as ``(command, properties, message)``."""
        return iter((self.command, self.properties, self.message))


def _unescape(value: str, mappings: Sequence[tuple[str, str]]) -> str:
    for escaped, token in mappings:
        value = value.replace(escaped, token)
    return value


# Order as in ActionCommand.cs (replacements applied in this order when unescaping).
_DATA_UNESCAPES = (("%0D", "\r"), ("%0A", "\n"), ("%25", "%"))
_PROPERTY_UNESCAPES = (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%"))
_LEGACY_UNESCAPES = (("%3B", ";"), ("%0D", "\r"), ("%0A", "\n"), ("%5D", "]"), ("%25", "%"))


def _parse_v2(line: str, registered: set[str]) -> WorkflowCommand | None:
    message = line.lstrip()
    if not message.startswith("::"):
        return None
    end = message.find("::", 2)
    if end < 0:
        return None
    info = message[2:end]
    space = info.find(" ")
    name = info if space < 0 else info[:space]
    if name.lower() not in registered:
        return None
    props: dict[str, str] = {}
    if space > 0:
        for part in info[space + 1 :].strip().split(","):
            if not part:
                continue
            pair = [p for p in part.split("=", 1) if p]
            if len(pair) == 2:
                props[pair[0]] = _unescape(pair[1], _PROPERTY_UNESCAPES)
    data = _unescape(message[end + 2 :], _DATA_UNESCAPES)
    return WorkflowCommand(name.lower(), props, data, line)


def _parse_legacy(line: str, registered: set[str]) -> WorkflowCommand | None:
    prefix = line.find("##[")
    if prefix < 0:
        return None
    rb = line.find("]", prefix)
    if rb < 0:
        return None
    info = line[prefix + 3 : rb]
    space = info.find(" ")
    name = info if space < 0 else info[:space]
    if name.lower() not in registered:
        return None
    props: dict[str, str] = {}
    if space > 0:
        for part in info[space + 1 :].split(";"):
            if not part:
                continue
            pair = [p for p in part.split("=", 1) if p]
            if len(pair) == 2:
                props[pair[0]] = _unescape(pair[1], _LEGACY_UNESCAPES)
    return WorkflowCommand(name.lower(), props, _unescape(line[rb + 1 :], _LEGACY_UNESCAPES), line)


def parse_workflow_commands(text: str, *, legacy: bool = True) -> list[WorkflowCommand]:
    """Workflow commands the runner would act on, in order, as ``WorkflowCommand``s (which
    unpack as ``(command, properties, message)``).

    Per line: leading whitespace trimmed, ``::name k=v,k2=v2::data``; only registered command
    names (case-insensitive); properties split on ``,`` then the first ``=`` (empty parts and
    pairs with an empty side dropped); ``%0D %0A %25`` unescaped in data, plus ``%3A %2C`` in
    properties. The legacy ``##[name k=v;..]data`` form is recognised anywhere in a line.
    ``::stop-commands::TOKEN`` pauses processing until ``::TOKEN::`` (both are returned, the
    commands in between are not). Lines end at ``\\r\\n``, ``\\n`` or a lone ``\\r``, as
    ``StreamReader.ReadLine`` cuts a step's output (actions/runner ``ProcessInvoker.cs``).
    """
    registered = set(REGISTERED_COMMANDS)
    stop_token: str | None = None
    out: list[WorkflowCommand] = []
    for line in re.split(r"\r\n|\r|\n", text):
        if not line:
            continue
        cmd = _parse_v2(line, registered)
        if cmd is None and legacy:
            cmd = _parse_legacy(line, registered)
        if cmd is None:
            continue
        if stop_token is not None:
            if cmd.command == stop_token.lower():
                registered.discard(stop_token.lower())
                stop_token = None
                out.append(cmd)
            continue
        if cmd.command == "stop-commands":
            token = cmd.message
            if token and token.lower() not in registered and token.lower() != "pause-logging":
                stop_token = token
                registered.add(token.lower())
            out.append(cmd)
            continue
        out.append(cmd)
    return out


# --------------------------------------------------------------------------------------------
# action.yml and ${{ }} expressions
# --------------------------------------------------------------------------------------------


class UnsupportedExpression(ValueError):
    """An expression more complex than a context path or a literal."""


_EXPR = re.compile(r"\$\{\{(.*?)\}\}", re.S)
_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_*][A-Za-z0-9_-]*)*$")


def _to_str(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dict, list)):
        return json.dumps(value, indent=2)
    return str(value)


def _lookup(contexts: Mapping[str, Any], path: str) -> Any:
    """Context and property names are case-insensitive; a missing one is null ("")."""
    cur: Any = contexts
    for part in path.split("."):
        if not isinstance(cur, Mapping):
            return None
        if part in cur:
            cur = cur[part]
            continue
        for k, v in cur.items():
            if isinstance(k, str) and k.lower() == part.lower():
                cur = v
                break
        else:
            return None
    return cur


def evaluate_expression(expr: str, contexts: Mapping[str, Any]) -> Any:
    expr = expr.strip()
    if _PATH.match(expr):
        low = expr.lower()
        if low in ("true", "false"):
            return low == "true"
        if low == "null":
            return None
        return _lookup(contexts, expr)
    if len(expr) >= 2 and expr[0] == expr[-1] == "'":
        return expr[1:-1].replace("''", "'")
    if re.fullmatch(r"-?\d+(\.\d+)?", expr):
        return float(expr) if "." in expr else int(expr)
    raise UnsupportedExpression(f"cannot evaluate ${{{{ {expr} }}}}")


def evaluate_template(value: Any, contexts: Mapping[str, Any]) -> str:
    """A YAML scalar with ``${{ }}`` parts -> string. A value that is exactly one expression
    keeps its type until stringified; unknown context paths give ""."""
    if not isinstance(value, str):
        return _to_str(value)
    m = _EXPR.fullmatch(value.strip())
    if m and value.strip() == value:
        return _to_str(evaluate_expression(m.group(1), contexts))
    return _EXPR.sub(lambda mm: _to_str(evaluate_expression(mm.group(1), contexts)), value)


def load_action(path: Path = ACTION_YML) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: not a mapping")
    return data


def input_env_name(name: str) -> str:
    """Handler.AddInputsToEnvironment: only spaces become ``_``; hyphens are kept."""
    return "INPUT_" + name.replace(" ", "_").upper()


def resolve_inputs(
    action: Mapping[str, Any], with_: Mapping[str, str], contexts: Mapping[str, Any]
) -> tuple[dict[str, str], list[str]]:
    """(inputs by name, warnings) as ActionRunner builds them: ``with:`` values raw, every
    declared input not given gets its evaluated default ("" without one); input names match
    case-insensitively; undeclared keys are kept and warned about."""
    declared = action.get("inputs") or {}
    given_lower = {k.lower() for k in with_}
    inputs: dict[str, str] = dict(with_)
    for name, spec in declared.items():
        if str(name).lower() in given_lower:
            continue
        default = (spec or {}).get("default") if isinstance(spec, Mapping) else None
        inputs[str(name)] = "" if default is None else evaluate_template(default, contexts)
    valid = {str(n).lower() for n in declared} | {"entrypoint", "args"}
    unexpected = [k for k in with_ if k.lower() not in valid]
    warnings = []
    if unexpected:
        warnings.append(
            "Unexpected input(s) '"
            + "', '".join(unexpected)
            + "', valid inputs are ['"
            + "', '".join(["entryPoint", "args", *map(str, declared)])
            + "']"
        )
    return inputs, warnings


# --------------------------------------------------------------------------------------------
# docker run
# --------------------------------------------------------------------------------------------


@dataclass
class ActionResult:
    exit_code: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str
    seconds: float
    # Extras for assertions and debugging.
    output_file: str = ""  # raw GITHUB_OUTPUT text
    env_file: str = ""  # raw GITHUB_ENV text
    state_file: str = ""
    path_file: str = ""
    output_error: str | None = None  # set when the runner would reject GITHUB_OUTPUT
    env: dict[str, str] = field(default_factory=dict)  # what the container was given
    argv: list[str] = field(default_factory=list)  # docker command line (no values in it)
    warnings: list[str] = field(default_factory=list)

    @property
    def commands(self) -> list[WorkflowCommand]:
        """Workflow commands from stdout, then stderr (the runner processes both)."""
        return parse_workflow_commands(self.stdout) + parse_workflow_commands(self.stderr)

    def annotations(self, kind: str = "error") -> list[WorkflowCommand]:
        return [c for c in self.commands if c.command == kind]

    @property
    def step_failed(self) -> bool:
        """Would the runner mark this step failed (exit code or a rejected output file)?"""
        return self.exit_code != 0 or self.output_error is not None

    def describe(self) -> str:
        return (
            f"exit={self.exit_code} seconds={self.seconds:.2f}\n--- outputs\n{self.outputs}\n"
            f"--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}\n--- summary\n{self.summary}"
        )


class StepFailedError(FileCommandError):
    """Raised by :func:`run_action` (strict) when the runner would fail the step while
    processing the file commands. ``.result`` holds everything else."""

    def __init__(self, message: str, result: ActionResult):
        super().__init__(message)
        self.result = result


def docker_bin() -> str:
    found = shutil.which("docker")
    if not found:
        raise FileNotFoundError("docker CLI not found (run tests/container/docker_env.sh start)")
    return found


def _default_github(github: Mapping[str, Any]) -> dict[str, Any]:
    g: dict[str, Any] = {
        "action": "__self",
        "actor": "octocat",
        "actor_id": "1",
        "api_url": "https://api.github.com",
        "graphql_url": "https://api.github.com/graphql",
        "server_url": "https://github.com",
        "event_name": "push",
        "job": "register",
        "ref": "refs/heads/main",
        "repository": "",
        "repository_id": "1",
        "repository_owner_id": "1",
        "retention_days": "90",
        "run_attempt": "1",
        "run_id": "1",
        "run_number": "1",
        "sha": "",
        "workflow": "container-test",
        "base_ref": "",
        "head_ref": "",
    }
    g.update(github)
    ref = str(g.get("ref") or "")
    g.setdefault("ref_name", ref.split("/", 2)[2] if ref.count("/") >= 2 else ref)
    g.setdefault("ref_type", "tag" if ref.startswith("refs/tags/") else "branch")
    g.setdefault("ref_protected", False)
    g.setdefault("repository_owner", str(g.get("repository") or "").partition("/")[0])
    g.setdefault("triggering_actor", g.get("actor"))
    g.setdefault("workflow_sha", g.get("sha"))
    g.setdefault("workflow_ref", f"{g['repository']}/.github/workflows/test.yml@{ref}")
    return g


def run_action(
    image: str,
    with_: Mapping[str, str],
    context: Mapping[str, Any] | None = None,
    network: str | None = "host",
    *,
    env: Mapping[str, str] | None = None,
    workspace: str | Path | None = None,
    action_yml: str | Path = ACTION_YML,
    timeout: float = 120,
    strict: bool = True,
    mount_docker_sock: bool = False,
    extra_docker_args: Sequence[str] = (),
    keep_dirs: bool = False,
) -> ActionResult:
    """Run ``image`` as the runner runs the Docker action described by ``action_yml``.

    ``context``: expression contexts, e.g. ``{"github": {"sha": ..., "repository": "o/r",
    "token": ..., "api_url": ..., "event": {...payload...}}, "runner": {...}, "env": {...}}``.
    ``context["env"]`` and ``env`` are the workflow/job/step ``env:`` (GITHUB_*/RUNNER_* from
    the contexts overwrite them, as in the runner). ``network=None`` uses Docker's default
    network like the runner. ``strict``: raise :class:`StepFailedError` where the runner would
    fail the step because of the output file; otherwise ``result.output_error`` is set.
    """
    context = dict(context or {})
    github = _default_github(context.get("github") or {})
    runner_ctx = _runner_context(github, context.get("runner") or {})
    step_env: dict[str, str] = {**(context.get("env") or {}), **(env or {})}
    contexts: dict[str, Any] = {**context, "github": github, "runner": runner_ctx,
                                "env": step_env}  # fmt: skip

    action = load_action(Path(action_yml))
    runs = action.get("runs") or {}
    if runs.get("using") != "docker":
        raise ValueError(f"{action_yml}: runs.using is {runs.get('using')!r}, not docker")
    inputs, warnings = resolve_inputs(action, with_, contexts)

    dirs = _StepDirs.make(workspace)
    event = github.pop("event", None)
    (dirs.workflow / "event.json").write_text(json.dumps(event or {}), encoding="utf-8")
    for key, name in dirs.files.items():
        github[key] = f"{CONTAINER_FILE_COMMANDS}/{name}"
    github["workspace"] = CONTAINER_WORKSPACE
    github["event_path"] = "/github/workflow/event.json"

    input_ctx = {"inputs": inputs, **contexts}
    container_env = _container_env(step_env, inputs, runs, input_ctx, github, runner_ctx)
    argv = [
        *_docker_run_options(container_env, runs, network),
        *_mounts(dirs, mount_docker_sock),
        *extra_docker_args,
        image,
        *_args(runs, inputs, input_ctx),
    ]
    # Values go through the docker client's environment only (`-e NAME`), as the runner does.
    proc_env = {k: v for k, v in os.environ.items() if not k.startswith(("INPUT_", "GITHUB_"))}
    proc_env.update(container_env)

    t0 = time.perf_counter()
    try:
        proc = subprocess.run(argv, env=proc_env, capture_output=True, timeout=timeout)
    finally:
        seconds = time.perf_counter() - t0

    result = ActionResult(
        exit_code=proc.returncode,
        stdout=proc.stdout.decode("utf-8", errors="replace"),
        stderr=proc.stderr.decode("utf-8", errors="replace"),
        outputs={},
        summary=dirs.read("step_summary"),
        seconds=seconds,
        output_file=dirs.read("output"),
        env_file=dirs.read("env"),
        state_file=dirs.read("state"),
        path_file=dirs.read("path"),
        env=container_env,
        argv=argv,
        warnings=warnings,
    )
    if not keep_dirs:
        shutil.rmtree(dirs.root, ignore_errors=True)
    _read_outputs(result, strict)
    return result


def _runner_context(github: Mapping[str, Any], given: Mapping[str, Any]) -> dict[str, Any]:
    runner_ctx: dict[str, Any] = {
        "os": "Linux",
        "arch": "X64",
        "name": "GitHub Actions 1",
        "environment": "github-hosted",
        "tool_cache": "/opt/hostedtoolcache",
        "temp": "/github/runner_temp",
        "workspace": "/home/runner/work/" + str(github.get("repository", "")).partition("/")[2],
    }
    runner_ctx.update(given)
    return runner_ctx


@dataclass(frozen=True)
class _StepDirs:
    """The host folders the runner mounts into the container, and the file-command files."""

    root: Path
    temp: Path  # the runner's _work/_temp
    home: Path
    workflow: Path
    file_commands: Path
    workspace: Path
    files: dict[str, str]  # file command -> its file's name

    @classmethod
    def make(cls, workspace: str | Path | None) -> _StepDirs:
        root = Path(tempfile.mkdtemp(prefix="ra-runner-"))
        temp = root / "_temp"
        suffix = str(uuid.uuid4())
        dirs = cls(
            root=root,
            temp=temp,
            home=temp / "_github_home",
            workflow=temp / "_github_workflow",
            file_commands=temp / "_runner_file_commands",
            workspace=Path(workspace) if workspace is not None else root / "workspace",
            files={
                "output": f"set_output_{suffix}",
                "env": f"set_env_{suffix}",
                "state": f"save_state_{suffix}",
                "path": f"add_path_{suffix}",
                "step_summary": f"step_summary_{suffix}",
            },
        )
        for d in (dirs.home, dirs.workflow, dirs.file_commands, dirs.workspace):
            d.mkdir(parents=True, exist_ok=True)
        for name in dirs.files.values():
            (dirs.file_commands / name).touch()
            os.chmod(dirs.file_commands / name, 0o666)
        return dirs

    def read(self, key: str) -> str:
        data = (self.file_commands / self.files[key]).read_bytes()
        return _decode_like_read_all_text(data)


def _container_env(
    step_env: Mapping[str, str],
    inputs: Mapping[str, Any],
    runs: Mapping[str, Any],
    input_ctx: Mapping[str, Any],
    github: Mapping[str, Any],
    runner_ctx: Mapping[str, Any],
) -> dict[str, str]:
    """The step's env, INPUT_*, runs.env (unless set), HOME, GITHUB_*, RUNNER_*, in that order."""
    container_env: dict[str, str] = dict(step_env)
    for name, value in inputs.items():
        container_env[input_env_name(name)] = "" if value is None else str(value)
    for key, value in (runs.get("env") or {}).items():
        if key not in container_env:
            container_env[str(key)] = evaluate_template(value, input_ctx)
    container_env["HOME"] = "/github/home"
    for key, value in github.items():
        if key.lower() in GITHUB_ENV_ALLOWLIST and isinstance(value, (str, bool)):
            container_env[f"GITHUB_{key.upper()}"] = _to_str(value)
    for key, value in runner_ctx.items():
        container_env[f"RUNNER_{key.upper()}"] = _to_str(value)
    container_env["ACTIONS_RUNTIME_URL"] = "http://127.0.0.1:9/runtime/"
    container_env["ACTIONS_RUNTIME_TOKEN"] = "fake-actions-runtime-token"
    return container_env


def _docker_run_options(
    container_env: Mapping[str, str], runs: Mapping[str, Any], network: str | None
) -> list[str]:
    argv = [docker_bin(), "run", "--workdir", CONTAINER_WORKSPACE, "--rm"]
    for key in container_env:
        argv += ["-e", key]
    argv += ["-e", "GITHUB_ACTIONS=true"]
    if "CI" not in container_env:
        argv += ["-e", "CI=true"]
    if runs.get("entrypoint"):
        argv += ["--entrypoint", str(runs["entrypoint"])]
    if network:
        argv += ["--network", network]
    return argv


def _mounts(dirs: _StepDirs, mount_docker_sock: bool) -> list[str]:
    mounts = [
        (dirs.temp, "/github/runner_temp"),
        (dirs.home, "/github/home"),
        (dirs.workflow, "/github/workflow"),
        (dirs.file_commands, CONTAINER_FILE_COMMANDS),
        (dirs.workspace, CONTAINER_WORKSPACE),
    ]
    if mount_docker_sock:
        host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
        if host.startswith("unix://"):
            mounts.insert(0, (Path(host[len("unix://") :]), "/var/run/docker.sock"))
    return [arg for src, dst in mounts for arg in ("-v", f"{src}:{dst}")]


def _args(
    runs: Mapping[str, Any], inputs: Mapping[str, Any], input_ctx: Mapping[str, Any]
) -> list[str]:
    """runs.args, evaluated; without them, an `args` input split on whitespace."""
    if runs.get("args") is not None:
        return [evaluate_template(a, input_ctx) for a in runs["args"]]
    if "args" in inputs:
        return str(inputs["args"]).split()
    return []


def _read_outputs(result: ActionResult, strict: bool) -> None:
    try:
        result.outputs = parse_file_command(result.output_file)
    except FileCommandError as exc:
        result.output_error = str(exc)
        if strict:
            raise StepFailedError(
                f"Unable to process file command 'output' successfully: {exc}", result
            ) from exc


# --------------------------------------------------------------------------------------------
# Image helpers
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BuildResult:
    image: str
    seconds: float
    log: str


def docker_build(
    tag: str, context_dir: str | Path = REPO_ROOT, *, timeout: float = 900
) -> BuildResult:
    """``docker build -t TAG .`` with the legacy builder (``DOCKER_BUILDKIT=0``), which does
    not pull a base image the engine already has (no registry is reachable here)."""
    env = {**os.environ, "DOCKER_BUILDKIT": "0"}
    t0 = time.perf_counter()
    proc = subprocess.run(
        [docker_bin(), "build", "-t", tag, "."],
        cwd=str(context_dir),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        timeout=timeout,
    )
    seconds = time.perf_counter() - t0
    log = proc.stdout.decode("utf-8", errors="replace")
    if proc.returncode != 0:
        raise RuntimeError(f"docker build failed ({proc.returncode}):\n{log}")
    return BuildResult(tag, seconds, log)


def _inspect(image: str) -> dict[str, Any]:
    out = subprocess.run(
        [docker_bin(), "image", "inspect", image], capture_output=True, check=True, text=True
    ).stdout
    data = json.loads(out)
    item: dict[str, Any] = data[0] if isinstance(data, list) else data
    return item


def image_size(image: str) -> int:
    """Uncompressed size in bytes (``docker image inspect .Size``)."""
    return int(_inspect(image)["Size"])


def image_layers(image: str) -> list[str]:
    return list(_inspect(image).get("RootFS", {}).get("Layers", []))


def base_image_of(dockerfile: str | Path = REPO_ROOT / "Dockerfile") -> str:
    """The first ``FROM`` of the Dockerfile (no build args, no multi-stage handling)."""
    for line in Path(dockerfile).read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if parts and parts[0].upper() == "FROM":
            return next(p for p in parts[1:] if not p.startswith("--"))
    raise ValueError(f"{dockerfile}: no FROM")


def added_size(image: str, base: str) -> int:
    """Bytes the image adds over its base (image size minus base size); also sanity-checks
    that the base's layers are a prefix of the image's."""
    base_layers = image_layers(base)
    if image_layers(image)[: len(base_layers)] != base_layers:
        raise ValueError(f"{image} is not built on {base}")
    return image_size(image) - image_size(base)


def fmt_mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


# --------------------------------------------------------------------------------------------
# The environment of one step, for running the action on the host (tests, benchmark)
# --------------------------------------------------------------------------------------------


class _Server(Protocol):
    @property
    def api_url(self) -> str: ...
    @property
    def graphql_url(self) -> str: ...
    @property
    def server_url(self) -> str: ...


def step_env(
    server: _Server,
    head: str,
    output: Path,
    summary: Path,
    with_: Mapping[str, str],
    github: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """`INPUT_*` (with `action.yml`'s defaults evaluated) and `GITHUB_*` as the runner sets
    them for one step of `acme/models` at commit `head`, its API served by `server`.

    `with_` keys may use `_` for `-` (`dry_run` for `dry-run`); `github` overrides the
    context (e.g. `ref` for a tag push)."""
    context = {
        "sha": head,
        "repository": "acme/models",
        "token": WRITE_TOKEN,
        "actor": "octocat",
        "actor_id": "583231",
        "ref": "refs/heads/main",
        "api_url": server.api_url,
        "graphql_url": server.graphql_url,
        "server_url": server.server_url,
        **(github or {}),
    }
    given = {k.replace("_", "-"): v for k, v in with_.items()}
    inputs, _ = resolve_inputs(load_action(), given, {"github": context})
    env = {input_env_name(k): v for k, v in inputs.items()}
    return env | {
        "GITHUB_ACTIONS": "true",
        "CI": "true",
        "GITHUB_REPOSITORY": context["repository"],
        "GITHUB_SHA": context["sha"],
        "GITHUB_REF": context["ref"],
        "GITHUB_ACTOR": context["actor"],
        "GITHUB_ACTOR_ID": context["actor_id"],
        "GITHUB_API_URL": server.api_url,
        "GITHUB_GRAPHQL_URL": server.graphql_url,
        "GITHUB_SERVER_URL": server.server_url,
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(summary),
    }
