"""What the last crawl saw on each list page: its validators and its items, in a small JSON file
per site (``<state dir>/<site>.json``).

The validators make list requests conditional; the items stand in for a page that answers
304 (the list did not change, so its items are the ones of our copy), and they say which known
articles vanished from a page since the last crawl (those are probed for 404/410).

It also keeps the suspects: known articles that answered 404/410 after they vanished from their
list. They are probed again on the next crawls (the store withdraws an article on the second `ok`
run in a row with that evidence), until two `ok` runs saw them gone or they answer again.

The spider saves the file when a crawl ends normally, and writes a page's validators only when
everything its items led to succeeded: a crawl killed half way, or an article that failed, leaves
the next crawl a full (unconditional) list page, so nothing is lost behind a 304.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from crawler.adapters.base import ListItem, PageRequest

FORMAT_VERSION = 1
SUSPECT_OK_RUNS = 2  # `ok` runs with the evidence after which the store has withdrawn it


@dataclass(frozen=True, slots=True)
class CachedPage:
    """One list page as the last crawl saw it."""

    column: str
    rule: str
    items: tuple[ListItem, ...]
    next_requests: tuple[PageRequest, ...] = ()
    etag: str | None = None
    last_modified: str | None = None

    @property
    def validators(self) -> dict[str, str] | None:
        """The headers' values of our copy, None when there are none to send."""
        found = {"etag": self.etag, "last_modified": self.last_modified}
        kept = {key: value for key, value in found.items() if value}
        return kept or None

    def without_validators(self) -> CachedPage:
        return replace(self, etag=None, last_modified=None)


@dataclass(frozen=True, slots=True)
class Suspect:
    """A known article that answered 404/410 while no list showed it."""

    column: str
    ok_runs: int  # `ok` runs that recorded the evidence so far


def page_key(request: PageRequest) -> str | None:
    """The cache key of a list request: GET pages only (a POST answer is never conditional)."""
    return request.url if request.method.upper() == "GET" else None


class ListCache:
    """The cached list pages of one site; ``load`` never fails (a bad file is a cold cache)."""

    def __init__(
        self,
        path: Path | None,
        pages: dict[str, CachedPage] | None = None,
        suspects: dict[str, Suspect] | None = None,
    ) -> None:
        self.path = path
        self.pages: dict[str, CachedPage] = pages or {}
        self.suspects: dict[str, Suspect] = suspects or {}

    @classmethod
    def load(cls, path: Path | None) -> ListCache:
        if path is None or not path.is_file():
            return cls(path)
        try:
            data = json.loads(path.read_text("utf-8"))
            if data.get("version") != FORMAT_VERSION:
                return cls(path)
            pages = {key: _page_from_json(value) for key, value in data["pages"].items()}
            suspects = {
                url: Suspect(str(column), int(ok_runs))
                for url, (column, ok_runs) in data.get("suspects", {}).items()
            }
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return cls(path)
        return cls(path, pages, suspects)

    def get(self, key: str | None) -> CachedPage | None:
        return self.pages.get(key) if key is not None else None

    def update(self, pages: dict[str, CachedPage], forget: Iterable[str] = ()) -> None:
        """Replace these pages and drop the ``forget`` ones (pages that no longer exist)."""
        for key in forget:
            self.pages.pop(key, None)
        self.pages.update(pages)

    def settle_suspects(self, gone: dict[str, str], cleared: set[str], run_ok: bool) -> None:
        """After a crawl: see ``settle_suspects``."""
        settle_suspects(self.suspects, gone, cleared, run_ok)

    def save(self) -> None:
        """Write the file atomically (a crawl killed while writing leaves the old one)."""
        if self.path is None:
            return
        data = {
            "version": FORMAT_VERSION,
            "pages": {key: _page_to_json(page) for key, page in sorted(self.pages.items())},
            "suspects": {
                url: [suspect.column, suspect.ok_runs]
                for url, suspect in sorted(self.suspects.items())
            },
        }
        write_atomically(self.path, json.dumps(data, ensure_ascii=False, indent=1))


def settle_suspects(
    suspects: dict[str, Suspect], gone: Mapping[str, str], cleared: Iterable[str], run_ok: bool
) -> None:
    """After a crawl, in place: ``gone`` URLs (-> column) answered 404/410, ``cleared`` ones
    answered or were listed again; an `ok` run counts for the gone ones, and a suspect that two
    `ok` runs saw gone is dropped (the store has withdrawn it)."""
    for url in cleared:
        suspects.pop(url, None)
    for url, column in gone.items():
        ok_runs = suspects.get(url, Suspect(column, 0)).ok_runs + (1 if run_ok else 0)
        if ok_runs >= SUSPECT_OK_RUNS:
            suspects.pop(url, None)
        else:
            suspects[url] = Suspect(column, ok_runs)


def write_atomically(path: Path, text: str) -> None:
    """Write a UTF-8 file through a temporary one: a reader never sees half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + f".{os.getpid()}.tmp")
    temporary.write_text(text, "utf-8")
    os.replace(temporary, path)


def _page_to_json(page: CachedPage) -> dict[str, Any]:
    return {
        "column": page.column,
        "rule": page.rule,
        "etag": page.etag,
        "last_modified": page.last_modified,
        "items": [[i.title, i.url, i.date, i.is_file] for i in page.items],
        "next": [_request_to_json(request) for request in page.next_requests],
    }


def _page_from_json(data: dict[str, Any]) -> CachedPage:
    return CachedPage(
        column=str(data["column"]),
        rule=str(data["rule"]),
        items=tuple(
            ListItem(title=str(title), url=str(url), date=date, is_file=bool(is_file))
            for title, url, date, is_file in data["items"]
        ),
        next_requests=tuple(_request_from_json(value) for value in data["next"]),
        etag=data.get("etag"),
        last_modified=data.get("last_modified"),
    )


def _request_to_json(request: PageRequest) -> dict[str, Any]:
    return {
        "url": request.url,
        "page": request.page,
        "method": request.method,
        "body": base64.b64encode(request.body).decode("ascii"),
        "headers": [list(pair) for pair in request.headers],
    }


def _request_from_json(data: dict[str, Any]) -> PageRequest:
    return PageRequest(
        url=str(data["url"]),
        page=int(data["page"]),
        method=str(data["method"]),
        body=base64.b64decode(data["body"]),
        headers=tuple((str(name), str(value)) for name, value in data["headers"]),
    )
