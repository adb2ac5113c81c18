"""Alert channels against real servers on loopback: an SMTP server (aiosmtpd, with STARTTLS,
implicit TLS and login), an HTTP receiver for webhooks, and a strict verifier of the DingTalk,
WeCom and Feishu robot APIs (signatures checked as the real services check them)."""

from __future__ import annotations

import argparse
import asyncio
import base64
import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pydantic import ValidationError

from monitor.alerts.channels import ChannelConfigError, channel_for, channel_kinds
from monitor.alerts.channels.chatbots import TRUNCATION_MARK, WeComChannel, _with_query, fit
from monitor.alerts.channels.email import EmailChannel, EmailOptions, message_id
from monitor.alerts.contract import Alert, Channel, DeliveryError
from monitor.alerts.render import render_alert
from monitor.commands.test_alert import run_test_alert, sample_content, send_test_alert
from tests.test_alert_render import HOSTILE, URL, revised

PASSWORD = "s3cret-密码+/="  # smtplib's login takes ASCII only: AUTH PLAIN in UTF-8 then
ASCII_PASSWORD = "s3cret+/=ascii"
SIGNING = "SEC0a1b2c3d4e5f+/="
HANG = -1


def alert(key: str = "revised:7:zhaosheng:hook") -> Alert:
    return render_alert(revised(), key)


def send(channel: Channel, item: Alert) -> None:
    asyncio.run(channel.send(item))


def failure(channel: Channel, item: Alert) -> DeliveryError:
    with pytest.raises(DeliveryError) as caught:
        send(channel, item)
    return caught.value


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- SMTP ----------------------------------------------------------------------------------


@dataclass
class Mailbox:
    messages: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    rcpt_reply: str | None = None

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.original_content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 Message accepted"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (the client trusts it through ca_file)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def check_login(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    logins = {(b"monitor", PASSWORD.encode()), (b"monitor", ASCII_PASSWORD.encode())}
    ok = isinstance(data, LoginPassword) and tuple(data) in logins
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def smtp_server() -> Iterator[Callable[..., tuple[Mailbox, int]]]:
    controllers: list[Controller] = []

    def start(**smtp_options: Any) -> tuple[Mailbox, int]:
        mailbox, port = Mailbox(), closed_port()
        controller = Controller(mailbox, hostname="127.0.0.1", port=port, **smtp_options)
        controller.start()
        controllers.append(controller)
        return mailbox, port

    yield start
    for controller in controllers:
        controller.stop()


def email_channel(port: int, **options: Any) -> Channel:
    config = {
        "host": "127.0.0.1",
        "port": port,
        "security": "none",
        "from": "教育动态监控 <monitor@example.com>",
        "to": ["张老师 <zhang@example.com>", "li@example.com"],
        "timeout": 5,
        **options,
    }
    return channel_for("email", config)


def test_email_arrives_multipart_with_chinese_subject_and_names_decoded_exactly(
    smtp_server: Callable[..., tuple[Mailbox, int]],
) -> None:
    mailbox, port = smtp_server()
    item = alert()
    send(email_channel(port), item)
    [(recipients, message)] = mailbox.messages
    assert recipients == ["zhang@example.com", "li@example.com"]
    assert message["Subject"] == item.subject
    assert message["From"].addresses[0].display_name == "教育动态监控"
    assert message["From"].addresses[0].addr_spec == "monitor@example.com"
    assert message["To"].addresses[0].display_name == "张老师"
    raw = message.as_bytes(policy=policy.SMTP)
    assert raw.isascii() and b"=?utf-8?" in raw.split(b"\r\n\r\n")[0]  # RFC 2047 headers
    assert message.get_content_type() == "multipart/alternative"
    plain, html = message.iter_parts()
    assert plain.get_content_type() == "text/plain" and html.get_content_type() == "text/html"
    assert plain.get_content_charset() == "utf-8" and html.get_content_charset() == "utf-8"
    # Text travels in its canonical form, CRLF line ends.
    assert plain.get_content().replace("\r\n", "\n") == item.text
    assert html.get_content().replace("\r\n", "\n") == item.html
    assert message["Message-ID"] == "<revised=3A7=3Azhaosheng=3Ahook@eduwatch>"


