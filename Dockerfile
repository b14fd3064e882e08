# syntax=docker/dockerfile:1
FROM python:3.11-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HEALTH_PORT=8080 \
    LOG_FORMAT=json

WORKDIR /app
COPY requirements.lock pyproject.toml ./
# requirements.lock pins the runtime dependencies (tests use requirements-dev.lock on top).
RUN pip install -r requirements.lock

RUN useradd --create-home --uid 10001 bot && mkdir -p /app/data && chown bot:bot /app/data
COPY --chown=bot:bot bot ./bot
COPY --chown=bot:bot cogs ./cogs

USER bot
VOLUME ["/app/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD python -c "import os,urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('HEALTH_PORT','8080'), timeout=4); sys.exit(0)" || exit 1

CMD ["python", "-m", "bot"]
