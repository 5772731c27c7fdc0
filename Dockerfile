# destsync as a Cloud Run Job. Build: docker build -t destsync .
# Run:  docker run --rm -v "$PWD/config:/config:ro" destsync sync --config /config/trust.toml
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
# Pinned versions first, so a code change does not reinstall the dependencies.
# Runtime pins only: the image carries no test or lint tools.
COPY requirements.runtime.lock ./
RUN pip install --no-deps -r requirements.runtime.lock
COPY pyproject.toml README.md ./
COPY destsync ./destsync
# Editable, so the bundled templates/ folder beside the package is found at run time.
RUN pip install --no-deps -e . \
    && useradd --system --uid 10001 --home-dir /nonexistent --shell /usr/sbin/nologin destsync

# No key file in the image: on Cloud Run the job's service account is the credential.
USER destsync
ENTRYPOINT ["destsync"]
CMD ["--help"]
