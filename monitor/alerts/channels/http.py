"""One HTTP POST for the webhook and chat-robot channels (aiohttp), with the failures sorted
into retryable and not; error messages name the channel and never carry a secret."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
from yarl import URL

from monitor.alerts.contract import DeliveryError

USER_AGENT = "eduwatch/0.1 (+alerts)"
MAX_ANSWER_BYTES = 64 * 1024
RETRYABLE_STATUSES = frozenset({408, 425, 429})
SNIPPET_CHARS = 200


@dataclass(frozen=True, slots=True)
class HttpAnswer:
    status: int
    body: bytes

    def json(self) -> Any:
        """The body as JSON, or None when it is not JSON."""
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return None

    def snippet(self) -> str:
        text = self.body[: SNIPPET_CHARS * 4].decode("utf-8", "replace")
        return " ".join(text.split())[:SNIPPET_CHARS]


async def post(
    url: str | URL,
    body: bytes,
    headers: Mapping[str, str],
    timeout: float,
    label: str,
    redact: Callable[[str], str],
) -> HttpAnswer:
    """POST ``body``; the answer whatever its status, or DeliveryError when none came."""
    all_headers = {"User-Agent": USER_AGENT, **headers}
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as session,
            session.post(url, data=body, headers=all_headers, allow_redirects=False) as response,
        ):
            return HttpAnswer(response.status, await response.content.read(MAX_ANSWER_BYTES))
    except TimeoutError:
        raise DeliveryError(f"{label}: no answer within {timeout:g} s", retryable=True) from None
    except aiohttp.ClientConnectorCertificateError:
        message = f"{label}: the server's TLS certificate was not accepted"
        raise DeliveryError(message, retryable=False) from None
    except aiohttp.ClientConnectorError as error:
        reason = error.os_error.strerror or type(error.os_error).__name__
        raise DeliveryError(redact(f"{label}: cannot connect: {reason}"), retryable=True) from None
    except (aiohttp.InvalidURL, ValueError) as error:
        message = f"{label}: invalid URL or header ({type(error).__name__})"
        raise DeliveryError(message, retryable=False) from None
    except aiohttp.ClientError as error:
        message = redact(f"{label}: {type(error).__name__}: {error}")
        raise DeliveryError(message, retryable=True) from None


def check_status(answer: HttpAnswer, label: str, redact: Callable[[str], str]) -> None:
    """2xx passes; 5xx, 408, 425 and 429 are retryable failures; any other status is not."""
    if 200 <= answer.status < 300:
        return
    retryable = answer.status >= 500 or answer.status in RETRYABLE_STATUSES
    snippet = answer.snippet()
    message = f"{label}: HTTP {answer.status}" + (f": {snippet}" if snippet else "")
    raise DeliveryError(redact(message), retryable=retryable)


def describe_url(url: str) -> str:
    """The URL as configured (``${VAR}`` references unresolved), without its query."""
    return url.split("?", 1)[0].split("#", 1)[0]
