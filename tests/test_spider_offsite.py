"""Requests and redirects stay on the site's own hosts (crawler.scope, crawler.offsite): the
public-suffix rule, internal addresses, `allowed_hosts`; and over real HTTP, a fixture site on
127.0.0.1 whose articles redirect to another local server."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from crawler.scope import OutOfScope, SiteScope
from crawler.sites import load_site
from monitor.commands.crawl import summary
from tests.fixture_site import FixtureSite
from tests.fixture_site.pytest_plugin import SiteFactory
from tests.test_spider_support import SITE_ID, crawl, stored, write_config

SHANXI = SiteScope(["http://jyt.shanxi.gov.cn/xwzx/ggtz/", "https://www.moe.gov.cn/jyb_xwfb/"])


@pytest.mark.parametrize(
    "url",
    [
        "http://jyt.shanxi.gov.cn/xwzx/ggtz/202406/t20240618_1.html",
        "https://jyt.shanxi.gov.cn:8443/a.html",  # the site's own host, any port
        "http://www.shanxi.gov.cn/zw/a.html",  # same registrable domain
        "http://jyt.shanxi.gov.cn./b.html",
    ],
)
def test_the_sites_own_domains_are_in_scope(url: str) -> None:
    SHANXI.check_name(url)


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://shanxi.gov.cn.evil.com/a.html", "not a host of the site's domains"),
        ("http://evilshanxi.gov.cn/a.html", "not a host of the site's domains"),
        ("http://gov.cn/a.html", "not a host of the site's domains"),  # a public suffix
        ("http://www.gov.cn/zhengce/a.html", "not a host of the site's domains"),
        ("http://169.254.169.254/latest/meta-data/", "not one of the site's hosts"),
        ("http://10.0.0.8/intranet/", "not one of the site's hosts"),
        ("http://[::1]/", "not one of the site's hosts"),
        ("http://localhost/", "not a host of the site's domains"),
        ("http://2130706433/", "not a host of the site's domains"),  # 127.0.0.1 as a number
        ("file:///etc/passwd", "not an http(s) URL"),
        ("ftp://jyt.shanxi.gov.cn/a.pdf", "not an http(s) URL"),
        ("http://jyt.shanxi.gov.cn:99999/", "not an http(s) URL"),
    ],
)
def test_other_hosts_and_internal_addresses_are_out_of_scope(url: str, why: str) -> None:
    with pytest.raises(OutOfScope, match=re.escape(why)):
        SHANXI.check_name(url)


def test_a_name_of_the_site_that_resolves_inside_is_refused() -> None:
    origin = SHANXI.check_name("http://intranet.shanxi.gov.cn/a.html")
    assert origin is not None  # the DNS answer decides
    SHANXI.check_addresses(origin, ["202.99.1.10"])
    for address in ("10.1.2.3", "127.0.0.1", "169.254.169.254", "::1", "fe80::1%eth0", "0.0.0.0"):
        with pytest.raises(OutOfScope, match="resolves to an internal address"):
            SHANXI.check_addresses(origin, ["202.99.1.10", address])


def test_a_site_on_loopback_keeps_its_own_origin_only() -> None:
    local = SiteScope(["http://127.0.0.1:8080/news/"])
    assert local.check_name("http://127.0.0.1:8080/news/a.html") is None
    for url in ("http://127.0.0.1:9000/", "http://localhost:8080/", "http://127.0.0.2:8080/"):
        with pytest.raises(OutOfScope):
            local.check_name(url)


def test_allowed_hosts_let_named_hosts_in() -> None:
    scope = SiteScope(["http://jyt.shanxi.gov.cn/xwzx/"], ["files.shanxi-edu.cn", "10.20.0.5:8080"])
    assert scope.check_name("http://files.shanxi-edu.cn:81/a.pdf") is None
    assert scope.check_name("http://10.20.0.5:8080/a.pdf") is None
    with pytest.raises(OutOfScope):
        scope.check_name("http://10.20.0.5:8081/a.pdf")
    with pytest.raises(OutOfScope):
        scope.check_name("http://www.shanxi-edu.cn/a.pdf")  # the host, not its domain


# -- over real HTTP --------------------------------------------------------------------------


@pytest.fixture(name="sites")
def sites_fixture(fixture_site_factory: SiteFactory) -> tuple[FixtureSite, FixtureSite]:
    """The crawled site and an 'internal' server beside it on another port."""
    crawled = fixture_site_factory("trs", columns=1, articles_per_column=8)
    internal = fixture_site_factory("trs", columns=1, articles_per_column=2, seed=7)
    return crawled, internal


def test_redirects_off_the_site_are_refused_failures_never_content(
    sites: tuple[FixtureSite, FixtureSite], tmp_path: Path
) -> None:
    site, internal = sites
    config = write_config(tmp_path, site, "trs")
    assert crawl(config).status == "ok"  # the baseline
    secret = internal.items("gzdt")[0]
    to_localhost = site.publish("gzdt", "关于印发《学校安全管理办法》的通知")
    to_other_port = site.publish("gzdt", "关于开展2024年教师培训工作的通知")
    moved = site.publish("gzdt", "关于公布2024年省级示范学校名单的通知")
    site.redirect(to_localhost.path, f"http://localhost:{internal.port}{secret.path}")
    site.redirect(to_other_port.path, internal.url_of(secret), status=301)
    site.redirect(moved.path, site.items("gzdt")[5].path)  # relative, on the site: followed
    internal.reset_log()
    result = crawl(config)
    assert internal.requests == []  # not even robots.txt
    assert result.status == "partial"
    assert result.stats["failures"] == {"offsite_redirect": 2}
    view = stored(config)
    assert site.url_of(to_localhost) not in view.articles
    assert site.url_of(to_other_port) not in view.articles
    assert [url for kind, url in view.events if kind == "new"] == [site.url_of(moved)]
    text = summary(load_site(config, SITE_ID), result, None)
    assert "failures: offsite_redirect 2" in text


def test_allowed_hosts_let_a_redirect_through_and_a_list_off_site_fails_its_column(
    sites: tuple[FixtureSite, FixtureSite], tmp_path: Path
) -> None:
    site, internal = sites
    secret = internal.items("gzdt")[0]
    config = write_config(tmp_path, site, "trs", allowed_hosts=[f"localhost:{internal.port}"])
    article = site.items("gzdt")[0]
    site.redirect(article.path, f"http://localhost:{internal.port}{secret.path}")
    result = crawl(config)
    assert result.status == "ok", result.error
    assert stored(config).articles[site.url_of(article)]["title"] == secret.title
    config = write_config(tmp_path / "other", site, "trs")
    site.redirect(urlsplit(site.list_url("gzdt")).path, internal.list_url("gzdt"))
    internal.reset_log()
    result = crawl(config)
    assert result.status == "failed" and "offsite_redirect" in (result.error or "")
    assert internal.requests == []
