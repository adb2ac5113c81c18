"""The email channel: multipart/alternative (plain text + inline-styled HTML), UTF-8, RFC 2047
subject and names, a ``Message-ID`` derived from the delivery key (a retry after a crash is the
same message), sent with smtplib in a worker thread.

Security ``starttls`` (default port 587), ``ssl`` (465) or ``none`` (25; no login then, except
to a relay on this machine). Failures: connection errors, timeouts and 4xx replies are
retryable; 5xx replies, refused certificates and missing server features are not.
"""

from __future__ import annotations

import asyncio
import base64
import smtplib
import ssl
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, parseaddr
from typing import Literal

from pydantic import ConfigDict, Field, field_validator, model_validator

from crawler.names import SHANGHAI
from monitor.alerts.channels.secrets import ChannelConfigError, SecretRef, Secrets
from monitor.alerts.contract import Alert, Channel, ChannelOptions, DeliveryError

DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
MESSAGE_ID_DOMAIN = "eduwatch"
# Transfer encodings chosen per part (the shorter of quoted-printable and base64): 7-bit safe.
MESSAGE_POLICY = SMTP.clone(cte_type="7bit")
_ID_CHARS = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$&'*+-/?^_`{|}~"
)


def _address(text: str) -> str:
    """The bare address of ``Name <addr>`` or ``addr``, checked: one @, no spaces."""
    _, addr = parseaddr(text)
    local, at, domain = addr.partition("@")
    if not at or not local or not domain or "@" in domain or any(c.isspace() for c in addr):
        raise ValueError(
            f"expected an email address such as 监控 <monitor@example.com>, got {text!r}"
        )
    return addr


class EmailOptions(ChannelOptions):
    """SMTP ``host``/``port``, ``security``, ``username``/``password`` (``${VAR}``), ``from``
    (``显示名 <addr>``), ``to`` (addresses), ``timeout`` (s), ``ca_file`` (PEM CAs to trust
    instead of the system's, for a private relay)."""

    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)

    host: str = Field(min_length=1)
    port: int | None = Field(default=None, ge=1, le=65535)
    security: Literal["starttls", "ssl", "none"] = "starttls"
    username: str | None = None
    password: SecretRef | None = None
    sender: str = Field(alias="from")
    to: list[str] = Field(min_length=1)
    timeout: float = Field(default=30.0, gt=0, le=600)
    ca_file: str | None = None

    @field_validator("sender")
    @classmethod
    def _sender(cls, value: str) -> str:
        _address(value)
        return value

    @field_validator("to")
    @classmethod
    def _recipients(cls, values: list[str]) -> list[str]:
        for value in values:
            _address(value)
        return values

    @model_validator(mode="after")
    def _login(self) -> EmailOptions:
        if (self.username is None) != (self.password is None):
            raise ValueError("username and password go together: give both or neither")
        if self.password and self.security == "none" and self.host not in LOOPBACK_HOSTS:
            raise ValueError("a login needs security: starttls or ssl (or a relay on localhost)")
        return self

    @property
    def effective_port(self) -> int:
        return self.port or DEFAULT_PORTS[self.security]


def message_id(key: str) -> str:
    """``<key@eduwatch>``; characters a msg-id cannot hold become ``=XX`` (UTF-8), injectively."""
    local = "".join(
        ch if ch in _ID_CHARS else "".join(f"={b:02X}" for b in ch.encode("utf-8")) for ch in key
    )
    return f"<{local}@{MESSAGE_ID_DOMAIN}>"


def build_message(alert: Alert, sender: str, to: list[str], now: datetime) -> EmailMessage:
    name, addr = parseaddr(sender)
    message = EmailMessage(policy=MESSAGE_POLICY)
    message["Subject"] = alert.subject
    message["From"] = Address(display_name=name, addr_spec=addr)
    message["To"] = ", ".join(to)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id(alert.key)
    message["Auto-Submitted"] = "auto-generated"
    message["X-Eduwatch-Delivery"] = alert.key
    message.set_content(alert.text, subtype="plain", charset="utf-8")
    message.add_alternative(alert.html, subtype="html", charset="utf-8")
    return message


