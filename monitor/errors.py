"""Typed errors of the service half; each says what went wrong in words an operator can act on."""

from __future__ import annotations

from collections.abc import Sequence

from crawler.sites import ConfigError as SiteFileProblem


class EduwatchError(Exception):
    """The root of eduwatch's own errors."""


class ConfigError(EduwatchError):
    """A configuration file that cannot be used; each problem names the file, line and key.

    ``problems`` are ``crawler.sites.ConfigError`` records (``file:line: key: expected ...``),
    the same as the site files give, so `eduwatch check-config` can list them all."""

    def __init__(self, problems: Sequence[SiteFileProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


class StoreError(EduwatchError):
    """The store cannot do what was asked (unreachable database, failed migration ...)."""


class NotFoundError(StoreError):
    """No row answers to the given id or URL."""


class ConcurrentIngestError(StoreError):
    """Another worker stored the same article change first; the caller may retry once."""


class IngestError(EduwatchError):
    """An article that cannot be ingested as given (naive timestamp, unknown crawl run ...)."""
