"""The YAML reader: libyaml's fast parser and the pure-Python one give the same document.

Site files are read by libyaml when PyYAML has it; anything it refuses, and any text with line
breaks other than \\n, is read by the pure-Python parser, whose lines and words the errors quote.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from crawler.siteconfig import yamldoc
from crawler.siteconfig.yamldoc import YamlDocument, YamlSyntaxError, parse_yaml

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted((ROOT / "config").rglob("*.yaml"))
TRICKY = """\
id: henan
name: "河南省教育厅"   # 注释
base: &defaults
  delay: 2
  concurrency: 1
columns:
  - name: 通知公告
    url: http://jyt.henan.gov.cn/tzgg/
    <<: *defaults
  - {name: 政策文件, url: 'http://jyt.henan.gov.cn/zcwj/'}
name: 重复的名字
notes: |
  　　第一行，全角缩进。
  第二行
"""

needs_libyaml = pytest.mark.skipif(yamldoc.FAST_LOADER is None, reason="PyYAML without libyaml")


def paths(data: Any, prefix: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    """Every key path of a document."""
    yield prefix
    if isinstance(data, dict):
        for key, value in data.items():
            yield from paths(value, (*prefix, str(key)))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from paths(value, (*prefix, index))


def pure(text: str, monkeypatch: pytest.MonkeyPatch) -> YamlDocument:
    with monkeypatch.context() as patch:
        patch.setattr(yamldoc, "FAST_LOADER", None)
        return parse_yaml(text)


def assert_same(fast: YamlDocument, slow: YamlDocument) -> None:
    assert fast.data == slow.data
    assert fast.duplicate_keys == slow.duplicate_keys
    for path in paths(slow.data):
        assert fast.line_of(path) == slow.line_of(path), path


@needs_libyaml
@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.name)
def test_every_shipped_file_reads_the_same_with_either_parser(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = path.read_text("utf-8")
    assert_same(parse_yaml(text), pure(text, monkeypatch))


@needs_libyaml
def test_anchors_merges_flow_style_duplicates_and_blocks_read_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fast = parse_yaml(TRICKY)
    assert_same(fast, pure(TRICKY, monkeypatch))
    assert fast.duplicate_keys == ((("name",), 11),)
    assert fast.data["columns"][0]["delay"] == 2
    assert fast.line_of(("columns", 1, "url")) == 10


@needs_libyaml
def test_the_fast_parser_is_the_one_used_for_a_well_formed_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    used: list[type] = []
    fast_loader = yamldoc.FAST_LOADER
    assert fast_loader is not None

    class Watched(fast_loader):  # type: ignore[misc, valid-type]
        def __init__(self, text: str) -> None:
            used.append(type(self))
            super().__init__(text)

    monkeypatch.setattr(yamldoc, "FAST_LOADER", Watched)
    parse_yaml(TRICKY)
    assert used == [Watched]
    used.clear()
    with pytest.raises(YamlSyntaxError):
        parse_yaml("id: x\nname: [unclosed\n")
    assert used == [Watched]  # tried, refused, then read by the pure-Python parser


@pytest.mark.parametrize(
    "text",
    [
        "id: x\nname: [unclosed\n",
        "id: x\n  name: y\n",
        "id: x\nname: 'a\n",
        "id: x\r\nname: y\r\n  bad: z\r\n",
        "id: x\u2028name: y\u2028: z",
        "id: x\nname: \x07\n",
    ],
)
def test_errors_quote_the_pure_python_parser(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(YamlSyntaxError) as fast:
        parse_yaml(text)
    with pytest.raises(YamlSyntaxError) as slow:
        pure(text, monkeypatch)
    assert (fast.value.line, fast.value.problem) == (slow.value.line, slow.value.problem)
    with pytest.raises(yaml.YAMLError):
        yaml.load(text, Loader=yaml.SafeLoader)
