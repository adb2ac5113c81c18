"""The webhook channel: POST the alert's JSON payload (``webhook.schema.json``).

Headers: ``Content-Type: application/json``, ``Idempotency-Key`` and ``X-Eduwatch-Delivery``
(the delivery key, the same on every retry; percent-encoded when not ASCII),
``X-Eduwatch-Event`` (the kind), and when a secret is set
``X-Eduwatch-Signature: sha256=<hex HMAC-SHA256 of the raw body>``. 2xx is success; 5xx, 408,
425, 429, timeouts and connection errors are retryable; other statuses are not.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from urllib.parse import quote

from pydantic import ConfigDict, Field, field_validator

from monitor.alerts.channels.http import check_status, describe_url, post
from monitor.alerts.channels.secrets import SecretRef, Secrets
from monitor.alerts.contract import Alert, Channel, ChannelOptions

SIGNATURE_HEADER = "X-Eduwatch-Signature"
RESERVED_HEADERS = frozenset(
    name.lower()
    for name in (
        "Content-Type",
        "Content-Length",
        "Host",
        "Idempotency-Key",
        "X-Eduwatch-Delivery",
        "X-Eduwatch-Event",
        SIGNATURE_HEADER,
    )
)


class WebhookOptions(ChannelOptions):
    """``url`` (http/https; may embed ``${VAR}``), ``secret`` (``${VAR}``) for the signature,
    ``timeout`` in seconds, extra ``headers`` (values may embed ``${VAR}``)."""

    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)

    url: str
    secret: SecretRef | None = None
    timeout: float = Field(default=10.0, gt=0, le=300)
    headers: dict[str, str] = Field(default_factory=dict)

    @field_validator("url")
    @classmethod
    def _http_url(cls, url: str) -> str:
        if not url.lower().startswith(("http://", "https://")):
            raise ValueError("expected an http:// or https:// URL")
        return url

    @field_validator("headers")
    @classmethod
    def _not_reserved(cls, headers: dict[str, str]) -> dict[str, str]:
        taken = sorted(name for name in headers if name.lower() in RESERVED_HEADERS)
        if taken:
            raise ValueError(f"eduwatch sets these headers itself: {', '.join(taken)}")
        return headers


def sign(body: bytes, secret: str) -> str:
    """``sha256=<hex>``: the HMAC-SHA256 of the raw body, keyed with the secret."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def encode_payload(alert: Alert) -> bytes:
    return json.dumps(alert.payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def header_value(text: str) -> str:
    """Visible ASCII as is; anything else percent-encoded (UTF-8)."""
    return quote(text, safe="".join(chr(c) for c in range(33, 127) if chr(c) != "%"))


class WebhookChannel(Channel):
    kind = "webhook"
    Options = WebhookOptions

    def __init__(self, options: ChannelOptions) -> None:
        if not isinstance(options, WebhookOptions):
            raise TypeError(f"expected WebhookOptions, got {type(options).__name__}")
        super().__init__(options)
        self.label = f"webhook {describe_url(options.url)}"
        self.timeout = options.timeout
        self._secrets = Secrets(self.label)
        self._url = self._secrets.resolve(options.url)
        self._key = self._secrets.resolve(options.secret) if options.secret else None
        self._headers = {k: self._secrets.resolve(v) for k, v in options.headers.items()}

    async def send(self, alert: Alert) -> None:
        body = encode_payload(alert)
        headers = {
            **self._headers,
            "Content-Type": "application/json",
            "Idempotency-Key": header_value(alert.key),
            "X-Eduwatch-Delivery": header_value(alert.key),
            "X-Eduwatch-Event": header_value(str(alert.payload.get("kind", ""))),
        }
        if self._key:
            headers[SIGNATURE_HEADER] = sign(body, self._key)
        redact = self._secrets.redact
        answer = await post(self._url, body, headers, self.timeout, self.label, redact)
        check_status(answer, self.label, redact)
