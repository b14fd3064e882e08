# syntax=docker/dockerfile:1
FROM python:3.11-slim AS base

# HEALTH_PORT and LOG_FORMAT are the image's own defaults; .env.example leaves them commented
# out so that `docker run --env-file .env` keeps them.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HEALTH_PORT=8080 \
    LOG_FORMAT=json

WORKDIR /app
# Runtime dependencies only, every one pinned by version and hash (tests use requirements-dev.lock).
COPY requirements.lock ./
RUN pip install --require-hashes --no-deps -r requirements.lock

RUN useradd --create-home --uid 10001 bot && mkdir -p /app/data && chown bot:bot /app/data
COPY LICENSE pyproject.toml ./
COPY --chown=bot:bot bot ./bot
COPY --chown=bot:bot cogs ./cogs

USER bot
# SQLite's default DATABASE_URL (sqlite+aiosqlite:///data/bot.sqlite3) resolves to /app/data.
VOLUME ["/app/data"]
EXPOSE 8080
# Exec form: no shell in between. urlopen raises (exit 1) on a refused connection or a 503.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % (os.environ.get('HEALTH_PORT') or '8080'), timeout=4)"]

# SIGTERM lets jobs in flight finish (up to 60 s): give `docker stop` --time 90 (Compose sets
# stop_grace_period).
STOPSIGNAL SIGTERM
CMD ["python", "-m", "bot"]
