"""Deterministic generator of realistic Chinese education-authority articles."""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from tests.fixture_site import phrases as P
from tests.fixture_site.catalogue import Authority
from tests.fixture_site.model import Block, Table

_MIN_PARAGRAPH = 50
_MAX_PARAGRAPH = 300


@lru_cache(maxsize=512)
def _placeholders(template: str) -> tuple[str, ...]:
    return tuple(name for _, name, _, _ in string.Formatter().parse(template) if name)


@dataclass(frozen=True, slots=True)
class Draft:
    """An article before the site gives it an id and URLs."""

    title: str
    blocks: tuple[Block, ...]
    source: str
    document_number: str | None
    description: str | None
    attachment_names: tuple[str, ...]
    with_image: bool
    editor: str


class ContentGenerator:
    """Titles, paragraphs, tables, document numbers of one authority; same seed, same articles."""

    def __init__(self, authority: Authority, seed: int) -> None:
        self.authority = authority
        self.rng = random.Random(seed)
        self._doc_serial: dict[str, int] = {}

    def fill(self, template: str, year: int) -> str:
        """Replace the placeholders of a phrase with this authority's and random values."""
        keys = _placeholders(template)
        if not keys:
            return template
        rng, auth = self.rng, self.authority
        makers: dict[str, Callable[[], str]] = {
            "year": lambda: str(year),
            "prov": lambda: auth.province,
            "city": lambda: auth.city,
            "auth": lambda: auth.name,
            "n": lambda: str(rng.randint(2, 60)),
            "m": lambda: str(rng.randint(1, 12)),
            "d": lambda: str(rng.randint(1, 28)),
            "office": lambda: rng.choice(P.OFFICES),
            "name": self.person,
            "phone": lambda: f"{auth.phone_area}-{rng.randint(2000000, 8999999)}",
            "topic": lambda: rng.choice(P.TOPICS),
            "school": lambda: rng.choice(P.SCHOOLS).format(prov=auth.province, city=auth.city),
        }
        return template.format(**{key: makers[key]() for key in keys})

    def person(self) -> str:
        return self.rng.choice(P.SURNAMES) + self.rng.choice(P.GIVEN)

    def title(self, category: str, year: int) -> str:
        bank = {"news": P.NEWS_TITLES, "policy": P.POLICY_TITLES}.get(category, P.NOTICE_TITLES)
        return self.fill(self.rng.choice(bank), year)

    def paragraph(self, category: str, year: int) -> str:
        """One paragraph of 50 to 300 characters, no sentence twice, full-width punctuation."""
        target = self.rng.randint(_MIN_PARAGRAPH, _MAX_PARAGRAPH)
        opener = category != "news" and self.rng.random() < 0.3
        text = self.fill(self.rng.choice(P.OPENERS), year) if opener else ""
        bank = P.STATEMENTS.get(category, P.NOTICE_STATEMENTS)
        for template in self.rng.sample(bank, len(bank)):
            sentence = self.fill(template, year)
            if len(text) + len(sentence) > _MAX_PARAGRAPH:
                if len(text) >= _MIN_PARAGRAPH:
                    break
                continue
            text += sentence
            if len(text) >= target:
                break
        return text

    def table(self, year: int) -> Table:
        header: tuple[str, ...] = self.rng.choice(P.TABLE_HEADERS)
        rows: list[tuple[str, ...]] = [header]
        for number in range(1, self.rng.randint(3, 6) + 1):
            rows.append(tuple(self._cell(column, number, year) for column in header))
        return tuple(rows)

    def _cell(self, column: str, number: int, year: int) -> str:
        if column == "序号":
            return str(number)
        if column in ("负责人", "姓名"):
            return self.person()
        if column == "联系电话":
            return f"{self.authority.phone_area}-{self.rng.randint(2000000, 8999999)}"
        if column == "时间":
            return f"{year}年{self.rng.randint(1, 12)}月{self.rng.randint(1, 28)}日"
        if column in P.TABLE_CELLS:
            return self.rng.choice(P.TABLE_CELLS[column])
        return self.rng.choice(P.SCHOOLS).format(
            prov=self.authority.province, city=self.authority.city
        )

    def blocks(self, category: str, year: int) -> tuple[Block, ...]:
        """A body: paragraphs, numbered headings for notices and policies, sometimes a table."""
        count = self.rng.randint(2, 7)
        body: list[Block] = [self.paragraph(category, year) for _ in range(count)]
        if category in ("notice", "policy") and count >= 4:
            body.insert(1, P.HEADINGS[0])
            body.insert(3, P.HEADINGS[1])
        if category != "news" and self.rng.random() < 0.15:
            body.insert(len(body) // 2 + 1, self.table(year))
        if category == "notice":
            body.append(self.fill(self.rng.choice(P.CLOSERS), year))
        return tuple(body)

    def document_number(self, category: str, year: int) -> str | None:
        """A 发文字号 like 晋教办〔2024〕12号 for policies and half of the notices."""
        if category == "news" or (category == "notice" and self.rng.random() < 0.5):
            return None
        kind = self.rng.choice(("", "办", "发", "函"))
        key = f"{kind}{year}"
        self._doc_serial[key] = self._doc_serial.get(key, self.rng.randint(1, 20)) + 1
        return f"{self.authority.doc_prefix}{kind}〔{year}〕{self._doc_serial[key]}号"

    def source(self, category: str) -> str:
        roll = self.rng.random()
        if category == "news" and roll < 0.25:
            return self.rng.choice(P.MEDIA).format(prov=self.authority.province)
        if roll < 0.6:
            return self.authority.name
        return self.authority.name + self.rng.choice(P.OFFICES)

    def draft(self, category: str, date: datetime) -> Draft:
        """A whole article of a column's category, dated ``date``."""
        year = date.year
        title = self.title(category, year)
        blocks = self.blocks(category, year)
        description = None
        roll = self.rng.random()
        if roll < 0.3 and category == "news":
            description = f"{date.month}月{date.day}日，{title}。"
        elif roll < 0.45 and isinstance(blocks[0], str):
            description = blocks[0][:60]
        names: tuple[str, ...] = ()
        if category != "news" and self.rng.random() < 0.35:
            picks = self.rng.sample(P.ATTACHMENT_NAMES, self.rng.randint(1, 3))
            names = tuple(
                f"{self.fill(name, year)}.{self.rng.choice(P.ATTACHMENT_EXTENSIONS)}"
                for name in picks
            )
        return Draft(
            title=title,
            blocks=blocks,
            source=self.source(category),
            document_number=self.document_number(category, year),
            description=description,
            attachment_names=names,
            with_image=category == "news" and self.rng.random() < 0.3,
            editor=self.person(),
        )

    def dates(self, count: int, newest: datetime) -> list[datetime]:
        """``count`` publication times, newest first, in office hours, hours to days apart."""
        result: list[datetime] = []
        current = newest
        for _ in range(count):
            result.append(current)
            step = timedelta(minutes=self.rng.randint(180, 3 * 24 * 60))
            current = (current - step).replace(second=0, microsecond=0)
            if not 8 <= current.hour < 18:
                current = current.replace(hour=self.rng.randint(8, 17))
                if current >= result[-1]:
                    current -= timedelta(days=1)
        return result
