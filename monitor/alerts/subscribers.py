"""`config/subscribers.yaml` -> typed subscribers: who hears of what, through which channels.

    subscribers:
      - name: 招生办                     # unique; deliveries and `eduwatch deliveries` show it
        mode: digest                     # immediate (the default) | digest
        digest: "0 8 * * *"              # when the digest goes out (cron or interval, Shanghai)
        channels:
          - kind: webhook                # a registered channel kind (`Channel.registry`)
            name: hook                   # unique within the subscriber; default: the kind
            options: {url: "https://example.org/hook", secret: "${HOOK_SECRET}"}
        filters:                         # every filter given must match; none given: all
          sites: [shanxi]                # site ids ... or authorities: an event of either matches
          authorities: [教育部]
          categories: [notice, policy]
          keywords: [招生, 高考]          # any of them in the title (or the text, see keywords_in)
          exclude: [招聘]                 # none of them
          keywords_in: title_or_text     # title | title_or_text
          kinds: [new, revised]          # new | revised | withdrawn

Secrets are references to environment variables, ``${NAME}``, resolved by the channel when it
is built; an option named like a secret (password, secret, token) must be one. Loaded for the
service (with an environment), every reference must be set. A channel's options are checked
against its ``Options`` model; errors name the file, line and key.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails

from crawler.names import ARTICLE_EVENT_KINDS, ArticleEventKind
from crawler.siteconfig.errors import FILE_KEY, Loc, rule_error, rule_errors
from crawler.siteconfig.errors import ConfigError as Problem
from crawler.siteconfig.fields import SiteId, Text
from crawler.siteconfig.messages import describe, key_text
from crawler.siteconfig.schedule import Schedule
from crawler.siteconfig.yamldoc import YamlDocument, YamlSyntaxError, parse_yaml
from monitor.alerts.contract import Channel, ChannelOptions

SUBSCRIBERS_FILE = "subscribers.yaml"
SUBSCRIBER_KINDS = ARTICLE_EVENT_KINDS
OPERATOR_KINDS = ("site_failing", "site_recovered", "site_stale")
ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
SECRET_OPTION = re.compile(r"(?:^|_)(?:password|passwd|secret|token|api_?key)$", re.IGNORECASE)
_NAME = re.compile(r"[a-z][a-z0-9_-]{0,39}")
_CHANNEL_PACKAGE = "monitor.alerts.channels"

EventKind = ArticleEventKind
Mode = Literal["immediate", "digest"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def channel_kinds() -> dict[str, type[Channel]]:
    """The registered channel kinds (the channels package is imported once it exists)."""
    try:
        importlib.import_module(_CHANNEL_PACKAGE)
    except ModuleNotFoundError as error:
        if error.name != _CHANNEL_PACKAGE:
            raise
    return dict(Channel.registry)


class ChannelSpec(_Model):
    """One channel of a subscriber (or of the operator): its kind, name and options.

    ``options`` keep the ``${NAME}`` references as written (the channel resolves them when it is
    built); ``validated`` is them checked by the kind's Options model. Loaded with an
    environment, an enabled channel's references must be set, and ``secrets`` holds the values."""

    kind: str
    name: str | None = None
    options: dict[str, Any] = Field(default_factory=dict)
    _validated: ChannelOptions | None = PrivateAttr(default=None)
    _secrets: tuple[str, ...] = PrivateAttr(default=())

    @property
    def label(self) -> str:
        return self.name or self.kind

    @property
    def validated(self) -> ChannelOptions:
        if self._validated is None:  # pragma: no cover - set by the validator
            raise RuntimeError("channel options not validated")
        return self._validated

    @property
    def secrets(self) -> tuple[str, ...]:
        """The values taken from the environment, to be kept out of every log line."""
        return self._secrets

    @field_validator("name")
    @classmethod
    def _name_format(cls, value: str | None) -> str | None:
        if value is not None and not _NAME.fullmatch(value):
            raise rule_error(
                "expected a short lower-case name of letters, digits, '-' or '_' (e.g. hook), "
                f"got {value!r}"
            )
        return value

    def check_environment(self, environ: Mapping[str, str]) -> list[tuple[Loc, str]]:
        """The references that ``environ`` leaves unset; keeps the values it sets as secrets."""
        secrets, missing = _references(self.options, environ)
        self._secrets = tuple(secrets)
        return missing

    @model_validator(mode="after")
    def _check_options(self) -> ChannelSpec:
        kinds = channel_kinds()
        if self.kind not in kinds:
            known = ", ".join(sorted(kinds)) or "none registered"
            raise rule_errors("channel", [(("kind",), f"expected one of: {known}")])
        problems = list(_literal_secrets(self.options))
        model = kinds[self.kind].Options
        try:
            self._validated = model.model_validate(self.options)
        except ValidationError as error:
            flagged = {loc for loc, _ in problems}
            for detail in error.errors(include_url=False):
                loc = ("options", *detail["loc"])
                if loc not in flagged:
                    problems.append((loc, describe(detail, model)))
        if problems:
            raise rule_errors("channel", problems)
        return self


