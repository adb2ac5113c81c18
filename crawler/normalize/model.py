"""The extracted article, the rules a site may give, and the failure of an extraction."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from crawler.normalize.text import lead_to_show, render_text, summarize

ATTACHMENT_EXTENSIONS = ("pdf", "doc", "docx", "xls", "xlsx", "wps", "zip", "rar", "ofd")


class ExtractionError(Exception):
    """A page from which no article could be extracted; ``code`` is machine-readable."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason


@dataclass(frozen=True, slots=True)
class ExtractionRules:
    """CSS selectors a site's YAML may give for its article pages; each overrides detection."""

    title: str | None = None
    date: str | None = None
    source: str | None = None
    body: str | None = None
    remove: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Attachment:
    name: str
    url: str


@dataclass(frozen=True, slots=True)
class Article:
    """One article in the fields of ARTICLE_FORMAT.md; ``summary`` and ``text`` are derived."""

    url: str
    title: str
    paragraphs: tuple[str, ...]
    published_at: str | None = None
    source: str | None = None
    document_number: str | None = None
    description: str | None = None
    attachments: tuple[Attachment, ...] = ()
    images: tuple[str, ...] = ()
    method: str = ""
    extras: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.title:
            raise ExtractionError("no_title", "the article has no title")
        if not self.paragraphs:
            raise ExtractionError("no_body", "the article has no body paragraph")

    @property
    def lead(self) -> str | None:
        """The page's own description when the format shows it (rule 3), else None."""
        return lead_to_show(self.description, self.paragraphs)

    @property
    def summary(self) -> str:
        return summarize(self.paragraphs)

    @property
    def text(self) -> str:
        return render_text(self.paragraphs, self.lead)

    def to_dict(self) -> dict[str, Any]:
        """The JSON record of ``eduwatch extract --format json``."""
        return {
            "url": self.url,
            "title": self.title,
            "published_at": self.published_at,
            "source": self.source,
            "document_number": self.document_number,
            "lead": self.lead,
            "paragraphs": list(self.paragraphs),
            "summary": self.summary,
            "attachments": [{"name": a.name, "url": a.url} for a in self.attachments],
            "images": list(self.images),
            "text": self.text,
            "method": self.method,
        }


def file_article(url: str, title: str, published_at: str | None = None) -> Article:
    """The article of a list item that links straight to a file (PDF, DOC ...)."""
    from crawler.normalize.text import clean_text

    name = clean_text(title)
    return Article(
        url=url,
        title=name,
        paragraphs=(f"附件: {name}",),
        published_at=published_at,
        attachments=(Attachment(name=name, url=url),),
        method="file",
    )


def is_attachment_url(url: str) -> bool:
    """Whether a URL names a downloadable document by its extension."""
    path = url.split("?", 1)[0].split("#", 1)[0].lower()
    return path.rsplit(".", 1)[-1] in ATTACHMENT_EXTENSIONS if "." in path else False
