"""Alerts: the contract (``contract``), rendering (``render.render_alert``), the channels
(``channels.channel_for``); routing, the outbox and the service live beside them.

``render_alert`` and ``channel_for`` load on first use, so importing the contract stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from monitor.alerts.contract import (
    Alert,
    AlertAttachment,
    AlertContent,
    Channel,
    ChannelOptions,
    DeliveryError,
)

if TYPE_CHECKING:
    from monitor.alerts.channels import channel_for
    from monitor.alerts.render import render_alert

__all__ = [
    "Alert",
    "AlertAttachment",
    "AlertContent",
    "Channel",
    "ChannelOptions",
    "DeliveryError",
    "channel_for",
    "render_alert",
]

_LAZY = {"render_alert": "monitor.alerts.render", "channel_for": "monitor.alerts.channels"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
