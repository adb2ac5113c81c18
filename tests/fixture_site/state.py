"""The mutable state of a fixture site: columns, articles, files; thread-safe mutations."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.fixture_site.catalogue import Authority
from tests.fixture_site.content import ContentGenerator
from tests.fixture_site.layouts import Layout
from tests.fixture_site.model import (
    SHANGHAI,
    ColumnSpec,
    FixtureArticle,
    FixtureAttachment,
    as_blocks,
)
from tests.fixture_site.responses import Response


def _given_or(value: str | None, custom_title: str | None, generated: str | None) -> str | None:
    """A field given by the caller, else the generated one unless the caller wrote the title."""
    if value is not None:
        return value
    return None if custom_title else generated


@dataclass(slots=True)
class SiteOptions:
    """How a site is built and served (fixed for its life; the toggles live on the site)."""

    encoding: str = "utf-8"
    first_index: int = 1
    per_page: int = 20
    hanweb_per_page: int = 15
    hanweb_embedded: int = 45
    deleted_status: int = 404
    charset_lie: bool = False

    def __post_init__(self) -> None:
        if self.encoding not in ("utf-8", "gbk"):
            raise ValueError(f"encoding must be 'utf-8' or 'gbk', not {self.encoding!r}")
        if self.first_index not in (1, 2):
            raise ValueError(f"first_index must be 1 or 2, not {self.first_index}")
        if self.per_page < 1 or self.hanweb_per_page < 1 or self.hanweb_embedded < 1:
            raise ValueError("page sizes must be positive")
        if self.deleted_status not in (404, 410):
            raise ValueError("deleted_status must be 404 or 410")


@dataclass(frozen=True, slots=True)
class StoredFile:
    article_id: int
    title: str
    extension: str


class SiteState:
    """Columns of articles in list order, the paths they are served at, and the render cache."""

    def __init__(
        self,
        layout: str,
        authority: Authority,
        columns: Sequence[ColumnSpec],
        seed: int = 0,
        options: SiteOptions | None = None,
    ) -> None:
        self.lock = threading.RLock()
        self.authority = authority
        self.options = options or SiteOptions()
        self.generator = ContentGenerator(authority, seed)
        self.rng = random.Random(seed + 1)
        self.specs = {spec.key: spec for spec in columns}
        self.layout: Layout = Layout.registry[layout](self)
        self._order: dict[str, list[int]] = {key: [] for key in self.specs}
        self._modified: dict[str, datetime] = {}
        self._articles: dict[int, FixtureArticle] = {}
        self._pages: dict[str, int] = {}
        self._files: dict[str, StoredFile] = {}
        self._gone: dict[str, int] = {}
        self._cache: dict[str, Any] = {}
        self._changed: dict[int, datetime] = {}  # article id -> when published or last revised
        self._next_id = 5_000_001
        self._clock = datetime(2000, 1, 1, tzinfo=UTC)

    # -- reading -------------------------------------------------------------------------
    def column(self, key: str) -> ColumnSpec:
        try:
            return self.specs[key]
        except KeyError:
            raise KeyError(f"no column {key!r}; columns: {sorted(self.specs)}") from None

    def items(self, key: str) -> list[FixtureArticle]:
        """The articles of a column in list order (newest first unless reordered)."""
        with self.lock:
            return [self._articles[i] for i in self._order[self.column(key).key]]

    def article(self, article_id: int) -> FixtureArticle:
        with self.lock:
            try:
                return self._articles[article_id]
            except KeyError:
                raise KeyError(f"no article {article_id} (deleted or never published)") from None

    def articles(self) -> list[FixtureArticle]:
        """Every live article, column by column, in list order."""
        with self.lock:
            return [article for key in self.specs for article in self.items(key)]

    def column_modified(self, key: str) -> datetime:
        return self._modified.get(key, self._clock)

    def article_modified(self, article: FixtureArticle) -> datetime:
        """When an article page last changed (its Last-Modified): published or revised."""
        return self._changed.get(article.id, article.date)

    def page_at(self, path: str) -> FixtureArticle | None:
        article_id = self._pages.get(path)
        return None if article_id is None else self._articles[article_id]

    def file_at(self, path: str) -> StoredFile | None:
        return self._files.get(path)

    def gone_status(self, path: str) -> int | None:
        return self._gone.get(path)

    def charset_of(self, article: FixtureArticle | None = None) -> str:
        """The charset a page declares in its ``<meta charset>``."""
        if article is not None and article.declared_charset:
            return article.declared_charset
        return "gbk" if self.options.encoding == "gbk" else "utf-8"

    def encode_html(self, html: str, article: FixtureArticle | None = None) -> tuple[bytes, str]:
        """A page's bytes (GBK sites: gb18030) and its Content-Type; a lying page has no charset."""
        encoding = (article.encoding if article else None) or self.options.encoding
        if encoding == "gbk":
            data, content_type = html.encode("gb18030"), "text/html; charset=GBK"
        else:
            data, content_type = html.encode("utf-8"), "text/html; charset=UTF-8"
        if article is not None and article.declared_charset:
            content_type = "text/html"
        return data, content_type

    def cached(self, key: str, make: Callable[[], Response]) -> Response:
        """The rendered answer for ``key``, made once until the next mutation."""
        if key not in self._cache:
            self._cache[key] = make()
        result: Response = self._cache[key]
        return result

    # -- changing ------------------------------------------------------------------------
    def _tick(self, *columns: str) -> None:
        now = datetime.now(UTC).replace(microsecond=0)
        self._clock = max(now, self._clock + timedelta(seconds=1))
        for key in columns:
            self._modified[key] = self._clock
        self._cache.clear()

    def publish(
        self,
        column: str,
        title: str | None = None,
        paragraphs: Sequence[Any] | None = None,
        *,
        date: datetime | None = None,
        source: str | None = None,
        document_number: str | None = None,
        description: str | None = None,
        attachments: Sequence[str] | None = None,
        images: int | None = None,
        is_file: bool | None = None,
        editor: str | None = None,
    ) -> FixtureArticle:
        """Add an article at the top of a column's list; what is not given is generated.

        ``attachments`` are link texts ending in their extension (``名单.pdf``).
        """
        with self.lock:
            spec = self.column(column)
            if date is None:
                items = self.items(column)
                newest = max((a.date for a in items), default=None)
                date = datetime.now(SHANGHAI).replace(second=0, microsecond=0)
                if newest is not None and date <= newest:
                    date = newest + timedelta(minutes=1)
            if date.tzinfo is None:
                raise ValueError("date must be timezone-aware (Asia/Shanghai)")
            date = date.astimezone(SHANGHAI).replace(second=0, microsecond=0)
            draft = self.generator.draft(spec.category, date)
            article = self._add(
                spec,
                date,
                title=title or draft.title,
                blocks=as_blocks(list(paragraphs)) if paragraphs is not None else draft.blocks,
                source=source or draft.source,
                document_number=_given_or(document_number, title, draft.document_number),
                description=_given_or(description, title, draft.description),
                attachment_names=(
                    tuple(attachments) if attachments is not None else draft.attachment_names
                ),
                images=images if images is not None else int(draft.with_image),
                is_file=bool(is_file) if is_file is not None else False,
                editor=editor or draft.editor,
            )
            self._order[spec.key].insert(0, article.id)
            self._tick(spec.key)
            self._changed[article.id] = self._clock
            return article

    def _add(
        self,
        spec: ColumnSpec,
        date: datetime,
        *,
        title: str,
        blocks: tuple[Any, ...],
        source: str,
        document_number: str | None,
        description: str | None,
        attachment_names: tuple[str, ...],
        images: int,
        is_file: bool,
        editor: str,
    ) -> FixtureArticle:
        """Create an article and its files (the caller places it in the list)."""
        article_id = self._next_id
        self._next_id += 1
        layout = self.layout
        if is_file:
            path = layout.item_file_path(spec, article_id, date)
            self._files[path] = StoredFile(article_id, title, "pdf")
        else:
            path = layout.article_path(spec, article_id, date)
            self._pages[path] = article_id
        attachments = []
        for index, name in enumerate(() if is_file else attachment_names):
            extension = name.rsplit(".", 1)[-1].lower() if "." in name else "pdf"
            file_path = layout.file_path(spec, article_id, date, index, extension)
            self._files[file_path] = StoredFile(article_id, name, extension)
            attachments.append(FixtureAttachment(name, file_path))
        image_paths = []
        for index in range(0 if is_file else images):
            image_path = layout.file_path(spec, article_id, date, 100 + index, "png")
            self._files[image_path] = StoredFile(article_id, title, "png")
            image_paths.append(image_path)
        article = FixtureArticle(
            id=article_id,
            column=spec.key,
            title=title,
            date=date,
            blocks=blocks,
            source=source,
            path=path,
            document_number=document_number,
            description=description,
            attachments=tuple(attachments),
            images=tuple(image_paths),
            is_file=is_file,
            editor=editor,
        )
        self._articles[article_id] = article
        return article

    def revise(self, article_id: int, **changes: Any) -> FixtureArticle:
        """A new version of an article at the same URL: ``paragraphs``, ``title``, ``source``,
        ``description``, ``document_number`` or ``date``. Returns the new version."""
        allowed = {"paragraphs", "title", "source", "description", "document_number", "date"}
        unknown = set(changes) - allowed
        if unknown:
            raise TypeError(
                f"revise() cannot change {sorted(unknown)}; it changes {sorted(allowed)}"
            )
        with self.lock:
            old = self.article(article_id)
            fields = {key: value for key, value in changes.items() if key != "paragraphs"}
            if "paragraphs" in changes:
                fields["blocks"] = as_blocks(list(changes["paragraphs"]))
            if "date" in fields:
                if fields["date"].tzinfo is None:
                    raise ValueError("date must be timezone-aware (Asia/Shanghai)")
                fields["date"] = (
                    fields["date"].astimezone(SHANGHAI).replace(second=0, microsecond=0)
                )
            new = replace(old, version=old.version + 1, **fields)
            self._articles[article_id] = new
            listed = {"title", "date"} & set(changes)
            self._tick(*([old.column] if listed else []))
            self._changed[article_id] = self._clock
            return new

    def delete(self, article_id: int, status: int | None = None) -> FixtureArticle:
        """Withdraw an article: off its list; its page and files answer 404 (or ``status``)."""
        status = status or self.options.deleted_status
        if status not in (404, 410):
            raise ValueError("a deleted article answers 404 or 410")
        with self.lock:
            article = self.article(article_id)
            self._order[article.column].remove(article_id)
            del self._articles[article_id]
            self._pages.pop(article.path, None)
            paths = [article.path, *(a.path for a in article.attachments), *article.images]
            for path in paths:
                self._files.pop(path, None)
                self._gone[path] = status
            self._tick(article.column)
            return article

    def move(self, article_id: int, column: str) -> FixtureArticle:
        """Move an article to the top of another column's list; its page stays where it was."""
        with self.lock:
            article = self.article(article_id)
            target = self.column(column).key
            self._order[article.column].remove(article_id)
            self._order[target].insert(0, article_id)
            moved = replace(article, column=target)
            self._articles[article_id] = moved
            self._tick(article.column, target)
            return moved

    def unlist(self, article_id: int) -> FixtureArticle:
        """Take an article off its list; its page still answers (hidden, not withdrawn)."""
        with self.lock:
            article = self.article(article_id)
            self._order[article.column].remove(article_id)
            self._tick(article.column)
            return article

    def reorder(self, column: str) -> None:
        """Shuffle a column's list order (some CMSs sort by a 'weight', not by date)."""
        with self.lock:
            key = self.column(column).key
            self.rng.shuffle(self._order[key])
            self._tick(key)

    def populate(self, per_column: int, newest: datetime) -> None:
        """Generate ``per_column`` articles per column; ids grow with the date, as in a CMS."""
        with self.lock:
            planned = []
            for spec in self.specs.values():
                for date in self.generator.dates(per_column, newest):
                    draft = self.generator.draft(spec.category, date)
                    is_file = self.generator.rng.random() < spec.file_ratio
                    planned.append((date, spec, draft, is_file))
            planned.sort(key=lambda entry: entry[0])
            for date, spec, draft, is_file in planned:
                article = self._add(
                    spec,
                    date,
                    title=draft.title,
                    blocks=draft.blocks,
                    source=draft.source,
                    document_number=None if is_file else draft.document_number,
                    description=None if is_file else draft.description,
                    attachment_names=draft.attachment_names,
                    images=int(draft.with_image),
                    is_file=is_file,
                    editor=draft.editor,
                )
                self._order[spec.key].insert(0, article.id)
            self._clock = newest.astimezone(UTC).replace(microsecond=0)
            self._modified = dict.fromkeys(self.specs, self._clock)
            self._cache.clear()

    def amend(self, article_id: int, **fields: Any) -> FixtureArticle:
        """Change an article in place while building a site: no new version, no list change."""
        with self.lock:
            new = replace(self.article(article_id), **fields)
            self._articles[article_id] = new
            self._cache.clear()
            return new