class EmailChannel(Channel):
    kind = "email"
    Options = EmailOptions

    def __init__(self, options: ChannelOptions) -> None:
        if not isinstance(options, EmailOptions):
            raise TypeError(f"expected EmailOptions, got {type(options).__name__}")
        super().__init__(options)
        self.config = options
        self.label = f"email {options.host}:{options.effective_port}"
        self._secrets = Secrets(self.label)
        self._password = self._secrets.resolve(options.password) if options.password else None
        self._tls = self._tls_context(options.ca_file) if options.security != "none" else None

    def _tls_context(self, ca_file: str | None) -> ssl.SSLContext:
        try:
            return ssl.create_default_context(cafile=ca_file)
        except (OSError, ssl.SSLError) as error:
            raise ChannelConfigError(
                f"{self.label}: cannot read ca_file {ca_file}: {error}"
            ) from None

    async def send(self, alert: Alert) -> None:
        now = datetime.now(SHANGHAI)
        message = build_message(alert, self.config.sender, self.config.to, now)
        await asyncio.to_thread(self._deliver, message)

    def _deliver(self, message: EmailMessage) -> None:
        try:
            refused = self._submit(message)
        except (smtplib.SMTPException, OSError) as error:
            retryable, reason = classify(error, self.config.timeout)
            message_text = self._secrets.redact(f"{self.label}: {reason}")
            raise DeliveryError(message_text, retryable=retryable) from None
        if refused:
            addresses = ", ".join(sorted(refused))
            message_text = f"{self.label}: refused recipients {addresses} (the others got it)"
            raise DeliveryError(message_text, retryable=False)

    def _submit(self, message: EmailMessage) -> dict[str, tuple[int, bytes]]:
        options, port = self.config, self.config.effective_port
        client: smtplib.SMTP
        if options.security == "ssl":
            client = smtplib.SMTP_SSL(
                options.host, port, timeout=options.timeout, context=self._tls
            )
        else:
            client = smtplib.SMTP(options.host, port, timeout=options.timeout)
        with client:
            if options.security == "starttls":
                client.starttls(context=self._tls)
            if options.username and self._password:
                log_in(client, options.username, self._password)
            sender = parseaddr(options.sender)[1]
            recipients = [parseaddr(to)[1] for to in options.to]
            return client.send_message(message, from_addr=sender, to_addrs=recipients)


def log_in(client: smtplib.SMTP, username: str, password: str) -> None:
    """smtplib's login, which takes ASCII only; AUTH PLAIN in UTF-8 (RFC 4616) otherwise."""
    if username.isascii() and password.isascii():
        client.login(username, password)
        return
    client.ehlo_or_helo_if_needed()
    if "plain" not in client.esmtp_features.get("auth", "").lower().split():
        raise smtplib.SMTPNotSupportedError("AUTH PLAIN, needed for a non-ASCII login")
    token = base64.b64encode(b"\0" + username.encode() + b"\0" + password.encode()).decode()
    code, reply = client.docmd("AUTH", f"PLAIN {token}")
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, reply)


def classify(error: smtplib.SMTPException | OSError, timeout: float) -> tuple[bool, str]:
    """(retryable, reason) for a failed submission."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        listed = ", ".join(f"{addr} ({code})" for addr, (code, _) in error.recipients.items())
        return all(400 <= c < 500 for c in codes), f"all recipients refused: {listed}"
    if isinstance(error, smtplib.SMTPResponseException):
        reply = (
            error.smtp_error.decode("utf-8", "replace")
            if isinstance(error.smtp_error, bytes)
            else str(error.smtp_error)
        )
        kind = type(error).__name__
        return 400 <= error.smtp_code < 500, f"{kind} {error.smtp_code} {' '.join(reply.split())}"
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return False, f"the server does not support it: {error}"
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return True, f"the server closed the connection: {error}"
    if isinstance(error, smtplib.SMTPException):
        return True, f"{type(error).__name__}: {error}"
    if isinstance(error, ssl.SSLCertVerificationError):
        return False, f"the server's TLS certificate was not accepted: {error.verify_message}"
    if isinstance(error, ssl.SSLError):
        return True, f"TLS error: {error.reason or error}"
    if isinstance(error, TimeoutError):
        return True, f"no answer within {timeout:g} s"
    return True, f"cannot connect: {error.strerror or type(error).__name__}"