def environment_of(info: ValidationInfo) -> Mapping[str, str] | None:
    """The environment the config is validated with (None: references are not resolved)."""
    context = info.context if isinstance(info.context, dict) else {}
    environ = context.get("environ")
    return environ if isinstance(environ, Mapping) else None


def _literal_secrets(options: Mapping[str, Any]) -> Iterable[tuple[Loc, str]]:
    for key, value in options.items():
        literal = isinstance(value, str) and not ENV_REFERENCE.fullmatch(value.strip())
        if SECRET_OPTION.search(str(key)) and value and literal:
            yield (
                ("options", key),
                "expected a reference to an environment variable such as "
                "${SMTP_PASSWORD}: secrets are never written in the YAML",
            )


def _references(
    value: Any, environ: Mapping[str, str], loc: Loc = ("options",)
) -> tuple[list[str], list[tuple[Loc, str]]]:
    """The values of the ``${NAME}`` references in ``value``, and those unset or empty."""
    secrets: list[str] = []
    missing: list[tuple[Loc, str]] = []
    if isinstance(value, str):
        for name in ENV_REFERENCE.findall(value):
            if environ.get(name):
                secrets.append(environ[name])
            else:
                missing.append((loc, f"expected the environment variable {name} to be set"))
    elif isinstance(value, dict | list):
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            found, absent = _references(item, environ, (*loc, key))
            secrets += found
            missing += absent
    return secrets, missing


class Filters(_Model):
    """What a subscriber hears of; an empty filter lets everything through."""

    sites: tuple[SiteId, ...] = ()
    authorities: tuple[Text, ...] = ()
    categories: tuple[Literal["news", "notice", "policy"], ...] = ()
    keywords: tuple[Text, ...] = ()
    exclude: tuple[Text, ...] = ()
    keywords_in: Literal["title", "title_or_text"] = "title_or_text"
    kinds: tuple[EventKind, ...] = ()

    @field_validator("kinds", mode="before")
    @classmethod
    def _no_operator_kinds(cls, value: Any) -> Any:
        for kind in value if isinstance(value, list | tuple) else ():
            if kind in OPERATOR_KINDS:
                raise rule_error(
                    f"expected new, revised or withdrawn: {kind} goes to the operator channel "
                    "of eduwatch.yaml, never to subscribers"
                )
        return value