def test_message_id_is_stable_per_key_and_distinct_between_keys(
    smtp_server: Callable[..., tuple[Mailbox, int]],
) -> None:
    mailbox, port = smtp_server()
    channel = email_channel(port)
    for key in ("new:1:张三:mail", "new:1:张三:mail", "new:2:张三:mail"):
        send(channel, alert(key))
    ids = [message["Message-ID"] for _, message in mailbox.messages]
    assert ids[0] == ids[1] != ids[2]
    assert ids[0] == message_id("new:1:张三:mail") and ids[0].isascii()
    assert message_id("a=3A") != message_id("a:")  # the escape cannot collide


@pytest.mark.parametrize(
    ("security", "password"),
    [("starttls", PASSWORD), ("starttls", ASCII_PASSWORD), ("ssl", PASSWORD)],
)
def test_email_over_tls_with_login(
    smtp_server: Callable[..., tuple[Mailbox, int]],
    certificate: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
    security: str,
    password: str,
) -> None:
    cert_file, key_file = certificate
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(cert_file, key_file)
    tls: dict[str, Any] = {"tls_context": server_tls, "require_starttls": True}
    tls["auth_required"] = True
    if security == "ssl":  # aiosmtpd counts only STARTTLS as TLS for AUTH
        tls = {"ssl_context": server_tls, "auth_require_tls": False}
    mailbox, port = smtp_server(authenticator=check_login, **tls)
    monkeypatch.setenv("EDUWATCH_TEST_SMTP_PASSWORD", password)
    login = {"username": "monitor", "password": "${EDUWATCH_TEST_SMTP_PASSWORD}"}
    channel = email_channel(port, security=security, ca_file=str(cert_file), **login)
    send(channel, alert())
    assert len(mailbox.messages) == 1

    monkeypatch.setenv("EDUWATCH_TEST_SMTP_PASSWORD", "wrong-" + password)
    refused = failure(
        email_channel(port, security=security, ca_file=str(cert_file), **login), alert()
    )
    assert not refused.retryable and "535" in str(refused)
    assert password not in str(refused) and "wrong-" not in str(refused)

    untrusted = email_channel(port, security=security, **login)  # the system CAs only
    assert not failure(untrusted, alert()).retryable


def test_smtp_server_down_is_retryable_and_names_the_channel_not_the_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("EDUWATCH_TEST_SMTP_PASSWORD", PASSWORD)
    port = closed_port()
    channel = email_channel(
        port, security="starttls", username="monitor", password="${EDUWATCH_TEST_SMTP_PASSWORD}"
    )
    error = failure(channel, alert())
    assert error.retryable
    assert f"email 127.0.0.1:{port}" in str(error) and "cannot connect" in str(error)
    assert PASSWORD not in str(error) and PASSWORD not in repr(channel.options)


@pytest.mark.parametrize(
    ("reply", "retryable"), [("451 4.3.0 try later", True), ("550 5.1.1 no such user", False)]
)
def test_refused_recipients_retry_only_on_4xx(
    smtp_server: Callable[..., tuple[Mailbox, int]], reply: str, retryable: bool
) -> None:
    mailbox, port = smtp_server()
    mailbox.rcpt_reply = reply
    error = failure(email_channel(port, to=["nobody@example.com"]), alert())
    assert error.retryable is retryable and reply[:3] in str(error)


def test_email_options_are_checked() -> None:
    base = {"host": "smtp.example.com", "from": "监控 <m@example.com>", "to": ["a@example.com"]}
    assert EmailOptions.model_validate(base).effective_port == 587
    for wrong in (
        {**base, "password": "hunter2", "username": "m"},  # a secret written in the config
        {**base, "username": "m"},  # a login without a password
        {**base, "to": ["not an address"]},
        {**base, "smtp_host": "x"},  # extra="forbid"
        {**base, "security": "tls"},
        {**base, "security": "none", "username": "m", "password": "${P}"},  # login in clear
    ):
        with pytest.raises(ValidationError) as caught:
            EmailOptions.model_validate(wrong)
        assert "hunter2" not in str(caught.value)


