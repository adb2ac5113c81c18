"""The URLs a baseline run listed: part of the silent baseline whenever they are first stored.

An article on a list during a site's baseline whose page failed to fetch then is stored by a
later crawl; it was there before the baseline ended, so it raises no `new` event.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from sqlalchemy import Table, bindparam, select
from sqlalchemy.orm import Session

from crawler.urls import url_key
from monitor.store.models import BaselineUrl

_CHUNK = 500
_URLS = cast(Table, BaselineUrl.__table__)
_LISTED = select(_URLS.c.url_key).where(
    _URLS.c.site_id == bindparam("site_id"), _URLS.c.url_key == bindparam("url_key")
)  # built once, Core: asked for every new article


def keep_baseline_urls(session: Session, site_id: str, urls: Iterable[str]) -> None:
    """Remember these listed URLs as part of the site's baseline (once each)."""
    keys = sorted({url_key(url) for url in urls})
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        known = set(
            session.scalars(
                select(BaselineUrl.url_key).where(
                    BaselineUrl.site_id == site_id, BaselineUrl.url_key.in_(chunk)
                )
            )
        )
        session.add_all(
            BaselineUrl(site_id=site_id, url_key=key) for key in chunk if key not in known
        )
    session.flush()


def listed_in_baseline(session: Session, site_id: str, url: str) -> bool:
    """Whether a baseline run of the site listed this URL."""
    found = session.execute(_LISTED, {"site_id": site_id, "url_key": url_key(url)}).first()
    return found is not None
