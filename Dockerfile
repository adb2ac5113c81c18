# eduwatch on its embedded default: the scheduled service, SQLite under /data, no Redis.
#   docker build -t eduwatch .
#   docker run -v eduwatch-data:/data -e SMTP_PASSWORD=... eduwatch            # eduwatch run
#   docker run eduwatch check-config                                           # any sub-command
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    EDUWATCH_CONFIG=/app/config \
    EDUWATCH_DATABASE_URL=sqlite:////data/eduwatch.sqlite

# Debian's Chromium: the browser of the pages that need one (Playwright never downloads its own)
RUN apt-get update \
    && apt-get install -y --no-install-recommends chromium \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md scrapy.cfg ./
COPY crawler ./crawler
COPY monitor ./monitor
RUN pip install --no-cache-dir .
COPY config ./config

RUN useradd --system --home /data eduwatch && mkdir -p /data && chown eduwatch /data /app
USER eduwatch
VOLUME /data
STOPSIGNAL SIGTERM

ENTRYPOINT ["eduwatch"]
CMD ["run", "--log-json"]
