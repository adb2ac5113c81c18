# eduwatch: the scheduled service. All state (database, crawl state) lives in the one volume /data.
#   docker build -t eduwatch .
#   docker run --rm eduwatch demo                                       # see it work, offline
#   docker run -d -v eduwatch-data:/data -e SMTP_PASSWORD=... eduwatch  # eduwatch run
#   docker run --rm -v eduwatch-data:/data eduwatch status              # any sub-command
# Your own configuration: -v "$PWD/config:/app/config:ro". PostgreSQL: docker-compose.yml.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    EDUWATCH_CONFIG=/app/config \
    EDUWATCH_DATABASE_URL=sqlite:////data/eduwatch.sqlite

WORKDIR /app
COPY pyproject.toml README.md scrapy.cfg ./
COPY crawler ./crawler
COPY monitor ./monitor
RUN pip install --no-cache-dir .
COPY config ./config

# The crawl state goes beside the configuration folder (/app/data/crawl-state): /app/data is the
# volume, so a new container carries on where the last one stopped.
RUN useradd --system --home /data eduwatch \
    && mkdir -p /data && chown eduwatch /data && ln -s /data /app/data
USER eduwatch
VOLUME /data
STOPSIGNAL SIGTERM

# Healthy: the configuration loads and the database answers (`status` exits non-zero otherwise);
# `docker inspect` shows its output, each site's last run.
HEALTHCHECK --interval=5m --timeout=60s --start-period=2m --retries=2 CMD ["eduwatch", "status"]

ENTRYPOINT ["eduwatch"]
CMD ["run", "--log-json"]
