"""Chat robots Chinese teams use: DingTalk (钉钉) custom robot, WeCom (企业微信) group robot and
Feishu/Lark (飞书) custom bot. Each posts the alert's markdown card, signs when a secret is set,
and reads the verdict in the HTTP-200 body (``errcode`` / ``code``): a refusal is an error, never
a silent success. A card over the service's size limit is cut, with a "…(全文见链接)" marker
and the article's link. ``endpoint`` is configurable (a proxy, Lark, or a local test receiver).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from abc import abstractmethod
from collections.abc import Callable, Mapping
from typing import Any, ClassVar
from urllib.parse import urlencode, urlsplit

from pydantic import ConfigDict, Field, field_validator
from yarl import URL

from monitor.alerts.channels.http import check_status, post
from monitor.alerts.channels.secrets import SecretRef, Secrets
from monitor.alerts.contract import Alert, Channel, ChannelOptions, DeliveryError
from monitor.alerts.render import card_link

TRUNCATION_MARK = "…(全文见链接)"
TRUNCATION_MARK_NO_LINK = "…(内容过长，已截断)"


def fit(card: str, link: str | None, limit: int, measure: Callable[[str], int], label: str) -> str:
    """The card, or its longest head that fits ``limit`` (as ``measure`` counts) followed by
    the truncation marker and the link; DeliveryError when not even that fits."""
    if measure(card) <= limit:
        return card
    tail = f"\n\n{TRUNCATION_MARK} [原文链接]({card_link(link)})" if link else ""
    tail = tail or f"\n\n{TRUNCATION_MARK_NO_LINK}"
    if measure(tail.lstrip()) > limit:
        raise DeliveryError(f"{label}: message cannot fit in {limit} even cut", retryable=False)
    low, high = 0, len(card)  # card[:low] + tail fits; card[:high] + tail does not
    while high - low > 1:
        middle = (low + high) // 2
        if measure(card[:middle].rstrip() + tail) <= limit:
            low = middle
        else:
            high = middle
    head = card[:low]
    last_line = head.rsplit("\n", 1)[-1]
    if "[" in last_line and ")" not in last_line.rsplit("[", 1)[-1]:
        head = head[: len(head) - len(last_line)]  # never leave a half link behind
    return (head.rstrip() + tail).lstrip()


class RobotOptions(ChannelOptions):
    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)

    endpoint: str
    timeout: float = Field(default=10.0, gt=0, le=300)

    @field_validator("endpoint")
    @classmethod
    def _http_url(cls, url: str) -> str:
        if not url.lower().startswith(("http://", "https://")):
            raise ValueError("expected an http:// or https:// URL")
        return url


class RobotChannel(Channel):
    """What the three robots share: fit, post, check the verdict in the body."""

    service: ClassVar[str]
    limit: ClassVar[int]  # bytes, as ``measure`` counts them
    retry_codes: ClassVar[frozenset[int]]  # refusals worth retrying (rate limits, busy)

    def __init__(self, options: ChannelOptions) -> None:
        if not isinstance(options, self.Options):
            raise TypeError(f"expected {self.Options.__name__}, got {type(options).__name__}")
        assert isinstance(options, RobotOptions)
        super().__init__(options)
        self.endpoint = options.endpoint
        self.timeout = options.timeout
        self.label = f"{self.service} robot {urlsplit(options.endpoint).netloc}"
        self.secrets = Secrets(self.label)

    @abstractmethod
    def url(self) -> str | URL:
        """Where to post, signed when the service signs in the URL."""

    @abstractmethod
    def body(self, alert: Alert, card: str) -> dict[str, Any]:
        """The request body carrying ``card``."""

    @abstractmethod
    def verdict(self, answer: Mapping[str, Any]) -> tuple[Any, str]:
        """(code, message) from the answer's body; code 0 is success."""

    def measure(self, alert: Alert, card: str) -> int:
        return len(card.encode("utf-8"))

    async def send(self, alert: Alert) -> None:
        card = fit(alert.card, alert.link, self.limit, lambda c: self.measure(alert, c), self.label)
        body = json.dumps(self.body(alert, card), ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8"}
        redact = self.secrets.redact
        answer = await post(self.url(), body, headers, self.timeout, self.label, redact)
        check_status(answer, self.label, redact)
        data = answer.json()
        if not isinstance(data, dict):
            message = f"{self.label}: unexpected answer: {answer.snippet()}"
            raise DeliveryError(redact(message), retryable=True)
        code, text = self.verdict(data)
        if code != 0:
            retryable = isinstance(code, int) and code in self.retry_codes
            message = f"{self.label}: refused: code {code}: {text}"
            raise DeliveryError(redact(message), retryable=retryable)


def _with_query(endpoint: str, params: Mapping[str, str]) -> URL:
    """``endpoint?params``, each value percent-encoded exactly once (``+`` -> ``%2B``)."""
    joiner = "&" if "?" in endpoint else "?"
    return URL(endpoint + joiner + urlencode(params), encoded=True)


def _title(alert: Alert) -> str:
    return alert.subject.removeprefix("[eduwatch] ")


# --- DingTalk --------------------------------------------------------------------------------


class DingTalkOptions(RobotOptions):
    """``access_token`` (``${VAR}``), optional signing ``secret`` (加签, ``${VAR}``)."""

    access_token: SecretRef
    secret: SecretRef | None = None
    endpoint: str = "https://oapi.dingtalk.com/robot/send"


def dingtalk_sign(secret: str, timestamp_ms: str) -> str:
    """base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}")), not yet URL-encoded."""
    message = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


class DingTalkChannel(RobotChannel):
    kind = "dingtalk"
    Options = DingTalkOptions
    service = "dingtalk"
    limit = 20000
    retry_codes = frozenset({-1, 130101})  # system busy; more than 20 messages a minute

    def __init__(self, options: ChannelOptions) -> None:
        super().__init__(options)
        assert isinstance(options, DingTalkOptions)
        self._token = self.secrets.resolve(options.access_token)
        self._secret = self.secrets.resolve(options.secret) if options.secret else None

    def url(self) -> URL:
        params = {"access_token": self._token}
        if self._secret:
            timestamp = str(round(time.time() * 1000))
            params |= {"timestamp": timestamp, "sign": dingtalk_sign(self._secret, timestamp)}
        return _with_query(self.endpoint, params)

    def body(self, alert: Alert, card: str) -> dict[str, Any]:
        return {"msgtype": "markdown", "markdown": {"title": _title(alert), "text": card}}

    def verdict(self, answer: Mapping[str, Any]) -> tuple[Any, str]:
        return answer.get("errcode"), str(answer.get("errmsg", ""))


# --- WeCom -----------------------------------------------------------------------------------


class WeComOptions(RobotOptions):
    """The group robot's ``key`` (``${VAR}``); WeCom robots have no signing."""

    key: SecretRef
    endpoint: str = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send"


class WeComChannel(RobotChannel):
    kind = "wecom"
    Options = WeComOptions
    service = "wecom"
    limit = 4096  # markdown.content, UTF-8 bytes
    retry_codes = frozenset({-1, 45009, 45033})  # busy; frequency and concurrency limits

    def __init__(self, options: ChannelOptions) -> None:
        super().__init__(options)
        assert isinstance(options, WeComOptions)
        self._key = self.secrets.resolve(options.key)

    def url(self) -> URL:
        return _with_query(self.endpoint, {"key": self._key})

    def body(self, alert: Alert, card: str) -> dict[str, Any]:
        return {"msgtype": "markdown", "markdown": {"content": card}}

    def verdict(self, answer: Mapping[str, Any]) -> tuple[Any, str]:
        return answer.get("errcode"), str(answer.get("errmsg", ""))


# --- Feishu / Lark ---------------------------------------------------------------------------


class FeishuOptions(RobotOptions):
    """The hook ``token`` (the last part of the webhook URL, ``${VAR}``), optional signing
    ``secret`` (``${VAR}``); for Lark set ``endpoint: https://open.larksuite.com/open-apis/bot/v2/hook``."""

    token: SecretRef
    secret: SecretRef | None = None
    endpoint: str = "https://open.feishu.cn/open-apis/bot/v2/hook"


def feishu_sign(secret: str, timestamp_s: str) -> str:
    """base64(HMAC-SHA256(key=f"{timestamp}\\n{secret}", msg=b""))."""
    key = f"{timestamp_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode("ascii")


class FeishuChannel(RobotChannel):
    kind = "feishu"
    Options = FeishuOptions
    service = "feishu"
    limit = 20000  # the whole request body, bytes (Feishu: 20 KB)
    retry_codes = frozenset({11232})  # frequency limited

    def __init__(self, options: ChannelOptions) -> None:
        super().__init__(options)
        assert isinstance(options, FeishuOptions)
        self._token = self.secrets.resolve(options.token)
        self._secret = self.secrets.resolve(options.secret) if options.secret else None

    def url(self) -> str:
        return f"{self.endpoint.rstrip('/')}/{self._token}"

    def body(self, alert: Alert, card: str) -> dict[str, Any]:
        body: dict[str, Any] = {}
        if self._secret:
            timestamp = str(int(time.time()))
            body |= {"timestamp": timestamp, "sign": feishu_sign(self._secret, timestamp)}
        body["msg_type"] = "interactive"
        body["card"] = {
            "config": {"wide_screen_mode": True},
            "header": {"title": {"tag": "plain_text", "content": _title(alert)}},
            "elements": [{"tag": "markdown", "content": card}],
        }
        return body

    def measure(self, alert: Alert, card: str) -> int:
        return len(json.dumps(self.body(alert, card), ensure_ascii=False).encode("utf-8"))

    def verdict(self, answer: Mapping[str, Any]) -> tuple[Any, str]:
        code = answer.get("code", answer.get("StatusCode"))
        return code, str(answer.get("msg", answer.get("StatusMessage", "")))
