# syntax=docker/dockerfile:1
#
# Omtanke container image.
#
#   docker build -t omtanke .
#   docker run -d --name omtanke --env-file .env -v omtanke-data:/data omtanke
#
# Stage 1 builds the wheel from the checkout and installs it, with its
# dependencies, into /opt/venv. Stage 2 is a fresh slim Python with only that
# venv: no source tree, no compiler, no pip cache. The knowledge base ships
# inside the package (knowledge/entries); to serve your own entries mount them
# and point KNOWLEDGE_DIR at them (they are hot-reloaded on change):
#
#   docker run ... -v ./my-entries:/knowledge:ro -e KNOWLEDGE_DIR=/knowledge omtanke
#
# No secrets are baked in: TELEGRAM_BOT_TOKEN, OMTANKE_SECRET, WEBHOOK_SECRET_TOKEN
# come from the environment at run time (--env-file / compose env_file).

# --- build ---------------------------------------------------------------------------------------
FROM python:3.11-slim AS build

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN python -m venv /opt/venv

WORKDIR /src
# Only what the wheel is built from (see also .dockerignore).
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY db ./db
COPY knowledge ./knowledge

# The pip cache lives in a BuildKit cache mount, never in a layer.
RUN --mount=type=cache,target=/root/.cache/pip \
    /opt/venv/bin/pip wheel --no-deps -w /dist . \
 && /opt/venv/bin/pip install /dist/*.whl \
 && /opt/venv/bin/omtanke --version \
 && /opt/venv/bin/omtanke kb check

# --- runtime -------------------------------------------------------------------------------------
FROM python:3.11-slim AS runtime

LABEL org.opencontainers.image.title="omtanke" \
      org.opencontainers.image.description="Telegram bot for sustainable shopping advice (da/en)" \
      org.opencontainers.image.licenses="MIT"

# /data is the working directory: the SQLite file (+ its .key file when OMTANKE_SECRET
# is unset) and the log spool live there. matplotlib's cache goes to /tmp.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    MPLCONFIGDIR=/tmp/matplotlib \
    DATABASE_URL=sqlite+aiosqlite:////data/omtanke.db \
    SPOOL_PATH=/data/omtanke-spool.jsonl

# Tesseract with Danish and English data reads screenshots sent to the bot (bot/core/screenshot.py;
# about 35 MB). Without it the bot still runs and says it reads text only; `omtanke doctor` tells.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-dan tesseract-ocr-eng \
 && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 omtanke \
 && useradd --system --uid 10001 --gid 10001 --home-dir /data --no-create-home \
            --shell /usr/sbin/nologin omtanke \
 && install -d -o 10001 -g 10001 -m 0700 /data

COPY --from=build /opt/venv /opt/venv

WORKDIR /data
VOLUME ["/data"]
USER 10001:10001

# Webhook mode only (WEBHOOK_URL set): the webhook and GET /healthz on WEBHOOK_PORT.
EXPOSE 8443

# Webhook mode: ask the running bot's own /healthz (200 only while it can answer).
# Polling mode has no HTTP server, so run `omtanke doctor` (about 2 s CPU, ~90 MB, once a
# minute): it fails on a broken setting, a token Telegram rejects, an unreachable database, a
# missing OMTANKE_SECRET on PostgreSQL, a knowledge base with errors or a polling heartbeat
# older than 60 s; a missing token is only a warning.
HEALTHCHECK --interval=60s --timeout=30s --start-period=30s --retries=3 \
    CMD if [ -n "${WEBHOOK_URL:-}" ]; then \
          python -c "import os, urllib.request as r; r.urlopen('http://127.0.0.1:' + os.environ.get('WEBHOOK_PORT', '8443') + '/healthz', timeout=5)"; \
        else \
          omtanke doctor; \
        fi

# Migrate explicitly (run would too), then `exec` so the shell is replaced and the bot itself
# receives SIGTERM (it flushes its log on the way out). Override the command for admin tools:
#   docker compose run --rm bot omtanke stats
CMD ["sh", "-c", "omtanke db upgrade && exec omtanke run"]
