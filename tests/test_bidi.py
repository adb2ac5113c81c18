"""Bidirectional controls (U+202E and the like) never reach a title, an alert subject or the
terminal: a page could otherwise show its title reversed or rearrange the operator's screen."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest

from crawler.normalize import extract_article
from monitor.alerts.render import render_alert
from monitor.cli import main
from monitor.config import DATABASE_URL_ENV
from monitor.store import Store, make_engine
from monitor.terminal import for_terminal, json_for_terminal
from tests.db import T0, crawl, notice
from tests.test_alert_render import article

CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f"
SPOOFED = "关于做好招生工作的通知\u202efdp.exe\u202c"


def test_the_normalizer_drops_them_from_title_and_text() -> None:
    html = (
        f"<html><head><title>{SPOOFED}</title></head><body><div class=TRS_Editor>"
        f"<p>为做好2024年普通高校招生工作，\u2067现将有关事项\u2069通知如下。</p>"
        "<p>各地要加强组织领导，确保招生工作平稳有序，认真贯彻落实。</p></div></body></html>"
    )
    found = extract_article(html.encode("utf-8"), "http://jyt.shanxi.gov.cn/a/t20240618_1.html")
    assert found.title == "关于做好招生工作的通知fdp.exe"
    assert not any(c in found.text for c in CONTROLS)


def test_an_alert_subject_has_none() -> None:
    alert = render_alert(replace(article(), title=SPOOFED), "key")
    assert "fdp.exe" in alert.subject and not any(c in alert.subject for c in CONTROLS)


def test_terminal_text_drops_them_and_json_escapes_them() -> None:
    assert for_terminal(f"a{CONTROLS}\x1b[31mb\tc\n") == "a[31mb\tc\n"
    line = json.dumps({"title": SPOOFED}, ensure_ascii=False)
    safe = json_for_terminal(line)
    assert "\u202e" not in safe and json.loads(safe) == {"title": SPOOFED}


def test_stored_titles_reach_the_terminal_without_them(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Stored before the normalizer dropped them (or by another writer): the commands do."""
    store = Store(make_engine(database_url))
    crawl(store, [notice(1)], T0)
    crawl(store, [notice(2, title=SPOOFED)], T0 + timedelta(days=1))
    store.close()
    monkeypatch.setenv(DATABASE_URL_ENV, database_url)
    for argv in (["events"], ["articles"], ["show", notice(2).url], ["events", "--format", "json"]):
        assert main(argv) == 0
        out = capsys.readouterr().out
        assert "fdp.exe" in out and not any(c in out for c in CONTROLS), argv
