"""The dashboard's pages in real Chromium (Debian's /usr/bin/chromium driven by Playwright),
served by uvicorn over real HTTP from a filled SQLite store: every page loads without console
errors, the filters work, the diff highlights the changed clauses, hostile text stays text, the
layout holds on a phone, and the operator can retry a dead delivery.

With EDUWATCH_SCREENSHOTS=DIR the module also saves a screenshot of each page there (the
README's are made so: ``EDUWATCH_SCREENSHOTS=docs .venv/bin/pytest tests/test_web_pages.py``).
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright

from monitor.config import ServiceConfig
from monitor.store import Store, make_engine, upgrade
from monitor.web.address import Listen
from monitor.web.context import WebContext
from monitor.web.server import EmbeddedServer, bind, uvicorn_config
from tests.web_data import HOSTILE_ERROR, HOSTILE_TITLE, NOTICE, Filled, fill, site_configs

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TOKEN = "browser-op-token"
PHONE = {"width": 390, "height": 844}


class Served:
    """The app on a free loopback port, in a thread of its own."""

    def __init__(self, store: Store) -> None:
        sites = site_configs()
        self.sock = bind(Listen("127.0.0.1", 0))
        port = self.sock.getsockname()[1]
        self.base = f"http://127.0.0.1:{port}"
        context = WebContext(store, lambda: sites, token=TOKEN)
        self.server = EmbeddedServer(uvicorn_config(context, Listen("127.0.0.1", port)))
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        for _ in range(100):
            if self.server.started:
                return
            threading.Event().wait(0.05)
        raise RuntimeError("the web server did not start")

    def _run(self) -> None:
        asyncio.run(self.server.serve(sockets=[self.sock]))

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, Filled]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('pages') / 'web.sqlite'}"
    upgrade(url)
    store = Store(make_engine(url), ServiceConfig())
    facts = fill(store)
    yield store, facts
    store.close()


@pytest.fixture(scope="module")
def served(filled: tuple[Store, Filled]) -> Iterator[Served]:
    server = Served(filled[0])
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(name="facts")
def facts_fixture(filled: tuple[Store, Filled]) -> Filled:
    return filled[1]


class Watched:
    """A page whose console errors, script errors, dialogs and failed requests are recorded."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.problems: list[str] = []
        self.dialogs: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("dialog", self._dialog)
        page.on("response", self._response)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            self.problems.append(f"console {message.type}: {message.text}")

    def _dialog(self, dialog: object) -> None:
        self.dialogs.append(str(getattr(dialog, "message", "")))
        getattr(dialog, "dismiss")()  # noqa: B009

    def _response(self, response: object) -> None:
        status = int(getattr(response, "status", 0))
        if status >= 400:
            self.problems.append(f"HTTP {status} for {getattr(response, 'url', '')}")


@pytest.fixture(name="watched")
def watched_fixture(browser: Browser) -> Iterator[Watched]:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    yield Watched(context.new_page())
    context.close()


