"""The outbox worker: sends the due deliveries, records every attempt, retries with backoff.

    outbox = Outbox(store, ChannelBook(subscribers, config.operator), config.outbox)
    await outbox.run(stop)          # `workers` loops until ``stop`` is set
    await outbox.drain()            # or: send everything due now, then return

Each loop claims one delivery (or one digest batch) in its own transaction, renders it, sends it
through its channel and records the outcome in another transaction (monitor.store.outbox_queue).
A failed send is retried after ``retry_base * 2**(n-1)`` (at most ``retry_max``, the upper half
of it random); after ``max_attempts``, or on an error retrying cannot help, it is `dead` and the
operator is told. Every message carries the delivery's idempotency key, the same on each retry.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import secrets
import socket
from collections.abc import Callable
from datetime import datetime, timedelta

from loguru import logger
from sqlalchemy.exc import SQLAlchemyError

from monitor.alerts.contract import Alert, AlertContent, Channel, DeliveryError, shanghai
from monitor.alerts.digest import render_digest, render_notice
from monitor.alerts.routing import OPERATOR, SERVICE_KINDS
from monitor.alerts.subscribers import ChannelSpec, SubscribersConfig, channel_kinds
from monitor.config import OperatorSection, OutboxSection
from monitor.store import Store
from monitor.store import outbox_queue as queue
from monitor.store.types import utcnow

Renderer = Callable[[AlertContent, str], Alert]
STORE_RETRY = 5.0  # seconds between tries when the store cannot be reached


class ChannelBook:
    """The channels of one loaded configuration, each built once: (subscriber, name) -> Channel."""

    def __init__(self, subscribers: SubscribersConfig, operator: OperatorSection) -> None:
        self._specs: dict[tuple[str, str], ChannelSpec] = {
            (sub.name, spec.label): spec for sub in subscribers.active for spec in sub.channels
        }
        self._specs.update({(OPERATOR, spec.label): spec for spec in operator.channels})
        self._built: dict[tuple[str, str], Channel] = {}

    def channel(self, subscriber: str, name: str) -> Channel:
        """The channel, or DeliveryError (not retryable) when it is no longer configured."""
        key = (subscriber, name)
        if key not in self._built:
            spec = self._specs.get(key)
            if spec is None:
                raise DeliveryError(
                    f"{subscriber}/{name}: no such subscriber channel in the configuration",
                    retryable=False,
                )
            self._built[key] = build_channel(spec)
        return self._built[key]


def build_channel(spec: ChannelSpec) -> Channel:
    """The channel of ``spec`` (its ``${NAME}`` references resolved by the channel itself)."""
    try:
        from monitor.alerts.channels import channel_for
    except ImportError:
        return channel_kinds()[spec.kind](spec.validated)
    return channel_for(spec.kind, spec.validated)


def backoff(
    attempt: int, base: timedelta, maximum: timedelta, draw: Callable[[], float] = random.random
) -> timedelta:
    """The wait after failed attempt ``attempt`` (1-based): exponential, capped, equal jitter."""
    ceiling = min(maximum.total_seconds(), base.total_seconds() * 2 ** min(attempt - 1, 30))
    return timedelta(seconds=ceiling / 2 + draw() * ceiling / 2)


def worker_identity(token: str | None = None) -> str:
    """``host:pid:token``: who holds a claim, so a restart can tell its own dead claims."""
    return f"{socket.gethostname()}:{os.getpid()}:{token or secrets.token_hex(4)}"


def default_renderer(content: AlertContent, key: str) -> Alert:
    """The event renderer (monitor.alerts.render); operator notices it does not know here."""
    if content.kind in SERVICE_KINDS:
        return render_notice(content, key)
    from monitor.alerts.render import render_alert

    return render_alert(content, key)


class Outbox:
    """Sends the store's due deliveries through the channels of ``book``."""

    def __init__(
        self,
        store: Store,
        book: ChannelBook,
        settings: OutboxSection,
        *,
        renderer: Renderer = default_renderer,
        identity: str | None = None,
    ) -> None:
        self.store = store
        self.book = book  # replaced on a configuration reload
        self.settings = settings
        self.renderer = renderer
        self.identity = identity or worker_identity()
        self._wakeup = asyncio.Event()

    def wake(self) -> None:
        """Look for due deliveries now rather than at the next poll."""
        self._wakeup.set()

    async def run(self, stop: asyncio.Event) -> None:
        """``workers`` loops, each sending one delivery at a time, until ``stop`` is set; a send
        in flight when it is set is finished and recorded."""
        loops = [self._loop(stop) for _ in range(self.settings.workers)]
        await asyncio.gather(*loops)

    async def drain(self) -> int:
        """Send everything due now (one at a time); returns how many messages were attempted."""
        count = 0
        while await self.deliver_one():
            count += 1
        return count

    async def _loop(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                if await self.deliver_one():
                    continue
            except SQLAlchemyError as error:  # the store is away: a claim waits for its lease
                logger.warning("outbox: the store is unavailable ({}); trying again", error)
                await _sleep_unless(stop, STORE_RETRY)
                continue
            self._wakeup.clear()
            waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._wakeup.wait())]
            poll = self.settings.poll.total_seconds()
            await asyncio.wait(waits, timeout=poll, return_when=asyncio.FIRST_COMPLETED)
            for waiting in waits:
                waiting.cancel()

    async def deliver_one(self) -> bool:
        """Claim, send and record one message; False when nothing is due."""
        claim = await asyncio.to_thread(self._claim)
        if claim is None:
            return False
        try:
            await self._attempt(claim)
        except asyncio.CancelledError:
            await asyncio.shield(asyncio.to_thread(self._interrupted, claim))
            raise
        return True

    def _claim(self) -> queue.Claim | None:
        with self.store.transaction() as session:
            return queue.claim_next(session, self.identity, utcnow(), self.settings.lease)

    async def _attempt(self, claim: queue.Claim) -> None:
        timeout = self.settings.send_timeout.total_seconds()
        try:
            alert = self._render(claim)
            channel = self.book.channel(claim.subscriber, claim.channel)
            await asyncio.wait_for(channel.send(alert), timeout)
        except DeliveryError as error:
            await asyncio.to_thread(self._failed, claim, str(error), error.retryable)
        except TimeoutError:
            await asyncio.to_thread(self._failed, claim, f"no answer within {timeout:g} s", True)
        except Exception as error:  # the boundary of one send: a bug never stops the outbox
            logger.exception("delivery {} raised", claim.ids[0])
            await asyncio.to_thread(self._failed, claim, f"{type(error).__name__}: {error}", True)
        else:
            await asyncio.to_thread(self._sent, claim)

    def _render(self, claim: queue.Claim) -> Alert:
        if not claim.digest:
            return self.renderer(claim.contents[0], claim.key)
        alerts = [self.renderer(content, claim.key) for content in claim.contents]
        return render_digest(alerts, claim.subscriber, claim.key, shanghai(utcnow()))

    def _sent(self, claim: queue.Claim) -> None:
        with self.store.transaction() as session:
            queue.record_sent(session, claim, self.identity, utcnow())
        logger.info(
            "sent delivery {} to {}/{} (attempt {}, {} item(s), key {})",
            claim.ids[0], claim.subscriber, claim.channel, claim.attempt, len(claim.ids), claim.key,
        )  # fmt: skip

    def _failed(self, claim: queue.Claim, error: str, retryable: bool) -> None:
        now = utcnow()
        retry_at = self._retry_at(claim.attempt, now) if retryable else None
        with self.store.transaction() as session:
            dead = queue.record_failure(session, claim, self.identity, now, error, retry_at)
        where = f"{claim.subscriber}/{claim.channel}"
        if dead:
            logger.error(
                "delivery {} to {} is dead after {} attempt(s): {}",
                claim.ids[0], where, claim.attempt, error,
            )  # fmt: skip
            self.wake()  # the operator's notice of it
        else:
            logger.warning(
                "delivery {} to {} failed (attempt {}): {}; retry at {}",
                claim.ids[0], where, claim.attempt, error, retry_at and shanghai(retry_at),
            )  # fmt: skip

    def _retry_at(self, attempt: int, now: datetime) -> datetime | None:
        if attempt >= self.settings.max_attempts:
            return None
        return now + backoff(attempt, self.settings.retry_base, self.settings.retry_max)

    def _interrupted(self, claim: queue.Claim) -> None:
        """A send cut short by shutdown: its claim is freed, the attempt marked interrupted."""
        with self.store.transaction() as session:
            queue.release_claims(session, utcnow(), lambda holder: holder == self.identity)

    def release_abandoned(self) -> int:
        """At start: free the claims that earlier runs of the service on this host left."""
        host, pid, _ = self.identity.split(":", 2)

        def abandoned(holder: str) -> bool:
            their_host, their_pid, _ = [*holder.split(":", 2), "", ""][:3]
            if holder == self.identity or their_host != host:
                return False
            return their_pid == pid or not _alive(their_pid)

        with self.store.transaction() as session:
            return queue.release_claims(session, utcnow(), abandoned)

    async def seal_digest(self, subscriber: str, channels: tuple[str, ...]) -> int:
        """It is ``subscriber``'s digest time: batch what waits for each channel, send it."""

        def seal() -> int:
            with self.store.transaction() as session:
                return sum(queue.seal_digest(session, subscriber, c, utcnow()) for c in channels)

        count = await asyncio.to_thread(seal)
        if count:
            logger.info("digest of {}: {} item(s) to send", subscriber, count)
            self.wake()
        return count


async def _sleep_unless(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


def _alive(pid_text: str) -> bool:
    if not pid_text.isdigit():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


__all__ = ["ChannelBook", "Outbox", "backoff", "build_channel", "worker_identity"]
