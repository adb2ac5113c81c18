"""A CMS family's URL shapes and markup: the interface every layout implements."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from tests.fixture_site.model import ColumnSpec, FixtureArticle
from tests.fixture_site.responses import FixtureRequest, Response, validated

if TYPE_CHECKING:
    from tests.fixture_site.state import SiteState


class Layout:
    """URL shapes, list pages and article pages of one CMS family.

    Subclasses register by ``name``. ``route`` answers the family's list pages and endpoints
    (the caller holds the site lock); article pages and files are served by the site from the
    paths the layout gives.
    """

    name: ClassVar[str] = ""
    registry: ClassVar[dict[str, type[Layout]]] = {}
    relative_links: ClassVar[bool] = False
    """Whether pages link with ``./…`` paths relative to themselves (TRS) or absolute paths."""

    def __init_subclass__(cls) -> None:
        super().__init_subclass__()
        if cls.name:
            Layout.registry[cls.name] = cls

    def __init__(self, site: SiteState) -> None:
        self.site = site

    def list_target(self, column: ColumnSpec, page: int = 1) -> str:
        """The path (and query) of a list page; ``page`` counts from 1."""
        raise NotImplementedError

    def article_path(self, column: ColumnSpec, article_id: int, date: datetime) -> str:
        raise NotImplementedError

    def file_path(
        self, column: ColumnSpec, article_id: int, date: datetime, index: int, extension: str
    ) -> str:
        """The path of an attachment or image (``index`` 0..) of an article."""
        raise NotImplementedError

    def item_file_path(self, column: ColumnSpec, article_id: int, date: datetime) -> str:
        """The path of the PDF a list item links to straight (an ``is_file`` article)."""
        return self.file_path(column, article_id, date, 999, "pdf")

    def file_key(self, request: FixtureRequest) -> str:
        """The key a requested file is stored under (its path, for most families)."""
        return request.path

    def route(self, request: FixtureRequest) -> Response | None:
        """The answer to a list page or endpoint of this family, or None if not one."""
        raise NotImplementedError

    def article_html(self, article: FixtureArticle) -> str:
        """The article page, with the noise marks of ``pages`` left in."""
        raise NotImplementedError

    def html_response(self, html: str, column: ColumnSpec) -> Response:
        """A list page: encoded in the site's charset, validated by ETag and Last-Modified."""
        data, content_type = self.site.encode_html(html)
        return validated(data, content_type, self.site.column_modified(column.key))

    def nav_links(self) -> list[tuple[str, str]]:
        return [(spec.name, self.list_target(spec)) for spec in self.site.specs.values()]

    def page_count(self, items: int, per_page: int) -> int:
        return max(1, -(-items // per_page))

    def link(self, from_path: str, to_path: str) -> str:
        from tests.fixture_site.pages import href

        return href(from_path, to_path, self.relative_links)
