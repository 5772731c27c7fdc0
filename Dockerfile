# destsync as a Cloud Run Job: the wheel built from this repo, installed on a slim Python.
# Build: docker build -t destsync .
# Run:   docker run --rm -v "$PWD/config:/config:ro" destsync sync --config /config/trust.toml
# The base is pinned to a release tag (not the moving 3.11-slim), so a rebuild of the same
# commit gets the same Python; bump it on purpose, in both stages.

# Stage 1: build the wheel. Only what the package is made of is copied in.
FROM python:3.11.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY destsync ./destsync
RUN pip wheel --no-deps --wheel-dir /wheels .

# Stage 2: the runtime. No source tree, no build tools, no test or lint packages.
FROM python:3.11.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Pinned versions first, so a code change does not reinstall the dependencies. --no-deps:
# the lock is the whole set, and nothing unpinned may slip in by resolution.
COPY requirements.runtime.lock /tmp/requirements.runtime.lock
RUN pip install --no-deps -r /tmp/requirements.runtime.lock \
    && rm /tmp/requirements.runtime.lock
# The wheel carries the templates and py.typed (tests/e2e/test_wheel.py proves it), so an
# ordinary install runs; no editable checkout.
COPY --from=build /wheels/ /tmp/wheels/
RUN pip install --no-deps /tmp/wheels/destsync-*.whl \
    && rm -rf /tmp/wheels \
    && groupadd --system --gid 10001 destsync \
    && useradd --system --uid 10001 --gid 10001 --home-dir /nonexistent \
       --shell /usr/sbin/nologin destsync

# No key file in the image: on Cloud Run the job's service account is the credential.
USER 10001:10001
WORKDIR /tmp
ENTRYPOINT ["destsync"]
CMD ["--help"]
