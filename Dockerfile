# syntax=docker/dockerfile:1
# One image for the five AURA services: `docker run aura serve <svc>` (default: ingest).
#
#   docker build -t aura:dev .
#
# Base image: pinned by exact tag, not by digest. No current digest of this tag could be
# verified while writing this file, and a made-up or years-old digest is worse than a tag.
# Python 3.11 is the interpreter the test suite runs on. To pin by digest, resolve it where
# a registry is reachable and append it:
#   docker buildx imagetools inspect python:3.11.13-slim-bookworm    # the "Digest:" line
#   ARG PYTHON_IMAGE=python:3.11.13-slim-bookworm@sha256:<that digest>
ARG PYTHON_IMAGE=python:3.11.13-slim-bookworm

# --- build: a virtualenv holding aura (services + generated code) and its dependencies ---
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
WORKDIR /src
# .dockerignore lets in only what the package is built from.
COPY pyproject.toml README.md ./
COPY gen ./gen
COPY services ./services
# Every dependency ships manylinux wheels, so no compiler is needed. pip compiles the .pyc
# files here: the containers run with a read-only root filesystem.
RUN --mount=type=cache,target=/root/.cache/pip /opt/venv/bin/pip install .

# --- runtime: the virtualenv, the descriptor set, a non-root user ---
FROM ${PYTHON_IMAGE} AS runtime
RUN groupadd --system --gid 10001 aura \
 && useradd --system --uid 10001 --gid aura --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin aura
COPY --from=build /opt/venv /opt/venv
# For Envoy's REST/JSON transcoder: the k8s Envoy pod copies it out in an init container.
COPY gen/descriptor.binpb /opt/aura/descriptor.binpb
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    AURA_BIND_HOST=0.0.0.0
# Numeric, so that Kubernetes can check runAsNonRoot against the image.
USER 10001:10001
# ingest, tracker, fusion, analytics, admin
EXPOSE 50051 50052 50053 50054 50055
ENTRYPOINT ["aura"]
CMD ["serve", "ingest"]
