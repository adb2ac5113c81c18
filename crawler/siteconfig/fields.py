"""Validated scalar types of the site YAML: ids, URLs, CSS selectors, patterns, codecs, headers."""

from __future__ import annotations

import codecs
import re
from typing import Annotated
from urllib.parse import urlsplit

from cssselect import SelectorError
from parsel.csstranslator import HTMLTranslator
from pydantic import AfterValidator
from selectolax.lexbor import LexborHTMLParser, SelectolaxError

from crawler.siteconfig.errors import rule_error

SITE_ID_PATTERN = re.compile(r"[a-z][a-z0-9_-]{0,63}")
_ATTRIBUTE_PATTERN = re.compile(r"[A-Za-z_:][-A-Za-z0-9_:.]*")
_HEADER_NAME_PATTERN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_PROBE_PAGE = LexborHTMLParser("<html><body><p></p></body></html>")
_CSS_TRANSLATOR = HTMLTranslator()


def _text(value: str) -> str:
    value = value.strip()
    if not value:
        raise rule_error("expected non-empty text")
    return value


def _site_id(value: str) -> str:
    if not SITE_ID_PATTERN.fullmatch(value):
        raise rule_error(
            "expected a lower-case id of letters, digits, '-' or '_' starting with a letter "
            f"(the file name without .yaml), got {value!r}"
        )
    return value


def _http_url(value: str) -> str:
    value = value.strip()
    parts = urlsplit(value)
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or any(c.isspace() for c in value)
    ):
        raise rule_error(f"expected an absolute http:// or https:// URL, got {value!r}")
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise rule_error(f"expected an absolute http:// or https:// URL, got {value!r}") from None
    return value


def _css_selector(value: str) -> str:
    """A CSS selector both engines accept: parsel (Scrapy's lists) and Lexbor (the normalizer)."""
    value = _text(value)
    try:
        _PROBE_PAGE.css(value)
        _CSS_TRANSLATOR.css_to_xpath(value)
    except (SelectolaxError, SelectorError) as error:
        raise rule_error(
            "expected a CSS selector that both parsel and selectolax accept "
            f"(no ::text, ::attr() or :contains()), got {value!r} ({error})"
        ) from None
    return value


def _regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as error:
        raise rule_error(f"expected a regular expression, got {value!r} ({error})") from None
    return value


def _regex_with_group(value: str) -> str:
    if re.compile(_regex(value)).groups < 1:
        raise rule_error(
            f"expected a regular expression with a (group) around the value: {value!r}"
        )
    return value


def _attribute(value: str) -> str:
    if not _ATTRIBUTE_PATTERN.fullmatch(value):
        raise rule_error(f"expected an HTML attribute name such as href or title, got {value!r}")
    return value


def _codec(value: str) -> str:
    try:
        return codecs.lookup(value.strip()).name
    except LookupError:
        raise rule_error(
            f"expected a known text encoding such as utf-8, gbk or gb18030, got {value!r}"
        ) from None


def _header_name(value: str) -> str:
    if not _HEADER_NAME_PATTERN.fullmatch(value):
        raise rule_error(f"expected an HTTP header name such as Referer, got {value!r}")
    return value


def _header_value(value: str) -> str:
    if "\r" in value or "\n" in value:
        raise rule_error("expected a header value on one line")
    return value


def _allowed_host(value: str) -> str:
    from crawler.scope import parse_allowed_host

    try:
        origin = parse_allowed_host(value)
    except ValueError as error:
        raise rule_error(f"{error} (e.g. files.example.gov.cn or 10.1.2.3:8080)") from None
    return origin.host if origin.port is None else value.strip().lower()


def _page_template(value: str) -> str:
    value = _text(value)
    if value.count("{page}") != 1 or value.replace("{page}", "").count("{") > 0:
        raise rule_error(
            f"expected a URL with one {{page}} placeholder, e.g. index_{{page}}.html, got {value!r}"
        )
    return value


def _path(value: str) -> str:
    if not value.startswith("/") or any(c.isspace() for c in value):
        raise rule_error(f"expected a path starting with '/', got {value!r}")
    return value


Text = Annotated[str, AfterValidator(_text)]
SiteId = Annotated[str, AfterValidator(_site_id)]
HttpUrlText = Annotated[str, AfterValidator(_http_url)]
CssSelector = Annotated[str, AfterValidator(_css_selector)]
Regex = Annotated[str, AfterValidator(_regex)]
GroupRegex = Annotated[str, AfterValidator(_regex_with_group)]
AttributeName = Annotated[str, AfterValidator(_attribute)]
Codec = Annotated[str, AfterValidator(_codec)]
HeaderName = Annotated[str, AfterValidator(_header_name)]
HeaderValue = Annotated[str, AfterValidator(_header_value)]
PageTemplate = Annotated[str, AfterValidator(_page_template)]
AllowedHost = Annotated[str, AfterValidator(_allowed_host)]
UrlPath = Annotated[str, AfterValidator(_path)]
