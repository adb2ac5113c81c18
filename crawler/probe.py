"""What every list adapter makes of one column URL: the core of ``eduwatch probe URL``.

The page is fetched once over plain HTTP and handed to each adapter as page 1 of a column of
that kind, with no selectors: what each finds (items, dated items, the next page, the first
titles, or why it failed) is a ``Trial``. ``best_trial`` picks the adapter to write into the
site's YAML, ``auto`` wherever it does as well as a family adapter; ``site_yaml`` writes it.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

from crawler.adapters import ListError, ListResponse, PageRequest, adapter_for
from crawler.adapters.common import ListAdapter
from crawler.normalize.decode import decode_html
from crawler.normalize.text import clean_text
from crawler.settings import USER_AGENT
from crawler.siteconfig.options import adapter_kinds
from crawler.sites import EffectiveColumn, SiteConfig

TIMEOUT_SECONDS = 20
MAX_BYTES = 8 * 1024 * 1024
TITLES_SHOWN = 3
_TITLE_SEPARATORS = re.compile(r"\s*(?:_+|\||｜|--|—+| - | – |-)\s*")
_ID_NOISE = frozenset({"www", "gov", "cn", "com", "org", "net", "edu", "jyt", "jw", "jy", "jyj"})


@dataclass(frozen=True, slots=True)
class Fetched:
    """The answer to the probe's one request."""

    url: str  # after redirects
    status: int
    body: bytes
    charset: str | None


@dataclass(frozen=True, slots=True)
class Trial:
    """What one adapter made of the page."""

    kind: str
    items: int = 0
    dated: int = 0
    next_url: str | None = None
    titles: tuple[str, ...] = ()
    rule: str = ""
    error: str | None = None

    @property
    def worked(self) -> bool:
        return self.error is None and self.items > 0


def fetch(url: str, headers: dict[str, str] | None = None) -> Fetched:
    """GET ``url`` over plain HTTP; an error status is an answer too (a challenge is a 412)."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:
            body = answer.read(MAX_BYTES)
            return Fetched(
                answer.geturl(), answer.status, body, answer.headers.get_content_charset()
            )
    except urllib.error.HTTPError as error:
        return Fetched(error.geturl() or url, error.code, error.read(MAX_BYTES), None)


def probe_column(url: str, kind: str) -> EffectiveColumn:
    """A one-column site of ``kind`` for ``url``, with no selectors."""
    raw: dict[str, object] = {
        "id": "probe",
        "name": "probe",
        "authority": "probe",
        "adapter": kind,
        "columns": [{"name": "probe", "url": url, "category": "news"}],
    }
    if kind == "css":  # validated, never parsed: css reads only the selectors a person writes
        raw["list"] = {"item": "li"}
    return SiteConfig.model_validate(raw).effective_columns()[0]


def try_adapter(kind: str, url: str, fetched: Fetched, today: date | None = None) -> Trial:
    """Page 1 of ``url`` as ``kind`` reads it."""
    if kind == "css":
        return Trial(kind, error="reads only `list:` selectors written for the site (item, date)")
    adapter = adapter_for(probe_column(url, kind))
    if isinstance(adapter, ListAdapter) and today is not None:
        adapter = type(adapter)(adapter.column, today=today)
    response = ListResponse(PageRequest(url), fetched.url, fetched.status, fetched.body,
                            fetched.charset)  # fmt: skip
    try:
        listing = adapter.parse(response)
    except ListError as error:
        return Trial(kind, error=str(error))
    items = listing.items
    following = listing.next_requests[0].url if listing.next_requests else None
    return Trial(
        kind,
        items=len(items),
        dated=sum(item.date is not None for item in items),
        next_url=following,
        titles=tuple(item.title for item in items[:TITLES_SHOWN]),
        rule=listing.rule,
    )


def probed_kinds() -> tuple[str, ...]:
    """Every adapter kind, families before `auto`: a family adapter that finds more wins."""
    kinds = adapter_kinds()
    return (*(kind for kind in kinds if kind != "auto"), "auto")


def try_all(url: str, fetched: Fetched, today: date | None = None) -> list[Trial]:
    return [try_adapter(kind, url, fetched, today) for kind in probed_kinds()]


def _score(trial: Trial) -> tuple[int, int, int]:
    return trial.items, trial.dated, trial.next_url is not None


def best_trial(trials: list[Trial]) -> Trial | None:
    """The adapter to use: ``auto`` when it finds as many items, dates and a next page as the
    best family adapter (it survives redesigns); else the best family adapter; None when no
    adapter finds an item."""
    working = [trial for trial in trials if trial.worked]
    if not working:
        return None
    best = max(working, key=_score)
    auto = next((trial for trial in working if trial.kind == "auto"), None)
    if auto is not None and _score(auto) >= _score(best):
        return auto
    return best


def page_names(fetched: Fetched) -> tuple[str | None, str | None]:
    """(column name, site name) guessed from the page's ``<title>``: `通知公告_山西省教育厅`."""
    text, _ = decode_html(fetched.body, fetched.charset)
    match = re.search(r"<title[^>]*>(.*?)</title>", text, re.I | re.S)
    if match is None:
        return None, None
    parts = [part for part in _TITLE_SEPARATORS.split(clean_text(match.group(1))) if part]
    if not parts:
        return None, None
    return parts[0], (parts[-1] if len(parts) > 1 else None)


def site_id_of(url: str) -> str:
    """An id from the host: `jyt.shanxi.gov.cn` -> `shanxi`."""
    host = urlsplit(url).hostname or "site"
    labels = [label for label in host.split(".") if label not in _ID_NOISE and label.isalnum()]
    ident = "-".join(labels) or "site"
    ident = re.sub(r"[^a-z0-9_-]", "", ident.lower())
    return ident if ident[:1].isalpha() else f"site-{ident}"


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def site_yaml(url: str, trial: Trial, fetched: Fetched, today: date) -> str:
    """The YAML of a site file for this column, to paste into ``config/sites/<id>.yaml``."""
    column, site = page_names(fetched)
    ident = site_id_of(url)
    name = site or column or ident
    lines = [
        f"# config/sites/{ident}.yaml, written by `eduwatch probe` on {today.isoformat()}:",
        f"# page 1 gave {trial.items} items ({trial.dated} dated) by rule {trial.rule};",
        f"# check name, authority and category, then run: eduwatch crawl {ident} --max-pages 1",
        f"id: {ident}",
        f"name: {_quoted(name)}",
        f"authority: {_quoted(name)}",
        f"adapter: {trial.kind}",
        "columns:",
        f"  - name: {_quoted(column or name)}",
        f"    url: {_quoted(url)}",
        "    category: news",
    ]
    return "\n".join(lines) + "\n"
