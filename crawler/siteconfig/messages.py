"""Pydantic's validation errors in the words of the YAML: the key path and what was expected."""

from __future__ import annotations

import difflib
import types
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from crawler.siteconfig.errors import RULE_ERROR_TYPE, Loc
from crawler.siteconfig.options import UNKNOWN_KIND, adapter_kinds, adapter_options

# What a required key holds, for "missing" errors.
REQUIRED_KEY_HINTS = {
    "id": "the site id, equal to the file name without .yaml",
    "name": "a name, e.g. 山西省教育厅 or 通知公告",
    "authority": "the province or ministry, e.g. 山西 or 教育部",
    "columns": "a list of columns, each with name, url and category",
    "url": "the http(s) URL of the list page",
    "category": "one of news, notice, policy",
}

# Messages by pydantic error type; `{…}` are filled from the error's context.
TYPE_MESSAGES = {
    "string_type": "expected text",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number",
    "float_type": "expected a number",
    "float_parsing": "expected a number",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "list_type": "expected a list",
    "tuple_type": "expected a list",
    "dict_type": "expected a mapping (key: value lines)",
    "model_type": "expected a mapping (key: value lines)",
    "model_attributes_type": "expected a mapping (key: value lines)",
    "literal_error": "expected {expected}",
    "too_short": "expected at least {min_length} item(s)",
    "too_long": "expected at most {max_length} item(s)",
    "greater_than_equal": "expected a number >= {ge}",
    "greater_than": "expected a number > {gt}",
    "less_than_equal": "expected a number <= {le}",
    "less_than": "expected a number < {lt}",
    "finite_number": "expected a finite number",
    "invalid_key": "expected a key of text (quote it)",
}


def clean_loc(loc: Loc) -> Loc:
    """The path in YAML keys: without the adapter tag pydantic puts after `options`."""
    cleaned: list[str | int] = []
    for index, part in enumerate(loc):
        after_options = index > 0 and loc[index - 1] == "options"
        if after_options and (part in adapter_options() or part == UNKNOWN_KIND):
            continue
        if part == "[key]":  # pydantic's mark of an error in a mapping's key, not its value
            continue
        cleaned.append(part)
    return tuple(cleaned)


def key_text(loc: Loc) -> str:
    """`("columns", 1, "url")` -> `columns[1].url`."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def describe(error: ErrorDetails, root_model: type[BaseModel]) -> str:
    """What was expected, for one pydantic error."""
    kind = error["type"]
    context: dict[str, Any] = dict(error.get("ctx") or {})
    if kind == RULE_ERROR_TYPE:
        return str(context.get("message", error["msg"]))
    if kind == "missing":
        hint = _required_key_hint(str(error["loc"][-1]))
        return (
            f"missing: this key is required ({hint})" if hint else "missing: this key is required"
        )
    if kind == "extra_forbidden":
        return _unknown_key(error["loc"], root_model)
    template = TYPE_MESSAGES.get(kind)
    if template is None:
        return error["msg"].removeprefix("Value error, ")
    return f"{template.format(**context)}, got {_shown(error['input'])}"


def _required_key_hint(key: str) -> str | None:
    if key == "adapter":
        return f"one of {', '.join(adapter_kinds())}"
    return REQUIRED_KEY_HINTS.get(key)


def _unknown_key(loc: Loc, root_model: type[BaseModel]) -> str:
    model = model_at(root_model, loc[:-1])
    if model is None:
        return "unknown key"
    allowed = [field.alias or name for name, field in model.model_fields.items()]
    close = difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.75)
    hint = f" (did you mean {close[0]}?)" if close else ""
    return f"unknown key{hint}; expected one of: {', '.join(allowed)}"


def model_at(root_model: type[BaseModel], loc: Loc) -> type[BaseModel] | None:
    """The model class that validates the mapping at `loc` (a raw pydantic location)."""
    current: Any = root_model
    parts = list(loc)
    while parts:
        part = parts.pop(0)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = _field(current, part)
            if field is None:
                return None
            if part == "options":
                tag = parts.pop(0) if parts else UNKNOWN_KIND
                current = adapter_options().get(str(tag))
                continue
            current = _unwrap(field)
        elif get_origin(current) in (list, tuple) and isinstance(part, int):
            current = _unwrap(get_args(current)[0])
        else:
            return None
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _field(model: type[BaseModel], key: str | int) -> Any:
    for name, field in model.model_fields.items():
        if key in (name, field.alias):
            return field.annotation
    return None


def _unwrap(annotation: Any) -> Any:
    """`X | None` -> X (the model or list arm of a union)."""
    if get_origin(annotation) in (Union, types.UnionType):
        arms = [arm for arm in get_args(annotation) if arm is not type(None)]
        return arms[0] if len(arms) == 1 else annotation
    return annotation


def _shown(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
