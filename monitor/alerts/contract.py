"""The contract between the outbox (who sends what, when) and the alert renderers and channels.

    content = AlertContent(...)                       # plain data (monitor.store.alert_content)
    alert = render_alert(content, key=delivery_key)   # monitor.alerts.render
    channel = channel_for(kind, options)              # monitor.alerts.channels: email, webhook, ...
    await channel.send(alert)                         # raises DeliveryError; returns on success

Channels register by kind with ``__init_subclass__`` and carry a pydantic ``Options`` model that
the subscribers' config is checked against when it loads (DESIGN.md, conventions).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from crawler.names import SHANGHAI


def shanghai(moment: datetime) -> str:
    """A time as alerts show it: ISO 8601 in Asia/Shanghai, to the second."""
    return moment.astimezone(SHANGHAI).isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class AlertAttachment:
    name: str
    url: str


@dataclass(frozen=True, slots=True)
class AlertContent:
    """Everything an alert about one event may show; page text is raw here and escaped on render."""

    kind: str  # new | revised | withdrawn | site_failing | site_recovered | site_stale | test
    site_id: str
    site_name: str  # 山西省教育厅
    authority: str
    created_at: str  # ISO 8601, Asia/Shanghai
    column: str | None = None  # 通知公告
    category: str | None = None  # news | notice | policy
    url: str | None = None
    title: str | None = None
    published_at: str | None = None
    source: str | None = None
    document_number: str | None = None
    summary: str | None = None
    text: str | None = None  # the article text format (ARTICLE_FORMAT.md)
    attachments: tuple[AlertAttachment, ...] = ()
    diff: dict[str, Any] | None = None  # monitor.diff JSON form (revised, or against a predecessor)
    predecessor: dict[str, str] | None = None  # {"url", "title"} of the directive it follows
    details: dict[str, Any] = field(default_factory=dict)  # site events: failures, last error ...


@dataclass(frozen=True, slots=True)
class Alert:
    """One rendered message, ready for any channel."""

    key: str  # the delivery's stable idempotency key (webhook header, email Message-ID)
    subject: str  # `[eduwatch] 山西省教育厅·通知公告: <title>`
    text: str  # plain text body
    html: str  # HTML body, inline styles only, page text escaped
    payload: dict[str, Any]  # JSON for webhooks, documented by monitor/alerts/webhook.schema.json
    card: str  # short markdown card for chat robots (DingTalk, WeCom, Feishu)
    link: str | None = None


class DeliveryError(Exception):
    """A send that failed; ``retryable`` is False when retrying cannot help (bad config, 4xx)."""

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


class ChannelOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Channel(ABC):
    """A way of sending alerts: email, webhook, a chat robot."""

    kind: ClassVar[str]
    Options: ClassVar[type[ChannelOptions]]
    registry: ClassVar[dict[str, type[Channel]]] = {}

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        kind = cls.__dict__.get("kind")
        if isinstance(kind, str):
            Channel.registry[kind] = cls

    def __init__(self, options: ChannelOptions) -> None:
        self.options = options

    @abstractmethod
    async def send(self, alert: Alert) -> None:
        """Deliver the alert or raise DeliveryError."""