class Subscriber(_Model):
    name: Text
    enabled: bool = True
    mode: Mode = "immediate"
    digest: Schedule | None = None
    channels: tuple[ChannelSpec, ...] = Field(min_length=1)
    filters: Filters = Filters()

    @field_validator("name")
    @classmethod
    def _not_reserved(cls, value: str) -> str:
        if value.startswith("@"):
            raise rule_error(f"expected a name not starting with '@' (reserved), got {value!r}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Subscriber:
        problems: list[tuple[Loc, str]] = []
        if self.mode == "digest" and self.digest is None:
            problems.append((("digest",), "expected a cron or interval: mode digest needs it"))
        if self.mode == "immediate" and self.digest is not None:
            problems.append((("digest",), "expected no digest schedule with mode immediate"))
        problems += _duplicate_labels(self.channels)
        if problems:
            raise rule_errors("subscriber", problems)
        return self

    @model_validator(mode="after")
    def _secrets_set(self, info: ValidationInfo) -> Subscriber:
        """Loaded for sending: an enabled subscriber's channels have their variables set."""
        environ = environment_of(info)
        if environ is None or not self.enabled:
            return self
        problems = [
            (("channels", index, *loc), message)
            for index, spec in enumerate(self.channels)
            for loc, message in spec.check_environment(environ)
        ]
        if problems:
            raise rule_errors("subscriber", problems)
        return self

    def channel(self, label: str) -> ChannelSpec | None:
        return next((spec for spec in self.channels if spec.label == label), None)


def _duplicate_labels(channels: Iterable[ChannelSpec]) -> list[tuple[Loc, str]]:
    seen: dict[str, int] = {}
    problems: list[tuple[Loc, str]] = []
    for index, spec in enumerate(channels):
        if spec.label in seen:
            message = f"expected a unique channel name; channels[{seen[spec.label]}] is "
            problems.append((("channels", index), message + f"{spec.label!r} (set name:)"))
        seen.setdefault(spec.label, index)
    return problems


class SubscribersConfig(_Model):
    subscribers: tuple[Subscriber, ...] = ()

    @model_validator(mode="after")
    def _unique_names(self) -> SubscribersConfig:
        seen: dict[str, int] = {}
        problems: list[tuple[Loc, str]] = []
        for index, subscriber in enumerate(self.subscribers):
            if subscriber.name in seen:
                message = f"expected a unique name; subscribers[{seen[subscriber.name]}] has it"
                problems.append((("subscribers", index, "name"), message))
            seen.setdefault(subscriber.name, index)
        if problems:
            raise rule_errors("subscribers", problems)
        return self

    @property
    def active(self) -> tuple[Subscriber, ...]:
        return tuple(subscriber for subscriber in self.subscribers if subscriber.enabled)

    def get(self, name: str) -> Subscriber | None:
        return next((s for s in self.subscribers if s.name == name), None)

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(s for sub in self.subscribers for spec in sub.channels for s in spec.secrets)


def read_subscribers(
    path: Path,
    environ: Mapping[str, str] | None = None,
    known_sites: Mapping[str, str] | None = None,
) -> tuple[SubscribersConfig | None, list[Problem]]:
    """Parse and validate a subscribers file: the config, or None and every problem found.

    ``environ`` resolves the ``${NAME}`` references (None: keep them, check the rest);
    ``known_sites`` (site id -> authority) makes unknown site ids and authorities errors."""
    if not path.is_file():
        return SubscribersConfig(), []
    document, problems = _read_document(path)
    if document is None:
        return None, problems
    try:
        config = SubscribersConfig.model_validate(
            document.data if document.data is not None else {}, context={"environ": environ}
        )
    except ValidationError as error:
        for detail in _without_echoes(error.errors(include_url=False)):
            loc = tuple(part for part in detail["loc"] if part != "[key]")
            message = describe(detail, SubscribersConfig)
            problems.append(Problem(path, document.line_of(loc), key_text(loc), message))
        return None, sorted(problems, key=lambda problem: problem.line or 0)
    if known_sites is not None:
        problems += unknown_references(config, known_sites, document, path)
    return (None, problems) if problems else (config, [])


def _without_echoes(errors: list[ErrorDetails]) -> list[ErrorDetails]:
    """Without pydantic's `too_short` of a list whose only items are themselves invalid."""
    locs = [tuple(detail["loc"]) for detail in errors]

    def echoed(detail: ErrorDetails) -> bool:
        loc = tuple(detail["loc"])
        return detail["type"] == "too_short" and any(
            len(other) > len(loc) and other[: len(loc)] == loc for other in locs
        )

    return [detail for detail in errors if not echoed(detail)]


def unknown_references(
    config: SubscribersConfig, known_sites: Mapping[str, str], document: YamlDocument, path: Path
) -> list[Problem]:
    """Filters naming a site or an authority no site file has (a typo would hear nothing)."""
    problems: list[Problem] = []
    authorities = sorted(set(known_sites.values()))
    for index, subscriber in enumerate(config.subscribers):
        filters = subscriber.filters
        for number, site in enumerate(filters.sites):
            if site not in known_sites:
                loc: Loc = ("subscribers", index, "filters", "sites", number)
                message = f"expected the id of a site of config/sites, got {site!r}"
                problems.append(Problem(path, document.line_of(loc), key_text(loc), message))
        for number, authority in enumerate(filters.authorities):
            if authority not in authorities:
                loc = ("subscribers", index, "filters", "authorities", number)
                message = f"expected one of the sites' authorities ({', '.join(authorities)})"
                problems.append(Problem(path, document.line_of(loc), key_text(loc), message))
    return problems


def _read_document(path: Path) -> tuple[YamlDocument | None, list[Problem]]:
    def fail(line: int | None, message: str) -> tuple[None, list[Problem]]:
        return None, [Problem(path, line, FILE_KEY, message)]

    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as error:
        return fail(None, f"expected a readable file ({error.strerror})")
    except UnicodeDecodeError:
        return fail(None, "expected UTF-8 text (is it saved as GBK?)")
    try:
        document = parse_yaml(text)
    except YamlSyntaxError as error:
        return fail(error.line, f"expected valid YAML: {error.problem}")
    if document.data is not None and not isinstance(document.data, dict):
        return fail(document.line_of(()), "expected a mapping with the key subscribers")
    problems = [
        Problem(path, line, key_text(loc), "expected each key once; YAML keeps the last")
        for loc, line in document.duplicate_keys
    ]
    return (None, problems) if problems else (document, [])
