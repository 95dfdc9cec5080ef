# The action's image. Releases do not build it on the runner: .github/workflows/release.yml
# pushes it to ghcr.io and points action.yml's runs.image at it by digest.
# Base pinned to a release tag (bump it on purpose, like requirements.lock).
FROM python:3.12.12-slim-bookworm

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

# requirements.lock, hash-checked, wheels only (no compiler, no git), minus the packages in
# SKIP_PACKAGES, which this action never loads: cryptography (PyJWT's optional backend, for
# GitHub App JWTs; 16 MB) and pycparser (cffi's build-time C parser). PyNaCl and cffi must
# stay: `import github` imports nacl. bench/image.py builds it with other lists to compare.
ARG SKIP_PACKAGES="cryptography pycparser"
COPY requirements.lock /opt/action/requirements.lock
RUN awk -v skip=" ${SKIP_PACKAGES} " \
        '/^[a-z]/ { split($1, p, "=="); drop = index(skip, " " p[1] " ") } !drop' \
        /opt/action/requirements.lock >/tmp/requirements.txt \
    && pip install --no-deps --require-hashes --only-binary=:all: --no-compile \
        -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY registry_action /opt/action/registry_action
COPY entrypoint.py /opt/action/entrypoint.py

# Bytecode for every module a run imports, so that a cold start compiles nothing: the action,
# its dependencies, and the standard-library modules they load (python:*-slim ships the
# standard library without .pyc files), for every command. Importing the action is also the build's smoke test.
# Unchecked-hash .pyc files depend on the sources only, not on file times: the layer is the
# same on every build, and nothing in an image can make them stale.
RUN PYTHONPATH=/opt/action python -c "import sys, registry_action.shells.action; \
print('\n'.join(sorted(f for m in list(sys.modules.values()) \
    if (f := getattr(m, '__file__', None) or '').endswith('.py'))))" >/tmp/modules \
    && python -m compileall -q --invalidation-mode unchecked-hash -i /tmp/modules /opt/action \
    && rm /tmp/modules

ENTRYPOINT ["python", "/opt/action/entrypoint.py"]
