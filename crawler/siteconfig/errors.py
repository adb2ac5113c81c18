"""Errors of a site configuration: one per problem, each naming the file, the line and the key."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

# The key of a problem that concerns the whole file (syntax, empty file, unreadable file).
FILE_KEY = "(file)"
# The pydantic error type of the rules checked by our own validators.
RULE_ERROR_TYPE = "eduwatch_config"

Loc = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class ConfigError:
    """One problem of one configuration file, rendered ``file:line: key: what was expected``."""

    file: Path
    line: int | None
    key: str
    message: str

    def render(self, file_label: str | None = None) -> str:
        label = str(self.file) if file_label is None else file_label
        where = label if self.line is None else f"{label}:{self.line}"
        return f"{where}: {self.key}: {self.message}"

    def __str__(self) -> str:
        return self.render()


class SiteConfigError(Exception):
    """A site file that cannot be used; ``errors`` lists every problem found."""

    def __init__(self, errors: Sequence[ConfigError]) -> None:
        self.errors = tuple(errors)
        count = len(self.errors)
        head = f"{count} error{'s' if count != 1 else ''} in the site configuration"
        super().__init__("\n".join([head, *(str(error) for error in self.errors)]))


def rule_error(message: str) -> PydanticCustomError:
    """A validation error whose message is shown as written (it says what was expected)."""
    return PydanticCustomError(RULE_ERROR_TYPE, "{message}", {"message": message})


def rule_errors(title: str, problems: Sequence[tuple[Loc, str]]) -> ValidationError:
    """Several located problems at once, raised from a model validator."""
    details = [
        InitErrorDetails(type=rule_error(message), loc=loc, input=None) for loc, message in problems
    ]
    return ValidationError.from_exception_data(title, details)
