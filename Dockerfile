# syntax=docker/dockerfile:1
# The nightly job as a slim image: `docker build -t analyzer .` then
# `docker run --rm -v analyzer-data:/data analyzer` runs `analyzer run` on the store in /data/store.
#
# Build arguments:
#   PYTHON_VERSION  the python:<version>-slim-bookworm base of both stages (pinned; bump deliberately)
#   EXTRAS          analyzer extras to install, comma-separated, e.g. --build-arg EXTRAS=dask
#   PIP_PACKAGES    further pinned packages, e.g. --build-arg PIP_PACKAGES="s3fs==2025.9.0" for a store
#                   on s3:// (fsspec needs the filesystem's package)
#
# No HEALTHCHECK: the container is a batch job that exits when the run is done; its exit code
# (0 ok, 1 a source failed, 2 configuration, 3 store locked) is the health signal.

ARG PYTHON_VERSION=3.11.13

# --- builder: build analyzer's wheel and install it with its dependencies into /opt/venv -------
FROM python:${PYTHON_VERSION}-slim-bookworm AS builder

ARG EXTRAS=""
ARG PIP_PACKAGES=""

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

WORKDIR /src
# Only what the wheel is built from (.dockerignore keeps everything else out of the context).
COPY pyproject.toml README.md ./
COPY analyzer/ analyzer/

# Every dependency ships manylinux wheels for CPython 3.11, so no compiler is needed even here.
RUN python -m venv /opt/venv \
    && pip wheel --no-deps --wheel-dir /wheels . \
    && set -- /wheels/analyzer-*.whl \
    && spec="$1${EXTRAS:+[$EXTRAS]}" \
    && /opt/venv/bin/pip install --no-cache-dir "$spec" ${PIP_PACKAGES} \
    && /opt/venv/bin/analyzer --version

# --- final: the venv only, on a fresh slim base, as an unprivileged user ------------------------
FROM python:${PYTHON_VERSION}-slim-bookworm

LABEL org.opencontainers.image.title="analyzer" \
      org.opencontainers.image.description="Measure DevOps skill demand in backend job postings: the nightly fetch, tag and report job." \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.version="0.1.0" \
      org.opencontainers.image.base.name="docker.io/library/python:3.11-slim-bookworm"

# A fixed numeric UID/GID, so Kubernetes can check runAsNonRoot and volumes can be chowned ahead.
RUN groupadd --system --gid 10001 analyzer \
    && useradd --system --uid 10001 --gid 10001 --home-dir /data --no-create-home \
       --shell /usr/sbin/nologin analyzer \
    && mkdir -p /data/store /data/reports \
    && chown -R 10001:10001 /data

COPY --from=builder /opt/venv /opt/venv

# MPLCONFIGDIR: matplotlib caches fonts there; /tmp stays writable under a read-only root filesystem.
ENV PATH="/opt/venv/bin:${PATH}" \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    MPLCONFIGDIR=/tmp/matplotlib \
    ANALYZER_STORE=/data/store \
    ANALYZER_REPORT_OUT=/data/reports/latest

WORKDIR /data
# The store and the reports: mount a named volume, a host directory or a PersistentVolumeClaim here.
VOLUME ["/data"]

USER 10001:10001

ENTRYPOINT ["analyzer"]
CMD ["run"]
