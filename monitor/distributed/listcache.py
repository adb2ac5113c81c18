"""The list-page cache of distributed mode, shared by the workers in Redis: for each GET list
page, what it listed and its validators (ETag, Last-Modified). The next poll asks
conditionally; a 304 is read from here, and its first-page articles are not re-checked; a page
read again says which known articles vanished from it (monitor.distributed.probes). Beside it,
each site's withdrawal suspects. As in the embedded mode's crawler.spiders.listcache, which
keeps the same in a file per site."""

from __future__ import annotations

import json
from typing import Any

import redis

from crawler.adapters.base import Listing, ListItem, PageRequest
from crawler.spiders.listcache import CachedPage, Suspect
from monitor.distributed.keys import Keys, as_text

TTL = 30 * 86400  # seconds a site's cache outlives its last poll


def _request(data: dict[str, Any]) -> PageRequest:
    return PageRequest(
        data["url"],
        data["page"],
        data["method"],
        data["body"].encode("latin-1"),
        tuple((str(k), str(v)) for k, v in data["headers"]),
    )


def _request_data(request: PageRequest) -> dict[str, Any]:
    return {
        "url": request.url,
        "page": request.page,
        "method": request.method,
        "body": request.body.decode("latin-1"),
        "headers": [list(pair) for pair in request.headers],
    }


def dump(page: CachedPage) -> str:
    return json.dumps(
        {
            "column": page.column,
            "rule": page.rule,
            "items": [[i.title, i.url, i.date, i.is_file] for i in page.items],
            "next": [_request_data(request) for request in page.next_requests],
            "etag": page.etag,
            "last_modified": page.last_modified,
        },
        ensure_ascii=False,
    )


def load(raw: bytes | str) -> CachedPage:
    data = json.loads(raw)
    return CachedPage(
        data["column"],
        data["rule"],
        tuple(
            ListItem(title, url, date, bool(is_file)) for title, url, date, is_file in data["items"]
        ),
        tuple(_request(request) for request in data["next"]),
        data["etag"],
        data["last_modified"],
    )


class SharedListCache:
    def __init__(self, client: redis.Redis, keys: Keys) -> None:
        self.client = client
        self.keys = keys

    def get(self, site: str, url: str) -> CachedPage | None:
        raw = self.client.hget(self.keys.list_cache(site), url)
        return load(raw) if raw else None

    def swap(self, site: str, url: str, page: CachedPage) -> CachedPage | None:
        """Put a page just read; the copy it replaces (None: none), in one transaction."""
        key = self.keys.list_cache(site)
        with self.client.pipeline() as pipe:
            pipe.hget(key, url)
            pipe.hset(key, url, dump(page))
            pipe.expire(key, TTL)
            before, _, _ = pipe.execute()
        return load(before) if before else None

    def suspects(self, site: str) -> dict[str, Suspect]:
        raw = self.client.hgetall(self.keys.suspects(site))
        found = {}
        for url, value in raw.items():
            column, ok_runs = json.loads(value)
            found[as_text(url)] = Suspect(column, ok_runs)
        return found

    def save_suspects(self, site: str, suspects: dict[str, Suspect]) -> None:
        key = self.keys.suspects(site)
        with self.client.pipeline() as pipe:
            pipe.delete(key)
            if suspects:
                values = {
                    url: json.dumps([s.column, s.ok_runs], ensure_ascii=False)
                    for url, s in suspects.items()
                }
                pipe.hset(key, mapping=values)  # type: ignore[arg-type]
                pipe.expire(key, TTL)
            pipe.execute()

    @staticmethod
    def listing(page: CachedPage) -> Listing:
        return Listing(page.items, page.rule, page.next_requests)