def shoot(page: Page, name: str) -> None:
    folder = os.environ.get("EDUWATCH_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / f"web-{name}.png"), full_page=True)


def pages(facts: Filled) -> dict[str, str]:
    return {
        "sites": "/sites",
        "changes": "/changes",
        "article": f"/articles/{facts.revised_article}",
        "diff": f"/articles/{facts.revised_article}/diff",
        "deliveries": "/deliveries",
    }


@pytest.mark.parametrize("name", ["sites", "changes", "article", "diff", "deliveries"])
def test_each_page_loads_without_console_errors(
    served: Served, watched: Watched, facts: Filled, name: str
) -> None:
    page = watched.page
    response = page.goto(served.base + pages(facts)[name])
    assert response is not None and response.status == 200
    assert page.locator("h1").first.inner_text()
    feed = page.locator('link[rel="alternate"][type="application/atom+xml"]')
    assert feed.count() == 1 and feed.get_attribute("href")
    assert watched.problems == [] and watched.dialogs == []
    shoot(page, name)


def test_filters_narrow_the_timeline(served: Served, watched: Watched) -> None:
    page = watched.page
    page.goto(served.base + "/changes")
    assert page.locator("li.change").count() == 6
    page.select_option("select[name=kind]", "revised")
    page.click("#filters button[type=submit]")
    page.wait_for_url("**/changes?*kind=revised*")
    titles = page.locator("li.change h2.title").all_inner_texts()
    assert titles == [NOTICE.format(1)]
    page.select_option("select[name=kind]", "")
    page.select_option("select[name=authority]", "河北")
    page.click("#filters button[type=submit]")
    page.wait_for_url("**authority=*")
    assert page.locator("li.change").count() == 2
    feed = page.locator('link[rel="alternate"]').get_attribute("href") or ""
    assert "authority=" in feed and "/feeds/changes.atom" in feed
    assert watched.problems == []


def test_the_diff_highlights_the_changed_clauses(
    served: Served, watched: Watched, facts: Filled
) -> None:
    page = watched.page
    page.goto(served.base + f"/articles/{facts.revised_article}/diff")
    changed = page.locator(".diff-row.changed")
    assert changed.count() == 1
    assert changed.locator(".old del").all_inner_texts() == ["突出"]
    assert changed.locator(".new ins").all_inner_texts() == ["首要"]
    background = changed.locator(".new ins").evaluate("e => getComputedStyle(e).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")
    struck = changed.locator(".old del").evaluate("e => getComputedStyle(e).textDecorationLine")
    assert struck == "line-through"
    added = page.locator(".diff-row.added .new").inner_text()
    assert "三、本通知自发布之日起施行。" in added
    assert page.locator(".diff-row.added .old.none").count() == 1
    boxes = [changed.locator(f".{side}").bounding_box() for side in ("old", "new")]
    assert boxes[0] and boxes[1] and boxes[1]["x"] > boxes[0]["x"] + 300  # side by side
    assert "附件1.docx" in page.locator("ul.files").inner_text()
    assert watched.problems == []


def test_on_a_phone_the_diff_stacks_and_nothing_overflows(
    served: Served, browser: Browser, facts: Filled
) -> None:
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True)
    page = context.new_page()
    page.goto(served.base + f"/articles/{facts.revised_article}/diff")
    changed = page.locator(".diff-row.changed")
    old, new = (changed.locator(f".{side}").bounding_box() for side in ("old", "new"))
    assert old and new and abs(old["x"] - new["x"]) < 1 and new["y"] > old["y"]
    shoot(page, "phone-diff")
    for path in pages(facts).values():
        page.goto(served.base + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], path
    page.goto(served.base + "/changes")
    shoot(page, "phone-changes")
    context.close()


def test_a_hostile_title_body_and_error_render_as_text(
    served: Served, watched: Watched, facts: Filled
) -> None:
    page = watched.page
    page.goto(served.base + "/changes?q=双减")
    assert page.locator("li.change h2.title").inner_text() == HOSTILE_TITLE
    page.goto(served.base + f"/articles/{facts.hostile_article}")
    assert page.locator("h1.title").inner_text() == HOSTILE_TITLE
    assert "<b>加粗</b><script>" in page.locator("pre.article-text").inner_text()
    assert page.locator("main script, main img, main b").count() == 0
    assert page.title().startswith(HOSTILE_TITLE)
    page.goto(served.base + "/deliveries?status=dead")
    assert page.locator("td.why").first.inner_text() == HOSTILE_ERROR
    assert page.locator("main img").count() == 0
    assert watched.dialogs == [] and watched.problems == []


def test_the_operator_retries_a_dead_delivery_with_the_token(
    served: Served, watched: Watched, facts: Filled
) -> None:
    page = watched.page
    page.goto(served.base + "/deliveries?status=dead")
    row = page.locator(f"#delivery-{facts.dead_delivery}")
    row.locator("input[name=token]").fill("wrong")
    row.locator("button").click()
    assert "令牌" in page.locator(".problem").inner_text()
    watched.problems.clear()  # the refusal is a 403, as it should be
    page.goto(served.base + "/deliveries?status=dead")
    row = page.locator(f"#delivery-{facts.dead_delivery}")
    row.locator("input[name=token]").fill(TOKEN)
    row.locator("button").click()
    page.wait_for_url("**notice=retried**")
    assert "已重新排队" in page.locator(".notice").inner_text()
    assert page.locator(f"#delivery-{facts.dead_delivery}").count() == 0
    assert watched.problems == []
