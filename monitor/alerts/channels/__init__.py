"""Alert channels, registered by kind (``Channel.registry``): email, webhook, dingtalk, wecom,
feishu. ``channel_for(kind, options)`` builds one from its config mapping (or checked Options);
``${VAR}`` secrets are resolved from the environment then."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from monitor.alerts.channels import chatbots, email, webhook
from monitor.alerts.channels.secrets import ChannelConfigError
from monitor.alerts.contract import Channel, ChannelOptions

__all__ = ["ChannelConfigError", "channel_for", "channel_kinds", "options_model"]

_MODULES = (chatbots, email, webhook)  # imported for their registrations


def channel_kinds() -> list[str]:
    return sorted(Channel.registry)


def options_model(kind: str) -> type[ChannelOptions]:
    """The pydantic Options of a channel kind (the subscribers config checks against it)."""
    return _channel_class(kind).Options


def channel_for(kind: str, options: Mapping[str, Any] | ChannelOptions) -> Channel:
    """A ready channel: options validated (pydantic ValidationError when they do not fit),
    secrets resolved (ChannelConfigError naming the unset variable)."""
    cls = _channel_class(kind)
    if isinstance(options, ChannelOptions):
        if not isinstance(options, cls.Options):
            raise TypeError(f"{kind} channel: expected {cls.Options.__name__}")
        checked = options
    else:
        checked = cls.Options.model_validate(dict(options))
    return cls(checked)


def _channel_class(kind: str) -> type[Channel]:
    cls = Channel.registry.get(kind)
    if cls is None or getattr(cls, "__abstractmethods__", None):
        known = ", ".join(channel_kinds())
        raise ValueError(f"unknown channel kind {kind!r}; expected one of {known}")
    return cls
