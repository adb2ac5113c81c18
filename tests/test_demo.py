"""`eduwatch demo` end to end (the real command in a subprocess: its own site, SMTP and webhook
receivers, three real crawls, the outbox), what it kept, and its parts on their own."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.parser import BytesParser
from pathlib import Path

import jsonschema
import pytest
from sqlalchemy import select

from monitor.alerts.channels.email import EmailChannel, EmailOptions
from monitor.alerts.contract import Alert
from monitor.cli import main
from monitor.config import load_config
from monitor.demo import content
from monitor.demo.receivers import SmtpSink
from monitor.demo.site import DemoSite
from monitor.store import open_store
from monitor.store.delivery_models import Delivery
from monitor.store.models import Event, StoredArticle

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "monitor" / "alerts" / "webhook.schema.json").read_text("utf-8"))
SECRET = "demo-test-secret-5d1f"


@dataclass(frozen=True)
class DemoRun:
    folder: Path
    code: int
    out: str
    err: str
    elsewhere: Path  # where $EDUWATCH_DATABASE_URL pointed

    @property
    def config(self) -> Path:
        return self.folder / "config"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    """One `eduwatch demo --keep DIR`, with $EDUWATCH_DATABASE_URL pointing elsewhere (the demo
    must not touch it) and the webhook secret given."""
    base = tmp_path_factory.mktemp("demo")
    folder, elsewhere = base / "kept", base / "production.sqlite"
    env = {
        **os.environ,
        "EDUWATCH_DATABASE_URL": f"sqlite:///{elsewhere}",
        "EDUWATCH_DEMO_HOOK_SECRET": SECRET,
    }
    done = subprocess.run(
        [sys.executable, "-m", "monitor", "demo", "--keep", str(folder)],
        capture_output=True,
        text=True,
        env=env,
        cwd=base,
        timeout=240,
        check=False,
    )
    return DemoRun(folder, done.returncode, done.stdout, done.stderr, elsewhere)


def test_the_demo_shows_the_three_events_the_diff_the_email_and_the_signed_webhook(
    demo: DemoRun,
) -> None:
    assert demo.code == 0, demo.out + demo.err
    year = datetime.now(content.SHANGHAI).year
    new_title = f"关于做好{year + 1}年普通高等学校招生工作的通知"
    out = demo.out
    assert "articles: 10 (9 pages, 1 files): 0 new, 0 revised, 0 unchanged, 10 baseline" in out
    assert out.count("$ eduwatch crawl jiangnan") == 3
    assert "  events: none" in out and "  events: new 1, revised 1" in out
    assert "  events: withdrawn 1" in out
    events = out.split("== 5. The events")[1].split("== 6.")[0].splitlines()[1:]
    kinds = [line.split()[2] for line in events if line.strip()]
    assert kinds == ["new", "revised", "withdrawn"]
    assert f"follows: 关于做好{year}年普通高等学校招生工作的通知" in events[0]
    assert "全省教育系统召开安全工作会议" in events[1]
    assert "省教育厅赴山区县调研乡村学校建设" in events[2]
    diff = out.split("== 6.")[1].split("== 7.")[0]
    assert "[predecessor: same folded title" in diff
    assert f"{{+{year + 1}+}}" in diff and "+ 六、诚信管理。" in diff
    assert "deliveries: 0 pending, 6 sent, 0 failed, 0 dead" in out
    mail = out.split("-- the email about the new notice")[1].split("-- the webhook")[0]
    assert f"Subject: [eduwatch] 江南省教育厅·通知公告: {new_title}" in mail
    assert "文号：江教考" in mail and "与前一份文件" in mail  # the text part, its diff section
    assert "3 POSTs in all, 3 with a verified signature" in out
    assert "signature: verified" in out and "X-Eduwatch-Event: new" in out
    assert f"eduwatch --config {demo.config} events" in out
    assert not demo.elsewhere.exists()  # $EDUWATCH_DATABASE_URL was left alone


def test_the_kept_database_answers_the_commands(
    demo: DemoRun, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert demo.code == 0, demo.err
    monkeypatch.delenv("EDUWATCH_DATABASE_URL", raising=False)
    store = open_store(config=load_config(demo.config))
    try:
        with store.transaction() as session:
            events = [(e.kind, e.article_id) for e in session.scalars(select(Event))]
            statuses = {a.id: a.status for a in session.scalars(select(StoredArticle))}
            sent = [d.status for d in session.scalars(select(Delivery))]
    finally:
        store.close()
    assert [kind for kind, _ in events] == ["new", "revised", "withdrawn"]
    assert statuses[events[2][1]] == "withdrawn" and len(statuses) == 11
    assert sent == ["sent"] * 6
    capsys.readouterr()
    assert main(["--config", str(demo.config), "events", "--format", "json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["kind"] for line in lines] == ["new", "revised", "withdrawn"]
    new_id = str(events[0][1])
    assert main(["--config", str(demo.config), "diff", new_id, "--against", "predecessor"]) == 0
    assert "六、诚信管理" in capsys.readouterr().out
    assert main(["--config", str(demo.config), "show", str(events[1][1])]) == 0
    assert "约260人" in capsys.readouterr().out
    assert main(["--config", str(demo.config), "status"]) == 0
    status = capsys.readouterr().out
    assert "jiangnan" in status and " ok " in status and "6 sent" in status


def test_the_kept_messages_are_valid_and_signed(demo: DemoRun) -> None:
    assert demo.code == 0, demo.err
    received = demo.folder / "received"
    bodies = sorted(received.glob("webhook-*.json"))
    assert len(bodies) == 3
    validator = jsonschema.Draft202012Validator(SCHEMA)
    kinds = set()
    for path in bodies:
        body = path.read_bytes()
        validator.validate(json.loads(body))
        headers = dict(
            line.split(": ", 1) for line in path.with_suffix(".headers").read_text().splitlines()
        )
        expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        assert headers["X-Eduwatch-Signature"] == expected
        kinds.add(json.loads(body)["kind"])
    assert kinds == {"new", "revised", "withdrawn"}
    mails = [
        BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        for path in sorted(received.glob("mail-*.eml"))
    ]
    assert len(mails) == 3 and all(m["To"] == "zhaoshengban@demo.invalid" for m in mails)


def test_keep_refuses_a_folder_that_is_not_empty(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "something").write_text("mine")
    assert main(["demo", "--keep", str(tmp_path)]) == 2
    assert "not a new or empty folder" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["something"]


def _get(url: str | urllib.request.Request) -> tuple[int, bytes, dict[str, str]]:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, answer.read(), dict(answer.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


def test_the_demo_site_serves_gb18030_and_withdraws_to_404() -> None:
    today = datetime.now(content.SHANGHAI)
    with DemoSite(today) as site:
        status, body, headers = _get(site.list_url(content.NOTICE))
        assert status == 200 and headers["Content-Type"] == "text/html"
        assert b'charset="gb2312"' in body and "王喆" not in body.decode("utf-8", "replace")
        teacher = next(a for a in site.live(content.NOTICE) if "教师培训" in a.title)
        status, page, headers = _get(site.url_of(teacher))
        assert status == 200 and "联系人：王喆" in page.decode("gb18030")  # 喆: not in GB2312
        again = urllib.request.Request(
            site.url_of(teacher), headers={"If-None-Match": headers["ETag"]}
        )
        assert _get(again)[0] == 304
        withdrawn = site.articles[content.WITHDRAWN_SERIAL]
        assert _get(site.url_of(withdrawn))[0] == 200
        site.withdraw(content.WITHDRAWN_SERIAL)
        assert _get(site.url_of(withdrawn))[0] == 404
        listing = _get(site.list_url(content.NEWS))[1].decode("utf-8")
        assert withdrawn.title not in listing and "全省教育系统召开安全工作会议" in listing
        pdf = next(a for a in site.live(content.NOTICE) if a.is_file)
        status, data, headers = _get(site.url_of(pdf))
        assert status == 200 and data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")


def test_the_smtp_sink_takes_a_message_from_the_email_channel() -> None:
    with SmtpSink() as sink:
        options = EmailOptions.model_validate(
            {
                "host": "127.0.0.1",
                "port": sink.port,
                "security": "none",
                "from": "监控 <eduwatch@demo.invalid>",
                "to": ["a@demo.invalid", "b@demo.invalid"],
            }
        )
        text = "第一行\n.以句点开头的一行\n"
        alert = Alert("k-1", "[eduwatch] 测试", text, "<p>测试</p>", payload={}, card="")
        asyncio.run(EmailChannel(options).send(alert))
    [mail] = sink.mails
    assert mail.sender == "eduwatch@demo.invalid"
    assert mail.recipients == ("a@demo.invalid", "b@demo.invalid")
    message = mail.message()
    assert message["Subject"] == "[eduwatch] 测试"
    assert mail.text() == text  # dot-stuffing undone


def test_the_readme_receiver_snippet_verifies_a_real_webhook(
    demo: DemoRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert demo.code == 0, demo.err
    readme = (ROOT / "README.md").read_text("utf-8")
    snippet = next(
        block for block in readme.split("```python\n")[1:] if "def verified_alert" in block
    ).split("```")[0]
    namespace: dict[str, object] = {}
    exec(snippet, namespace)
    verified_alert = namespace["verified_alert"]
    body = (demo.folder / "received" / "webhook-1.json").read_bytes()
    lines = (demo.folder / "received" / "webhook-1.headers").read_text().splitlines()
    headers = dict(line.split(": ", 1) for line in lines)
    monkeypatch.setenv("EDUWATCH_HOOK_SECRET", SECRET)
    assert verified_alert(body, headers)["kind"] == "new"  # type: ignore[operator]
    monkeypatch.setenv("EDUWATCH_HOOK_SECRET", "another secret")
    with pytest.raises(ValueError, match="bad signature"):
        verified_alert(body, headers)  # type: ignore[operator]
