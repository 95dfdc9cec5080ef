# Pinned slim base; dependencies installed from a hash-locked file, bytecode compiled at build.
FROM python:3.12-slim

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

COPY requirements.lock /opt/action/requirements.lock
RUN pip install --no-deps --require-hashes -r /opt/action/requirements.lock

COPY registry_action /opt/action/registry_action
COPY entrypoint.py /opt/action/entrypoint.py
RUN python -m compileall -q /opt/action

ENTRYPOINT ["python", "/opt/action/entrypoint.py"]
