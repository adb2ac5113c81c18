"""`eduwatch test-alert SUBSCRIBER`: send a sample alert through each of the subscriber's channels
(``@operator``: the operator's channels of eduwatch.yaml) and exit 1, naming each channel that
failed and why, when one fails; 2 when the subscriber or the configuration is not usable.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from crawler.names import SHANGHAI
from monitor.alerts.channels import channel_for
from monitor.alerts.contract import AlertAttachment, AlertContent, Channel, DeliveryError
from monitor.alerts.render import render_alert
from monitor.alerts.subscribers import ChannelSpec
from monitor.cli import add_command
from monitor.config import load_config, load_subscribers
from monitor.diff import diff_paragraphs
from monitor.errors import ConfigError

EXIT_OK, EXIT_FAILED, EXIT_UNUSABLE = 0, 1, 2
OPERATOR = "@operator"

_OLD = [
    "各市教育局:",
    "现将2023年普通高校招生工作有关事项通知如下。",
    "一、报名时间为2023年3月1日至3月10日。",
]
_NEW = [
    "各市教育局:",
    "现将2024年普通高校招生工作有关事项通知如下。",
    "一、报名时间为2024年3月1日至3月15日。",
    "二、考生可通过“山西招生考试网”查询报名结果。",
]


def sample_content(now: datetime) -> AlertContent:
    """A sample directive with a predecessor: every part an alert can show."""
    body = "".join(_NEW)
    text = "摘要\n\n" + body + "\n" + "".join(f"\n  {p}\n" for p in _NEW)
    return AlertContent(
        kind="test",
        site_id="sample",
        site_name="山西省教育厅",
        authority="山西",
        created_at=now.isoformat(timespec="seconds"),
        column="通知公告",
        category="notice",
        url="https://jyt.shanxi.gov.cn/",
        title="（测试提醒）关于做好2024年普通高校招生工作的通知",
        published_at=now.date().isoformat(),
        source="山西省教育厅",
        document_number="晋教办〔2024〕1号",
        summary=body[:200],
        text=text,
        attachments=(AlertAttachment("附件1.报名安排.docx", "https://jyt.shanxi.gov.cn/"),),
        diff=diff_paragraphs(_OLD, _NEW).to_json(),
        predecessor={
            "url": "https://jyt.shanxi.gov.cn/",
            "title": "关于做好2023年普通高校招生工作的通知",
        },
    )


def channel_label(channel: Channel) -> str:
    return str(getattr(channel, "label", channel.kind))


def send_test_alert(
    channels: Sequence[Channel], content: AlertContent | None = None
) -> list[tuple[str, str | None]]:
    """Send the sample alert through each channel at once: (channel, error or None) each."""
    now = datetime.now(SHANGHAI)
    content = content or sample_content(now)
    stamp = now.strftime("%Y%m%dT%H%M%S.%f")

    async def deliver(index: int, channel: Channel) -> tuple[str, str | None]:
        alert = render_alert(content, key=f"test:{stamp}:{index}")
        try:
            await channel.send(alert)
        except DeliveryError as error:
            return channel_label(channel), str(error)
        return channel_label(channel), None

    async def deliver_all() -> list[tuple[str, str | None]]:
        return list(await asyncio.gather(*(deliver(i, c) for i, c in enumerate(channels))))

    return asyncio.run(deliver_all())


def channel_specs(config_dir: Path, subscriber: str) -> tuple[ChannelSpec, ...]:
    """The subscriber's channels (references unresolved); LookupError when there is none."""
    if subscriber == OPERATOR:
        channels = load_config(config_dir).operator.channels
        if not channels:
            raise LookupError("eduwatch.yaml has no operator channels")
        return channels
    found = load_subscribers(config_dir).get(subscriber)
    if found is None:
        raise LookupError(f"no subscriber named {subscriber!r} in subscribers.yaml")
    return found.channels


def run_test_alert(args: argparse.Namespace) -> int:
    try:
        specs = channel_specs(args.config, args.subscriber)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return EXIT_UNUSABLE
    except LookupError as error:
        print(f"test-alert: {error}", file=sys.stderr)
        return EXIT_UNUSABLE
    results: list[tuple[str, str | None]] = []
    built: list[tuple[str, Channel]] = []
    for spec in specs:
        try:
            built.append((spec.label, channel_for(spec.kind, spec.validated)))
        except DeliveryError as error:  # an unset environment variable, an unreadable ca_file
            results.append((spec.label, str(error)))
    sent = send_test_alert([channel for _, channel in built])
    results += [(name, problem) for (name, _), (_, problem) in zip(built, sent, strict=True)]
    for name, problem in results:
        print(f"ok      {name}" if problem is None else f"FAILED  {name}: {problem}")
    return EXIT_FAILED if any(problem for _, problem in results) else EXIT_OK


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(
        subparsers, "test-alert", "send a sample alert through each channel of a subscriber"
    )
    parser.add_argument(
        "subscriber", metavar="SUBSCRIBER", help=f"a subscriber's name, or {OPERATOR}"
    )
    parser.set_defaults(func=run_test_alert)
