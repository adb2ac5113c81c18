"""The Scrapy settings of a crawl that stores: the crawler's own (crawler.settings) plus the
monitor's side of the door, by dotted path: the ledger the spider asks and tells about its run,
and the item pipeline that stores. scrapy.cfg and monitor.runner name this module; the crawler
never imports it."""

from crawler.settings import *  # noqa: F403
from crawler.settings import ITEM_PIPELINES as _crawler_pipelines

EDUWATCH_LEDGER = "monitor.ledger.RunLedger"
ITEM_PIPELINES = {**_crawler_pipelines, "monitor.ledger.IngestPipeline": 300}

# None: a crawl stores every article in its own process. N: a store writer process takes over
# after N articles (0: from the first), for fast big crawls (monitor.ledger).
EDUWATCH_STORE_WRITER_AFTER = None