def test_unset_secret_is_named_when_the_channel_is_built(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EDUWATCH_TEST_UNSET", raising=False)
    with pytest.raises(ChannelConfigError, match="EDUWATCH_TEST_UNSET is not set") as caught:
        email_channel(1, security="ssl", username="m", password="${EDUWATCH_TEST_UNSET}")
    assert not caught.value.retryable
    with pytest.raises(ChannelConfigError, match=r"cannot read ca_file /nonexistent/ca\.pem"):
        email_channel(1, security="starttls", ca_file="/nonexistent/ca.pem")


# --- HTTP receivers ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


Responder = Callable[[Request], tuple[int, Any]]


class Receiver:
    """A real HTTP server on 127.0.0.1; ``respond`` decides each answer (HANG: never answer)."""

    def __init__(self, respond: Responder) -> None:
        self.requests: list[Request] = []
        self.respond = respond
        self.release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                parts = urlsplit(self.path)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = {k.lower(): v for k, v in self.headers.items()}
                request = Request(parts.path, dict(parse_qsl(parts.query)), headers, body)
                receiver.requests.append(request)
                status, answer = receiver.respond(request)
                if status == HANG:
                    receiver.release.wait(10)
                    return
                data = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Callable[[Responder], Receiver]]:
    started: list[Receiver] = []

    def start(respond: Responder) -> Receiver:
        started.append(Receiver(respond))
        return started[-1]

    yield start
    for item in started:
        item.stop()


# --- webhook -----------------------------------------------------------------------------------


def test_webhook_posts_the_payload_signed_with_an_idempotency_key(
    receiver: Callable[[Responder], Receiver], monkeypatch: pytest.MonkeyPatch
) -> None:
    hook = receiver(lambda request: (200, b"ok"))
    monkeypatch.setenv("EDUWATCH_TEST_HOOK_SECRET", SIGNING)
    options = {"url": f"{hook.url}/hook", "secret": "${EDUWATCH_TEST_HOOK_SECRET}"}
    item = alert("revised:7:招生办:hook")
    send(channel_for("webhook", options), item)
    [request] = hook.requests
    assert request.path == "/hook"
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.body.decode("utf-8")) == item.payload
    expected = hmac.new(SIGNING.encode(), request.body, hashlib.sha256).hexdigest()
    assert request.headers["x-eduwatch-signature"] == f"sha256={expected}"
    key = "revised:7:%E6%8B%9B%E7%94%9F%E5%8A%9E:hook"  # percent-encoded UTF-8 in a header
    assert request.headers["idempotency-key"] == request.headers["x-eduwatch-delivery"] == key
    assert request.headers["x-eduwatch-event"] == "revised"
    assert HOSTILE in request.body.decode("utf-8")  # page text raw in JSON, JSON-encoded


def test_webhook_without_secret_sends_no_signature(
    receiver: Callable[[Responder], Receiver],
) -> None:
    hook = receiver(lambda request: (204, b""))
    send(channel_for("webhook", {"url": hook.url, "headers": {"X-Team": "招生"}}), alert())
    [request] = hook.requests
    assert "x-eduwatch-signature" not in request.headers
    assert request.headers["idempotency-key"] == "revised:7:zhaosheng:hook"


@pytest.mark.parametrize(
    ("status", "retryable"),
    [(500, True), (503, True), (429, True), (408, True), (400, False), (404, False), (301, False)],
)
def test_webhook_status_decides_retry(
    receiver: Callable[[Responder], Receiver], status: int, retryable: bool
) -> None:
    hook = receiver(lambda request: (status, b"nope"))
    error = failure(channel_for("webhook", {"url": hook.url}), alert())
    assert error.retryable is retryable and f"HTTP {status}" in str(error)


def test_hanging_webhook_times_out_retryable(receiver: Callable[[Responder], Receiver]) -> None:
    hook = receiver(lambda request: (HANG, b""))
    error = failure(channel_for("webhook", {"url": hook.url, "timeout": 0.3}), alert())
    assert error.retryable and "no answer within 0.3 s" in str(error)


def test_webhook_connection_refused_is_retryable() -> None:
    url = f"http://127.0.0.1:{closed_port()}/hook"
    error = failure(channel_for("webhook", {"url": url}), alert())
    assert error.retryable and "cannot connect" in str(error)


def test_tokens_from_the_environment_never_reach_error_messages(
    receiver: Callable[[Responder], Receiver], monkeypatch: pytest.MonkeyPatch
) -> None:
    hook = receiver(lambda request: (500, f"bad path {request.path}".encode()))
    monkeypatch.setenv("EDUWATCH_TEST_TOKEN", "tok-9f8e7d")
    channel = channel_for("webhook", {"url": f"{hook.url}/t/${{EDUWATCH_TEST_TOKEN}}"})
    error = failure(channel, alert())
    assert hook.requests[0].path == "/t/tok-9f8e7d"
    assert "tok-9f8e7d" not in str(error) and "bad path /t/***" in str(error)
    assert "${EDUWATCH_TEST_TOKEN}" in str(error)  # the label shows the reference


