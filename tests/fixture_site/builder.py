"""``build_site``: a populated fixture site of a family, deterministic by seed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from datetime import datetime
from typing import Any

from tests.fixture_site.catalogue import AUTHORITIES, PRESETS, column_specs
from tests.fixture_site.model import SHANGHAI
from tests.fixture_site.site import FixtureSite
from tests.fixture_site.state import SiteOptions

NEWEST = datetime(2024, 6, 28, 10, 0, tzinfo=SHANGHAI)
"""The date of the newest generated article unless ``newest`` is given."""

_SITE_OPTIONS = {field.name for field in fields(SiteOptions)}
_TOGGLES = {"challenge", "challenge_page", "noise", "delay", "robots_disallow"}
RARE_CONTACT = "联系人：刘䶮、张堃、王喆，联系电话：{area}-66005{serial:03d}。"
"""Names with 堃/喆 (GBK, not GB2312) and 䶮 (GB18030 only): a GBK site's bytes need gb18030."""


def build_site(
    family: str = "trs",
    *,
    columns: Sequence[str] | int | None = None,
    articles_per_column: int = 20,
    seed: int = 0,
    newest: datetime | None = None,
    port: int = 0,
    site_class: type[FixtureSite] = FixtureSite,
    **options: Any,
) -> FixtureSite:
    """A site of ``family`` (see ``FAMILIES``), not started yet.

    ``columns``: column keys of the family's layout, or how many of the preset's columns.
    ``site_class``: a FixtureSite subclass (tests.fixture_site.scripted).
    ``options``: ``SiteOptions`` fields (``encoding``, ``first_index``, ``per_page``,
    ``hanweb_per_page``, ``hanweb_embedded``, ``deleted_status``, ``charset_lie``) and the
    toggles ``challenge``, ``challenge_page``, ``noise``, ``delay``, ``robots_disallow``.
    """
    if family not in PRESETS:
        raise ValueError(f"unknown family {family!r}; families: {sorted(PRESETS)}")
    if articles_per_column < 0:
        raise ValueError("articles_per_column must be >= 0")
    preset = PRESETS[family]
    if columns is None:
        keys = preset.columns
    elif isinstance(columns, int):
        keys = preset.columns[:columns]
    else:
        keys = tuple(columns)
    merged = {**preset.options, **options}
    unknown = set(merged) - _SITE_OPTIONS - _TOGGLES
    if unknown:
        raise TypeError(f"unknown site option(s) {sorted(unknown)}")
    site_options = SiteOptions(**{k: v for k, v in merged.items() if k in _SITE_OPTIONS})
    site = site_class(
        preset.layout,
        AUTHORITIES[preset.authority],
        column_specs(preset.layout, keys),
        seed,
        site_options,
        port=port,
    )
    site.populate(articles_per_column, newest or NEWEST)
    if site_options.encoding == "gbk":
        _add_rare_characters(site)
    if site_options.charset_lie:
        _add_lying_page(site)
    _apply_toggles(site, merged)
    return site


def _apply_toggles(site: FixtureSite, options: dict[str, Any]) -> None:
    if options.get("challenge"):
        site.set_challenge(True, options.get("challenge_page", "nmpa"))
    if "noise" in options:
        site.set_noise(bool(options["noise"]))
    if "delay" in options:
        site.set_delay(float(options["delay"]))
    if "robots_disallow" in options:
        site.set_robots(options["robots_disallow"])


def _add_rare_characters(site: FixtureSite) -> None:
    """The newest page of each column ends with a contact line of rare characters."""
    for key in site.specs:
        pages = [article for article in site.items(key) if not article.is_file]
        if pages:
            line = RARE_CONTACT.format(area=site.authority.phone_area, serial=pages[0].id % 1000)
            site.amend(pages[0].id, blocks=(*pages[0].blocks, line))


def _add_lying_page(site: FixtureSite) -> None:
    """The second newest page of the first column: UTF-8 bytes, ``<meta charset=gb2312>``."""
    first = next(iter(site.specs))
    pages = [article for article in site.items(first) if not article.is_file]
    if len(pages) >= 2:
        site.amend(pages[1].id, encoding="utf-8", declared_charset="gb2312")
