"""Pages that need a browser: Debian's Chromium through scrapy-playwright, only for the requests
that need it (crawler.render.planner), bounded (crawler.render.handler)."""