def test_webhook_options_are_checked() -> None:
    for wrong in (
        {"url": "ftp://example.com/x"},
        {"url": "https://example.com", "secret": "plain-text"},
        {"url": "https://example.com", "headers": {"Idempotency-Key": "x"}},
        {"url": "https://example.com", "retries": 3},
    ):
        with pytest.raises(ValidationError):
            channel_for("webhook", wrong)


# --- chat robots -------------------------------------------------------------------------------


@dataclass
class RobotApis:
    """DingTalk, WeCom and Feishu as strict as the real ones: token, signature, size; refusals
    come back as HTTP 200 with a non-zero errcode/code."""

    token: str = "tok123"
    secret: str = SIGNING
    refuse: dict[str, Any] | None = None  # answer this instead (rate limits ...)
    accepted: list[dict[str, Any]] = field(default_factory=list)

    def __call__(self, request: Request) -> tuple[int, Any]:
        body = json.loads(request.body.decode("utf-8"))
        if request.path == "/robot/send":
            answer = self.dingtalk(request.query, body)
        elif request.path == "/cgi-bin/webhook/send":
            answer = self.wecom(request.query, body)
        else:
            answer = self.feishu(request.path, body, len(request.body))
        if answer.get("errcode", answer.get("code")) == 0:
            answer = self.refuse or answer
        if answer.get("errcode", answer.get("code")) == 0:
            self.accepted.append(body)
        return 200, answer

    def dingtalk(self, query: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        if query.get("access_token") != self.token:
            return {"errcode": 300001, "errmsg": "token is not exist"}
        timestamp = query.get("timestamp", "0")
        digest = hmac.new(self.secret.encode(), f"{timestamp}\n{self.secret}".encode(), "sha256")
        if query.get("sign") != base64.b64encode(digest.digest()).decode():
            return {"errcode": 310000, "errmsg": "sign not match"}
        if abs(time.time() * 1000 - int(timestamp)) > 3600_000:
            return {"errcode": 310000, "errmsg": "timestamp expired"}
        if body.get("msgtype") != "markdown" or not body["markdown"].get("title"):
            return {"errcode": 40035, "errmsg": "missing parameter"}
        return {"errcode": 0, "errmsg": "ok"}

    def wecom(self, query: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        if query.get("key") != self.token:
            return {"errcode": 93000, "errmsg": "invalid webhook url"}
        if len(body["markdown"]["content"].encode("utf-8")) > 4096:
            return {"errcode": 40058, "errmsg": "markdown.content exceed max length 4096"}
        return {"errcode": 0, "errmsg": "ok"}

    def feishu(self, path: str, body: dict[str, Any], size: int) -> dict[str, Any]:
        if path != f"/open-apis/bot/v2/hook/{self.token}":
            return {"code": 19001, "msg": "param invalid: incoming webhook access token invalid"}
        key = f"{body.get('timestamp')}\n{self.secret}".encode()
        sign = base64.b64encode(hmac.new(key, b"", "sha256").digest()).decode()
        fresh = abs(time.time() - int(body.get("timestamp", 0))) < 3600
        if body.get("sign") != sign or not fresh:
            return {"code": 19021, "msg": "sign match fail or timestamp is not within one hour"}
        if size > 20 * 1024:
            return {"code": 9499, "msg": "Bad Request: request body too large"}
        return {"code": 0, "msg": "success"}


ROBOT_OPTIONS = {
    "dingtalk": lambda url, env: {
        "endpoint": f"{url}/robot/send",
        "access_token": "${EDUWATCH_TEST_ROBOT_TOKEN}",
        "secret": f"${{{env}}}",
    },
    "wecom": lambda url, env: {
        "endpoint": f"{url}/cgi-bin/webhook/send",
        "key": "${EDUWATCH_TEST_ROBOT_TOKEN}",
    },
    "feishu": lambda url, env: {
        "endpoint": f"{url}/open-apis/bot/v2/hook",
        "token": "${EDUWATCH_TEST_ROBOT_TOKEN}",
        "secret": f"${{{env}}}",
    },
}


@pytest.fixture
def robots(
    receiver: Callable[[Responder], Receiver], monkeypatch: pytest.MonkeyPatch
) -> tuple[RobotApis, Callable[[str], Channel]]:
    apis = RobotApis()
    server = receiver(apis)
    monkeypatch.setenv("EDUWATCH_TEST_ROBOT_TOKEN", apis.token)
    monkeypatch.setenv("EDUWATCH_TEST_ROBOT_SECRET", apis.secret)
    monkeypatch.setenv("EDUWATCH_TEST_WRONG_SECRET", "SECwrong")

    def robot(kind: str, secret_env: str = "EDUWATCH_TEST_ROBOT_SECRET") -> Channel:
        return channel_for(kind, ROBOT_OPTIONS[kind](server.url, secret_env))

    return apis, robot


@pytest.mark.parametrize("kind", ["dingtalk", "wecom", "feishu"])
def test_robot_accepts_the_signed_card(
    robots: tuple[RobotApis, Callable[[str], Channel]], kind: str
) -> None:
    apis, robot = robots
    item = alert()
    send(robot(kind), item)
    [body] = apis.accepted
    text = json.dumps(body, ensure_ascii=False)
    assert json.dumps(item.card, ensure_ascii=False)[1:-1] in text  # the whole card, uncut


@pytest.mark.parametrize(("kind", "code"), [("dingtalk", "310000"), ("feishu", "19021")])
def test_robot_with_a_wrong_signing_secret_is_a_delivery_error(
    robots: tuple[RobotApis, Callable[..., Channel]], kind: str, code: str
) -> None:
    apis, robot = robots
    error = failure(robot(kind, "EDUWATCH_TEST_WRONG_SECRET"), alert())
    assert not error.retryable and f"code {code}" in str(error) and apis.accepted == []
    assert "SECwrong" not in str(error) and apis.token not in str(error)


@pytest.mark.parametrize("kind", ["dingtalk", "wecom", "feishu"])
def test_robot_with_a_wrong_token_is_a_delivery_error(
    robots: tuple[RobotApis, Callable[[str], Channel]],
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
) -> None:
    apis, robot = robots
    monkeypatch.setenv("EDUWATCH_TEST_ROBOT_TOKEN", "tok-wrong")
    assert apis.accepted == []
    error = failure(robot(kind), alert())
    assert not error.retryable and "refused" in str(error) and "tok-wrong" not in str(error)


@pytest.mark.parametrize(
    ("kind", "refusal"),
    [
        ("dingtalk", {"errcode": 130101, "errmsg": "send too fast"}),
        ("wecom", {"errcode": 45009, "errmsg": "api freq out of limit"}),
        ("feishu", {"code": 11232, "msg": "frequency limited"}),
    ],
)
def test_robot_rate_limits_are_retryable(
    robots: tuple[RobotApis, Callable[[str], Channel]], kind: str, refusal: dict[str, Any]
) -> None:
    apis, robot = robots
    apis.refuse = refusal
    assert failure(robot(kind), alert()).retryable


def test_robot_answer_that_is_not_json_is_retryable(
    receiver: Callable[[Responder], Receiver], monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy = receiver(lambda request: (200, b"<html>gateway</html>"))
    monkeypatch.setenv("EDUWATCH_TEST_ROBOT_TOKEN", "wecom-key-1")
    channel = channel_for("wecom", {"endpoint": proxy.url, "key": "${EDUWATCH_TEST_ROBOT_TOKEN}"})
    error = failure(channel, alert())
    assert error.retryable and "unexpected answer" in str(error)


@pytest.mark.parametrize(
    ("kind", "limit"), [("wecom", 4096), ("dingtalk", 20000), ("feishu", 20000)]
)
def test_long_cards_are_cut_to_the_limit_with_the_link_kept(
    robots: tuple[RobotApis, Callable[[str], Channel]], kind: str, limit: int
) -> None:
    apis, robot = robots
    paragraphs = "\n\n".join(
        f"第{n}条 报名时间为3月1日至3月15日，请考生及时登录查询。" for n in range(600)
    )
    item = replace(alert(), card=f"### 【新文章】山西省教育厅\n\n{paragraphs}\n")
    send(robot(kind), item)
    [body] = apis.accepted
    card = (
        body["markdown"]["text" if kind == "dingtalk" else "content"]
        if kind != "feishu"
        else body["card"]["elements"][0]["content"]
    )
    assert card.endswith(f"{TRUNCATION_MARK} [原文链接]({URL})")
    assert item.card.startswith(card.split(f"\n\n{TRUNCATION_MARK}")[0])
    size = (
        len(card.encode())
        if kind != "feishu"
        else len(json.dumps(body, ensure_ascii=False).encode())
    )
    assert limit - 200 < size <= limit  # cut near the limit, not far below it


def test_a_huge_rendered_title_is_cut_without_leaving_half_a_link(
    robots: tuple[RobotApis, Callable[[str], Channel]],
) -> None:
    apis, robot = robots
    item = render_alert(replace(revised(), title="关于" + "招生" * 1500 + "的通知"), "k")
    send(robot("wecom"), item)
    card = apis.accepted[0]["markdown"]["content"]
    assert card.count("](") == 1 and card.endswith(f"[原文链接]({URL})")


def test_fit_keeps_a_card_that_fits_and_refuses_an_impossible_limit() -> None:
    def measure(text: str) -> int:
        return len(text.encode())

    card = "### 标题\n\n正文" * 10
    assert fit(card, URL, measure(card), measure, "robot") == card
    cut = fit(card, None, measure(card) - 1, measure, "robot")
    assert cut.endswith("…(内容过长，已截断)") and measure(cut) <= measure(card) - 1
    with pytest.raises(DeliveryError, match="cannot fit") as caught:
        fit(card, URL, 20, measure, "robot")
    assert not caught.value.retryable


def test_dingtalk_sign_is_url_encoded_exactly_once() -> None:
    url = _with_query("https://oapi.dingtalk.com/robot/send", {"sign": "a+b/c=", "t": "1"})
    assert str(url).endswith("?sign=a%2Bb%2Fc%3D&t=1")
    assert dict(parse_qsl(urlsplit(str(url)).query)) == {"sign": "a+b/c=", "t": "1"}


# --- the registry and test-alert ----------------------------------------------------------------


def test_channel_for_knows_the_kinds_and_checks_options() -> None:
    assert channel_kinds() == ["dingtalk", "email", "feishu", "webhook", "wecom"]
    with pytest.raises(ValueError, match="unknown channel kind 'pigeon'; expected one of"):
        channel_for("pigeon", {})
    options = EmailOptions.model_validate(
        {"host": "h", "from": "m@example.com", "to": ["a@example.com"]}
    )
    assert isinstance(channel_for("email", options), EmailChannel)
    with pytest.raises(TypeError):
        channel_for("wecom", options)
    with pytest.raises(TypeError):
        WeComChannel(options)


def test_send_test_alert_reports_each_channel(
    receiver: Callable[[Responder], Receiver],
) -> None:
    hook = receiver(lambda request: (200, b"ok"))
    dead = f"http://127.0.0.1:{closed_port()}/down"
    channels = [channel_for("webhook", {"url": hook.url}), channel_for("webhook", {"url": dead})]
    results = send_test_alert(channels)
    assert results[0] == (f"webhook {hook.url}", None)
    assert results[1][0] == f"webhook {dead}" and "cannot connect" in str(results[1][1])
    payload = json.loads(hook.requests[0].body)
    assert payload["kind"] == "test" and payload["subject"].startswith(
        "[eduwatch] 测试 山西省教育厅"
    )
    assert payload["diff"]["counts"]["changed"] == 2


def test_test_alert_command_sends_to_the_subscriber_and_fails_naming_the_channel(
    receiver: Callable[[Responder], Receiver],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hook = receiver(lambda request: (200, b"ok"))
    monkeypatch.delenv("EDUWATCH_TEST_UNSET", raising=False)
    (tmp_path / "subscribers.yaml").write_text(
        "subscribers:\n"
        "  - name: 招生办\n"
        "    channels:\n"
        f"      - {{kind: webhook, name: hook, options: {{url: '{hook.url}/x'}}}}\n"
        "  - name: 基教处\n"
        "    channels:\n"
        f"      - {{kind: webhook, name: hook, options: {{url: '{hook.url}/y'}}}}\n"
        "      - {kind: wecom, name: bot, options: {key: '${EDUWATCH_TEST_UNSET}'}}\n",
        encoding="utf-8",
    )

    def run(name: str) -> int:
        return run_test_alert(argparse.Namespace(config=tmp_path, subscriber=name))

    assert run("招生办") == 0
    assert capsys.readouterr().out == "ok      hook\n"
    assert [r.path for r in hook.requests] == ["/x"]
    assert run("基教处") == 1
    out = capsys.readouterr().out
    assert "ok      hook\n" in out and "FAILED  bot: wecom robot" in out
    assert "EDUWATCH_TEST_UNSET is not set" in out
    assert run("无此人") == 2 and "no subscriber named '无此人'" in capsys.readouterr().err


def test_the_sample_alert_renders_every_part() -> None:
    content = sample_content(
        dt.datetime(2024, 3, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    )
    item = render_alert(content, "test:1")
    assert "附件1.报名安排.docx" in item.text and "===== 变化" in item.text
    assert "文号：晋教办〔2024〕1号" in item.text and item.card.startswith("### 【测试】")
