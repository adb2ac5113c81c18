# eduwatch on its embedded default (SQLite under /data, no Redis).
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
COPY tests/pages ./tests/pages

RUN useradd --system --home /data eduwatch && mkdir -p /data && chown eduwatch /data
USER eduwatch
VOLUME /data

ENTRYPOINT ["eduwatch"]
CMD ["extract", "tests/pages/jyt-shanxi_t20200618.html"]
