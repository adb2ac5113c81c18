"""Secrets in channel options: ``${ENV_VAR}`` references, resolved from the environment when a
channel is built, never logged, and blanked out of every error message a channel raises.

A secret field holds only a reference (``password: ${SMTP_PASSWORD}``): a secret written in the
configuration itself is refused. Other fields (a webhook URL, a header) may embed references;
whatever comes from the environment is hidden from error messages.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Annotated
from urllib.parse import quote

from pydantic import AfterValidator

from monitor.alerts.contract import DeliveryError

_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_HIDDEN = "***"


def _only_reference(value: str) -> str:
    if not _REFERENCE.fullmatch(value):
        raise ValueError(
            "expected a reference to an environment variable such as ${SMTP_PASSWORD}; "
            "secrets are never written in the configuration"
        )
    return value


SecretRef = Annotated[str, AfterValidator(_only_reference)]
"""A configuration value that must be exactly ``${NAME}``."""


class ChannelConfigError(DeliveryError):
    """A channel that cannot be built as configured (an unset environment variable ...)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, retryable=False)


class Secrets:
    """Resolves one channel's ``${NAME}`` references and hides the values from its messages."""

    def __init__(self, label: str, environ: Mapping[str, str] | None = None) -> None:
        self.label = label
        self._environ = os.environ if environ is None else environ
        self._hidden: list[str] = []

    def resolve(self, text: str) -> str:
        """``text`` with each ``${NAME}`` replaced by the variable's value (names, never values,
        in the error when one is unset or empty)."""
        return _REFERENCE.sub(self._value_of, text)

    def hide(self, *values: str | None) -> None:
        """Hide these values too, as written and URL-encoded; longest first, so a secret that
        contains another is hidden whole."""
        forms = {form for v in values if v for form in (v, quote(v, safe=""))}
        self._hidden = sorted({*self._hidden, *forms}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for value in self._hidden:
            text = text.replace(value, _HIDDEN)
        return text

    def _value_of(self, match: re.Match[str]) -> str:
        value = self._environ.get(match[1], "")
        if not value:
            raise ChannelConfigError(f"{self.label}: environment variable {match[1]} is not set")
        self.hide(value)
        return value
