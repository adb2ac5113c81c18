"""A site as the store knows it: its identity, and whether its crawls are a silent baseline."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from monitor.store.models import Site


@dataclass(frozen=True, slots=True)
class SiteRef:
    """What ingest needs of a site's config: its id (the YAML stem), names and rules hash."""

    id: str
    name: str = ""
    authority: str = ""
    rules_hash: str | None = None


def rules_hash(rules: Mapping[str, Any]) -> str:
    """A stable sha256 of a site's extraction rules (any JSON-able mapping, key order ignored)."""
    encoded = json.dumps(rules, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def ensure_site(session: Session, site: SiteRef) -> Site:
    """The site's row, created on first sight; its names follow the config."""
    row = session.get(Site, site.id)
    if row is None:
        row = Site(id=site.id, name=site.name, authority=site.authority, consecutive_failures=0)
        session.add(row)
        session.flush()
        return row
    if site.name and row.name != site.name:
        row.name = site.name
    if site.authority and row.authority != site.authority:
        row.authority = site.authority
    return row


def in_baseline(row: Site, current_rules_hash: str | None) -> bool:
    """A site's crawl is a silent baseline until one completes, and again after its rules change."""
    return row.baselined_at is None or row.rules_hash != current_rules_hash
