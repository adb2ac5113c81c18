"""Distributed mode: long-lived `eduwatch worker`s on scrapy-redis, one leading `eduwatch run`.

keys.py names every Redis key; retry.py retries Redis calls with back-off; leader.py is the
leader lock with its fencing token; enqueue.py is the leader's side (a due site's columns into
Redis, runs past their deadline closed); scrapy_redis_parts.py holds the small scrapy-redis
subclasses (leased queue, per-run dupefilter, counting scheduler); spider.py is the worker's
spider; worker.py runs it; status.py is what `eduwatch status` shows of it.
"""
