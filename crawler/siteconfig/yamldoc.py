"""YAML text -> data plus its node tree, so that any key path can be traced back to its line."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from crawler.siteconfig.errors import Loc

# libyaml's parser (when PyYAML has it) reads a well-formed file about ten times faster; its
# lines and messages differ from the pure-Python parser's on errors and on line breaks other
# than \n, so those are read (again) by the pure-Python one, whose words the errors quote.
FAST_LOADER: type[yaml.SafeLoader] | None = getattr(yaml, "CSafeLoader", None)
_OTHER_BREAKS = ("\r", "\x85", "\u2028", "\u2029")


class YamlSyntaxError(Exception):
    """Text that is not one YAML document; ``line`` is 1-based."""

    def __init__(self, line: int, problem: str) -> None:
        super().__init__(f"line {line}: {problem}")
        self.line = line
        self.problem = problem


@dataclass(frozen=True, slots=True)
class YamlDocument:
    data: Any
    root: Node | None  # None for an empty document (nothing but comments)
    duplicate_keys: tuple[tuple[Loc, int], ...] = ()  # (path, line) of keys given twice

    def line_of(self, loc: Sequence[str | int]) -> int:
        """The 1-based line of the deepest node of `loc` that exists in the file."""
        if self.root is None:
            return 1
        node: Node = self.root
        line = node.start_mark.line + 1
        for part in loc:
            child = _child(node, part)
            if child is None:
                break
            line, node = child
        return line


def parse_yaml(text: str) -> YamlDocument:
    """Parse one YAML document with the safe loader; YamlSyntaxError gives the parser's line.

    The loader keeps the last value of a key given twice; `duplicate_keys` says where that happened.
    """
    if FAST_LOADER is not None and not any(mark in text for mark in _OTHER_BREAKS):
        try:
            return _parse(text, FAST_LOADER)
        except YamlSyntaxError:
            pass  # the pure-Python parser says what and where
    return _parse(text, yaml.SafeLoader)


def _parse(text: str, loader_class: type[yaml.SafeLoader]) -> YamlDocument:
    loader: yaml.SafeLoader | None = None
    try:
        loader = loader_class(text)
        root = loader.get_single_node()
        # before construction, which flattens `<<` merge keys into the mappings
        duplicates = tuple(_duplicates(root, (), set())) if root is not None else ()
        data = loader.construct_document(root) if root is not None else None
    except yaml.MarkedYAMLError as error:
        raise _syntax_error(error) from None
    except yaml.YAMLError as error:  # ReaderError: a character YAML does not allow
        position = getattr(error, "position", 0)
        problem = str(error).splitlines()[0]
        raise YamlSyntaxError(text.count("\n", 0, position) + 1, problem) from None
    finally:
        if loader is not None:
            loader.dispose()
    return YamlDocument(data=data, root=root, duplicate_keys=duplicates)


def _syntax_error(error: yaml.MarkedYAMLError) -> YamlSyntaxError:
    """The parser's line and words: `while parsing a block mapping: expected <block end> …`."""
    mark = error.problem_mark or error.context_mark
    line = mark.line + 1 if mark is not None else 1
    problem = ": ".join(part for part in (error.context, error.problem) if part) or "invalid YAML"
    context = error.context_mark
    if context is not None and context.line + 1 != line:
        problem += f" (from line {context.line + 1})"
    return YamlSyntaxError(line, problem)


def _child(node: Node, part: str | int) -> tuple[int, Node] | None:
    """(line of the key or item, value node) of one step of a path, if the file has it."""
    if isinstance(node, MappingNode):
        for key, value in node.value:
            if isinstance(key, ScalarNode) and key.value == str(part):
                return key.start_mark.line + 1, value
    elif isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
        item = node.value[part]
        return item.start_mark.line + 1, item
    return None


def _duplicates(node: Node, path: Loc, seen: set[int]) -> Iterator[tuple[Loc, int]]:
    if id(node) in seen:  # an alias met again
        return
    seen.add(id(node))
    if isinstance(node, MappingNode):
        keys: set[str] = set()
        for key, value in node.value:
            is_merge = key.tag == "tag:yaml.org,2002:merge"
            name = key.value if isinstance(key, ScalarNode) and not is_merge else None
            if name is not None and name in keys:
                yield (*path, name), key.start_mark.line + 1
            if name is not None:
                keys.add(name)
                yield from _duplicates(value, (*path, name), seen)
    elif isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            yield from _duplicates(item, (*path, index), seen)
